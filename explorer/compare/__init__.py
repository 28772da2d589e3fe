"""Compare two word-vector sets: shared vocabulary, Procrustes alignment, per-word neighbourhood agreement.

* ``core``: ``compare(a, b, k)`` -> ``Comparison`` (shared words, overlap, cosine, rotation,
  residual, rankings with a frequency filter).
* ``knn``: exact cosine k nearest neighbours of every row, in blocks.
* ``views``: neighbours side by side, aligned rows for a joint map, CSV texts, and one benchmark
  table for both sets.
* ``dictionary``: ``compare(a, b, pairs=...)`` for sets with different vocabularies (two
  languages): B rotated onto A by word pairs, held-out precision@1/@5 by cosine and CSLS,
  ``Comparison.translate``; ``pairfile`` reads pair files and typed pairs; ``dictionary_views``
  is what the Compare page shows of it.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.compare import compare
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(60, 5))
    >>> words = [f"w{i}" for i in range(60)]
    >>> y = x.copy()
    >>> y[7] = rng.normal(size=5)  # one word moves
    >>> c = compare(WordVectors(words, x), WordVectors(words, y), k=5)
    >>> c.most_changed(1)
    ('w7',)
"""

from __future__ import annotations

from explorer.compare.core import DEFAULT_K, Comparison, compare, neighbour_overlap, shared_vocabulary
from explorer.compare.knn import cosine_neighbours
from explorer.compare.views import (
    AlignedRows,
    agreement_csv,
    aligned_csv,
    aligned_rows,
    benchmark_table,
    side_by_side,
)

__all__ = [
    "DEFAULT_K",
    "AlignedRows",
    "Comparison",
    "agreement_csv",
    "aligned_csv",
    "aligned_rows",
    "benchmark_table",
    "compare",
    "cosine_neighbours",
    "neighbour_overlap",
    "shared_vocabulary",
    "side_by_side",
]
