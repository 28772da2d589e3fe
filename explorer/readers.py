"""Read uploaded files as a stream of texts: .txt, .csv/.tsv, .jsonl and .zip of .txt files.

Files are decoded line by line, never read whole into one string, so a large file stops costing
memory as soon as the corpus has enough tokens. The encoding is decided from the first bytes:
UTF-8 (with or without BOM), UTF-16 with a BOM (little or big endian), otherwise Latin-1 with a
notice. Every bad input raises ``ReaderError`` (a ``CorpusError``) whose message says what was
wrong and how to fix it.

Example:
    >>> import io
    >>> from explorer.readers import read_texts
    >>> f = io.BytesIO(b"id,text\\n1,The phone won't charge.\\n2,I was charged twice.\\n")
    >>> f.name = "tickets.csv"
    >>> list(read_texts(f, max_bytes=1_000_000).texts)
    ["The phone won't charge.", 'I was charged twice.']
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from explorer.errors import ReaderError

TEXT_EXTENSIONS = (".txt", ".text", ".md")
CSV_EXTENSIONS = (".csv", ".tsv", ".tab")
JSONL_EXTENSIONS = (".jsonl", ".ndjson")
ZIP_EXTENSIONS = (".zip",)
SUPPORTED = ".txt, .csv, .tsv, .jsonl or .zip (of .txt files)"

SNIFF_BYTES = 64 * 1024  # the encoding and the binary check look at this much of the start
MAX_LINE_BYTES = 1024 * 1024  # a .txt line longer than this is cut at a space into pieces
JSONL_KEY_LINES = 50  # list_columns gathers the keys of this many JSONL objects

# Preferred names for the text column, best first; compared case-insensitively.
TEXT_COLUMN_NAMES = (
    "text",
    "body",
    "message",
    "content",
    "sentence",
    "review",
    "comment",
    "description",
    "document",
    "abstract",
    "question",
    "answer",
    "summary",
    "title",
)

_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (or a Word/Excel file, which are zip archives)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file"),
    (b"SQLite format 3", "an SQLite database"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
)
_CONTROL_BYTES = frozenset(range(0, 9)) | frozenset(range(14, 32)) | {127}



@dataclass(frozen=True)
class ReadResult:
    """Texts of one file, produced lazily, and what the reader wants the user to know.

    Attributes:
        name: the file name shown to the user.
        texts: one text per line, row, record or zip member line; consumed once.
        notices: things known before reading (ignored zip members, Latin-1 fallback).
        late_notices: things found while ``texts`` is consumed (a stray non-UTF-8 byte far
            into the file, skipped JSONL records); complete once ``texts`` is exhausted.
    """

    name: str
    texts: Iterator[str]
    notices: tuple[str, ...] = ()
    late_notices: list[str] = field(default_factory=list, repr=False, compare=False)

    def all_notices(self) -> tuple[str, ...]:
        """``notices`` followed by the ``late_notices`` found so far."""
        return self.notices + tuple(self.late_notices)


# ----- public API ----------------------------------------------------------------------------


def read_texts(
    path_or_file: str | Path | IO[bytes],
    column: str | None = None,
    *,
    max_bytes: int | None = None,
    name: str | None = None,
) -> ReadResult:
    """Open a .txt, .csv, .tsv, .jsonl or .zip file and stream its texts.

    ``path_or_file`` is a path or a binary file object (it needs a ``.name`` ending in a known
    extension, or pass ``name``). ``column`` picks the CSV/TSV column or the JSONL field; by
    default ``guess_text_column`` picks it. ``max_bytes`` defaults to the app setting
    ``EXPLORER_MAX_UPLOAD_MB``. Raises ``ReaderError`` on bad input; some problems deep inside a
    file surface while ``texts`` is consumed.

    >>> import io
    >>> f = io.BytesIO('{"body": "Hello there"}\\n'.encode()); f.name = "a.jsonl"
    >>> list(read_texts(f, max_bytes=10_000).texts)
    ['Hello there']
    """
    if max_bytes is None:
        from explorer.settings import get_settings

        max_bytes = get_settings().max_upload_bytes
    label, ext = _name_and_extension(path_or_file, name)
    size = _size_of(path_or_file)
    if size is not None and size > max_bytes:
        raise ReaderError(_too_big(label, size, max_bytes))
    if ext in ZIP_EXTENSIONS:
        return _read_zip(path_or_file, label, max_bytes)
    stream, owned = _open_binary(path_or_file, label)
    try:
        source = _TextSource(stream, label, max_bytes=max_bytes)
        late: list[str] = []
        if ext in TEXT_EXTENSIONS:
            texts = _txt_texts(source, late)
        elif ext in CSV_EXTENSIONS:
            texts = _csv_texts(source, label, _delimiter(ext), column)
        else:
            texts = _jsonl_texts(source, label, column, late)
        notices = source.notices
    except BaseException:
        if owned:
            stream.close()
        raise
    return ReadResult(name=label, texts=_closing(texts, stream if owned else None), notices=notices, late_notices=late)


def list_columns(path_or_file: str | Path | IO[bytes], *, name: str | None = None) -> list[str] | None:
    """Columns of a CSV/TSV header, or the keys of the first JSONL objects; None for .txt/.zip.

    A file object is rewound (``seek(0)``) afterwards, ready to be read again.

    >>> import io
    >>> f = io.BytesIO(b"id\\ttext\\n1\\thello\\n"); f.name = "a.tsv"
    >>> list_columns(f), f.tell()
    (['id', 'text'], 0)
    """
    label, ext = _name_and_extension(path_or_file, name)
    if ext not in CSV_EXTENSIONS and ext not in JSONL_EXTENSIONS:
        return None
    stream, owned = _open_binary(path_or_file, label)
    try:
        source = _TextSource(stream, label, max_bytes=None)
        if ext in CSV_EXTENSIONS:
            reader = csv.reader(source.lines(csv_mode=True), delimiter=_delimiter(ext))
            return _csv_header(reader, label)
        keys: dict[str, None] = {}
        for seen, (lineno, obj) in enumerate(_json_objects(source, label), start=1):
            if not isinstance(obj, dict):
                raise ReaderError(_not_object(label, lineno, obj))
            keys.update(dict.fromkeys(str(k) for k in obj))
            if seen >= JSONL_KEY_LINES:
                break
        if not keys:
            raise ReaderError(
                f"{label} has no fields: its JSON objects are empty. Each line should be an object "
                'with a text field, such as {"text": "..."}.'
            )
        return list(keys)
    finally:
        if owned:
            stream.close()
        elif hasattr(stream, "seek"):
            stream.seek(0)


def guess_text_column(columns: Iterable[str]) -> str:
    """The column that most likely holds the text: a well-known name (text, body, message...), else the first.

    >>> guess_text_column(["id", "Review_Text", "stars"])
    'Review_Text'
    """
    cols = list(columns)
    if not cols:
        raise ReaderError("There are no columns to choose from; the first line of the file should name them.")
    lowered = [c.strip().lower() for c in cols]
    for wanted in TEXT_COLUMN_NAMES:
        if wanted in lowered:
            return cols[lowered.index(wanted)]
    for wanted in TEXT_COLUMN_NAMES:
        for col, low in zip(cols, lowered, strict=True):
            if wanted in low.replace("-", "_").replace(" ", "_").split("_"):
                return col
    return cols[0]


# ----- opening, sizes, names -----------------------------------------------------------------


def _name_and_extension(path_or_file: Any, name: str | None) -> tuple[str, str]:
    if name is None:
        if isinstance(path_or_file, (str, os.PathLike)):
            name = Path(path_or_file).name
        else:
            name = getattr(path_or_file, "name", None)
            if not isinstance(name, str) or not name:
                raise ReaderError(
                    f"Cannot tell the file's format: it has no name. Name it with an extension: {SUPPORTED}."
                )
            name = Path(name).name
    ext = Path(name).suffix.lower()
    known = TEXT_EXTENSIONS + CSV_EXTENSIONS + JSONL_EXTENSIONS + ZIP_EXTENSIONS
    if ext not in known:
        shown = f'"{ext}"' if ext else "no extension"
        raise ReaderError(
            f"{name} has {shown}; the explorer reads {SUPPORTED}. Save or rename the file as one of those."
        )
    return name, ext


def _size_of(path_or_file: Any) -> int | None:
    if isinstance(path_or_file, (str, os.PathLike)):
        try:
            return os.path.getsize(path_or_file)
        except OSError:
            return None  # _open_binary reports the missing file
    size = getattr(path_or_file, "size", None)
    if isinstance(size, int):
        return size
    try:
        pos = path_or_file.tell()
        end = path_or_file.seek(0, io.SEEK_END)
        path_or_file.seek(pos)
        return int(end)
    except (AttributeError, OSError, ValueError):
        return None


def _too_big(label: str, size: int, max_bytes: int) -> str:
    return (
        f"{label} is {size / 1e6:.1f} MB; the upload limit is {max_bytes / 1e6:.1f} MB "
        "(setting EXPLORER_MAX_UPLOAD_MB). Upload a smaller file or a sample of it, or raise the limit."
    )


def _open_binary(path_or_file: Any, label: str) -> tuple[IO[bytes], bool]:
    """A binary stream at its start, and whether we opened it (and so must close it)."""
    if isinstance(path_or_file, (str, os.PathLike)):
        path = Path(path_or_file)
        if path.is_dir():
            raise ReaderError(f"{path} is a folder, not a file. Choose a {SUPPORTED} file.")
        try:
            return open(path, "rb"), True  # noqa: SIM115 - closed by the caller
        except FileNotFoundError as exc:
            raise ReaderError(f"No file at {path}. Check the path.") from exc
        except OSError as exc:
            raise ReaderError(f"Cannot open {path}: {exc.strerror or exc}.") from exc
    if not hasattr(path_or_file, "read"):
        raise ReaderError(f"{label} is neither a path nor an open binary file.")
    seek = getattr(path_or_file, "seek", None)
    if seek is not None:
        with contextlib.suppress(OSError, ValueError):
            seek(0)
    return path_or_file, False


def _closing(texts: Iterator[str], stream: IO[bytes] | None) -> Iterator[str]:
    try:
        yield from texts
    finally:
        if stream is not None:
            stream.close()


# ----- decoding ------------------------------------------------------------------------------


class _Prefixed(io.RawIOBase):
    """A raw stream that replays ``head`` and then reads on from ``rest``, counting bytes.

    It never closes ``rest``: whoever opened the file closes it.
    """

    def __init__(self, head: bytes, rest: IO[bytes], label: str, max_bytes: int | None) -> None:
        self._head = memoryview(head)
        self._rest = rest
        self._label = label
        self._max_bytes = max_bytes
        self.bytes_read = len(head)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self._head.nbytes:
            n = min(len(view), self._head.nbytes)
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        try:
            data = self._rest.read(len(view))
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ReaderError(f"{self._label} is damaged and cannot be unpacked ({exc}). Zip it again.") from exc
        n = len(data)
        view[:n] = data
        self.bytes_read += n
        if self._max_bytes is not None and self.bytes_read > self._max_bytes:
            raise ReaderError(_too_big(self._label, self.bytes_read, self._max_bytes))
        return n


def _describe_binary(head: bytes) -> str | None:
    """What a byte string looks like if it is not text, else None."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if b"\x00" in head:
        return "binary data (it contains NUL bytes)"
    sample = head[:4096]
    if sample and sum(b in _CONTROL_BYTES for b in sample) > 0.05 * len(sample):
        return "binary data (it is full of control characters)"
    return None


class _TextSource:
    """A binary stream decoded to lines; the encoding is decided from the first ``SNIFF_BYTES``."""

    def __init__(self, stream: IO[bytes], label: str, *, max_bytes: int | None) -> None:
        self.label = label
        head = stream.read(SNIFF_BYTES)
        complete = len(head) < SNIFF_BYTES  # the whole file is in ``head``
        notices: list[str] = []
        if head.startswith(codecs.BOM_UTF8):
            self.encoding, body = "utf-8", head[len(codecs.BOM_UTF8) :]
            head = body
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self.encoding, body = "utf-16", head[2:]
        else:
            self.encoding, body = "utf-8", head
        if not body.strip(b" \t\r\n\x00" if self.encoding == "utf-16" else b" \t\r\n") and complete:
            blank = ": it holds only blank lines" if body else ""
            raise ReaderError(f"{label} is empty{blank}. Choose a file that holds some text.")
        if self.encoding == "utf-8":
            what = _describe_binary(body)
            if what is not None:
                hint = " If it is UTF-16 text, save it with a byte-order mark or as UTF-8." if "NUL" in what else ""
                raise ReaderError(f"{label} looks like {what}, not text. Upload a plain-text {SUPPORTED} file.{hint}")
            try:
                codecs.getincrementaldecoder("utf-8")().decode(body, final=complete)
            except UnicodeDecodeError:
                self.encoding = "latin-1"
                notices.append(
                    f"{label} is not UTF-8 text, so it was read as Latin-1 (ISO-8859-1). If accented letters "
                    "look wrong, save the file as UTF-8 and upload it again."
                )
        self.notices = tuple(notices)
        self.stray_bytes_line: int | None = None  # first line that was not UTF-8 in a UTF-8 file
        self._buffered = io.BufferedReader(_Prefixed(head, stream, label, max_bytes), buffer_size=SNIFF_BYTES)

    def lines(self, *, csv_mode: bool = False, cut_long: bool = False) -> Iterator[str]:
        """Decoded lines. ``csv_mode`` keeps line ends for the csv module; ``cut_long`` cuts
        lines longer than ``MAX_LINE_BYTES`` at a space so one huge line never sits in memory."""
        if self.encoding == "utf-16":
            text = io.TextIOWrapper(
                self._buffered, encoding="utf-16", errors="replace", newline="" if csv_mode else None
            )
            limit = MAX_LINE_BYTES if cut_long else -1
            while line := text.readline(limit):
                yield line if csv_mode else line.rstrip("\r\n")
            return
        lineno = 0
        carry = b""
        while True:
            chunk = self._buffered.readline(MAX_LINE_BYTES if cut_long else -1)
            if not chunk and not carry:
                return
            data = carry + chunk
            carry = b""
            if cut_long and len(chunk) >= MAX_LINE_BYTES and not chunk.endswith(b"\n"):
                data, carry = _cut_at_space(data)
            else:
                lineno += 1
            yield self._decode(data, lineno) if csv_mode else self._decode(data, lineno).rstrip("\r\n")

    def _decode(self, data: bytes, lineno: int) -> str:
        if self.encoding == "latin-1":
            return data.decode("latin-1")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            if self.stray_bytes_line is None:
                self.stray_bytes_line = max(lineno, 1)
            return data.decode("latin-1")

    def stray_notice(self) -> str | None:
        if self.stray_bytes_line is None:
            return None
        return (
            f"{self.label} is mostly UTF-8, but some lines (the first is line {self.stray_bytes_line:,}) are not; "
            "those were read as Latin-1. Save the file as UTF-8 to be sure every letter is right."
        )


# ----- formats -------------------------------------------------------------------------------


def _cut_at_space(data: bytes) -> tuple[bytes, bytes]:
    """Split a long line at its last space (or, with none in the second half, at a character start)."""
    cut = max(data.rfind(b" "), data.rfind(b"\t"), data.rfind(b"\r"))
    if cut < len(data) // 2:
        cut = len(data)
        while cut > 0 and 0x80 <= data[cut - 1] < 0xC0:  # back over UTF-8 continuation bytes
            cut -= 1
        if cut > 0 and data[cut - 1] >= 0xC0:  # a lead byte whose character was cut off
            cut -= 1
        if cut == 0:
            cut = len(data)
    return data[:cut], data[cut:]


def _txt_texts(source: _TextSource, late: list[str]) -> Iterator[str]:
    for line in source.lines(cut_long=True):
        yield line.replace("\r", "\n")
    if (note := source.stray_notice()) is not None:
        late.append(note)


def _delimiter(ext: str) -> str:
    return "," if ext == ".csv" else "\t"


def _csv_header(reader: Any, label: str) -> list[str]:
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ReaderError(f"{label} is not valid CSV on line 1 ({exc}). Check the quotes in the header.") from exc
    if header is None or not any(h.strip() for h in header):
        raise ReaderError(
            f"The first line of {label} is empty. A CSV/TSV file needs a header line that names its columns, "
            "such as: id,text"
        )
    names: list[str] = []
    for i, raw in enumerate(header):
        base = raw.strip() or f"column {i + 1}"
        cand, k = base, 2
        while cand in names:
            cand, k = f"{base} ({k})", k + 1
        names.append(cand)
    return names


def _pick_column(columns: list[str], column: str | None, label: str, what: str = "column") -> str:
    if column is None:
        return guess_text_column(columns)
    if column in columns:
        return column
    folded = [c for c in columns if c.casefold() == column.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    shown = ", ".join(repr(c) for c in columns[:30]) + (" …" if len(columns) > 30 else "")
    raise ReaderError(f"{label} has no {what} {column!r}. Its {what}s are: {shown}. Pick one of those.")


def _csv_texts(source: _TextSource, label: str, delimiter: str, column: str | None) -> Iterator[str]:
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    reader = csv.reader(source.lines(csv_mode=True), delimiter=delimiter)
    columns = _csv_header(reader, label)
    chosen = _pick_column(columns, column, label)
    return _csv_rows(reader, label, columns, columns.index(chosen), chosen)


def _csv_rows(reader: Any, label: str, columns: list[str], idx: int, chosen: str) -> Iterator[str]:
    rows = 0
    filled = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ReaderError(
                f"{label} is not valid CSV near line {reader.line_num:,} ({exc}). Check that quotes are closed."
            ) from exc
        if not row:
            continue
        rows += 1
        if idx < len(row) and row[idx].strip():
            filled += 1
            yield row[idx]
    if rows == 0:
        raise ReaderError(f"{label} has a header line but no rows. Add rows of text under the header.")
    if filled == 0:
        others = ", ".join(repr(c) for c in columns if c != chosen)
        hint = f" Pick another column: {others}." if others else ""
        raise ReaderError(f"Column {chosen!r} of {label} is empty in every row.{hint}")


def _json_objects(source: _TextSource, label: str) -> Iterator[tuple[int, Any]]:
    for lineno, line in enumerate(source.lines(), start=1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as exc:
            snippet = line.strip()[:60] + ("…" if len(line.strip()) > 60 else "")
            raise ReaderError(
                f"Line {lineno:,} of {label} is not JSON ({exc.msg}): {snippet!r}. Each line of a .jsonl file "
                'must be one JSON object, such as {"text": "..."}; fix or remove that line.'
            ) from exc
        except RecursionError as exc:
            raise ReaderError(
                f"Line {lineno:,} of {label} nests lists or objects too deeply to read. Flatten that record to "
                '{"text": "..."}.'
            ) from exc


def _not_object(label: str, lineno: int, obj: Any) -> str:
    kind = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true/false"}.get(
        type(obj), "null" if obj is None else type(obj).__name__
    )
    return (
        f"Line {lineno:,} of {label} is {kind}, not a JSON object. Each line of a .jsonl file must be an "
        'object with a text field, such as {"text": "..."}.'
    )


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return None


def _jsonl_texts(source: _TextSource, label: str, column: str | None, late: list[str]) -> Iterator[str]:
    objects = _json_objects(source, label)
    first = next(objects, None)
    if first is None:
        raise ReaderError(f"{label} holds only blank lines. Each line should be a JSON object with a text field.")
    lineno, obj = first
    if not isinstance(obj, dict):
        raise ReaderError(_not_object(label, lineno, obj))
    if column is None:
        if not obj:
            raise ReaderError(f"Line {lineno:,} of {label} is an empty object; give it a text field.")
        column = guess_text_column([str(k) for k in obj])
    return _jsonl_records(first, objects, label, column, source, late)


def _jsonl_records(
    first: tuple[int, Any],
    rest: Iterator[tuple[int, Any]],
    label: str,
    column: str,
    source: _TextSource,
    late: list[str],
) -> Iterator[str]:
    used = 0
    skipped: list[int] = []
    keys_seen: dict[str, None] = {}

    def records() -> Iterator[tuple[int, Any]]:
        yield first
        yield from rest

    for lineno, obj in records():
        if not isinstance(obj, dict):
            raise ReaderError(_not_object(label, lineno, obj))
        if len(keys_seen) < 100:
            keys_seen.update(dict.fromkeys(str(k) for k in obj))
        text = _as_text(obj.get(column))
        if text is None:
            skipped.append(lineno)
            continue
        used += 1
        yield text
    if used == 0:
        shown = ", ".join(repr(k) for k in list(keys_seen)[:30]) or "none"
        raise ReaderError(
            f"No line of {label} has a text field {column!r}. The fields there are: {shown}. Pick the field that "
            "holds the text."
        )
    if skipped:
        lines = "1 line" if len(skipped) == 1 else f"{len(skipped):,} lines"
        late.append(
            f"{lines} of {label} had no text in field {column!r} and {'was' if len(skipped) == 1 else 'were'} "
            f"skipped (the first is line {skipped[0]:,})."
        )
    if (note := source.stray_notice()) is not None:
        late.append(note)


def _read_zip(path_or_file: Any, label: str, max_bytes: int) -> ReadResult:
    stream, owned = _open_binary(path_or_file, label)
    try:
        try:
            archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise ReaderError(
                f"{label} is not a valid zip archive (it may be damaged or only partly uploaded). Zip the .txt "
                "files again and upload the new archive."
            ) from exc
        members = [i for i in archive.infolist() if not i.is_dir()]
        hidden = [i for i in members if i.filename.startswith("__MACOSX/") or Path(i.filename).name.startswith(".")]
        members = [i for i in members if i not in hidden]
        texts = sorted((i for i in members if Path(i.filename).suffix.lower() == ".txt"), key=lambda i: i.filename)
        others = [i.filename for i in members if Path(i.filename).suffix.lower() != ".txt"]
        if not texts:
            inside = ", ".join(others[:10]) + (" …" if len(others) > 10 else "") if others else "nothing"
            raise ReaderError(
                f"{label} holds no .txt files (inside: {inside}). Put the text in .txt files and zip those."
            )
        encrypted = [i.filename for i in texts if i.flag_bits & 0x1]
        if encrypted:
            raise ReaderError(
                f"{label} is password-protected ({encrypted[0]}). Zip the files again without a password."
            )
        notices: list[str] = []
        if others:
            shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            count = "1 file that is not .txt was" if len(others) == 1 else f"{len(others)} files that are not .txt were"
            notices.append(f"{label}: {count} ignored ({shown}).")
    except BaseException:
        if owned:
            stream.close()
        raise
    late: list[str] = []
    return ReadResult(
        name=label,
        texts=_closing(_zip_texts(archive, texts, label, max_bytes, late), stream if owned else None),
        notices=tuple(notices),
        late_notices=late,
    )


def _zip_texts(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], label: str, max_bytes: int, late: list[str]
) -> Iterator[str]:
    unpacked = 0
    for info in members:
        member_label = f"{label}/{info.filename}"
        try:
            with archive.open(info) as fh:
                try:
                    source = _TextSource(fh, member_label, max_bytes=None)
                except ReaderError as exc:
                    reason = str(exc).split(". ")[0].replace(member_label, "it")
                    late.append(f"Skipped {info.filename} in {label}: {reason}.")
                    continue
                late.extend(source.notices)
                for line in source.lines(cut_long=True):
                    unpacked += len(line)
                    yield line.replace("\r", "\n")
                if (note := source.stray_notice()) is not None:
                    late.append(note)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ReaderError(f"{member_label} is damaged and cannot be unpacked ({exc}). Zip it again.") from exc
        if unpacked > 10 * max_bytes:
            late.append(f"{label} unpacks to more than ten times the upload limit; the remaining files were not read.")
            return
