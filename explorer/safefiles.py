"""The one way the server opens a file under a data folder (indexes, vector libraries): safely.

Every file in a folder the server reads is untrusted input, whoever put it there. A name may be a
symbolic link that leads out of the folder (to ``/etc/passwd``, or another folder's files), a FIFO
that blocks a read forever, a device, a socket, a folder, or a file far larger than its reader
expects. So every file is named by its folder (``root``) and its path inside it (``relative``),
and before a byte is read:

1. the path is resolved, symbolic links followed, and must still lie inside the resolved root
   (links that stay inside are fine);
2. ``os.stat`` must say it is a regular file (a folder for :func:`safe_dir`), checked before
   opening, and it is opened with ``O_NONBLOCK | O_NOFOLLOW`` and checked again on the open
   descriptor, so a FIFO or a link swapped in meanwhile can never block or lead out;
3. its size must be at most the caller's ``max_bytes``, and no more than that is ever read.

Anything else raises ``UnsafeFileError`` naming the file (by the folder's own name and the path
inside it, never a path outside), the reason and what to do. This module is a leaf: it imports
only ``explorer.errors``.

Example:
    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> with open(os.path.join(root, "notes.txt"), "w") as fh:
    ...     _ = fh.write("hello")
    >>> read_bytes_capped(root, "notes.txt", max_bytes=100)
    b'hello'
    >>> os.symlink("/etc/hostname", os.path.join(root, "outside.txt"))
    >>> read_bytes_capped(root, "outside.txt", max_bytes=100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    explorer.errors.UnsafeFileError: .../outside.txt is a link that leads outside its folder, so it is not read; ...
    >>> read_bytes_capped(root, "notes.txt", max_bytes=3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    explorer.errors.UnsafeFileError: .../notes.txt is 5 bytes; the most this reader takes is 3 bytes. ...
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from pathlib import Path
from typing import BinaryIO

from explorer.errors import UnsafeFileError

MAX_ENTRIES = 100_000  # entries :func:`list_files` looks at in one folder
CHUNK = 2**20  # bytes per read


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def _shown(root: Path, relative: str | os.PathLike[str]) -> str:
    """How a message names a file: the folder's own name and the path inside it (no server path)."""
    rel = str(relative).strip("/") or "."
    return f"{root.name}/{rel}" if rel != "." else root.name


def _resolve_root(root: str | os.PathLike[str]) -> Path:
    path = Path(root)
    try:
        resolved = path.resolve(strict=True)
        mode = os.stat(resolved).st_mode
    except (OSError, RuntimeError) as exc:
        raise UnsafeFileError(f"The folder {path.name} cannot be opened ({exc.__class__.__name__}).") from exc
    if not stat.S_ISDIR(mode):
        raise UnsafeFileError(f"{path.name} is {_kind(mode)}, not a folder.")
    return resolved


def _inside(root: Path, relative: str | os.PathLike[str]) -> tuple[Path, os.stat_result]:
    """(resolved path, its stat) of ``relative`` under the resolved ``root``; refused when it leads outside."""
    rel = str(relative)
    if "\x00" in rel or Path(rel).is_absolute():
        raise UnsafeFileError(  # the path itself is not repeated: it may name a server file
            f"An absolute path is not a path inside {root.name}; name files relative to their folder."
        )
    shown = _shown(root, rel)
    try:
        resolved = (root / rel).resolve(strict=True)
    except FileNotFoundError as exc:
        raise UnsafeFileError(f"{shown} is missing (or is a link to nothing); build or copy it again.") from exc
    except RuntimeError as exc:  # raised by resolve() on a loop of symbolic links
        raise UnsafeFileError(f"{shown} is a symbolic link that leads back to itself (a loop); remove it.") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFileError(f"{shown} is a symbolic link that leads back to itself (a loop); remove it.") from exc
        raise UnsafeFileError(f"{shown} cannot be opened ({exc.__class__.__name__}).") from exc
    if resolved != root and not resolved.is_relative_to(root):
        raise UnsafeFileError(
            f"{shown} is a link that leads outside its folder, so it is not read; "
            "put the file itself in the folder instead of a link."
        )
    try:
        info = os.stat(resolved)
    except OSError as exc:
        raise UnsafeFileError(f"{shown} cannot be opened ({exc.__class__.__name__}).") from exc
    return resolved, info


def _check_size(shown: str, size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise UnsafeFileError(
            f"{shown} is {size:,} bytes; the most this reader takes is {max_bytes:,} bytes. "
            "Check that it is the right file, or build it again."
        )


def safe_dir(root: str | os.PathLike[str], relative: str | os.PathLike[str] = "") -> Path:
    """The resolved folder ``relative`` of ``root`` (``""``: the root itself); ``UnsafeFileError`` otherwise."""
    base = _resolve_root(root)
    path, info = _inside(base, relative)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeFileError(f"{_shown(base, relative)} is {_kind(info.st_mode)}, not a folder.")
    return path


def safe_path(root: str | os.PathLike[str], relative: str | os.PathLike[str], max_bytes: int | None = None) -> Path:
    """The resolved path of the regular file ``relative`` of ``root``, at most ``max_bytes`` long.

    Prefer :func:`open_capped` for reading: it checks again on the open descriptor.
    """
    base = _resolve_root(root)
    path, info = _inside(base, relative)
    shown = _shown(base, relative)
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFileError(f"{shown} is {_kind(info.st_mode)}, not a regular file, so it is not read.")
    _check_size(shown, info.st_size, max_bytes)
    return path


def _opened_path(fd: int) -> str | None:
    """Where the kernel says an open descriptor points (Linux), to catch a folder swapped for a link."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


def open_capped(root: str | os.PathLike[str], relative: str | os.PathLike[str], max_bytes: int | None) -> BinaryIO:
    """The regular file ``relative`` of ``root``, open for binary reading; checked before and after opening.

    Opening never blocks (``O_NONBLOCK``, and a FIFO is refused before and after ``open``) and never
    follows a link swapped in after the check (``O_NOFOLLOW``). Read at most ``max_bytes`` from it.
    """
    base = _resolve_root(root)
    path = safe_path(base, relative, max_bytes)
    shown = _shown(base, relative)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnsafeFileError(
            f"{shown} cannot be opened ({exc.__class__.__name__}); it may have just changed."
        ) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFileError(f"{shown} is {_kind(info.st_mode)}, not a regular file, so it is not read.")
        _check_size(shown, info.st_size, max_bytes)
        opened = _opened_path(fd)
        if opened is not None and not Path(opened).is_relative_to(base):
            raise UnsafeFileError(f"{shown} changed while it was opened and now leads outside its folder.")
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)  # a regular file: reads behave as usual
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes_capped(root: str | os.PathLike[str], relative: str | os.PathLike[str], max_bytes: int) -> bytes:
    """Every byte of the regular file ``relative`` of ``root``, refused when it holds more than ``max_bytes``."""
    with open_capped(root, relative, max_bytes) as fh:
        chunks, total = [], 0
        # In chunks: one read(max_bytes + 1) would allocate the whole cap up front, however small the file.
        while total <= max_bytes and (chunk := fh.read(min(CHUNK, max_bytes + 1 - total))):
            chunks.append(chunk)
            total += len(chunk)
    if total > max_bytes:  # it grew after the size check
        _check_size(_shown(Path(root), relative), total, max_bytes)
    return b"".join(chunks)


def read_text_capped(
    root: str | os.PathLike[str], relative: str | os.PathLike[str], max_bytes: int, encoding: str = "utf-8"
) -> str:
    """The file as text; ``UnsafeFileError`` naming the first undecodable byte when it is not ``encoding``.

    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> _ = (Path(root) / "bad.tsv").write_bytes(b"word\\tcount\\n\\xff\\t3\\n")
    >>> read_text_capped(root, "bad.tsv", 100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    explorer.errors.UnsafeFileError: .../bad.tsv is not utf-8 text: byte 0xff at offset 11 ...
    """
    data = read_bytes_capped(root, relative, max_bytes)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1]
        raise UnsafeFileError(
            f"{_shown(Path(root), relative)} is not {encoding} text: byte 0x{bad.hex()} at offset {exc.start:,} "
            "cannot be decoded. Write the file again as UTF-8."
        ) from exc


def list_files(root: str | os.PathLike[str], relative: str | os.PathLike[str] = "", pattern: str = "*") -> list[str]:
    """Sorted paths (relative to ``root``) of the entries of folder ``relative`` whose names match ``pattern``.

    Only names are listed (hidden ones left out); each file is checked again when it is opened.
    More than ``MAX_ENTRIES`` entries is refused rather than listed.
    """
    folder = safe_dir(root, relative)
    names = []
    with os.scandir(folder) as entries:
        for n, entry in enumerate(entries):
            if n >= MAX_ENTRIES:
                raise UnsafeFileError(
                    f"{_shown(_resolve_root(root), relative)} holds more than {MAX_ENTRIES:,} entries; it is not read."
                )
            if not entry.name.startswith(".") and fnmatch.fnmatchcase(entry.name, pattern):
                names.append(entry.name)
    prefix = str(relative).strip("/")
    return sorted(f"{prefix}/{name}" if prefix else name for name in names)
