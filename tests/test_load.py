"""Many visitors at once: a preset's warm path runs no model, and hosted limits and the memory ceiling
answer with a message on the page (AppTest, tiny random BERT). Visitors sharing a forward pass:
tests/test_isolation.py."""

from __future__ import annotations

import json

import pytest

from explorer import cache
from tests.apptest import app_test

CONTEXT = "pages/4_Context.py"
SENTENCES = "pages/5_Sentences.py"


@pytest.fixture()
def tiny_model(monkeypatch, tiny_bert_dir):
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    monkeypatch.setenv("EXPLORER_DEVICE", "cpu")
    cache.get_result_cache.clear()  # no result from an earlier test answers for these
    yield cache.get_embedder(str(tiny_bert_dir), "cpu")
    cache.get_result_cache.clear()


def _chart_text(at) -> str:
    return " ".join(chart.proto.spec for chart in at.get("plotly_chart"))


def _errors(at) -> list[str]:
    return [e.value for e in at.error]


def test_a_preset_computed_once_is_served_to_the_next_visitors_without_running_the_model(tiny_model):
    first = app_test(CONTEXT)
    first.run()
    assert not first.exception and not _errors(first), _errors(first)
    passes = tiny_model.forward_passes
    for _visitor in range(3):
        at = app_test(CONTEXT)  # a new session on the same preset
        at.run()
        assert not at.exception and not _errors(at)
        assert json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["type"] == "heatmap"
    at.slider(key="context.layer").set_value(0).run()  # and the layer slider reads the same result
    assert not at.exception
    assert tiny_model.forward_passes == passes, "the warm path of a preset ran the model"


def test_hosted_limits_bound_the_sentences_one_visitor_sends(tiny_model, monkeypatch):
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    at = app_test(CONTEXT)
    at.run()
    at.radio(key="context.source").set_value("custom").run()
    at.text_input(key="context.word").set_value("bank").run()
    at.text_area(key="context.text").set_value("\n".join(f"the bank number {i}" for i in range(41))).run()
    assert not at.exception
    assert any("41 sentences were given; this server reads at most 40" in e for e in _errors(at)), _errors(at)
    long_line = ("the river bank " * 40).strip()
    at.text_area(key="context.text").set_value("the bank lent money\n" + long_line).run()
    assert any(
        f"Sentence 2 has {len(long_line)} characters" in e and "at most 400 per sentence" in e for e in _errors(at)
    )

    page = app_test(SENTENCES)
    page.run()
    page.text_area(key="sentences.text").set_value("\n".join(f"The cat sat on mat {i}" for i in range(41))).run()
    assert not page.exception
    assert any("this server reads at most 40 at once" in e for e in _errors(page)), "the transformer's slot says why"
    assert len(page.get("plotly_chart")) >= 1, "the averaging methods still show"


def test_the_memory_ceiling_refuses_heavy_work_on_the_page_with_the_reason(tiny_model, monkeypatch):
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_MAX_MEMORY_MB", "100")  # far below this test process's own memory
    at = app_test(CONTEXT)
    at.run()
    assert not at.exception
    errors = _errors(at)
    assert any("near its memory limit" in e and "in use of 100 MB, and" in e for e in errors), errors
    assert not any("EXPLORER_" in e for e in errors), "a hosted visitor cannot change the server's settings"
    assert cache._gate().running() == 0, "a refused request holds nothing"


def test_warmed_presets_spare_even_the_first_visitor_the_model(tiny_model, tiny_bert_dir):
    assert cache.warm_context_presets(str(tiny_bert_dir), "cpu") == 5  # at start-up, in the background
    assert cache.warm_context_presets(str(tiny_bert_dir), "cpu") == 0
    passes = tiny_model.forward_passes
    for preset in ("bank", "charge", "spring"):
        at = app_test(CONTEXT)
        at.query_params["context.preset"] = preset
        at.run()
        assert not at.exception and not _errors(at)
        assert at.selectbox(key="context.preset").value == preset
    assert tiny_model.forward_passes == passes
