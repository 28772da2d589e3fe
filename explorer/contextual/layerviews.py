"""What the Context page's "How contextual" view and "Senses by neighbours" list draw, as plain values.

- :func:`contextuality`: the chosen word's per-layer metrics (``metrics``) beside the corpus
  sample's, from the page's own sentences (every word of them, ``SentenceWords``) and a sample
  of the corpus; the word's adjusted values use the corpus's anisotropy baseline.
- :func:`neighbour_view`: an occurrence's nearest occurrences at one layer, with their sentences
  and the word highlighted, and with sense labels the leave-one-out nearest-neighbour sense
  accuracy per layer against the lookup table's (``senses``).
- :func:`picked_occurrence`: which occurrence a click on the heatmap or the occurrence map chose.

Example:
    >>> highlight("The bank lent *money*", (4, 8))
    'The **bank** lent \\\\*money\\\\*'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from explorer.contextual.metrics import MIN_OCCURRENCES, MetricsRow, OccurrenceSet, layer_metrics, stack_metrics
from explorer.contextual.occurrences import AllLayers
from explorer.contextual.senses import nearest_occurrences, neighbour_accuracy_by_layer, static_accuracy
from explorer.contextual.sentencewords import SentenceWords
from explorer.wording import plain_markdown

METRIC_NOTES = (
    ("Self-similarity", "the mean cosine between two occurrences of the word. 1: every occurrence points the "
     "same way, so one static vector would do; lower: the sentence moves the vector."),
    ("Intra-sentence similarity", "the mean cosine between an occurrence and the mean vector of the words of its "
     "sentence. Higher: the words of a sentence share a direction."),
    ("Anisotropy baseline", "the mean cosine between occurrences of two different words drawn at random. "
     "Contextual vectors share a common direction, so even unrelated words have a high cosine."),
    ("Adjusted", "the value minus the baseline: what is left once the direction every vector shares is "
     "discounted. An adjusted self-similarity near 0 means two occurrences of the word are hardly more alike "
     "than two random words."),
    ("First-PC variance", "the share of the variance of the word's occurrences along their first principal "
     "component. Low: no single (static) vector describes the occurrences well. Few occurrences make it high "
     "by construction (two always lie on one line), so the corpus curve counts words seen at least "
     f"{MIN_OCCURRENCES} times."),
)  # fmt: skip
READING = (
    "Ethayarajh (2019) found in BERT, ELMo and GPT-2 that self-similarity falls and the anisotropy baseline "
    "rises with depth: upper layers are more context-specific, and every occurrence of every word crowds into a "
    "narrow cone. A word whose curve stays above the corpus curve is used alike in its sentences; one below it "
    "changes more with its context than the average word."
)


@dataclass(frozen=True)
class Contextuality:
    """The word's rows and the corpus sample's ``*`` rows, one per layer, and the sample's sizes."""

    word_rows: tuple[MetricsRow, ...]
    corpus_rows: tuple[MetricsRow, ...]
    sizes: str


def corpus_rows(sample: SentenceWords, seed: int = 0) -> list[MetricsRow]:
    """The ``*`` row of every layer of a corpus sample (every word of its sentences counts)."""
    rows = []
    for layer in range(sample.num_layers + 1):
        occurrences = OccurrenceSet(sample.vectors[layer], sample.words, sample.sentence_index)
        rows.append(layer_metrics(layer, occurrences, seed=seed)[-1])
    return rows


def contextuality(stack: AllLayers, own: SentenceWords, corpus: SentenceWords, seed: int = 0) -> Contextuality:
    """Per-layer metrics of ``stack``'s word, with sentence means from ``own`` (every word of the same
    input sentences), beside the corpus sample's; both adjusted by the corpus's baseline.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> sw = SentenceWords(tuple("abcabc"), (0, 0, 0, 1, 1, 1), rng.normal(size=(3, 6, 4)), ("s1", "s2"))
        >>> stack = AllLayers("a", ("s1", "s2"), (0, 1), ((0, 1), (0, 1)), sw.vectors[:, [0, 3]])
        >>> view = contextuality(stack, sw, sw)
        >>> len(view.word_rows), view.word_rows[0].anisotropy_baseline == view.corpus_rows[0].anisotropy_baseline
        (3, True)
    """
    base = corpus_rows(corpus, seed)
    baseline = [r.anisotropy_baseline for r in base]
    rows = stack_metrics(
        stack.vectors,
        sentence_mates=lambda layer: own.means_of(layer, stack.sentence_index),
        baseline=baseline,
        word=stack.word,
    )
    words = len(set(corpus.words))
    sizes = (
        f"“{stack.word}”: {len(stack)} occurrences; corpus: every word of {len(set(corpus.sentence_index))} "
        f"sentences ({len(corpus):,} occurrences of {words:,} words)"
    )
    return Contextuality(tuple(rows), tuple(base), sizes)


def metrics_table(view: Contextuality) -> dict[str, list[Any]]:
    """The view's rows as columns for a table or CSV (the word's rows, then the corpus's)."""
    rows = [*view.word_rows, *view.corpus_rows]
    names = ("layer", "word", "occurrences", "self_similarity", "intra_sentence_similarity", "anisotropy_baseline",
             "adjusted_self_similarity", "adjusted_intra_sentence_similarity", "first_pc_variance")  # fmt: skip
    return {
        n: [
            (None if isinstance(v, float) and math.isnan(v) else round(v, 4) if isinstance(v, float) else v)
            for v in (getattr(r, n) for r in rows)
        ]
        for n in names
    }


def highlight(sentence: str, span: tuple[int, int]) -> str:
    """The sentence as Markdown with the occurrence in bold and everything else shown as typed."""
    a, b = span
    return f"{plain_markdown(sentence[:a])}**{plain_markdown(sentence[a:b])}**{plain_markdown(sentence[b:])}"


@dataclass(frozen=True)
class NeighbourView:
    """The nearest occurrences of one occurrence at one layer, and the per-layer sense accuracy.

    Attributes:
        index: the chosen occurrence.
        neighbours: per neighbour, nearest first: (occurrence, cosine, sentence in Markdown, label or "").
        accuracy: per layer, the leave-one-out nearest-neighbour sense accuracy; () without labels.
        static: the lookup table's accuracy (every occurrence the same vector); NaN without labels.
        best_layer: the layer with the highest accuracy (None without labels).
    """

    index: int
    neighbours: tuple[tuple[int, float, str, str], ...]
    accuracy: tuple[float, ...]
    static: float
    best_layer: int | None


def neighbour_view(
    stack: AllLayers,
    layer: int,
    index: int,
    k: int = 5,
    labels: Sequence[str] | None = None,
    center: bool = False,
) -> NeighbourView:
    """Occurrence ``index``'s ``k`` nearest occurrences at ``layer`` and, with one label per occurrence, the
    nearest-neighbour sense accuracy at every layer (at least two labels needed).

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]] * 2)
        >>> stack = AllLayers("bank", ("a bank", "the bank", "river bank"), (0, 1, 2), ((2, 6), (4, 8), (6, 10)), x)
        >>> v = neighbour_view(stack, 1, 0, k=1, labels=["money", "money", "river"])
        >>> v.neighbours[0][0], v.neighbours[0][2], v.accuracy, round(v.static, 3)
        (1, 'the **bank**', (0.6666666666666666, 0.6666666666666666), 0.333)
    """
    occ = stack.at(layer)
    near = nearest_occurrences(occ.vectors, index, k, center=center)
    rows = tuple(
        (j, cos, highlight(occ.sentences[j], occ.spans[j]), "" if labels is None else str(labels[j])) for j, cos in near
    )
    accuracy: tuple[float, ...] = ()
    static, best = math.nan, None
    if labels is not None and len(set(labels)) >= 2:
        accuracy = tuple(neighbour_accuracy_by_layer(stack.vectors, labels, center=center))
        static = static_accuracy(labels)
        best = max(range(len(accuracy)), key=lambda i: (-math.inf if math.isnan(accuracy[i]) else accuracy[i], -i))
    return NeighbourView(int(index), rows, accuracy, static, best)


def picked_occurrence(
    selection: Mapping[str, Any] | None, names: Sequence[str], groups: Sequence[str] | None = None
) -> int | None:
    """The occurrence a chart click chose, from Streamlit's selection state; None when nothing was picked.

    On the heatmap a point's ``y`` is its row's label (a click picks the row's occurrence); on the
    occurrence map ``curve_number`` is the group (in first-appearance order of ``groups``) and
    ``point_index`` the occurrence within it.

    Example:
        >>> picked_occurrence({"selection": {"points": [{"y": "#2 b"}]}}, ["#1 a", "#2 b"])
        1
        >>> picked_occurrence({"selection": {"points": [{"curve_number": 1, "point_index": 0}]}}, ["1", "2", "3"],
        ...                   groups=["x", "x", "y"])
        2
    """
    points = ((selection or {}).get("selection") or {}).get("points") or []
    if not points:
        return None
    point = points[0]
    label = point.get("y")
    if groups is None:
        return names.index(label) if label in names else None
    order = list(dict.fromkeys(groups))
    curve, within = point.get("curve_number"), point.get("point_index")
    if not isinstance(curve, int) or not isinstance(within, int) or not 0 <= curve < len(order):
        return None
    members = [i for i, g in enumerate(groups) if g == order[curve]]
    return members[within] if 0 <= within < len(members) else None
