"""What a projection hands back, and what is made of it: the ``Projection`` record, a cache key, a CSV.

Example:
    >>> import numpy as np
    >>> from explorer.projection import project
    >>> from explorer.projection.result import coordinates_csv
    >>> coordinates_csv(["a", "b", "c"], project(np.eye(3, dtype=np.float32), "pca")).splitlines()[1][:2]
    'a,'
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.bytecache import content_digest


@dataclass(frozen=True)
class Projection:
    """The result of one projection.

    Attributes:
        coords: (n, n_components) float32 map coordinates, row i for input row i.
        method: "pca", "tsne", "umap" or "axes".
        params: the parameters actually used (defaults filled in), including the seed.
        seconds: wall-clock time of the projection itself (not of the score).
        knn_overlap: mean fraction of each point's k nearest neighbours (cosine, original
            vectors) that are also among its k nearest on the map; 1 is perfect.
        trustworthiness: how rarely map neighbours are strangers in the original space
            (Venna & Kaski); 1 is perfect, about 0.5 is random.
        k: the k of both scores.
        n_scored: how many points the scores were averaged over (a sample for big sets).
        explained_variance: for PCA, the share of variance each component keeps.
    """

    coords: np.ndarray
    method: str
    params: Mapping[str, Any]
    seconds: float
    knn_overlap: float
    trustworthiness: float
    k: int
    n_scored: int
    explained_variance: tuple[float, ...] = field(default=())

    @property
    def n_components(self) -> int:
        """2 or 3."""
        return int(self.coords.shape[1])


def content_hash(X: np.ndarray) -> str:
    """A short hash of a matrix's bytes, shape and dtype (a cache key that no link can forge).

    >>> content_hash(np.zeros((2, 2), dtype=np.float32)) == content_hash(np.zeros((2, 2), dtype=np.float32))
    True
    """
    return content_digest(np.asarray(X))


def coordinates_csv(
    keys: Sequence[str],
    proj: Projection,
    colour_labels: Sequence[str] | None = None,
    neighbours: Mapping[str, Sequence[tuple[str, float]]] | None = None,
) -> str:
    """CSV text: word, x, y[, z], colour group, and its nearest neighbours (cosine on the original vectors).

    >>> from explorer.projection import project
    >>> p = project(np.eye(4, dtype=np.float32), "pca")
    >>> coordinates_csv(["a", "b", "c", "d"], p).splitlines()[0]
    'word,x,y,group,neighbours'
    """
    axes = ["x", "y", "z"][: proj.n_components]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["word", *axes, "group", "neighbours"])
    neighbours = neighbours or {}
    for i, word in enumerate(keys):
        nbs = "; ".join(f"{w} {s:.3f}" for w, s in neighbours.get(word, ()))
        group = colour_labels[i] if colour_labels is not None else ""
        writer.writerow([word, *(f"{v:.6g}" for v in proj.coords[i]), group, nbs])
    return buf.getvalue()
