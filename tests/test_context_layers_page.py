"""AppTests of the Context page's "How contextual" view and "Senses by neighbours" list, on every source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer.contextual import load_presets
from explorer.contextual.senses import static_accuracy
from tests.apptest import app_test
from tests.test_index_page import index_dir  # noqa: F401 - the module's index folder fixture

PAGE = "pages/4_Context.py"


def _charts(at) -> dict[str, dict]:
    """Every Plotly chart of the page by its title."""
    out = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        out[str((spec["layout"].get("title") or {}).get("text"))] = spec
    return out


def _no_failure(at) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def _chart(at, starts: str) -> dict:
    found = [spec for title, spec in _charts(at).items() if title.startswith(starts)]
    assert found, list(_charts(at))
    return found[0]


@pytest.fixture()
def tiny_page(monkeypatch, tiny_bert_dir):
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    at = app_test(PAGE)
    at.run()
    _no_failure(at)
    return at


def test_the_preset_lists_neighbours_and_draws_the_sense_accuracy_per_layer(tiny_page) -> None:
    at = tiny_page
    preset = load_presets()["bank"]
    assert at.selectbox(key="context.picked").value.startswith("#1 ")
    neighbour_lines = [m.value for m in at.markdown if m.value.startswith("1. cosine")]
    assert len(neighbour_lines) == 1 and neighbour_lines[0].count("\n") == 4  # k = 5 neighbours
    assert "**bank**" in neighbour_lines[0]  # the word is highlighted in each sentence
    fig = _chart(at, "Nearest-neighbour sense accuracy")
    assert [t["name"] for t in fig["data"]][:2] == [
        "contextual (nearest occurrence)",
        "static lookup (cannot separate senses)",
    ]
    assert len(fig["data"][0]["x"]) == 3  # the tiny BERT: layers 0, 1, 2
    expected_static = static_accuracy(preset.labels)
    assert fig["data"][1]["y"][0] == pytest.approx(expected_static)
    static_metric = next(m for m in at.metric if m.label == "Static lookup")
    assert static_metric.value == f"{expected_static:.0%}"
    at.selectbox(key="context.picked").set_value(at.selectbox(key="context.picked").options[5]).run()
    _no_failure(at)
    assert any("#6 " in m.value[:8] and "(river)" in m.value for m in at.markdown), [m.value[:60] for m in at.markdown]
    at.number_input(key="context.neighbours_k").set_value(2).run()
    assert next(m.value for m in at.markdown if m.value.startswith("1. cosine")).count("\n") == 1


def test_how_contextual_draws_the_word_against_the_corpus_with_explanations(tiny_page) -> None:
    at = tiny_page
    assert not [t for t in _charts(at) if t.startswith("How contextual")]  # off until asked: it runs the model more
    at.toggle(key="context.how").set_value(True).run()
    _no_failure(at)
    fig = _chart(at, "How contextual is “bank”")
    names = {t["name"] for t in fig["data"]}
    assert {"“bank”", "corpus", "“bank”, adjusted", "corpus, adjusted", "anisotropy baseline"} <= names
    word_self = next(t for t in fig["data"] if t["name"] == "“bank”")
    assert word_self["x"] == [0, 1, 2] and all(v is not None and -1 <= v <= 1 for v in word_self["y"])
    caption = next(c.value for c in at.caption if c.value.startswith("Sample:"))
    assert "8 occurrences" in caption and "sentences" in caption
    text = " ".join(m.value for m in at.markdown)
    for name in ("Self-similarity", "Intra-sentence similarity", "Anisotropy baseline", "First-PC variance"):
        assert f"**{name}**" in text
    assert "Ethayarajh" in text
    assert at.query_params["context.how"] == "1"


def test_unlabelled_sentences_list_neighbours_without_an_accuracy_curve(tiny_page) -> None:
    at = tiny_page
    at.radio(key="context.source").set_value("custom").run()
    at.text_input(key="context.word").set_value("bank").run()
    at.text_area(key="context.text").set_value("the bank lent money\nthe river bank\na bank loan\nmy bank card").run()
    _no_failure(at)
    assert [m.value for m in at.markdown if m.value.startswith("1. cosine")]
    assert not [t for t in _charts(at) if t.startswith("Nearest-neighbour")]
    assert any("sense labels" in c.value and "how often the nearest occurrence" in c.value for c in at.caption)
    at.toggle(key="context.how").set_value(True).run()
    _no_failure(at)
    assert _chart(at, "How contextual is “bank”")


def test_the_index_source_measures_layers_from_stored_vectors_and_scores_sense_clusters(
    monkeypatch: pytest.MonkeyPatch,
    tiny_bert_dir: Path,
    index_dir: Path,  # noqa: F811
) -> None:
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    monkeypatch.setenv("EXPLORER_INDEX_DIR", str(index_dir))
    at = app_test(PAGE)
    at.run()
    at.radio(key="context.source").set_value("index").run()
    at.text_input(key="context.index_word").set_value("bank").run()
    _no_failure(at)

    def no_model_run(*args, **kwargs):
        raise AssertionError("the index source must not run the model")

    monkeypatch.setattr("explorer.cache.get_sentence_words", no_model_run)
    at.toggle(key="context.how").set_value(True).run()
    _no_failure(at)
    fig = _chart(at, "How contextual is “bank”")
    assert next(t for t in fig["data"] if t["name"] == "corpus")["x"] == [0, 1, 2]
    assert any(c.value.startswith("Sample:") and "stored occurrences" in c.value for c in at.caption)
    assert not [t for t in _charts(at) if t.startswith("Nearest-neighbour")]  # no labels, no clusters yet
    at.number_input(key="context.index_k").set_value(2).run()
    _no_failure(at)
    assert "2 sense clusters" in _chart(at, "Nearest-neighbour sense accuracy")["layout"]["title"]["text"]


def test_a_click_on_the_map_or_the_heatmap_picks_once_and_the_select_box_still_works(tiny_page) -> None:
    at = tiny_page
    # The map's second trace is the "river" sense (sentences 5-8); its third point is sentence 7.
    at.session_state["context.map"] = {"selection": {"points": [{"curve_number": 1, "point_index": 2}]}}
    at.run()
    _no_failure(at)
    assert at.selectbox(key="context.picked").value.startswith("#7 ")
    first = at.selectbox(key="context.picked").options[0]
    at.selectbox(key="context.picked").set_value(first).run()  # the map's selection stays, but was used once
    assert at.selectbox(key="context.picked").value == first
    row = at.selectbox(key="context.picked").options[3]
    # Each pick cleared the other chart's selection by drawing it under a new key: the map's pick the
    # heatmap's, the select box both.
    assert at.session_state["context.pick_generation"] == {"heatmap": 2, "map": 1}
    at.session_state["context.heatmap.2"] = {"selection": {"points": [{"x": first, "y": row}]}}  # a cell of row 4
    at.run()
    _no_failure(at)
    assert at.selectbox(key="context.picked").value == row
    assert at.session_state["context.pick_generation"] == {"heatmap": 2, "map": 2}
    assert any(m.value.startswith("1. cosine") for m in at.markdown)
