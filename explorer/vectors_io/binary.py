"""word2vec binary: a "count dim" text header, then per word its UTF-8 bytes, a space and dim little-endian float32.

Example:
    >>> import numpy as np
    >>> from explorer.vectors_io.binary import load_word2vec_binary, word2vec_binary_bytes
    >>> data = word2vec_binary_bytes(["cat", "dog"], np.eye(2, dtype=np.float32))
    >>> data[:4], load_word2vec_binary(data)[0]
    (b'2 2\\n', ['cat', 'dog'])
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from explorer.errors import VectorsError
from explorer.vectors_io.parsing import MAX_DIMENSIONS, parse_header, too_wide
from explorer.vectors_io.rows import KeptWords
from explorer.workbudget import WorkBudget


def load_word2vec_binary(
    data: bytes, *, max_rows: int | None = None, budget: WorkBudget | None = None
) -> tuple[list[str], np.ndarray, list[str]]:
    """(words, (n, dim) float32 matrix, notices) of word2vec binary; every size is checked before it is trusted.

    Repeated words keep their first vector; ``max_rows`` keeps at most that many words and
    ``budget`` stops a long read (each with a notice).

    >>> load_word2vec_binary(b"1 2\\ncat " + np.array([1, 2], dtype="<f4").tobytes() + b"\\n")[1].tolist()
    [[1.0, 2.0]]
    """
    if not data.strip():
        raise VectorsError("The file is empty; word2vec binary starts with a 'count dimensions' header line.")
    end = data.find(b"\n")
    try:
        header = parse_header(data[: end if end >= 0 else len(data)].decode("ascii"))
    except UnicodeDecodeError:
        header = None
    if header is None:
        raise VectorsError("The first line is not a word2vec header 'count dimensions'; this is not word2vec binary.")
    count, dim = header
    if dim > MAX_DIMENSIONS:
        raise too_wide(f"The header says {dim:,} dimensions")
    if count == 0 or dim == 0:
        raise VectorsError(f"The header says {count} words of {dim} dimensions; there is nothing to load.")
    width = 4 * dim
    pos = end + 1
    # Each record is at least a one-byte word, a space and the vector: check before allocating.
    if (len(data) - pos) < count * (width + 2) - 1:
        fits = (len(data) - pos) // (width + 2)
        raise VectorsError(
            f"The header says {count:,} words of {dim:,} dimensions but the file is too short for more than "
            f"about {fits:,} of them; fix the header (or the file is truncated)."
        )
    keep = count if max_rows is None else min(count, max_rows)
    words = KeptWords()
    matrix = np.empty((keep, dim), dtype=np.float32)
    notices: list[str] = []
    stop: str | None = None
    for i in range(count):
        if i % 4096 == 0 and budget is not None and budget.spent():
            stop = (
                f"The file was not read to the end: {budget.reason()} at word {i + 1:,}; the words before it are kept."
            )
            break
        while pos < len(data) and data[pos : pos + 1] in (b"\n", b"\r"):
            pos += 1
        space = data.find(b" ", pos)
        if space < 0 or space + 1 + width > len(data):
            raise VectorsError(
                f"The header says {count:,} words but the file ends after {i:,}; fix the header count "
                "(or the file is truncated)."
            )
        raw = data[pos:space]
        row = space + 1
        pos = row + width
        try:
            word = raw.decode("utf-8")
        except UnicodeDecodeError:
            word = raw.decode("utf-8", errors="replace")
            if not any("UTF-8" in n for n in notices):
                notices.append("Some words were not valid UTF-8; unreadable bytes were replaced by '\ufffd'.")
        if not words.wanted(word):
            continue
        if len(words.keys) >= keep:
            stop = (
                f"Only the first {keep:,} words were read: the limit is {keep:,} words per upload here. "
                "Vector files list the most frequent words first, so these "
                "are the most frequent ones."
            )
            break
        matrix[len(words.keys)] = np.frombuffer(data, dtype="<f4", count=dim, offset=row)
        words.add(word)
    if stop is None and data[pos:].strip():
        raise VectorsError(
            f"The header says {count:,} words but the file holds more data after them; fix the header count."
        )
    keys = words.keys
    matrix = matrix[: len(keys)]
    finite = np.isfinite(matrix).all(axis=1)
    if not finite.all():
        bad = int(np.nonzero(~finite)[0][0])
        raise VectorsError(f"The vector of word {bad + 1} ({keys[bad]!r}) holds NaN or infinite values.")
    notices.extend(words.notices())
    if stop is not None:
        notices.append(stop)
    return keys, matrix, notices


def word2vec_binary_bytes(keys: Sequence[str], matrix: np.ndarray) -> bytes:
    """The word2vec binary file of ``keys`` and their (n, dim) vectors.

    >>> word2vec_binary_bytes(["a"], np.zeros((1, 1), dtype=np.float32))
    b'1 1\\na \\x00\\x00\\x00\\x00\\n'
    """
    n, dim = matrix.shape
    out = io.BytesIO()
    out.write(f"{n} {dim}\n".encode())
    little = np.asarray(matrix, dtype=np.float32).astype("<f4", copy=False)
    for k, row in zip(keys, little, strict=True):
        out.write(k.encode("utf-8") + b" " + row.tobytes() + b"\n")
    return out.getvalue()
