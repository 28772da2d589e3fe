"""Hosted mode: limits hold with clear messages, links cannot name files or unlisted models, and the
deployment files say what they should."""

from __future__ import annotations

import re
import threading
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer import limits, links
from explorer.corpus import Corpus
from explorer.limits import LimitError, TrainingBusy, TrainingSlots
from explorer.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent
HOSTED = Settings.from_env({"EXPLORER_HOSTED": "1"})


# ----- size and time limits -------------------------------------------------------------------
def test_hosted_limits_are_tighter_than_local_ones() -> None:
    local = Settings.from_env({})
    for name in ("max_upload_bytes", "max_tokens", "max_vocab", "max_train_seconds", "max_points"):
        assert getattr(HOSTED, name) < getattr(local, name), name
    assert HOSTED.max_concurrent_trainings <= local.max_concurrent_trainings
    assert HOSTED.allowed_models == ("bundled",)


def test_upload_over_the_limit_is_refused_with_what_the_visitor_can_do() -> None:
    limits.check_upload_size(HOSTED, HOSTED.max_upload_bytes, "ok.txt")
    with pytest.raises(LimitError) as info:
        limits.check_upload_size(HOSTED, HOSTED.max_upload_bytes + 1, "big.txt")
    message = str(info.value)
    assert "big.txt" in message and "up to 10 MB" in message and "smaller" in message and "own computer" in message
    assert "EXPLORER_" not in message and "raise the limit" not in message, "a visitor cannot change the server"
    with pytest.raises(LimitError, match="EXPLORER_MAX_UPLOAD_MB"):  # on one's own server the setting is named
        limits.check_upload_size(Settings(max_upload_bytes=2**20), 2 * 2**20, "big.txt")


def test_vocabulary_and_training_time_limits() -> None:
    limits.check_training_allowed(HOSTED, vocab_size=HOSTED.max_vocab, elapsed_seconds=HOSTED.max_train_seconds)
    with pytest.raises(LimitError, match="at most 20,000") as info:
        limits.check_training_allowed(HOSTED, vocab_size=HOSTED.max_vocab + 1)
    assert "min_count" in str(info.value) and "EXPLORER_" not in str(info.value)
    with pytest.raises(LimitError, match="the limit is 120 s") as info:
        limits.check_training_allowed(HOSTED, elapsed_seconds=HOSTED.max_train_seconds + 0.5)
    assert "EXPLORER_" not in str(info.value)
    with pytest.raises(LimitError, match="EXPLORER_MAX_VOCAB"):
        limits.check_training_allowed(Settings(max_vocab=10), vocab_size=11)
    assert limits.vocab_cap(HOSTED, 10**9) == HOSTED.max_vocab
    assert limits.vocab_cap(HOSTED, 50) == 50
    assert limits.training_seconds_left(HOSTED, 10**6) == 0.0


def test_projected_points_are_capped_with_a_message() -> None:
    n, note = limits.cap_points(HOSTED, HOSTED.max_points * 3)
    assert n == HOSTED.max_points and note is not None and "at most 20,000" in note and "EXPLORER_" not in note
    assert "EXPLORER_MAX_POINTS" in (limits.cap_points(Settings(max_points=10), 30)[1] or "")
    assert limits.cap_points(HOSTED, 10) == (10, None)


def test_corpus_token_limit_reads_a_prefix_and_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_MAX_TOKENS", "50")
    path = tmp_path / "long.txt"
    path.write_text("the bank approved the loan today.\n" * 100, encoding="utf-8")
    settings = get_settings()
    corpus = Corpus.from_file(path, max_bytes=settings.max_upload_bytes, max_tokens=settings.max_tokens)
    assert 0 < corpus.token_count <= 50
    assert any("EXPLORER_MAX_TOKENS" in n for n in corpus.notices)


# ----- concurrent trainings -------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_training_slots_admit_at_most_capacity_and_say_why() -> None:
    slots = TrainingSlots(capacity=2)
    assert slots.acquire("a") and slots.acquire("b")
    assert not slots.acquire("c")
    assert slots.acquire("a"), "renewing an owned slot always succeeds"
    message = slots.busy_message()
    assert message.startswith("2 trainings are running") and "yours starts when one finishes" in message
    slots.release("b")
    assert slots.acquire("c") and slots.running() == 2


def test_abandoned_and_overlong_leases_lapse() -> None:
    clock = FakeClock()
    slots = TrainingSlots(capacity=1, idle_seconds=30, clock=clock)
    assert slots.acquire("gone")
    clock.now = 29
    assert not slots.acquire("waiting")
    clock.now = 61  # "gone" never renewed: its lease lapsed after 30 s idle
    assert slots.acquire("waiting") and not slots.holds("gone")

    budgeted = TrainingSlots(capacity=1, idle_seconds=30, clock=clock)
    clock.now = 0
    assert budgeted.acquire("x", max_seconds=100)
    for t in range(10, 101, 10):  # renewed every 10 s: the others keep waiting
        clock.now = t
        assert budgeted.acquire("x") and not budgeted.acquire("y")
    clock.now = 111
    assert budgeted.acquire("y"), "a lease past its max_seconds lapses even when renewed"


def test_hold_waits_then_refuses_with_the_busy_message() -> None:
    slots = TrainingSlots(capacity=1)
    slots.acquire("someone")
    with pytest.raises(TrainingBusy, match="1 training is running"), slots.hold("me", wait_seconds=0.05):
        pass
    slots.release("someone")
    with slots.hold("me"):
        assert slots.holds("me")
    assert not slots.holds("me"), "a slot taken by hold() is given back"


def test_slots_are_thread_safe() -> None:
    slots = TrainingSlots(capacity=3)
    peak = 0
    inside = 0
    guard = threading.Lock()
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        nonlocal peak, inside
        try:
            for _ in range(30):
                if slots.acquire(f"w{i}"):
                    with guard:
                        inside += 1
                        peak = max(peak, inside)
                    with guard:
                        inside -= 1
                    slots.release(f"w{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors and 1 <= peak <= 3 and slots.running() == 0


def _two_visitors_script() -> None:
    import streamlit as st

    from explorer import ui

    state = ui.sidebar()
    if st.button("Train x1", key="t.step") and ui.acquire_training_slot(state):
        st.success("step")
    if st.button("Stop", key="t.stop"):
        ui.release_training_slot(state)


def test_second_visitor_waits_with_a_message_while_the_first_trains(monkeypatch: pytest.MonkeyPatch) -> None:
    from explorer import cache

    monkeypatch.setenv("EXPLORER_MAX_TRAININGS", "1")
    cache.get_training_slots.clear()
    first = AppTest.from_function(_two_visitors_script, default_timeout=60)
    second = AppTest.from_function(_two_visitors_script, default_timeout=60)
    first.run()
    second.run()
    first.button(key="t.step").click().run()
    assert [s.value for s in first.success] == ["step"]
    second.button(key="t.step").click().run()
    assert not second.success
    assert any("1 training is running" in i.value and "yours starts" in i.value for i in second.info)
    first.button(key="t.stop").click().run()
    second.button(key="t.step").click().run()
    assert [s.value for s in second.success] == ["step"]
    assert not first.exception and not second.exception
    cache.get_training_slots.clear()


# ----- links naming files or models -----------------------------------------------------------
def _sidebar_script() -> None:
    from explorer import ui

    state = ui.sidebar()
    import streamlit as st

    st.write(f"corpus={state.corpus.source}")


@pytest.mark.parametrize("bad", ["/etc/passwd", "../assets/corpora/mixed.txt", "http://example.com/c.txt", "nope"])
def test_a_link_naming_a_file_or_unknown_corpus_is_refused(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    at = AppTest.from_function(_sidebar_script, default_timeout=60)
    at.query_params["sidebar.corpus"] = bad
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.sidebar.warning]
    assert any("sidebar.corpus" in w and "ignored" in w for w in warnings), warnings
    assert any("corpus=builtin:support_tickets" in m.value for m in at.markdown)


def test_a_link_naming_a_builtin_corpus_selects_it_and_is_written_back() -> None:
    at = AppTest.from_function(_sidebar_script, default_timeout=60)
    at.query_params["sidebar.corpus"] = "mixed"
    at.run()
    assert not at.exception and not at.sidebar.warning
    assert at.sidebar.selectbox(key="sidebar.corpus").value == "mixed"
    assert any("corpus=builtin:mixed" in m.value for m in at.markdown)
    at.sidebar.selectbox(key="sidebar.corpus").select("analogy_world").run()
    value = at.query_params["sidebar.corpus"]
    assert (value if isinstance(value, str) else value[-1]) == "analogy_world"


def _model_link_script() -> None:
    import streamlit as st

    from explorer import cache, links, ui
    from explorer.pagestate import Field, PageState
    from explorer.settings import get_settings

    ui.restore(PageState("context.", (Field("context.model", "bundled", parse=links.model_name(get_settings())),)))
    try:
        cache.get_allowed_embedder(st.session_state.get("context.model"))
        st.write("loaded")
    except ValueError as exc:
        st.error(str(exc))


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("/etc/passwd", "file path"),
        ("../x", "file path"),
        ("http://evil.example/m", "file path"),
        ("gpt2", "not offered"),
    ],
)
def test_a_link_naming_a_path_or_unlisted_model_never_loads_anything(
    value: str, phrase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from explorer import cache

    loads: list[object] = []
    monkeypatch.setattr(cache, "get_embedder", lambda name=None, device="auto": loads.append(name) or "model")
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    at = AppTest.from_function(_model_link_script, default_timeout=60)
    at.query_params["context.model"] = value
    at.run()
    assert not at.exception
    assert any("context.model" in w.value and phrase in w.value for w in at.warning), [w.value for w in at.warning]
    assert loads == [None], "only the bundled model may load"


def test_model_check_in_the_cache_layer_refuses_before_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    from explorer import cache

    loads: list[object] = []
    monkeypatch.setattr(cache, "get_embedder", lambda name=None, device="auto": loads.append(name))
    for bad in ("/etc/passwd", "bert-base-uncased", "https://x.example/m.bin"):
        with pytest.raises(links.LinkError):
            cache.get_allowed_embedder(bad)
    assert loads == []


# ----- deployment files -----------------------------------------------------------------------
def test_streamlit_config_is_production_ready() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config["server"]
    assert server["headless"] is True and server["fileWatcherType"] == "none"
    assert server["enableXsrfProtection"] is True and server["enableCORS"] is True
    assert server["maxUploadSize"] == Settings().max_upload_bytes // (1024 * 1024)
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["toolbarMode"] == "minimal"
    # a full collection after every run (0.3 s with torch loaded) would serialise visitors arriving together
    assert config["runner"]["postScriptGC"] is False
    assert {"primaryColor", "backgroundColor", "textColor"} <= set(config["theme"])


def test_dockerfile_runs_the_app_hosted_as_a_non_root_user() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    body = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    lines = [" ".join(ln.split()) for ln in body.replace("\\\n", " ").splitlines() if ln.strip()]  # one per instruction
    assert lines[0] == "FROM python:3.11-slim"
    assert any(ln.startswith("RUN pip install -r requirements.txt") for ln in lines)
    users = [ln.split()[1] for ln in lines if ln.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert "EXPLORER_HOSTED=1" in text and "HF_HUB_OFFLINE=1" in text
    assert any(ln.startswith("HEALTHCHECK ") and "/_stcore/health" in ln for ln in lines)
    cmd = [ln for ln in lines if ln.startswith("CMD ")]
    assert len(cmd) == 1 and "streamlit run app.py" in cmd[0]
    assert "download.pytorch.org/whl/cpu" in text, "the CPU-wheel index is documented"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv" in ignored and ".git" in ignored


def test_runtime_requirements_are_pinned() -> None:
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.+\-]+", line), line


# ----- uploads through the sidebar ------------------------------------------------------------
def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.sidebar.selectbox(key="sidebar.corpus").select("__upload__").run()
    at.get("file_uploader")[0].set_value((name, data, "text/plain")).run()
    return at


def test_hosted_upload_over_the_size_limit_is_refused_with_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_MAX_UPLOAD_MB", "1")
    at = AppTest.from_function(_sidebar_script, default_timeout=60)
    at.run()
    _upload(at, "big.txt", b"the bank approved the loan. " * 50_000)  # about 1.4 MB
    assert not at.exception
    errors = [e.value for e in at.sidebar.error]
    assert any("big.txt" in e and "up to 1 MB" in e and "smaller file" in e for e in errors), errors
    assert not any("EXPLORER_" in e or "raise the limit" in e for e in errors), errors
    assert any("corpus=builtin:support_tickets" in m.value for m in at.markdown), "nothing of the file is used"


def test_hosted_upload_over_the_token_limit_is_cut_with_a_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_MAX_TOKENS", "60")
    at = AppTest.from_function(_sidebar_script, default_timeout=60)
    at.run()
    _upload(at, "notes.txt", "\n".join(f"line {i} about the river bank." for i in range(100)).encode())
    assert not at.exception and not at.sidebar.error
    assert any("corpus=upload:notes.txt" in m.value for m in at.markdown)
    cut = [w.value for w in at.sidebar.warning if "60" in w.value and "tokens" in w.value]
    assert cut and not any("EXPLORER_" in w for w in cut), "the cut is said, without a setting a visitor cannot change"
