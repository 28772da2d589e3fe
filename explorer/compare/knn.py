"""Exact cosine nearest neighbours of every row among all rows, in blocks (never an n x n matrix).

On the CPU the Gram matrix of the unit rows is read one (BLOCK, BLOCK) tile at a time, and only
the tiles on and above the diagonal are computed: the matrix is symmetric, so a tile (I, J) is
read along its rows for the words of I and along its columns for the words of J. That halves
the multiply-adds (n^2 d / 2 for n rows of d dimensions), which are most of the cost. A compiled
loop folds each tile into a running top-k per row: a score enters a row's list only when it
beats the row's current k-th best, which after the first tile is rare, so the fold is one pass
over the tile. On CUDA, strips of rows go through ``torch.mm`` and ``torch.topk`` instead.

Either way the float32 products only pick candidates: each row keeps k + 2 of them, which are
scored again as float64 dot products summed in a fixed order and the best k kept. Two neighbours
whose float32 cosines differ in the last bit are therefore ranked by their true cosine, and the
lists are the same whatever the blocks, the threads, the device or the process. Equal scores are
listed in row order.

Example:
    >>> import numpy as np
    >>> x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 1]], dtype=np.float32)
    >>> cosine_neighbours(x, 1)[:, 0].tolist()
    [1, 0, 3, 2]
"""

from __future__ import annotations

import numba
import numpy as np

from explorer.errors import CompareError
from explorer.linalg import unit_rows
from explorer.topk import insert_sorted, rescore_rows

BLOCK = 2048  # rows per tile: a (BLOCK, BLOCK) float32 tile is 16 MB
STRIP_SCORES = 2**26  # most scores in one (rows, n) strip on CUDA (256 MB of float32)
EXTRA = 2  # candidates kept beyond k from the float32 products, for the float64 re-ranking


@numba.njit(cache=True, nogil=True)
def _fold_rows(scores, r0, c0, best_v, best_i):  # pragma: no cover - compiled
    # Row i of the tile is row r0 + i; column j is row c0 + j. best_v/best_i (n, k): sorted lists.
    k = best_v.shape[1]
    for i in range(scores.shape[0]):
        r = r0 + i
        threshold = best_v[r, k - 1]
        for j in range(scores.shape[1]):
            s = scores[i, j]
            if s > threshold:
                threshold = insert_sorted(best_v, best_i, r, s, c0 + j)


@numba.njit(cache=True, nogil=True)
def _fold_columns(scores, r0, c0, best_v, best_i):  # pragma: no cover - compiled
    # The tile read transposed: column j is row r0 + j, row i is its candidate c0 + i. Rows of the
    # tile are scanned in order, so each list receives its candidates in index order.
    k = best_v.shape[1]
    m = scores.shape[1]
    threshold = np.empty(m, dtype=best_v.dtype)
    for j in range(m):
        threshold[j] = best_v[r0 + j, k - 1]
    for i in range(scores.shape[0]):
        for j in range(m):
            s = scores[i, j]
            if s > threshold[j]:
                threshold[j] = insert_sorted(best_v, best_i, r0 + j, s, c0 + i)


def cosine_neighbours(x: np.ndarray, k: int, block: int = BLOCK, device: str | None = "cpu") -> np.ndarray:
    """(n, k) int32 indices of each row's ``k`` nearest other rows by cosine, nearest first. Exact.

    Rows are scaled to unit length first (a zero row has cosine 0 with every row). Candidates
    come from float32 products and are ranked by float64 cosines, so the lists do not depend on
    ``block`` or the device. A row's own index never appears in its list, and equal scores are
    listed in row order. ``device``: "cpu" (default), or "auto" / "cuda" to use a CUDA GPU when
    there is one.

    >>> x = np.array([[1, 0], [0, 1], [1, 0.1]], dtype=np.float32)
    >>> cosine_neighbours(x, 2).tolist()
    [[2, 1], [2, 0], [0, 1]]
    """
    x = np.asarray(x)
    n = len(x)
    if not 0 < k < n:
        raise CompareError(f"k must be between 1 and {n - 1} for {n} rows; got {k}.")
    units = np.ascontiguousarray(unit_rows(x.astype(np.float32, copy=False)), dtype=np.float32)  # (n, d)
    wide = min(k + EXTRA, n - 1)  # candidates per row from the float32 products
    candidates = None
    if device not in (None, "cpu"):
        from explorer.device import select_device

        chosen = select_device(device)
        if chosen.type == "cuda":
            candidates = _neighbours_torch(units, wide, chosen)
    if candidates is None:
        candidates = _neighbours_cpu(units, wide, max(1, int(block)))
    return _rerank(units, candidates, k)


def _rerank(units: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    """The best k of each row's candidates by float64 cosine, equal scores in row order: (n, k) int32."""
    candidates = np.ascontiguousarray(candidates, dtype=np.int64)
    scores = np.empty(candidates.shape, dtype=np.float64)
    rescore_rows(units, candidates, scores, 0, len(candidates))
    order = np.lexsort((candidates, -scores), axis=-1)[:, :k]
    return np.take_along_axis(candidates, order, axis=1).astype(np.int32)


def _neighbours_cpu(units: np.ndarray, k: int, block: int) -> np.ndarray:
    """(n, k) int64 candidates, best first by float32 score: symmetric tiles folded by the compiled loops."""
    import torch

    n = len(units)
    best_v = np.full((n, k), -np.inf, dtype=np.float32)  # running top-k scores per row, best first
    best_i = np.full((n, k), -1, dtype=np.int64)  # their row indices
    rows = torch.from_numpy(units)
    tile = torch.empty((min(block, n), min(block, n)), dtype=torch.float32)
    starts = range(0, n, block)
    with torch.inference_mode():
        for i0 in starts:
            i1 = min(n, i0 + block)
            for j0 in starts:
                if j0 < i0:
                    continue  # the tile below the diagonal is the transpose of one already read
                j1 = min(n, j0 + block)
                shape = (i1 - i0, j1 - j0)
                out = tile if tuple(tile.shape) == shape else torch.empty(shape, dtype=torch.float32)
                torch.mm(rows[i0:i1], rows[j0:j1].T, out=out)  # (bi, bj) cosines, C-contiguous
                scores = out.numpy()
                if j0 == i0:
                    np.fill_diagonal(scores, -np.inf)  # never one's own neighbour
                _fold_rows(scores, i0, j0, best_v, best_i)
                if j0 != i0:
                    _fold_columns(scores, j0, i0, best_v, best_i)
    return best_i


def _neighbours_torch(units: np.ndarray, k: int, device) -> np.ndarray:
    """(n, k) int64 candidates: strips of rows against all rows, torch.mm + torch.topk (CUDA; 2x the products)."""
    import torch

    n = len(units)
    all_rows = torch.from_numpy(units).to(device)
    strip = int(max(1, min(n, STRIP_SCORES // n)))
    out = np.empty((n, k), dtype=np.int64)
    with torch.inference_mode():
        for s0 in range(0, n, strip):
            s1 = min(n, s0 + strip)
            scores = torch.mm(all_rows[s0:s1], all_rows.T)  # (strip, n)
            own = torch.arange(s0, s1, device=device)
            scores[own - s0, own] = float("-inf")
            out[s0:s1] = torch.topk(scores, k, dim=1).indices.cpu().numpy()  # (strip, k), order re-ranked later
    return out
