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
    >>> run.start(); run.running
    True
    >>> run.stop(); run.running, slots.running()
    (False, 0)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from explorer.limits import TrainingSlots
from explorer.training.base import Trainer

STEP_CHUNK = 5  # steps between lease renewals and progress callbacks


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

    Args:
        trainer: any ``explorer.training`` trainer.
        lease: this visitor's training slot.
        max_seconds: training seconds this run may spend in total (``Settings.max_train_seconds``).
    """

    def __init__(self, trainer: Trainer, lease: Lease, max_seconds: float) -> None:
        self.trainer = trainer
        self.lease = lease
        self.max_seconds = float(max_seconds)
        self.running = False

    @property
    def time_left(self) -> float:
        return self.max_seconds - self.trainer.elapsed

    @property
    def finished(self) -> bool:
        """Nothing more to train: the trainer is done or the budget is spent."""
        return self.trainer.done or self.time_left <= 0

    def limit_message(self) -> str:
        return f"This run reached the limit of {self.max_seconds:,.0f} s of training. Reset to start over."

    def _end_stretch(self) -> None:
        self.running = False
        self.lease.release()

    def advance(self, n: int, on_progress: Callable[[int, int], None] | None = None) -> str | None:
        """Run up to ``n`` steps (fewer at the budget); returns a message when it could not train.

        ``on_progress(done, n)`` is called every few steps (a progress bar). The slot is held
        for the stretch and given back at its end unless the run is live.
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
        """Switch live training on (the page then calls ``tick`` on a timer)."""
        if not self.finished:
            self.running = True

    def stop(self) -> None:
        """Switch live training off and give the slot back."""
        self._end_stretch()

    def tick(self, budget_seconds: float) -> str | None:
        """One live stretch of about ``budget_seconds``; returns a message when live training stops or waits.

        Stops itself (slot released) when the trainer is done or the time budget is spent; while
        every slot is taken it trains nothing and returns the busy message.
        """
        if not self.running:
            return None
        if self.time_left <= 0:
            self._end_stretch()
            return self.limit_message()
        if self.trainer.done:
            self._end_stretch()
            return None
        if not self.lease.acquire():
            return self.lease.busy_message()
        self.trainer.run(max_seconds=min(budget_seconds, max(self.time_left, 0.0)))
        if self.trainer.done:
            self._end_stretch()
        return None

    def status_text(self) -> str:
        """One line for the progress bar: share done, stage, epoch, step, speed and time left."""
        records = self.trainer.records
        if not records:
            return "Not trained yet: press a Step button or Start."
        last = records[-1]
        frac = self.trainer.progress
        eta = last.elapsed * (1 - frac) / frac if frac > 0 else 0.0
        if self.trainer.unit == "words":
            speed = f"{last.words_done / max(last.elapsed, 1e-9):,.0f} words/s"
        else:
            speed = f"{last.step / max(last.elapsed, 1e-9):,.1f} steps/s"
        left = "done" if self.trainer.done else (f"about {eta:,.0f} s left" if eta >= 1 else "under 1 s left")
        return f"{frac:.0%} · {last.stage}, epoch {last.epoch} · step {last.step} · {speed} · {left}"
