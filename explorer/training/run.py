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
from explorer.vectors import WordVectors

STEP_CHUNK = 5  # steps between lease renewals and progress callbacks
BUSY_POLL_SECONDS = 0.5  # how often a waiting live training asks for a slot again
REDRAW_PAUSE_SECONDS = 0.002  # between two live steps (a step takes tens of milliseconds)


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


class TrainingRun:
    """A trainer plus its slot lease, time budget and live flag (see the module docstring).

    Live training runs in a worker thread, so it trains all the time while the page only redraws
    (at its own pace); Step buttons train in the calling thread. One lock guards the trainer, so a
    redraw's ``snapshot`` waits for at most one step. A worker nobody polls (``tick``) for
    ``idle_seconds`` (the visitor closed the tab) stops by itself and gives its slot back.

    Args:
        trainer: any ``explorer.training`` trainer.
        lease: this visitor's training slot.
        max_seconds: training seconds this run may spend in total (``Settings.max_train_seconds``).
        idle_seconds: how long live training goes on without a ``tick`` from the page.
    """

    def __init__(self, trainer: Trainer, lease: Lease, max_seconds: float, idle_seconds: float = 30.0) -> None:
        self.trainer = trainer
        self.lease = lease
        self.max_seconds = float(max_seconds)
        self.idle_seconds = float(idle_seconds)
        self._lock = threading.RLock()  # one step or one snapshot at a time
        self._stop = threading.Event()
        self._first_step = threading.Event()
        self._worker: threading.Thread | None = None
        self._last_poll = time.monotonic()
        self._message: str | None = None  # why the worker waits or stopped, for the next tick
        self._live_since: tuple[float, float] | None = None  # (clock, progress) when live training started

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

    def limit_message(self) -> str:
        return f"This run reached the limit of {self.max_seconds:,.0f} s of training. Reset to start over."

    def snapshot(self, name: str | None = None) -> WordVectors:
        """The current vectors (waits for the step in progress)."""
        with self._lock:
            return self.trainer.snapshot(name=name)

    @contextmanager
    def locked(self) -> Iterator[Trainer]:
        """The trainer, with live training paused between two steps while the block runs."""
        with self._lock:
            yield self.trainer

    def advance(self, n: int, on_progress: Callable[[int, int], None] | None = None) -> str | None:
        """Run up to ``n`` steps (fewer at the budget); returns a message when it could not train.

        ``on_progress(done, n)`` is called every few steps (a progress bar). The slot is held
        for the stretch and given back at its end unless live training holds it.
        """
        if self.time_left <= 0:
            return self.limit_message()
        if not self.lease.acquire():
            return self.lease.busy_message()
        deadline = time.perf_counter() + self.time_left
        done = 0
        try:
            while done < n and not self.trainer.done and time.perf_counter() < deadline:
                k = min(n - done, STEP_CHUNK)
                with self._lock:
                    self.trainer.step(k)
                done += k
                self.lease.acquire()  # renew on long stretches
                if on_progress is not None:
                    on_progress(done, n)
        finally:
            if not self.running:
                self.lease.release()
        return None

    def start(self) -> None:
        """Switch live training on: a worker thread trains until Stop, the end, the budget or an idle page."""
        if self.finished or self.running:
            return
        self._stop.clear()
        self._first_step.clear()
        self._message = None
        self._last_poll = time.monotonic()
        self._live_since = (time.monotonic(), self.trainer.progress)
        self._worker = threading.Thread(target=self._work, name="live-training", daemon=True)
        self._worker.start()

    def _work(self) -> None:
        try:
            while not self._stop.is_set():
                if time.monotonic() - self._last_poll > self.idle_seconds:
                    return  # nobody is watching any more
                if self.time_left <= 0:
                    self._message = self.limit_message()
                    return
                if self.trainer.done:
                    return
                if not self.lease.acquire():
                    self._message = self.lease.busy_message()
                    self._stop.wait(BUSY_POLL_SECONDS)
                    continue
                self._message = None
                with self._lock:
                    self.trainer.step(1)
                self._first_step.set()
                # Hand the interpreter to the page's redraw between steps; without the pause this thread
                # takes it back at once and a redraw crawls while training runs.
                time.sleep(REDRAW_PAUSE_SECONDS)
        finally:
            self._first_step.set()
            self.lease.release()

    def stop(self) -> None:
        """Switch live training off and give the slot back."""
        self._stop.set()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=30)
        self.lease.release()

    def tick(self, budget_seconds: float) -> str | None:
        """The page's poll while live: keeps the worker going; returns why it waits or stopped, if it did.

        Right after Start it waits up to ``budget_seconds`` for the first step, so the first frame
        already shows training.
        """
        self._last_poll = time.monotonic()
        if self.running and not self.trainer.records:
            self._first_step.wait(timeout=budget_seconds)
        message, self._message = self._message, None
        return message

    def _live_eta(self, frac: float) -> float | None:
        """Seconds left at the wall-clock pace of this live stretch (redraws and other visitors
        included), once it has made some progress; None otherwise."""
        if not self.running or self._live_since is None:
            return None
        since, start_frac = self._live_since
        gained, seconds = frac - start_frac, time.monotonic() - since
        if gained <= 0.005 or seconds < 1.0:
            return None
        return seconds * (1 - frac) / gained

    def status_text(self) -> str:
        """One line for the progress bar: share done, stage, epoch, step, speed and time left."""
        records = self.trainer.records
        if not records:
            return "Not trained yet: press a Step button or Start."
        last = records[-1]
        frac = self.trainer.progress
        eta = last.elapsed * (1 - frac) / frac if frac > 0 else 0.0
        live_eta = self._live_eta(frac)
        if live_eta is not None:
            eta = live_eta
        if self.trainer.unit == "words":
            speed = f"{last.words_done / max(last.elapsed, 1e-9):,.0f} words/s"
        else:
            speed = f"{last.step / max(last.elapsed, 1e-9):,.1f} steps/s"
        left = "done" if self.trainer.done else (f"about {eta:,.0f} s left" if eta >= 1 else "under 1 s left")
        return f"{frac:.0%} · {last.stage}, epoch {last.epoch} · step {last.step} · {speed} · {left}"
