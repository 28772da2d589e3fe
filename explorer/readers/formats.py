"""Which reader a file gets: its extension decides, and an unknown one is refused with the list of known ones.

Example:
    >>> from explorer.readers.formats import name_and_extension
    >>> name_and_extension("/uploads/Tickets.CSV", None)
    ('Tickets.CSV', '.csv')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from explorer.errors import ReaderError
from explorer.sources import source_name

TEXT_EXTENSIONS = (".txt", ".text", ".md")
CSV_EXTENSIONS = (".csv", ".tsv", ".tab")
JSONL_EXTENSIONS = (".jsonl", ".ndjson")
ZIP_EXTENSIONS = (".zip",)
SUPPORTED = ".txt, .csv, .tsv, .jsonl or .zip (of .txt files)"


def name_and_extension(path_or_file: Any, name: str | None) -> tuple[str, str]:
    """The file name shown to the user and its lower-cased extension; ``name`` overrides the file's own.

    Raises ``ReaderError`` for a file object without a name and for an extension no reader takes.

    >>> name_and_extension(b"...", "notes.txt")
    ('notes.txt', '.txt')
    """
    if name is None:
        name = source_name(path_or_file)
        if not name and not isinstance(path_or_file, str | os.PathLike):
            raise ReaderError(f"Cannot tell the file's format: it has no name. Name it with an extension: {SUPPORTED}.")
    ext = Path(name).suffix.lower()
    known = TEXT_EXTENSIONS + CSV_EXTENSIONS + JSONL_EXTENSIONS + ZIP_EXTENSIONS
    if ext not in known:
        shown = f'"{ext}"' if ext else "no extension"
        raise ReaderError(
            f"{name} has {shown}; the explorer reads {SUPPORTED}. Save or rename the file as one of those."
        )
    return name, ext


def delimiter(ext: str) -> str:
    """The field separator of a .csv (comma) or .tsv/.tab (tab) file.

    >>> delimiter(".tsv")
    '\\t'
    """
    return "," if ext == ".csv" else "\t"
