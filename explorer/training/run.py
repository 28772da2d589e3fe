"""One visitor's training as the Train page drives it: steps, live mode, the time limit and the slot.

``TrainingRun`` wraps a trainer with what a shared server needs around it: a lease on one of
the process-wide training slots (passed in, so tests give a fake one), a budget of seconds, and
the live (Start/Stop) flag. Every path that ends a stretch of training (the budget spent, the
trainer done, Stop pressed, a step finished while not live) gives the slot back in one place.

Example:
    >>> from explorer.corpus import Corpus
    >>> from explorer.limits import TrainingSlots
    >>> from explorer.training import make_trainer
    >>> from explorer.training.run import SlotLease, TrainingRun
    >>> corpus = Corpus.from_texts(["my card was charged twice", "my phone will not charge"] * 30)
    >>> slots = TrainingSlots(capacity=1)
    >>> run = TrainingRun(make_trainer("sgns", corpus, vector_size=8, min_count=1), SlotLease(slots, "me"), 60)
    >>> run.advance(3) is None, run.trainer.records[-1].step, slots.running()
    (True, 3, 0)
    >>> run.start(); run.stop(); run.running, slots.running()
    (False, 0)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from explorer.limits import TrainingSlots
from explorer.training.base import Trainer
from explorer.training.pace import RecentRate
from explorer.training.views import at_epoch_end, snapshot_epochs, steps_to_epoch_end
from explorer.vectors import WordVectors

STEP_CHUNK = 5  # steps between lease renewals and progress callbacks
BUSY_POLL_SECONDS = 0.5  # how often a waiting live training asks for a slot again
REDRAW_PAUSE_SECONDS = 0.002  # between two live steps (a step takes tens of milliseconds)
PACE_WINDOW_SECONDS = 8.0  # the time left is estimated from the pace of this many recent seconds


class Lease(Protocol):
    """A training slot held by one visitor."""

    def acquire(self) -> bool: ...  # take or renew; False when every slot is taken by others
    def release(self) -> None: ...
    def busy_message(self) -> str: ...


@dataclass(frozen=True)
class SlotLease:
    """A lease on ``slots`` for one ``owner`` (an opaque session token), lapsing after ``max_seconds``."""

    slots: TrainingSlots
    owner: str
    max_seconds: float | None = None

    def acquire(self) -> bool:
        return self.slots.acquire(self.owner, max_seconds=self.max_seconds)

    def release(self) -> None:
        self.slots.release(self.owner)

    def busy_message(self) -> str:
        return self.slots.busy_message()


@dataclass(frozen=True)
class EpochSnapshot:
    """The vectors as they were at the end of one epoch (``step`` is the step that ended it)."""

    epoch: int
    step: int
    vectors: WordVectors


def _seconds(x: float) -> str:
    return f"{x:,.0f} s" if x >= 10 else f"{x:.1f} s".replace(".0 s", " s")


class TrainingRun:
    """A trainer plus its slot lease, time budget and live flag (see the module docstring).

    Live training runs in a worker thread, so it trains all the time while the page only redraws
    (at its own pace); Step buttons train in the calling thread. One lock guards the trainer, so a
    redraw's ``snapshot`` waits for at most one step. A worker nobody polls (``tick``) for
    ``idle_seconds`` (the visitor closed the tab) stops by itself and gives its slot back.

    What the page must keep saying lives here, not in a one-off message: ``stop_reason`` (set when
    the budget ends training, kept until the run is replaced) and ``budget_warning`` (set as soon as
    the recent pace says the run needs more than the budget).

    Args:
        trainer: any ``explorer.training`` trainer.
        lease: this visitor's training slot.
        max_seconds: training seconds this run may spend in total (``Settings.max_train_seconds``).
        idle_seconds: how long live training goes on without a ``tick`` from the page.
        server_setting_hint: where the visitor may raise the budget (a local app: the environment
            variable); None on a hosted server, whose visitors cannot change its settings.
    """

    def __init__(
        self,
        trainer: Trainer,
        lease: Lease,
        max_seconds: float,
        idle_seconds: float = 30.0,
        server_setting_hint: str | None = None,
    ) -> None:
        self.trainer = trainer
        self.lease = lease
        self.max_seconds = float(max_seconds)
        self.idle_seconds = float(idle_seconds)
        self.server_setting_hint = server_setting_hint
        self._lock = threading.RLock()  # one step or one snapshot at a time
        self._stop = threading.Event()
        self._first_step = threading.Event()
        self._worker: threading.Thread | None = None
        self._last_poll = time.monotonic()
        self._message: str | None = None  # why the worker waits, for the next tick
        self.stop_reason: str | None = None  # why training ended before its end (the budget), kept
        self.budget_warning: str | None = None  # the pace says the budget ends the run early
        self.stopped = False  # Stop was pressed, or the budget ended training
        # Recent pace on two clocks: the wall clock gives the time left the visitor waits (redraws and
        # other visitors included); the seconds inside steps are what the budget counts.
        self._wall_pace = RecentRate(PACE_WINDOW_SECONDS)
        self._step_pace = RecentRate(PACE_WINDOW_SECONDS, min_span=min(1.0, self.max_seconds / 4))
        self.epoch_targets: tuple[int, ...] = ()  # epochs whose end keeps a snapshot (``keep_epoch_snapshots``)
        self._epochs_taken: set[int] = set()
        self._pending: list[EpochSnapshot] = []

    @property
    def running(self) -> bool:
        """Whether live training is on (its worker thread alive)."""
        return self._worker is not None and self._worker.is_alive()

    @property
    def time_left(self) -> float:
        return self.max_seconds - self.trainer.elapsed

    @property
    def finished(self) -> bool:
        """Nothing more to train: the trainer is done or the budget is spent."""
        return self.trainer.done or self.time_left <= 0

    @property
    def notice(self) -> str | None:
        """What the page shows above the progress bar, on every redraw: why training stopped, else the
        budget warning."""
        return self.stop_reason or (None if self.trainer.done else self.budget_warning)

    def _what_to_do(self) -> str:
        epochs = getattr(self.trainer.config, "epochs", None)
        command = f"python -m explorer.train corpus.txt --method {self.trainer.method}"
        command += f" --epochs {epochs}" if epochs else ""
        raise_limit = f", or raise {self.server_setting_hint}" if self.server_setting_hint else ""
        return (
            f"To train the whole run here, choose fewer epochs or a smaller corpus{raise_limit}; "
            f"for a long run, train on your own machine with the command-line trainer: "
            f"`{command} --out vectors.txt`."
        )

    def _how_far(self) -> str:
        """ "42% (epoch 12 of 100, 1,234,567 words)"."""
        records, frac = self.trainer.records, self.trainer.progress
        if not records:
            return "nothing"
        last, parts = records[-1], []
        epochs = getattr(self.trainer.config, "epochs", None)
        if epochs and last.epoch > 0:
            parts.append(f"epoch {last.epoch} of {epochs}")
        parts.append(f"{last.words_done:,} words" if self.trainer.unit == "words" else f"step {last.step}")
        return f"{frac:.0%} ({', '.join(parts)})"

    def limit_message(self) -> str:
        """Why training stopped at the budget, how far it got and what to do (the run's ``stop_reason``)."""
        return (
            f"Training stopped at the time limit: {_seconds(self.max_seconds)} of training per run here. "
            f"It trained {self._how_far()}; those vectors are kept, and every page can use them. "
            f"{self._what_to_do()} Reset starts over."
        )

    def _stop_at_budget(self) -> str:
        self.stopped = True
        if self.stop_reason is None:
            self.stop_reason = self.limit_message()
        return self.stop_reason

    def snapshot(self, name: str | None = None) -> WordVectors:
        """The current vectors (waits for the step in progress)."""
        with self._lock:
            return self.trainer.snapshot(name=name)

    @contextmanager
    def locked(self) -> Iterator[Trainer]:
        """The trainer, with live training paused between two steps while the block runs."""
        with self._lock:
            yield self.trainer

    def keep_epoch_snapshots(self, on: bool) -> None:
        """Keep the vectors at the end of a few epochs (``views.snapshot_epochs``), or stop doing so."""
        epochs = getattr(self.trainer.config, "epochs", None)
        self.epoch_targets = snapshot_epochs(epochs) if on and epochs and steps_to_epoch_end(self.trainer) else ()

    def take_epoch_snapshots(self) -> list[EpochSnapshot]:
        """The epoch snapshots taken since the last call (the page keeps them as vector sets)."""
        with self._lock:
            taken, self._pending = self._pending, []
        return taken

    def _step(self, n: int) -> None:
        """``n`` steps under the lock, then the pace samples and an epoch snapshot if one just ended."""
        with self._lock:
            self.trainer.step(n)
            frac = self.trainer.progress
            self._wall_pace.add(time.monotonic(), frac)
            self._step_pace.add(self.trainer.elapsed, frac)
            epoch = at_epoch_end(self.trainer) if self.epoch_targets else None
            if epoch in self.epoch_targets and epoch not in self._epochs_taken:
                self._epochs_taken.add(epoch)
                self._pending.append(EpochSnapshot(epoch, self.trainer.records[-1].step, self.trainer.snapshot()))
        self._forecast()

    def _forecast(self) -> None:
        """Warn as soon as the recent pace says the run needs more training seconds than the budget."""
        frac = self.trainer.progress
        left = self._step_pace.seconds_left(1 - frac)
        if left is None or self.trainer.done:
            return
        needed = self.trainer.elapsed + left
        if needed <= self.max_seconds * 1.05:  # within the noise of the estimate
            self.budget_warning = None
            return
        reach = min(frac + (self.time_left / left) * (1 - frac), 1.0)
        self.budget_warning = (
            f"This run needs about {_seconds(needed)} of training; the limit here is {_seconds(self.max_seconds)}, "
            f"so it will stop near {reach:.0%}. {self._what_to_do()}"
        )

    def advance(self, n: int, on_progress: Callable[[int, int], None] | None = None) -> str | None:
        """Run up to ``n`` steps (fewer at the budget); returns a message when it could not train.

        ``on_progress(done, n)`` is called every few steps (a progress bar). The slot is held
        for the stretch and given back at its end unless live training holds it. Reaching the
        budget sets ``stop_reason``; starting with it spent returns it.
        """
        if self.time_left <= 0:
            return self._stop_at_budget()
        if not self.lease.acquire():
            return self.lease.busy_message()
        if not self.running:
            self._step_pace.clear()  # the pace of earlier stretches says little of this one
        deadline = time.perf_counter() + self.time_left
        done = 0
        try:
            while done < n and not self.trainer.done and time.perf_counter() < deadline:
                k = min(n - done, STEP_CHUNK)
                if self.epoch_targets:  # stop at the epoch's end, to snapshot exactly there
                    k = min(k, steps_to_epoch_end(self.trainer) or k)
                self._step(k)
                done += k
                self.lease.acquire()  # renew on long stretches
                if on_progress is not None:
                    on_progress(done, n)
        finally:
            if not self.running:
                self.lease.release()
        if self.time_left <= 0 and not self.trainer.done:
            self._stop_at_budget()
        return None

    def start(self) -> None:
        """Switch live training on: a worker thread trains until Stop, the end, the budget or an idle page."""
        if self.finished or self.running:
            return
        self._stop.clear()
        self._first_step.clear()
        self._message = None
        self.stopped = False
        self._last_poll = time.monotonic()
        self._wall_pace.clear()
        self._step_pace.clear()
        self._worker = threading.Thread(target=self._work, name="live-training", daemon=True)
        self._worker.start()

    def _work(self) -> None:
        try:
            while not self._stop.is_set():
                if time.monotonic() - self._last_poll > self.idle_seconds:
                    return  # nobody is watching any more
                if self.time_left <= 0:
                    if not self.trainer.done:
                        self._stop_at_budget()
                    return
                if self.trainer.done:
                    return
                if not self.lease.acquire():
                    self._message = self.lease.busy_message()
                    self._stop.wait(BUSY_POLL_SECONDS)
                    continue
                self._message = None
                self._step(1)
                self._first_step.set()
                # Hand the interpreter to the page's redraw between steps; without the pause this thread
                # takes it back at once and a redraw crawls while training runs.
                time.sleep(REDRAW_PAUSE_SECONDS)
        finally:
            self._first_step.set()
            self.lease.release()

    def stop(self) -> None:
        """Switch live training off and give the slot back."""
        if self.running:
            self.stopped = True
        self._stop.set()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=30)
        self.lease.release()

    def tick(self, budget_seconds: float) -> str | None:
        """The page's poll while live: keeps the worker going; returns why it waits, if it does.

        Right after Start it waits up to ``budget_seconds`` for the first step, so the first frame
        already shows training. Why training stopped is not returned: it stays in ``notice``.
        """
        self._last_poll = time.monotonic()
        if self.running and not self.trainer.records:
            self._first_step.wait(timeout=budget_seconds)
        message, self._message = self._message, None
        return message

    def status_text(self) -> str:
        """One line for the progress bar: share done, stage, epoch, step, speed and, while live, the time
        left at the recent pace; once stopped, where it stopped and no time left."""
        records = self.trainer.records
        if not records:
            return "Not trained yet: press a Step button or Start."
        last = records[-1]
        frac = self.trainer.progress
        if self.trainer.unit == "words":
            speed = f"{last.words_done / max(last.elapsed, 1e-9):,.0f} words/s"
        else:
            speed = f"{last.step / max(last.elapsed, 1e-9):,.1f} steps/s"
        where = f"{last.stage}, epoch {last.epoch} · step {last.step} · {speed}"
        if self.trainer.done:
            return f"{frac:.0%} · {where} · done"
        if self.running:
            return f"{frac:.0%} · {where} · {self._time_left_text(frac)}"
        if self.stop_reason:
            return f"Stopped at {frac:.0%} (the time limit) · {where}"
        return f"{'Stopped at' if self.stopped else 'Paused at'} {frac:.0%} · {where}"

    def _time_left_text(self, frac: float) -> str:
        """ "about 17 s left" at the recent wall-clock pace, or the wait until the time limit when that comes first."""
        eta = self._wall_pace.seconds_left(1 - frac)
        if eta is None:
            return "estimating the time left"
        wall_rate, step_rate = self._wall_pace.rate(), self._step_pace.rate()
        if wall_rate and step_rate:
            # Wall seconds per second inside steps is step_rate / wall_rate (the same progress on both clocks).
            to_limit = max(self.time_left, 0.0) * step_rate / wall_rate
            if to_limit < eta:
                return (
                    f"about {to_limit:,.0f} s left until the time limit"
                    if to_limit >= 1
                    else "the time limit in under 1 s"
                )
        return f"about {eta:,.0f} s left" if eta >= 1 else "under 1 s left"
