"""Nearest neighbours by cosine on the original vectors (never on a 2-D/3-D map).

A few words (a picked word, a selection, a table) are scored against the candidates exactly, a
bounded block of query words at a time, so thousands of words against a million-word set never
hold a (words x set) matrix. When the words asked about are most of the candidates themselves
and more than the k-NN engine's exact size (``explorer.knnengine.EXACT_MAX_ROWS``), the lists
come from one all-pairs search of the app's engine (an inverted file with its recall measured);
``search_neighbours`` says which.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["cat", "dog", "car"], np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
    >>> nearest_neighbours(wv, ["cat"], topn=1)["cat"][0][0]
    'dog'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from explorer import knnengine
from explorer.knnengine import Search
from explorer.linalg import top_k
from explorer.vectors import WordVectors

NEIGHBOURS_LABEL = "cosine on the original vectors"
# Early in training every update pushes all words along one shared direction (how often they occur),
# so all of them point nearly the same way and every cosine is near 1 before they spread apart. A
# trained set's top neighbours sit well below: 0.6 to 0.85 on the built-in corpora after 5 epochs.
CROWDED_COSINE = 0.95
CROWDED_MIN_SCORES = 3  # too few cosines say nothing about the set as a whole
BLOCK_SCORES = 2**22  # query x candidate scores held at once (16 MB of float32)


def nearest_neighbours(
    wv: WordVectors, words: Iterable[str], topn: int = 10, among: Sequence[str] | None = None
) -> dict[str, list[tuple[str, float]]]:
    """For each word, its ``topn`` nearest words by cosine on the raw vectors of ``wv``.

    ``among`` restricts the candidates (e.g. to the words on the map); by default every word of
    the set is a candidate. Unknown words are skipped. The word itself is never its own neighbour.
    See ``search_neighbours`` for how the lists are found.

    >>> wv = WordVectors(["cat", "dog", "car"], np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
    >>> nearest_neighbours(wv, ["cat"], topn=2, among=["cat", "car"])
    {'cat': [('car', 0.0)]}
    """
    return search_neighbours(wv, words, topn, among)[0]


def search_neighbours(
    wv: WordVectors, words: Iterable[str], topn: int = 10, among: Sequence[str] | None = None
) -> tuple[dict[str, list[tuple[str, float]]], Search]:
    """``nearest_neighbours`` and how they were found (``Search``: exact, or the engine's IVF and its recall).

    >>> wv = WordVectors(["cat", "dog", "car"], np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
    >>> found, how = search_neighbours(wv, ["cat", "car"], topn=1)
    >>> [(w, round(c, 3)) for w, c in found["car"]], how.engine
    ([('dog', 0.11)], 'exact')
    """
    words = [w for w in dict.fromkeys(words) if w in wv]
    if not words:
        return {}, Search("exact", topn)
    if among is None:
        cand_keys: Sequence[str] = wv.keys
        cand = wv.unit_vectors
    else:
        cand_keys = [w for w in dict.fromkeys(among) if w in wv]
        idx = np.fromiter((wv.key_to_index[w] for w in cand_keys), dtype=np.int64, count=len(cand_keys))
        cand = wv.unit_vectors[idx]
    position = {w: i for i, w in enumerate(cand_keys)}
    asked = [position.get(w) for w in words]
    all_pairs = (
        len(words) > knnengine.EXACT_MAX_ROWS
        and 2 * len(words) >= len(cand_keys)
        and 0 < topn < len(cand_keys)
        and None not in asked
    )
    if all_pairs:
        return _all_pairs(words, asked, cand_keys, cand, topn)
    out: dict[str, list[tuple[str, float]]] = {}
    step = max(1, BLOCK_SCORES // max(1, len(cand_keys)))
    for start in range(0, len(words), step):
        chunk = words[start : start + step]
        query = np.stack([wv.get_vector(w, norm=True) for w in chunk])  # (q, dim)
        scores = query @ cand.T  # (q, n_candidates)
        for qi, word in enumerate(chunk):
            row = scores[qi]
            own = () if word not in position else (position[word],)  # a word is never its own neighbour
            out[word] = [(cand_keys[j], float(row[j])) for j in top_k(row, topn, exclude=own)]
    return out, Search("exact", topn)


def _all_pairs(
    words: list[str], asked: list[int | None], cand_keys: Sequence[str], cand: np.ndarray, topn: int
) -> tuple[dict[str, list[tuple[str, float]]], Search]:
    """Every candidate's neighbours from one search of the k-NN engine, kept for the words asked about."""
    found = knnengine.cosine_knn(np.asarray(cand, dtype=np.float32), topn)
    rows = np.asarray(asked, dtype=np.int64)
    lists = found.indices[rows]  # (q, topn)
    cosines = np.einsum("qd,qkd->qk", cand[rows], cand[lists])  # (q, topn) on the unit rows
    out = {
        word: [(cand_keys[j], float(c)) for j, c in zip(lists[i].tolist(), cosines[i].tolist(), strict=True)]
        for i, word in enumerate(words)
    }
    return out, found.search


def neighbour_table(neighbours: dict[str, list[tuple[str, float]]]) -> list[dict[str, object]]:
    """Rows (word, rank, neighbour, cosine) for display or CSV.

    >>> neighbour_table({"cat": [("dog", 0.91234)]})
    [{'word': 'cat', 'rank': 1, 'neighbour': 'dog', 'cosine': 0.9123}]
    """
    return [
        {"word": w, "rank": r, "neighbour": nb, "cosine": round(score, 4)}
        for w, rows in neighbours.items()
        for r, (nb, score) in enumerate(rows, start=1)
    ]


def crowded(neighbours: Mapping[str, Sequence[tuple[str, float]]], threshold: float = CROWDED_COSINE) -> bool:
    """Whether every listed neighbour has a cosine of at least ``threshold`` (at least 3 of them listed).

    >>> crowded({"cat": [("dog", 0.99), ("car", 0.98), ("the", 0.97)]})
    True
    >>> crowded({"cat": [("dog", 0.99), ("car", 0.98), ("the", 0.6)]})
    False
    """
    scores = [s for rows in neighbours.values() for _, s in rows]
    return len(scores) >= CROWDED_MIN_SCORES and min(scores) >= threshold


def crowded_note(neighbours: Mapping[str, Sequence[tuple[str, float]]]) -> str | None:
    """What to say beside a neighbour table whose cosines are all near 1, or None when they are not."""
    if not crowded(neighbours):
        return None
    return (
        f"These vectors have barely moved apart: every neighbour listed has a cosine of {CROWDED_COSINE} or more, "
        "so the words still point almost the same way, as they do early in training, and these neighbours "
        "mean little yet. Train longer or on more text."
    )
