"""AppTest of pages/6_Compare.py with hand-built vector sets, and the Train page's snapshots compared there."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from explorer import vectorsets
from explorer.vectors import WordVectors
from tests.apptest import app_test, give_vectors

PAGE = "pages/6_Compare.py"
ID_A, ID_B = "upload:first.txt", "upload:second.txt"
N, DIM = 120, 16
MOVED = ("w7", "w30")  # the words given new vectors in B


def _pair(dim_b: int = DIM, shared: int = N) -> tuple[WordVectors, WordVectors]:
    """A: N random words; B: the same words rotated with a little noise, two of them moved elsewhere."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, DIM)).astype(np.float32)
    counts = np.arange(2 * N, N, -1)
    a = WordVectors([f"w{i}" for i in range(N)], x, counts=counts, name="first")
    if dim_b != DIM:
        y = rng.normal(size=(N, dim_b)).astype(np.float32)
    else:
        rotation = np.linalg.qr(rng.normal(size=(DIM, DIM)))[0]
        y = (x @ rotation + rng.normal(scale=0.05, size=x.shape)).astype(np.float32)
        for w in MOVED:
            y[int(w[1:])] = rng.normal(size=DIM)
    words_b = [f"w{i}" for i in range(shared)] + [f"other{i}" for i in range(N - shared)]
    return a, WordVectors(words_b, y, counts=counts, name="second")


@pytest.fixture()
def no_reference(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the reference vectors should not be loaded in this test")

    monkeypatch.setattr("explorer.cache.get_reference_vectors", refuse)


def _page(set_a: WordVectors, set_b: WordVectors, **state: object):
    at = app_test(PAGE)
    give_vectors(at, {ID_A: set_a, ID_B: set_b}, active=ID_A)
    at.session_state["compare.b"] = ID_B
    for key, value in state.items():
        at.session_state[f"compare.{key}"] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def test_map_tables_and_side_by_side_render(no_reference) -> None:
    at = _page(*_pair())
    assert not at.error
    figures = _figures(at)
    assert len(figures) == 2, "the joint map and the agreement bars"
    names = [t.get("name") for t in figures[0]["data"]]
    assert names[:3] == ["A", "B", "same word in A and B"]
    assert "A (circles): first · B (diamonds): second" in figures[0]["layout"]["title"]["text"]
    assert len(figures[0]["data"][0]["x"]) == N and len(figures[0]["data"][1]["x"]) == N
    changed, stable, neighbours = (at.dataframe[i].value for i in range(3))
    assert set(changed["word"][:2]) == set(MOVED), "the planted words are the most changed"
    assert changed["overlap"].iloc[0] < stable["overlap"].iloc[0]
    assert {"count_a", "count_b"} <= set(changed.columns)
    assert list(neighbours.columns) == [
        "rank",
        "A neighbour",
        "A cosine",
        "A: in both",
        "B neighbour",
        "B cosine",
        "B: in both",
    ]
    assert len(neighbours) == 10
    assert f"**{changed['word'].iloc[0]}**" in _texts(at.markdown)
    assert "120** shared words" in _texts(at.markdown)
    assert "Neighbours: exact, among the 120 shared words of each set." in _texts(at.caption)
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("PNG") == labels.count("SVG") == labels.count("Data (CSV)") == 2  # the map and the bars
    assert "Per-word agreement (CSV)" in labels


def test_above_the_exact_size_the_page_states_the_approximate_search_and_its_recall(no_reference, monkeypatch) -> None:
    from explorer import knnengine

    rng = np.random.default_rng(11)
    n, dim = 900, 12
    centres = rng.normal(size=(n // 15, dim))
    x = (centres[rng.integers(len(centres), size=n)] + 0.3 * rng.normal(size=(n, dim))).astype(np.float32)
    words = [f"v{i}" for i in range(n)]
    a = WordVectors(words, x, name="first")
    b = WordVectors(words, (x + 0.02 * rng.normal(size=x.shape)).astype(np.float32), name="second")
    monkeypatch.setattr(knnengine, "EXACT_MAX_ROWS", 300)
    at = _page(a, b)
    line = next(t for t in (c.value for c in at.caption) if t.startswith("Neighbours:"))
    # 900 rows: two thirds of them checked against exact neighbours, a third chose the probes
    assert "Neighbours: approximate (IVF), recall@10 " in line and "on 600 sampled words each" in line
    assert "exact up to 300 shared words" in line
    found = re.search(r"recall@10 ([0-9.]+) in A and ([0-9.]+) in B", line)
    assert found is not None and all(0.9 <= float(r) <= 1.0 for r in found.groups())


def test_choosing_a_word_shows_its_neighbours(no_reference) -> None:
    at = _page(*_pair())
    at.selectbox(key="compare.word").set_value("w3").run()
    assert not at.exception
    assert "**w3**:" in _texts(at.markdown)
    neighbours = at.dataframe[2].value
    assert "w3" not in set(neighbours["A neighbour"]) and neighbours["A: in both"].sum() >= 5
    # the chosen word is joined on the map and ringed
    assert _figures(at)[0]["data"][-1]["name"] == "w3"


def test_projection_settings_and_frequency_filter(no_reference) -> None:
    at = _page(*_pair(), method="tsne", dims=3, n_words=40, min_count=200)
    assert not at.error
    trace = _figures(at)[0]["data"][0]
    assert trace["type"] == "scatter3d"
    changed = at.dataframe[0].value
    assert (changed["count_a"] >= 200).all() and (changed["count_b"] >= 200).all()


def test_few_shared_words_are_named(no_reference) -> None:
    at = _page(*_pair(shared=3))
    assert "share only 3 words" in _texts(at.warning)
    assert len(at.dataframe) >= 3, "the tables still render"


def test_words_on_the_map_follow_the_choice_after_a_small_pair(no_reference) -> None:
    """A pair sharing 2 words cuts the map to 2; the next pair shows the chosen number again, and says so when cut."""
    a, b = _pair()
    _, few = _pair(shared=2)
    at = app_test(PAGE)
    give_vectors(at, {ID_A: a, ID_B: b, "upload:few.txt": few}, active=ID_A)
    at.session_state["compare.b"] = "upload:few.txt"
    at.run()
    assert not at.exception and len(_figures(at)[0]["data"][0]["x"]) == 2
    at.selectbox(key="compare.b").set_value(ID_B).run()
    assert not at.exception
    assert len(_figures(at)[0]["data"][0]["x"]) == N, "the default 300, cut to the 120 shared words, not 2"
    assert not any("Showing" in c.value for c in at.caption)
    at.number_input(key="compare.n_words.shown").set_value(40).run()
    drawn = len(_figures(at)[0]["data"][0]["x"])
    assert 40 <= drawn <= 40 + 15 + 1 and at.session_state["compare.n_words"] == 40  # plus the 15 most changed
    assert any(f"Showing 40 of the {N} shared words" in c.value for c in at.caption)


def test_different_dimensions_share_a_map_with_a_note(no_reference) -> None:
    """Your training (at most 300 dimensions) against the reference (384): aligned approximately, on one map."""
    at = _page(*_pair(dim_b=8))
    warnings = _texts(at.warning)
    assert "16 dimensions" in warnings and "approximate" in warnings
    assert len(_figures(at)) >= 2, "the map and the agreement bars"
    assert "cosine" in at.dataframe[0].value.columns


def test_an_empty_set_or_no_shared_words_is_an_error(no_reference) -> None:
    a, _ = _pair()
    empty = WordVectors([], np.zeros((0, DIM), dtype=np.float32), name="empty")
    at = _page(a, empty)
    assert "no words" in _texts(at.error)
    other = WordVectors(["x", "y", "z"], np.eye(3, DIM, dtype=np.float32), name="other")
    at = _page(a, other)
    assert "share no words" in _texts(at.error)


def test_the_same_set_twice_says_what_to_do(no_reference) -> None:
    a, b = _pair()
    at = _page(a, b, b=ID_A)
    assert "A and B are the same set" in _texts(at.info)
    assert not at.dataframe


def test_benchmark_table_scores_both_sets(no_reference) -> None:
    from explorer.evaluation import builtin_path

    text = builtin_path("world").read_text(encoding="utf-8")
    words = list(dict.fromkeys(w for line in text.splitlines() if not line.startswith(":") for w in line.split()))
    a, b = _pair()
    rename = lambda wv: WordVectors(words[:N], wv.vectors, counts=wv.counts, name=wv.name)  # noqa: E731
    at = _page(rename(a), rename(b), bench_on=True, bench_sections=True)
    table = at.dataframe[-1].value
    assert {"benchmark", "metric", "A", "B", "note"} <= set(table.columns)
    assert {"accuracy (3CosAdd)", "accuracy (3CosMul)", "Spearman ρ"} <= set(table["metric"])
    assert any(" · " in name for name in table["benchmark"]), "one row per section"


def test_link_round_trip(no_reference) -> None:
    a, b = _pair()
    at = app_test(PAGE)
    give_vectors(at, {ID_A: a, ID_B: b}, active=ID_A)
    at.query_params.update(
        {"compare.a": ID_B, "compare.b": ID_A, "compare.k": "5", "compare.method": "umap", "compare.seed": "3"}
    )
    at.query_params.update({"compare.word": "w4", "compare.n_words": "50", "compare.dims": "2"})
    at.run()
    assert not at.exception
    assert (at.session_state["compare.a"], at.session_state["compare.b"]) == (ID_B, ID_A)
    assert at.number_input(key="compare.k").value == 5 and at.selectbox(key="compare.word").value == "w4"
    at.number_input(key="compare.n_changed").set_value(7).run()
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert params["compare.n_changed"] == "7" and params["compare.seed"] == "3" and params["compare.word"] == "w4"
    # the same link in a new session of the same visitor opens the same view
    again = app_test(PAGE)
    give_vectors(again, {ID_A: a, ID_B: b}, active=ID_A)
    again.query_params.update(params)
    again.run()
    assert not again.exception
    for key in ("compare.a", "compare.b", "compare.k", "compare.method", "compare.seed", "compare.n_changed"):
        assert again.session_state[key] == at.session_state[key], key
    assert again.dataframe[2].value.equals(at.dataframe[2].value)
    # uploaded sets cannot travel, and the page says so
    assert "cannot rebuild them" in _texts(at.info)


def test_a_link_to_a_trained_set_says_it_cannot_travel(monkeypatch) -> None:
    a, b = _pair()
    monkeypatch.setattr("explorer.cache.get_reference_vectors", lambda *args, **kwargs: b)  # the fallback
    at = app_test(PAGE)
    give_vectors(at, {ID_A: a, ID_B: b}, active=ID_A)
    at.session_state["compare.b"] = ID_B
    at.query_params["compare.a"] = vectorsets.trained_id("sgns", "builtin:support_tickets", run=1, step=20)
    at.run()
    assert not at.exception
    assert "snapshot (step 20)" in _texts(at.warning) and "cannot travel" in _texts(at.warning)
    assert at.session_state["compare.a"] == "reference"


# ----- snapshots kept on the Train page, compared here ------------------------------------------------
def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_train_snapshots_are_kept_and_comparable(no_reference) -> None:
    train = app_test("pages/1_Train.py")
    train.run()
    _button(train, "Step ×1").click().run()
    _button(train, "Keep a snapshot").click().run()
    _button(train, "Step ×20").click().run()  # crosses the end of epoch 1: kept on its own
    _button(train, "Keep a snapshot").click().run()
    assert not train.exception
    sets = train.session_state["vectors.sets"]
    kept = [i for i in sets if "@" in i]
    assert [vectorsets.parse_id(i).step for i in kept] == [1, 20, 21]
    assert "after epoch 1" in sets[kept[1]].label
    assert train.session_state["vectors.active"] == "trained:sgns:builtin:support_tickets"
    assert "snapshots of this run at step 1, after epoch 1, at step 21" in _texts(train.caption)
    # the word map replays a kept snapshot, then comes back to the live vectors
    replay = train.select_slider(key="train.replay")
    assert replay.options == ["at step 1", "after epoch 1", "at step 21", "now"] and replay.value == "now"
    replay.set_value(1).run()
    assert not train.exception
    assert any("Word map at step 1" in json.dumps(f["layout"].get("title")) for f in _figures(train))
    train.select_slider(key="train.replay").set_value("now").run()
    assert not any("Word map at step" in json.dumps(f["layout"].get("title")) for f in _figures(train))

    compare = app_test(PAGE)
    compare.session_state["vectors.sets"] = sets
    compare.session_state["vectors.active"] = kept[0]
    compare.session_state["compare.b"] = kept[2]
    compare.run()
    assert not compare.exception and not compare.error
    assert len(_figures(compare)) == 2 and len(compare.dataframe) == 3
    assert "cannot rebuild them" in _texts(compare.info)


def test_a_changed_parameter_keeps_the_finished_run(no_reference) -> None:
    train = app_test("pages/1_Train.py")
    train.run()
    _button(train, "Step ×1").click().run()
    train.number_input(key="train.sgns.window").set_value(3).run()
    assert not train.exception
    sets = train.session_state["vectors.sets"]
    assert "trained:sgns:builtin:support_tickets@run1" in sets
    _button(train, "Step ×1").click().run()
    _button(train, "Keep a snapshot").click().run()
    assert "trained:sgns:builtin:support_tickets@run2.step1" in train.session_state["vectors.sets"]
