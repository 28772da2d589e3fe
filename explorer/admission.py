"""Admission of heavy work under a memory ceiling: queue it, or refuse it with a reason, instead of growing.

A hosted demo lives inside a fixed memory (1.5 GB on a small free tier). Heavy work (a
transformer request, a large projection) asks the process-wide ``WorkGate`` first, saying which
lane it runs in and about how many bytes it may add. The gate admits work in arrival order per
lane when

- the lane has a free slot (projections above a size run one at a time: their lane has one), and
- the resident memory now (VmRSS, from /proc/self/status), plus what admitted work may still add,
  plus this work's cost stays under the ceiling.

Otherwise the work waits, and its visitor reads ``Ticket.message()`` ("Busy: 3 visitors ahead of
you, about 8 s"), updated while it waits. When nothing else runs and memory is still too high,
the gate first frees what it can (the byte-bounded caches, then ``gc`` and ``malloc_trim``) and,
if that is not enough, refuses with a ``LimitError`` that says what to do; a wait longer than
``max_wait_seconds`` ends in ``ServerBusy``. Every admitted ticket is released when its work
ends (``WorkGate.hold`` does it on every path).

Example:
    >>> gate = WorkGate(ceiling_bytes=1000, rss=lambda: 600)
    >>> with gate.hold("projection", cost_bytes=300, what="t-SNE of 5,000 words"):
    ...     gate.running()
    1
    >>> gate.enter("projection", cost_bytes=500, what="t-SNE").poll()
    Traceback (most recent call last):
    ...
    explorer.errors.LimitError: The server is near its memory limit: 600 B in use of 1,000 B (setting EXPLORER_MAX_MEMORY_MB), and t-SNE needs about 500 B more. Ask for less (fewer points, fewer or shorter sentences) or try again in a minute.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from explorer.errors import LimitError, ServerBusy

DEFAULT_LANES: Mapping[str, int] = {"transformer": 1_000_000, "projection": 1, "upload": 2}
# Seconds per unit of work (a projected point, a sentence) before any work of the lane has been
# timed; then a moving average of what the lane's work took, per unit (an upload's unit: a MB it may add).
# Uploads (unpacking and parsing a visitor's file) have a lane of their own, two at a time, so a
# burst of large uploads waits for memory instead of growing the process past its ceiling.
FIRST_SECONDS_PER_UNIT: Mapping[str, float] = {"transformer": 0.05, "projection": 0.01, "upload": 0.05}
PROJECTION_ONE_AT_A_TIME = 2_000  # points: larger t-SNE / UMAP maps take the one projection slot
# What a large t-SNE or UMAP adds at its peak, measured in a hosted process (benchmarks/bench_hosted_maps.py):
# t-SNE 122 / 187 / 200 MB at 4,000 / 10,000 / 20,000 points, UMAP 65 / 138 / 140-225 MB (from run to run),
# once the k-NN blocks and PCA stopped copying whole matrices (before: 330 and 200 MB at 20,000, against a
# flat estimate of 24,000 bytes a point, 458 MB). Most of it does not grow with the points (k-NN blocks,
# thread buffers), so the estimate is a base plus a share per point, and the base has room for drawing
# the map once the projection is done (its figure, sent to the browser): 173 / 207 / 264 MB.
PROJECTION_BASE_BYTES = 150 * 2**20
BYTES_PER_PROJECTED_POINT = 6_000
# Under a ceiling, memory the gate keeps free for work it does not count: three hosted visitors at once
# (a 10,000-point map admitted beside a Context request, a training and other pages being drawn) went
# 75 MB past the ceiling without it (tests/browser/test_hosted_sweep_browser.py).
UNSEEN_WORK_RESERVE = 100 * 2**20


def projection_cost(n_points: int) -> int:
    """Bytes a t-SNE or UMAP map of ``n_points`` may add at its peak (what the gate is asked for).

    >>> mb(projection_cost(10_000)), mb(projection_cost(20_000))
    ('207 MB', '264 MB')
    """
    return PROJECTION_BASE_BYTES + int(n_points) * BYTES_PER_PROJECTED_POINT


def read_rss_bytes(field: str = "VmRSS") -> int:
    """This process's resident memory in bytes (``VmRSS``; ``VmHWM`` for the peak so far), from /proc.

    Returns 0 where /proc is not there (not Linux): the ceiling is then not enforced.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        return 0
    return 0


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Ask glibc for at most ``arenas`` malloc arenas; True when it agreed.

    Each thread that allocates otherwise may get an arena of its own, and freed memory stays
    spread over them (resident); a server with a thread per visitor grows that way.
    """
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    m_arena_max = -8  # from malloc.h
    return bool(libc.mallopt(m_arena_max, int(arenas)))


def release_free_memory() -> None:
    """Collect garbage and hand freed heap pages back to the system (glibc ``malloc_trim``)."""
    gc.collect()
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def trim_heap() -> None:
    """Hand freed heap pages back to the system (glibc ``malloc_trim``) without collecting garbage.

    Safe inside a finalizer, where a ``gc.collect`` would be re-entered.
    """
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def mb(n_bytes: float) -> str:
    """Bytes as MB (2^20), or plain bytes below 1 MB, for messages.

    >>> mb(1536 * 2**20), mb(600)
    ('1,536 MB', '600 B')
    """
    return f"{n_bytes / 2**20:,.0f} MB" if n_bytes >= 2**20 else f"{n_bytes:,.0f} B"


class Ticket:
    """One piece of heavy work waiting for, or holding, admission."""

    def __init__(self, gate: WorkGate, lane: str, cost_bytes: int, what: str, size: float = 1.0) -> None:
        self.gate, self.lane, self.cost_bytes, self.what = gate, lane, max(0, int(cost_bytes)), what
        self.size = max(1e-9, float(size))  # units of work (points, sentences): what the time estimate scales
        self.arrived = gate._clock()
        self.granted_at: float | None = None
        self.released = False

    @property
    def granted(self) -> bool:
        return self.granted_at is not None and not self.released

    def poll(self) -> bool:
        """Try to be admitted now; raises ``LimitError`` (memory) or ``ServerBusy`` (waited too long)."""
        return self.gate._poll(self)

    def wait(self, timeout: float) -> bool:
        """Poll, and wait up to ``timeout`` seconds for a change; True once admitted."""
        return self.gate._wait(self, timeout)

    def ahead(self) -> int:
        """Work to finish before this one can start (0 once admitted)."""
        return self.gate._ahead(self)

    def estimate_seconds(self) -> float:
        """About how long until this work starts, from how long recent work of its lane took."""
        return self.gate._estimate(self)

    def message(self) -> str:
        """What its visitor reads while it waits."""
        n = self.ahead()
        who = "1 visitor" if n == 1 else f"{n} visitors"
        why = " (the server is near its memory limit)" if self.gate._memory_blocked(self) else ""
        return f"Busy: {who} ahead of you{why}, about {max(1, round(self.estimate_seconds()))} s."

    def release(self) -> None:
        self.gate._release(self)


class WorkGate:
    """Arrival-order admission of heavy work per lane, under slots and a memory ceiling (thread-safe).

    Args:
        ceiling_bytes: the most resident memory the process should reach (None: no ceiling).
        lanes: lane -> slots (work of that lane admitted at once).
        rss: reads the resident memory in bytes now (a test passes a fake one).
        relieve: frees what it can (caches, garbage) when memory blocks work.
        max_wait_seconds: a ticket waiting longer is refused with ``ServerBusy``.
        clock: monotonic seconds.
        setting_hint: how a refusal names the memory setting (``Settings.limit_hint``: nothing in hosted
            mode, whose visitors cannot change it).
        reserve_bytes: memory kept free under the ceiling for work the gate does not see (pages drawing
            a large map, training steps, the transformer's activations): admitted work must fit below
            ``ceiling_bytes - reserve_bytes``.
    """

    def __init__(
        self,
        ceiling_bytes: int | None,
        lanes: Mapping[str, int] = DEFAULT_LANES,
        rss: Callable[[], int] = read_rss_bytes,
        relieve: Callable[[], None] = release_free_memory,
        max_wait_seconds: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        setting_hint: str = " (setting EXPLORER_MAX_MEMORY_MB)",
        reserve_bytes: int = 0,
    ) -> None:
        self.ceiling_bytes = ceiling_bytes
        self.setting_hint = setting_hint
        self.reserve_bytes = max(0, int(reserve_bytes))
        self.slots = dict(lanes)
        self._rss, self._relieve, self._clock = rss, relieve, clock
        self.max_wait_seconds = float(max_wait_seconds)
        self._cond = threading.Condition()
        self._waiting: list[Ticket] = []
        self._running: list[Ticket] = []
        self._rate = {lane: FIRST_SECONDS_PER_UNIT.get(lane, 0.05) for lane in self.slots}  # seconds per unit
        self.refused = 0

    def enter(self, lane: str, cost_bytes: int, what: str, size: float = 1.0) -> Ticket:
        """Join the queue of ``lane`` (nothing is admitted until the ticket is polled); ``size`` is the
        work's units (points, sentences) the time estimates scale with."""
        if lane not in self.slots:
            raise ValueError(f"Unknown lane {lane!r}; the lanes are {', '.join(self.slots)}.")
        ticket = Ticket(self, lane, cost_bytes, what, size)
        with self._cond:
            self._waiting.append(ticket)
        return ticket

    @contextmanager
    def hold(
        self,
        lane: str,
        cost_bytes: int,
        what: str,
        on_wait: Callable[[Ticket], None] | None = None,
        tick_seconds: float = 0.5,
        size: float = 1.0,
    ) -> Iterator[Ticket]:
        """Wait for admission (calling ``on_wait(ticket)`` every ``tick_seconds`` while waiting), run, release."""
        ticket = self.enter(lane, cost_bytes, what, size)
        try:
            granted = ticket.poll()
            while not granted:
                if on_wait is not None:
                    on_wait(ticket)
                granted = ticket.wait(tick_seconds)
            yield ticket
        finally:
            ticket.release()

    def running(self, lane: str | None = None) -> int:
        """Admitted work not yet released (in ``lane``, or in all lanes)."""
        with self._cond:
            return sum(1 for t in self._running if lane is None or t.lane == lane)

    # ----- inside -----------------------------------------------------------------------------------
    def _head_of_lane(self, ticket: Ticket) -> bool:
        return next(t for t in self._waiting if t.lane == ticket.lane) is ticket

    def _fits(self, ticket: Ticket) -> bool:
        if self.ceiling_bytes is None:
            return True
        promised = sum(t.cost_bytes for t in self._running)
        return self._rss() + promised + ticket.cost_bytes + self.reserve_bytes <= self.ceiling_bytes

    def _memory_blocked(self, ticket: Ticket) -> bool:
        with self._cond:
            return ticket in self._waiting and self.ceiling_bytes is not None and not self._fits(ticket)

    def _poll(self, ticket: Ticket) -> bool:
        with self._cond:
            if ticket.granted_at is not None:
                return not ticket.released
            if not self._head_of_lane(ticket):
                return self._check_wait(ticket)
            lane_busy = sum(1 for t in self._running if t.lane == ticket.lane) >= self.slots[ticket.lane]
            if not lane_busy and not self._fits(ticket) and not self._running:
                self._relieve()  # nothing else runs to free memory: free what can be freed, then decide
                if not self._fits(ticket):
                    self._waiting.remove(ticket)
                    self.refused += 1
                    self._cond.notify_all()
                    kept = (
                        f", keeping {mb(self.reserve_bytes)} free for pages being drawn" if self.reserve_bytes else ""
                    )
                    raise LimitError(
                        f"The server is near its memory limit: {mb(self._rss())} in use of "
                        f"{mb(self.ceiling_bytes or 0)}{self.setting_hint}, and {ticket.what} needs "
                        f"about {mb(ticket.cost_bytes)} more{kept}. Ask for less (fewer points, fewer or shorter "
                        "sentences) or try again in a minute."
                    )
            if lane_busy or not self._fits(ticket):
                return self._check_wait(ticket)
            self._waiting.remove(ticket)
            self._running.append(ticket)
            ticket.granted_at = self._clock()
            self._cond.notify_all()
            return True

    def _check_wait(self, ticket: Ticket) -> bool:
        if self._clock() - ticket.arrived > self.max_wait_seconds:
            self._waiting.remove(ticket)
            self.refused += 1
            self._cond.notify_all()
            raise ServerBusy(
                f"The server is busy: {ticket.what} waited {self.max_wait_seconds:.0f} s for its turn. "
                "Try again in a minute, or ask for less."
            )
        return False

    def _wait(self, ticket: Ticket, timeout: float) -> bool:
        if self._poll(ticket):
            return True
        if timeout > 0:
            with self._cond:
                self._cond.wait(timeout)
        return self._poll(ticket)

    def _release(self, ticket: Ticket) -> None:
        with self._cond:
            if ticket.released:
                return
            ticket.released = True
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            if ticket in self._running:
                self._running.remove(ticket)
                took = self._clock() - (ticket.granted_at if ticket.granted_at is not None else self._clock())
                self._rate[ticket.lane] = 0.5 * self._rate[ticket.lane] + 0.5 * took / ticket.size
            self._cond.notify_all()

    def _ahead(self, ticket: Ticket) -> int:
        with self._cond:
            if ticket not in self._waiting:
                return 0
            before = self._waiting[: self._waiting.index(ticket)]
            same_lane = [t for t in before if t.lane == ticket.lane]
            running = [t for t in self._running if t.lane == ticket.lane or self.ceiling_bytes is not None]
            return len(same_lane) + len(running)

    def _estimate(self, ticket: Ticket) -> float:
        """Seconds until ``ticket`` starts: what the running work of its lane has left, then the queued work
        before it shared over the lane's slots. Work that overran its estimate is given a quarter of
        its time so far again, so the estimate never sits at zero while a visitor still waits."""
        with self._cond:
            if ticket not in self._waiting:
                return 0.0
            rate, now = self._rate[ticket.lane], self._clock()

            def left(t: Ticket) -> float:
                elapsed = now - (t.granted_at if t.granted_at is not None else now)
                return max(t.size * rate - elapsed, 0.25 * elapsed)

            running = [left(t) for t in self._running if t.lane == ticket.lane]
            before = self._waiting[: self._waiting.index(ticket)]
            queued = sum(t.size * rate for t in before if t.lane == ticket.lane)
            return (min(running) if running else 0.0) + queued / max(1, self.slots[ticket.lane])
