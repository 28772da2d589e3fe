"""Windows over a token stream: (center, context) pairs and co-occurrence counts, vectorised.

Used by the trainers on id streams and by the page's teaching views on one sentence.

Example:
    >>> from explorer.training.pairs import sentence_pairs
    >>> sentence_pairs(["my", "card", "was", "charged"], window=1)[:3]
    [('my', 'card', 1), ('card', 'my', 1), ('card', 'was', 1)]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp


def window_pairs(
    sentence: np.ndarray, window: int, reduced: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of every (center, context) pair inside ``window`` and inside one sentence.

    Args:
        sentence: (N,) sentence number of each position; pairs never cross sentences.
        window: the largest distance on each side.
        reduced: optional (N,) effective window of each center (word2vec's dynamic window: a
            center with reduced window b only pairs with contexts at distance <= b).

    Returns:
        (centers, contexts, distances): three (P,) int64 arrays of positions and |offset|.

    >>> import numpy as np
    >>> centers, contexts, dist = window_pairs(np.array([0, 0, 0, 1]), 1)
    >>> list(zip(centers.tolist(), contexts.tolist()))
    [(0, 1), (1, 2), (1, 0), (2, 1)]
    """
    n = len(sentence)
    centers: list[np.ndarray] = []
    contexts: list[np.ndarray] = []
    dists: list[np.ndarray] = []
    for o in range(1, min(window, n - 1) + 1):
        same = sentence[o:] == sentence[:-o]  # position i pairs with i + o
        if reduced is None:
            left = right = np.flatnonzero(same)
        else:
            left = np.flatnonzero(same & (reduced[:-o] >= o))  # center i, context i + o
            right = np.flatnonzero(same & (reduced[o:] >= o))  # center i + o, context i
        centers += [left, right + o]
        contexts += [left + o, right]
        dists.append(np.full(len(left) + len(right), o, dtype=np.int64))
    if not centers:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(centers), np.concatenate(contexts), np.concatenate(dists)


def cooccurrence(
    ids: np.ndarray, sentence: np.ndarray, window: int, vocab_size: int, weighting: str = "uniform"
) -> sp.csr_matrix:
    """Symmetric word-context counts of an id stream as a (V, V) float64 CSR matrix.

    ``weighting="harmonic"`` adds 1/distance per pair (GloVe); ``"uniform"`` adds 1.

    >>> import numpy as np
    >>> cooccurrence(np.array([0, 1, 0]), np.zeros(3, dtype=np.int64), 1, 2).toarray().tolist()
    [[0.0, 2.0], [2.0, 0.0]]
    """
    c, x, d = window_pairs(sentence, window)
    w = 1.0 / d if weighting == "harmonic" else np.ones(len(d))
    m = sp.coo_matrix((w, (ids[c], ids[x])), shape=(vocab_size, vocab_size)).tocsr()
    m.sum_duplicates()
    return m


def sentence_pairs(tokens: Sequence[str], window: int) -> list[tuple[str, str, int]]:
    """The (center, context, distance) pairs a full window of ``window`` gives in one sentence.

    Pairs are listed center by center, left to right, as skip-gram sees them.

    >>> sentence_pairs(["my", "card", "was"], 1)
    [('my', 'card', 1), ('card', 'my', 1), ('card', 'was', 1), ('was', 'card', 1)]
    """
    out = []
    for i, center in enumerate(tokens):
        for j in range(max(0, i - window), min(len(tokens), i + window + 1)):
            if j != i:
                out.append((center, tokens[j], abs(j - i)))
    return out


def ppmi(counts: sp.csr_matrix | np.ndarray, cds: float = 0.75) -> sp.csr_matrix:
    """Positive PMI of a word-context count matrix, with context-distribution smoothing.

    PMI(w, c) = log( #(w,c) * sum_c' #(c')^cds / (#(w) * #(c)^cds) ), computed on non-zero
    entries only, then clipped at 0 (Levy, Goldberg and Dagan 2015).

    >>> import numpy as np
    >>> ppmi(np.array([[0, 2], [2, 0]]), cds=1.0).toarray().round(3).tolist()
    [[0.0, 0.693], [0.693, 0.0]]
    """
    m = sp.csr_matrix(counts, dtype=np.float64)
    m.eliminate_zeros()
    total = m.sum()
    if total <= 0:
        return sp.csr_matrix(m.shape, dtype=np.float64)
    row = np.asarray(m.sum(axis=1)).ravel()
    col = np.asarray(m.sum(axis=0)).ravel() ** cds
    col_p = col / col.sum()  # smoothed context distribution
    coo = m.tocoo()
    p_wc = coo.data / total
    p_w = row[coo.row] / total
    pmi = np.log(p_wc / (p_w * col_p[coo.col]))
    keep = pmi > 0
    out = sp.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=m.shape)
    return out
