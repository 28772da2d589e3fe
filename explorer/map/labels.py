"""Region labels without a language model: k-means levels on the original vectors, each cluster named
by its most representative words and placed on one of its own points.

A cluster's name is its three most central words (cosine to the cluster's mean direction,
``explorer.clustering.cluster_names``), each score weighted towards frequent words
(:func:`rank_weights`: the first word of the file keeps its full score, the last keeps half),
stopwords last, joined with " · ". Its label sits on the member nearest the coordinate-wise
median of the members' map positions: always on a point of the cluster, even when the cluster is
curved or split on the map, where its mean position could fall in a neighbour's region.

Example:
    >>> import numpy as np
    >>> from explorer.map.labels import label_position, rank_weights
    >>> rank_weights(3).round(3).tolist()
    [1.0, 0.685, 0.5]
    >>> label_position(np.array([[0.0, 0.0], [1.0, 1.0], [9.0, 9.0]]))
    1
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from explorer.clustering import cluster_names

SEPARATOR = " · "
NAME_WORDS = 3
RARE_WEIGHT = 0.5  # the score share the rarest word keeps
MINIBATCH_ROWS = 10_000  # above this many words, mini-batch k-means (explorer.clustering's switch)
MINIBATCH_SIZE = 2048


def rank_weights(n: int) -> np.ndarray:
    """Per word in file order (most frequent first in every common format), a weight from 1 down to
    ``RARE_WEIGHT``, falling with log(rank): frequency matters most among the first words.

    >>> rank_weights(1).tolist()
    [1.0]
    """
    if n <= 1:
        return np.ones(max(n, 0))
    ranks = np.arange(n, dtype=np.float64)
    return 1.0 - (1.0 - RARE_WEIGHT) * np.log1p(ranks) / np.log1p(n - 1)


def cluster_levels(unit: np.ndarray, sizes: Sequence[int], seed: int = 0, progress: Any = None) -> list[np.ndarray]:
    """k-means labels (int32, 0..k-1) of the rows of ``unit`` for each size in ``sizes``, coarse first, seeded.

    Each level clusters the original (unit) vectors, not the map, so regions follow the vector
    space whatever the layout method did to it. The rows are clustered as they are (they are unit
    already: no normalised copy); above ``MINIBATCH_ROWS`` rows by mini-batch k-means, whose
    centres are fitted on batches and every row then assigned to its nearest one, as
    ``explorer.clustering.kmeans_labels`` does. ``progress``: an object with ``update(levels_done)``.
    """
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from threadpoolctl import threadpool_limits

    n = len(unit)
    levels = []
    for done, size in enumerate(sizes):
        k = int(min(size, n))
        if n > MINIBATCH_ROWS:
            model: Any = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=MINIBATCH_SIZE)
        else:
            model = KMeans(n_clusters=k, random_state=seed, n_init=3)
        # One BLAS and OpenMP thread: k-means++ and the mini-batch steps make thousands of small
        # matrix products, and waking a thread pool for each cost 10x the work on these 2 shared
        # cores (30,522 x 384, 120 clusters: k-means++ alone 72 s with the pools, under 5 s without).
        with threadpool_limits(limits=1):
            levels.append(model.fit_predict(unit).astype(np.int32))
        if progress is not None:
            progress.update(done + 1)
    return levels


def label_position(coords: np.ndarray) -> int:
    """Row of ``coords`` (one cluster's map positions) nearest the coordinate-wise median of them all."""
    coords = np.asarray(coords, dtype=np.float64)
    centre = np.median(coords, axis=0)
    return int(np.argmin(((coords - centre) ** 2).sum(axis=1)))


def label_table(
    unit: np.ndarray, coords: np.ndarray, levels: Sequence[np.ndarray], keys: Sequence[str]
) -> dict[str, Any]:
    """The columns of ``labels.parquet``: one row per (level, cluster) with its position, name and size.

    ``unit``: (n, d) unit vectors; ``coords``: (n, 2 or 3) map positions; ``levels``: per level,
    each row's cluster id.
    """
    weights = rank_weights(len(keys))
    out: dict[str, list[Any]] = {"level": [], "cluster": [], "label": [], "size": []}
    position: list[np.ndarray] = []
    for level, labels in enumerate(levels):
        names = cluster_names(unit, labels, keys, n_words=NAME_WORDS, weights=weights, sep=SEPARATOR, unit=True)
        order = np.argsort(labels, kind="stable")
        bounds = np.searchsorted(labels[order], np.arange(len(names) + 1))
        for c, name in enumerate(names):
            members = order[bounds[c] : bounds[c + 1]]
            if len(members) == 0:  # k-means left it empty: no region, no label
                continue
            out["level"].append(level)
            out["cluster"].append(c)
            out["label"].append(name)
            out["size"].append(len(members))
            position.append(coords[members[label_position(coords[members])]])
    table: dict[str, Any] = {
        "level": np.asarray(out["level"], dtype=np.int32),
        "cluster": np.asarray(out["cluster"], dtype=np.int32),
    }
    where = np.asarray(position, dtype=np.float32).reshape(len(position), coords.shape[1])
    for j, column in enumerate(("x", "y", "z")[: coords.shape[1]]):
        table[column] = where[:, j]
    table["label"] = out["label"]
    table["size"] = np.asarray(out["size"], dtype=np.int64)
    return table
