"""Comparing occurrences: cosine matrices, sense separation, suggested groups, a 2-D map, CSV export.

Contextual vectors share a common direction (anisotropy) that makes every cosine between them
high; ``center=True`` subtracts the occurrences' mean first so that what differs between them
shows. A lookup table gives a word one row, so its matrix is all ones (``static_matrix``).

Example:
    >>> import numpy as np
    >>> from explorer.contextual.similarity import cosine_matrix, sense_separation
    >>> m = cosine_matrix(np.array([[1.0, 0.1], [0.9, 0.2], [0.1, 1.0]]))
    >>> sense_separation(m, ["money", "money", "river"]).score > 0.5
    True
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from explorer import linalg
from explorer.errors import ContextError


class SenseSeparation(NamedTuple):
    """Mean cosine of same-sense pairs, of cross-sense pairs, and their difference (the separation score)."""

    same: float
    cross: float
    score: float


def cosine_matrix(vectors: np.ndarray, center: bool = False) -> np.ndarray:
    """Symmetric (n, n) cosine similarity of the rows, ones on the diagonal; ``center`` subtracts their mean first.

    Centering removes the direction every contextual vector shares (anisotropy), which otherwise
    makes all cosines high. A zero row (possible after centering two equal vectors) has cosine 0
    with everything, itself included.

    Example:
        >>> m = cosine_matrix(np.array([[1.0, 0.0], [1.0, 1.0]]))
        >>> float(m[0, 0]), round(float(m[0, 1]), 3)
        (1.0, 0.707)
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ContextError(f"Vectors must be a 2-D matrix (occurrences x dimensions); got shape {x.shape}.")
    if center and len(x):
        x = x - x.mean(axis=0, keepdims=True)
    m = linalg.cosine_matrix(x)
    nonzero = np.linalg.norm(x, axis=1) > linalg.EPS
    np.fill_diagonal(m, np.where(nonzero, 1.0, 0.0))
    return m


def static_matrix(static_vector: np.ndarray, n: int) -> np.ndarray:
    """The cosine matrix a lookup table gives ``n`` occurrences of one word: every row is the same vector.

    Example:
        >>> bool(np.allclose(static_matrix(np.array([0.5, -1.0]), 3), 1.0))
        True
    """
    return cosine_matrix(np.tile(np.asarray(static_vector, dtype=np.float64), (n, 1)))


def off_diagonal(matrix: np.ndarray) -> np.ndarray:
    """The values above the diagonal (each pair once).

    Example:
        >>> off_diagonal(np.array([[1.0, 0.2], [0.2, 1.0]])).tolist()
        [0.2]
    """
    m = np.asarray(matrix)
    return m[np.triu_indices(m.shape[0], k=1)]


def _pair_masks(labels: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """(same-label pairs, different-label pairs) as (n, n) bool masks, the diagonal in neither."""
    lab = np.asarray([str(x) for x in labels])
    same = lab[:, None] == lab[None, :]
    off = ~np.eye(len(lab), dtype=bool)
    return same & off, ~same & off


def sense_separation(matrix: np.ndarray, labels: Sequence[Any]) -> SenseSeparation:
    """Mean similarity of same-sense pairs, of cross-sense pairs, and same minus cross.

    A missing kind of pair (every label different, or all the same) gives NaN for it and the score.

    Example:
        >>> m = np.array([[1, 0.9, 0.1], [0.9, 1, 0.2], [0.1, 0.2, 1]])
        >>> sense_separation(m, ["money", "money", "river"]).score
        0.75
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape != (len(labels), len(labels)):
        raise ContextError(f"{len(labels)} labels for a {m.shape[0]}x{m.shape[1]} matrix; give one label per row.")
    same, cross = _pair_masks(labels)
    s = float(m[same].mean()) if same.any() else float("nan")
    c = float(m[cross].mean()) if cross.any() else float("nan")
    return SenseSeparation(round(s, 12), round(c, 12), round(s - c, 12))


def separation_by_layer(stack: np.ndarray, labels: Sequence[Any], center: bool = False) -> list[SenseSeparation]:
    """:func:`sense_separation` at every layer of an (L + 1, n, hidden) stack.

    Example:
        >>> stack = np.array([[[1.0, 0.0], [1.0, 0.1], [0.9, 0.1]], [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]])
        >>> [round(s.score, 2) for s in separation_by_layer(stack, ["a", "a", "b"])]
        [-0.0, 0.94]
    """
    return [sense_separation(cosine_matrix(layer, center=center), labels) for layer in np.asarray(stack)]


def suggest_groups(matrix: np.ndarray, n_groups: int | None = None) -> np.ndarray:
    """Cluster the occurrences on 1 - cosine (average linkage); picks 2..5 groups by silhouette when not given.

    Groups are numbered by first appearance, so group 0 holds the first occurrence.

    Example:
        >>> m = np.array([[1, 0.9, 0.1, 0.0], [0.9, 1, 0.0, 0.1], [0.1, 0.0, 1, 0.8], [0.0, 0.1, 0.8, 1]])
        >>> suggest_groups(m).tolist()
        [0, 0, 1, 1]
    """
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    m = np.asarray(matrix, dtype=np.float64)
    n = m.shape[0]
    if n < 3:
        return np.zeros(n, dtype=np.int64)
    distance = np.clip(1.0 - m, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)

    def fit(k: int) -> np.ndarray:
        model = AgglomerativeClustering(n_clusters=k, metric="precomputed", linkage="average")
        return model.fit_predict(distance)

    if n_groups is not None:
        return fit(max(1, min(int(n_groups), n)))
    best, best_score = np.zeros(n, dtype=np.int64), -np.inf
    for k in range(2, min(5, n - 1) + 1):
        labels = fit(k)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(distance, labels, metric="precomputed")
        if score > best_score:
            best, best_score = labels, score
    mapping: dict[int, int] = {}
    return np.array([mapping.setdefault(int(x), len(mapping)) for x in best], dtype=np.int64)


def project_2d(vectors: np.ndarray, center: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """PCA to 2-D: the (n, 2) coordinates and the share of variance of each axis.

    Axes are signed so that their largest loading is positive (the same picture in every process).

    Example:
        >>> xy, share = project_2d(np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.1]]))
        >>> xy.shape, round(float(share[0]), 3)
        ((3, 2), 1.0)
    """
    x = np.asarray(vectors, dtype=np.float64)
    coords, _components, share = linalg.pca(x, 2, center=center)
    # Axes with no real spread (duplicate sentences, two points) stay at 0 instead of rounding
    # noise: an axis counts when its standard deviation is over 1e-6 of the first one's.
    spread = share > 1e-12 * share[0] if len(share) and share[0] > 0 else np.zeros(2, dtype=bool)
    return np.where(spread, coords, 0.0), np.where(spread, share, 0.0)


def matrix_csv(matrix: np.ndarray, labels: Sequence[str], sentences: Sequence[str] | None = None) -> str:
    """The matrix as CSV text with a label on each row and column (and the full sentence when given).

    Example:
        >>> matrix_csv(np.eye(2), ["1", "2"]).splitlines()[1]
        '1,1.0000,0.0000'
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["occurrence", *labels] + (["sentence"] if sentences is not None else []))
    for i, row in enumerate(np.asarray(matrix, dtype=float)):
        extra = [sentences[i]] if sentences is not None else []
        writer.writerow([labels[i], *(f"{v:.4f}" for v in row), *extra])
    return buf.getvalue()
