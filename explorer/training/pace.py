"""The recent pace of a training: progress per second over the last few seconds of a clock.

A run slows down as it goes (other visitors start training, the machine warms up, later epochs
of the subword model touch more n-grams), so the mean pace of the whole run promises too early a
finish. ``RecentRate`` keeps (clock, progress) samples of the last ``window`` seconds and
estimates from those alone.

Example:
    >>> pace = RecentRate(window=8.0, min_span=1.0)
    >>> for t in range(0, 31):  # 1 % per second for 30 s, then 0.5 % per second for 10 s
    ...     pace.add(float(t), 0.01 * t)
    >>> for t in range(31, 41):
    ...     pace.add(float(t), 0.30 + 0.005 * (t - 30))
    >>> round(pace.rate(), 4), round(pace.seconds_left(1 - 0.35), 1)  # the whole-run mean says 74 s
    (0.005, 130.0)
"""

from __future__ import annotations

import threading
from collections import deque


class RecentRate:
    """Progress per second over the last ``window`` seconds of one clock (thread-safe).

    Args:
        window: seconds of samples the rate is measured over.
        min_span: the fewest seconds between the oldest and newest sample before there is a rate.
    """

    def __init__(self, window: float = 8.0, min_span: float = 1.0) -> None:
        self.window = float(window)
        self.min_span = float(min_span)
        self._samples: deque[tuple[float, float]] = deque()
        self._lock = threading.Lock()

    def add(self, clock: float, progress: float) -> None:
        """One sample: ``progress`` (any unit) reached at ``clock`` seconds."""
        with self._lock:
            self._samples.append((float(clock), float(progress)))
            # Keep one sample at or before the window's start, so the span covers the whole window.
            while len(self._samples) > 2 and self._samples[1][0] <= clock - self.window:
                self._samples.popleft()

    def clear(self) -> None:
        with self._lock:
            self._samples.clear()

    def rate(self) -> float | None:
        """Progress per second over the window, or None with too short a span or no progress in it."""
        with self._lock:
            if len(self._samples) < 2:
                return None
            (t0, p0), (t1, p1) = self._samples[0], self._samples[-1]
        if t1 - t0 < self.min_span or p1 <= p0:
            return None
        return (p1 - p0) / (t1 - t0)

    def seconds_left(self, remaining: float) -> float | None:
        """Seconds the ``remaining`` progress takes at the recent rate, or None while there is no rate."""
        rate = self.rate()
        return None if rate is None else max(float(remaining), 0.0) / rate
