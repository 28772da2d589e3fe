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

import codecs
import gzip
import re
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, Any

import numpy as np

from explorer.errors import VectorsError
from explorer.sources import (
    GZIP_EXPANSION,
    GZIP_MAGIC,
    check_size,
    looks_like_utf16,
    read_bytes,
    source_name,
    source_size,
)
from explorer.vectors import WordVectors
from explorer.vectors_io.binary import load_word2vec_binary, word2vec_binary_bytes
from explorer.vectors_io.fasttext import is_fasttext, load_fasttext
from explorer.vectors_io.parsing import FIELD_SPLIT, MAX_DIMENSIONS, is_number, parse_header, too_wide
from explorer.vectors_io.projector import load_tsv, metadata_name, projector_tsv
from explorer.vectors_io.rows import PARSE_OVERHEAD_BYTES, duplicates_notice, parse_cost_bytes
from explorer.vectors_io.text import load_glove, load_word2vec_text, text_body
from explorer.workbudget import WorkBudget

FORMATS = ("word2vec", "word2vec_binary", "glove", "tsv")
_SNIFF_LINES = 5
_NON_BLANK = re.compile(rb"[^ \t\r\n]")


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
        head = data[: 1 << 16]
        if b"\x00" in head:
            return "word2vec_binary"
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == len(data))
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
        if len(line) > 40 * MAX_DIMENSIONS:  # too long to split into strings: count the separators instead
            about = line.count("\t") + (0 if fmt == "tsv" else line.count(" "))
            if about > MAX_DIMENSIONS:
                raise too_wide(f"Line {line_no} has about {about:,} values")
            continue  # a very long word: the parser drops it
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
    return (
        [keys[i] for i in keep],
        matrix[idx],
        None if counts is None else counts[idx],
        [duplicates_notice(len(dupes), dupes)],
    )


Admit = Callable[[int, str], AbstractContextManager[Any]]  # (bytes it may add, what) -> held while it runs


def _admitted(admit: Admit | None, cost_bytes: int, what: str) -> AbstractContextManager[Any]:
    return nullcontext() if admit is None else admit(int(cost_bytes), what)


def read_cost_bytes(source: Any, max_bytes: int | None) -> int:
    """What reading ``source`` into memory may add, in bytes: its size twice (the pieces and their join),
    or, for gzip, its size and what it may unpack to (``GZIP_EXPANSION`` times ``max_bytes``).

    >>> read_cost_bytes(b"cat 1 0\\n", 100)
    16
    """
    size = source_size(source) or 0
    if not _starts_with_gzip(source):
        return 2 * size
    bound = GZIP_EXPANSION * max_bytes if max_bytes is not None else 64 * size
    return size + 2 * bound


def _starts_with_gzip(source: Any) -> bool:
    if isinstance(source, bytes | bytearray):
        return bytes(source[:2]) == GZIP_MAGIC
    if isinstance(source, str | Path):
        try:
            with open(source, "rb") as fh:
                return fh.read(2) == GZIP_MAGIC
        except OSError:
            return False
    try:
        pos = source.tell()
        head = source.read(2)
        source.seek(pos)
    except (AttributeError, OSError, ValueError):
        return False
    return head == GZIP_MAGIC


def parse_cost(data: bytes, fmt: str, max_rows: int | None) -> int:
    """What parsing the (unpacked) ``data`` as ``fmt`` may add, in bytes, from its header's rows x dims
    or its line count and first row's width; ``max_rows`` caps the rows.

    >>> parse_cost(b"2 3\\ncat 1 2 3\\ndog 4 5 6\\n", "word2vec", None) == parse_cost_bytes(2, 3)
    True
    """
    cap = max_rows if max_rows is not None else 2**62
    if is_fasttext(data):
        return 2 * len(data) + PARSE_OVERHEAD_BYTES
    lines = _first_lines(data, 2)
    header = parse_header(lines[0][1]) if lines and fmt != "tsv" else None
    if fmt == "word2vec_binary":
        if header is None:
            return PARSE_OVERHEAD_BYTES
        count, dim = header
        rows = min(count, cap, len(data) // (4 * max(dim, 1) + 2))
        return parse_cost_bytes(rows, dim)
    line_count = data.count(b"\n") + 1
    if header is not None:
        rows, dim = min(header[0], line_count, cap), header[1]
    else:
        first = lines[0][1] if lines else ""
        dim = first.count("\t") + 1 if fmt == "tsv" else max(1, len(FIELD_SPLIT.split(first)) - 1)
        rows = min(line_count, cap)
    rows = min(rows, len(data) // (2 * min(dim, MAX_DIMENSIONS) + 1) + 1)  # a value takes at least two bytes
    return parse_cost_bytes(rows, min(dim, MAX_DIMENSIONS))


def load_vectors(
    source: str | Path | IO[bytes] | bytes,
    metadata: str | Path | IO[bytes] | bytes | None = None,
    name: str | None = None,
    fmt: str | None = None,
    max_bytes: int | None = None,
    *,
    max_rows: int | None = None,
    budget: WorkBudget | None = None,
    admit: Admit | None = None,
) -> WordVectors:
    """Read word2vec text/binary, GloVe text, TensorFlow-projector vectors.tsv (+ metadata.tsv) or a fastText .bin.

    ``source`` is a path, bytes or a binary file-like (an upload); gzip is unpacked. ``fmt``
    ("word2vec", "word2vec_binary", "glove", "tsv") is detected from the name and content when
    None; a fastText model is recognised by its magic number whatever ``fmt`` says. ``metadata``
    labels vectors.tsv rows: one word per line, or a header row and columns (the first is the
    word; a "count" column becomes ``counts``). ``max_bytes`` is the upload limit: a larger file
    is refused and a gzip file may unpack to ``GZIP_EXPANSION`` times it (None: no limit). Rows
    wider than ``MAX_DIMENSIONS`` are refused before parsing. Malformed files raise VectorsError
    naming the line. Duplicate words keep their first vector, as in gensim, and the set's
    ``notices`` say so; a file that is mostly repeats is read no further.

    Bounds for untrusted uploads: ``max_rows`` keeps at most that many words (the first ones,
    with a notice); ``budget`` stops a read that takes too long or whose visitor left; ``admit``
    (e.g. the server's admission gate) is asked before the file is unpacked and again before it is
    parsed, with what each step may add to memory, and holds the step while it runs.

    >>> load_vectors(b"cat 1 0\\ndog 0 1\\n").keys
    ('cat', 'dog')
    """
    if fmt is not None and fmt not in FORMATS:
        raise VectorsError(f"Unknown vector format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    src_name = source_name(source)
    label = name or src_name.removesuffix(".gz") or "vectors"
    check_size(src_name or "The file", source_size(source), max_bytes, VectorsError)
    with _admitted(admit, read_cost_bytes(source, max_bytes), f"unpacking {label}"):
        data = read_bytes(source, max_bytes, VectorsError)
    if _NON_BLANK.search(data) is None:
        raise VectorsError(f"{src_name or 'The file'} is empty; it needs one vector per word.")
    if looks_like_utf16(data[:4096]):
        raise VectorsError(
            f"{src_name or 'The file'} looks like UTF-16 text (every other byte is zero): the encoding is the likely "
            "cause. Save it as UTF-8 and upload it again."
        )
    fasttext = is_fasttext(data)
    fmt = fmt or ("word2vec_binary" if fasttext else detect_format(data, src_name))
    if fmt != "word2vec_binary" and not fasttext:
        _sniff(data, fmt)
    counts = None
    bounds: dict[str, Any] = {"max_rows": max_rows, "budget": budget}
    with _admitted(admit, parse_cost(data, fmt, max_rows), f"reading {label}"):
        if fasttext:
            keys, matrix, notices = load_fasttext(data, **bounds)
        elif fmt == "word2vec":
            keys, matrix, notices = load_word2vec_text(data, **bounds)
        elif fmt == "glove":
            keys, matrix, notices = load_glove(data, **bounds)
        elif fmt == "word2vec_binary":
            keys, matrix, notices = load_word2vec_binary(data, **bounds)
        else:
            keys, matrix, counts, notices = load_tsv(data, metadata, source, max_bytes, **bounds)
            keys, matrix, counts, dupes = _dedupe(list(keys), matrix, counts)
            notices = notices + dupes
        del data
        if matrix.shape[1] == 0:
            raise VectorsError("The vectors have 0 dimensions; each word needs at least one number.")
        if matrix.shape[0] == 0:
            raise VectorsError(f"{src_name or 'The file'} holds no vectors to load; it needs one vector per word.")
        return WordVectors(keys, matrix, counts=counts, name=label, notices=tuple(notices))


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
