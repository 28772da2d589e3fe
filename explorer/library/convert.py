"""Converting a library file into the cache's files, a block at a time: text, word2vec binary, ``.npy``, Parquet.

Each converter reads a file of the library folder through ``explorer.safefiles`` and hands its
rows to a :class:`Sink`, which keeps the words (first vector of a repeated word, long words
dropped, as uploads) and writes each block of rows, and the same rows at unit length, straight to
the cache's files: the peak memory of a conversion is the words and one block. Word2vec text and
GloVe go through ``vectors_io.rows.parse_rows`` (the upload parser, so the messages are the
same), word2vec binary through :func:`convert_binary_blocks`, both plain or gzipped; TSV and
fastText models are read whole by ``vectors_io.load_vectors``.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from explorer.errors import UnsafeFileError, VectorsError
from explorer.linalg import unit_rows
from explorer.safefiles import open_capped, read_bytes_capped, read_text_capped, safe_path
from explorer.vectors_io import MAX_DIMENSIONS, load_vectors
from explorer.vectors_io.files import detect_format
from explorer.vectors_io.parsing import parse_header
from explorer.vectors_io.projector import metadata_name
from explorer.vectors_io.rows import MAX_WORD_CHARS, duplicates_notice, long_words_notice, parse_rows

_DUPES_RE = re.compile(r"([\d,]+) duplicate word")
_LONG_RE = re.compile(r"(?:([\d,]+) rows were|1 row was) dropped: their word is longer")
BLOCK_BYTES = 8 * 2**20  # bytes read per block during a conversion
BLOCK_ROWS = 65_536  # .npy and Parquet rows converted per block
MAX_FILE_BYTES = 1 << 40  # no cap on a library file in practice: the operator chose it
VOCAB_SUFFIX = ".vocab.txt"
FASTTEXT_MAGIC = b"\xba\x16O/"  # 793712314, little-endian: the first bytes of a fastText model
WORD_COLUMNS = ("word", "words", "token", "text", "key", "label")
VECTOR_COLUMNS = ("vector", "vectors", "embedding", "embeddings", "emb")


def file_format(name: str) -> str:
    """The format a library file is read as, from its name (text content decides word2vec or GloVe later).

    >>> [file_format(n) for n in ("a.npy", "a.parquet", "a.tsv", "a.bin", "a.vec", "a.txt.gz")]
    ['npy', 'parquet', 'tsv', 'binary', 'text', 'gzip']
    """
    lower = name.lower()
    if lower.endswith(".npy"):
        return "npy"
    if lower.endswith(".parquet"):
        return "parquet"
    if lower.endswith(".gz"):
        return "gzip"
    if lower.endswith(".tsv"):
        return "tsv"
    if lower.endswith(".bin"):
        return "binary"
    return "text"


def metadata_for(root: Path, name: str) -> str | None:
    """The metadata file of a TSV file in the folder (``NAME.metadata.tsv``, else ``metadata.tsv``), if any."""
    for candidate in (metadata_name(Path(name)), "metadata.tsv"):
        with contextlib.suppress(UnsafeFileError):
            safe_path(root, candidate)
            return candidate
    return None


class Sink:
    """Where converted rows go: ``matrix.f32`` in a work folder (``None``: nowhere, for a check), and the words.

    Repeated words keep their first vector; words longer than ``MAX_WORD_CHARS`` are dropped (as uploads).
    """

    def __init__(self, matrix_file: BinaryIO | None, unit_file: BinaryIO | None = None) -> None:
        self.file = matrix_file
        self.unit_file = unit_file
        self.words: list[str] = []
        self.seen: set[str] = set()
        self.dim: int | None = None
        self.dupes: list[str] = []
        self.dupe_count = 0
        self.long_words = 0
        self.notices: list[str] = []

    def add(self, words: list[str], rows: np.ndarray) -> None:
        if rows.ndim != 2 or rows.shape[0] != len(words):
            raise VectorsError(f"{len(words)} words but {rows.shape[0]} vector rows; each word needs one row.")
        if self.dim is None:
            self.dim = int(rows.shape[1])
        elif rows.shape[1] != self.dim:
            raise VectorsError(
                f"Rows of {rows.shape[1]} values after rows of {self.dim}; every row needs the same width."
            )
        keep: list[int] = []
        for i, word in enumerate(words):
            if "\n" in word or "\r" in word or not word:
                raise VectorsError(
                    f"Word {len(self.words) + i + 1:,} is empty or holds a line break; fix the word column."
                )
            if len(word) > MAX_WORD_CHARS:
                self.long_words += 1
            elif word in self.seen:
                self.dupe_count += 1
                if len(self.dupes) < 5:
                    self.dupes.append(word)
            else:
                self.seen.add(word)
                self.words.append(word)
                keep.append(i)
        block = rows if len(keep) == len(words) else rows[keep]
        if not np.isfinite(block).all():
            bad = int(np.nonzero(~np.isfinite(block).all(axis=1))[0][0])
            raise VectorsError(f"The vector of {words[keep[bad]]!r} holds NaN or infinite values; fix that row.")
        if self.file is not None:
            block = np.ascontiguousarray(block, dtype="<f4")
            self.file.write(block.tobytes())
        if self.unit_file is not None:
            self.unit_file.write(unit_rows(block).astype("<f4", copy=False).tobytes())

    def finish(self) -> list[str]:
        if not self.words:
            raise VectorsError("The file holds no vectors to load; it needs one vector per word.")
        notices = list(self.notices)
        if self.dupe_count:
            notices.append(duplicates_notice(self.dupe_count, self.dupes))
        if self.long_words:
            notices.append(long_words_notice(self.long_words))
        return notices


def line_blocks(fh: BinaryIO, first: bytes = b"") -> Iterator[bytes]:
    """The file in blocks of about ``BLOCK_BYTES`` that end at a line end (``first``: bytes already read)."""
    rest = first
    while chunk := fh.read(BLOCK_BYTES):
        data = rest + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        rest = data[cut:]
        yield data[:cut]
    if rest:
        yield rest


def convert_text_blocks(blocks: Iterator[bytes] | list[bytes], sink: Sink, name: str) -> None:
    """word2vec text (a ``count dim`` header) or GloVe text, a block of lines at a time."""
    header: tuple[int, int] | None = None
    line_no, rows_read, started = 0, 0, False
    for block in blocks:
        start = 0
        if not started:
            if not block.strip():
                line_no += block.count(b"\n")
                continue
            started = True
            fmt = detect_format(block, name)
            if fmt != "word2vec" and fmt != "glove":
                raise VectorsError(f"{name} is not word2vec or GloVe text (it reads as {fmt}); name it *.bin or *.tsv.")
            first_end = block.find(b"\n")
            first = block[: first_end if first_end >= 0 else len(block)].decode("utf-8", "replace").strip()
            header = parse_header(first)
            if header is not None:
                if header[1] > MAX_DIMENSIONS:
                    raise VectorsError(
                        f"The header says {header[1]:,} dimensions; the most read is {MAX_DIMENSIONS:,}."
                    )
                start = first_end + 1 if first_end >= 0 else len(block)
                line_no += 1
        parsed = parse_rows(
            block, start, with_words=True, expected_dim=header[1] if header else sink.dim, first_line=line_no + 1
        )
        line_no += block.count(b"\n", start) + (0 if block.endswith(b"\n") else 1)
        rows_read += parsed.lines
        for notice in parsed.notices:  # repeats and long words inside the block: counted once for the file
            if m := _DUPES_RE.match(notice):
                sink.dupe_count += int(m.group(1).replace(",", ""))
                sink.dupes.extend(re.findall(r"'([^']*)'", notice)[: 5 - len(sink.dupes)])
            elif m := _LONG_RE.match(notice):
                sink.long_words += int((m.group(1) or "1").replace(",", ""))
            else:
                sink.notices.append(notice)
        if parsed.keys:
            sink.add(parsed.keys, parsed.matrix)
    if not started:
        raise VectorsError(f"{name} is empty; it needs one vector per word.")
    if header is not None and sink.file is not None and rows_read != header[0]:
        raise VectorsError(
            f"The header says {header[0]:,} words but the file holds {rows_read:,} vector lines; fix the header "
            "count (or the file is truncated)."
        )


def convert_streamed(root: Path, name: str, sink: Sink) -> bool:
    """Convert word2vec / GloVe text or word2vec binary, plain or gzipped, a block at a time; False for other
    content (a fastText model, a gzipped TSV), which :func:`convert_whole` reads."""
    inner = name[:-3] if name.lower().endswith(".gz") else name
    kind = file_format(inner)
    with open_capped(root, name, MAX_FILE_BYTES) as fh:
        zipped = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        source: BinaryIO = gzip.GzipFile(fileobj=fh, mode="rb") if zipped else fh  # type: ignore[assignment]
        magic = source.read(4)
        if kind not in ("text", "binary") or magic == FASTTEXT_MAGIC:
            return False
        blocks = line_blocks(source, magic)
        if kind == "binary":
            convert_binary_blocks(blocks, sink)
        else:
            convert_text_blocks(blocks, sink, inner)
    return True


def convert_binary_blocks(blocks: Iterator[bytes], sink: Sink) -> None:
    """word2vec binary: a ``count dim`` header line, then per word its bytes, a space and ``dim`` float32 values."""
    buf = b""
    for block in blocks:
        buf += block
        if b"\n" in buf[:4096] or len(buf) > 4096:
            break
    end = buf.find(b"\n")
    header = parse_header(buf[: max(end, 0)].decode("ascii", "replace")) if end >= 0 else None
    if header is None:
        raise VectorsError("The first line is not a word2vec header 'count dimensions'; this is not word2vec binary.")
    count, dim = header
    if not 0 < dim <= MAX_DIMENSIONS or count == 0:
        raise VectorsError(f"The header says {count:,} words of {dim:,} dimensions; give 1 to {MAX_DIMENSIONS:,}.")
    width = 4 * dim
    pos, seen_rows, bad_utf8 = end + 1, 0, False
    words: list[str] = []
    rows: list[bytes] = []
    exhausted = False
    while seen_rows < count:
        while pos < len(buf) and buf[pos] in (10, 13):  # the newline word2vec writes after each vector
            pos += 1
        space = buf.find(b" ", pos)
        if space < 0 or space + 1 + width > len(buf):
            if exhausted:
                raise VectorsError(
                    f"The header says {count:,} words but the file ends after {seen_rows:,}; fix the header count "
                    "(or the file is truncated)."
                )
            if rows:
                sink.add(words, np.frombuffer(b"".join(rows), dtype="<f4").reshape(len(rows), dim))
                words, rows = [], []
            nxt = next(blocks, None)
            exhausted = nxt is None
            buf = buf[pos:] + (nxt or b"")
            pos = 0
            if space < 0 and len(buf) > 4 * MAX_WORD_CHARS + 4096 and buf.find(b" ") < 0:
                raise VectorsError(f"Word {seen_rows + 1:,} has no space after it; this is not word2vec binary.")
            continue
        raw = buf[pos:space]
        try:
            word = raw.decode("utf-8")
        except UnicodeDecodeError:
            word, bad_utf8 = raw.decode("utf-8", errors="replace"), True
        words.append(word)
        rows.append(buf[space + 1 : space + 1 + width])
        pos = space + 1 + width
        seen_rows += 1
    if rows:
        sink.add(words, np.frombuffer(b"".join(rows), dtype="<f4").reshape(len(rows), dim))
    if buf[pos:].strip() or any(block.strip() for block in blocks):
        raise VectorsError(
            f"The header says {count:,} words but the file holds more data after them; fix the header count."
        )
    if bad_utf8:
        sink.notices.append("Some words were not valid UTF-8; unreadable bytes were replaced by '\ufffd'.")


def convert_whole(root: Path, name: str, fmt: str, sink: Sink) -> None:
    """TSV (plain or gzipped) and fastText models: read whole by ``load_vectors``."""
    data = read_bytes_capped(root, name, MAX_FILE_BYTES)
    metadata = None
    if fmt == "tsv" or (fmt == "gzip" and name.lower().endswith(".tsv.gz")):
        meta_name = metadata_for(root, name)
        metadata = None if meta_name is None else read_bytes_capped(root, meta_name, MAX_FILE_BYTES)
    if fmt == "gzip" and data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
        fmt = "tsv" if name.lower().endswith(".tsv.gz") else None
    wv = load_vectors(
        data,
        metadata=metadata,
        name=name,
        fmt={"binary": "word2vec_binary", "tsv": "tsv"}.get(fmt or ""),
    )
    del data
    sink.notices.extend(wv.notices)
    sink.add(list(wv.keys), wv.vectors)


def npy_header(fh: BinaryIO, name: str) -> tuple[tuple[int, int], np.dtype, int]:
    """(shape, dtype, data offset) of a ``.npy`` file of a 2-D float matrix in C order."""
    from numpy.lib import format as npy

    try:
        version = npy.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = npy.read_array_header_1_0(fh)
        else:
            shape, fortran, dtype = npy.read_array_header_2_0(fh)
    except ValueError as exc:
        raise VectorsError(f"{name} is not a .npy array file ({exc}).") from exc
    if len(shape) != 2 or fortran or dtype.kind != "f" or dtype.hasobject:
        raise VectorsError(
            f"{name} holds a {'x'.join(map(str, shape))} {dtype} array{' in Fortran order' if fortran else ''}; "
            "a vector file is a 2-D float matrix (words x dimensions) in C order."
        )
    if not 0 < shape[1] <= MAX_DIMENSIONS:
        raise VectorsError(f"{name} has {shape[1]:,} dimensions; the most read is {MAX_DIMENSIONS:,}.")
    offset = fh.tell()
    size = os.fstat(fh.fileno()).st_size
    if size - offset < shape[0] * shape[1] * dtype.itemsize:
        raise VectorsError(f"{name} is shorter than its header says ({shape[0]:,} x {shape[1]:,}); it is truncated.")
    return (int(shape[0]), int(shape[1])), dtype, offset


def vocab_name(root: Path, name: str) -> str:
    vocab = name[: -len(".npy")] + VOCAB_SUFFIX
    try:
        safe_path(root, vocab)
    except UnsafeFileError as exc:
        raise VectorsError(f"{name} needs its words in {vocab} beside it, one per line ({exc})") from exc
    return vocab


def convert_npy(root: Path, name: str, sink: Sink) -> None:
    """``NAME.npy`` (a float matrix) and ``NAME.vocab.txt`` (one word per line), a block of rows at a time."""
    with open_capped(root, name, MAX_FILE_BYTES) as fh:
        (rows, dim), dtype, offset = npy_header(fh, name)
        vocab = vocab_name(root, name)
        words = read_text_capped(root, vocab, rows * (4 * MAX_WORD_CHARS + 2) + 2).split("\n")
        if words and words[-1] == "":
            words.pop()
        words = [w.rstrip("\r") for w in words]
        if len(words) != rows:
            raise VectorsError(f"{vocab} has {len(words):,} words but {name} has {rows:,} rows; give one word per row.")
        matrix = np.memmap(fh, dtype=dtype, mode="r", offset=offset, shape=(rows, dim))
        for start in range(0, rows, BLOCK_ROWS):
            sink.add(
                words[start : start + BLOCK_ROWS], np.asarray(matrix[start : start + BLOCK_ROWS], dtype=np.float32)
            )
        del matrix


def parquet_file(fh: BinaryIO, name: str):  # noqa: ANN202 - pyarrow.parquet.ParquetFile
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(fh)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
        raise VectorsError(
            f"{name} is not a readable Parquet file ({exc.__class__.__name__}: {str(exc)[:120]})."
        ) from exc


def parquet_columns(pf, name: str) -> tuple[str, str]:  # noqa: ANN001
    """(word column, vector column) of a Parquet file: by name when named so, else the first string / list column."""
    import pyarrow as pa

    schema = pf.schema_arrow
    strings = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    lists = [
        f.name
        for f in schema
        if (pa.types.is_list(f.type) or pa.types.is_large_list(f.type) or pa.types.is_fixed_size_list(f.type))
        and (pa.types.is_floating(f.type.value_type) or pa.types.is_integer(f.type.value_type))
    ]
    word = next((c for c in WORD_COLUMNS if c in strings), strings[0] if strings else None)
    vector = next((c for c in VECTOR_COLUMNS if c in lists), lists[0] if lists else None)
    if word is None or vector is None:
        raise VectorsError(
            f"{name} needs a word column (text) and a vector column (a list of numbers); it has "
            + ", ".join(f"{f.name} ({f.type})" for f in schema)[:300]
            + "."
        )
    return word, vector


def convert_parquet(root: Path, name: str, sink: Sink) -> None:
    """Parquet with a word column and a list / fixed-size-list vector column, a record batch at a time."""
    import pyarrow as pa
    import pyarrow.compute as pc

    with open_capped(root, name, MAX_FILE_BYTES) as fh:
        pf = parquet_file(fh, name)
        word_col, vector_col = parquet_columns(pf, name)
        try:
            for batch in pf.iter_batches(batch_size=BLOCK_ROWS, columns=[word_col, vector_col]):
                words_arr, vectors_arr = batch.column(0), batch.column(1)
                if words_arr.null_count or vectors_arr.null_count:
                    raise VectorsError(f"{name} has empty words or vectors; every row needs both.")
                lengths = np.asarray(pc.list_value_length(vectors_arr), dtype=np.int64)
                if len(lengths) and (lengths.min() != lengths.max() or (sink.dim and lengths[0] != sink.dim)):
                    raise VectorsError(f"{name}: the vectors in column {vector_col} have different lengths.")
                dim = int(lengths[0]) if len(lengths) else 0
                if not 0 < dim <= MAX_DIMENSIONS:
                    raise VectorsError(f"{name}: vectors of {dim:,} values; give 1 to {MAX_DIMENSIONS:,}.")
                values = pc.list_flatten(vectors_arr).to_numpy(zero_copy_only=False)
                sink.add(words_arr.to_pylist(), values.astype(np.float32, copy=False).reshape(-1, dim))
        except (pa.ArrowException, OSError) as exc:
            raise VectorsError(f"{name} could not be read ({exc.__class__.__name__}: {str(exc)[:120]}).") from exc
