"""AppTest for a script given relative to the repository root (AppTest resolves paths from the caller)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def app_test(script: str, timeout: float = 120) -> AppTest:
    """``app_test("pages/1_Train.py")``: an AppTest of that script with a generous default timeout."""
    return AppTest.from_file(str(ROOT / script), default_timeout=timeout)
