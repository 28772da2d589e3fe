"""Where a page's script run spends its time on the server: transformer, charts, Streamlit, the rest.

Off unless ``EXPLORER_TIMINGS_LOG`` names a file (the load benchmark sets it). Then
``explorer.cache`` wraps the entry points of each kind of work in ``section(category)``, and
the script run itself in ``run()``; each finished run becomes one JSON line: the page, its wall
seconds, the seconds spent in each category, and the rest, and ``first_sign``: seconds from the start to the first sign of work it sent (a
spinner, a progress bar, a waiting message, a chart):

- ``transformer``: waiting for and running the transformer (the request queue, the admission
  gate, tokenising in the page's thread);
- ``charts``: building Plotly figures (``explorer.charts``);
- ``streamlit``: Streamlit's element calls (serialising figures and tables for the browser);
- ``other``: everything else: the rest of ``explorer``, cached lookups, the page's own lines.

Sections nest: time inside an inner section counts only there. Every measure is the caller's
own thread's clock readings: nothing here looks at another thread.

Example:
    >>> recorder = Recorder(path=None)
    >>> with recorder.run("4_Context.py") as record:
    ...     with recorder.section("charts"):
    ...         pass
    >>> sorted(record)[:3], record["page"]
    (['charts', 'exact_model', 'exact_queued'], '4_Context.py')
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ENV_VAR = "EXPLORER_TIMINGS_LOG"
CATEGORIES = ("transformer", "charts", "streamlit")


class _Run:
    def __init__(self, page: str | Callable[[], str], start: float) -> None:
        self.page = page
        self.start = start
        self.seconds = dict.fromkeys(CATEGORIES, 0.0)
        self.exact = {"queued": 0.0, "model": 0.0}
        self.first_sign: float | None = None  # seconds from the start to the first sign of work sent
        self.stack: list[list[Any]] = []  # [category, entered at, seconds spent in nested sections]


class Recorder:
    """Per-thread accounting of script runs; appends one JSON line per finished run to ``path`` (None: keeps none).

    ``clock`` is monotonic seconds, shared by every thread (a test passes a fake one).
    """

    def __init__(self, path: str | os.PathLike[str] | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = None if path is None else Path(path)
        self._clock = clock
        self._local = threading.local()
        self._write_lock = threading.Lock()

    @contextlib.contextmanager
    def run(self, page: str | Callable[[], str]) -> Iterator[dict[str, Any]]:
        """Account one script run of ``page`` (or of the name ``page()`` gives at its end) in this thread;
        yields the record it fills at the end."""
        outer = getattr(self._local, "run", None)
        current = self._local.run = _Run(page, self._clock())
        record: dict[str, Any] = {}
        try:
            yield record
        finally:
            self._local.run = outer
            wall = self._clock() - current.start
            spent = sum(current.seconds.values())
            record.update(
                page=current.page() if callable(current.page) else current.page,
                start=round(current.start, 3),
                wall=round(wall, 4),
                **{k: round(v, 4) for k, v in current.seconds.items()},
                other=round(max(0.0, wall - spent), 4),
                **{f"exact_{k}": round(v, 4) for k, v in current.exact.items()},
                first_sign=None if current.first_sign is None else round(current.first_sign, 4),
            )
            if self.path is not None:
                with self._write_lock, open(self.path, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(record) + "\n")

    @contextlib.contextmanager
    def section(self, category: str) -> Iterator[None]:
        """Count the time inside as ``category`` (minus nested sections) for this thread's current run."""
        current: _Run | None = getattr(self._local, "run", None)
        if current is None:
            yield
            return
        frame = [category, self._clock(), 0.0]
        current.stack.append(frame)
        try:
            yield
        finally:
            current.stack.pop()
            elapsed = self._clock() - frame[1]
            current.seconds[category] = current.seconds.get(category, 0.0) + elapsed - frame[2]
            if current.stack:
                current.stack[-1][2] += elapsed

    def timed(self, fn: Callable[..., Any], category: str) -> Callable[..., Any]:
        """``fn`` wrapped in ``section(category)``."""
        if getattr(fn, "_timed", False):
            return fn

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.section(category):
                return fn(*args, **kwargs)

        wrapper._timed = True  # type: ignore[attr-defined]
        return wrapper

    def mark_sign(self) -> None:
        """Note the first sign of work this run shows (a spinner, a progress bar, a message, a chart)."""
        current: _Run | None = getattr(self._local, "run", None)
        if current is not None and current.first_sign is None:
            current.first_sign = self._clock() - current.start

    def signed(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` that first marks a sign of work (see ``mark_sign``)."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.mark_sign()
            return fn(*args, **kwargs)

        return wrapper

    def add_exact(self, name: str, seconds: float) -> None:
        current: _Run | None = getattr(self._local, "run", None)
        if current is not None:
            current.exact[name] = current.exact.get(name, 0.0) + float(seconds)


_recorder: Recorder | None = None
_start_lock = threading.Lock()


def start_from_env(env: dict[str, str] | None = None) -> Recorder | None:
    """The process's one recorder when ``EXPLORER_TIMINGS_LOG`` is set, else None (idempotent)."""
    global _recorder
    path = (env if env is not None else os.environ).get(ENV_VAR, "").strip()
    if not path:
        return None
    with _start_lock:
        if _recorder is None:
            _recorder = Recorder(path)
    return _recorder


def section(category: str) -> contextlib.AbstractContextManager[None]:
    """``Recorder.section`` of the process's recorder; does nothing when recording is off."""
    return contextlib.nullcontext() if _recorder is None else _recorder.section(category)


def mark_sign() -> None:
    """``Recorder.mark_sign`` of the process's recorder; does nothing when recording is off."""
    if _recorder is not None:
        _recorder.mark_sign()


def record_transformer(queued_seconds: float, model_seconds: float) -> None:
    """Add the exact seconds this thread's transformer request waited in the queue and ran (when recording)."""
    if _recorder is not None:
        _recorder.add_exact("queued", queued_seconds)
        _recorder.add_exact("model", model_seconds)
