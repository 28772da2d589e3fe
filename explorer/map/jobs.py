"""Map builds started from the app: the map job as a background process, its progress, a registry per server.

The app never lays out a map in its own process (nor starts Ray): it runs
``python -m explorer.map build FILE --out MAP_DIR/NAME --method M`` as a child process and reads
the progress lines the job prints (``[map] neighbours: 5,000/20,000 (25%), 3.1 s, ETA 9 s``). The
:class:`MapJobs` registry holds each process by its output name for the life of the server, so a
build goes on while the visitor opens other pages, and the Map page finds it again on return.

A set that lives only in memory (trained, uploaded, the reference table, an index layer) is first
written as word2vec binary into a temporary folder made for this job (removed when it ends); a
library file the job reads itself (text or word2vec binary) is passed by its path.

Example:
    >>> parse_progress("[map] neighbours: 5,000/20,000 (25%), 3.1 s, ETA 9 s")
    Progress(stage='neighbours', share=0.25, text='neighbours: 5,000/20,000 (25%), 3.1 s, ETA 9 s')
    >>> round(overall_share(parse_progress("[map] layout: started (pca, 2-D)")), 2)
    0.4
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from explorer.map.build import check_replaceable
from explorer.map.contract import DEFAULT_K, METHODS, MapBuildError
from explorer.map.reader import check_map_name, map_names
from explorer.vectors import WordVectors

ROOT = Path(__file__).resolve().parent.parent.parent  # the folder holding the explorer package
# (stage, its share of a build's time): a rough split of the job's measured stage times, for one progress bar
STAGES = (("read", 0.10), ("neighbours", 0.25), ("recall", 0.05), ("layout", 0.40), ("clusters", 0.15), ("write", 0.05))
_LINE_RE = re.compile(r"^\[map\] (?P<stage>[a-z]+): (?P<rest>.*)$")
_SHARE_RE = re.compile(r"\((?P<pct>\d{1,3})%\)")
KEPT_LINES = 200
RUNNING, DONE, FAILED, STOPPED = "running", "done", "failed", "stopped"
DIRECT_FORMATS = ("text", "binary")  # library formats the job reads from the file itself


class Progress(NamedTuple):
    """One progress line: the stage, the share of that stage done (0..1), the line without its prefix."""

    stage: str
    share: float
    text: str


def parse_progress(line: str) -> Progress | None:
    """A job's progress line as (stage, share of the stage, text); None for any other line.

    >>> parse_progress("[map] write: done in 0.4 s (wrote maps/x)").share, parse_progress("hello")
    (1.0, None)
    """
    match = _LINE_RE.match(line.strip())
    if match is None:
        return None
    rest = match["rest"]
    if rest.startswith("done"):
        share = 1.0
    elif (pct := _SHARE_RE.search(rest)) is not None:
        share = min(int(pct["pct"]), 100) / 100
    else:
        share = 0.0
    return Progress(match["stage"], share, f"{match['stage']}: {rest}")


def overall_share(progress: Progress | None) -> float:
    """The share of the whole build done at ``progress``: earlier stages' weights plus this stage's part."""
    if progress is None:
        return 0.0
    done = 0.0
    for stage, weight in STAGES:
        if stage == progress.stage:
            return min(1.0, done + weight * progress.share)
        done += weight
    return 0.0  # a stage this explorer does not know: no claim on how far the build is


@dataclass(frozen=True)
class BuildRequest:
    """What a visitor asked to map: a vector set (in memory, or a file the job reads) and the map's options."""

    name: str
    label: str  # the set's name as the page shows it
    vectors: WordVectors | None  # None when ``source_file`` is given
    source_file: Path | None = None
    method: str = "pca"
    limit: int | None = None
    replace: bool = False


class MapJob:
    """One map job process: its command, output lines, progress and outcome. Thread-safe to read."""

    def __init__(self, name: str, out: Path, command: list[str], workdir: Path | None, label: str) -> None:
        self.name, self.out, self.command, self.label = name, out, command, label
        self.workdir = workdir  # the temporary folder this job's input was written to (removed at the end)
        self.started = time.time()
        self.ended: float | None = None
        self.lines: collections.deque[str] = collections.deque(maxlen=KEPT_LINES)
        self.progress: Progress | None = None
        self.stopped = False
        self._lock = threading.Lock()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, arguments as a list
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            cwd=str(ROOT),
            env=env,
            start_new_session=True,  # a Ctrl+C to the server does not reach the job first; stop() ends it
        )
        self._reader = threading.Thread(target=self._read, name=f"map-job-{name}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            line = line.rstrip("\n")
            with self._lock:
                self.lines.append(line)
                if (progress := parse_progress(line)) is not None:
                    self.progress = progress
        self.process.wait()
        with self._lock:
            self.ended = time.time()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)  # made for this job by new_job_input

    @property
    def state(self) -> str:
        """``running``, ``done``, ``failed`` or ``stopped`` (once its output has been read to the end)."""
        with self._lock:
            if self.ended is None:
                return RUNNING
        if self.stopped:
            return STOPPED
        return DONE if self.process.returncode == 0 else FAILED

    @property
    def share(self) -> float:
        """The share of the build done (1 when it is done)."""
        with self._lock:
            progress = self.progress
        return 1.0 if self.state == DONE else overall_share(progress)

    @property
    def status(self) -> str:
        """One line for the page: the stage and its last progress line, or how the job ended."""
        state = self.state
        with self._lock:
            last = self.progress.text if self.progress else "starting"
            lines = list(self.lines)
        seconds = (self.ended or time.time()) - self.started
        if state == RUNNING:
            return f"{last} ({seconds:,.0f} s so far)"
        if state == DONE:
            return f"built in {seconds:,.1f} s: {lines[-1] if lines else ''}".rstrip(": ")
        if state == STOPPED:
            return f"stopped after {seconds:,.0f} s"
        return self.error

    @property
    def error(self) -> str:
        """What the job said when it refused or failed (its ``error:`` line, else its last lines)."""
        with self._lock:
            lines = list(self.lines)
        said = [line.removeprefix("error: ") for line in lines if line.startswith("error: ")]
        if said:
            return said[-1]
        tail = " ".join(line.strip() for line in lines[-3:])
        return f"The map job stopped with status {self.process.returncode}: {tail[:400] or 'no output'}"

    def stop(self) -> None:
        """End the job's process (the map folder is left as it was: the job writes under a temporary name)."""
        if self.state == RUNNING:
            self.stopped = True
            self.process.terminate()

    def wait(self, timeout: float | None = None) -> str:
        """Wait for the process and its output; returns the final state."""
        self.process.wait(timeout)
        self._reader.join(timeout)
        return self.state


def input_file_name(label: str) -> str:
    """The file name an in-memory set is written under (the map's manifest names its source by it).

    >>> input_file_name("all-MiniLM-L6-v2 input embeddings"), input_file_name("../")
    ('all-MiniLM-L6-v2-input-embeddings.bin', 'vectors.bin')
    """
    stem = "-".join(part for part in re.split(r"[^A-Za-z0-9_.]+", label) if part.strip("."))[:80]
    return f"{stem or 'vectors'}.bin"


def storable_words(vectors: WordVectors) -> WordVectors:
    """``vectors`` with each run of whitespace in a word turned into "_" (as GoogleNews writes "New_York"), since a
    word2vec file cannot hold a space inside a word; a word that would then repeat another is left out.

    >>> import numpy as np
    >>> storable_words(WordVectors(["new york", "new_york", "paris"], np.eye(3, dtype=np.float32))).keys
    ('new_york', 'paris')
    """
    keys = [re.sub(r"\s+", "_", k.strip()) or "_" for k in vectors.keys]
    if keys == list(vectors.keys):
        return vectors
    first: dict[str, int] = {}
    for row, key in enumerate(keys):
        first.setdefault(key, row)
    rows = sorted(first.values())
    return WordVectors([keys[r] for r in rows], vectors.vectors[rows], name=vectors.name)


def new_job_input(vectors: WordVectors, name: str, label: str = "") -> tuple[Path, Path]:
    """Write an in-memory set as word2vec binary into a new temporary folder: (folder, file)."""
    from explorer.vectors_io import save_vectors

    vectors = storable_words(vectors)
    folder = Path(tempfile.mkdtemp(prefix=f"explorer-map-input-{name}-"))
    path = folder / input_file_name(label)
    try:
        save_vectors(vectors, path, fmt="word2vec_binary")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder, path


def job_command(source: Path, out: Path, method: str, limit: int | None) -> list[str]:
    """The map job's command line for one build from the app (no Ray: the neighbour search runs in the job)."""
    command = [sys.executable, "-m", "explorer.map", "build", str(source), "--out", str(out), "--method", method]
    return command + (["--limit", str(int(limit))] if limit else [])


class MapJobs:
    """Every map job this server started, by output name (the map's folder name), running or ended."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, MapJob] = {}

    def jobs(self) -> list[MapJob]:
        """The jobs, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: -j.started)

    def get(self, name: str) -> MapJob | None:
        with self._lock:
            return self._jobs.get(name)

    def start(self, map_dir: str | Path, request: BuildRequest) -> MapJob:
        """Check ``request`` and start its job; ``MapBuildError`` saying what to change when it cannot run."""
        name = check_map_name(request.name)
        if request.method not in METHODS:
            raise MapBuildError(f"Unknown layout method {request.method!r}; pick one of {', '.join(METHODS)}.")
        rows = len(request.vectors) if request.vectors is not None else None
        if request.limit is not None and request.limit <= DEFAULT_K:
            raise MapBuildError(f"Map at least {DEFAULT_K + 1} words: each word's {DEFAULT_K} neighbours are stored.")
        if rows is not None and rows <= DEFAULT_K:
            raise MapBuildError(
                f"{request.label} holds {rows} words; a map stores {DEFAULT_K} neighbours per word, so it needs at "
                f"least {DEFAULT_K + 1}. Pick a bigger set."
            )
        root = Path(map_dir)
        out = root / name
        with self._lock:
            running = self._jobs.get(name)
            if running is not None and running.state == RUNNING:
                raise MapBuildError(f"A map named {name} is being built already; wait for it or stop it first.")
            if name in map_names(root) and not request.replace:
                raise MapBuildError(
                    f"A map named {name} exists already. Choose another name, or tick “Replace it” to rebuild it."
                )
            try:
                check_replaceable(out)
            except MapBuildError:
                raise MapBuildError(
                    f"The map folder already holds something named {name} that is not a map, so it is left alone. "
                    "Choose another name."
                ) from None
            root.mkdir(parents=True, exist_ok=True)
            workdir = None
            source = request.source_file
            if source is None:
                if request.vectors is None:
                    raise MapBuildError("Nothing to map: pick a vector set.")
                workdir, source = new_job_input(request.vectors, name, request.label)
            try:
                job = MapJob(name, out, job_command(source, out, request.method, request.limit), workdir, request.label)
            except OSError as exc:
                if workdir is not None:
                    shutil.rmtree(workdir, ignore_errors=True)
                raise MapBuildError(f"The map job could not be started: {exc}") from exc
            self._jobs[name] = job
            return job
