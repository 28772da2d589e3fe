"""Open an uploaded file by its extension and stream its texts; list the columns a file offers.

Example:
    >>> import io
    >>> from explorer.readers.files import read_texts
    >>> f = io.BytesIO(b"first line\\nsecond line\\n"); f.name = "notes.txt"
    >>> list(read_texts(f).texts)
    ['first line', 'second line']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from explorer.errors import ReaderError
from explorer.readers.encoding import TextSource
from explorer.readers.formats import (
    CSV_EXTENSIONS,
    JSONL_EXTENSIONS,
    SUPPORTED,
    TEXT_EXTENSIONS,
    ZIP_EXTENSIONS,
    delimiter,
    name_and_extension,
)
from explorer.readers.tabular import csv_columns, csv_texts, jsonl_keys, jsonl_texts
from explorer.readers.text import txt_texts, zip_texts
from explorer.sources import check_size, open_binary, source_size


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
        """``notices`` followed by the ``late_notices`` found so far.

        >>> ReadResult("a.txt", iter(()), ("read as Latin-1",), ["1 line skipped"]).all_notices()
        ('read as Latin-1', '1 line skipped')
        """
        return self.notices + tuple(self.late_notices)


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
    default ``guess_text_column`` picks it. ``max_bytes`` is the upload limit (None: no limit);
    a zip archive stops once its text unpacks to ten times it. Raises ``ReaderError`` on bad
    input; some problems deep inside a file surface while ``texts`` is consumed.

    >>> import io
    >>> f = io.BytesIO('{"body": "Hello there"}\\n'.encode()); f.name = "a.jsonl"
    >>> list(read_texts(f, max_bytes=10_000).texts)
    ['Hello there']
    """
    label, ext = name_and_extension(path_or_file, name)
    check_size(label, source_size(path_or_file), max_bytes, ReaderError)
    stream, owned = open_binary(path_or_file, ReaderError, expected=f"a {SUPPORTED} file")
    late: list[str] = []
    try:
        if ext in ZIP_EXTENSIONS:
            texts, notices = zip_texts(stream, label, max_bytes, late)
        else:
            source = TextSource(stream, label, max_bytes=max_bytes)
            if ext in TEXT_EXTENSIONS:
                texts = txt_texts(source, late)
            elif ext in CSV_EXTENSIONS:
                texts = csv_texts(source, label, delimiter(ext), column)
            else:
                texts = jsonl_texts(source, label, column, late)
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
    label, ext = name_and_extension(path_or_file, name)
    if ext not in CSV_EXTENSIONS and ext not in JSONL_EXTENSIONS:
        return None
    stream, owned = open_binary(path_or_file, ReaderError, expected=f"a {SUPPORTED} file")
    try:
        source = TextSource(stream, label, max_bytes=None)
        if ext in CSV_EXTENSIONS:
            return csv_columns(source, label, delimiter(ext))
        return jsonl_keys(source, label)
    finally:
        if owned:
            stream.close()
        elif hasattr(stream, "seek"):
            stream.seek(0)


def _closing(texts: Iterator[str], stream: IO[bytes] | None) -> Iterator[str]:
    try:
        yield from texts
    finally:
        if stream is not None:
            stream.close()
