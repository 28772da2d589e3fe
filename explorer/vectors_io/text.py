"""word2vec text and GloVe text: one word and its numbers per line (word2vec adds a "count dim" header).

Example:
    >>> from explorer.vectors_io.text import load_glove, text_body
    >>> keys, matrix = load_glove(b"cat 1 0\\ndog 0 1\\n")
    >>> keys, matrix.shape
    (['cat', 'dog'], (2, 2))
    >>> text_body(matrix, keys, " ")
    'cat 1 0\\ndog 0 1\\n'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from explorer.errors import VectorsError
from explorer.vectors_io.parsing import FIELD_SPLIT, decode, fast_table, is_number, parse_header


def _text_rows(text: str) -> list[tuple[int, str]]:
    """(1-based line number, line) for every non-blank line."""
    return [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip()]


def _read_word_rows(rows: list[tuple[int, str]], expected_dim: int | None) -> tuple[list[str], np.ndarray]:
    keys: list[str] = []
    values: list[list[str]] = []
    widths: list[int] = []
    line_nos: list[int] = []
    for line_no, line in rows:
        parts = FIELD_SPLIT.split(line.strip(" \t\r\n"))
        keys.append(parts[0])
        values.append(parts[1:])
        widths.append(len(parts) - 1)
        line_nos.append(line_no)
    if expected_dim is None and widths and widths[0] == 0:
        raise VectorsError(f"Line {line_nos[0]} holds a word but no numbers; each line must be a word and its vector.")
    want = widths[0] if expected_dim is None else expected_dim
    for i, w in enumerate(widths):
        if w != want:
            if expected_dim is not None:
                raise VectorsError(
                    f"Line {line_nos[i]} has {w} values but the header says {expected_dim} dimensions; "
                    "fix the row or the header."
                )
            raise VectorsError(
                f"Line {line_nos[i]} has {w} values but line {line_nos[0]} has {want}; "
                "every row needs the same number of values."
            )
    try:
        matrix = np.array(values, dtype=np.float32)
    except ValueError:
        for i, row in enumerate(values):
            for value in row:
                if not is_number(value):
                    raise VectorsError(
                        f"Line {line_nos[i]}: {value[:40]!r} is not a number; every value after the word must be "
                        "numeric."
                    ) from None
        raise
    matrix = matrix.reshape(len(keys), want)
    if matrix.size and not np.isfinite(matrix).all():
        bad = int(np.nonzero(~np.isfinite(matrix).all(axis=1))[0][0])
        raise VectorsError(f"Line {line_nos[bad]} holds NaN or infinite values; remove or fix that row.")
    return keys, matrix


def load_word2vec_text(data: bytes) -> tuple[list[str], np.ndarray]:
    """(words, (n, dim) float32 matrix) of word2vec text: a "count dim" header, then one word per line.

    >>> load_word2vec_text(b"1 2\\ncat 1 0\\n")[0]
    ['cat']
    """
    text = decode(data)
    end = data.find(b"\n")
    header = parse_header(text[: text.find("\n")] if end >= 0 else text)
    if header is not None and header[0] > 0 and end >= 0:
        fast = fast_table(data[end + 1 :], " ", with_words=True)
        if fast is not None and len(fast[0]) == header[0] and fast[1].shape[1] == header[1]:
            return fast
    rows = _text_rows(text)
    if not rows:
        raise VectorsError("The file is empty; it needs a 'count dimensions' header and one line per word.")
    header = parse_header(rows[0][1])
    if header is None:
        raise VectorsError(
            f"Line 1 ({rows[0][1][:60]!r}) is not a word2vec header 'count dimensions'; for a file without "
            "a header choose the GloVe format."
        )
    count, dim = header
    body = rows[1:]
    if len(body) != count:
        raise VectorsError(
            f"The header says {count:,} words but the file holds {len(body):,} vector lines; fix the header "
            "count (or the file is truncated)."
        )
    if count == 0:
        raise VectorsError("The header says the file holds 0 words; there is nothing to load.")
    return _read_word_rows(body, dim)


def load_glove(data: bytes) -> tuple[list[str], np.ndarray]:
    """(words, (n, dim) float32 matrix) of GloVe text: one word and its numbers per line (a header is skipped).

    >>> load_glove(b"cat 0.5 1\\n")[1].tolist()
    [[0.5, 1.0]]
    """
    text = decode(data)
    end = data.find(b"\n")
    if end < 0 or parse_header(text[: text.find("\n")]) is None:
        fast = fast_table(data, " ", with_words=True)
        if fast is not None:
            return fast
    rows = _text_rows(text)
    if not rows:
        raise VectorsError("The file is empty; GloVe text needs one line per word: the word, then its numbers.")
    if parse_header(rows[0][1]) is not None:
        rows = rows[1:]
        if not rows:
            raise VectorsError("The file holds only a header line and no vectors.")
    return _read_word_rows(rows, None)


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
