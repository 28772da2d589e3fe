"""Comparing sentence vectors: cosine and Euclidean matrices, and the best matches of a query.

Cosine compares directions only; Euclidean distance also sees the vectors' lengths, and an
average of many word vectors is short (its parts cancel), so the two can rank sentences
differently. A sentence without a vector compares as NaN with everything.

Example:
    >>> import numpy as np
    >>> from explorer.sentences.compare import cosine_similarity_matrix, euclidean_distance_matrix
    >>> x = np.array([[1.0, 0.0], [3.0, 0.0]])
    >>> float(cosine_similarity_matrix(x)[0, 1]), float(euclidean_distance_matrix(x)[0, 1])
    (1.0, 2.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer import linalg
from explorer.errors import SentenceError
from explorer.sentences.results import SentenceVectors, shorten

METRICS: tuple[str, ...] = ("cosine", "euclidean")
METRIC_LABELS: dict[str, str] = {"cosine": "Cosine similarity", "euclidean": "Euclidean distance"}


def cosine_similarity_matrix(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """(n, m) cosine similarities of the rows of ``a`` and ``b`` (default ``a``); NaN where a row is zero.

    Cosine compares directions only: scaling a row leaves it unchanged.

    >>> cosine_similarity_matrix(np.array([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0]]))[0].tolist()
    [1.0, 1.0, 0.0]
    """
    return linalg.cosine_matrix(a, b, zero=np.nan)


def euclidean_distance_matrix(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """(n, m) Euclidean distances between the rows of ``a`` and ``b`` (default ``a``).

    Unlike cosine, it grows with the vectors' lengths.

    >>> euclidean_distance_matrix(np.array([[0.0, 0.0], [3.0, 4.0]]))[0].tolist()
    [0.0, 5.0]
    """
    a = np.asarray(a, dtype=np.float64)
    b = a if b is None else np.asarray(b, dtype=np.float64)
    # |x - y|^2 = |x|^2 + |y|^2 - 2 x.y, clipped at 0 against rounding.
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    dist = np.sqrt(np.maximum(sq, 0.0))
    if b is a:
        np.fill_diagonal(dist, 0.0)
    return dist


def compare(vectors: SentenceVectors, metric: str = "cosine") -> np.ndarray:
    """(n, n) cosine similarities or Euclidean distances of all sentence pairs; NaN for empty sentences.

    >>> from explorer.sentences import encode_average
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["cat", "dog"], np.array([[3.0, 4.0], [0.0, 1.0]], dtype=np.float32))
    >>> compare(encode_average(["cat", "dog", "xyzzy"], wv), "euclidean")[0].tolist()
    [0.0, 4.242640687119285, nan]
    """
    if metric not in METRICS:
        raise SentenceError(f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}.")
    pairwise = cosine_similarity_matrix if metric == "cosine" else euclidean_distance_matrix
    out = pairwise(vectors.matrix)
    empty = list(vectors.empty)
    out[empty, :] = np.nan
    out[:, empty] = np.nan
    return out


@dataclass(frozen=True)
class Match:
    """One sentence ranked against a query: the best match has rank 1."""

    rank: int
    index: int
    sentence: str
    score: float


def top_matches(
    query: SentenceVectors,
    candidates: SentenceVectors,
    metric: str = "cosine",
    topn: int = 5,
    query_index: int = 0,
) -> list[Match]:
    """The candidate sentences closest to one query sentence: highest cosine or smallest distance.

    Both must come from the same method and vector set. Candidates without a vector are skipped.

    >>> import numpy as np
    >>> from explorer.sentences import encode_average
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["cat", "dog", "stock"], np.array([[1, 0], [0.9, 0.2], [0, 1]], dtype=np.float32))
    >>> q = encode_average(["a cat"], wv)
    >>> [m.sentence for m in top_matches(q, encode_average(["stock", "dog"], wv), topn=1)]
    ['dog']
    """
    if metric not in METRICS:
        raise SentenceError(f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}.")
    if query.method != candidates.method or query.vector_size != candidates.vector_size:
        raise SentenceError("The query and the sentences must be encoded with the same method and vector set.")
    if query_index in query.empty:
        raise SentenceError(
            f'The query "{shorten(query.sentences[query_index], 60)}" gets no vector from {query.label}: '
            + (
                "it has only stopwords. Add a content word, or compare with the plain mean or TF-IDF."
                if query.removed[query_index]
                else "none of its words are in the vector set. Rephrase it with words the vector set knows."
            )
        )
    row = query.matrix[query_index : query_index + 1]
    if metric == "cosine":
        scores = cosine_similarity_matrix(row, candidates.matrix)[0]
        keys = -scores
    else:
        scores = euclidean_distance_matrix(row, candidates.matrix)[0]
        keys = scores.copy()
    empty = set(candidates.empty)
    usable = [i for i in range(len(candidates)) if i not in empty and np.isfinite(scores[i])]
    usable.sort(key=lambda i: (keys[i], i))
    return [
        Match(rank=r + 1, index=i, sentence=candidates.sentences[i], score=float(scores[i]))
        for r, i in enumerate(usable[: max(topn, 0)])
    ]
