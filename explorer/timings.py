"""Where a page's script run spends its time on the server: transformer, other compute, charts, Streamlit.

Off unless ``EXPLORER_TIMINGS_LOG`` names a file (the load benchmark sets it). Then a sampler
thread looks at every Streamlit script thread every ``interval`` seconds (``sys._current_frames``)
and files the moment under the innermost code that decides what it is:

- ``transformer``: waiting on the transformer queue or the admission gate, or tokenising / running
  the model in this thread (``explorer/contextual/{queue,model,jobs}.py``, ``explorer/admission.py``,
  torch, transformers, tokenizers);
- ``charts``: building figures (``explorer/charts``, plotly);
- ``streamlit``: Streamlit itself (caching, serialising elements and data frames, session state);
- ``compute``: the rest of ``explorer`` (and the numerical libraries it calls);
- ``page_lines``: the page script's own lines.

Library code with no opinion (numpy, pandas, json, threading) takes the category of its caller.
A run starts when a page script appears on a script thread's stack and ends when it leaves; each
ends as one JSON line: page, wall seconds, seconds per category, and the exact seconds its
transformer requests spent queued and running (``record_transformer``, fed by ``explorer.cache``).
Sampling costs a few per cent of one core at the default 10 ms.

Example:
    >>> classify_file("/x/site-packages/plotly/io/_json.py"), classify_file("/x/explorer/mapview.py")
    ('charts', 'compute')
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

ENV_VAR = "EXPLORER_TIMINGS_LOG"
CATEGORIES = ("transformer", "compute", "charts", "streamlit", "page_lines")
ROOT = Path(__file__).resolve().parent.parent
_SCRIPT_THREAD = "ScriptRunner.scriptThread"


def classify_file(filename: str) -> str | None:
    """The category a frame of ``filename`` decides, or None when it takes its caller's."""
    f = filename.replace("\\", "/")
    if "/explorer/" in f:
        if f.endswith(("/contextual/queue.py", "/contextual/model.py", "/contextual/jobs.py", "/admission.py")):
            return "transformer"
        if "/explorer/charts/" in f:
            return "charts"
        return "compute"
    if f.startswith(str(ROOT / "pages")) or f == str(ROOT / "app.py"):
        return "page_lines"
    for marker, category in (
        ("/torch/", "transformer"),
        ("/transformers/", "transformer"),
        ("/tokenizers/", "transformer"),
        ("/plotly/", "charts"),
        ("/streamlit/", "streamlit"),
        ("/sklearn/", "compute"),
        ("/umap/", "compute"),
        ("/scipy/", "compute"),
        ("/numba/", "compute"),
        ("/pynndescent/", "compute"),
    ):
        if marker in f:
            return category
    return None


class _Run:
    def __init__(self, page: str, start: float) -> None:
        self.page, self.start, self.last_seen = page, start, start
        self.seconds = dict.fromkeys(CATEGORIES, 0.0)


class Recorder:
    """Samples the script threads of this process and appends one JSON line per finished run to ``path``."""

    def __init__(self, path: str | os.PathLike[str], interval: float = 0.01) -> None:
        self.path = Path(path)
        self.interval = float(interval)
        self._runs: dict[int, _Run] = {}
        self._exact: dict[int, dict[str, float]] = {}
        self._lock = threading.Lock()
        self._codes: dict[Any, str | None] = {}
        self._pages: dict[Any, str | None] = {}
        self._thread = threading.Thread(target=self._loop, name="timings-sampler", daemon=True)

    def start(self) -> Recorder:
        self._thread.start()
        return self

    def add_exact(self, thread_id: int, name: str, seconds: float) -> None:
        with self._lock:
            bucket = self._exact.setdefault(thread_id, {})
            bucket[name] = bucket.get(name, 0.0) + float(seconds)

    def _category(self, code: Any) -> str | None:
        try:
            return self._codes[code]
        except KeyError:
            found = self._codes[code] = classify_file(code.co_filename)
            return found

    def _page_of(self, code: Any) -> str | None:
        try:
            return self._pages[code]
        except KeyError:
            f = code.co_filename
            page = Path(f).name if (f.startswith(str(ROOT / "pages")) or f == str(ROOT / "app.py")) else None
            self._pages[code] = page
            return page

    def _sample(self, now: float, step: float) -> None:
        script_threads = {t.ident for t in threading.enumerate() if t.name.startswith(_SCRIPT_THREAD)}
        frames = sys._current_frames()
        seen: set[int] = set()
        for ident in script_threads:
            frame = frames.get(ident)  # type: ignore[arg-type]
            category, page = None, None
            while frame is not None:
                code = frame.f_code
                if category is None:
                    category = self._category(code)
                page = self._page_of(code) or page
                frame = frame.f_back
            if page is None or ident is None:
                continue
            seen.add(ident)
            run = self._runs.get(ident)
            if run is None or run.page != page:
                if run is not None:
                    self._finish(ident, run)
                run = self._runs[ident] = _Run(page, now)
            run.last_seen = now
            run.seconds[category or "page_lines"] += step
        for ident in [i for i in self._runs if i not in seen]:
            self._finish(ident, self._runs.pop(ident))

    def _finish(self, ident: int, run: _Run) -> None:
        with self._lock:
            exact = self._exact.pop(ident, {})
        record = {
            "page": run.page,
            "start": round(run.start, 3),
            "wall": round(run.last_seen - run.start + self.interval, 3),
            **{k: round(v, 3) for k, v in run.seconds.items()},
            **{f"exact_{k}": round(v, 3) for k, v in exact.items()},
        }
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")

    def _loop(self) -> None:
        last = time.monotonic()
        while True:
            time.sleep(self.interval)
            now = time.monotonic()
            with contextlib.suppress(Exception):  # a measurement must never disturb the app
                self._sample(now, now - last)
            last = now


_recorder: Recorder | None = None
_start_lock = threading.Lock()


def start_from_env(env: dict[str, str] | None = None) -> Recorder | None:
    """Start the process's one recorder when ``EXPLORER_TIMINGS_LOG`` is set (idempotent)."""
    global _recorder
    path = (env if env is not None else os.environ).get(ENV_VAR, "").strip()
    if not path:
        return None
    with _start_lock:
        if _recorder is None:
            _recorder = Recorder(path).start()
    return _recorder


def record_transformer(queued_seconds: float, model_seconds: float) -> None:
    """Add the exact seconds this thread's transformer request waited in the queue and ran (when recording)."""
    if _recorder is None:
        return
    ident = threading.get_ident()
    _recorder.add_exact(ident, "queued", queued_seconds)
    _recorder.add_exact(ident, "model", model_seconds)
