"""Texts from one column of a CSV/TSV file or one field of a JSONL file, and a guess at which holds the text.

Example:
    >>> from explorer.readers.tabular import guess_text_column
    >>> guess_text_column(["id", "Review_Text", "stars"])
    'Review_Text'
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from explorer.errors import ReaderError
from explorer.readers.encoding import TextSource

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


def guess_text_column(columns: Iterable[str]) -> str:
    """The column that most likely holds the text: a well-known name (text, body, message...), else the first.

    >>> guess_text_column(["id", "Body", "stars"]), guess_text_column(["id", "notes"])
    ('Body', 'id')
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


# ----- CSV / TSV -----------------------------------------------------------------------------


def csv_header(reader: Any, label: str) -> list[str]:
    """The column names of a csv reader's first row; blank names become "column N", repeats get "(2)".

    >>> import csv
    >>> csv_header(csv.reader(["id,,id"]), "a.csv")
    ['id', 'column 2', 'id (2)']
    """
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


def csv_columns(source: TextSource, label: str, delimiter: str) -> list[str]:
    """The column names in the header line of a CSV/TSV source.

    >>> import io
    >>> csv_columns(TextSource(io.BytesIO(b"id;text\\n"), "a.csv", max_bytes=None), "a.csv", ";")
    ['id', 'text']
    """
    return csv_header(csv.reader(source.lines(csv_mode=True), delimiter=delimiter), label)


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


def csv_texts(source: TextSource, label: str, delimiter: str, column: str | None) -> Iterator[str]:
    """The non-blank cells of ``column`` (default: the guessed text column), row by row.

    >>> import io
    >>> source = TextSource(io.BytesIO(b"id,review\\n1,Great phone\\n2,\\n"), "a.csv", max_bytes=None)
    >>> list(csv_texts(source, "a.csv", ",", None))
    ['Great phone']
    """
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    reader = csv.reader(source.lines(csv_mode=True), delimiter=delimiter)
    columns = csv_header(reader, label)
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


# ----- JSONL ---------------------------------------------------------------------------------


def _json_objects(source: TextSource, label: str) -> Iterator[tuple[int, Any]]:
    for line in source.lines(skip_blank=True):  # blank lines pass a buffer at a time, still counted
        lineno = source.line_number
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


def jsonl_keys(source: TextSource, label: str) -> list[str]:
    """The keys of the first ``JSONL_KEY_LINES`` objects of a JSONL source, in first-seen order.

    >>> import io
    >>> jsonl_keys(TextSource(io.BytesIO(b'{"id": 1}\\n{"text": "hi"}\\n'), "a.jsonl", max_bytes=None), "a.jsonl")
    ['id', 'text']
    """
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


def jsonl_texts(source: TextSource, label: str, column: str | None, late: list[str]) -> Iterator[str]:
    """The text of field ``column`` (default: guessed from the first object) of every record.

    Records without that field are skipped, and a notice about them is added to ``late`` once
    the texts are consumed.

    >>> import io
    >>> late = []
    >>> source = TextSource(io.BytesIO(b'{"text": "hi"}\\n{"id": 2}\\n'), "a.jsonl", max_bytes=None)
    >>> list(jsonl_texts(source, "a.jsonl", None, late)), late[0][:29]
    (['hi'], '1 line of a.jsonl had no text')
    """
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
    source: TextSource,
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
