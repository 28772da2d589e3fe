"""Exact k nearest neighbours by blocked matrix products: the graph t-SNE, UMAP and the quality scores share.

Example:
    >>> import numpy as np
    >>> from explorer.projection.knn import cosine_knn
    >>> cosine_knn(np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 1]], dtype=np.float32), 1)[:, 0].tolist()
    [1, 0, 3, 2]
"""

from __future__ import annotations

import numpy as np

from explorer.errors import ProjectionError
from explorer.linalg import unit_rows


def knn_graph(
    X: np.ndarray, k: int, rows: np.ndarray | None = None, max_block: int = 2**22
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours by Euclidean distance of each of ``rows`` (default: every row)
    among all rows of X, the row itself excluded.

    Returns (indices (len(rows), k) int64, distances (len(rows), k)), nearest first. Blocked
    matrix products with a top-k per block (torch, on CUDA when present): exact, and faster on a
    few cores than the approximate indexes t-SNE and UMAP build by default, up to about 50k rows.
    float64 input is ranked in float64, anything else in float32. A block
    holds at most ``max_block`` scores, so memory stays near 4-8 x max_block bytes (the default,
    2^22 scores, keeps a 20,000-point t-SNE's neighbour search near 110 MB at its peak; 2^24 took 300 MB
    for no measurable gain in speed). ``k`` must be
    below the number of rows.

    >>> Y = np.array([[0.0], [1.0], [3.0], [7.0]])
    >>> idx, dist = knn_graph(Y, 2)
    >>> idx.tolist(), dist.tolist()
    ([[1, 2], [0, 2], [1, 0], [2, 1]], [[1.0, 3.0], [1.0, 2.0], [2.0, 3.0], [4.0, 6.0]])
    """
    import torch  # slow to import (with numba below): paid on the first map, not when the app starts

    from explorer.device import select_device
    from explorer.distances import pair_distances

    n = len(X)
    if not 0 < k < n:
        raise ProjectionError(f"k must be between 1 and {n - 1} for {n} points; got {k}.")
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    device = select_device()
    if device.type != "cuda":
        device = torch.device("cpu")  # MPS top-k is limited in k; the CPU path is the tested one
    dtype = np.float64 if np.asarray(X).dtype == np.float64 else np.float32
    values = np.ascontiguousarray(X, dtype=dtype)
    T = torch.tensor(values, device=device)  # a copy: torch will not wrap read-only arrays
    sq = (T * T).sum(dim=1)  # (n,)
    query = torch.as_tensor(rows, device=device)
    block = int(max(1, min(len(rows), max_block // n)))
    indices = np.empty((len(rows), k), dtype=np.int64)
    distances = np.empty((len(rows), k), dtype=dtype)
    with torch.inference_mode():
        for start in range(0, len(rows), block):
            stop = min(len(rows), start + block)
            own = query[start:stop]
            # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b; |a|^2 is constant along a row, so rank by |b|^2 - 2 a.b
            scores = torch.addmm(sq.unsqueeze(0), T[own], T.T, beta=1.0, alpha=-2.0)  # (block, n)
            scores[torch.arange(stop - start, device=device), own] = float("inf")  # never one's own neighbour
            idx = torch.topk(scores, k, dim=1, largest=False, sorted=True).indices.cpu().numpy()  # (block, k)
            # The distances themselves come from the differences (explorer.distances), not from
            # the expansion above: exact, with no cancellation, and the same bits in every run.
            d = pair_distances(values, rows[start:stop], idx)
            order = np.argsort(d, axis=1, kind="stable")  # re-rank by the exact distances
            indices[start:stop] = np.take_along_axis(idx, order, axis=1)
            distances[start:stop] = np.take_along_axis(d, order, axis=1)
    return indices, distances


UNIT_TOLERANCE = 1e-5  # a float32 row this close to length 1 counts as a unit row


def unit_float32(X: np.ndarray) -> np.ndarray:
    """Rows of X scaled to unit length, as float32 (the cosine geometry every method works in).

    Rows that are unit length already (or zero) are returned as they are, without a copy: the
    map job hands over a million unit rows (1.2 GB), which a second normalised copy would double.

    >>> U = unit_float32(np.array([[3.0, 4.0]]))
    >>> U.tolist(), unit_float32(U) is U
    ([[0.6000000238418579, 0.800000011920929]], True)
    """
    X = np.asarray(X)
    if X.dtype == np.float32 and X.ndim == 2:
        lengths = np.sqrt(np.einsum("ij,ij->i", X, X))  # (n,), no (n, d) temporary
        if bool(np.all((np.abs(lengths - 1.0) < UNIT_TOLERANCE) | (lengths == 0.0))):
            return X
    return unit_rows(X).astype(np.float32, copy=False)


def cosine_knn(X: np.ndarray, k: int, rows: np.ndarray | None = None) -> np.ndarray:
    """Indices of the k nearest rows of X (cosine, self excluded) for each of ``rows`` (default all).

    Exact: ``knn_graph`` on unit vectors, where Euclidean order is cosine order.

    >>> X = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 1]], dtype=np.float32)
    >>> cosine_knn(X, 1)[:, 0].tolist()
    [1, 0, 3, 2]
    """
    return knn_graph(unit_rows(np.asarray(X, dtype=np.float32)), min(k, len(X) - 1), rows)[0]
