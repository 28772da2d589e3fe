"""The home page renders the corpus, transformer and device, and links every page."""

from __future__ import annotations

import pytest

from explorer.pages_index import PAGES
from tests.apptest import app_test


@pytest.mark.slow
def test_home_page_renders_with_bundled_model_and_default_corpus():
    from explorer import cache
    from explorer.device import select_device

    cache.start_embedder_warmup(None, str(select_device("auto"))).join(timeout=180)
    at = app_test("app.py", timeout=180)
    at.run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m for m in at.metric}
    assert metrics["Corpus"].value == "Support tickets"
    assert "layers, ready" in metrics["Transformer"].delta
    assert metrics["Device"].value.startswith(("CPU", "CUDA", "Apple"))
    sidebar_text = " ".join(m.value for m in at.sidebar.markdown)
    assert "Device:" in sidebar_text and "Transformer:" in sidebar_text


def test_home_page_shows_at_once_while_the_transformer_loads(monkeypatch):
    import threading

    from explorer import cache

    release = threading.Event()

    def slow_load(*args, **kwargs):
        release.wait(timeout=30)
        raise OSError("not needed here")

    monkeypatch.setattr(cache, "get_embedder", slow_load)
    monkeypatch.setenv("EXPLORER_MODEL", "/slow/model")
    at = app_test("app.py")
    at.run()
    assert not at.exception
    assert {m.label: m for m in at.metric}["Transformer"].delta == "loading in the background…"
    links = [el for el in at.main if getattr(el, "type", "") == "page_link"] or at.get("page_link")
    assert len(links) >= len(PAGES), "the page cards show while the model loads"
    release.set()


def test_home_page_reports_a_model_that_cannot_load(monkeypatch):
    from explorer import cache
    from explorer.device import select_device

    monkeypatch.setenv("EXPLORER_MODEL", "/nonexistent/model/folder")
    cache.start_embedder_warmup("/nonexistent/model/folder", str(select_device("auto"))).join(timeout=30)
    at = app_test("app.py")
    at.run()
    assert not at.exception
    assert any("could not be loaded" in e.value for e in at.error)
    assert {m.label: m for m in at.metric}["Transformer"].delta == "not loaded"


def test_home_page_summaries_mention_every_page(monkeypatch, tiny_bert_dir):
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))  # the bundled model is covered above
    at = app_test("app.py")
    at.run()
    text = " ".join(m.value for m in at.markdown)
    for page in PAGES:
        assert page.summary[:40] in text


def test_the_transformer_metric_shows_a_short_name_with_the_detail_in_its_help(monkeypatch):
    import threading

    from explorer import cache

    release = threading.Event()

    def slow_load(*args, **kwargs):
        release.wait(timeout=30)
        raise OSError("not needed here")

    long_path = "/models/sentence-transformers/all-MiniLM-L6-v2-tuned"
    monkeypatch.setattr(cache, "get_embedder", slow_load)
    monkeypatch.setenv("EXPLORER_MODEL", long_path)
    at = app_test("app.py")
    at.run()
    assert not at.exception
    metric = {m.label: m for m in at.metric}["Transformer"]
    assert len(metric.value) <= 22 and "(" not in metric.value and "…" not in metric.value[:-1]
    assert metric.value.startswith("all-MiniLM-L6-v2") and long_path in metric.help
    release.set()


def test_short_model_names() -> None:
    from explorer.ui import BUNDLED_MODEL_LABEL, short_model_name

    assert short_model_name(BUNDLED_MODEL_LABEL) == "all-MiniLM-L6-v2"
    assert short_model_name("C:\\models\\bert-base-cased") == "bert-base-cased"
    assert len(short_model_name("x" * 80)) == 22
