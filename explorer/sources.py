"""Where input bytes come from: a path, bytes or an upload -> its name, its size and a capped stream.

Every reader of the library (texts, vector files, evaluation files) opens its input here, so they
agree on what a source may be, how a size limit is checked and worded, and how gzip is unpacked.
Sizes are bytes everywhere; a megabyte shown to a person is ``bytes / 2**20`` (``megabytes``),
the same unit as the ``EXPLORER_MAX_UPLOAD_MB`` setting.

A leaf module: it imports nothing of the project, so callers pass the error class to raise
(``ReaderError``, ``VectorsError``...); it defaults to ``ValueError``.

Example:
    >>> from explorer.sources import read_bytes, source_name, too_big_message
    >>> import gzip, io
    >>> upload = io.BytesIO(gzip.compress(b"cat 1 0\\n")); upload.name = "uploads/v.txt.gz"
    >>> source_name(upload), read_bytes(upload)
    ('v.txt.gz', b'cat 1 0\\n')
    >>> too_big_message("notes.txt", 3 * 2**20, 2**20)
    'notes.txt is 3 MB; the limit is 1 MB (setting EXPLORER_MAX_UPLOAD_MB). Upload a smaller file or a sample of it, or raise the limit.'
"""

from __future__ import annotations

import contextlib
import io
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

Source = str | os.PathLike | IO[bytes] | bytes  # what every reader accepts
ErrorFactory = Callable[[str], Exception]  # an error class of explorer.errors, or ValueError

GZIP_MAGIC = b"\x1f\x8b"
GZIP_EXPANSION = 4  # a gzip file may unpack to at most this many times the upload limit
MEGABYTE = 2**20  # the unit of EXPLORER_MAX_UPLOAD_MB and of every size shown
_CHUNK = 1 << 20  # gunzip works in pieces of this many unpacked bytes
_GZIP_MIN_MEMBER = 18  # a gzip member's header and trailer alone take 18 bytes
_GZIP_CUT_SHORT = (
    "The gzip file was cut short: it ends before its end-of-data marker, so part of it is missing (the download "
    "or upload was probably interrupted). Download or compress it again, or upload it uncompressed."
)


def source_name(source: Any) -> str:
    """The file name of a path or an upload, without folders; "" for bytes and unnamed streams.

    >>> source_name("/data/vectors.txt"), source_name(b"cat 1 0")
    ('vectors.txt', '')
    """
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and name else ""


def source_size(source: Any) -> int | None:
    """Size in bytes of a path, bytes or a file object (its ``size`` or its end); None when unknown.

    A file object's position is left where it was.

    >>> source_size(b"abc"), source_size(io.BytesIO(b"abcd"))
    (3, 4)
    """
    if isinstance(source, bytes | bytearray):
        return len(source)
    if isinstance(source, str | os.PathLike):
        try:
            return os.path.getsize(source)
        except OSError:
            return None  # open_binary reports the missing file
    size = getattr(source, "size", None)
    if isinstance(size, int):
        return size
    try:
        pos = source.tell()
        end = source.seek(0, io.SEEK_END)
        source.seek(pos)
        return int(end)
    except (AttributeError, OSError, ValueError):
        return None


def megabytes(n_bytes: float) -> str:
    """``n_bytes`` in megabytes (2**20 bytes) as people read it: one decimal, none when whole.

    >>> megabytes(200 * 2**20), megabytes(1_500_000)
    ('200', '1.4')
    """
    return f"{n_bytes / MEGABYTE:,.1f}".removesuffix(".0")


def looks_like_utf16(head: bytes) -> bool:
    """Whether ``head`` looks like UTF-16 text without a byte-order mark: every other byte zero.

    >>> looks_like_utf16("hello world".encode("utf-16-le")), looks_like_utf16(b"\\x00\\x01binary\\x00")
    (True, False)
    """
    sample = head[:4096]
    half = len(sample) // 2
    if half < 2:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return max(even, odd) >= 0.6 * half and min(even, odd) <= 0.05 * half


def too_big_message(name: str, size: int, max_bytes: int) -> str:
    """The one sentence for a file over the upload limit: its size, the limit, the setting, what to do.

    >>> too_big_message("big.csv", 5 * 2**20, 2 * 2**20).split(";")[0]
    'big.csv is 5 MB'
    >>> too_big_message("big.csv", 10 * 2**20 + 1, 10 * 2**20).split(" (setting")[0]
    'big.csv is 10,485,761 bytes; the limit is 10,485,760 bytes (10 MB)'
    """
    shown, limit = f"{megabytes(size)} MB", f"{megabytes(max_bytes)} MB"
    if shown == limit:  # near the limit the rounded sizes read the same: show the bytes
        shown, limit = f"{size:,} bytes", f"{max_bytes:,} bytes ({limit})"
    return (
        f"{name} is {shown}; the limit is {limit} (setting EXPLORER_MAX_UPLOAD_MB). "
        "Upload a smaller file or a sample of it, or raise the limit."
    )


def check_size(name: str, size: int | None, max_bytes: int | None, error: ErrorFactory = ValueError) -> None:
    """Raise ``error(too_big_message(...))`` when ``size`` is over ``max_bytes`` (None: unknown or no limit).

    >>> check_size("a.txt", 10, 2**20)
    >>> check_size("a.txt", 3 * 2**20, 2**20)
    Traceback (most recent call last):
    ...
    ValueError: a.txt is 3 MB; the limit is 1 MB (setting EXPLORER_MAX_UPLOAD_MB). Upload a smaller file or a sample of it, or raise the limit.
    """
    if size is not None and max_bytes is not None and size > max_bytes:
        raise error(too_big_message(name, size, max_bytes))


def open_binary(source: Any, error: ErrorFactory = ValueError, expected: str = "a file") -> tuple[IO[bytes], bool]:
    """A binary stream at its start, and whether it was opened here (and so must be closed by the caller).

    ``source`` is a path, bytes or a readable binary file object (rewound when it can seek).
    ``expected`` completes "Choose ..." in the message for a folder.

    >>> stream, owned = open_binary(b"hello")
    >>> stream.read(), owned
    (b'hello', True)
    """
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            raise error(f"{path} is a folder, not a file. Choose {expected}.")
        try:
            return open(path, "rb"), True  # noqa: SIM115 - closed by the caller
        except FileNotFoundError as exc:
            raise error(f"No file at {path}. Check the path.") from exc
        except OSError as exc:
            raise error(f"Cannot open {path}: {exc.strerror or exc}.") from exc
    if not hasattr(source, "read"):
        raise error(f"Cannot read a {type(source).__name__}; give a path or an open binary file.")
    seek = getattr(source, "seek", None)
    if seek is not None:
        with contextlib.suppress(OSError, ValueError):
            seek(0)
    return source, False


class CappedReader(io.RawIOBase):
    """A raw stream that replays ``head`` and then reads on from ``stream``, counting the bytes.

    Once more than ``max_bytes`` have been read (None: no limit) it raises
    ``error(too_big_message(name, ...))``, so a stream of unknown size is still held to the limit.
    It never closes ``stream``: whoever opened it does.

    >>> capped = CappedReader(io.BytesIO(b"world"), name="a.txt", max_bytes=None, head=b"hello ")
    >>> io.BufferedReader(capped).read()
    b'hello world'
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        name: str,
        max_bytes: int | None,
        error: ErrorFactory = ValueError,
        head: bytes = b"",
    ) -> None:
        self._head = memoryview(head)
        self._stream = stream
        self._name = name
        self._max_bytes = max_bytes
        self._error = error
        self.bytes_read = len(head)

    def readable(self) -> bool:
        """Always True: this is a stream to read."""
        return True

    def readinto(self, buffer: Any) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the head, then from the stream; the number of bytes put in (0 at the end)."""
        view = memoryview(buffer).cast("B")
        if self._head.nbytes:
            n = min(len(view), self._head.nbytes)
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(view))
        n = len(data)
        view[:n] = data
        self.bytes_read += n
        check_size(self._name, self.bytes_read, self._max_bytes, self._error)
        return n


def gunzip(data: bytes, max_bytes: int | None = None, error: ErrorFactory = ValueError) -> bytes:
    """Unpack gzip ``data`` (several members allowed) piece by piece, refusing more than ``max_bytes``.

    Trailing bytes after the last member are ignored, as gzip(1) does.

    >>> import gzip
    >>> gunzip(gzip.compress(b"a") + gzip.compress(b"b"))
    b'ab'
    """
    out = io.BytesIO()  # getvalue() hands over its buffer: the unpacked bytes are held once, not twice
    rest = data
    try:
        while rest:
            inflater = zlib.decompressobj(wbits=31)
            chunk = inflater.decompress(rest, _CHUNK)
            while True:
                out.write(chunk)
                if max_bytes is not None and out.tell() > max_bytes:
                    raise error(
                        f"The gzip file unpacks to more than {megabytes(max_bytes)} MB, the most this app reads; "
                        "upload a smaller file, or the uncompressed file if it fits the upload limit."
                    )
                if inflater.eof or (not inflater.unconsumed_tail and len(chunk) < _CHUNK):
                    break
                chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
            if not inflater.eof:
                raise error(_GZIP_CUT_SHORT)
            rest = inflater.unused_data.lstrip(b"\x00")
            if rest and GZIP_MAGIC.startswith(rest[:2]) and len(rest) < _GZIP_MIN_MEMBER:
                raise error(_GZIP_CUT_SHORT)  # a next member begins, and the file ends inside its header
            if rest and rest[:2] != GZIP_MAGIC:
                break
    except zlib.error as exc:
        raise error(f"The gzip file is damaged ({exc}); compress it again or upload it uncompressed.") from exc
    return out.getvalue()


def read_bytes(source: Any, max_bytes: int | None = None, error: ErrorFactory = ValueError) -> bytes:
    """All bytes of a path, bytes or binary file object, unpacked when they are gzip.

    ``max_bytes`` is the upload limit: a larger file is refused, and a gzip file may unpack to at
    most ``GZIP_EXPANSION`` times it. None reads any size. Text from a text-mode stream is encoded
    as UTF-8.

    >>> read_bytes(b"x" * 2**21, max_bytes=2**20)
    Traceback (most recent call last):
    ...
    ValueError: The file is 2 MB; the limit is 1 MB (setting EXPLORER_MAX_UPLOAD_MB). Upload a smaller file or a sample of it, or raise the limit.
    """
    name = source_name(source) or "The file"
    check_size(name, source_size(source), max_bytes, error)
    stream, owned = open_binary(source, error)
    buffer = io.BytesIO()  # as in gunzip: getvalue() does not copy
    total = 0
    try:
        while chunk := stream.read(_CHUNK):
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            total += len(chunk)
            check_size(name, total, max_bytes, error)  # streams of unknown size are held to the limit too
            buffer.write(chunk)
    finally:
        if owned:
            stream.close()
    data = buffer.getvalue()
    del buffer
    if data[:2] == GZIP_MAGIC:
        data = gunzip(data, None if max_bytes is None else GZIP_EXPANSION * max_bytes, error)
    return data
