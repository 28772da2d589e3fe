"""How faithful a map is to the original cosine space: k-NN overlap and trustworthiness.

Example:
    >>> import numpy as np
    >>> from explorer.projection.quality import faithfulness
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> faithfulness(X, X)["trustworthiness"] > 0.9
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.projection.knn import knn_graph, unit_float32

FAITHFULNESS_K = 10
FAITHFULNESS_SAMPLE = 1000
CHUNK_ROWS = 256
CHUNK_SCORES = 2**26  # scores held at once (256 MB of float32): 67 sampled rows a chunk at 1,000,000 points


def faithfulness(
    X: np.ndarray, coords: np.ndarray, k: int = FAITHFULNESS_K, sample: int = FAITHFULNESS_SAMPLE, seed: int = 0
) -> dict[str, Any]:
    """k-NN overlap and trustworthiness of a map, averaged over up to ``sample`` points.

    Neighbours in the original space are by cosine; on the map, by Euclidean distance.
    Trustworthiness follows Venna & Kaski: map neighbours that are not original neighbours
    are penalised by how far down the original ranking they sit. With n <= sample it equals
    scikit-learn's ``trustworthiness(..., metric="cosine")``.

    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> faithfulness(X, X[:, :2])["knn_overlap"] < faithfulness(X, X)["knn_overlap"]
    True
    """
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    k = int(min(k, max(1, (n - 1) // 2)))
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=sample, replace=False)) if n > sample else np.arange(n)
    unit = unit_float32(X)  # no copy when the rows are unit already
    map_nn = knn_graph(np.asarray(coords, dtype=np.float64), k, rows)[0]
    overlap = 0.0
    penalty = 0.0
    step = max(1, min(CHUNK_ROWS, CHUNK_SCORES // n))
    for start in range(0, len(rows), step):
        idx = rows[start : start + step]
        sim = unit[idx] @ unit.T  # (chunk, n) float32
        sim[np.arange(len(idx)), idx] = -np.inf  # self is nobody's neighbour
        mapped = map_nn[start : start + len(idx)]
        target = np.take_along_axis(sim, mapped, axis=1)  # (chunk, k)
        # rank of a map neighbour in the original ordering: 1 + how many points are more similar
        r = np.stack([(sim > target[:, j : j + 1]).sum(axis=1) for j in range(target.shape[1])], axis=1) + 1
        overlap += float((r <= k).sum())
        penalty += float(np.clip(r - k, 0, None).sum())
    m = len(rows)
    trust = 1.0 - 2.0 / (m * k * (2.0 * n - 3.0 * k - 1.0)) * penalty
    return {"knn_overlap": overlap / (m * k), "trustworthiness": float(trust), "k": k, "n_scored": m}
