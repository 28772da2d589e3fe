"""Each word's nearest words in the original space, exact or approximate, and the recall of what was found.

Below ``EXACT_MAX_ROWS`` words the search is exact (blocked matrix products,
``explorer.projection.knn.knn_graph``); above, pynndescent's NN-descent graph, whose recall@k
:func:`measured_recall` checks on a seeded sample against exact neighbours (:func:`exact_top`: tiles of
the sample against slices of the columns, so a million words are read once, not once per few rows). faiss and hnswlib are
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
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from explorer.map.contract import RECALL_SAMPLE

KNN_CHUNKS = 20  # progress updates per exact neighbour search
BLOCK_SCORES = 2**22  # rows x neighbours x dimensions gathered at once for cosines (16 MB of float32)
TILE_SCORES = 2**24  # scores held at once in an exact search of some rows (64 MB of float32)
DEGREE, LARGE_DEGREE = 30, 50  # NN-descent graph degree up to LARGE_GRAPH_ROWS rows and above
LARGE_GRAPH_ROWS = 200_000
FOREST_SHARE = 0.1  # the share of NN-descent's progress given to its random-projection forest
IVF_CHECK = 200  # rows the IVF checks its own recall on (the job measures 2,000 after it)
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


class _LineSink:
    """A text stream that hands each complete line written to it to ``line``."""

    def __init__(self, line: Callable[[str], None]) -> None:
        self.line = line
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for one in lines:
            self.line(one)
        return len(text)

    def flush(self) -> None:
        return None


class _DescentProgress:
    """Reads pynndescent's own progress lines ("Building RP forest ...", "\t 3  /  20") and reports
    rows-equivalent progress: the forest is the first ``FOREST_SHARE``, then each NN-descent
    iteration an equal part of the rest (NN-descent usually stops early, so the time left is an
    upper bound)."""

    ITERATION = re.compile(r"^\s*(\d+)\s+/\s+(\d+)\s*$")

    def __init__(self, n: int, progress: Any) -> None:
        self.n, self.progress = n, progress

    def line(self, text: str) -> None:
        found = self.ITERATION.match(text)
        if found:  # printed as iteration i starts: i - 1 are done
            done, total = int(found.group(1)) - 1, max(1, int(found.group(2)))
            self.progress.update(int(self.n * (FOREST_SHARE + (1 - FOREST_SHARE) * done / total)))
        elif "exiting after" in text:  # converged before its last iteration
            self.progress.update(self.n)
        elif "NN descent for" in text:  # the forest is built
            self.progress.update(int(self.n * FOREST_SHARE))


def descent_degree(n: int, k: int) -> int:
    """Neighbours per row of the NN-descent graph for ``n`` rows and ``k`` wanted: at least 2k, and 30
    up to ``LARGE_GRAPH_ROWS`` rows, 50 above.

    Measured on planted words (300-D, 4 sub-clusters per cluster, isotropic noise inside each: the
    hardest case for a graph search): at 100,000 words degree 16 / 20 / 24 / 31 found 0.908 / 0.957 /
    0.980 / 0.994 of the true 10 neighbours; at 1,000,000 words (sub-clusters 10x larger) degree 31
    found 0.820, about what 12 found at 100,000, so the degree a recall needs grew about 2.5x; degree
    50 found 0.954 there, in about the same time (156 s against 152 s: it converged in fewer iterations).

    >>> descent_degree(100_000, 10), descent_degree(1_000_000, 10), descent_degree(20, 10)
    (30, 50, 19)
    """
    wanted = max(2 * k, DEGREE if n <= LARGE_GRAPH_ROWS else LARGE_DEGREE)
    return int(min(n - 1, wanted))


def approximate_neighbors(
    unit: np.ndarray, k: int, seed: int = 0, progress: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows of ``unit``, approximate (pynndescent's NN-descent graph): (indices, cosines).

    The graph is built with more neighbours than asked for (:func:`descent_degree`: NN-descent's
    recall grows with the graph's degree); each row keeps the graph's k nearest (it lists them nearest first),
    ordered by their exact cosines; a row the graph left short is searched exactly.
    ``progress``: an object with ``update(rows_done)``, fed from pynndescent's progress lines.
    """
    import contextlib

    import pynndescent

    n = len(unit)
    wanted = descent_degree(n, k)
    verbose = progress is not None
    sink = _LineSink(_DescentProgress(n, progress).line) if verbose else None
    with contextlib.redirect_stdout(sink) if sink is not None else contextlib.nullcontext():
        index = pynndescent.NNDescent(
            unit, metric="euclidean", n_neighbors=wanted + 1, random_state=seed, low_memory=True, verbose=verbose
        )
        graph, _ = index.neighbor_graph
    del index  # its forest and candidate lists
    graph = np.asarray(graph, dtype=np.int64)  # (n, wanted + 1), usually the row itself first
    # Keep, per row, the first k entries that are neither the row itself nor a -1 the graph could not fill.
    usable = (graph != np.arange(n)[:, None]) & (graph >= 0)
    first = np.argsort(~usable, axis=1, kind="stable")[:, :k]
    indices = np.take_along_axis(graph, first, axis=1)
    short = np.flatnonzero(usable.sum(axis=1) < k)
    del graph, usable, first
    if len(short):
        indices[short] = exact_top(unit, short, k)[0]
    cosines = row_cosines(unit, indices)
    order = np.argsort(-cosines, axis=1, kind="stable")  # nearest first, by the exact cosines
    return np.take_along_axis(indices, order, axis=1), np.take_along_axis(cosines, order, axis=1)


def ivf_neighbors(unit: np.ndarray, k: int, seed: int = 0, progress: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows of ``unit``, approximate: the app's inverted file
    (``explorer.knnengine.cosine_knn``: spherical k-means cells, each row searched exactly among the
    members of the cells a calibration sample says hold 99% of its neighbours, at most 35% of them),
    re-ranked by float64 cosines: (indices int64 (n, k), cosines float32 (n, k)), nearest first.

    The engine checks its own recall on a small sample only (``IVF_CHECK``): the job's recall stage
    measures the stored lists on its 2,000 words. ``progress`` (``update(rows_done)``) hears of the
    end only: the stage's heartbeat says it is alive meanwhile.
    """
    from explorer.knnengine import cosine_knn

    found = cosine_knn(unit, k, exact_max_rows=0, seed=seed, sample=IVF_CHECK, exact_fallback=False)
    indices = found.indices.astype(np.int64)
    cosines = row_cosines(unit, indices)
    order = np.argsort(-cosines, axis=1, kind="stable")  # nearest first, by the exact cosines
    if progress is not None:
        progress.update(len(unit))
    return np.take_along_axis(indices, order, axis=1), np.take_along_axis(cosines, order, axis=1)


def exact_top(unit: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact ``k`` most similar other rows of ``unit`` for each of ``rows``: (indices int64,
    cosines float32), each (len(rows), k), most similar first.

    Tiles of ``TILE_SCORES`` scores (all of ``rows`` against a slice of the columns), keeping a
    running top k per row, through torch on a view of ``unit`` (no copy): the 2,000-word recall
    sample of a million words reads the matrix once rather than once per few rows.

    >>> from explorer.linalg import unit_rows
    >>> unit = unit_rows(np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32))
    >>> bool((exact_top(unit, np.arange(50), 3)[0] == exact_neighbors(unit, 3)[0]).all())
    True
    """
    import torch

    n = len(unit)
    rows = np.asarray(rows, dtype=np.int64)
    matrix = np.ascontiguousarray(unit, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about read-only arrays; nothing here writes to it
        U = torch.from_numpy(matrix)
    out_idx = np.empty((len(rows), k), dtype=np.int64)
    out_cos = np.empty((len(rows), k), dtype=np.float32)
    row_step = max(1, min(len(rows), TILE_SCORES // max(1, min(n, 4096))))
    with torch.inference_mode():
        for r0 in range(0, len(rows), row_step):
            own = rows[r0 : r0 + row_step]
            own_t = torch.from_numpy(own)
            query = U[own_t]  # (b, d), a copy of b rows
            best_cos = torch.full((len(own), k), -math.inf)
            best_idx = torch.zeros((len(own), k), dtype=torch.int64)
            col_step = max(k + 1, TILE_SCORES // len(own))
            for c0 in range(0, n, col_step):
                c1 = min(n, c0 + col_step)
                scores = query @ U[c0:c1].T  # (b, c1 - c0)
                inside = np.flatnonzero((own >= c0) & (own < c1))
                if len(inside):  # a row is not its own neighbour
                    scores[torch.from_numpy(inside), torch.from_numpy(own[inside] - c0)] = -math.inf
                top = torch.topk(scores, min(k, c1 - c0), dim=1)
                merged_cos = torch.cat([best_cos, top.values], dim=1)
                merged_idx = torch.cat([best_idx, top.indices + c0], dim=1)
                keep = torch.topk(merged_cos, k, dim=1)
                best_cos, best_idx = keep.values, torch.gather(merged_idx, 1, keep.indices)
            out_idx[r0 : r0 + len(own)] = best_idx.numpy()
            out_cos[r0 : r0 + len(own)] = best_cos.numpy()
    return out_idx, out_cos


def row_cosines(unit: np.ndarray, indices: np.ndarray, among: np.ndarray | None = None) -> np.ndarray:
    """cos(row i, row indices[i, j] of ``among``) for every (i, j), float32, a block of rows at a time
    (bounded memory); ``among`` defaults to ``unit`` itself."""
    among = unit if among is None else among
    n, k = indices.shape
    out = np.empty((n, k), dtype=np.float32)
    step = max(1, BLOCK_SCORES // max(1, k * unit.shape[1]))
    for start in range(0, n, step):
        stop = min(n, start + step)
        out[start:stop] = np.einsum("id,ijd->ij", unit[start:stop], among[indices[start:stop]])
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
    kth = exact_top(unit, rows, k)[1][:, -1]  # the k-th largest cosine of each sampled row
    got = row_cosines(unit[rows], indices[rows], unit)
    return float((got >= kth[:, None] - TIE_TOLERANCE).sum()) / (len(rows) * k)
