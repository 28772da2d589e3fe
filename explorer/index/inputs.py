"""What an index job reads: input paths expanded to files, and one file's bytes turned into sentences.

Both engines read a file the same way, through :func:`read_file`: the bytes are decoded by
``explorer.readers`` (.txt, .csv/.tsv column, .jsonl field, .zip of .txt) or by pyarrow
(.parquet column); every text (a line, row or record) is a document, split into sentences and
tokenised with the rules of ``explorer.corpus``. A file that cannot be decoded is not an error
here: it comes back with ``status="skipped"`` and the reason, and the job lists it in the manifest.

Example:
    >>> from explorer.index.inputs import read_file
    >>> got = read_file("notes.txt", b"The bank opened. We sat by the bank.\\n\\nNo money here.\\n")
    >>> got.status, got.documents, [(s.doc, s.sentence_id, s.text) for s in got.sentences][:2]
    ('read', 2, [('notes.txt:1', 0, 'The bank opened.'), ('notes.txt:1', 1, 'We sat by the bank.')])
    >>> got.counts["bank"], read_file("x.txt", b"\\x00\\x01binary").status
    (2, 'skipped')
"""

from __future__ import annotations

import glob
import io
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from explorer import readers
from explorer.corpus import split_sentences, tokenize
from explorer.errors import IndexBuildError, ReaderError

PARQUET_EXTENSIONS = (".parquet", ".pq")
READABLE = (
    readers.TEXT_EXTENSIONS
    + readers.CSV_EXTENSIONS
    + readers.JSONL_EXTENSIONS
    + readers.ZIP_EXTENSIONS
    + PARQUET_EXTENSIONS
)
_URI_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]+://")


@dataclass(frozen=True)
class InputFile:
    """One file to read: ``label`` as the manifest and the ``doc`` ids show it, ``location`` as read."""

    label: str
    location: str
    size: int | None = None

    @property
    def is_remote(self) -> bool:
        return bool(_URI_RE.match(self.location)) and not self.location.startswith("file://")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document: ``doc`` is ``<file label>:<n>`` (the n-th text of the file, from 1)."""

    doc: str
    sentence_id: int
    text: str


@dataclass(frozen=True)
class FileRead:
    """What one file gave: its sentences and token counts, or why it was skipped."""

    label: str
    size: int
    status: str  # "read" or "skipped"
    reason: str | None = None
    documents: int = 0
    sentence_count: int = 0
    sentences: tuple[Sentence, ...] = ()
    counts: Counter[str] = field(default_factory=Counter)
    notes: tuple[str, ...] = ()

    def describe(self) -> dict[str, object]:
        """The file as the manifest's ``inputs`` lists it."""
        return {
            "path": self.label,
            "bytes": self.size,
            "status": self.status,
            "reason": self.reason,
            "documents": self.documents,
            "sentences": self.sentence_count,
            "notes": list(self.notes),
        }


def expand_inputs(inputs: list[str] | tuple[str, ...]) -> list[InputFile]:
    """Files of the inputs: a file, a folder (every readable file under it), a glob, or a URI.

    URIs (``s3://...``, ``gs://...``) are passed on as they are for Ray Data to list and read.
    Hidden files are left out; a local input that matches nothing raises ``IndexBuildError``.

    >>> expand_inputs(["s3://bucket/tickets/"])[0].is_remote
    True
    """
    if not inputs:
        raise IndexBuildError("Name at least one input: a file, a folder or a glob such as 'data/*.txt'.")
    files: list[InputFile] = []
    for raw in inputs:
        text = str(raw).strip()
        if _URI_RE.match(text) and not text.startswith("file://"):
            files.append(InputFile(text, text))
            continue
        text = text.removeprefix("file://")
        if any(ch in text for ch in "*?["):
            found = sorted(p for p in glob.glob(text, recursive=True) if os.path.isfile(p))
        elif os.path.isdir(text):
            found = [
                str(p)
                for p in sorted(Path(text).rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(text).parts)
            ]
        elif os.path.exists(text):
            found = [text]
        else:
            raise IndexBuildError(f"No file or folder at {text}. Check the path.")
        if not found:
            raise IndexBuildError(f"{text} matches no file. Check the path or the pattern.")
        for path in found:
            files.append(InputFile(path, os.path.abspath(path), os.path.getsize(path)))
    seen: set[str] = set()
    unique = [f for f in files if not (f.location in seen or seen.add(f.location))]
    return unique


def decode_texts(label: str, data: bytes, column: str | None = None) -> tuple[list[str], tuple[str, ...]]:
    """The texts (lines, rows, records) of one file's bytes, and notices about how they were read.

    Raises ``ReaderError`` for a file that cannot be decoded (binary, unknown format, no such column).

    >>> decode_texts("a.jsonl", b'{"body": "Hello there"}\\n')
    (['Hello there'], ())
    """
    ext = Path(label).suffix.lower()
    if ext in PARQUET_EXTENSIONS:
        return _parquet_texts(label, data, column), ()
    if ext not in READABLE:
        raise ReaderError(f"{Path(label).name} is not a format the index reads ({', '.join(READABLE)}).")
    stream = io.BytesIO(data)
    result = readers.read_texts(stream, column=column, max_bytes=None, name=Path(label).name)
    texts = list(result.texts)
    return texts, result.all_notices()


def _parquet_texts(label: str, data: bytes, column: str | None) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(pa.BufferReader(data))
        strings = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        if column is None:
            if not strings:
                raise ReaderError(f"{Path(label).name} has no text column; name one with --column.")
            column = readers.guess_text_column(strings)
        elif column not in schema.names:
            raise ReaderError(f"{Path(label).name} has no column {column!r} (it has {', '.join(schema.names)}).")
        values = pq.read_table(pa.BufferReader(data), columns=[column]).column(column).to_pylist()
    except (pa.ArrowException, OSError) as exc:
        raise ReaderError(f"{Path(label).name} is not a readable Parquet file ({exc}).") from exc
    return [str(v) for v in values if v is not None]


def split_texts(label: str, texts: list[str]) -> tuple[int, list[Sentence], Counter[str]]:
    """(documents, sentences, token counts) of a file's texts, split and tokenised as ``explorer.corpus`` does.

    A text with no token (a blank line) is not a document; sentences without a token are dropped.

    >>> n, sentences, counts = split_texts("a.txt", ["One two. Three!", "", "?!"])
    >>> n, [s.text for s in sentences], counts["two"]
    (1, ['One two.', 'Three!'], 1)
    """
    counts: Counter[str] = Counter()
    out: list[Sentence] = []
    documents = 0
    for row, text in enumerate(texts, start=1):
        sid = 0
        for raw in split_sentences(text):
            tokens = tokenize(raw)
            if not tokens:
                continue
            counts.update(tokens)
            out.append(Sentence(f"{label}:{row}", sid, raw))
            sid += 1
        documents += sid > 0
    return documents, out, counts


def read_file(label: str, data: bytes, column: str | None = None) -> FileRead:
    """One file's bytes to sentences and counts; ``status="skipped"`` with the reason when undecodable."""
    try:
        texts, notes = decode_texts(label, data, column)
    except ReaderError as exc:
        return FileRead(label, len(data), "skipped", reason=str(exc))
    documents, sentences, counts = split_texts(label, texts)
    return FileRead(label, len(data), "read", None, documents, len(sentences), tuple(sentences), counts, tuple(notes))


def read_local(item: InputFile, column: str | None = None) -> FileRead:
    """Read a local file from disk; an unreadable one comes back skipped with the operating system's reason."""
    try:
        data = Path(item.location).read_bytes()
    except OSError as exc:
        return FileRead(item.label, item.size or 0, "skipped", reason=f"cannot be read: {exc.strerror or exc}")
    return read_file(item.label, data, column)
