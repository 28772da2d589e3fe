"""This visitor's training slot: the session token that owns it and the lease handed to a ``TrainingRun``."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable

import streamlit as st

from explorer import cache
from explorer.training.base import Trainer
from explorer.training.run import SlotLease, TrainingRun
from explorer.ui.sidebar import SidebarState


def session_token() -> str:
    """An unguessable id of this visitor's session (for the training limiter); never shown or linked."""
    token = st.session_state.get("session.token")
    if token is None:
        token = st.session_state["session.token"] = secrets.token_urlsafe(16)
    return token


def training_lease(state: SidebarState) -> SlotLease:
    """This visitor's lease on the process-wide training slots."""
    slots = cache.get_training_slots(state.settings.max_concurrent_trainings)
    return SlotLease(slots, session_token(), max_seconds=float(state.settings.max_train_seconds))


def acquire_training_slot(state: SidebarState) -> bool:
    """Take or renew this visitor's training slot; when all are taken, say who waits and return False."""
    lease = training_lease(state)
    if lease.acquire():
        return True
    st.info(lease.busy_message(), icon=":material/hourglass_top:")
    return False


def release_training_slot(state: SidebarState) -> None:
    """Give this visitor's training slot back (a stopped or finished training)."""
    training_lease(state).release()


RUN_KEY, SIGNATURE_KEY, RUN_ERROR_KEY = "train.run", "train.signature", "train.error"


def training_run(state: SidebarState, signature: Hashable, make: Callable[[], Trainer]) -> TrainingRun | None:
    """This visitor's training run for these settings (``signature``): kept while they hold, made anew
    (the old one stopped, its slot given back, a notice shown) when they change. When ``make`` fails on
    bad input the reason is shown and None returned.
    """
    ss = st.session_state
    if ss.get(SIGNATURE_KEY) != signature:
        old: TrainingRun | None = ss.get(RUN_KEY)
        if old is not None:
            old.stop()
            if old.trainer.records:
                ss["train.notice"] = "The method, corpus or a parameter changed, so training starts over."
        ss.update({SIGNATURE_KEY: signature, RUN_KEY: None, RUN_ERROR_KEY: None})
        try:
            ss[RUN_KEY] = TrainingRun(make(), training_lease(state), state.settings.max_train_seconds)
        except ValueError as exc:
            ss[RUN_ERROR_KEY] = str(exc)
    if ss.get("train.notice"):
        st.info(ss.pop("train.notice"))
    if ss.get(RUN_KEY) is None:
        st.error(f"Training cannot start: {ss.get(RUN_ERROR_KEY)}")
    return ss.get(RUN_KEY)


def forget_training_run() -> None:
    """Stop this visitor's run and make the next page run start a fresh one (the Reset button)."""
    run: TrainingRun | None = st.session_state.get(RUN_KEY)
    if run is not None:
        run.stop()
    st.session_state[SIGNATURE_KEY] = None


def _advance(run: TrainingRun, n: int) -> None:
    bar = st.progress(0.0, text=f"Training {n} step(s)…")
    message = run.advance(
        n, on_progress=lambda done, total: bar.progress(done / total, f"Training: {done}/{total} steps")
    )
    bar.empty()
    if message:
        st.info(message, icon=":material/hourglass_top:")


def training_controls(run: TrainingRun | None, step_help: tuple[str, str]) -> None:
    """The row of training buttons: Step x1/x20/x100 (with a progress bar), Start/Stop and Reset.

    ``step_help``: what one step and twenty steps mean for this method and corpus.
    """
    per_step, twenty = step_help
    cols = st.columns([1, 1, 1, 1.3, 1, 3])
    disabled = run is None or run.finished
    helps = (f"One step: {per_step}.", f"Twenty steps: {twenty}.", "A hundred steps.")
    for col, n, text in zip(cols[:3], (1, 20, 100), helps, strict=True):
        if col.button(f"Step ×{n}", disabled=disabled, help=text) and run is not None:
            _advance(run, n)
    if run is not None and run.running:
        cols[3].button("Stop", icon=":material/stop:", type="primary", on_click=run.stop, help="Pause live training.")
    else:
        cols[3].button(
            "Start",
            icon=":material/play_arrow:",
            disabled=disabled,
            on_click=run.start if run is not None else None,
            help="Train continuously and redraw about twice a second.",
        )
    cols[4].button(
        "Reset", disabled=run is None, on_click=forget_training_run, help="Forget the training so far and start again."
    )
