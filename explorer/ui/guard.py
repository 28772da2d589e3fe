"""One guard for every page: an ``ExplorerError`` that reaches Streamlit is shown as a message.

Pages catch the errors they expect and say something specific. Anything of the ``ExplorerError``
family that escapes them anyway (a memory refusal of the admission gate, a busy server, a limit
hit deep in a feature) would otherwise reach Streamlit's handler of uncaught exceptions, which
draws a red box with the stack trace. Streamlit asks a run's ``on_script_error`` handler before it
draws that box (for whole-script runs and for fragments alike) and draws nothing when the handler
returns True; ``install_error_guard`` puts ours on the running script's context, so the error's
own text (what was wrong and what to do) is drawn with ``st.error`` instead. Every other
exception keeps Streamlit's behaviour: a bug should still show as a bug.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from explorer.errors import ExplorerError
from explorer.settings import get_settings

GUARD_NOTE = "The rest of this page was not drawn; change what you asked for and it runs again."


def error_message(exc: ExplorerError) -> str:
    """What a visitor reads for ``exc``: its own text (which says what to do), then what happened to the page.

    >>> error_message(ExplorerError("The file is empty. Upload a text file."))
    'The file is empty. Upload a text file. The rest of this page was not drawn; change what you asked for and it runs again.'
    """
    text = get_settings().for_visitor(str(exc).strip()) or f"This request could not be done ({type(exc).__name__})."
    return f"{text} {GUARD_NOTE}"


class _ExplorerErrorGuard:
    """An ``on_script_error`` handler: draws an ``ExplorerError`` as a message, hands anything else on."""

    def __init__(self, previous: Callable[[Exception], bool | None] | None) -> None:
        self.previous = previous  # a handler the app was started with (``st.App(on_script_error=...)``)

    def __call__(self, exc: Exception) -> bool | None:
        if isinstance(exc, ExplorerError):
            st.error(error_message(exc), icon=":material/error:")
            return True  # Streamlit draws no exception box
        return self.previous(exc) if self.previous is not None else None


def install_error_guard() -> bool:
    """Put the guard on this script run's context (once per context); False outside a Streamlit run."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return False
    if not isinstance(ctx.on_script_error, _ExplorerErrorGuard):
        ctx.on_script_error = _ExplorerErrorGuard(ctx.on_script_error)
    return True
