"""What an index job reads: input paths expanded to files, and one file's bytes turned into sentences.

Both engines read a file the same way, through :func:`read_file`: the bytes are decoded by
``explorer.readers`` (.txt, .csv/.tsv column, .jsonl field, .zip of .txt), by pyarrow (.parquet
column), or, for any other extension whose bytes are text, as plain text (``explorer.plaintext``);
every text (a line, row or record) is a document, split into sentences and tokenised with the
rules of ``explorer.corpus``. A file that cannot be decoded is not an error here: it comes back
with ``status="skipped"`` and the reason, and the job lists it in the manifest. :func:`check_local`
looks at every local file's first bytes before the job starts any work (or Ray). Walking a folder
or a glob leaves out index folders (a ``manifest.json`` beside ``occurrences/``) and jobs' work
folders, so an index built inside a corpus folder is never read back as corpus.

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
from explorer.index.contract import MANIFEST, OCCURRENCES
from explorer.jobfiles import is_job_folder
from explorer.plaintext import PARQUET_EXTENSIONS, input_problem, read_any_texts

READABLE = (
    readers.TEXT_EXTENSIONS
    + readers.CSV_EXTENSIONS
    + readers.JSONL_EXTENSIONS
    + readers.ZIP_EXTENSIONS
    + PARQUET_EXTENSIONS
)  # by extension; any other file is read as plain text when its bytes are text
_LEFT_OUT = "left out {}: it is an index folder or a job's work folder, not corpus"
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


def is_index_folder(folder: str | Path) -> bool:
    """Whether ``folder`` looks like a contextual index (a ``manifest.json`` beside ``occurrences/``)."""
    folder = Path(folder)
    return (folder / MANIFEST).is_file() and (folder / OCCURRENCES).is_dir()


def _walk(top: Path, skipped: list[str]) -> list[str]:
    """Every non-hidden file under ``top``, leaving out index folders and job work folders (named in ``skipped``)."""
    found: list[str] = []
    for root, dirs, files in os.walk(top, followlinks=False):
        keep = []
        for name in sorted(dirs):
            folder = Path(root) / name
            if name.startswith(".") or folder.is_symlink():
                continue
            if is_index_folder(folder) or is_job_folder(folder):
                skipped.append(_LEFT_OUT.format(folder))
                continue
            keep.append(name)
        dirs[:] = keep
        found.extend(os.path.join(root, f) for f in sorted(files) if not f.startswith("."))
    return sorted(found)


def _inside_index(path: str, cache: dict[Path, bool]) -> Path | None:
    """The index or job folder that holds ``path`` (a file a glob found), if any."""
    for parent in Path(path).absolute().parents:
        if parent not in cache:
            cache[parent] = is_index_folder(parent) or is_job_folder(parent)
        if cache[parent]:
            return parent
    return None


def expand_inputs(inputs: list[str] | tuple[str, ...], notes: list[str] | None = None) -> list[InputFile]:
    """Files of the inputs: a file, a folder (every file under it), a glob, or a URI.

    URIs (``s3://...``, ``gs://...``) are passed on as they are for Ray Data to list and read.
    Hidden files are left out, and so are index folders and jobs' work folders under a folder or
    a glob (each named in ``notes``); a local input that matches nothing, or that is itself an
    index folder, raises ``IndexBuildError``.

    >>> expand_inputs(["s3://bucket/tickets/"])[0].is_remote
    True
    """
    if not inputs:
        raise IndexBuildError("Name at least one input: a file, a folder or a glob such as 'data/*.txt'.")
    notes = notes if notes is not None else []
    files: list[InputFile] = []
    cache: dict[Path, bool] = {}
    left_out: set[Path] = set()
    for raw in inputs:
        text = str(raw).strip()
        if _URI_RE.match(text) and not text.startswith("file://"):
            files.append(InputFile(text, text))
            continue
        text = text.removeprefix("file://")
        noted = len(notes)
        if any(ch in text for ch in "*?["):
            found = []
            for p in sorted(glob.glob(text, recursive=True)):
                if not os.path.isfile(p):
                    continue
                holder = _inside_index(p, cache)
                if holder is None:
                    found.append(p)
                elif holder not in left_out:
                    left_out.add(holder)
                    notes.append(_LEFT_OUT.format(holder))
        elif os.path.isdir(text):
            if is_index_folder(text) or is_job_folder(Path(text)):
                raise IndexBuildError(
                    f"{text} is an index folder (or a job's work folder), not a corpus. Name the corpus files instead."
                )
            found = _walk(Path(text), notes)
        elif os.path.exists(text):
            found = [text]
        else:
            raise IndexBuildError(f"No file or folder at {text}. Check the path.")
        if not found and len(notes) > noted:
            raise IndexBuildError(
                f"{text} matches only files inside index folders or jobs' work folders, which are not corpus. "
                "Name the corpus files instead."
            )
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
    stream = io.BytesIO(data)
    result = read_any_texts(stream, column=column, max_bytes=None, name=Path(label).name)
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


def check_local(item: InputFile) -> FileRead | None:
    """A local file that cannot be read, as a skipped ``FileRead`` with the reason; None when it looks readable.

    Reads only the file's first bytes (see ``explorer.plaintext.input_problem``), so every input
    is checked before the job loads a model or starts Ray. Remote inputs are not checked here.
    """
    if item.is_remote:
        return None
    problem = input_problem(item.location)
    return None if problem is None else FileRead(item.label, item.size or 0, "skipped", reason=problem)


def read_local(item: InputFile, column: str | None = None) -> FileRead:
    """Read a local file from disk; an unreadable one comes back skipped with the operating system's reason."""
    try:
        data = Path(item.location).read_bytes()
    except OSError as exc:
        return FileRead(item.label, item.size or 0, "skipped", reason=f"cannot be read: {exc.strerror or exc}")
    return read_file(item.label, data, column)
