"""What the Context page shows, computed: one layer's matrices, statistics, senses and 2-D map.

The page reads its widgets, calls :func:`layer_view` on the all-layer stack (cached, so moving
the layer slider never runs the model again) and draws the fields of the returned
:class:`LayerView`.

Example:
    >>> import numpy as np
    >>> from explorer.contextual.occurrences import AllLayers
    >>> from explorer.contextual.views import layer_view
    >>> rng = np.random.default_rng(0)
    >>> stack = AllLayers("bank", ("the bank", "a bank", "river bank"), (0, 1, 2),
    ...                   ((4, 8), (2, 6), (6, 10)), rng.normal(size=(3, 3, 8)).astype(np.float32))
    >>> view = layer_view(stack, 2, labels=["money", "money", "river"], static_vector=np.ones(8))
    >>> view.matrix.shape, len(view.separation), view.groups
    ((3, 3), 3, ('money', 'money', 'river'))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.charts.context import occurrence_labels
from explorer.contextual.occurrences import AllLayers, Occurrences, Visibility
from explorer.contextual.similarity import (
    SenseSeparation,
    cosine_matrix,
    off_diagonal,
    project_2d,
    separation_by_layer,
    static_matrix,
    suggest_groups,
)
from explorer.errors import ContextError
from explorer.linalg import readonly

SERIATION_ABOVE = 40  # more occurrences than this: the heatmap is ordered by similarity, not by input
SERIATION_NOTE = (
    f"With more than {SERIATION_ABOVE} occurrences, rows and columns are ordered by similarity (the leaf "
    "order of an average-linkage clustering on 1 − cosine), so occurrences used alike sit together and senses "
    "show as blocks; each label keeps its sentence's number. Hover a cell for both sentences."
)


@dataclass(frozen=True)
class LayerView:
    """One layer of the Context page.

    Attributes:
        layer: the layer shown (0 is the embedding output).
        center: whether the contextual vectors were centred before the cosine.
        occurrences: the occurrences at this layer.
        matrix: (n, n) cosine of the contextual vectors.
        static: (n, n) cosine of the lookup-table vectors (all ones: one row for the word).
        names: a short unique axis label per occurrence ("3: …the bank,…", "4a", "4b").
        labels: the sense of each occurrence, or None when the sentences have no labels.
        pair_min, pair_max, pair_mean: the off-diagonal cosines' range and mean.
        separation: per layer, same-sense vs cross-sense cosine; () unless there are two senses or more.
        best_layer: the layer where the senses are furthest apart (None without separation).
        groups: per occurrence, its sense, or "group k" from clustering the matrix.
        suggested: whether ``groups`` come from clustering (no usable labels).
        coords: (n, 2) PCA map of the contextual vectors.
        variance_share: (2,) share of the variance on each map axis.
        order: the heatmap's row and column order: input order, or past ``SERIATION_ABOVE``
            occurrences a seriation (``seriation``), so occurrences used alike sit together.
        seriated: whether ``order`` is a seriation.
    """

    layer: int
    center: bool
    occurrences: Occurrences
    matrix: np.ndarray
    static: np.ndarray
    names: tuple[str, ...]
    labels: tuple[str, ...] | None
    pair_min: float
    pair_max: float
    pair_mean: float
    separation: tuple[SenseSeparation, ...]
    best_layer: int | None
    groups: tuple[str, ...]
    suggested: bool
    coords: np.ndarray
    variance_share: np.ndarray
    order: tuple[int, ...] = ()
    seriated: bool = False

    @property
    def here(self) -> SenseSeparation | None:
        """The separation at the layer shown, when there is one."""
        return self.separation[self.layer] if self.separation else None


def layer_view(
    stack: AllLayers,
    layer: int,
    center: bool = False,
    labels: Sequence[str] | None = None,
    static_vector: np.ndarray | None = None,
) -> LayerView:
    """The heatmaps, statistics, sense separation and map of one layer of ``stack``.

    ``labels`` holds one sense per input sentence (not per occurrence); ``static_vector`` is the
    word's lookup-table row (``embedder.static_vector(word)``). Raises ``ContextError`` when the
    word occurs fewer than twice: a heatmap needs two occurrences.

    Example:
        >>> from explorer.contextual.occurrences import AllLayers
        >>> x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])  # three occurrences, two alike
        >>> stack = AllLayers("bank", ("a bank", "the bank", "river bank"), (0, 1, 2),
        ...                   ((2, 6), (4, 8), (6, 10)), np.stack([x, x]))
        >>> v = layer_view(stack, 1, static_vector=np.ones(2))
        >>> v.suggested, v.groups, v.best_layer, round(v.pair_max, 3)
        (True, ('group 1', 'group 1', 'group 2'), None, 0.994)
    """
    if len(stack) < 2:
        found = "No occurrence" if len(stack) == 0 else "Only one occurrence"
        raise ContextError(
            f"{found} of “{stack.word}” was found; the heatmap needs at least two. Add sentences that contain the word."
        )
    occ = stack.at(layer)
    matrix = cosine_matrix(occ.vectors, center=center)
    n = len(occ)
    static = static_matrix(static_vector, n) if static_vector is not None else np.ones((n, n))
    pairs = off_diagonal(matrix)
    occ_labels = None if labels is None else tuple(str(labels[i]) for i in occ.sentence_index)
    separation: tuple[SenseSeparation, ...] = ()
    best: int | None = None
    if occ_labels is not None and len(set(occ_labels)) >= 2:
        separation = tuple(separation_by_layer(stack.vectors, occ_labels, center=center))
        scores = [-math.inf if math.isnan(s.score) else s.score for s in separation]
        best = max(range(len(scores)), key=scores.__getitem__)
        groups, suggested = occ_labels, False
    else:
        groups, suggested = tuple(f"group {g + 1}" for g in suggest_groups(matrix)), True
    coords, share = project_2d(occ.vectors)
    seriated = n > SERIATION_ABOVE
    return LayerView(
        layer=occ.layer,
        center=center,
        occurrences=occ,
        matrix=readonly(matrix),
        static=readonly(static),
        names=tuple(occurrence_labels(occ.sentence_index, occ.sentences, occ.spans)),
        labels=occ_labels,
        pair_min=float(pairs.min()),
        pair_max=float(pairs.max()),
        pair_mean=float(pairs.mean()),
        separation=separation,
        best_layer=best,
        groups=groups,
        suggested=suggested,
        coords=readonly(coords),
        variance_share=readonly(share),
        order=tuple(int(i) for i in (seriation(matrix) if seriated else range(n))),
        seriated=seriated,
    )


def seriation(matrix: np.ndarray) -> np.ndarray:
    """An order of the rows of a cosine ``matrix`` that puts similar rows next to each other.

    The leaf order of an average-linkage hierarchical clustering on 1 - cosine, with the leaves
    flipped to put the most similar neighbours side by side (optimal leaf ordering), so that
    groups of occurrences used alike show as blocks on the diagonal. Deterministic.

    Example:
        >>> m = np.array([[1, 0, 0.9, 0], [0, 1, 0, 0.9], [0.9, 0, 1, 0], [0, 0.9, 0, 1]], dtype=float)
        >>> [int(i) for i in seriation(m)]
        [0, 2, 3, 1]
    """
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    m = np.asarray(matrix, dtype=np.float64)
    if len(m) < 3:
        return np.arange(len(m))
    distance = np.clip(1.0 - (m + m.T) / 2, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    condensed = squareform(distance, checks=False)
    tree = linkage(condensed, method="average")
    return leaves_list(optimal_leaf_ordering(tree, condensed)).astype(np.int64)


@dataclass(frozen=True)
class StackNotes:
    """What the page should say about the input: sentences without the word, sentences read through a window."""

    missing: str | None
    truncated: str | None


def stack_notes(stack: AllLayers, sentences: Sequence[str], max_length: int) -> StackNotes:
    """A sentence about the input sentences that lack the word, and one about those over the token limit.

    Example:
        >>> from explorer.contextual.occurrences import AllLayers
        >>> stack = AllLayers("bank", ("a bank", "the bank"), (0, 2), ((2, 6), (4, 8)), np.zeros((3, 2, 4)), missing=(1,))
        >>> notes = stack_notes(stack, ["a bank", "a riverbank", "the bank"], max_length=512)
        >>> notes.missing[:60], notes.truncated
        ('“bank” does not occur as a whole word in sentence(s) 2: “a r', None)
    """
    missing = truncated = None
    if stack.missing:
        listed = "; ".join(f"{i + 1}: “{sentences[i][:60]}”" for i in stack.missing[:8])
        more = f" and {len(stack.missing) - 8} more" if len(stack.missing) > 8 else ""
        missing = (
            f"“{stack.word}” does not occur as a whole word in sentence(s) {listed}{more}. They are left out "
            "(a word inside a longer one, such as “house” in “houseplant”, does not count)."
        )
    if stack.truncated:
        listed = ", ".join(str(i + 1) for i in stack.truncated)
        truncated = (
            f"Sentence(s) {listed} are longer than the model's limit of {max_length} tokens; "
            "each occurrence was read in a window of the text around it."
        )
    return StackNotes(missing, truncated)


def occurrence_visibility(embedder: Any, occurrences: Occurrences, index: int) -> Visibility:
    """What the state of occurrence ``index`` can see in its sentence (the first occurrence when out of range).

    ``embedder`` is a ``ContextualEmbedder``; an occurrence is found again as the k-th occurrence
    of the word in its sentence.
    """
    i = index if 0 <= index < len(occurrences) else 0
    sentence_index = occurrences.sentence_index[i]
    nth = occurrences.sentence_index[: i + 1].count(sentence_index) - 1
    return embedder.visibility(occurrences.sentences[i], occurrences.word, occurrence=nth)
