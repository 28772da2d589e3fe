"""TrainingRun: steps and live training hold the visitor's slot, stop on every path, and never corrupt a snapshot."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from explorer.corpus import Corpus
from explorer.limits import TrainingSlots
from explorer.training import make_trainer
from explorer.training.run import SlotLease, TrainingRun

TEXTS = ["my card was charged twice for one order", "my phone will not charge after the update"] * 200


@pytest.fixture()
def slots() -> TrainingSlots:
    return TrainingSlots(capacity=1)


def _run(slots: TrainingSlots, max_seconds: float = 60.0, idle_seconds: float = 30.0, epochs: int = 50) -> TrainingRun:
    trainer = make_trainer("sgns", Corpus.from_texts(TEXTS), vector_size=8, min_count=1, epochs=epochs, batch_words=200)
    return TrainingRun(trainer, SlotLease(slots, "me"), max_seconds, idle_seconds=idle_seconds)


def _wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_live_training_trains_between_polls_and_stop_gives_the_slot_back(slots: TrainingSlots) -> None:
    run = _run(slots)
    run.start()
    assert run.tick(1.0) is None and run.trainer.records, "the first poll waits for the first step"
    assert slots.running() == 1
    steps = len(run.trainer.records)
    _wait_for(lambda: len(run.trainer.records) > steps + 3)  # no poll needed to keep training
    run.stop()
    assert not run.running and slots.running() == 0
    after = len(run.trainer.records)
    time.sleep(0.2)
    assert len(run.trainer.records) == after, "nothing trains after Stop"


def test_snapshots_taken_while_training_live_are_consistent(slots: TrainingSlots) -> None:
    run = _run(slots)
    run.start()
    for _ in range(20):
        wv = run.snapshot()
        assert np.isfinite(wv.vectors).all() and len(wv) == len(run.trainer.vocab)
        run.tick(0.1)
    run.stop()


def test_live_training_waits_for_a_slot_and_says_so(slots: TrainingSlots) -> None:
    assert slots.acquire("another visitor")
    run = _run(slots)
    assert "yours starts when one finishes" in run.advance(1)
    run.start()
    _wait_for(lambda: run.tick(0.05) is not None or False)
    assert not run.trainer.records
    slots.release("another visitor")
    _wait_for(lambda: bool(run.trainer.records))
    run.stop()
    assert slots.running() == 0


def test_live_training_stops_at_the_time_budget_and_when_nobody_watches(slots: TrainingSlots) -> None:
    run = _run(slots, max_seconds=0.3)
    run.start()
    _wait_for(lambda: not run.running)
    assert "limit of 0 s" in run.tick(0.0) and slots.running() == 0
    assert run.advance(1) is not None, "the budget is spent"

    idle = _run(slots, idle_seconds=0.3)
    idle.start()
    _wait_for(lambda: not idle.running)
    assert slots.running() == 0, "an abandoned tab does not keep a slot"


def test_a_finished_training_ends_live_mode_by_itself(slots: TrainingSlots) -> None:
    run = _run(slots, epochs=1)
    run.start()
    _wait_for(lambda: not run.running)
    assert run.trainer.done and run.finished and slots.running() == 0
    run.start()
    assert not run.running, "nothing is left to train"


class _Alive:
    """Stands in for the live worker thread: always running."""

    def is_alive(self) -> bool:
        return True


def test_live_eta_follows_the_wall_clock_pace_of_the_live_stretch(slots: TrainingSlots) -> None:
    run = _run(slots, epochs=2)
    run.advance(3)
    frac = run.trainer.progress
    assert 0 < frac < 0.5
    # Stepping alone: the ETA comes from the seconds spent inside steps.
    step_eta = run.trainer.records[-1].elapsed * (1 - frac) / frac
    assert f"about {step_eta:,.0f} s left" in run.status_text() or "under 1 s left" in run.status_text()
    # Live for 40 s of wall clock since progress 0: redraws and other visitors slowed it down,
    # so the time left is what the same wall-clock pace needs for the rest.
    run._worker = _Alive()  # type: ignore[assignment]
    run._live_since = (time.monotonic() - 40.0, 0.0)
    expected = 40.0 * (1 - frac) / frac
    shown = float(re.search(r"about ([\d,]+) s left", run.status_text()).group(1).replace(",", ""))
    assert shown == pytest.approx(expected, rel=0.02) and shown > 1.5 * step_eta
    run._worker = None
