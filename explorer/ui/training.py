"""This visitor's training slot: the session token that owns it and the lease handed to a ``TrainingRun``;
the training buttons; and the runs and snapshots kept as vector sets for the Compare page."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Hashable

import streamlit as st

from explorer import cache, vectorsets
from explorer.errors import LinkError
from explorer.training import METHOD_TITLES
from explorer.training.base import Trainer
from explorer.training.run import SlotLease, TrainingRun
from explorer.training.views import epochs_done, steps_to_epoch_end
from explorer.ui.sidebar import SidebarState
from explorer.ui.vectorsets import VECTOR_SETS_KEY, register_vectors
from explorer.vectors import WordVectors
from explorer.wording import count


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
RUN_NUMBER_KEY, EPOCH_KEPT_KEY = "train.run_number", "train.epoch_kept"
MAX_KEPT_SETS = 30  # kept runs and snapshots per session; the oldest go first


def run_number() -> int:
    """The number of this session's current training run (1, 2, ...): part of the ids of what it keeps."""
    return int(st.session_state.get(RUN_NUMBER_KEY, 1))


def _trained_ids() -> list[vectorsets.VectorSetId]:
    """The parsed ids of this session's trained sets, in the order they were kept."""
    out = []
    for set_id in st.session_state.get(VECTOR_SETS_KEY, {}):
        with contextlib.suppress(LinkError):
            parsed = vectorsets.parse_id(set_id)
            if parsed.kind == "trained":
                out.append(parsed)
    return out


def _keep(trainer: Trainer, what: str, set_id: str) -> str:
    """Register the trainer's current vectors as a vector set of their own; drop the oldest kept ones past the cap."""
    label = f"Trained, {what}: {METHOD_TITLES.get(trainer.method, trainer.method)} on {trainer.corpus.name}"
    register_vectors(label, trainer.snapshot(name=label), make_active=False, set_id=set_id)
    kept = [p.text for p in _trained_ids() if p.run is not None]
    for old in kept[:-MAX_KEPT_SETS]:
        del st.session_state[VECTOR_SETS_KEY][old]
    return set_id


def keep_snapshot(run: TrainingRun) -> str:
    """Keep the run's vectors as they are now, as the set ``trained:<method>:<corpus>@run<R>.step<N>``; returns its id."""
    with run.locked() as t:  # live training waits while the snapshot is taken
        last = t.records[-1]
        epochs = epochs_done(t)
        if epochs is None:
            when = ""
        elif t.done or t.words_done % max(len(t.data.ids), 1) == 0:
            when = f" (end of epoch {epochs})"
        else:
            when = f" (in epoch {last.epoch})"
        set_id = vectorsets.trained_id(t.method, t.corpus.source, run=run_number(), step=last.step)
        return _keep(t, f"run {run_number()} at step {last.step}{when}", set_id)


def keep_epoch_snapshot(run: TrainingRun) -> str | None:
    """Keep a snapshot when a word-streaming run has finished an epoch since the last one kept; returns its id.

    Step buttons stop at each epoch's end (``training_controls``), so there the snapshot is exactly the
    end of the epoch; live training keeps it at the first redraw after.
    """
    done = epochs_done(run.trainer)
    kept = st.session_state.get(EPOCH_KEPT_KEY)
    if not done or (kept is not None and kept[0] == run_number() and kept[1] >= done):
        return None
    st.session_state[EPOCH_KEPT_KEY] = (run_number(), done)
    return keep_snapshot(run)


def _keep_finished_run(old: TrainingRun) -> None:
    """A run being replaced stays pickable as ``trained:<method>:<corpus>@run<R>``; the next run gets R + 1."""
    t = old.trainer
    _keep(
        t,
        f"run {run_number()} ({t.records[-1].step} steps)",
        vectorsets.trained_id(t.method, t.corpus.source, run=run_number()),
    )
    st.session_state[RUN_NUMBER_KEY] = run_number() + 1


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
                _keep_finished_run(old)
                ss["train.notice"] = (
                    "The method, corpus or a parameter changed, so training starts over; the run so far is kept "
                    "as a vector set of its own (pick it on the Compare page)."
                )
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


def _advance(run: TrainingRun, n: int, per_epoch: bool = False) -> None:
    """Train ``n`` steps; with ``per_epoch``, stop at each epoch's end to keep a snapshot there."""
    bar = st.progress(0.0, text=f"Training {count(n, 'step')}…")
    done, message = 0, None
    while done < n and message is None and not run.finished:
        left = steps_to_epoch_end(run.trainer) if per_epoch else None
        piece = min(n - done, left) if left else n - done
        before = len(run.trainer.records)
        message = run.advance(
            piece, on_progress=lambda d, _, base=done: bar.progress((base + d) / n, f"Training: {base + d}/{n} steps")
        )
        if per_epoch:
            keep_epoch_snapshot(run)
        stepped = len(run.trainer.records) - before
        if stepped == 0:
            break
        done += stepped
    bar.empty()
    if message:
        st.info(message, icon=":material/hourglass_top:")


def training_controls(run: TrainingRun | None, step_help: tuple[str, str], epoch_key: str | None = None) -> None:
    """The row of training buttons: Step x1/x20/x100 (with a progress bar), Start/Stop, Reset and Keep a snapshot.

    ``step_help``: what one step and twenty steps mean for this method and corpus. ``epoch_key``:
    the page's key of a "snapshot at each epoch's end" checkbox (drawn for word-streaming methods).
    """
    per_step, twenty = step_help
    cols = st.columns([1, 1, 1, 1.1, 1, 1.6, 1.7])
    disabled = run is None or run.finished
    streaming = run is not None and epochs_done(run.trainer) is not None
    per_epoch = bool(epoch_key and streaming and cols[6].checkbox(
        "Epoch snapshots", key=epoch_key, help="Keep the vectors at the end of every epoch, to compare them."
    ))  # fmt: skip
    helps = (f"One step: {per_step}.", f"Twenty steps: {twenty}.", "A hundred steps.")
    for col, n, text in zip(cols[:3], (1, 20, 100), helps, strict=True):
        if col.button(f"Step ×{n}", disabled=disabled, help=text) and run is not None:
            _advance(run, n, per_epoch)
    if run is not None and run.running:
        cols[3].button("Stop", icon=":material/stop:", type="primary", on_click=run.stop, help="Pause live training.")
    else:
        cols[3].button(
            "Start",
            icon=":material/play_arrow:",
            disabled=disabled,
            on_click=run.start if run is not None else None,
            help="Train continuously in the background; the loss, the map and the neighbours redraw every second or so (less often while the server is busy).",
        )
    cols[4].button(
        "Reset", disabled=run is None, on_click=forget_training_run, help="Forget the training so far and start again."
    )
    trained = run is not None and bool(run.trainer.records)
    if cols[5].button(
        "Keep a snapshot", icon=":material/photo_camera:", disabled=not trained,
        help="Keep the vectors as they are now as a vector set of their own, to compare with later ones.",
    ) and run is not None:  # fmt: skip
        st.toast(
            f"Kept as {st.session_state[VECTOR_SETS_KEY][keep_snapshot(run)].label}.", icon=":material/photo_camera:"
        )
    kept_sets_caption()


REPLAY_KEY = "train.replay"


def snapshot_replay() -> tuple[WordVectors | None, str]:
    """A slider over the current run's kept snapshots, "now" last: the chosen snapshot's vectors and a map
    title, or (None, "") for the live vectors (and when nothing is kept yet)."""
    sets = st.session_state.get(VECTOR_SETS_KEY, {})
    steps = {p.step: sets[p.text].vectors for p in _trained_ids() if p.run == run_number() and p.step is not None}
    if not steps:
        return None, ""
    options = [*sorted(steps), "now"]
    if st.session_state.get(REPLAY_KEY) not in options:
        st.session_state[REPLAY_KEY] = "now"
    at = st.select_slider(
        "Replay the kept snapshots", options, key=REPLAY_KEY, format_func=lambda s: s if s == "now" else f"step {s}",
        help="Show the map as it was at a kept snapshot, turned to match the current map, to see what moved.",
    )  # fmt: skip
    if at == "now":
        return None, ""
    return steps[at], f"Word map at step {at} (a kept snapshot, turned to match the current map)"


def kept_sets_caption() -> None:
    """Which runs and snapshots this session keeps, and the way to the Compare page."""
    kept = _trained_ids()
    steps = [str(p.step) for p in kept if p.run == run_number() and p.step is not None]
    runs = sum(1 for p in kept if p.run is not None and p.step is None)
    if not steps and not runs:
        return
    parts = [f"snapshots of this run at step {', '.join(steps)}"] if steps else []
    parts += [f"{runs} earlier run{'s' if runs > 1 else ''}"] if runs else []
    st.caption(f"Kept as vector sets: {' and '.join(parts)}. Compare any two on the **Compare** page.")
