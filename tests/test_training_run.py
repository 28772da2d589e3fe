"""TrainingRun: steps and live training hold the visitor's slot, stop on every path, and never corrupt a snapshot."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from explorer.corpus import Corpus
from explorer.limits import TrainingSlots
from explorer.training import make_trainer
from explorer.training.pace import RecentRate
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


def test_live_training_at_its_time_budget_says_why_how_far_and_what_to_do(slots: TrainingSlots) -> None:
    run = _run(slots, max_seconds=0.5, epochs=5000)  # far more training than half a second
    run.start()
    _wait_for(lambda: not run.running)
    assert slots.running() == 0 and not run.trainer.done
    reason = run.stop_reason
    assert reason is not None and "time limit" in reason and "0.5 s" in reason
    assert re.search(r"It trained \d+% \(epoch \d+ of 5000, [\d,]+ words\)", reason), reason
    assert "fewer epochs" in reason and "smaller corpus" in reason
    assert "python -m explorer.train corpus.txt --method sgns --epochs 5000" in reason
    assert "EXPLORER_MAX_TRAIN_SECONDS" not in reason, "a visitor is never told to change the server's settings"
    # It stays what the page shows, poll after poll, and the bar names where it stopped, with no time left.
    assert run.tick(0.0) is None and run.notice == reason and run.tick(0.0) is None and run.notice == reason
    status = run.status_text()
    assert status.startswith("Stopped at") and "time limit" in status and " left" not in status
    assert run.advance(1) == reason, "the budget is spent"
    # The pace said early on that this run needs more than its budget.
    assert run.budget_warning is not None
    assert re.search(r"This run needs about [\d,.]+ s of training; the limit here is 0.5 s", run.budget_warning)


def test_the_budget_message_names_the_server_setting_only_where_one_may_change_it(slots: TrainingSlots) -> None:
    local = _run(slots)
    local.server_setting_hint = "EXPLORER_MAX_TRAIN_SECONDS"
    local.advance(2)
    assert "raise EXPLORER_MAX_TRAIN_SECONDS" in local.limit_message()
    assert "EXPLORER_MAX_TRAIN_SECONDS" not in _run(slots).limit_message()


def test_step_buttons_reaching_the_budget_record_why_they_stopped(slots: TrainingSlots) -> None:
    run = _run(slots, max_seconds=0.3, epochs=5000)
    while run.time_left > 0:
        assert run.advance(100) is None
    assert run.stop_reason is not None and "time limit" in run.stop_reason and run.notice == run.stop_reason


def test_an_abandoned_tab_stops_live_training_and_frees_the_slot(slots: TrainingSlots) -> None:
    idle = _run(slots, idle_seconds=0.3)
    idle.start()
    _wait_for(lambda: not idle.running)
    assert slots.running() == 0, "an abandoned tab does not keep a slot"
    assert idle.stop_reason is None, "not the time limit"


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


def test_the_time_left_follows_the_recent_pace_not_the_mean_of_the_run() -> None:
    # A 30-epoch run that slowed down, as in a live run: 1 % per second for 20 s, then 0.6 % per second.
    pace = RecentRate(window=8.0)
    for t in range(21):
        pace.add(float(t), 0.01 * t)
    for t in range(21, 31):
        pace.add(float(t), 0.20 + 0.006 * (t - 20))
    done = 0.26
    assert pace.rate() == pytest.approx(0.006)
    assert pace.seconds_left(1 - done) == pytest.approx(0.74 / 0.006)
    assert pace.seconds_left(1 - done) > 1.4 * (30 * 0.74 / 0.26), "the whole run's mean promises far less"
    assert RecentRate().seconds_left(0.5) is None, "no samples, no estimate"


def test_live_status_shows_the_time_left_at_the_recent_pace_and_none_once_stopped(slots: TrainingSlots) -> None:
    run = _run(slots, epochs=20)
    run.advance(4)
    frac = run.trainer.progress
    assert " left" not in run.status_text(), "between steps nothing is running: no time left to promise"
    # Live: over the last 20 s of wall clock the pace fell from 2 % to 0.5 % of the run per second.
    run._worker = _Alive()  # type: ignore[assignment]
    for t in range(21):
        slow, fast = 0.005 * min(20 - t, 10), 0.02 * max(10 - t, 0)
        run._wall_pace.add(100.0 + t, frac - slow - fast)
    shown = float(re.search(r"about ([\d,]+) s left", run.status_text()).group(1).replace(",", ""))
    assert shown == pytest.approx((1 - frac) / 0.005, rel=0.01)
    # When the time limit comes first, the bar counts down to it: 2 s of training left at 1 % per second
    # inside steps, 0.5 % per wall-clock second, is about 4 s of waiting.
    run.max_seconds = run.trainer.elapsed + 2.0
    run._step_pace.clear()
    for t in range(3):
        run._step_pace.add(50.0 + t, frac - 0.01 * (2 - t))
    assert "about 4 s left until the time limit" in run.status_text()
    run._worker = None
    # Stop: where it stopped, and no time left.
    run.start()
    run.tick(2.0)
    run.stop()
    status = run.status_text()
    assert status.startswith(f"Stopped at {run.trainer.progress:.0%}") and " left" not in status


def _epoch_end_steps(run: TrainingRun) -> dict[int, int]:
    """Epoch -> the step whose end is the epoch's end, read off the records."""
    n = len(run.trainer.data.ids)
    return {r.words_done // n: r.step for r in run.trainer.records if r.words_done % n == 0}


@pytest.mark.parametrize("live", [True, False])
def test_epoch_snapshots_are_taken_at_exact_epoch_ends_and_at_most_five(slots: TrainingSlots, live: bool) -> None:
    run = _run(slots, epochs=12)
    run.keep_epoch_snapshots(True)
    assert run.epoch_targets == (3, 5, 8, 10, 12)
    if live:
        run.start()
        _wait_for(lambda: not run.running)
    else:
        while not run.trainer.done:
            run.advance(7)  # pieces that do not line up with epochs
    assert run.trainer.done
    taken = run.take_epoch_snapshots()
    ends = _epoch_end_steps(run)
    assert [s.epoch for s in taken] == [3, 5, 8, 10, 12]
    assert [s.step for s in taken] == [ends[e] for e in (3, 5, 8, 10, 12)]
    assert all(len(s.vectors) == len(run.trainer.vocab) for s in taken)
    assert not np.allclose(taken[0].vectors.vectors, taken[-1].vectors.vectors)
    assert run.take_epoch_snapshots() == [], "each snapshot is handed over once"


def test_no_epoch_snapshots_unless_asked(slots: TrainingSlots) -> None:
    run = _run(slots, epochs=2)
    run.keep_epoch_snapshots(False)
    run.advance(100)
    assert run.trainer.done and run.take_epoch_snapshots() == []
