"""TensorFlow-projector TSV: vectors.tsv (tab-separated numbers) and metadata.tsv (a label per row).

metadata.tsv is one word per line, or, under a header row, columns whose first is the word; a
"count" column becomes the set's counts.

Example:
    >>> from explorer.vectors_io.projector import load_tsv
    >>> keys, matrix, counts, notices = load_tsv(b"1\\t0\\n0\\t1\\n", b"word\\tcount\\ncat\\t5\\ndog\\t3\\n", None)
    >>> keys, counts.tolist()
    (['cat', 'dog'], [5, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from explorer.errors import VectorsError
from explorer.sources import read_bytes
from explorer.vectors_io.parsing import decode
from explorer.vectors_io.rows import parse_rows
from explorer.vectors_io.text import text_body
from explorer.workbudget import WorkBudget

_COUNT_COLUMNS = ("count", "counts", "frequency", "freq")


def _read_metadata(
    metadata: Any, n_rows: int, max_bytes: int | None, truncated: bool = False
) -> tuple[list[str], np.ndarray | None]:
    data = read_bytes(metadata, max_bytes, VectorsError)
    # count before splitting: a label per line is a Python string each, so no more lines than rows (+ a header)
    n_lines = data.count(b"\n")
    if n_lines > n_rows + 2:
        if not truncated:
            raise VectorsError(
                f"metadata.tsv has {n_lines:,} lines but vectors.tsv has {n_rows:,} rows; each vector "
                "row needs exactly one label (a file with several columns needs a header row)."
            )
        cut = -1
        for _ in range(n_rows + 1):
            cut = data.find(b"\n", cut + 1)
        data = data[: cut + 1]
    text = decode(data)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    lines = [ln.rstrip("\r") for ln in lines]
    if not lines:
        raise VectorsError("metadata.tsv is empty; it needs one label per vector row.")
    counts = None
    if "\t" in lines[0]:
        header = [h.strip().lower() for h in lines[0].split("\t")]
        body = [ln.split("\t") for ln in lines[1:]]
        words = [cols[0] for cols in body]
        for name in _COUNT_COLUMNS:
            if name in header:
                col = header.index(name)
                try:
                    counts = np.array([int(float(cols[col])) for cols in body], dtype=np.int64)
                except (ValueError, IndexError):
                    counts = None
                break
        kind = "rows after its header line"
    else:
        words = lines
        kind = "lines"
    if truncated and len(words) > n_rows:
        words = words[:n_rows]
        counts = None if counts is None else counts[:n_rows]
    if len(words) != n_rows:
        raise VectorsError(
            f"metadata.tsv has {len(words):,} {kind} but vectors.tsv has {n_rows:,} rows; each vector row needs "
            "exactly one label (a file with several columns needs a header row)."
        )
    return words, counts


def load_tsv(
    data: bytes,
    metadata: Any,
    source: Any,
    max_bytes: int | None = None,
    *,
    max_rows: int | None = None,
    budget: WorkBudget | None = None,
) -> tuple[list[str], np.ndarray, np.ndarray | None, list[str]]:
    """(words, (n, dim) float32 matrix, counts or None, notices) of vectors.tsv and its metadata.

    ``metadata`` defaults to a metadata.tsv beside a ``source`` path; without one the words are
    row numbers. ``max_bytes`` is the upload limit for the metadata file; ``max_rows`` and
    ``budget`` stop a long read early, with a notice.

    >>> load_tsv(b"1\\t2\\n", None, None)[0], load_tsv(b"1\\t2\\n", None, None)[3][0][:30]
    (['0'], 'No metadata.tsv was given, so ')
    """
    if not data.strip(b" \t\r\n"):
        raise VectorsError("vectors.tsv is empty; it needs one tab-separated row of numbers per word.")
    parsed = parse_rows(
        data,
        0,
        with_words=False,
        max_rows=max_rows,
        expected_rows=min(data.count(b"\n") + 1, max_rows or 2**62),
        budget=budget,
    )
    matrix = parsed.matrix
    n_rows = matrix.shape[0]
    if metadata is None and isinstance(source, str | Path):
        metadata = _sibling_metadata(Path(source))
    notices: list[str] = list(parsed.notices)
    counts = None
    if metadata is None:
        keys = [str(i) for i in range(n_rows)]
        notices.append("No metadata.tsv was given, so the words are row numbers; add metadata.tsv to see words.")
    else:
        keys, counts = _read_metadata(metadata, n_rows, max_bytes, truncated=not parsed.complete)
    return keys, matrix, counts, notices


def metadata_name(path: Path) -> str:
    """The metadata file that goes with a vectors file: metadata.tsv beside vectors.tsv, else <stem>.metadata.tsv.

    >>> metadata_name(Path("out/words.tsv.gz"))
    'words.metadata.tsv'
    """
    stem = path.name.removesuffix(".gz").removesuffix(".tsv")
    return "metadata.tsv" if stem == "vectors" else f"{stem}.metadata.tsv"


def _sibling_metadata(path: Path) -> Path | None:
    for candidate in (path.with_name(metadata_name(path)), path.with_name("metadata.tsv")):
        if candidate.is_file():
            return candidate
    return None


def _label(word: str) -> str:
    return word.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def projector_tsv(keys: Sequence[str], matrix: np.ndarray, counts: np.ndarray | None) -> tuple[str, str]:
    """(vectors.tsv, metadata.tsv) texts; metadata is one label per line, or "word\\tcount" rows under a header.

    >>> import numpy as np
    >>> projector_tsv(["new york"], np.ones((1, 2)), np.array([7]))
    ('1\\t1\\n', 'word\\tcount\\nnew york\\t7\\n')
    """
    vectors = text_body(np.asarray(matrix), [], "\t")
    if counts is not None:
        meta = "word\tcount\n" + "".join(f"{_label(k)}\t{int(c)}\n" for k, c in zip(keys, counts.tolist(), strict=True))
    else:
        meta = "".join(f"{_label(k)}\n" for k in keys)
    return vectors, meta
