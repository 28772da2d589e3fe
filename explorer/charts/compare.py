"""Plotly figures of the Compare page: two vector sets on one map, and the most changed and most stable words.

Example:
    >>> import numpy as np
    >>> fig = joint_map_figure(["a", "b", "c"], np.zeros((3, 2)), np.ones((3, 2)), "A", "B", joined=[1])
    >>> [t.name for t in fig.data]
    ['A', 'B', 'moves']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

COLOUR_A = "#1f77b4"
COLOUR_B = "#ff7f0e"
LINE_COLOUR = "rgba(90, 90, 90, 0.55)"
FOCUS_COLOUR = "#d62728"
WEBGL_THRESHOLD = 1000
_LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=50, b=10))


def _check(words: Sequence[str], coords_a: np.ndarray, coords_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(coords_a, dtype=np.float64), np.asarray(coords_b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2 or a.shape[0] != len(words) or a.shape[1] not in (2, 3):
        raise ValueError(f"coords_a and coords_b must both be ({len(words)}, 2 or 3); got {a.shape} and {b.shape}.")
    return a, b


def joint_map_figure(
    words: Sequence[str],
    coords_a: np.ndarray,
    coords_b: np.ndarray,
    name_a: str,
    name_b: str,
    joined: Sequence[int] = (),
    focus: int | None = None,
    title: str = "",
) -> go.Figure:
    """Every word twice, once per set (A blue circles, B orange diamonds), on one projection.

    A grey line joins the two points of each ``joined`` word (the most changed ones, or the
    chosen one); those words are labelled at both ends. ``focus`` (a row) is drawn larger, in red.
    2-D or 3-D after the coordinates' width.

    >>> fig = joint_map_figure(["a", "b"], np.zeros((2, 3)), np.ones((2, 3)), "A", "B", joined=[0], focus=0)
    >>> fig.data[0].type, len(fig.data)
    ('scatter3d', 4)
    """
    a, b = _check(words, coords_a, coords_b)
    three = a.shape[1] == 3
    big = len(words) * 2 > WEBGL_THRESHOLD
    scatter = go.Scatter3d if three else (go.Scattergl if big else go.Scatter)
    joined = [int(i) for i in dict.fromkeys(joined) if 0 <= int(i) < len(words)]
    labelled = set(joined)
    label_rows = [w if i in labelled else "" for i, w in enumerate(words)]

    def xyz(coords: np.ndarray) -> dict[str, list[float]]:
        axes = ("x", "y", "z") if three else ("x", "y")
        return {axis: coords[:, j].tolist() for j, axis in enumerate(axes)}

    fig = go.Figure()
    for coords, name, colour, symbol in ((a, name_a, COLOUR_A, "circle"), (b, name_b, COLOUR_B, "diamond")):
        fig.add_trace(
            scatter(
                **xyz(coords),
                mode="markers+text",
                name=name,
                text=label_rows,
                textposition="top center",
                textfont=dict(size=11, color=colour),
                hovertext=[f"{w} ({name})" for w in words],
                hoverinfo="text",
                customdata=list(range(len(words))),
                marker=dict(size=4 if three else 7, color=colour, symbol=symbol, opacity=0.75),
            )
        )
    if joined:
        segments: dict[str, list[float | None]] = {axis: [] for axis in (("x", "y", "z") if three else ("x", "y"))}
        for i in joined:
            for j, axis in enumerate(segments):
                segments[axis] += [float(a[i, j]), float(b[i, j]), None]
        fig.add_trace(
            (go.Scatter3d if three else go.Scatter)(
                **segments,
                mode="lines",
                name="moves",
                line=dict(color=LINE_COLOUR, width=2 if three else 1.5),
                hoverinfo="skip",
            )
        )
    if focus is not None and 0 <= focus < len(words):
        f = [focus]
        fig.add_trace(
            scatter(
                **{k: v + xyz(b[f])[k] for k, v in xyz(a[f]).items()},
                mode="markers",
                name=words[focus],
                hovertext=[f"{words[focus]} ({name_a})", f"{words[focus]} ({name_b})"],
                hoverinfo="text",
                marker=dict(size=8 if three else 14, color="rgba(0,0,0,0)", line=dict(color=FOCUS_COLOUR, width=3)),
            )
        )
    fig.update_layout(
        title=title,
        height=640,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        **_LAYOUT,
    )
    if not three:
        fig.update_xaxes(zeroline=False, showticklabels=False)
        fig.update_yaxes(zeroline=False, showticklabels=False, scaleanchor="x", scaleratio=1)
    return fig


def agreement_figure(changed: Sequence[Mapping[str, object]], stable: Sequence[Mapping[str, object]]) -> go.Figure:
    """Two bar charts side by side: neighbour overlap of the most changed and of the most stable words.

    Rows as ``Comparison.table`` gives them (word, overlap, cosine); the first row is on top.

    >>> fig = agreement_figure([{"word": "x", "overlap": 0.1, "cosine": 0.2}], [{"word": "y", "overlap": 1.0, "cosine": None}])
    >>> [t.name for t in fig.data]
    ['most changed', 'most stable']
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Most changed", "Most stable"), horizontal_spacing=0.18)
    for col, rows, name, colour in ((1, changed, "most changed", COLOUR_B), (2, stable, "most stable", COLOUR_A)):
        words = [str(r["word"]) for r in rows][::-1]
        overlap = [float(r["overlap"]) for r in rows][::-1]  # type: ignore[arg-type]
        cosine = [r.get("cosine") for r in rows][::-1]
        hover = [
            f"{w}: overlap {o:.2f}" + ("" if c is None or c != c else f", cosine {float(c):.2f}")  # type: ignore[arg-type]
            for w, o, c in zip(words, overlap, cosine, strict=True)
        ]
        fig.add_trace(
            go.Bar(
                x=overlap,
                y=words,
                orientation="h",
                name=name,
                marker_color=colour,
                hovertext=hover,
                hoverinfo="text",
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(range=[0, 1], title="share of neighbours in common", row=1, col=col)
    height = max(260, 22 * max(len(changed), len(stable), 1) + 110)
    fig.update_layout(height=height, showlegend=False, **_LAYOUT)
    return fig
