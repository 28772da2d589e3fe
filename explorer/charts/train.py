"""Plotly figures of the Train page: loss curve, word map, small matrices, a vector strip.

Example:
    >>> from explorer.charts.train import loss_figure
    >>> fig = loss_figure([1000, 2000, 3000], [4.1, 3.2, 2.9], x_title="words trained")
    >>> len(fig.data)
    2
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from explorer.charts.labels import map_labels
from explorer.charts.titles import title_layout

# The loss chart and the word map are rebuilt at every redraw of live training, where plotly's
# validation of each property took most of the time: they are built from plain dicts with
# validation off (tests check that the dicts validate) and the template object is shared.
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "template": pio.templates["plotly_white"]}


def running_mean(values: Sequence[float], span: int = 9, stages: Sequence[str] | None = None) -> np.ndarray:
    """A centred mean over up to ``span`` points, in float64, never across a change of ``stages``.

    The window is symmetric and shrinks near the ends of each stage, so on a falling curve the line
    runs through the points rather than trailing above them, and a stage never borrows values
    measured in another stage's units.

    >>> running_mean([5.0, 4.0, 3.0, 2.0, 1.0], span=3).tolist()
    [5.0, 4.0, 3.0, 2.0, 1.0]
    >>> running_mean([1.0, 3.0, 10.0, 30.0], span=3, stages=["a", "a", "b", "b"]).tolist()
    [1.0, 3.0, 10.0, 30.0]
    >>> running_mean([1.0, 3.0, 1.0, 3.0, 1.0], span=3).round(3).tolist()
    [1.0, 1.667, 2.333, 1.667, 1.0]
    """
    v = np.asarray(values, dtype=np.float64)
    out = np.empty_like(v)
    labels = list(stages) if stages is not None else [""] * len(v)
    start = 0
    for end in range(1, len(v) + 1):
        if end < len(v) and labels[end] == labels[start]:
            continue
        part = v[start:end]
        c = np.concatenate([[0.0], np.cumsum(part)])
        idx = np.arange(len(part))
        half = np.minimum.reduce([np.full(len(part), span // 2), idx, len(part) - 1 - idx])
        out[start:end] = (c[idx + half + 1] - c[idx - half]) / (2 * half + 1)
        start = end
    return out


def loss_figure(
    x: Sequence[float],
    loss: Sequence[float],
    x_title: str = "step",
    title: str = "Loss",
    y_title: str = "loss",
    smooth: bool = True,
    stages: Sequence[str] | None = None,
) -> go.Figure:
    """Loss per unit of work (points) and a line: their centred running mean per stage (``smooth``),
    else the points joined (a loss without noise, such as the SVD's, needs no averaging)."""
    line = running_mean(loss, stages=stages) if smooth else np.asarray(loss, dtype=np.float64)
    data = [
        {"type": "scatter", "x": list(x), "y": list(loss), "mode": "markers", "name": "per step",
         "marker": {"size": 5, "opacity": 0.5}},
        {"type": "scatter", "x": list(x), "y": line.tolist(), "mode": "lines",
         "name": "running mean" if smooth else "trend"},
    ]  # fmt: skip
    layout = {
        "title": {"text": title},
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}},
        "height": 320,
        "showlegend": True,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        **_LAYOUT,
    }
    return go.Figure(data=data, layout=layout, _validate=False)  # see _LAYOUT on skipping validation


MAP_PLOT_PX = (430.0, 430.0)  # the word map's plot area in a half-width column (a little under, to be safe)


def word_map_figure(
    words: Sequence[str],
    xy: np.ndarray,
    pinned: Sequence[str] = (),
    title: str = "Word map",
    extent: float = 0.0,
    label_top: int = 25,
) -> go.Figure:
    """Points for ``words`` (most frequent first); pinned words are drawn larger and in another colour.

    Labels never overlap (``explorer.charts.labels``): pinned words are placed first (with a
    leader line when their spot is taken), then the first ``label_top`` words while there is
    room; every point names its word on hover. ``extent`` > 0 fixes both axes to
    [-extent, extent] so frames share one scale.

    >>> fig = word_map_figure(["a", "b", "c"], np.eye(3)[:, :2], pinned=["c"], label_top=1)
    >>> [t.name for t in fig.data], sorted(a.text for a in fig.layout.annotations)
    (['frequent words', 'more words (hover)', 'pinned'], ['a', 'c'])
    """
    xy = np.asarray(xy, dtype=np.float64)
    pinned_set = set(pinned)
    is_pin = np.array([w in pinned_set for w in words], dtype=bool)
    pins = [i for i in range(len(words)) if is_pin[i]]
    order = pins + [i for i in range(min(label_top, len(words))) if not is_pin[i]]
    colours = np.where(is_pin, "#c0392b", "#2f4b6e").tolist()
    span = (-extent, extent) if extent > 0 else None
    placed = map_labels(
        xy, list(words), order, MAP_PLOT_PX, colours=colours, marker_px=6, x_range=span, y_range=span,
        equal_scale=True, must=pins,
    )  # fmt: skip
    is_top = np.zeros(len(words), dtype=bool)
    is_top[[i for i in placed.rows if not is_pin[i]]] = True
    rest = ~is_pin & ~is_top
    layers = (
        (is_top, "frequent words", "#4c78a8", 7),
        (rest, "more words (hover)", "#9db4cf", 6),
        (is_pin, "pinned", "#e45756", 11),
    )
    traces = [
        {
            "type": "scatter",
            "x": xy[mask, 0].tolist(),
            "y": xy[mask, 1].tolist(),
            "mode": "markers",
            "text": [w for w, m in zip(words, mask, strict=True) if m],
            "marker": {"size": size, "color": color, "opacity": 0.8},
            "name": name,
            "hovertemplate": "%{text}<extra></extra>",
        }
        for mask, name, color, size in layers
        if mask.any()
    ]
    axis = {"showticklabels": False, "zeroline": False, "showgrid": False, "autorange": False}
    heading, top = title_layout(title, MAP_PLOT_PX[0])
    layout = {
        "title": heading,
        "height": 520 + top - _LAYOUT["margin"]["t"],
        "showlegend": len(traces) > 1,
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.02, "xanchor": "left", "x": 0},
        "xaxis": {**axis, "range": list(placed.x_range)},
        "yaxis": {**axis, "range": list(placed.y_range), "scaleanchor": "x"},
        "annotations": placed.annotations,
        **_LAYOUT,
        "margin": {**_LAYOUT["margin"], "t": top},  # room for a title that wraps onto two lines
    }
    return go.Figure(data=traces, layout=layout, _validate=False)  # see _LAYOUT on skipping validation


def matrix_figure(
    matrix: np.ndarray,
    labels: Sequence[str],
    title: str,
    colorscale: str = "Blues",
    fmt: str = ".0f",
    row_title: str = "target word",
    column_title: str = "context word",
) -> go.Figure:
    """A labelled square heatmap with the value written in each cell; rows are targets, columns contexts."""
    m = np.asarray(matrix, dtype=np.float64)
    fig = go.Figure(
        go.Heatmap(
            z=m,
            x=list(labels),
            y=list(labels),
            colorscale=colorscale,
            text=[[format(v, fmt) for v in row] for row in m],
            texttemplate="%{text}",
            hovertemplate=f"{row_title} %{{y}}, {column_title} %{{x}}: %{{z:.3f}}<extra></extra>",
        )
    )
    fig.update_layout(title=title, height=110 + 36 * max(len(labels), 4), **_LAYOUT)
    fig.update_yaxes(autorange="reversed", title=row_title)
    fig.update_xaxes(title=column_title)
    return fig


def vector_strip_figure(vector: np.ndarray, title: str) -> go.Figure:
    """One vector as a strip of coloured cells (one per dimension)."""
    v = np.asarray(vector, dtype=np.float64)[None, :]
    lim = float(np.abs(v).max()) or 1.0
    fig = go.Figure(
        go.Heatmap(z=v, colorscale="RdBu", zmin=-lim, zmax=lim, hovertemplate="dimension %{x}: %{z:.3f}<extra></extra>")
    )
    fig.update_layout(title=title, height=150, **_LAYOUT)
    fig.update_yaxes(showticklabels=False)
    fig.update_xaxes(title="dimension")
    return fig
