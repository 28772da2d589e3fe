"""AppTest of the Project page with a small synthetic vector set (the transformer is never loaded)."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.vectors import WordVectors
from tests.apptest import app_test, give_vectors

PAGE = "pages/2_Project.py"
LABEL = "Synthetic"
TOPICS = {
    "billing": ["refund", "invoice", "fee", "charge", "payment", "bill", "price", "cost"],
    "shipping": ["box", "parcel", "delivery", "courier", "package", "ship", "tracking", "post"],
    "people": ["man", "woman", "king", "queen", "boy", "girl", "father", "mother"],
    "size": ["small", "big", "tiny", "huge", "large", "little", "giant", "mini"],
}


def synthetic(n_extra: int = 90) -> WordVectors:
    """Four topic clusters plus filler words, ordered as if by frequency."""
    rng = np.random.default_rng(0)
    dim = 24
    words, rows = [], []
    for topic in TOPICS.values():
        centre = rng.normal(size=dim) * 3
        for w in topic:
            words.append(w)
            rows.append(centre + rng.normal(size=dim))
    for i in range(n_extra):
        words.append(f"word{i}")
        rows.append(rng.normal(size=dim) * 2)
    return WordVectors(words, np.array(rows, dtype=np.float32), counts=np.arange(len(words), 0, -1), name=LABEL)


@pytest.fixture()
def at(monkeypatch):
    def no_reference(*args, **kwargs):
        raise AssertionError("the reference vectors should not be loaded in this test")

    monkeypatch.setattr("explorer.cache.get_reference_vectors", no_reference)
    at = app_test(PAGE)
    give_vectors(at, {LABEL: synthetic()})
    return at


def _charts(at) -> list:
    return at.get("plotly_chart")


def _run(at):
    at.run()
    assert not at.exception, at.exception
    return at


def test_pca_renders_chart_and_score(at) -> None:
    _run(at)
    assert len(_charts(at)) == 1
    assert not at.error
    labels = [m.label for m in at.metric]
    assert "Trustworthiness" in labels and "Words on the map" in labels
    assert at.metric[0].value == f"{len(synthetic()):,}"
    assert any("cosine on the original vectors" in m.value for m in [*at.markdown, *at.subheader])


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_neighbour_methods_render(at, method) -> None:
    at.session_state["project.n_words"] = 60
    _run(at)
    at.selectbox(key="project.method").set_value(method).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(_charts(at)) == 1
    assert at.metric[0].value == "60"


def test_semantic_axes_render_and_bad_word(at) -> None:
    at.session_state["project.axis_y_from"] = "small"
    at.session_state["project.axis_y_to"] = "big"
    _run(at)
    at.selectbox(key="project.method").set_value("axes").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(_charts(at)) == 1
    at.text_input(key="project.axis_x_to").input("womann").run()
    assert any("womann" in e.value for e in at.error)


def test_3d_view(at) -> None:
    _run(at)
    at.radio(key="project.dims").set_value(3).run()
    assert not at.exception and len(_charts(at)) == 1


def test_selecting_a_word_shows_its_neighbours(at) -> None:
    _run(at)
    at.selectbox(key="project.neighbour_of").set_value("refund").run()
    assert not at.exception
    table = at.dataframe[0].value
    neighbours = list(table["neighbour"])
    assert len(neighbours) == 10 and "refund" not in neighbours
    # its topic-mates are the nearest by cosine on the raw vectors
    assert set(neighbours[:5]) <= set(TOPICS["billing"])
    assert list(table["cosine"]) == sorted(table["cosine"], reverse=True)


def test_filters_and_errors(at) -> None:
    _run(at)
    at.text_input(key="project.filter").input("(unclosed").run()
    assert any("not a valid regular expression" in e.value for e in at.error)
    at.text_input(key="project.filter").input("^word1").run()
    assert not at.error
    assert at.metric[0].value == "11"  # word1, word10..word19
    at.text_input(key="project.filter").input("").run()
    at.text_area(key="project.words").input("refund, box, man").run()
    assert at.metric[0].value == "3"


def test_perplexity_too_large_is_an_error(at) -> None:
    at.session_state["project.n_words"] = 20
    _run(at)
    at.selectbox(key="project.method").set_value("tsne").run()
    at.checkbox(key="project.perplexity_auto").uncheck().run()
    at.slider(key="project.perplexity").set_value(30.0).run()
    assert not at.exception
    assert any("too large for 20 points" in e.value for e in at.error)


def test_colour_by_groups_and_search(at) -> None:
    _run(at)
    at.radio(key="project.colour").set_value("groups").run()
    at.text_area(key="project.groups").input("billing: refund, invoice\nshipping: box, parcel").run()
    assert not at.exception and not at.error
    at.text_area(key="project.groups").input("no colon here").run()
    assert any("Line 1" in e.value for e in at.error)
    at.text_input(key="project.search").input("word1").run()
    assert any("11 match" in c.value for c in at.caption)


def test_link_restores_the_view(monkeypatch) -> None:
    monkeypatch.setattr("explorer.cache.get_reference_vectors", lambda *a, **k: synthetic())
    at = app_test(PAGE)
    give_vectors(at, {LABEL: synthetic()})
    at.query_params.update({"project.method": "umap", "project.n_words": "50", "project.seed": "3", "project.k": "99"})
    _run(at)
    assert at.selectbox(key="project.method").value == "umap"
    assert at.metric[0].value == "50"
    assert any("project.k" in w.value for w in at.warning)  # out of range: ignored with a warning


def test_exported_figures_keep_their_labels() -> None:
    """A downloaded figure must look like the one on the page: tick labels with room, plotly.js inlined."""
    from explorer.charts.context import heatmap_pair
    from explorer.charts.export import figure_html
    from explorer.charts.projection import projection_figure

    labels = ["1: The bank approved", "2: the river bank", "3: bank raised"]
    heat = figure_html(heatmap_pair(np.eye(3), np.ones((3, 3)), labels, labels, layer=2, word="bank"))
    assert all(label in heat for label in labels) and '"automargin":true' in heat.replace(" ", "")
    scatter = figure_html(
        projection_figure(["king", "queen", "man"], np.eye(3)[:, :2], axis_titles=["PC1 (40% of variance)", "PC2"])
    )
    assert "PC1 (40% of variance)" in scatter and 'src="https://cdn.plot.ly' not in scatter


def _points_drawn(at) -> int:
    """How many words the map draws: the distinct rows (``customdata``) over its traces."""
    import base64
    import json

    rows: set[int] = set()
    for trace in json.loads(_charts(at)[0].proto.spec)["data"]:
        data = trace.get("customdata") or []
        if isinstance(data, dict):  # plotly sends numpy arrays as typed base64 ("bdata")
            data = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"])).tolist()
        rows |= {int(np.ravel(row)[0]) for row in data}
    return len(rows)


def test_words_on_the_map_follow_the_choice_not_the_smallest_set_seen(monkeypatch) -> None:
    """A 20-word set cuts the map to 20; the next, larger set shows the chosen number again."""
    monkeypatch.setattr("explorer.cache.get_reference_vectors", lambda *a, **k: synthetic())
    small = WordVectors([f"tiny{i}" for i in range(20)], np.random.default_rng(1).normal(size=(20, 8)).astype(np.float32))  # fmt: skip
    at = app_test(PAGE)
    give_vectors(at, {"small": small, LABEL: synthetic()}, active="small")
    _run(at)
    assert _points_drawn(at) == 20 and at.metric[0].value == "20"
    assert not any("Showing" in c.value for c in at.caption), "all 20 words are shown: nothing to raise"
    at.selectbox(key="project.vectors").set_value(LABEL).run()
    assert not at.exception
    assert _points_drawn(at) == len(synthetic()), "the default (2,000) applies again, cut to this set's 122 words"
    at.number_input(key="project.n_words.shown").set_value(50).run()
    assert _points_drawn(at) == 50 and at.session_state["project.n_words"] == 50
    assert any(f"Showing 50 of the {len(synthetic())} words" in c.value for c in at.caption)
    at.selectbox(key="project.vectors").set_value("small").run()
    assert _points_drawn(at) == 20
    at.selectbox(key="project.vectors").set_value(LABEL).run()
    assert _points_drawn(at) == 50, "the visitor's 50 comes back, not the small set's 20"


def test_clusters_are_named_by_words_and_labels_skip_stopwords(monkeypatch) -> None:
    import json

    from explorer.stopwords import is_stopword

    rng = np.random.default_rng(4)
    base = synthetic()
    stop = ["the", "of", "and", "to", "in", "is", "that", "for"]
    wv = WordVectors(stop + list(base.keys), np.vstack([rng.normal(size=(8, 24)), base.vectors]).astype(np.float32))
    at = app_test(PAGE)
    give_vectors(at, {"with stopwords": wv})
    _run(at)
    spec = json.loads(_charts(at)[0].proto.spec)
    names = {t["name"] for t in spec["data"]}
    assert len(names) == 8 and not any(n.startswith("cluster ") for n in names), names
    assert any(set(n.split(", ")) <= set(TOPICS["billing"]) for n in names), names
    labelled = [a["text"] for a in spec["layout"]["annotations"]]
    assert labelled and not any(is_stopword(w) for w in labelled), labelled


def test_the_map_files_are_titled_with_the_set_and_method(at, monkeypatch) -> None:
    from explorer import ui

    seen: dict[str, object] = {}
    original = ui.chart

    def spy(fig, **kwargs):
        seen.update(kwargs)
        return original(fig, **kwargs)

    monkeypatch.setattr(ui, "chart", spy)
    _run(at)
    at.selectbox(key="project.method").set_value("umap").run()
    assert not at.exception
    title = str(seen.get("export_title"))
    assert "UMAP" in title and LABEL in title and f"{len(synthetic())} words" in title


def test_a_set_over_the_cap_points_a_hosted_visitor_to_the_map_page_without_a_command(at, monkeypatch) -> None:
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_MAX_POINTS", "50")  # the synthetic set's 122 words are over the cap
    _run(at)
    hint = next(c.value for c in at.caption if "can be projected here" in c.value)
    assert "**Map** page" in hint
    assert "python -m" not in hint and "build a map" not in hint  # nothing a visitor of a hosted server can do
