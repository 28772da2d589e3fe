"""Reading and writing word-vector files: word2vec text and binary, GloVe text, TensorFlow-projector TSV.

Every reader takes a path (``str``/``Path``) or a binary file-like object (an upload), accepts gzip
(``.gz``) transparently, and raises :class:`~explorer.vectors.VectorsError` with a line number and
what to fix when the file is malformed. ``WordVectors.load`` and ``WordVectors.save`` delegate here.

Duplicate words are handled like gensim: the first vector wins, later ones are dropped, and the
returned set carries a notice saying so (``wv.notices``).

Example:
    >>> import io, numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["cat", "dog"], np.eye(2, dtype=np.float32))
    >>> buf = io.BytesIO()
    >>> wv.save(buf, fmt="word2vec")
    >>> buf.getvalue().decode().splitlines()[0]
    '2 2'
    >>> WordVectors.load(io.BytesIO(buf.getvalue()), fmt="word2vec").keys
    ('cat', 'dog')
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from explorer.vectors import WordVectors

FORMATS = ("word2vec", "word2vec_binary", "glove", "tsv")
_FIELD_SPLIT = re.compile(r"[ \t]+")
_COUNT_COLUMNS = ("count", "counts", "frequency", "freq")
MAX_DIMENSIONS = 10_000  # wider rows are refused before parsing (a 200,000-value row takes minutes to read)
GZIP_EXPANSION = 4  # a .gz may unpack to at most this many times the upload limit
_CHUNK = 1 << 20
_SNIFF_LINES = 5


def _error(message: str) -> Exception:
    from explorer.vectors import VectorsError

    return VectorsError(message)


# ----- input --------------------------------------------------------------------------------------
def _source_name(source: Any) -> str:
    if isinstance(source, str | Path):
        return Path(source).name
    return str(getattr(source, "name", "") or "")


def _read_bytes(source: Any, max_bytes: int | None = None) -> bytes:
    """All bytes of a path or binary file-like, gunzipped when they are gzip (at most ``max_bytes`` unpacked)."""
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    elif isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise _error(f"No file at {str(path)!r}; check the path.")
        data = path.read_bytes()
    elif hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
    else:
        raise _error(f"Cannot read vectors from a {type(source).__name__}; give a path or a binary file.")
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, _unpacked_limit() if max_bytes is None else max_bytes)
    return data


def _unpacked_limit() -> int:
    from explorer.settings import get_settings

    return GZIP_EXPANSION * get_settings().max_upload_bytes


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompress gzip ``data`` (several members allowed) chunk by chunk, refusing more than ``max_bytes``."""
    out = bytearray()
    rest = data
    try:
        while rest:
            inflater = zlib.decompressobj(wbits=31)
            chunk = inflater.decompress(rest, _CHUNK)
            while True:
                out += chunk
                if len(out) > max_bytes:
                    raise _error(
                        f"The gzip file unpacks to more than {max_bytes / 2**20:,.0f} MB, the most this app reads; "
                        "upload a smaller file, or the uncompressed file if it fits the upload limit."
                    )
                if inflater.eof or (not inflater.unconsumed_tail and len(chunk) < _CHUNK):
                    break
                chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
            if not inflater.eof:
                raise _error("The gzip file is cut short; compress it again or upload it uncompressed.")
            rest = inflater.unused_data.lstrip(b"\x00")
            if rest and rest[:2] != b"\x1f\x8b":
                break  # trailing garbage after the last member is ignored, as gzip(1) does
    except zlib.error as exc:
        raise _error(f"The gzip file is damaged ({exc}); compress it again or upload it uncompressed.") from exc
    return bytes(out)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(
            f"The file is not UTF-8 text (byte {exc.start}); if it is word2vec binary, name it *.bin "
            "or choose the binary format."
        ) from exc


def _parse_header(line: str) -> tuple[int, int] | None:
    if "\t" in line:
        return None
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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
        header = _parse_header(first.decode("utf-8"))
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
    if ("\t" in text or lower.endswith(".tsv")) and all(_is_number(f) for f in fields if f.strip()):
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


def _too_wide(what: str) -> Exception:
    return _error(
        f"{what}, more than the {MAX_DIMENSIONS:,} dimensions this app reads; reduce the vectors "
        "(for example with PCA) or upload a set with fewer dimensions."
    )


def _sniff(data: bytes, fmt: str) -> None:
    """Refuse, before parsing, text that is not word vectors at all or rows wider than ``MAX_DIMENSIONS``."""
    lines = _first_lines(data, _SNIFF_LINES + 1)
    if not lines:
        return
    header = _parse_header(lines[0][1]) if fmt != "tsv" else None
    if header is not None:
        if header[1] > MAX_DIMENSIONS:
            raise _too_wide(f"The header says {header[1]:,} dimensions")
        lines = lines[1:]
    for line_no, line in lines:
        width = len(line.split("\t")) if fmt == "tsv" else len(_FIELD_SPLIT.split(line)) - 1
        if width > MAX_DIMENSIONS:
            raise _too_wide(f"Line {line_no} has {width:,} values")
    if fmt == "tsv" or not lines or (fmt == "word2vec" and header is None):
        return  # the tsv and word2vec readers explain their own first-line problems
    values = _FIELD_SPLIT.split(lines[0][1])[1:]
    if values and sum(map(_is_number, values)) * 2 < len(values):
        raise _error(
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


def _text_rows(text: str) -> list[tuple[int, str]]:
    """(1-based line number, line) for every non-blank line."""
    return [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip()]


def _read_word_rows(rows: list[tuple[int, str]], expected_dim: int | None) -> tuple[list[str], np.ndarray]:
    keys: list[str] = []
    values: list[list[str]] = []
    widths: list[int] = []
    line_nos: list[int] = []
    for line_no, line in rows:
        parts = _FIELD_SPLIT.split(line.strip(" \t\r\n"))
        keys.append(parts[0])
        values.append(parts[1:])
        widths.append(len(parts) - 1)
        line_nos.append(line_no)
    if expected_dim is None and widths and widths[0] == 0:
        raise _error(f"Line {line_nos[0]} holds a word but no numbers; each line must be a word and its vector.")
    want = widths[0] if expected_dim is None else expected_dim
    for i, w in enumerate(widths):
        if w != want:
            if expected_dim is not None:
                raise _error(
                    f"Line {line_nos[i]} has {w} values but the header says {expected_dim} dimensions; "
                    "fix the row or the header."
                )
            raise _error(
                f"Line {line_nos[i]} has {w} values but line {line_nos[0]} has {want}; "
                "every row needs the same number of values."
            )
    try:
        matrix = np.array(values, dtype=np.float32)
    except ValueError:
        for i, row in enumerate(values):
            for value in row:
                if not _is_number(value):
                    raise _error(
                        f"Line {line_nos[i]}: {value[:40]!r} is not a number; every value after the word must be "
                        "numeric."
                    ) from None
        raise
    matrix = matrix.reshape(len(keys), want)
    if matrix.size and not np.isfinite(matrix).all():
        bad = int(np.nonzero(~np.isfinite(matrix).all(axis=1))[0][0])
        raise _error(f"Line {line_nos[bad]} holds NaN or infinite values; remove or fix that row.")
    return keys, matrix


def _fast_table(body: bytes, sep: str, with_words: bool) -> tuple[list[str], np.ndarray] | None:
    """Parse a well-formed table with pandas' C reader; None when anything is off (the slow path explains)."""
    import csv

    import pandas as pd

    try:
        df = pd.read_csv(
            io.BytesIO(body),
            sep=sep,
            header=None,
            quoting=csv.QUOTE_NONE,
            engine="c",
            dtype={0: str} if with_words else None,
            keep_default_na=False,
            na_filter=False,
            index_col=False,
            encoding="utf-8",
        )
        values = df.iloc[:, 1:] if with_words else df
        matrix = values.to_numpy(dtype=np.float32)
    except (ValueError, TypeError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    if matrix.shape[1] == 0 or not np.isfinite(matrix).all():
        return None
    keys = df.iloc[:, 0].astype(str).tolist() if with_words else []
    return keys, np.ascontiguousarray(matrix)


def _load_word2vec_text(data: bytes) -> tuple[list[str], np.ndarray]:
    text = _decode(data)
    end = data.find(b"\n")
    header = _parse_header(text[: text.find("\n")] if end >= 0 else text)
    if header is not None and header[0] > 0 and end >= 0:
        fast = _fast_table(data[end + 1 :], " ", with_words=True)
        if fast is not None and len(fast[0]) == header[0] and fast[1].shape[1] == header[1]:
            return fast
    rows = _text_rows(text)
    if not rows:
        raise _error("The file is empty; it needs a 'count dimensions' header and one line per word.")
    header = _parse_header(rows[0][1])
    if header is None:
        raise _error(
            f"Line 1 ({rows[0][1][:60]!r}) is not a word2vec header 'count dimensions'; for a file without "
            "a header choose the GloVe format."
        )
    count, dim = header
    body = rows[1:]
    if len(body) != count:
        raise _error(
            f"The header says {count:,} words but the file holds {len(body):,} vector lines; fix the header "
            "count (or the file is truncated)."
        )
    if count == 0:
        raise _error("The header says the file holds 0 words; there is nothing to load.")
    return _read_word_rows(body, dim)


def _load_glove(data: bytes) -> tuple[list[str], np.ndarray]:
    text = _decode(data)
    end = data.find(b"\n")
    if end < 0 or _parse_header(text[: text.find("\n")]) is None:
        fast = _fast_table(data, " ", with_words=True)
        if fast is not None:
            return fast
    rows = _text_rows(text)
    if not rows:
        raise _error("The file is empty; GloVe text needs one line per word: the word, then its numbers.")
    if _parse_header(rows[0][1]) is not None:
        rows = rows[1:]
        if not rows:
            raise _error("The file holds only a header line and no vectors.")
    return _read_word_rows(rows, None)


def _load_word2vec_binary(data: bytes) -> tuple[list[str], np.ndarray, list[str]]:
    if not data.strip():
        raise _error("The file is empty; word2vec binary starts with a 'count dimensions' header line.")
    end = data.find(b"\n")
    try:
        header = _parse_header(data[: end if end >= 0 else len(data)].decode("ascii"))
    except UnicodeDecodeError:
        header = None
    if header is None:
        raise _error("The first line is not a word2vec header 'count dimensions'; this is not word2vec binary.")
    count, dim = header
    if dim > MAX_DIMENSIONS:
        raise _too_wide(f"The header says {dim:,} dimensions")
    if count == 0 or dim == 0:
        raise _error(f"The header says {count} words of {dim} dimensions; there is nothing to load.")
    width = 4 * dim
    pos = end + 1
    # Each record is at least a one-byte word, a space and the vector: check before allocating.
    if (len(data) - pos) < count * (width + 2) - 1:
        fits = (len(data) - pos) // (width + 2)
        raise _error(
            f"The header says {count:,} words of {dim:,} dimensions but the file is too short for more than "
            f"about {fits:,} of them; fix the header (or the file is truncated)."
        )
    keys: list[str] = []
    matrix = np.empty((count, dim), dtype=np.float32)
    notices: list[str] = []
    for i in range(count):
        while pos < len(data) and data[pos : pos + 1] in (b"\n", b"\r"):
            pos += 1
        space = data.find(b" ", pos)
        if space < 0 or space + 1 + width > len(data):
            raise _error(
                f"The header says {count:,} words but the file ends after {i:,}; fix the header count "
                "(or the file is truncated)."
            )
        raw = data[pos:space]
        try:
            word = raw.decode("utf-8")
        except UnicodeDecodeError:
            word = raw.decode("utf-8", errors="replace")
            if not notices:
                notices.append("Some words were not valid UTF-8; unreadable bytes were replaced by '\ufffd'.")
        keys.append(word)
        matrix[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + width
    if data[pos:].strip():
        raise _error(f"The header says {count:,} words but the file holds more data after them; fix the header count.")
    if not np.isfinite(matrix).all():
        bad = int(np.nonzero(~np.isfinite(matrix).all(axis=1))[0][0])
        raise _error(f"The vector of word {bad + 1} ({keys[bad]!r}) holds NaN or infinite values.")
    return keys, matrix, notices


def _read_metadata(metadata: Any, n_rows: int) -> tuple[list[str], np.ndarray | None]:
    text = _decode(_read_bytes(metadata))
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    lines = [ln.rstrip("\r") for ln in lines]
    if not lines:
        raise _error("metadata.tsv is empty; it needs one label per vector row.")
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
    if len(words) != n_rows:
        raise _error(
            f"metadata.tsv has {len(words):,} {kind} but vectors.tsv has {n_rows:,} rows; each vector row needs "
            "exactly one label (a file with several columns needs a header row)."
        )
    return words, counts


def _slow_tsv(data: bytes) -> np.ndarray:
    rows = [(i + 1, ln) for i, ln in enumerate(_decode(data).split("\n")) if ln.strip()]
    if not rows:
        raise _error("vectors.tsv is empty; it needs one tab-separated row of numbers per word.")
    values = [ln.strip("\r\n").split("\t") for _, ln in rows]
    _check_widths_lines([len(v) for v in values], [n for n, _ in rows])
    try:
        matrix = np.array(values, dtype=np.float32)
    except ValueError:
        for (line_no, _), row in zip(rows, values, strict=True):
            for value in row:
                if not _is_number(value):
                    raise _error(
                        f"Line {line_no}: {value[:40]!r} is not a number; vectors.tsv holds only numbers "
                        "(the words go in metadata.tsv)."
                    ) from None
        raise
    if not np.isfinite(matrix).all():
        bad = int(np.nonzero(~np.isfinite(matrix).all(axis=1))[0][0])
        raise _error(f"Line {rows[bad][0]} holds NaN or infinite values; remove or fix that row.")
    return matrix


def _load_tsv(data: bytes, metadata: Any, source: Any) -> tuple[list[str], np.ndarray, Any, list[str]]:
    fast = _fast_table(data, "\t", with_words=False)
    matrix = fast[1] if fast is not None else _slow_tsv(data)
    n_rows = matrix.shape[0]
    if metadata is None and isinstance(source, str | Path):
        metadata = _sibling_metadata(Path(source))
    notices: list[str] = []
    counts = None
    if metadata is None:
        keys = [str(i) for i in range(n_rows)]
        notices.append("No metadata.tsv was given, so the words are row numbers; add metadata.tsv to see words.")
    else:
        keys, counts = _read_metadata(metadata, n_rows)
    return keys, matrix, counts, notices


def _metadata_name(path: Path) -> str:
    stem = path.name.removesuffix(".gz").removesuffix(".tsv")
    return "metadata.tsv" if stem == "vectors" else f"{stem}.metadata.tsv"


def _sibling_metadata(path: Path) -> Path | None:
    for candidate in (path.with_name(_metadata_name(path)), path.with_name("metadata.tsv")):
        if candidate.is_file():
            return candidate
    return None


def _check_widths_lines(widths: list[int], line_nos: list[int]) -> None:
    for i, w in enumerate(widths):
        if w != widths[0]:
            raise _error(
                f"Line {line_nos[i]} has {w} values but line {line_nos[0]} has {widths[0]}; "
                "every row needs the same number of values."
            )


def load_vectors(
    source: str | Path | IO[bytes] | bytes,
    metadata: str | Path | IO[bytes] | bytes | None = None,
    name: str | None = None,
    fmt: str | None = None,
    max_bytes: int | None = None,
) -> WordVectors:
    """Read a vector file (see ``WordVectors.load``).

    A gzip file may unpack to at most ``max_bytes`` (default: ``GZIP_EXPANSION`` times the upload
    limit of ``explorer.settings``); rows wider than ``MAX_DIMENSIONS`` are refused.

    >>> load_vectors(b"cat 1 0\\ndog 0 1\\n").keys
    ('cat', 'dog')
    """
    from explorer.vectors import WordVectors

    if fmt is not None and fmt not in FORMATS:
        raise _error(f"Unknown vector format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    src_name = _source_name(source)
    data = _read_bytes(source, max_bytes)
    if not data.strip():
        raise _error(f"{src_name or 'The file'} is empty; it needs one vector per word.")
    fmt = fmt or detect_format(data, src_name)
    if fmt != "word2vec_binary":
        _sniff(data, fmt)
    counts = None
    notices: list[str] = []
    if fmt == "word2vec":
        keys, matrix = _load_word2vec_text(data)
    elif fmt == "glove":
        keys, matrix = _load_glove(data)
    elif fmt == "word2vec_binary":
        keys, matrix, notices = _load_word2vec_binary(data)
    else:
        keys, matrix, counts, notices = _load_tsv(data, metadata, source)
    if matrix.shape[1] == 0:
        raise _error("The vectors have 0 dimensions; each word needs at least one number.")
    keys, matrix, counts, dupes = _dedupe(list(keys), matrix, counts)
    label = name or src_name.removesuffix(".gz") or "vectors"
    return WordVectors(keys, matrix, counts=counts, name=label, notices=tuple(notices + dupes))


# ----- output -------------------------------------------------------------------------------------
def _check_keys(wv: WordVectors, fmt: str) -> None:
    for k in wv.keys:
        if not k or any(ch.isspace() for ch in k):
            raise _error(
                f"The word {k!r} is empty or contains whitespace, which the {fmt} format cannot store; "
                "save as 'tsv' (vectors.tsv + metadata.tsv) instead."
            )


def _text_body(matrix: np.ndarray, keys: Sequence[str], sep: str) -> str:
    # 9 significant digits round-trip any float32 exactly.
    fmt = sep.join(["%.9g"] * matrix.shape[1])
    if keys:
        return "".join(f"{k}{sep}{fmt % tuple(row)}\n" for k, row in zip(keys, matrix.tolist(), strict=True))
    return "".join(fmt % tuple(row) + "\n" for row in matrix.tolist())


def _label(word: str) -> str:
    return word.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def to_projector_tsv(wv: WordVectors) -> tuple[str, str]:
    """(vectors.tsv text, metadata.tsv text) for projector.tensorflow.org (see ``WordVectors.to_projector_tsv``)."""
    vectors = _text_body(np.asarray(wv.vectors), [], "\t")
    if wv.counts is not None:
        meta = "word\tcount\n" + "".join(
            f"{_label(k)}\t{int(c)}\n" for k, c in zip(wv.keys, wv.counts.tolist(), strict=True)
        )
    else:
        meta = "".join(f"{_label(k)}\n" for k in wv.keys)
    return vectors, meta


def to_bytes(wv: WordVectors, fmt: str = "word2vec") -> bytes:
    """The file content of ``wv`` in ``fmt`` ("word2vec", "word2vec_binary", "glove"; "tsv" gives vectors.tsv)."""
    matrix = np.asarray(wv.vectors, dtype=np.float32)
    n, dim = matrix.shape
    if fmt == "word2vec":
        _check_keys(wv, fmt)
        return (f"{n} {dim}\n" + _text_body(matrix, wv.keys, " ")).encode("utf-8")
    if fmt == "glove":
        _check_keys(wv, fmt)
        return _text_body(matrix, wv.keys, " ").encode("utf-8")
    if fmt == "word2vec_binary":
        _check_keys(wv, fmt)
        out = io.BytesIO()
        out.write(f"{n} {dim}\n".encode())
        little = matrix.astype("<f4", copy=False)
        for k, row in zip(wv.keys, little, strict=True):
            out.write(k.encode("utf-8") + b" " + row.tobytes() + b"\n")
        return out.getvalue()
    if fmt == "tsv":
        return to_projector_tsv(wv)[0].encode("utf-8")
    raise _error(f"Unknown vector format {fmt!r}; choose one of {', '.join(FORMATS)}.")


def save_vectors(wv: WordVectors, target: str | Path | IO[bytes], fmt: str = "word2vec") -> None:
    """Write ``wv`` to a path or binary file-like (see ``WordVectors.save``)."""
    data = to_bytes(wv, fmt)
    if isinstance(target, str | Path):
        path = Path(target)
        if path.suffix == ".gz":
            data = gzip.compress(data)
        path.write_bytes(data)
        if fmt == "tsv":
            path.with_name(_metadata_name(path)).write_bytes(to_projector_tsv(wv)[1].encode("utf-8"))
        return
    if not hasattr(target, "write"):
        raise _error(f"Cannot write vectors to a {type(target).__name__}; give a path or a binary file.")
    target.write(data)
