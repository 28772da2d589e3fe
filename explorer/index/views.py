"""What the pages draw from a corpus index: the Context page's layer stack, sense clusters, vector-set ids.

A sample of stored occurrences becomes an ``AllLayers`` stack, so the Context page's heatmap,
layer slider, centering and map (``contextual.layer_view``) work on it without running the model.
An index may store only some layers; the stack then has one slot per layer of the model, and a
layer that is not stored shows the nearest stored one (``LayerStack.note`` says so).

Example:
    >>> import numpy as np
    >>> from explorer.index.views import nearest_stored, sense_clusters
    >>> nearest_stored((0, 4, 6), 5), nearest_stored((0, 4, 6), 1)
    (4, 0)
    >>> x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> c = sense_clusters(x, ["a", "b", "c", "d"], k=2, seed=0, examples=1)
    >>> c.sizes, [len(e) for e in c.examples]
    ((2, 2), [1, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explorer.contextual.occurrences import AllLayers
from explorer.errors import ContextError
from explorer.index.reader import OccurrenceSample
from explorer.linalg import readonly, unit_rows
from explorer.vectorsets import index_id


def nearest_stored(layers: Sequence[int], wanted: int) -> int:
    """The stored layer closest to ``wanted`` (the lower one on a tie)."""
    if not layers:
        raise ContextError("The index stores no layer.")
    return min(layers, key=lambda x: (abs(x - wanted), x))


@dataclass(frozen=True)
class LayerStack:
    """A sample as the Context page's stack, and what to tell the reader about it.

    Attributes:
        stack: (num_layers + 1, n, hidden) vectors by model layer (a layer not stored repeats
            the nearest stored one).
        layers: the layers the index stores.
        num_layers: the model's transformer layers.
    """

    stack: AllLayers
    layers: tuple[int, ...]
    num_layers: int

    def note(self, layer: int) -> str | None:
        """A sentence when ``layer`` is not stored and the nearest stored layer stands in for it."""
        if layer in self.layers:
            return None
        shown = nearest_stored(self.layers, layer)
        stored = ", ".join(map(str, self.layers))
        return f"This index stores layers {stored}; layer {layer} shows layer {shown}, the nearest stored one."


def sample_stack(sample: OccurrenceSample, num_layers: int) -> LayerStack:
    """The sample as an ``AllLayers`` stack: one entry per occurrence, its sentence numbered by (doc, sentence).

    Example:
        >>> s = OccurrenceSample("bank", 2, 2, (0, 2), ("a:1", "a:2"), (0, 0), ("a bank", "the bank"),
        ...                      ((2, 6), (4, 8)), np.zeros((2, 2, 3), np.float32))
        >>> got = sample_stack(s, num_layers=2)
        >>> got.stack.vectors.shape, got.stack.sentence_index, got.note(1)
        ((3, 2, 3), (0, 1), 'This index stores layers 0, 2; layer 1 shows layer 0, the nearest stored one.')
    """
    position = {layer: k for k, layer in enumerate(sample.layers)}
    slots = [position[nearest_stored(sample.layers, layer)] for layer in range(num_layers + 1)]
    vectors = np.asarray(sample.vectors, dtype=np.float32)[slots]  # (num_layers + 1, n, H)
    numbers: dict[tuple[str, int], int] = {}
    index = tuple(
        numbers.setdefault((d, i), len(numbers)) for d, i in zip(sample.docs, sample.sentence_ids, strict=True)
    )
    stack = AllLayers(sample.word, sample.sentences, index, sample.spans, readonly(vectors))
    return LayerStack(stack, sample.layers, num_layers)


@dataclass(frozen=True)
class SenseClusters:
    """k-means clusters of occurrence vectors at one layer, and the occurrences nearest each centre.

    Attributes:
        labels: (n,) cluster of each occurrence, 0..k-1, the largest cluster first.
        sizes: occurrences per cluster.
        examples: per cluster, indices of the occurrences nearest its centre (nearest first).
        rows: per cluster and example, (cluster number from 1, size, cosine to the centre, sentence).
    """

    labels: np.ndarray
    sizes: tuple[int, ...]
    examples: tuple[tuple[int, ...], ...]
    rows: tuple[tuple[int, int, float, str], ...]


def sense_clusters(
    vectors: np.ndarray, sentences: Sequence[str], k: int, seed: int = 0, center: bool = False, examples: int = 3
) -> SenseClusters:
    """Seeded k-means (cosine geometry) of (n, hidden) occurrence vectors, with the sentences nearest each centre."""
    from explorer.clustering import kmeans_labels

    x = np.asarray(vectors, dtype=np.float64)
    if len(x) < 2:
        raise ContextError("Sense clusters need at least two occurrences.")
    k = max(1, min(int(k), len(x)))
    if center:
        x = x - x.mean(axis=0, keepdims=True)
    raw = kmeans_labels(x.astype(np.float32), k, seed=seed)
    # Number clusters by size (largest first, ties by first occurrence) so the order is stable.
    order = sorted(range(k), key=lambda c: (-int((raw == c).sum()), int(np.argmax(raw == c))))
    labels = np.empty_like(raw)
    for new, old in enumerate(order):
        labels[raw == old] = new
    unit = unit_rows(x)
    sizes, nearest, rows = [], [], []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        sizes.append(len(members))
        if not len(members):
            nearest.append(())
            continue
        centre = unit[members].mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        cosines = unit[members] @ centre  # (m,)
        best = members[np.argsort(-cosines, kind="stable")[:examples]]
        nearest.append(tuple(int(i) for i in best))
        rows.extend((c + 1, len(members), float(unit[i] @ centre), sentences[i]) for i in best)
    return SenseClusters(readonly(labels), tuple(sizes), tuple(nearest), tuple(rows))


def index_vector_ids(indexes: Sequence[object]) -> dict[str, str]:
    """Vector-set id -> label of every stored layer of every index (``IndexInfo`` objects).

    Example:
        >>> from pathlib import Path
        >>> from explorer.index.reader import IndexInfo
        >>> info = IndexInfo("tickets", Path("t"), {"model": "MiniLM", "title": "tickets", "layers": [0, 6]}, 0.0)
        >>> index_vector_ids([info])
        {'index:tickets:layer_0': 'MiniLM layer 0, averaged over tickets', 'index:tickets:layer_6': 'MiniLM layer 6, averaged over tickets'}
    """
    out = {}
    for info in indexes:
        for layer in info.layers:  # type: ignore[attr-defined]
            out[index_id(info.name, layer)] = info.vectors_label(layer)  # type: ignore[attr-defined]
    return out
