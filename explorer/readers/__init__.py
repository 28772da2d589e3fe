"""Read uploaded files as a stream of texts: .txt, .csv/.tsv, .jsonl and .zip of .txt files.

Files are decoded line by line, never read whole into one string, so a large file stops costing
memory as soon as the corpus has enough tokens. The encoding is decided from the first bytes:
UTF-8 (with or without BOM), UTF-16 with a BOM (little or big endian), otherwise Latin-1 with a
notice. Every bad input raises ``ReaderError`` (a ``CorpusError``) whose message says what was
wrong and how to fix it.

Modules: ``files`` (the entry points), ``formats`` (extensions), ``encoding`` (bytes to lines),
``tabular`` (CSV/TSV columns and JSONL fields), ``text`` (plain text and zip archives).

Example:
    >>> import io
    >>> from explorer.readers import read_texts
    >>> f = io.BytesIO(b"id,text\\n1,The phone won't charge.\\n2,I was charged twice.\\n")
    >>> f.name = "tickets.csv"
    >>> list(read_texts(f, max_bytes=1_000_000).texts)
    ["The phone won't charge.", 'I was charged twice.']
"""

from __future__ import annotations

from explorer.errors import ReaderError
from explorer.readers.encoding import MAX_LINE_BYTES, SNIFF_BYTES
from explorer.readers.files import MAX_TOKEN_CHARS, ReadResult, list_columns, read_cost_bytes, read_texts
from explorer.readers.formats import CSV_EXTENSIONS, JSONL_EXTENSIONS, SUPPORTED, TEXT_EXTENSIONS, ZIP_EXTENSIONS
from explorer.readers.tabular import JSONL_KEY_LINES, TEXT_COLUMN_NAMES, guess_text_column
from explorer.readers.text import ZIP_EXPANSION

__all__ = [
    "CSV_EXTENSIONS",
    "JSONL_EXTENSIONS",
    "JSONL_KEY_LINES",
    "MAX_LINE_BYTES",
    "MAX_TOKEN_CHARS",
    "SNIFF_BYTES",
    "SUPPORTED",
    "TEXT_COLUMN_NAMES",
    "TEXT_EXTENSIONS",
    "ZIP_EXPANSION",
    "ZIP_EXTENSIONS",
    "ReadResult",
    "ReaderError",
    "guess_text_column",
    "list_columns",
    "read_cost_bytes",
    "read_texts",
]
