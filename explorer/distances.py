"""Exact Euclidean distances between chosen pairs of rows, summed in a fixed order (numba).

Threaded matrix products and reductions do not round alike from one process to the next; t-SNE
turns any last-bit difference in its neighbour distances into a different map. These loops give
the same bits in every run, and need no (rows x k x dims) temporary.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _pair_distances(values, rows, neighbours, out):  # pragma: no cover
    for a in range(neighbours.shape[0]):
        i = rows[a]
        for b in range(neighbours.shape[1]):
            j = neighbours[a, b]
            total = 0.0
            for c in range(values.shape[1]):
                diff = values[i, c] - values[j, c]
                total += diff * diff
            out[a, b] = np.sqrt(total)


def pair_distances(values: np.ndarray, rows: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """out[a, b] = |values[rows[a]] - values[neighbours[a, b]]|, accumulated in float64.

    values (n, dims) float32 or float64; rows (m,) and neighbours (m, k) row indices. Returns
    (m, k) in the dtype of ``values``.

    >>> pair_distances(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([0]), np.array([[1, 0]])).tolist()
    [[5.0, 0.0]]
    """
    values = np.ascontiguousarray(values)
    out = np.empty(neighbours.shape, dtype=np.float64)
    _pair_distances(
        values, np.ascontiguousarray(rows, dtype=np.int64), np.ascontiguousarray(neighbours, dtype=np.int64), out
    )
    return out.astype(values.dtype, copy=False)
