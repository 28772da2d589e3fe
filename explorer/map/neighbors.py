"""Each word's nearest words in the original space, exact or approximate, and the recall of what was found.

Below ``EXACT_MAX_ROWS`` words the search is exact (blocked matrix products,
``explorer.projection.knn.knn_graph``); above, pynndescent's NN-descent graph, whose recall@k
:func:`measured_recall` checks on a seeded sample against exact neighbours. faiss and hnswlib are
not dependencies; pynndescent comes with umap-learn.

Example:
    >>> import numpy as np
    >>> from explorer.linalg import unit_rows
    >>> unit = unit_rows(np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32))
    >>> idx, cos = exact_neighbors(unit, 5)
    >>> idx.shape, bool((cos[:, :-1] >= cos[:, 1:]).all()), measured_recall(unit, idx)
    ((300, 5), True, 1.0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from explorer.map.contract import RECALL_SAMPLE

KNN_CHUNKS = 20  # progress updates per exact neighbour search
BLOCK_SCORES = 2**22  # scores held at once when checking recall (16 MB of float32)
TIE_TOLERANCE = 1e-5  # a neighbour as similar as the k-th exact one (to float32 rounding) counts as found


def exact_block(unit: np.ndarray, start: int, stop: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact ``k`` nearest rows of rows ``start:stop`` among all rows of ``unit`` (unit vectors):
    (indices int64, cosines float32), each (stop - start, k), nearest first.

    Blocked matrix products (``knn_graph``, a bounded block of scores at a time). On unit vectors
    |a - b|^2 = 2 - 2 cos, so the Euclidean order is the cosine order and cos = 1 - d^2 / 2. The
    unit of work of a Ray task (``explorer.map.ray_engine``) as of the in-process search.
    """
    from explorer.projection.knn import knn_graph

    idx, dist = knn_graph(unit, k, np.arange(start, stop))
    return idx, 1.0 - dist.astype(np.float32) ** 2 / 2.0


def exact_neighbors(unit: np.ndarray, k: int, progress: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows of ``unit`` (unit vectors), exact: (indices int64 (n, k), cosines float32 (n, k)).

    :func:`exact_block` over ``KNN_CHUNKS`` chunks of rows, so progress can be reported
    (``progress``: an object with ``update(rows_done)``).
    """
    n = len(unit)
    indices = np.empty((n, k), dtype=np.int64)
    cosines = np.empty((n, k), dtype=np.float32)
    step = max(1, math.ceil(n / KNN_CHUNKS))
    for start in range(0, n, step):
        stop = min(n, start + step)
        indices[start:stop], cosines[start:stop] = exact_block(unit, start, stop, k)
        if progress is not None:
            progress.update(stop)
    return indices, cosines


def approximate_neighbors(unit: np.ndarray, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows of ``unit``, approximate (pynndescent's NN-descent graph): (indices, cosines).

    The graph is built with more neighbours than asked for (at least 30: NN-descent's recall grows
    with the graph's degree); each row keeps the graph's k nearest (it lists them nearest first),
    ordered by their exact cosines; a row the graph left short is searched exactly.
    """
    import pynndescent

    from explorer.projection.knn import knn_graph

    n = len(unit)
    wanted = int(min(n - 1, max(30, 2 * k)))
    index = pynndescent.NNDescent(
        unit, metric="euclidean", n_neighbors=wanted + 1, random_state=seed, low_memory=True, verbose=False
    )
    graph, _ = index.neighbor_graph
    graph = np.asarray(graph, dtype=np.int64)  # (n, wanted + 1), usually the row itself first
    # Keep, per row, the first k entries that are neither the row itself nor a -1 the graph could not fill.
    usable = (graph != np.arange(n)[:, None]) & (graph >= 0)
    first = np.argsort(~usable, axis=1, kind="stable")[:, :k]
    indices = np.take_along_axis(graph, first, axis=1)
    short = np.flatnonzero(usable.sum(axis=1) < k)
    if len(short):
        indices[short] = knn_graph(unit, k, short)[0]
    cosines = row_cosines(unit, indices)
    order = np.argsort(-cosines, axis=1, kind="stable")  # nearest first, by the exact cosines
    return np.take_along_axis(indices, order, axis=1), np.take_along_axis(cosines, order, axis=1)


def row_cosines(unit: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """cos(row i, row indices[i, j]) for every (i, j), float32, a block of rows at a time (bounded memory)."""
    n, k = indices.shape
    out = np.empty((n, k), dtype=np.float32)
    step = max(1, BLOCK_SCORES // max(1, k * unit.shape[1]))
    for start in range(0, n, step):
        stop = min(n, start + step)
        out[start:stop] = np.einsum("id,ijd->ij", unit[start:stop], unit[indices[start:stop]])
    return out


def measured_recall(unit: np.ndarray, indices: np.ndarray, sample: int = RECALL_SAMPLE, seed: int = 0) -> float:
    """recall@k of ``indices`` against exact neighbours, on a seeded sample of up to ``sample`` rows.

    A neighbour counts as found when its cosine is at least the k-th exact cosine of its row (less
    a float32 rounding tolerance): a word tied with the k-th exact neighbour is as right as it, so
    exact neighbours score 1.0 whatever order ties were broken in.

    >>> from explorer.linalg import unit_rows
    >>> unit = unit_rows(np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32))
    >>> measured_recall(unit, np.roll(exact_neighbors(unit, 5)[0], 1, axis=0)) < 0.2
    True
    """
    n, k = indices.shape
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=sample, replace=False)) if n > sample else np.arange(n)
    step = max(1, BLOCK_SCORES // n)
    found = 0
    for start in range(0, len(rows), step):
        own = rows[start : start + step]
        sims = unit[own] @ unit.T  # (block, n) float32
        sims[np.arange(len(own)), own] = -np.inf  # a word is not its own neighbour
        kth = -np.partition(-sims, k - 1, axis=1)[:, k - 1]  # the k-th largest cosine of each row
        got = np.take_along_axis(sims, indices[own], axis=1)
        found += int((got >= kth[:, None] - TIE_TOLERANCE).sum())
    return found / (len(rows) * k)
