"""Hosted mode does not contradict itself: every widget's bounds and every limit a page states come from
the active settings, and no refusal tells a visitor to change the server's settings."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer import cache
from explorer.projection import project
from explorer.settings import Settings
from explorer.vectors import WordVectors
from tests.apptest import ROOT, app_test, give_vectors

HOSTED = Settings.from_env({"EXPLORER_HOSTED": "1"})
SERVER_ADVICE = re.compile(r"EXPLORER_|raise the limit", re.IGNORECASE)


@pytest.fixture()
def tiny_model(monkeypatch, tiny_bert_dir):
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    monkeypatch.setenv("EXPLORER_DEVICE", "cpu")
    cache.get_result_cache.clear()
    yield cache.get_embedder(str(tiny_bert_dir), "cpu")
    cache.get_result_cache.clear()


def _messages(at: AppTest) -> list[str]:
    shown = [*at.error, *at.warning, *at.info, *at.caption, *at.sidebar.error, *at.sidebar.warning]
    return [str(e.value) for e in shown]


@pytest.mark.parametrize(("hosted", "expected"), [(True, HOSTED.max_sentences), (False, 100)])
def test_context_sample_size_is_bounded_by_the_servers_sentence_limit(tiny_model, monkeypatch, hosted, expected):
    if hosted:
        monkeypatch.setenv("EXPLORER_HOSTED", "1")
    at = app_test("pages/4_Context.py")
    at.session_state["context.source"] = "corpus"
    at.session_state["context.sample"] = 100  # kept from a visit to a server with a higher limit
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    box = at.number_input(key="context.sample")
    assert box.max == expected and box.value == expected
    assert f"at most {expected}" in box.help
    assert not at.error, [e.value for e in at.error]


def test_context_sentences_help_states_the_hosted_limits(tiny_model, monkeypatch):
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    at = app_test("pages/4_Context.py")
    at.session_state["context.source"] = "custom"
    at.run()
    help_text = at.text_area(key="context.text").help
    assert f"at most {HOSTED.max_sentences:,} sentences" in help_text
    assert f"{HOSTED.max_sentence_chars:,} characters" in help_text


def test_project_points_are_bounded_by_the_hosted_limit_and_say_so(monkeypatch):
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    n = HOSTED.max_points + 5_000
    vectors = np.random.default_rng(0).normal(size=(n, 8)).astype(np.float32)
    big = WordVectors([f"w{i}" for i in range(n)], vectors, counts=np.arange(n, 0, -1), name="Big")
    at = app_test("pages/2_Project.py")
    give_vectors(at, {"Big": big})
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    box = at.number_input(key="project.n_words.shown")
    assert box.max == HOSTED.max_points
    assert f"at most {HOSTED.max_points:,}" in box.help
    said = [c for c in _messages(at) if c.startswith(f"This set has {n:,} words")]
    assert said and f"at most {HOSTED.max_points:,}" in said[0]
    assert not [m for m in _messages(at) if SERVER_ADVICE.search(m)]
    # t-SNE and UMAP: the smaller hosted maximum is the widget's bound and is said before anything runs
    assert f"{HOSTED.max_layout_points:,} with t-SNE or UMAP" in box.help
    monkeypatch.setattr("explorer.cache.get_projection", lambda X, method, dims, seed, params: project(X, "pca", dims))
    at.selectbox(key="project.method").set_value("tsne").run()
    assert not at.exception, [e.message for e in at.exception]
    box = at.number_input(key="project.n_words.shown")
    assert box.max == HOSTED.max_layout_points < HOSTED.max_points
    said = [c for c in _messages(at) if c.startswith(f"This set has {n:,} words")]
    assert said and f"at most {HOSTED.max_layout_points:,} can be projected here with t-SNE" in said[0]
    # where the whole set goes: the Map page, and no command a visitor cannot run on this server
    assert "**Map** page" in said[0] and "explorer.map build" not in said[0]


def test_a_map_over_the_methods_limit_is_refused_with_a_message(monkeypatch):
    from explorer.errors import LimitError

    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    X = np.zeros((HOSTED.max_layout_points + 1, 4), dtype=np.float32)
    with pytest.raises(LimitError) as info:
        cache.get_projection(X, "umap", 2, 0, {})
    message = str(info.value)
    assert f"at most {HOSTED.max_layout_points:,} with umap" in message and "PCA" in message
    assert not SERVER_ADVICE.search(message)


def _sidebar_upload() -> None:
    from explorer import ui

    ui.sidebar()


@pytest.mark.parametrize(("env", "limit_mb"), [({"EXPLORER_HOSTED": "1"}, 10), ({"EXPLORER_MAX_UPLOAD_MB": "3"}, 3)])
def test_the_corpus_uploader_shows_and_enforces_the_servers_upload_limit(monkeypatch, env, limit_mb):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_function(_sidebar_upload, default_timeout=60).run()
    at.sidebar.selectbox(key="sidebar.corpus").select("__upload__").run()
    uploader = at.get("file_uploader")[0]
    assert uploader.proto.max_upload_size_mb == limit_mb  # what "… MB per file" says, and what the browser refuses
    assert f"up to {limit_mb} MB" in uploader.proto.help


def test_every_file_uploader_is_given_the_servers_upload_limit():
    """Streamlit's own default (server.maxUploadSize, 200 MB) must never be what a visitor reads."""
    calls = []
    for path in [*ROOT.glob("pages/*.py"), *(ROOT / "explorer" / "ui").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"file_uploader\(", text):
            if text[text.rfind("\n", 0, match.start()) + 1 : match.start()].lstrip().startswith("def "):
                continue
            depth, end = 0, match.end() - 1
            for end in range(match.end() - 1, len(text)):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                if depth == 0:
                    break
            calls.append((Path(path).name, text[match.start() : end + 1]))
    assert len(calls) >= 5
    for name, call in calls:
        if call.startswith("file_uploader(label, key=key") and name == "state.py":
            continue  # inside ui.kept_file_uploader, whose body sets the server's limit as the default
        assert "max_upload_size=" in call and "max_upload_mb" in call, f"{name}: {call}"


def test_hosted_refusals_of_the_library_name_no_server_setting():
    from explorer import limits, links
    from explorer.admission import WorkGate
    from explorer.errors import LimitError, LinkError

    refusals = []
    for check in (
        lambda: limits.check_upload_size(HOSTED, HOSTED.max_upload_bytes + 1, "big.txt"),
        lambda: limits.check_training_allowed(HOSTED, vocab_size=HOSTED.max_vocab + 1),
        lambda: limits.check_training_allowed(HOSTED, elapsed_seconds=HOSTED.max_train_seconds + 1),
        lambda: limits.check_sentences(HOSTED, ["a"] * (HOSTED.max_sentences + 1)),
        lambda: limits.check_sentences(HOSTED, ["a" * (HOSTED.max_sentence_chars + 1)]),
        lambda: (
            WorkGate(100, rss=lambda: 90, setting_hint=HOSTED.limit_hint("EXPLORER_MAX_MEMORY_MB"))
            .enter("projection", 50, "a map")
            .poll()
        ),
    ):
        with pytest.raises(LimitError) as info:
            check()
        refusals.append(str(info.value))
    refusals.append(limits.cap_points(HOSTED, HOSTED.max_points + 1)[1] or "")
    with pytest.raises(LinkError) as info:
        links.check_model_allowed("someone/else", HOSTED, from_link=True)
    refusals.append(str(info.value))
    assert all(refusals) and not [r for r in refusals if SERVER_ADVICE.search(r)], refusals


def test_hosted_visitors_read_library_messages_without_server_settings(monkeypatch):
    """Readers and parsers know no settings, so their notices name one ("setting EXPLORER_MAX_TOKENS");
    the page hands them on through ``Settings.for_visitor``, which in hosted mode leaves the name out."""
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_MAX_TOKENS", "40")
    at = AppTest.from_function(_sidebar_upload, default_timeout=60).run()
    at.sidebar.selectbox(key="sidebar.corpus").select("__upload__").run()
    text = b"the bank opened a new branch near the river bank today\n" * 20  # 220 tokens
    at.get("file_uploader")[0].set_value(("notes.txt", text, "text/plain")).run()
    assert not at.exception
    shown = _messages(at)
    assert any("40" in m and "tokens" in m for m in shown), shown  # the cut is still said
    assert not [m for m in shown if SERVER_ADVICE.search(m)], shown
    unhosted = Settings()
    message = "a.txt is 3 MB; the limit is 1 MB (setting EXPLORER_MAX_UPLOAD_MB). Upload less, or raise the limit."
    assert unhosted.for_visitor(message) == message  # one's own server still names the setting
