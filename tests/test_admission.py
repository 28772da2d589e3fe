"""Heavy work under a memory ceiling: admitted in arrival order, queued with a place and an estimate,
refused with the reason when memory cannot be freed, released when the work ends. Memory is a
fake reader and time a fake clock, so nothing here depends on the machine or on timing."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from explorer.admission import WorkGate, read_rss_bytes
from explorer.bytecache import ByteLRU
from explorer.errors import LimitError, ServerBusy
from explorer.limits import check_sentences
from explorer.settings import Settings

MB = 2**20


class FakeMemory:
    """Resident memory that the test sets by hand; relieve() frees ``freeable`` bytes once."""

    def __init__(self, rss: int, freeable: int = 0) -> None:
        self.rss, self.freeable, self.relieved = rss, freeable, 0

    def __call__(self) -> int:
        return self.rss

    def relieve(self) -> None:
        self.relieved += 1
        self.rss -= self.freeable
        self.freeable = 0


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _gate(memory: FakeMemory, clock: FakeClock | None = None, **kwargs) -> WorkGate:
    return WorkGate(1536 * MB, rss=memory, relieve=memory.relieve, clock=clock or FakeClock(), **kwargs)


def test_heavy_work_over_the_ceiling_is_refused_with_the_reason_when_nothing_can_free_memory() -> None:
    memory = FakeMemory(rss=1500 * MB)
    gate = _gate(memory)
    ticket = gate.enter("projection", 100 * MB, "a t-SNE map of 5,000 points")
    with pytest.raises(LimitError) as info:
        ticket.poll()
    message = str(info.value)
    assert "1,500 MB in use of 1,536 MB" in message and "EXPLORER_MAX_MEMORY_MB" in message
    assert "a t-SNE map of 5,000 points needs about 100 MB" in message and "Ask for less" in message
    assert memory.relieved == 1, "the gate freed what it could before refusing"
    assert gate.running() == 0 and gate.refused == 1


def test_freeing_caches_can_make_room_instead_of_refusing() -> None:
    memory = FakeMemory(rss=1500 * MB, freeable=300 * MB)
    gate = _gate(memory)
    with gate.hold("transformer", 50 * MB, "encoding 9 sentences") as ticket:
        assert ticket.granted and memory.relieved == 1


def test_work_waits_while_other_work_holds_memory_and_starts_when_it_ends() -> None:
    memory = FakeMemory(rss=900 * MB)
    clock = FakeClock()
    gate = _gate(memory, clock)
    first = gate.enter("transformer", 400 * MB, "first")
    assert first.poll()
    memory.rss = 1300 * MB  # the first job's memory is in use now
    second = gate.enter("transformer", 300 * MB, "second")
    third = gate.enter("transformer", 10 * MB, "third")
    assert not second.poll() and not third.poll(), "over the ceiling while the first runs: they wait"
    assert second.ahead() == 1 and third.ahead() == 2
    assert second.message().startswith("Busy: 1 visitor ahead of you (the server is near its memory limit), about")
    assert third.message().startswith("Busy: 2 visitors ahead of you")
    assert third.estimate_seconds() >= second.estimate_seconds()
    clock.now = 3.0
    memory.rss = 950 * MB
    first.release()  # the work ended and its memory went back
    assert gate.running() == 0
    assert second.poll() and third.poll(), "released: both fit again, in arrival order"
    assert gate.running() == 2 and second.ahead() == 0
    second.release()
    third.release()
    assert gate.running() == 0 and gate.refused == 0


def test_large_projections_run_one_at_a_time_and_the_next_starts_on_release() -> None:
    memory = FakeMemory(rss=800 * MB)
    gate = _gate(memory)
    started: list[str] = []
    release_first = threading.Event()
    second_waiting = threading.Event()

    def visitor(name: str) -> None:
        def on_wait(ticket) -> None:
            assert ticket.message().startswith("Busy: 1 visitor ahead of you, about")
            second_waiting.set()

        with gate.hold("projection", 120 * MB, f"{name}'s map", on_wait=on_wait, tick_seconds=0.01):
            started.append(name)
            if name == "first":
                release_first.wait(timeout=30)

    first = threading.Thread(target=visitor, args=("first",))
    first.start()
    while not started:
        threading.Event().wait(0.001)
    second = threading.Thread(target=visitor, args=("second",))
    second.start()
    assert second_waiting.wait(timeout=30), "the second visitor was told its place while it waited"
    assert started == ["first"] and gate.running("projection") == 1
    release_first.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert started == ["first", "second"] and gate.running() == 0


def test_a_wait_longer_than_the_bound_ends_in_a_busy_message() -> None:
    memory = FakeMemory(rss=500 * MB)
    clock = FakeClock()
    gate = _gate(memory, clock, max_wait_seconds=60)
    holder = gate.enter("projection", 10 * MB, "a map")
    assert holder.poll()
    late = gate.enter("projection", 10 * MB, "another map")
    assert not late.poll()
    clock.now = 61.0
    with pytest.raises(ServerBusy, match="waited 60 s for its turn. Try again in a minute"):
        late.poll()
    holder.release()


def test_no_ceiling_admits_any_memory_and_rss_is_read_from_proc() -> None:
    gate = WorkGate(None, rss=lambda: 10**12)
    assert gate.enter("transformer", 10**12, "anything").poll()
    assert read_rss_bytes() > 10 * MB and read_rss_bytes("VmHWM") >= read_rss_bytes()


def test_byte_bounded_cache_drops_least_recently_used_results_by_size() -> None:
    cache = ByteLRU(max_bytes=3 * MB)
    small, big = np.zeros(MB // 4, np.float32), np.zeros(MB // 2, np.float32)  # 1 MB and 2 MB
    cache.put("small", small)
    cache.put("big", big)
    assert cache.nbytes == 3 * MB and len(cache) == 2
    assert cache.get("small") is small  # read back without a copy; now the most recent
    cache.put("other", small.copy())  # 1 MB more: "big" is the least recently used and goes
    assert "big" not in cache and cache.get("small") is small and cache.nbytes == 2 * MB
    cache.put("huge", np.zeros(MB, np.float32))  # 4 MB: larger than the whole cache, not kept
    assert "huge" not in cache and cache.nbytes == 2 * MB
    assert cache.shrink_to(0) == 2 * MB and len(cache) == 0


def test_a_reserve_is_kept_free_for_work_the_gate_does_not_see() -> None:
    memory = FakeMemory(rss=1300 * MB)
    assert _gate(memory).enter("projection", 200 * MB, "a map").poll(), "fits under the ceiling itself"
    gate = _gate(FakeMemory(rss=1300 * MB), reserve_bytes=100 * MB)
    with pytest.raises(LimitError) as info:
        gate.enter("projection", 200 * MB, "a map").poll()
    assert "1,300 MB in use of 1,536 MB" in str(info.value) and "keeping 100 MB free" in str(info.value)
    assert _gate(FakeMemory(rss=1200 * MB), reserve_bytes=100 * MB).enter("projection", 200 * MB, "a map").poll()


def test_hosted_limits_bound_the_sentences_of_one_request() -> None:
    hosted = Settings.from_env({"EXPLORER_HOSTED": "1"})
    check_sentences(hosted, ["The bank lent money."] * hosted.max_sentences)
    with pytest.raises(LimitError) as info:
        check_sentences(hosted, ["The bank lent money."] * (hosted.max_sentences + 1))
    assert "at most 40 at once" in str(info.value) and "Remove some lines" in str(info.value)
    assert "EXPLORER_" not in str(info.value), "a hosted visitor cannot change the server's settings"
    with pytest.raises(LimitError) as info:
        check_sentences(hosted, ["short", "x" * (hosted.max_sentence_chars + 1)])
    message = str(info.value)
    assert message.startswith("Sentence 2 has") and "at most 400 per sentence" in message and "Shorten" in message
    assert "EXPLORER_" not in message
    with pytest.raises(LimitError, match="EXPLORER_MAX_SENTENCES"):  # a server one runs oneself names the setting
        check_sentences(Settings(max_sentences=1), ["a", "b"])
    local = Settings.from_env({})
    assert local.max_sentences > hosted.max_sentences and local.max_memory_bytes is None
    assert Settings.from_env({"EXPLORER_HOSTED": "1", "EXPLORER_MAX_MEMORY_MB": "off"}).max_memory_bytes is None
    assert Settings.from_env({"EXPLORER_MAX_MEMORY_MB": "900"}).max_memory_bytes == 900 * MB


def test_the_wait_estimate_follows_the_running_work_and_never_sits_at_zero() -> None:
    memory, clock = FakeMemory(rss=800 * MB), FakeClock()
    gate = _gate(memory, clock)
    first = gate.enter("projection", 100 * MB, "a t-SNE map of 5,000 points", size=5000)
    assert first.poll()
    second = gate.enter("projection", 100 * MB, "a t-SNE map of 5,000 points", size=5000)
    third = gate.enter("projection", 10 * MB, "a UMAP map of 2,500 points", size=2500)
    assert not second.poll() and not third.poll()
    assert second.estimate_seconds() == pytest.approx(50.0)  # 5,000 points at the first guess, 0.01 s each
    assert third.estimate_seconds() == pytest.approx(100.0)  # and the second map before it
    clock.now = 40.0
    assert second.estimate_seconds() == pytest.approx(10.0)
    assert second.message() == "Busy: 1 visitor ahead of you, about 10 s."
    clock.now = 80.0  # the first map overran its estimate: a quarter of its time so far again
    assert second.estimate_seconds() == pytest.approx(20.0)
    first.release()  # it took 80 s: 0.016 s a point; the estimates learn from it
    assert second.poll() and not third.poll()
    assert third.estimate_seconds() == pytest.approx(5000 * (0.5 * 0.01 + 0.5 * 80 / 5000))
    second.release()
    assert third.poll()
    third.release()
