"""AppTest of the Context page: preset heatmap, layer slider, typed sentences, corpus sentences, errors."""

from __future__ import annotations

import json

import pytest

from tests.apptest import app_test

PAGE = "pages/4_Context.py"


def _heatmap(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def _errors(at) -> list[str]:
    return [e.value for e in at.error]


@pytest.mark.slow
def test_preset_heatmap_and_layer_slider_with_bundled_model(monkeypatch):
    monkeypatch.delenv("EXPLORER_MODEL", raising=False)
    at = app_test(PAGE, timeout=240)
    at.run()
    assert not at.exception and not _errors(at), _errors(at)
    fig = _heatmap(at)
    assert [t["type"] for t in fig["data"]] == ["heatmap", "heatmap", "scatter"]  # the scatter: click targets
    assert len(fig["data"][2]["x"]) == 8 * 8  # one invisible marker on each contextual cell
    assert len(fig["data"][0]["x"]) == 8  # the "bank" preset: 8 sentences on both axes
    assert "layer 6" in json.dumps(fig["layout"]["annotations"])
    assert at.slider(key="context.layer").value == 6
    at.slider(key="context.layer").set_value(0).run()
    assert not at.exception
    changed = _heatmap(at)
    assert changed["data"][0]["z"] != fig["data"][0]["z"]
    assert "embedding layer (0)" in json.dumps(changed["layout"]["annotations"])
    assert changed["data"][1]["z"] == fig["data"][1]["z"]  # the static lookup does not move
    # With sense labels: the per-layer separation chart and its metrics.
    assert any(m.label.startswith("Separation") for m in at.metric)
    at.toggle(key="context.center").set_value(True).run()
    assert not at.exception and _heatmap(at)["data"][0]["z"] != changed["data"][0]["z"]


@pytest.fixture()
def tiny_page(monkeypatch, tiny_bert_dir):
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    at = app_test(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def test_typed_sentences_with_missing_word_and_labels(tiny_page):
    at = tiny_page
    at.radio(key="context.source").set_value("custom").run()
    at.text_input(key="context.word").set_value("bank").run()
    at.text_area(key="context.text").set_value(
        "the bank lent money | money\nmy houseplant is green | plant\nthe river bank | river\na bank loan | money"
    ).run()
    assert not at.exception and not _errors(at), _errors(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "sentence(s) 2" in warnings and "houseplant" in warnings
    assert len(_heatmap(at)["data"][0]["x"]) == 3
    assert any(m.label.startswith("Separation") for m in at.metric)


def test_unlabeled_sentences_get_a_suggested_grouping(tiny_page):
    at = tiny_page
    at.radio(key="context.source").set_value("custom").run()
    at.text_input(key="context.word").set_value("bank").run()
    at.text_area(key="context.text").set_value("the bank lent money\nthe river bank\na bank loan\nmy bank card").run()
    assert not at.exception and not _errors(at)
    assert any("suggested by clustering" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 3  # heatmap, occurrence map, visibility


def test_some_unlabelled_lines_are_named_in_a_plain_sentence(tiny_page):
    at = tiny_page
    at.radio(key="context.source").set_value("custom").run()
    at.text_input(key="context.word").set_value("bank").run()
    at.text_area(key="context.text").set_value("the bank lent money | money\nthe river bank\na bank loan | money").run()
    assert not at.exception and not _errors(at), _errors(at)
    note = next(w.value for w in at.warning if "sense label" in w.value)
    assert note.startswith("Sentence 2 has no sense label while others do")
    assert "have no" not in note and "` |" not in note and "  " not in note


def test_fewer_than_two_occurrences_is_explained(tiny_page):
    at = tiny_page
    at.radio(key="context.source").set_value("custom").run()
    at.text_input(key="context.word").set_value("bank").run()
    at.text_area(key="context.text").set_value("the bank lent money\na cat sat").run()
    assert not at.exception
    assert any("Only one occurrence of “bank”" in e and "at least two" in e for e in _errors(at)), _errors(at)
    assert not at.get("plotly_chart")
    at.text_area(key="context.text").set_value("a cat sat\nthe dog ran").run()
    assert not at.exception
    assert any("No occurrence of “bank”" in e for e in _errors(at)), _errors(at)


def test_corpus_sentences(tiny_page):
    at = tiny_page
    at.radio(key="context.source").set_value("corpus").run()
    at.text_input(key="context.corpus_word").set_value("charge").run()
    assert not at.exception and not _errors(at), _errors(at)
    assert any("contain “charge”" in c.value for c in at.caption)
    assert at.get("plotly_chart")
    at.text_input(key="context.corpus_word").set_value("zzzqqq").run()
    assert not at.exception and any("No sentence" in w.value for w in at.warning)


def test_link_restores_the_view(monkeypatch, tiny_bert_dir):
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    at = app_test(PAGE)
    at.query_params.update({"context.preset": "charge", "context.layer": "1", "context.center": "1"})
    at.run()
    assert not at.exception
    assert at.selectbox(key="context.preset").value == "charge"
    assert at.slider(key="context.layer").value == 1 and at.toggle(key="context.center").value is True
    bad = app_test(PAGE)
    bad.query_params.update({"context.layer": "99", "context.pooling": "max"})
    bad.run()
    assert not bad.exception
    assert len([w for w in bad.warning if "was ignored" in w.value]) == 2
    assert bad.slider(key="context.layer").value == 2


def test_model_that_cannot_load_is_explained(monkeypatch, tmp_path):
    monkeypatch.setenv("EXPLORER_MODEL", str(tmp_path / "no_such_model"))
    at = app_test(PAGE)
    at.run()
    assert not at.exception
    assert any("could not be loaded" in e and "EXPLORER_MODEL" in e for e in _errors(at))


def test_centering_explains_why_the_static_side_stays_at_one(tiny_page):
    at = tiny_page

    def centering_notes() -> list[str]:
        return [c.value for c in at.caption if "Centering applies to the contextual side" in c.value]

    assert not centering_notes()
    at.toggle(key="context.center").set_value(True).run()
    assert not at.exception and not _errors(at), _errors(at)
    notes = centering_notes()
    assert len(notes) == 1 and "single row" in notes[0] and "1.00" in notes[0]
    static = _heatmap(at)["data"][1]["z"]
    if isinstance(static, dict):  # Plotly's typed-array encoding
        import base64

        import numpy as np

        static = np.frombuffer(base64.b64decode(static["bdata"]), dtype=static["dtype"]).tolist()
    flat = [v for row in static for v in (row if isinstance(row, list) else [row])]
    assert flat and all(abs(v - 1.0) < 1e-6 for v in flat)  # the lookup side really is 1.00 everywhere
    at.toggle(key="context.center").set_value(False).run()
    assert not centering_notes()


def test_many_occurrences_give_a_tall_seriated_heatmap_with_a_note(tiny_page):
    at = tiny_page
    at.radio(key="context.source").set_value("custom").run()
    at.text_input(key="context.word").set_value("bank").run()
    lines = [("the bank lent money", "the river bank was wet")[i % 2] + f" {i}" for i in range(45)]
    at.text_area(key="context.text").set_value("\n".join(lines)).run()
    assert not at.exception and not _errors(at), _errors(at)
    fig = _heatmap(at)
    rows = fig["data"][0]["y"]
    assert len(rows) == 45 and rows != sorted(rows, key=lambda r: int(r.split()[0][1:]))  # reordered
    assert fig["layout"]["height"] > 900  # the figure grows with the occurrences
    assert any("ordered by similarity" in c.value for c in at.caption)
    assert [a.label for a in at.get("download_button")][:5] == ["PNG", "SVG", "HTML", "Data (CSV)", "PNG"]
