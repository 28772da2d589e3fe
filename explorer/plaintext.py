"""Corpus files for the jobs: any file whose bytes are text is read as plain text, whatever its extension.

``.csv``/``.tsv``, ``.jsonl``, ``.zip`` and ``.txt`` go to ``explorer.readers`` as in the app; a file
with any other extension (``.cor``, ``.text1``, none) is sniffed by content with the readers' own
check (``readers.encoding.TextSource``: encoding from the first 64 KB, binary refused with what it
looks like) and read one document per line, like ``.txt``. :func:`input_problem` runs that check
on a path without reading further, so a job can check every input before it starts any work.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "news.cor").write_text("The bank opened.\\nIt rained.\\n")
    >>> _ = (folder / "photo.cor").write_bytes(b"\\x89PNG\\r\\n\\x1a\\n...")
    >>> list(read_any_texts(folder / "news.cor").texts), input_problem(folder / "news.cor")
    (['The bank opened.', 'It rained.'], None)
    >>> input_problem(folder / "photo.cor")
    'photo.cor looks like a PNG image, not text'
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from explorer import readers
from explorer.errors import ReaderError
from explorer.readers.encoding import TextSource
from explorer.sources import source_name

TABULAR = readers.CSV_EXTENSIONS + readers.JSONL_EXTENSIONS
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
PARQUET_MAGIC = b"PAR1"
PARQUET_EXTENSIONS = (".parquet", ".pq")


def reason_of(exc: ReaderError) -> str:
    """A reader's refusal as a reason in a job's list: its first sentence (the upload advice dropped),
    keeping the hint that NUL bytes may be UTF-16 text without a byte-order mark.

    >>> reason_of(ReaderError("a.txt is empty. Choose a file that holds some text."))
    'a.txt is empty'
    """
    text = str(exc)
    first = text.split(". ")[0].rstrip(".")
    if "NUL bytes" in first:
        first += " (if it is UTF-16 text, save it with a byte-order mark or as UTF-8)"
    return first


def input_problem(path: str | Path) -> str | None:
    """Why a local input file cannot be read as a corpus, from its first bytes; None when it can.

    Checks that it exists, is a regular file, can be opened, and that its start is what its
    extension promises (text for any extension but .zip and .parquet).
    """
    path = Path(path)
    name = path.name
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"No file at {path}; check the path"
    except OSError as exc:
        return f"{name} cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(info.st_mode):
        return f"{name} is a folder; name the files in it"
    if not stat.S_ISREG(info.st_mode):
        return f"{name} is not a regular file (a pipe, socket or device)"
    ext = path.suffix.lower()
    try:
        with open(path, "rb") as fh:
            if ext in readers.ZIP_EXTENSIONS or ext in PARQUET_EXTENSIONS:
                head = fh.read(4)
                magics = ZIP_MAGICS if ext in readers.ZIP_EXTENSIONS else (PARQUET_MAGIC,)
                if not head.startswith(magics):
                    kind = "zip archive" if ext in readers.ZIP_EXTENSIONS else "Parquet file"
                    return f"{name} is not a {kind} (its first bytes say otherwise)"
                return None
            TextSource(fh, name, max_bytes=None)
    except ReaderError as exc:
        return reason_of(exc)
    except OSError as exc:
        return f"{name} cannot be read ({exc.strerror or exc})"
    return None


def read_any_texts(
    path_or_file: str | Path | IO[bytes], column: str | None = None, *, max_bytes: int | None = None,
    name: str | None = None,
) -> readers.ReadResult:  # fmt: skip
    """``readers.read_texts``, whose refusal of a file under an unknown extension says what the file looks like
    and that any extension is read when the bytes are text.

    >>> import io
    >>> f = io.BytesIO(b"%PDF-1.4 ..."); f.name = "paper.cor"
    >>> read_any_texts(f)
    Traceback (most recent call last):
    ...
    explorer.errors.ReaderError: paper.cor looks like a PDF document, not text. Name a plain-text file, whatever its extension.
    """
    label = name or source_name(path_or_file) or "input"
    try:
        return readers.read_texts(path_or_file, column, max_bytes=max_bytes, name=label)
    except ReaderError as exc:
        if Path(label).suffix.lower() in readers.TEXT_EXTENSIONS + TABULAR + readers.ZIP_EXTENSIONS:
            raise
        raise ReaderError(f"{reason_of(exc)}. Name a plain-text file, whatever its extension.") from exc
