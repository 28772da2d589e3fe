"""word2vec text and GloVe text: one word and its numbers per line (word2vec adds a "count dim" header).

Example:
    >>> from explorer.vectors_io.text import load_glove, text_body
    >>> keys, matrix, notices = load_glove(b"cat 1 0\\ndog 0 1\\n")
    >>> keys, matrix.shape
    (['cat', 'dog'], (2, 2))
    >>> text_body(matrix, keys, " ")
    'cat 1 0\\ndog 0 1\\n'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from explorer.errors import VectorsError
from explorer.vectors_io.parsing import parse_header
from explorer.vectors_io.rows import parse_rows
from explorer.workbudget import WorkBudget

_NON_BLANK = re.compile(rb"[^ \t\r\n]")


def _first_line(data: bytes, start: int = 0) -> tuple[int, str, int]:
    """(offset after the first non-blank line from ``start``, its text, its 1-based line number); ("", 0) if none."""
    found = _NON_BLANK.search(data, start)
    if found is None:
        return len(data), "", 0
    begin = data.rfind(b"\n", start, found.start()) + 1 if found.start() > start else start
    end = data.find(b"\n", found.start())
    end = len(data) if end < 0 else end
    line = data[begin:end].decode("utf-8", errors="replace").strip(" \t\r")
    return end + 1, line, data.count(b"\n", 0, begin) + 1


def load_word2vec_text(
    data: bytes, *, max_rows: int | None = None, budget: WorkBudget | None = None
) -> tuple[list[str], np.ndarray, list[str]]:
    """(words, (n, dim) float32 matrix, notices) of word2vec text: a "count dim" header, then one word per line.

    ``max_rows`` keeps at most that many words (a notice says so); ``budget`` stops a long read.

    >>> load_word2vec_text(b"1 2\\ncat 1 0\\n")[0]
    ['cat']
    """
    body_start, first, first_no = _first_line(data)
    if not first:
        raise VectorsError("The file is empty; it needs a 'count dimensions' header and one line per word.")
    header = parse_header(first)
    if header is None:
        raise VectorsError(
            f"Line {first_no} ({first[:60]!r}) is not a word2vec header 'count dimensions'; for a file without "
            "a header choose the GloVe format."
        )
    count, dim = header
    if count == 0:
        raise VectorsError("The header says the file holds 0 words; there is nothing to load.")
    # a row takes at least two bytes per value, so the header cannot make us allocate past the file
    expected = min(count, (len(data) - body_start) // (2 * max(dim, 1) + 1) + 1)
    parsed = parse_rows(
        data,
        body_start,
        with_words=True,
        expected_dim=dim,
        first_line=first_no + 1,
        max_rows=max_rows,
        expected_rows=expected,
        budget=budget,
    )
    if parsed.complete and parsed.lines != count:
        raise VectorsError(
            f"The header says {count:,} words but the file holds {parsed.lines:,} vector lines; fix the header "
            "count (or the file is truncated)."
        )
    return parsed.keys, parsed.matrix, parsed.notices


def load_glove(
    data: bytes, *, max_rows: int | None = None, budget: WorkBudget | None = None
) -> tuple[list[str], np.ndarray, list[str]]:
    """(words, (n, dim) float32 matrix, notices) of GloVe text: one word and its numbers per line (a header is skipped).

    >>> load_glove(b"cat 0.5 1\\n")[1].tolist()
    [[0.5, 1.0]]
    """
    body_start, first, first_no = _first_line(data)
    if not first:
        raise VectorsError("The file is empty; GloVe text needs one line per word: the word, then its numbers.")
    start, start_no = 0, 1
    if parse_header(first) is not None:
        start, start_no = body_start, first_no + 1
        if _NON_BLANK.search(data, body_start) is None:
            raise VectorsError("The file holds only a header line and no vectors.")
    parsed = parse_rows(
        data,
        start,
        with_words=True,
        first_line=start_no,
        max_rows=max_rows,
        expected_rows=min(data.count(b"\n") + 1, max_rows or 2**62),
        budget=budget,
    )
    if not parsed.keys and parsed.lines == 0:
        raise VectorsError("The file is empty; GloVe text needs one line per word: the word, then its numbers.")
    return parsed.keys, parsed.matrix, parsed.notices


def text_body(matrix: np.ndarray, keys: Sequence[str], sep: str) -> str:
    """Lines of ``word<sep>v1<sep>v2...`` (just the numbers when ``keys`` is empty), 9 significant digits.

    Nine significant digits round-trip any float32 exactly.

    >>> import numpy as np
    >>> text_body(np.array([[0.1, 2.0]], dtype=np.float32), ["a"], " ")
    'a 0.100000001 2\\n'
    """
    fmt = sep.join(["%.9g"] * matrix.shape[1])
    if keys:
        return "".join(f"{k}{sep}{fmt % tuple(row)}\n" for k, row in zip(keys, matrix.tolist(), strict=True))
    return "".join(fmt % tuple(row) + "\n" for row in matrix.tolist())
