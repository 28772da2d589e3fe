"""AppTest for a script given relative to the repository root (AppTest resolves paths from the caller)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def app_test(script: str, timeout: float = 120) -> AppTest:
    """``app_test("pages/1_Train.py")``: an AppTest of that script with a generous default timeout."""
    return AppTest.from_file(str(ROOT / script), default_timeout=timeout)


def give_vectors(at: AppTest, sets: dict[str, object], active: str | None = None) -> None:
    """Put vector sets (label -> WordVectors) into a test session as if the visitor had made them.

    Each label is also the set's id (an uploaded set's id in the app); ``active`` (default: the
    first) is the set pages open on.
    """
    from explorer.ui.vectorsets import SessionVectorSet

    at.session_state["vectors.sets"] = {label: SessionVectorSet(label, label, wv) for label, wv in sets.items()}
    at.session_state["vectors.active"] = active or next(iter(sets))
