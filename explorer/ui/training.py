"""This visitor's training slot: the session token that owns it and the lease handed to a ``TrainingRun``;
the training buttons; and the runs and snapshots kept as vector sets for the Compare page."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable

import streamlit as st

from explorer import cache, vectorsets
from explorer.errors import LinkError
from explorer.share import provenance
from explorer.training import METHOD_TITLES
from explorer.training.base import Trainer
from explorer.training.run import SlotLease, TrainingRun
from explorer.training.views import MAX_EPOCH_SNAPSHOTS, epochs_done
from explorer.ui.session import session_token
from explorer.ui.sidebar import SidebarState
from explorer.ui.vectorsets import VECTOR_SETS_KEY, register_vectors
from explorer.vectors import WordVectors
from explorer.wording import count


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
RUN_NUMBER_KEY, EPOCH_IDS_KEY = "train.run_number", "train.epoch_ids"
MAX_KEPT_SETS = 30  # kept runs and snapshots per session; earlier runs' epoch snapshots go first, then the oldest
BUDGET_SETTING = "EXPLORER_MAX_TRAIN_SECONDS (a setting of this app's server)"


def run_number() -> int:
    """The number of this session's current training run (1, 2, ...): part of the ids of what it keeps."""
    return int(st.session_state.get(RUN_NUMBER_KEY, 1))


def run_provenance(run: TrainingRun, vectors: WordVectors) -> dict:
    """How the run's current vectors were made (method, parameters, seed, steps, corpus name and size), for Share."""
    return provenance.trained(run.trainer, vectors, run=run_number())


def _trained_ids() -> list[vectorsets.VectorSetId]:
    """The parsed ids of this session's trained sets, in the order they were kept."""
    out = []
    for set_id in st.session_state.get(VECTOR_SETS_KEY, {}):
        with contextlib.suppress(LinkError):
            parsed = vectorsets.parse_id(set_id)
            if parsed.kind == "trained":
                out.append(parsed)
    return out


def _keep(trainer: Trainer, what: str, set_id: str, vectors: WordVectors | None = None) -> str:
    """Register the trainer's current vectors (or ``vectors``) as a vector set of their own; past the cap,
    drop earlier runs' epoch snapshots first, then the oldest kept sets, so a long run's epochs never
    push the visitor's own snapshots and runs out of the Compare list."""
    label = f"Trained, {what}: {METHOD_TITLES.get(trainer.method, trainer.method)} on {trainer.corpus.name}"
    if vectors is None:
        vectors = trainer.snapshot(name=label)
    vectors.name = label
    how = provenance.trained(trainer, vectors, run=run_number(), step=vectorsets.parse_id(set_id).step)
    register_vectors(label, vectors, make_active=False, set_id=set_id, provenance=how)
    kept = [p.text for p in _trained_ids() if p.run is not None]
    epoch_ids = st.session_state.get(EPOCH_IDS_KEY, {})
    earlier_epochs = [i for i in kept if i in epoch_ids and vectorsets.parse_id(i).run != run_number()]
    for old in [*earlier_epochs, *(i for i in kept if i not in earlier_epochs)][: max(len(kept) - MAX_KEPT_SETS, 0)]:
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


def keep_epoch_snapshot(run: TrainingRun) -> list[str]:
    """Keep the epoch snapshots the run took since the last call as vector sets; returns their ids.

    The run takes them itself at the exact end of a few epochs (``TrainingRun.keep_epoch_snapshots``,
    at most ``MAX_EPOCH_SNAPSHOTS`` per run), in the live worker or during Step buttons; this only
    names and keeps them, labelled by epoch.
    """
    ids = []
    for snap in run.take_epoch_snapshots():
        set_id = vectorsets.trained_id(run.trainer.method, run.trainer.corpus.source, run=run_number(), step=snap.step)
        ids.append(_keep(run.trainer, f"run {run_number()}, after epoch {snap.epoch}", set_id, snap.vectors))
        st.session_state[EPOCH_IDS_KEY] = {**st.session_state.get(EPOCH_IDS_KEY, {}), set_id: snap.epoch}
    return ids


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
            hint = None if state.settings.hosted else BUDGET_SETTING  # a visitor cannot change a hosted server
            ss[RUN_KEY] = TrainingRun(
                make(), training_lease(state), state.settings.max_train_seconds, server_setting_hint=hint
            )
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
    """Train ``n`` steps (the run snapshots the epoch ends it was asked to) and keep the epoch snapshots."""
    bar = st.progress(0.0, text=f"Training {count(n, 'step')}…")
    message = run.advance(n, on_progress=lambda d, _: bar.progress(d / n, f"Training: {d}/{n} steps"))
    keep_epoch_snapshot(run)
    bar.empty()
    if message and message != run.stop_reason:  # the stop reason has its own lasting place (``live_messages``)
        st.info(message, icon=":material/hourglass_top:")


def live_messages(run: TrainingRun) -> None:
    """The live poll's message (waiting for a slot), then what the run keeps saying: why it stopped at
    the time limit, or that the pace says it will. Drawn on every run of the page, so no rerun loses it."""
    message = run.tick(budget_seconds=0.35)
    if message:
        st.info(message, icon=":material/hourglass_top:")
    if run.notice:
        st.warning(run.notice, icon=":material/timer:")


def training_controls(run: TrainingRun | None, step_help: tuple[str, str], epoch_key: str | None = None) -> None:
    """The row of training buttons: Step x1/x20/x100 (with a progress bar), Start/Stop, Reset and Keep a snapshot.

    ``step_help``: what one step and twenty steps mean for this method and corpus. ``epoch_key``:
    the page's key of a "snapshot at each epoch's end" checkbox (drawn for word-streaming methods).
    """
    per_step, twenty = step_help
    cols = st.columns([1, 1, 1, 1.1, 1, 1.6, 1.7])
    disabled = run is None or run.finished
    spent = run is not None and not run.trainer.done and run.time_left <= 0
    streaming = run is not None and epochs_done(run.trainer) is not None
    per_epoch = bool(epoch_key and streaming and cols[6].checkbox(
        "Epoch snapshots", key=epoch_key,
        help=f"Keep the vectors at the end of a few epochs (at most {MAX_EPOCH_SNAPSHOTS} per run, spread evenly), to compare them.",
    ))  # fmt: skip
    if run is not None:
        run.keep_epoch_snapshots(per_epoch)
    helps = (f"One step: {per_step}.", f"Twenty steps: {twenty}.", "A hundred steps.")
    if spent:
        helps = ("This run has used its time limit; Reset starts a new one.",) * 3
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
    ours = {p.step: p.text for p in _trained_ids() if p.run == run_number() and p.step is not None}
    if not ours:
        return None, ""
    names = _snapshot_names(ours)
    options = [*sorted(ours), "now"]
    if st.session_state.get(REPLAY_KEY) not in options:
        st.session_state[REPLAY_KEY] = "now"
    at = st.select_slider(
        "Replay the kept snapshots", options, key=REPLAY_KEY, format_func=lambda s: s if s == "now" else names[s],
        help="Show the map as it was at a kept snapshot, turned to match the current map, to see what moved.",
    )  # fmt: skip
    if at == "now":
        return None, ""
    return sets[ours[at]].vectors, f"Word map {names[at]} (a kept snapshot, turned to match)"


def _snapshot_names(ids_by_step: dict[int, str]) -> dict[int, str]:
    """Step -> "after epoch 3" for an epoch snapshot, else "at step 21"."""
    epochs: dict[str, int] = st.session_state.get(EPOCH_IDS_KEY, {})
    return {s: f"after epoch {epochs[i]}" if i in epochs else f"at step {s}" for s, i in ids_by_step.items()}


def kept_sets_caption() -> None:
    """Which runs and snapshots this session keeps, and the way to the Compare page."""
    kept = _trained_ids()
    names = _snapshot_names({p.step: p.text for p in kept if p.run == run_number() and p.step is not None})
    runs = sum(1 for p in kept if p.run is not None and p.step is None)
    if not names and not runs:
        return
    parts = [f"snapshots of this run {', '.join(names[s] for s in sorted(names))}"] if names else []
    parts += [f"{runs} earlier run{'s' if runs > 1 else ''}"] if runs else []
    st.caption(f"Kept as vector sets: {' and '.join(parts)}. Compare any two on the **Compare** page.")
