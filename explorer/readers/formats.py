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
# Extensions of files that are never plain text: refused by name. Any other extension (.cor, .log,
# none at all) is read as plain text when its content is text (``encoding.TextSource`` checks).
NOT_TEXT_EXTENSIONS = frozenset(
    ".pdf .doc .docx .xls .xlsx .ppt .pptx .odt .ods .rtf .gz .tgz .bz2 .xz .7z .rar .tar .png .jpg .jpeg .gif "
    ".bmp .webp .mp3 .mp4 .wav .exe .dll .so .bin .pkl .pickle .npy .npz .parquet .sqlite .db".split()
)


def name_and_extension(path_or_file: Any, name: str | None) -> tuple[str, str]:
    """The file name shown to the user and its lower-cased extension; ``name`` overrides the file's own.

    Raises ``ReaderError`` for a file object without a name and for an extension that is never plain
    text (.pdf, .xlsx, .gz...); any other unknown extension is returned as it is and read as text.

    >>> name_and_extension(b"...", "notes.txt")
    ('notes.txt', '.txt')
    """
    if name is None:
        name = source_name(path_or_file)
        if not name and not isinstance(path_or_file, str | os.PathLike):
            raise ReaderError(f"Cannot tell the file's format: it has no name. Name it with an extension: {SUPPORTED}.")
    ext = Path(name).suffix.lower()
    if ext in NOT_TEXT_EXTENSIONS or name.lower().endswith(".tar.gz"):
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
