"""The visitor's connection: work done for one visitor stops once their tab has gone."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import streamlit as st

from explorer.workbudget import READ_SECONDS, WorkBudget


def session_token() -> str:
    """An unguessable id of this visitor's session (the training limiter's, and the key that lets this
    session delete what it shared); never shown or linked."""
    token = st.session_state.get("session.token")
    if token is None:
        token = st.session_state["session.token"] = secrets.token_urlsafe(16)
    return token


def visitor_still_here() -> Callable[[], bool]:
    """A check, callable from any thread, that the visitor whose script run this is is still connected.

    A reading loop asks it now and then (``WorkBudget(still_wanted=...)``) and stops once the tab is
    closed, instead of reading on for nobody. Outside a Streamlit session it always says True.

    >>> visitor_still_here()()
    True
    """
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
        if ctx is None or not Runtime.exists():
            return lambda: True
        runtime, session_id = Runtime.instance(), ctx.session_id
    except Exception:  # noqa: BLE001 - a Streamlit without these internals: no check, the time budget remains
        return lambda: True
    return lambda: runtime.is_active_session(session_id)


def upload_read_budget() -> WorkBudget:
    """The budget of reading one upload: ``READ_SECONDS``, and no longer than its visitor stays."""
    return WorkBudget(READ_SECONDS, still_wanted=visitor_still_here())
