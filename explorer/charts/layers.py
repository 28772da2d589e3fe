"""Figures of the Context page's layer analyses: how contextual each layer is, and the neighbour sense accuracy.

Example:
    >>> from explorer.contextual.metrics import MetricsRow
    >>> rows = [MetricsRow(k, "bank", 8, 0.9 - k / 10, 0.5, 0.2, 0.7 - k / 10, 0.3, 0.4) for k in range(3)]
    >>> corpus = [MetricsRow(k, "*", 90, 0.6, 0.4, 0.2, 0.4, 0.2, 0.3) for k in range(3)]
    >>> fig = layer_metrics_chart(rows, corpus, "bank", current_layer=1)
    >>> sorted({t.name for t in fig.data})[:3]
    ['anisotropy baseline', 'corpus', 'corpus, adjusted']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.charts.context import PALETTE

if TYPE_CHECKING:  # rows are read by attribute only; charts import no feature package
    from explorer.contextual.metrics import MetricsRow

WORD_COLOUR, CORPUS_COLOUR, BASELINE_COLOUR = PALETTE[0], "#555555", PALETTE[1]


def _values(rows: Sequence[MetricsRow], field: str) -> list[float | None]:
    """A column of the rows, None where the value is undefined (a gap in the line)."""
    out: list[float | None] = []
    for r in rows:
        v = float(getattr(r, field))
        out.append(None if math.isnan(v) else v)
    return out


def layer_metrics_chart(
    word_rows: Sequence[MetricsRow], corpus_rows: Sequence[MetricsRow], word: str, current_layer: int | None = None
) -> go.Figure:
    """Four panels over the layers: self-similarity, intra-sentence similarity (raw and adjusted), the anisotropy
    baseline and the first-PC variance; the word in colour, the corpus sample in grey, dashed for adjusted."""
    panels = (
        "Self-similarity (solid) and adjusted (dashed)",
        "Intra-sentence similarity (solid) and adjusted (dashed)",
        "Anisotropy baseline: random pairs of different words",
        "Variance explained by the first principal component",
    )
    fig = make_subplots(rows=2, cols=2, subplot_titles=panels, horizontal_spacing=0.1, vertical_spacing=0.2)
    layers = [r.layer for r in word_rows] or [r.layer for r in corpus_rows]
    series = (
        (1, 1, "self_similarity", "adjusted_self_similarity"),
        (1, 2, "intra_sentence_similarity", "adjusted_intra_sentence_similarity"),
        (2, 2, "first_pc_variance", None),
    )
    shown: set[str] = set()

    def add(row: int, col: int, y: list[float | None], name: str, colour: str, dash: str = "solid") -> None:
        fig.add_trace(
            go.Scatter(
                x=layers, y=y, mode="lines+markers", name=name, legendgroup=name, showlegend=name not in shown,
                line={"color": colour, "dash": dash}, marker={"size": 6},
                hovertemplate=f"{name}<br>layer %{{x}}: %{{y:.3f}}<extra></extra>",
            ),
            row=row, col=col,
        )  # fmt: skip
        shown.add(name)

    for row, col, raw, adjusted in series:
        add(row, col, _values(word_rows, raw), f"“{word}”", WORD_COLOUR)
        add(row, col, _values(corpus_rows, raw), "corpus", CORPUS_COLOUR)
        if adjusted:
            add(row, col, _values(word_rows, adjusted), f"“{word}”, adjusted", WORD_COLOUR, "dash")
            add(row, col, _values(corpus_rows, adjusted), "corpus, adjusted", CORPUS_COLOUR, "dash")
    add(2, 1, _values(corpus_rows, "anisotropy_baseline"), "anisotropy baseline", BASELINE_COLOUR)
    if current_layer is not None:
        for row in (1, 2):
            for col in (1, 2):
                fig.add_vline(x=current_layer, line={"color": "#aaa", "dash": "dot"}, row=row, col=col)
    fig.update_xaxes(title={"text": "layer", "standoff": 4}, dtick=1)
    fig.update_yaxes(title={"text": "mean cosine"}, row=1)
    fig.update_yaxes(title={"text": "mean cosine"}, row=2, col=1)
    fig.update_yaxes(title={"text": "share of variance"}, range=[0, 1], row=2, col=2)
    fig.update_annotations(font={"size": 12})
    fig.update_layout(
        height=620,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        title={"text": f"How contextual is “{word}”, layer by layer?", "x": 0.0},
        legend={"orientation": "h", "y": -0.12, "x": 0.0},
    )
    return fig


def neighbour_accuracy_chart(
    accuracy: Sequence[float], static: float, current_layer: int | None = None, labels_from: str = "sense labels"
) -> go.Figure:
    """Leave-one-out nearest-neighbour sense accuracy per layer, with the lookup table's as a flat line.

    Example:
        >>> neighbour_accuracy_chart([0.5, 0.75, 1.0], 0.4).data[1].y
        (0.4, 0.4, 0.4)
    """
    layers = list(range(len(accuracy)))
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=layers, y=[None if math.isnan(a) else a for a in accuracy], mode="lines+markers",
            name="contextual (nearest occurrence)", line={"color": WORD_COLOUR},
            hovertemplate="layer %{x}: %{y:.0%} of occurrences have a nearest neighbour of their sense<extra></extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=layers, y=[static] * len(layers), mode="lines", name="static lookup (cannot separate senses)",
            line={"color": BASELINE_COLOUR, "dash": "dash"},
            hovertemplate="static: %{y:.0%}, what a random other occurrence gets<extra></extra>",
        )
    )  # fmt: skip
    if current_layer is not None:
        fig.add_vline(x=current_layer, line={"color": "#888", "dash": "dot"}, annotation_text="shown")
    fig.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        title={"text": f"Nearest-neighbour sense accuracy by layer ({labels_from})", "x": 0.0},
        xaxis={"title": {"text": "layer (0 = embedding output)"}, "dtick": 1},
        yaxis={"title": {"text": "accuracy (leave one out)"}, "range": [0, 1.05], "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
