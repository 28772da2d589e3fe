"""Sentence vectors by averaging static word vectors: plain, without stopwords, or TF-IDF weighted.

- ``mean``: the plain average of the word vectors of its tokens (repeats count again). Every
  sentence contains "the", "of", "and", so the plain mean of two unrelated sentences can look alike.
- ``no_stopwords``: the same average after dropping English stopwords (``explorer.stopwords``).
- ``tfidf``: a weighted average; a token's weight is the smooth inverse document frequency
  ``idf = log((1 + N) / (1 + df)) + 1`` with each sentence of the active corpus as a document.
  Words the corpus never saw get the largest idf, ``log(1 + N) + 1``.

Each result also says how much every word contributes to its sentence's vector.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["the", "cat"], np.array([[1, 0], [0, 1]], dtype=np.float32))
    >>> [c.word for c in encode_average(["The cat, the cat"], wv).contributions(0)]
    ['the', 'cat']
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.corpus import tokenize
from explorer.errors import SentenceError
from explorer.sentences.results import AVERAGING_METHODS, SentenceVectors
from explorer.stopwords import ENGLISH_STOPWORDS
from explorer.vectors import WordVectors

_CHUNK = 16_384  # (word, sentence) pairs per block when projecting word vectors


@dataclass(frozen=True, eq=False)
class DocumentFrequencies:
    """In how many documents (corpus sentences) each word occurs, for TF-IDF weights.

    >>> df = DocumentFrequencies.from_documents([["the", "cat"], ["the", "dog"]])
    >>> df.idf("the") < df.idf("cat") < df.idf("never-seen") == df.max_idf
    True
    """

    n_documents: int
    df: dict[str, int] = field(repr=False)
    source: str = ""

    @classmethod
    def from_documents(cls, documents: Iterable[Iterable[str]], source: str = "") -> DocumentFrequencies:
        """Count, for every word, the documents (token sequences) that contain it."""
        counts: Counter[str] = Counter()
        n = 0
        for doc in documents:
            counts.update(set(doc))
            n += 1
        return cls(n_documents=n, df=dict(counts), source=source)

    @classmethod
    def from_corpus(cls, corpus: Any) -> DocumentFrequencies:
        """Each sentence of an ``explorer.corpus.Corpus`` is one document."""
        return cls.from_documents(corpus.sentences, source=getattr(corpus, "name", ""))

    @property
    def max_idf(self) -> float:
        """The idf of a word no document contains: log(1 + N) + 1."""
        return math.log(1.0 + self.n_documents) + 1.0

    def idf(self, word: str) -> float:
        """Smooth inverse document frequency: log((1 + N) / (1 + df)) + 1 (scikit-learn's ``smooth_idf``)."""
        return math.log((1.0 + self.n_documents) / (1.0 + self.df.get(word, 0))) + 1.0


# ----- averaging static vectors ---------------------------------------------------------------
def _lookup(index: dict[str, int], token: str) -> str | None:
    """The key of ``token`` in the vector set: as tokenised (lower case), Capitalised, or UPPER."""
    for key in (token, token.capitalize(), token.upper()):
        if key in index:
            return key
    return None


def encode_average(
    sentences: Sequence[str],
    vectors: WordVectors,
    method: str = "mean",
    *,
    document_frequencies: DocumentFrequencies | None = None,
    stopwords: Collection[str] = ENGLISH_STOPWORDS,
) -> SentenceVectors:
    """Average the static word vectors of each sentence: ``mean``, ``no_stopwords`` or ``tfidf``.

    Sentences are tokenised with ``explorer.corpus.tokenize``. ``tfidf`` weighs each token by its
    idf from ``document_frequencies`` (from the active corpus); without them the sentences
    themselves serve as the documents (said in ``notes``).

    >>> import numpy as np
    >>> wv = WordVectors(["the", "cat"], np.array([[1, 0], [0, 1]], dtype=np.float32))
    >>> encode_average(["The cat, the cat"], wv, "no_stopwords").matrix.tolist()
    [[0.0, 1.0]]
    """
    if method not in AVERAGING_METHODS:
        raise SentenceError(f"Unknown averaging method {method!r}; choose one of {', '.join(AVERAGING_METHODS)}.")
    sentences = tuple(sentences)
    notes: list[str] = []
    index = vectors.key_to_index
    drop = frozenset(stopwords) if method == "no_stopwords" else frozenset()

    rows: list[int] = []
    words: list[str] = []
    counts: list[int] = []
    offsets = [0]
    unknown: list[tuple[str, ...]] = []
    removed: list[tuple[str, ...]] = []
    token_lists = [tokenize(s) for s in sentences]
    memo: dict[str, str | None] = {}  # token -> its key in the vector set (None: unknown)
    for tokens in token_lists:
        keys: list[str] = []
        unk: dict[str, None] = {}
        rem: dict[str, None] = {}
        for t in tokens:
            if t in drop:
                rem[t] = None
                continue
            key = memo[t] if t in memo else memo.setdefault(t, _lookup(index, t))
            if key is None:
                unk[t] = None
            else:
                keys.append(key)
        seen = Counter(keys)  # first-appearance order
        words.extend(seen)
        counts.extend(seen.values())
        rows.extend(index[k] for k in seen)
        offsets.append(len(rows))
        unknown.append(tuple(unk))
        removed.append(tuple(rem))

    row_arr = np.asarray(rows, dtype=np.int64)
    count_arr = np.asarray(counts, dtype=np.int64)
    offset_arr = np.asarray(offsets, dtype=np.int64)
    n = len(sentences)
    seg = np.repeat(np.arange(n), np.diff(offset_arr))  # (m,) sentence of each pooled word

    raw = count_arr.astype(np.float64)
    if method == "tfidf":
        if document_frequencies is None:
            document_frequencies = DocumentFrequencies.from_documents(token_lists, source="these sentences")
            notes.append("No corpus was given, so document frequencies come from these sentences.")
        dfs = document_frequencies
        raw = raw * np.array([dfs.idf(w.lower()) for w in words], dtype=np.float64)
    totals = np.bincount(seg, weights=raw, minlength=n)
    weights = raw / np.maximum(totals[seg], 1e-300) if len(raw) else raw

    matrix = _weighted_rows(vectors.vectors, row_arr, seg, weights, n)
    shares = _shares(vectors.vectors, row_arr, seg, weights, matrix)
    return SentenceVectors(
        method=method,
        sentences=sentences,
        matrix=matrix,
        offsets=offset_arr,
        words=tuple(words),
        counts=count_arr,
        weights=weights.astype(np.float32),
        shares=shares.astype(np.float32),
        unknown=tuple(unknown),
        removed=tuple(removed),
        vectors_name=vectors.name,
        notes=tuple(notes),
    )


def _weighted_rows(table: np.ndarray, rows: np.ndarray, seg: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """(n, d) float32: row s is sum of weights[j] * table[rows[j]] over the pooled words j of sentence s."""
    from scipy.sparse import csr_matrix

    out = np.zeros((n, table.shape[1]), dtype=np.float32)
    if len(rows) == 0:
        return out
    # A sparse (n, V) weight matrix times the (V, d) table: no (m, d) gather.
    w = csr_matrix((weights.astype(np.float32), (seg, rows)), shape=(n, table.shape[0]))
    out[:] = np.asarray(w @ table, dtype=np.float32)
    return out


def _shares(
    table: np.ndarray, rows: np.ndarray, seg: np.ndarray, weights: np.ndarray, matrix: np.ndarray
) -> np.ndarray:
    """(m,) weight * (x . v) / |v|^2 for each pooled word x of sentence vector v (sums to 1 per sentence)."""
    out = np.empty(len(rows), dtype=np.float64)
    sq = np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64)  # (n,) |v|^2
    for start in range(0, len(rows), _CHUNK):
        sl = slice(start, start + _CHUNK)
        dots = np.einsum("ij,ij->i", table[rows[sl]], matrix[seg[sl]], dtype=np.float64)
        denom = sq[seg[sl]]
        ok = denom > 1e-24
        # A sentence whose word vectors cancel out has no direction: fall back to the weights.
        out[sl] = np.where(ok, weights[sl] * dots / np.where(ok, denom, 1.0), weights[sl])
    return out
