"""The library folder: names, the listing, the cache folders and opening a set (see ``explorer.library``)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.errors import ExplorerError, UnsafeFileError, VectorsError
from explorer.library.convert import (
    FASTTEXT_MAGIC,
    VOCAB_SUFFIX,
    Sink,
    convert_npy,
    convert_parquet,
    convert_streamed,
    convert_text_blocks,
    convert_whole,
    file_format,
    npy_header,
    parquet_columns,
    parquet_file,
    vocab_name,
)
from explorer.listing import Listing, Unreadable, scan
from explorer.safefiles import list_files, open_capped, read_text_capped, safe_dir, safe_path
from explorer.vectors import WordVectors
from explorer.vectors_io.parsing import parse_header
from explorer.vectors_io.rows import MAX_WORD_CHARS

VECTORS_DIR = "vectors"
CACHE_DIR = ".cache"
CACHE_VERSION = 2  # 2: unit.f32 beside matrix.f32
NAME_RE = re.compile(r"\w[\w .,()+\-]{0,119}")  # what a link id may carry (see explorer.vectorsets)
HEAD_BYTES = 1 << 16  # bytes read to check a file when the library is listed


class LibraryError(VectorsError):
    """A library file that cannot be listed or opened: the message names it and says what to do."""


@dataclass(frozen=True)
class LibraryFile:
    """A file of the library that can be opened: its name (also its id in links), format, size and mtime."""

    name: str
    format: str
    size: int
    mtime_ns: int
    converted: bool

    @property
    def label(self) -> str:
        return f"Library: {self.name}"


UnreadableFile = Unreadable  # a file of the library that cannot be opened, and why
LibraryListing = Listing  # Listing[LibraryFile]: what scan_library found, readable and not


def vectors_root(data_dir: str | os.PathLike[str]) -> Path:
    """The library folder ``<data_dir>/vectors``, resolved; ``LibraryError`` when it is not a safe folder."""
    try:
        return safe_dir(data_dir, VECTORS_DIR)
    except UnsafeFileError as exc:
        raise LibraryError(f"The vector library cannot be read: {exc}") from exc


def check_name(name: str) -> str:
    """``name`` when it can name a library file (a plain file name); ``LibraryError`` otherwise.

    >>> check_name("glove.6B.300d.txt")
    'glove.6B.300d.txt'
    >>> check_name("../secrets.txt")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    explorer.library.store.LibraryError: A library file is named by its file name only...
    """
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or ".." in name:
        raise LibraryError(
            "A library file is named by its file name only (letters, digits, spaces and . , ( ) + - _; no "
            "'..', no '/', no absolute path); rename the file or fix the link."
        )
    return name


def _companion(name: str) -> bool:
    """Whether ``name`` belongs to another file (a vocabulary or a metadata file) rather than being a set."""
    lower = name.lower()
    return lower.endswith(VOCAB_SUFFIX) or lower.endswith("metadata.tsv")


def _stat(root: Path, name: str) -> os.stat_result:
    check_name(name)
    try:
        return safe_path(root, name).stat()
    except UnsafeFileError as exc:
        raise LibraryError(str(exc)) from exc


def cache_key(name: str, info: os.stat_result) -> str:
    """The cache folder of one version of a file: its name, size and mtime (a changed file gets another)."""
    return f"{name}-{info.st_size}-{info.st_mtime_ns}"


def file_version(data_dir: str | os.PathLike[str], name: str) -> tuple[int, int]:
    """(size, mtime_ns) of the library file ``name``: part of every cache key, so a changed file is read again."""
    info = _stat(vectors_root(data_dir), name)
    return int(info.st_size), int(info.st_mtime_ns)


def library_names(data_dir: str | os.PathLike[str] | None) -> list[str]:
    """The names of the vector files of the library (hidden files and companion files left out)."""
    if not data_dir:
        return []
    try:
        root = safe_dir(data_dir, VECTORS_DIR)
        return [n for n in list_files(root) if not _companion(n)]
    except UnsafeFileError:
        return []


def check_file(data_dir: str | os.PathLike[str], name: str) -> LibraryFile:
    """A cheap check of one file (its name, kind, companion files and first bytes); ``LibraryError`` says why not."""
    root = vectors_root(data_dir)
    info = _stat(root, name)
    fmt = file_format(name)
    converted = _valid_cache(root, cache_key(name, info)) is not None
    if not converted:
        try:
            _check_head(root, name, fmt)
        except (ExplorerError, OSError, ValueError) as exc:
            raise LibraryError(f"{name} cannot be opened: {exc}") from exc
    return LibraryFile(name, fmt, int(info.st_size), int(info.st_mtime_ns), converted)


def scan_library(
    data_dir: str | os.PathLike[str] | None, checker: Callable[[str], LibraryFile] | None = None
) -> LibraryListing:
    """Every file of the library, readable or not; ``checker(name)`` checks one (default :func:`check_file`)."""
    return scan(library_names(data_dir), checker or (lambda name: check_file(data_dir, name)))  # type: ignore[arg-type]


def _head(root: Path, name: str) -> bytes:
    with open_capped(root, name, None) as fh:
        return fh.read(HEAD_BYTES)


def _check_head(root: Path, name: str, fmt: str) -> None:
    """Refuse a file whose first bytes are not its format (the same messages as an upload)."""
    if fmt == "npy":
        with open_capped(root, name, None) as fh:
            npy_header(fh, name)
        vocab_name(root, name)
    elif fmt == "parquet":
        with open_capped(root, name, None) as fh:
            parquet_columns(parquet_file(fh, name), name)
    elif fmt == "text":
        head = _head(root, name)
        cut = head.rfind(b"\n") + 1 if len(head) == HEAD_BYTES else len(head)
        convert_text_blocks([head[:cut]], Sink(None), name)
    elif fmt in ("binary", "tsv", "gzip"):
        head = _head(root, name)
        if not head.strip():
            raise VectorsError(f"{name} is empty; it needs one vector per word.")
        header = parse_header(head.split(b"\n", 1)[0].decode("ascii", "replace"))
        if fmt == "binary" and header is None and not head.startswith(FASTTEXT_MAGIC):
            raise VectorsError(
                "The first line is not a word2vec header 'count dimensions'; this is not word2vec binary."
            )


def _valid_cache(root: Path, key: str) -> dict | None:
    """The cache's ``meta.json`` when the folder is complete and consistent, else None."""
    try:
        meta = json.loads(read_text_capped(root, f"{CACHE_DIR}/{key}/meta.json", 1 << 20))
        rows, dim = int(meta["rows"]), int(meta["dim"])
        size = safe_path(root, f"{CACHE_DIR}/{key}/matrix.f32").stat().st_size
        unit_size = safe_path(root, f"{CACHE_DIR}/{key}/unit.f32").stat().st_size
        safe_path(root, f"{CACHE_DIR}/{key}/words.txt")
    except (ExplorerError, OSError, ValueError, KeyError, TypeError):
        return None
    if meta.get("version") != CACHE_VERSION or not size == unit_size == rows * dim * 4 or rows <= 0 or dim <= 0:
        return None
    return meta


def _open_cache(root: Path, key: str, meta: dict, name: str) -> WordVectors:
    """The converted set, its matrix mapped read-only (shared pages, never copied)."""
    rows, dim = int(meta["rows"]), int(meta["dim"])
    words = read_text_capped(root, f"{CACHE_DIR}/{key}/words.txt", rows * (4 * MAX_WORD_CHARS + 1)).split("\n")
    if words and words[-1] == "":
        words.pop()
    if len(words) != rows:
        raise LibraryError(
            f"The cache of {name} ({CACHE_DIR}/{key}) holds {len(words):,} words for {rows:,} rows; "
            "delete that folder to convert the file again."
        )
    mapped = []
    for file in ("matrix.f32", "unit.f32"):
        with open_capped(root, f"{CACHE_DIR}/{key}/{file}", rows * dim * 4) as fh:
            mapped.append(np.memmap(fh, dtype="<f4", mode="r", shape=(rows, dim)))  # mmap keeps its own descriptor
    return WordVectors(words, mapped[0], name=name, notices=tuple(meta.get("notices", ())), unit_vectors=mapped[1])


@contextlib.contextmanager
def _work_folder(root: Path, key: str) -> Iterator[Path]:
    """A fresh work folder for a conversion, renamed to the cache folder when the block exits without error.

    When the library folder cannot be written, the work folder is made in the system's temporary
    folder instead; the caller then reads the result into memory (nothing kept).
    """
    cache = root / CACHE_DIR
    token = f".tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        cache.mkdir(exist_ok=True)
        if not stat.S_ISDIR(os.lstat(cache).st_mode):  # a link named .cache could lead writes out of the folder
            raise NotADirectoryError(str(cache))
        work = cache / f"{key}{token}"
        work.mkdir()
    except OSError:
        work = Path(tempfile.mkdtemp(prefix="explorer-library-"))
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)  # only the folder made above
        raise


def _publish(work: Path, root: Path, key: str) -> bool:
    """Rename the complete work folder to the cache folder; False when it could not be (not writable, or lost a race)."""
    target = root / CACHE_DIR / key
    if work.parent != root / CACHE_DIR:
        return False
    try:
        os.rename(work, target)
        return True
    except OSError:
        if _valid_cache(root, key) is None:
            return False
        shutil.rmtree(work, ignore_errors=True)  # another process published the same version first
        return True


def open_vectors(data_dir: str | os.PathLike[str], name: str) -> WordVectors:
    """The vector set of the library file ``name``: mapped from its cache, converted first when there is none.

    Raises ``LibraryError`` (a ``VectorsError``) with the reason for an unsafe name or file and
    for a file that does not parse.
    """
    root = vectors_root(data_dir)
    info = _stat(root, name)
    key = cache_key(name, info)
    meta = _valid_cache(root, key)
    if meta is None:
        try:
            in_memory = _convert(root, name, key)
        except LibraryError:
            raise
        except EOFError as exc:
            raise LibraryError(f"{name} could not be read as word vectors: the gzip file is cut short.") from exc
        except zlib.error as exc:
            raise LibraryError(f"{name} could not be read as word vectors: the gzip data is damaged ({exc}).") from exc
        except (ExplorerError, OSError, ValueError) as exc:
            raise LibraryError(f"{name} could not be read as word vectors: {exc}") from exc
        if in_memory is not None:
            return in_memory
        meta = _valid_cache(root, key)
        if meta is None:
            raise LibraryError(
                f"The cache of {name} was written but cannot be read back; check the folder {CACHE_DIR}."
            )
    return _open_cache(root, key, meta, name)


def _convert(root: Path, name: str, key: str) -> WordVectors | None:
    """Convert ``name`` into its cache folder (None), or into memory when the library folder cannot be written."""
    fmt = file_format(name)
    with _work_folder(root, key) as work:
        with open(work / "matrix.f32", "wb") as out, open(work / "unit.f32", "wb") as unit:
            sink = Sink(out, unit)
            if fmt == "npy":
                convert_npy(root, name, sink)
            elif fmt == "parquet":
                convert_parquet(root, name, sink)
            elif not convert_streamed(root, name, sink):
                convert_whole(root, name, fmt, sink)
            notices = sink.finish()
        (work / "words.txt").write_text("\n".join(sink.words) + "\n", encoding="utf-8")
        meta = {"version": CACHE_VERSION, "source": name, "format": fmt, "rows": len(sink.words), "dim": sink.dim}
        (work / "meta.json").write_text(json.dumps(meta | {"notices": notices}), encoding="utf-8")
        if _publish(work, root, key):
            return None
        matrix = np.fromfile(work / "matrix.f32", dtype="<f4").reshape(len(sink.words), int(sink.dim or 0))
        shutil.rmtree(work, ignore_errors=True)  # the work folder made above
        notices.append(
            f"Its cache ({CACHE_DIR}/{key}) cannot be written (the library folder is read-only, or that "
            "name holds something else), so this file is converted again on every open."
        )
        return WordVectors(sink.words, matrix, name=name, notices=tuple(notices))
