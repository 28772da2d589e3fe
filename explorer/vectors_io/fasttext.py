"""fastText model files (.bin, as `fasttext` and gensim's ``save_facebook_model`` write them): the word vectors.

The file is: the int32 magic 793712314 and version; the training arguments (12 int32 and a
float64: dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
lrUpdateRate, t); the dictionary (size, nwords, nlabels as int32, ntokens and the prune-index
size as int64, then per entry its UTF-8 bytes ending in NUL, an int64 count and an int8 type,
words before labels); a quantisation flag (one byte); then the input matrix as int64 rows and
columns and rows x columns little-endian float32: the nwords word rows, then ``bucket`` rows of
character n-grams. A word's vector is what fastText's ``print-word-vectors`` and ``.vec`` export
give: the mean of its own row and the rows of its n-grams (``<word>`` cut into pieces of minn..maxn
characters, each hashed with 32-bit FNV-1a into a bucket). Vectors for words outside the
vocabulary (from n-grams alone) are not offered: the set holds the model's own words.

Example:
    >>> is_fasttext(FASTTEXT_MAGIC.to_bytes(4, "little") + b"...")
    True
"""

from __future__ import annotations

import struct

import numpy as np

from explorer.errors import VectorsError
from explorer.vectors_io.parsing import MAX_DIMENSIONS, too_wide
from explorer.vectors_io.rows import MAX_WORD_CHARS, long_words_notice
from explorer.workbudget import WorkBudget

FASTTEXT_MAGIC = 793712314
_ARGS = struct.Struct("<12id")  # dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate, t
_DICT_HEAD = struct.Struct("<iiiqq")  # size nwords nlabels ntokens pruneidx_size
_ENTRY_TAIL = struct.Struct("<qb")  # count, type
NOT_DONE_NOTICE = (
    "This is a fastText model: its {n:,} words were loaded with the vectors fastText gives them (each word's "
    "own row averaged with its character n-grams). Vectors for words outside its vocabulary are not built here."
)


def is_fasttext(data: bytes) -> bool:
    """Whether ``data`` starts with the fastText model magic number.

    >>> is_fasttext(b"2 3\\n")
    False
    """
    return len(data) >= 4 and int.from_bytes(data[:4], "little", signed=True) == FASTTEXT_MAGIC


def _damaged(what: str) -> VectorsError:
    return VectorsError(
        f"This fastText model file is damaged or cut short ({what}). Save the model again, or export its word "
        "vectors as text (`fasttext print-word-vectors`, or a .vec file) and upload that."
    )


def fnv1a(data: bytes) -> int:
    """fastText's 32-bit FNV-1a hash, which sign-extends each byte (as its C++ casts a char to int8).

    >>> fnv1a(b""), fnv1a(b"<a>")
    (2166136261, 2359087600)
    """
    h = 2166136261
    for b in data:
        h = ((h ^ (b | 0xFFFFFF00 if b >= 128 else b)) * 16777619) & 0xFFFFFFFF
    return h


def ngram_buckets(word: str, minn: int, maxn: int, bucket: int) -> list[int]:
    """Bucket numbers of the character n-grams of ``<word>`` (fastText's computeSubwords).

    >>> len(ngram_buckets("ab", 3, 3, 100))
    2
    """
    raw = b"<" + word.encode("utf-8") + b">"
    out: list[int] = []
    size = len(raw)
    for i in range(size):
        if raw[i] & 0xC0 == 0x80:
            continue
        j, n = i, 1
        while j < size and n <= maxn:
            j += 1
            while j < size and raw[j] & 0xC0 == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == size)):
                out.append(fnv1a(raw[i:j]) % bucket)
            n += 1
    return out


def load_fasttext(
    data: bytes, *, max_rows: int | None = None, budget: WorkBudget | None = None
) -> tuple[list[str], np.ndarray, list[str]]:
    """(words, (n, dim) float32 matrix, notices) of a fastText model's vocabulary; sizes checked before use."""
    if len(data) < 8 + _ARGS.size + _DICT_HEAD.size:
        raise _damaged("it ends inside its header")
    version = int.from_bytes(data[4:8], "little", signed=True)
    if version > 12:
        raise VectorsError(
            f"This fastText model has file version {version}; this app reads version 12 and older. Export its "
            "word vectors as a .vec text file and upload that."
        )
    dim, *_, bucket, minn, maxn, _rate, _t = _ARGS.unpack_from(data, 8)
    if not 0 < dim <= MAX_DIMENSIONS:
        if dim > MAX_DIMENSIONS:
            raise too_wide(f"The model says {dim:,} dimensions")
        raise _damaged(f"it says {dim} dimensions")
    pos = 8 + _ARGS.size
    size, nwords, nlabels, _ntokens, prune = _DICT_HEAD.unpack_from(data, pos)
    pos += _DICT_HEAD.size
    if not (0 < nwords <= size and nlabels >= 0 and size <= len(data) // 10 and bucket >= 0):
        raise _damaged(f"it says {size:,} entries and {nwords:,} words")
    if prune > 0:  # -1: never pruned; a positive size: a quantised model's kept n-grams
        raise VectorsError(
            "This is a quantised (compressed) fastText model (.ftz); its vectors cannot be read here. Export them "
            "with `fasttext print-word-vectors` or use the full .bin model."
        )
    words: list[str] = []
    for _ in range(size):
        end = data.find(b"\x00", pos)
        if end < 0 or end + 1 + _ENTRY_TAIL.size > len(data):
            raise _damaged("it ends inside its dictionary")
        if len(words) < nwords:
            words.append(data[pos:end].decode("utf-8", errors="replace"))
        pos = end + 1 + _ENTRY_TAIL.size
    if pos + 1 + 16 > len(data):
        raise _damaged("it ends before its vectors")
    if data[pos]:
        raise VectorsError(
            "This is a quantised (compressed) fastText model; its vectors cannot be read here. Export them with "
            "`fasttext print-word-vectors` or use the full .bin model."
        )
    rows, cols = struct.unpack_from("<qq", data, pos + 1)
    start = pos + 1 + 16
    if cols != dim or rows != nwords + bucket or start + rows * cols * 4 > len(data):
        raise _damaged(f"its matrix says {rows:,} x {cols:,} for {nwords:,} words, {bucket:,} buckets, {dim} dims")
    matrix = np.frombuffer(data, dtype="<f4", count=rows * cols, offset=start).reshape(rows, cols)
    notices: list[str] = []
    keep = [i for i, w in enumerate(words) if len(w) <= MAX_WORD_CHARS]
    if len(keep) < len(words):
        notices.append(long_words_notice(len(words) - len(keep)))
    if max_rows is not None and len(keep) > max_rows:
        keep = keep[:max_rows]
        notices.append(f"Only the first {max_rows:,} words were read: the limit is {max_rows:,} words per upload here.")
    out = np.empty((len(keep), dim), dtype=np.float32)
    for k, i in enumerate(keep):
        if k % 1024 == 0 and budget is not None and budget.spent():
            notices.append(f"The model was not read to the end: {budget.reason()} at word {k + 1:,}.")
            keep, out = keep[:k], out[:k]
            break
        with_ngrams = maxn > 0 and bucket > 0 and prune != 0 and words[i] != "</s>"
        ngrams = ngram_buckets(words[i], minn, maxn, bucket) if with_ngrams else []
        if ngrams:
            idx = np.fromiter((nwords + b for b in ngrams), dtype=np.int64, count=len(ngrams))
            out[k] = (matrix[i].astype(np.float64) + matrix[idx].sum(axis=0, dtype=np.float64)) / (1 + len(idx))
        else:
            out[k] = matrix[i]
    if not np.isfinite(out).all():
        raise _damaged("some vectors hold NaN or infinite values")
    notices.insert(0, NOT_DONE_NOTICE.format(n=len(keep)))
    return [words[i] for i in keep], out, notices
