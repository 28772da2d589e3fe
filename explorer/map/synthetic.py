"""A seeded synthetic vocabulary with clusters at two scales, for the map job's tests and benchmarks.

Each of ``coarse`` clusters has a random direction; each of its ``fine_per`` sub-clusters adds a
smaller offset; each word adds its own noise. With the default spreads, two words of one
sub-cluster have a cosine near 0.83, of one coarse cluster near 0.67, and of two clusters near 0:
k-means with the planted number of clusters should find the coarse ones (adjusted Rand index),
and every word's nearest neighbours lie in its own sub-cluster.

Example:
    >>> from explorer.map.synthetic import planted_clusters
    >>> s = planted_clusters(200, 16, coarse=4, fine_per=2, seed=1)
    >>> s.matrix.shape, s.matrix.dtype.name, len(set(s.coarse.tolist())), len(set(s.fine.tolist()))
    ((200, 16), 'float32', 4, 8)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SUB_SPREAD = 0.5  # per-dimension scale of a sub-cluster's offset (the coarse centre's is 1)
NOISE = 0.5  # per-dimension scale of a word's own noise
BLOCK_ROWS = 65_536  # rows drawn at once


@dataclass(frozen=True)
class PlantedSet:
    """Words ``w0..``, their (n, dim) float32 vectors, and the planted coarse and fine cluster of each."""

    keys: list[str]
    matrix: np.ndarray
    coarse: np.ndarray
    fine: np.ndarray


def planted_clusters(n: int, dim: int, coarse: int, fine_per: int = 4, seed: int = 0) -> PlantedSet:
    """``n`` words in ``coarse`` clusters of ``fine_per`` sub-clusters each, in a shuffled (seeded) order."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(coarse, dim))
    subs = centres[:, None, :] + SUB_SPREAD * rng.normal(size=(coarse, fine_per, dim))  # (coarse, fine_per, dim)
    fine = rng.integers(0, coarse * fine_per, size=n)
    centres_of = subs.reshape(coarse * fine_per, dim)
    # A block of rows at a time, so a million 300-D words peak near their float32 matrix (1.2 GB)
    # rather than at two float64 copies of it; the generator draws the same numbers in the same
    # order either way, so the set does not depend on the block size.
    matrix = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        matrix[start:stop] = centres_of[fine[start:stop]] + NOISE * rng.normal(size=(stop - start, dim))
    return PlantedSet(
        keys=[f"w{i}" for i in range(n)],
        matrix=matrix,
        coarse=(fine // fine_per).astype(np.int64),
        fine=fine.astype(np.int64),
    )
