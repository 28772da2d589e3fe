"""Shared fixtures: a tiny random BERT built offline, the reference data folder, and a live app."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
ARTIFACTS = ROOT / "test-artifacts"

TINY_WORDS = (
    "the a and of to in on at is was we i you it my our card bank river money loan water sat "
    "charge charged battery phone fee refund account order ship shipping box light bat spring "
    "house plant houseplant cat dog king queen man woman paris france"
).split()
TINY_PIECES = ["##s", "##ed", "##ing", "##er", "##ly", "##plant", "##house", "un", "##able", "re"]


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide random BERT with a WordPiece tokenizer, saved to a folder (no network)."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    out = tmp_path_factory.mktemp("tiny_bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!", "?", "'"]
    vocab += TINY_WORDS + TINY_PIECES + list("abcdefghijklmnopqrstuvwxyz")
    vocab += [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz"]
    vocab_file = out / "vocab.txt"
    vocab_file.write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab=str(vocab_file), do_lower_case=True, model_max_length=64)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    BertModel(config).eval().save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public yardsticks in ../shared/data (skips only when run outside the project layout)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA}")
    return SHARED_DATA


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppURL(str):
    """The app's URL (a plain string to every test), with ``pid``: the server process, for reading its memory."""

    pid: int = 0


@contextlib.contextmanager
def streamlit_app(
    env: dict[str, str] | None = None, log_name: str = "streamlit.log", script: str = "app.py"
) -> Iterator[AppURL]:
    """``streamlit run app.py`` (or another ``script``) headless on a free port, with ``env`` added; yields its
    URL once healthy (an ``AppURL``: ``.pid`` is the server's process id)."""
    port = _free_port()
    full_env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / log_name, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", script,
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
                "--server.fileWatcherType", "none", "--server.port", str(port), "--server.address", "127.0.0.1",
            ],
            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early; see {ARTIFACTS / log_name}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            proc.kill()
            raise RuntimeError("streamlit did not become healthy within 120 s")
        app_url = AppURL(url)
        app_url.pid = proc.pid
        try:
            yield app_url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """The app, started once for the whole session."""
    with streamlit_app() as url:
        yield url


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required under CI but {CHROMIUM} is missing; .ci/run installs it.")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, app_url):
    """A fresh browser page (its own Streamlit session) at 1400x1000."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = context.new_page()
    yield p
    context.close()
