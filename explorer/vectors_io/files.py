"""Reading and writing vector files as a whole: format detection, guards, duplicates, paths and uploads.

Example:
    >>> import io, numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.vectors_io.files import load_vectors, save_vectors
    >>> buf = io.BytesIO()
    >>> save_vectors(WordVectors(["cat", "dog"], np.eye(2)), buf, fmt="word2vec")
    >>> buf.getvalue().decode().splitlines()[0]
    '2 2'
    >>> load_vectors(buf.getvalue(), fmt="word2vec").keys
    ('cat', 'dog')
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO, Any

import numpy as np

from explorer.errors import VectorsError
from explorer.sources import read_bytes, source_name
from explorer.vectors import WordVectors
from explorer.vectors_io.binary import load_word2vec_binary, word2vec_binary_bytes
from explorer.vectors_io.parsing import FIELD_SPLIT, MAX_DIMENSIONS, is_number, parse_header, too_wide
from explorer.vectors_io.projector import load_tsv, metadata_name, projector_tsv
from explorer.vectors_io.text import load_glove, load_word2vec_text, text_body

FORMATS = ("word2vec", "word2vec_binary", "glove", "tsv")
_SNIFF_LINES = 5


def detect_format(data: bytes, name: str = "") -> str:
    """Guess the format of (gunzipped) file bytes: "word2vec", "word2vec_binary", "glove" or "tsv".

    >>> detect_format(b"2 3\\ncat 1 2 3\\ndog 4 5 6\\n")
    'word2vec'
    >>> detect_format(b"0.1\\t0.2\\n0.3\\t0.4\\n")
    'tsv'
    """
    lower = name.lower().removesuffix(".gz")
    first_end = data.find(b"\n")
    first = data[: first_end if first_end >= 0 else len(data)]
    try:
        header = parse_header(first.decode("utf-8"))
    except UnicodeDecodeError:
        header = None
    if header is not None:
        if lower.endswith(".bin"):
            return "word2vec_binary"
        if b"\x00" in data:
            return "word2vec_binary"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return "word2vec_binary"
        return "word2vec"
    if lower.endswith(".bin"):
        return "word2vec_binary"
    text = first.decode("utf-8", errors="replace").strip("\r\n")
    fields = text.split("\t")
    if ("\t" in text or lower.endswith(".tsv")) and all(is_number(f) for f in fields if f.strip()):
        return "tsv"
    return "glove"


def _first_lines(data: bytes, n: int) -> list[tuple[int, str]]:
    """(1-based line number, text) of the first ``n`` non-blank lines, without splitting the whole file."""
    out: list[tuple[int, str]] = []
    pos, line_no = 0, 0
    while pos < len(data) and len(out) < n:
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        line_no += 1
        line = data[pos:end].decode("utf-8", errors="replace").strip(" \t\r")
        if line:
            out.append((line_no, line))
        pos = end + 1
    return out


def _sniff(data: bytes, fmt: str) -> None:
    """Refuse, before parsing, text that is not word vectors at all or rows wider than ``MAX_DIMENSIONS``."""
    lines = _first_lines(data, _SNIFF_LINES + 1)
    if not lines:
        return
    header = parse_header(lines[0][1]) if fmt != "tsv" else None
    if header is not None:
        if header[1] > MAX_DIMENSIONS:
            raise too_wide(f"The header says {header[1]:,} dimensions")
        lines = lines[1:]
    for line_no, line in lines:
        width = len(line.split("\t")) if fmt == "tsv" else len(FIELD_SPLIT.split(line)) - 1
        if width > MAX_DIMENSIONS:
            raise too_wide(f"Line {line_no} has {width:,} values")
    if fmt == "tsv" or not lines or (fmt == "word2vec" and header is None):
        return  # the tsv and word2vec readers explain their own first-line problems
    values = FIELD_SPLIT.split(lines[0][1])[1:]
    if values and sum(map(is_number, values)) * 2 < len(values):
        raise VectorsError(
            "This does not look like a word-vector file (expected 'word v1 v2 …' per line, optionally a "
            f"'count dim' header); got: {lines[0][1][:60]!r}"
        )


def _dedupe(keys: list[str], matrix: np.ndarray, counts: np.ndarray | None) -> tuple[list, np.ndarray, Any, list]:
    seen: dict[str, int] = {}
    keep: list[int] = []
    dupes: list[str] = []
    for i, k in enumerate(keys):
        if k in seen:
            dupes.append(k)
        else:
            seen[k] = i
            keep.append(i)
    if not dupes:
        return keys, matrix, counts, []
    idx = np.asarray(keep, dtype=np.int64)
    shown = ", ".join(repr(d) for d in dupes[:5]) + (" …" if len(dupes) > 5 else "")
    notice = f"{len(dupes)} duplicate word(s) ({shown}): the first vector of each was kept, later ones dropped."
    return [keys[i] for i in keep], matrix[idx], None if counts is None else counts[idx], [notice]


def load_vectors(
    source: str | Path | IO[bytes] | bytes,
    metadata: str | Path | IO[bytes] | bytes | None = None,
    name: str | None = None,
    fmt: str | None = None,
    max_bytes: int | None = None,
) -> WordVectors:
    """Read word2vec text/binary, GloVe text or TensorFlow-projector vectors.tsv (+ metadata.tsv).

    ``source`` is a path, bytes or a binary file-like (an upload); gzip is unpacked. ``fmt``
    ("word2vec", "word2vec_binary", "glove", "tsv") is detected from the name and content when
    None. ``metadata`` labels vectors.tsv rows: one word per line, or a header row and columns
    (the first is the word; a "count" column becomes ``counts``). ``max_bytes`` is the upload
    limit: a larger file is refused and a gzip file may unpack to ``GZIP_EXPANSION`` times it
    (None: no limit). Rows wider than ``MAX_DIMENSIONS`` are refused before parsing. Malformed
    files raise VectorsError naming the line. Duplicate words keep their first vector, as in
    gensim, and the set's ``notices`` say so.

    >>> load_vectors(b"cat 1 0\\ndog 0 1\\n").keys
    ('cat', 'dog')
    """
    if fmt is not None and fmt not in FORMATS:
        raise VectorsError(f"Unknown vector format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    src_name = source_name(source)
    data = read_bytes(source, max_bytes, VectorsError)
    if not data.strip():
        raise VectorsError(f"{src_name or 'The file'} is empty; it needs one vector per word.")
    fmt = fmt or detect_format(data, src_name)
    if fmt != "word2vec_binary":
        _sniff(data, fmt)
    counts = None
    notices: list[str] = []
    if fmt == "word2vec":
        keys, matrix = load_word2vec_text(data)
    elif fmt == "glove":
        keys, matrix = load_glove(data)
    elif fmt == "word2vec_binary":
        keys, matrix, notices = load_word2vec_binary(data)
    else:
        keys, matrix, counts, notices = load_tsv(data, metadata, source, max_bytes)
    if matrix.shape[1] == 0:
        raise VectorsError("The vectors have 0 dimensions; each word needs at least one number.")
    keys, matrix, counts, dupes = _dedupe(list(keys), matrix, counts)
    label = name or src_name.removesuffix(".gz") or "vectors"
    return WordVectors(keys, matrix, counts=counts, name=label, notices=tuple(notices + dupes))


# ----- output -------------------------------------------------------------------------------------
def _check_keys(wv: WordVectors, fmt: str) -> None:
    for k in wv.keys:
        if not k or any(ch.isspace() for ch in k):
            raise VectorsError(
                f"The word {k!r} is empty or contains whitespace, which the {fmt} format cannot store; "
                "save as 'tsv' (vectors.tsv + metadata.tsv) instead."
            )


def to_projector_tsv(wv: WordVectors) -> tuple[str, str]:
    """(vectors.tsv, metadata.tsv) texts for projector.tensorflow.org.

    metadata.tsv is one word per line, or "word\\tcount" rows under a header when counts are known.

    >>> to_projector_tsv(WordVectors(["a", "b"], np.eye(2)))
    ('1\\t0\\n0\\t1\\n', 'a\\nb\\n')
    """
    return projector_tsv(wv.keys, wv.vectors, wv.counts)


def to_bytes(wv: WordVectors, fmt: str = "word2vec") -> bytes:
    """The file content of ``wv`` in ``fmt`` ("word2vec", "word2vec_binary", "glove"; "tsv" gives vectors.tsv).

    >>> to_bytes(WordVectors(["a"], np.ones((1, 2))), "glove")
    b'a 1 1\\n'
    """
    matrix = np.asarray(wv.vectors, dtype=np.float32)
    n, dim = matrix.shape
    if fmt == "word2vec":
        _check_keys(wv, fmt)
        return (f"{n} {dim}\n" + text_body(matrix, wv.keys, " ")).encode("utf-8")
    if fmt == "glove":
        _check_keys(wv, fmt)
        return text_body(matrix, wv.keys, " ").encode("utf-8")
    if fmt == "word2vec_binary":
        _check_keys(wv, fmt)
        return word2vec_binary_bytes(wv.keys, matrix)
    if fmt == "tsv":
        return to_projector_tsv(wv)[0].encode("utf-8")
    raise VectorsError(f"Unknown vector format {fmt!r}; choose one of {', '.join(FORMATS)}.")


def save_vectors(wv: WordVectors, target: str | Path | IO[bytes], fmt: str = "word2vec") -> None:
    """Write ``wv`` as "word2vec" (text), "word2vec_binary", "glove" or "tsv" to a path or binary file-like.

    Saving "tsv" to a path also writes metadata.tsv beside it; a path ending in .gz is gzipped.
    Values keep full float32 precision, so ``load_vectors`` gives the same matrix back.

    >>> import io
    >>> buf = io.BytesIO()
    >>> save_vectors(WordVectors(["a"], np.ones((1, 2))), buf, fmt="glove")
    >>> buf.getvalue()
    b'a 1 1\\n'
    """
    data = to_bytes(wv, fmt)
    if isinstance(target, str | Path):
        path = Path(target)
        if path.suffix == ".gz":
            data = gzip.compress(data)
        path.write_bytes(data)
        if fmt == "tsv":
            path.with_name(metadata_name(path)).write_bytes(to_projector_tsv(wv)[1].encode("utf-8"))
        return
    if not hasattr(target, "write"):
        raise VectorsError(f"Cannot write vectors to a {type(target).__name__}; give a path or a binary file.")
    target.write(data)
