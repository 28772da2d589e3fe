"""Failures shown as sentences, never as tracebacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")


def show_error(message: str, exc: BaseException | None = None, where: Any = None) -> None:
    """Show a failure as a sentence: ``message``, then the exception's own text when it adds something."""
    detail = f" ({exc})" if exc is not None and str(exc) and str(exc) not in message else ""
    (where or st).error(f"{message}{detail}")


def guarded(message: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Run ``fn``; on bad input (a ValueError or KeyError) show ``message`` and the reason, and return None."""
    try:
        return fn(*args, **kwargs)
    except (ValueError, KeyError) as exc:
        reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        st.error(f"{message}: {reason}")
        return None
