"""Senses by neighbours: an occurrence's nearest occurrences, and how often the nearest one shares its sense.

Coenen et al. (2019) classify a word's sense by its nearest occurrences in BERT's space. Here,
per layer, every labelled occurrence is classified by its single nearest other occurrence (cosine,
leave-one-out): the share of occurrences whose nearest neighbour has the same label is the
*nearest-neighbour sense accuracy*. A lookup table gives every occurrence the same vector, so all
its cosines tie at 1 and the nearest neighbour is any other occurrence: its accuracy is what a
random other occurrence gets (:func:`static_accuracy`).

Example:
    >>> import numpy as np
    >>> x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> neighbour_accuracy(x, ["money", "money", "river", "river"]), static_accuracy(["money", "money", "river", "river"])
    (1.0, 0.3333333333333333)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from explorer.contextual.similarity import cosine_matrix
from explorer.errors import ContextError


def _check(n: int, labels: Sequence[object]) -> None:
    if len(labels) != n:
        raise ContextError(f"{len(labels)} sense labels for {n} occurrences; give one label per occurrence.")


def nearest_occurrences(vectors: np.ndarray, index: int, k: int = 5, center: bool = False) -> list[tuple[int, float]]:
    """The ``k`` occurrences (rows) nearest row ``index`` by cosine, nearest first, as (row, cosine); itself left out.

    Ties keep the input order. ``center`` subtracts the rows' mean first, as the heatmap does.

    Example:
        >>> [(j, round(c, 3)) for j, c in nearest_occurrences(np.array([[1.0, 0.0], [0.0, 1.0], [0.8, 0.2]]), 0, k=1)]
        [(2, 0.97)]
    """
    m = cosine_matrix(vectors, center=center)
    if not 0 <= index < len(m):
        raise ContextError(f"There is no occurrence {index + 1}; pick one of 1 to {len(m)}.")
    scores = m[index].copy()
    scores[index] = -np.inf
    order = np.argsort(-scores, kind="stable")[: max(0, min(int(k), len(m) - 1))]
    return [(int(j), float(m[index, j])) for j in order]


def neighbour_accuracy(vectors: np.ndarray, labels: Sequence[object], center: bool = False) -> float:
    """Leave-one-out 1-nearest-neighbour sense accuracy: the share of rows whose nearest other row has their label.

    A tie for the nearest (the same cosine) counts as the share of the tied rows with the right
    label, the accuracy a random pick among them would have on average. NaN with fewer than two rows.
    """
    m = cosine_matrix(vectors, center=center)
    _check(len(m), labels)
    n = len(m)
    if n < 2:
        return math.nan
    lab = np.asarray([str(x) for x in labels])
    np.fill_diagonal(m, -np.inf)
    best = m.max(axis=1, keepdims=True)
    tied = np.isclose(m, best, rtol=0.0, atol=1e-9) & np.isfinite(m)  # (n, n): the nearest rows of each row
    same = lab[:, None] == lab[None, :]
    return float(((tied & same).sum(axis=1) / tied.sum(axis=1)).mean())


def neighbour_accuracy_by_layer(stack: np.ndarray, labels: Sequence[object], center: bool = False) -> list[float]:
    """:func:`neighbour_accuracy` at every layer of an (L + 1, n, hidden) stack.

    Example:
        >>> stack = np.array([[[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]])
        >>> [round(a, 3) for a in neighbour_accuracy_by_layer(stack, ["a", "a", "b"])]
        [0.333, 0.667]
    """
    return [neighbour_accuracy(layer, labels, center=center) for layer in np.asarray(stack)]


def static_accuracy(labels: Sequence[object]) -> float:
    """The nearest-neighbour accuracy of a lookup table: one vector for every occurrence, every cosine tied.

    The nearest neighbour is then any other occurrence, so an occurrence is classified right with
    probability (occurrences of its label - 1) / (n - 1).

    Example:
        >>> static_accuracy(["a", "a", "b"])
        0.3333333333333333
    """
    lab = [str(x) for x in labels]
    n = len(lab)
    if n < 2:
        return math.nan
    counts = {x: lab.count(x) for x in set(lab)}
    return float(sum((counts[x] - 1) / (n - 1) for x in lab) / n)
