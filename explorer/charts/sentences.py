"""Figures of the Sentences page: similarity heatmaps, word contributions, vector length against sentence length.

Example:
    >>> import numpy as np
    >>> fig = similarity_heatmap(np.eye(2), ["A cat.", "A dog."], metric="cosine", title="Plain mean")
    >>> fig.data[0].type
    'heatmap'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from explorer.stopwords import is_stopword

_STOP_COLOUR = "#b0b0b0"
_WORD_COLOUR = "#1f77b4"
_NEGATIVE_COLOUR = "#d62728"
_METHOD_COLOURS = {"mean": "#7f7f7f", "no_stopwords": "#2ca02c", "tfidf": "#ff7f0e", "transformer": "#1f77b4"}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def similarity_heatmap(
    matrix: np.ndarray,
    sentences: Sequence[str],
    metric: str = "cosine",
    title: str = "",
    zrange: tuple[float, float] | None = None,
    height: int = 380,
) -> go.Figure:
    """An n x n heatmap of cosine similarities (dark = alike) or Euclidean distances (dark = close).

    Axes are labelled S1..Sn; hovering a cell shows both sentences and the value. NaN cells
    (sentences without a vector) stay blank. Values are printed in the cells up to 12 sentences.

    >>> similarity_heatmap(np.array([[0.0, 2.0], [2.0, 0.0]]), ["a", "b"], metric="euclidean").data[0].zmax
    2.0
    """
    m = np.asarray(matrix, dtype=np.float64)
    n = m.shape[0]
    labels = [f"S{i + 1}" for i in range(n)]
    hover = [
        [f"S{i + 1}: {_short(sentences[i], 70)}<br>S{j + 1}: {_short(sentences[j], 70)}" for j in range(n)]
        for i in range(n)
    ]
    finite = m[np.isfinite(m)]
    if metric == "cosine":
        lo, hi = zrange or (0.0, 1.0)  # one scale for every method; negative cosines share the lightest colour
        colorscale, bar_title, fmt = "Blues", "cosine", ".2f"
    else:
        lo, hi = zrange or (0.0, float(finite.max()) if finite.size and finite.max() > 0 else 1.0)
        colorscale, bar_title, fmt = "Blues_r", "distance", ".2f"
    fig = go.Figure(
        go.Heatmap(
            z=m,
            x=labels,
            y=labels,
            zmin=lo,
            zmax=hi,
            colorscale=colorscale,
            customdata=hover,
            hovertemplate="%{customdata}<br>" + bar_title + " = %{z:" + fmt + "}<extra></extra>",
            texttemplate="%{z:.2f}" if n <= 12 else None,
            colorbar={"title": {"text": bar_title}, "thickness": 12},
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0.0, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        yaxis={"autorange": "reversed", "scaleanchor": "x", "constrain": "domain"},
        xaxis={"side": "bottom", "constrain": "domain"},
    )
    return fig


def contributions_bar(
    words: Sequence[str],
    shares: Sequence[float],
    title: str = "",
    mark_stopwords: bool = True,
) -> go.Figure:
    """Horizontal bars of each word's share of a sentence vector, largest at the top.

    Stopwords are grey so their weight in a plain average shows at a glance; negative shares
    (words pulling against the sentence's direction) are red.

    >>> contributions_bar(["the", "cat"], [0.7, 0.3]).data[0].marker.color
    ('#b0b0b0', '#1f77b4')
    """
    colours = tuple(
        _NEGATIVE_COLOUR if s < 0 else (_STOP_COLOUR if mark_stopwords and is_stopword(w) else _WORD_COLOUR)
        for w, s in zip(words, shares, strict=True)
    )
    fig = go.Figure(
        go.Bar(
            x=[float(s) for s in shares],
            y=list(words),
            orientation="h",
            marker={"color": colours},
            text=[f"{float(s):.0%}" for s in shares],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.1%} of the vector's length<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0.0, "font": {"size": 15}},
        height=max(220, 60 + 26 * len(words)),
        margin={"l": 10, "r": 40, "t": 40, "b": 30},
        yaxis={"autorange": "reversed", "type": "category"},
        xaxis={"title": "share of the sentence vector", "tickformat": ".0%", "zeroline": True},
        showlegend=False,
    )
    return fig


def norm_by_length(
    series: Mapping[str, tuple[Sequence[int], Sequence[float]]],
    labels: Mapping[str, str] | None = None,
    sentences: Sequence[str] | None = None,
) -> go.Figure:
    """Sentence-vector length against the number of words averaged, one marker series per method.

    ``series`` maps a method to (token counts, norms). Averages of more words are shorter, which
    Euclidean distance sees and cosine ignores.

    >>> len(norm_by_length({"mean": ([2, 8], [1.0, 0.5])}).data)
    1
    """
    fig = go.Figure()
    for method, (counts, norms) in series.items():
        text = None if sentences is None else [_short(s, 60) for s in sentences]
        fig.add_trace(
            go.Scatter(
                x=list(counts),
                y=list(norms),
                mode="markers",
                name=(labels or {}).get(method, method),
                marker={"size": 9, "color": _METHOD_COLOURS.get(method), "opacity": 0.8},
                text=text,
                hovertemplate="%{text}<br>%{x} tokens, length %{y:.3f}<extra>%{fullData.name}</extra>"
                if text
                else "%{x} tokens, length %{y:.3f}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": "tokens averaged"},
        yaxis={"title": "length of the sentence vector", "rangemode": "tozero"},
        legend={"orientation": "h", "y": 1.12, "x": 0},
    )
    return fig
