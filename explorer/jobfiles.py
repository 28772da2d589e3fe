"""One safe writer for everything a job replaces: the index folder of ``explorer.index build``, the
vectors file of ``explorer.train``.

A job never deletes what it did not create. Beside an output ``d/name`` it uses only::

    d/.name.lock                          the lock (``fcntl.flock``) that one job at a time holds; its
                                          text names the owner ("explorer job lock: pid N on HOST")
    d/.name.tmp-<host>-<pid>-<token>/     the job's work folder, holding
        .explorer-job                     the marker: JSON with pid, host, start time, purpose, output
        <name>                            what is being written (a folder, or the file(s))
        .previous                         a replaced folder, between the two renames of a swap

A later job on the same output removes a work folder only when it holds a marker for that output
written on this host by a process that is gone; a folder the user named ``.name.tmp-...`` (no
marker) is never touched. The output itself is replaced in one rename (``os.replace`` for a
file), under the lock, after the caller has checked that it is not an input and holds nothing
that is not the job's own.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from explorer.jobfiles import JobOutput
    >>> out = Path(tempfile.mkdtemp()) / "vectors.txt"
    >>> with JobOutput(out, purpose="doctest") as job:
    ...     _ = job.target.write_text("cat 1 0\\n")
    ...     _ = job.commit_files()
    >>> out.read_text(), sorted(p.name for p in out.parent.iterdir())
    ('cat 1 0\\n', ['vectors.txt'])
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from explorer.errors import ExplorerError

MARKER = ".explorer-job"
PREVIOUS = ".previous"
LOCK_TEXT_RE = re.compile(r"^explorer job lock: pid (\d+) on \S+\n$")
LOCK_POLL_S = 0.1
SHOWN = 5  # foreign files named in a refusal


def lock_path(out: str | Path) -> Path:
    """Where the lock of ``out`` lives: ``.<name>.lock`` beside it.

    >>> lock_path("/data/indexes/tickets").name
    '.tickets.lock'
    """
    out = Path(out)
    return out.parent / f".{out.name}.lock"


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (one we may not signal counts as running)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_marker(folder: Path, purpose: str, output: Path) -> dict[str, Any]:
    """Write the marker that says a job made ``folder`` (and may remove it); returns what it holds."""
    marker = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "purpose": purpose,
        "output": str(output),
    }
    with open(folder / MARKER, "x", encoding="utf-8") as fh:
        json.dump(marker, fh)
        fh.write("\n")
    return marker


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a job folder, or None when ``folder`` holds no readable marker (then it is not a job's).

    >>> read_marker(Path("/nonexistent"))
    """
    path = folder / MARKER
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 4096:
            return None
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(marker, dict)
        or not isinstance(marker.get("pid"), int)
        or not isinstance(marker.get("host"), str)
    ):
        return None
    return marker


def left_by_dead_job(folder: Path, output: Path) -> bool:
    """Whether ``folder`` is a work folder for ``output`` whose job ran on this host and is gone."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    marker = read_marker(folder)
    return (
        marker is not None
        and marker.get("output") == str(output)
        and marker["host"] == socket.gethostname()
        and not process_alive(marker["pid"])
    )


def remove_stale(out: Path) -> list[Path]:
    """Remove the work folders that dead jobs on ``out`` left beside it (only marked ones); returns them.

    A job killed between the two renames of a swap leaves the previous output in ``.previous``
    with nothing at ``out``: that is put back first.
    """
    out = Path(out).absolute()
    removed: list[Path] = []
    for folder in sorted(out.parent.glob(f".{out.name}.tmp-*")):
        if not left_by_dead_job(folder, out):
            continue
        previous = folder / PREVIOUS
        if previous.exists() and not os.path.lexists(out):
            os.rename(previous, out)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def is_job_folder(folder: Path) -> bool:
    """Whether ``folder`` is some job's work folder (it holds a marker)."""
    return read_marker(folder) is not None


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_not_an_input(
    out: str | Path, inputs: Iterable[str | Path], error: type[ExplorerError] = ExplorerError
) -> None:
    """Refuse an output that is an input, lies inside an input folder, or holds an input.

    Paths are compared resolved (symbolic links followed), so ``./a.txt`` and ``a.txt`` are one file.

    >>> check_not_an_input("/data/corpus.txt", ["/data/corpus.txt"])
    Traceback (most recent call last):
    ...
    explorer.errors.ExplorerError: --out /data/corpus.txt is one of the inputs; the job would replace it. Choose another --out.
    """
    target = Path(out).absolute().resolve()
    for raw in inputs:
        given = Path(raw).absolute()
        source = given.resolve()
        if target == source:
            raise error(f"--out {out} is one of the inputs; the job would replace it. Choose another --out.")
        if given.is_dir() and _within(target, source):
            raise error(
                f"--out {out} is inside the input folder {raw}, so a later run would read the output as "
                "corpus. Choose an --out outside the inputs."
            )
        if _within(source, target):
            raise error(f"The input {raw} is inside --out {out}, which the job replaces. Choose another --out.")


def foreign_entries(folder: Path, own: Iterable[str]) -> list[str]:
    """Entries under ``folder`` (relative, "/"-separated) that are not in ``own``: a folder that is neither
    in ``own`` (written with a trailing "/") nor holds an own file is one entry ending in "/"; links
    are never followed.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "static").mkdir(); _ = (d / "static" / "notes.txt").write_text("x")
    >>> _ = (d / "manifest.json").write_text("{}"); (d / "mine").mkdir()
    >>> foreign_entries(d, {"manifest.json", "static/counts.tsv"})
    ['mine/', 'static/notes.txt']
    """
    own = set(own)
    own_dirs = {"/".join(p.split("/")[:i]) for p in own for i in range(1, p.count("/") + 1)}
    own_dirs |= {p.rstrip("/") for p in own if p.endswith("/")}
    found: list[str] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        rel_root = Path(root).relative_to(folder).as_posix()
        prefix = "" if rel_root == "." else rel_root + "/"
        for name in sorted(dirs):
            rel = prefix + name
            if rel not in own_dirs or os.path.islink(os.path.join(root, name)):
                found.append(rel + "/")
        dirs[:] = sorted(d for d in dirs if (prefix + d) in own_dirs and not os.path.islink(os.path.join(root, d)))
        found.extend(prefix + name for name in sorted(files) if prefix + name not in own)
    return sorted(found)


def describe_foreign(out: Path, entries: list[str]) -> str:
    """A refusal naming a few of the files in ``out`` that are not the job's own.

    >>> describe_foreign(Path("idx"), ["a.txt", "b/", "c", "d", "e", "f"])
    'idx holds 6 entries that the job did not write (a.txt, b/, c, d, e and 1 more); rebuilding would delete them. Move them out, choose another --out, or pass --force to replace the folder anyway.'
    """
    shown = ", ".join(entries[:SHOWN]) + (f" and {len(entries) - SHOWN} more" if len(entries) > SHOWN else "")
    what = "1 entry" if len(entries) == 1 else f"{len(entries)} entries"
    return (
        f"{out} holds {what} that the job did not write ({shown}); rebuilding would delete them. "
        "Move them out, choose another --out, or pass --force to replace the folder anyway."
    )


class OutputLock:
    """An exclusive ``flock`` on ``.<name>.lock`` beside the output, held for a whole job.

    ``acquire`` waits up to ``wait_s`` seconds for another job to finish, then refuses with its pid.
    The holder removes the lock file while still holding it; a waiter that then locks the removed
    file sees that it is no longer the file at the path and tries again.
    """

    def __init__(self, out: str | Path, error: type[ExplorerError] = ExplorerError) -> None:
        self.out = Path(out)
        self.path = lock_path(out)
        self.error = error
        self.fd: int | None = None

    def _holder(self, fd: int) -> str:
        with contextlib.suppress(OSError):
            match = LOCK_TEXT_RE.match(os.pread(fd, 200, 0).decode("utf-8", "replace"))
            if match:
                return match.group(1)
        return "unknown"

    def _create(self) -> int | None:
        """Create the lock file with its text already in it (written under a private name, then hard-linked
        into place, which fails if the name exists), so an empty file is never a job's lock: a user's
        empty ``.<name>.lock`` is refused, not taken and later removed. None when the name exists."""
        text = f"explorer job lock: pid {os.getpid()} on {socket.gethostname()}\n".encode()
        private = self.path.with_name(f"{self.path.name}.{os.getpid()}-{secrets.token_hex(4)}")
        try:
            fd = os.open(private, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        except OSError as exc:  # a folder that cannot be written
            raise self.error(f"Cannot create the lock file {self.path} ({exc.strerror or exc}).") from exc
        try:
            os.write(fd, text)
            os.link(private, self.path, follow_symlinks=False)
        except FileExistsError:
            os.close(fd)
            return None
        except OSError as exc:
            os.close(fd)
            raise self.error(f"Cannot create the lock file {self.path} ({exc.strerror or exc}).") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(private)
        return fd

    def _open(self) -> int:
        fd = self._create()
        if fd is not None:
            return fd
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_NOFOLLOW)
        except FileNotFoundError:
            return self._open()  # its holder just removed it
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise self.error(f"{self.path} is a symbolic link, not a job's lock file; remove it.") from exc
            raise self.error(f"Cannot open the lock file {self.path} ({exc.strerror or exc}).") from exc
        text = os.pread(fd, 200, 0).decode("utf-8", "replace")
        if not os.path.isfile(self.path) or not LOCK_TEXT_RE.match(text):
            os.close(fd)
            raise self.error(
                f"{self.path} exists and is not a job's lock file, so the job will not use it. Rename it or "
                "choose another --out."
            )
        return fd

    def acquire(self, wait_s: float = 0.0) -> None:
        deadline = time.monotonic() + max(0.0, wait_s)
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self._holder(fd)
                os.close(fd)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self.error(
                        f"Another build is writing to {self.out} (pid {holder}); wait for it or choose another "
                        "--out." + (f" (Waited {wait_s:g} s.)" if wait_s > 0 else "")
                    ) from None
                time.sleep(min(LOCK_POLL_S, left))
                continue
            try:
                current = os.stat(self.path, follow_symlinks=False)
                same = os.path.samestat(os.fstat(fd), current)
            except FileNotFoundError:
                same = False
            if not same:  # the previous holder removed the file after we opened it
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"explorer job lock: pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
            self.fd = fd
            return

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # while still locked: a waiter holding the old file will notice
        os.close(self.fd)
        self.fd = None


class JobOutput:
    """One job's output: the lock, a marked work folder beside ``out``, and the swap into place.

    Enter it before any work: it takes the lock (waiting up to ``wait_s``), removes what dead jobs
    on ``out`` left, and makes the work folder; the job writes to ``target``, then calls
    ``commit_folder`` or ``commit_files``. Leaving the block removes the work folder (whatever
    happened) and the lock. ``replaceable(out)`` raises when replacing ``out`` is not allowed (a
    folder that is not the job's kind, files that are not its own: ``foreign_entries``); it runs
    before the lock, for a clear refusal at once, and again under it, before any work.
    """

    def __init__(
        self,
        out: str | Path,
        purpose: str,
        *,
        wait_s: float = 0.0,
        error: type[ExplorerError] = ExplorerError,
        replaceable: Callable[[Path], None] | None = None,
    ) -> None:
        self.out = Path(out).absolute()
        self.purpose = purpose
        self.wait_s = wait_s
        self.error = error
        self.replaceable = replaceable
        self.lock = OutputLock(self.out, error)
        self.work: Path | None = None

    def __enter__(self) -> JobOutput:
        if self.out.is_symlink():
            raise self.error(f"{self.out} is a symbolic link; give --out a real path (the job replaces what is there).")
        if self.replaceable is not None:
            self.replaceable(self.out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.lock.acquire(self.wait_s)
        try:
            if self.replaceable is not None:
                self.replaceable(self.out)  # another job may have written there while this one waited
            remove_stale(self.out)
            token = secrets.token_hex(4)
            work = self.out.parent / f".{self.out.name}.tmp-{socket.gethostname()}-{os.getpid()}-{token}"
            work.mkdir()
            self.work = work
            write_marker(work, self.purpose, self.out)
        except BaseException:
            self._cleanup()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self._cleanup()

    def _cleanup(self) -> None:
        try:
            if self.work is not None:
                shutil.rmtree(self.work, ignore_errors=True)
                self.work = None
        finally:
            self.lock.release()

    @property
    def target(self) -> Path:
        """Where the job writes what becomes ``out``: inside the work folder, under the same name."""
        if self.work is None:
            raise RuntimeError("JobOutput.target is only valid inside the with-block")
        return self.work / self.out.name

    def commit_folder(self) -> None:
        """Put the folder at ``target`` in place of ``out``; a previous folder goes into the work folder and is
        removed with it."""
        assert self.work is not None
        if os.path.lexists(self.out):
            os.rename(self.out, self.work / PREVIOUS)
        os.rename(self.target, self.out)

    def commit_files(self) -> list[Path]:
        """Move every file the job wrote in the work folder (``target`` and any beside it, such as a
        metadata file) to ``out``'s folder, each with one ``os.replace``; returns where they went."""
        assert self.work is not None
        placed = []
        for path in sorted(self.work.iterdir()):
            if path.name in (MARKER, PREVIOUS):
                continue
            final = self.out.parent / path.name
            os.replace(path, final)
            placed.append(final)
        return placed

    def written_names(self) -> list[str]:
        """Names of the files the job has written so far in the work folder (to check before a commit)."""
        assert self.work is not None
        return sorted(p.name for p in self.work.iterdir() if p.name not in (MARKER, PREVIOUS))
