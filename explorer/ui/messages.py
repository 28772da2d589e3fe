"""Failures shown as sentences, never as tracebacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from explorer.settings import get_settings

T = TypeVar("T")


def show_error(message: str, exc: BaseException | None = None, where: Any = None) -> None:
    """Show a failure as a sentence: ``message``, then the exception's own text when it adds something."""
    detail = f" ({exc})" if exc is not None and str(exc) and str(exc) not in message else ""
    (where or st).error(get_settings().for_visitor(f"{message}{detail}"))


def guarded(message: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Run ``fn``; on bad input (a ValueError or KeyError) show ``message`` and the reason, and return None."""
    try:
        return fn(*args, **kwargs)
    except (ValueError, KeyError) as exc:
        reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        st.error(get_settings().for_visitor(f"{message}: {reason}"))
        return None


def clamp_to_range(key: str, lo: int, hi: int, why: str) -> str | None:
    """Keep ``st.session_state[key]`` within [lo, hi] (None: ``hi``); returns a message when a value was replaced.

    For a value whose range is only known once something loaded (a layer from a link made on a
    deeper model).
    """
    value = st.session_state.get(key)
    if value is not None and lo <= value <= hi:
        return None
    st.session_state[key] = hi
    if value is None:
        return None
    return f"The link's value for {key!r} was ignored ({hi} is used instead): {why}."
