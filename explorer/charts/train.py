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

_LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), template="plotly_white")


def running_mean(values: Sequence[float], span: int = 10) -> np.ndarray:
    """Trailing mean over ``span`` points (shorter at the start), computed in float64."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, len(v) + 1)
    lo = np.maximum(idx - span, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def loss_figure(
    x: Sequence[float], loss: Sequence[float], x_title: str = "step", title: str = "Loss", y_title: str = "loss"
) -> go.Figure:
    """Loss per unit of work (points) and its running mean (line)."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=list(x), y=list(loss), mode="markers", name="per step", marker=dict(size=5, opacity=0.5))
    )
    fig.add_trace(go.Scatter(x=list(x), y=running_mean(loss).tolist(), mode="lines", name="running mean"))
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, height=320, showlegend=True, **_LAYOUT)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    return fig


def _room_for_labels(words: Sequence[str], xy: np.ndarray, top: int, is_pin: np.ndarray, extent: float) -> np.ndarray:
    """Which of the first ``top`` words get a written label: pins first, then by frequency, skipping
    a word whose label would sit on one already placed (about a label's width and height apart)."""
    chosen = np.zeros(len(words), dtype=bool)
    if len(words) == 0:
        return chosen
    span = 2 * extent if extent > 0 else float(np.ptp(xy, axis=0).max()) or 1.0
    placed: list[tuple[float, float, float]] = []  # (x, y, half width) of each label
    order = [i for i in range(len(words)) if is_pin[i]] + [i for i in range(min(top, len(words))) if not is_pin[i]]
    for i in order:
        x, y = xy[i]
        half = 0.011 * span * max(len(words[i]), 3) / 2  # ~1.1% of the span per character
        if is_pin[i] or all(abs(x - px) > half + ph or abs(y - py) > 0.045 * span for px, py, ph in placed):
            placed.append((x, y, half))
            chosen[i] = True
    return chosen


def word_map_figure(
    words: Sequence[str],
    xy: np.ndarray,
    pinned: Sequence[str] = (),
    title: str = "Word map",
    extent: float = 0.0,
    label_top: int = 25,
) -> go.Figure:
    """Points for ``words`` (most frequent first); pinned words are drawn larger and in another colour.

    Only the pinned words and those of the first ``label_top`` whose label does not overlap one
    already placed carry a written label, so the map stays readable at 50+ words; every point
    names its word on hover. ``extent`` > 0 fixes both axes to
    [-extent, extent] so frames share one scale.

    >>> fig = word_map_figure(["a", "b", "c"], np.eye(3)[:, :2], pinned=["c"], label_top=1)
    >>> [t.name for t in fig.data]
    ['frequent words', 'more words (hover)', 'pinned']
    """
    pinned_set = set(pinned)
    is_pin = np.array([w in pinned_set for w in words], dtype=bool)
    is_top = _room_for_labels(words, np.asarray(xy, dtype=np.float64), label_top, is_pin, extent) & ~is_pin
    rest = ~is_pin & ~is_top
    fig = go.Figure()
    layers = (
        (is_top, "frequent words", "#4c78a8", 7, "markers+text"),
        (rest, "more words (hover)", "#9db4cf", 6, "markers"),
        (is_pin, "pinned", "#e45756", 11, "markers+text"),
    )
    for mask, name, color, size, mode in layers:
        if not mask.any():
            continue
        fig.add_trace(
            go.Scatter(
                x=xy[mask, 0],
                y=xy[mask, 1],
                mode=mode,
                text=[w for w, m in zip(words, mask, strict=True) if m],
                textposition="top center",
                textfont=dict(size=11, color=color),
                marker=dict(size=size, color=color, opacity=0.8),
                name=name,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.update_layout(title=title, height=520, showlegend=len(fig.data) > 1, **_LAYOUT)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.02, xanchor="left", x=0))
    axis = dict(showticklabels=False, zeroline=False, showgrid=False)
    if extent > 0:
        fig.update_xaxes(range=[-extent, extent], **axis)
        fig.update_yaxes(range=[-extent, extent], scaleanchor="x", **axis)
    else:
        fig.update_xaxes(**axis)
        fig.update_yaxes(scaleanchor="x", **axis)
    return fig


def matrix_figure(
    matrix: np.ndarray, labels: Sequence[str], title: str, colorscale: str = "Blues", fmt: str = ".0f"
) -> go.Figure:
    """A labelled square heatmap with the value written in each cell."""
    m = np.asarray(matrix, dtype=np.float64)
    fig = go.Figure(
        go.Heatmap(
            z=m,
            x=list(labels),
            y=list(labels),
            colorscale=colorscale,
            text=[[format(v, fmt) for v in row] for row in m],
            texttemplate="%{text}",
            hovertemplate="row %{y}, column %{x}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(title=title, height=80 + 36 * max(len(labels), 4), **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
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
