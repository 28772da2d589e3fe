"""Open an uploaded file by its extension and stream its texts; list the columns a file offers.

Example:
    >>> import io
    >>> from explorer.readers.files import read_texts
    >>> f = io.BytesIO(b"first line\\nsecond line\\n"); f.name = "notes.txt"
    >>> list(read_texts(f).texts)
    ['first line', 'second line']
"""

from __future__ import annotations

import re
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
from explorer.readers.text import ZIP_EXPANSION, txt_texts, zip_texts
from explorer.sources import check_size, open_binary, source_size
from explorer.workbudget import WorkBudget

MAX_TOKEN_CHARS = 100  # a longer run of non-space characters is dropped from the text
# a run that starts after a space (or at the start) and is longer than the cap; the lookbehind makes
# the search linear: inside a run it fails at once instead of rescanning up to 100 characters
_LONG_RUN = re.compile(rf"(?<!\S)\S{{{MAX_TOKEN_CHARS + 1},}}")


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
    budget: WorkBudget | None = None,
) -> ReadResult:
    """Open a .txt, .csv, .tsv, .jsonl or .zip file, or plain text under any other name, and stream its texts.

    ``path_or_file`` is a path or a binary file object (it needs a ``.name``, or pass ``name``);
    the extension picks the reader, and a file with another extension (.cor, .log, none) is read
    as plain text when its content is text. ``column`` picks the CSV/TSV column or the JSONL
    field; by default ``guess_text_column`` picks it. ``max_bytes`` is the upload limit (None: no
    limit); a zip archive stops once it unpacks to ten times it. ``budget`` stops a read that
    runs too long or whose visitor left, with a notice. Runs of more than ``MAX_TOKEN_CHARS``
    non-space characters are dropped, with a notice. Raises ``ReaderError`` on bad input; some
    problems deep inside a file surface while ``texts`` is consumed.

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
            texts, notices = zip_texts(stream, label, max_bytes, late, budget)
        else:
            source = TextSource(stream, label, max_bytes=max_bytes, budget=budget, late=late)
            if ext in CSV_EXTENSIONS:
                texts = csv_texts(source, label, delimiter(ext), column)
            elif ext in JSONL_EXTENSIONS:
                texts = jsonl_texts(source, label, column, late)
            else:  # .txt, and plain text under any other name
                texts = txt_texts(source, late)
            notices = source.notices
            if ext not in TEXT_EXTENSIONS + CSV_EXTENSIONS + JSONL_EXTENSIONS:
                shown = f'"{ext}"' if ext else "no extension"
                notices = (f"{label} has {shown}; its content is text, so it was read as plain text.", *notices)
    except BaseException:
        if owned:
            stream.close()
        raise
    texts = _without_long_tokens(texts, label, late)
    return ReadResult(name=label, texts=_closing(texts, stream if owned else None), notices=notices, late_notices=late)


def _without_long_tokens(texts: Iterator[str], label: str, late: list[str]) -> Iterator[str]:
    """``texts`` with every run of more than ``MAX_TOKEN_CHARS`` non-space characters dropped; a notice
    goes to ``late`` at the end. A 1,000,000-character "word" is no word, and a browser shown it freezes."""
    dropped = 0
    for text in texts:
        if len(text) > MAX_TOKEN_CHARS and _LONG_RUN.search(text) is not None:
            text, n = _LONG_RUN.subn(" ", text)
            dropped += n
        yield text
    if dropped:
        what = "1 run" if dropped == 1 else f"{dropped:,} runs"
        late.append(
            f"{label}: {what} of more than {MAX_TOKEN_CHARS} characters without a space "
            f"{'was' if dropped == 1 else 'were'} dropped; no word is that long (the longest kept is "
            f"{MAX_TOKEN_CHARS})."
        )


def read_cost_bytes(size: int, name: str, max_tokens: int | None) -> int:
    """What reading an upload of ``size`` bytes into a corpus may add to memory, in bytes (an estimate for
    the admission gate): the text kept (a zip may unpack to ``ZIP_EXPANSION`` times it), bounded by the
    token limit at about 8 bytes a token, about four times over for the sentence strings, the token
    tuples and the reader's buffers.

    >>> read_cost_bytes(1_000_000, "a.txt", 500_000) // 2**20
    19
    """
    unpacked = size * (ZIP_EXPANSION if name.lower().endswith(".zip") else 1)
    if max_tokens is not None:
        unpacked = min(unpacked, 8 * max_tokens)
    return 4 * unpacked + 16 * 2**20


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
