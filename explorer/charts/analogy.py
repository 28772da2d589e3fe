"""Plotly figures of the Analogies page: answer scores, the offset picture, method comparison.

Example:
    >>> fig = answers_bar([("queen", 0.8), ("princess", 0.6)], expected="queen", method_label="3CosAdd")
    >>> len(fig.data)
    1
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from explorer.charts.labels import add_map_labels

ROLE_COLORS = {"a": "#1f77b4", "b": "#1f77b4", "c": "#d62728", "d": "#d62728", "neighbour": "#9a9a9a"}
ANSWER_COLOR = "#4c78a8"
EXPECTED_COLOR = "#f58518"
OFFSET_PLOT_PX = (900.0, 380.0)  # the offset picture's plot area on a wide page (a little under, to be safe)
METHOD_COLORS = {"3CosAdd": "#4c78a8", "3CosMul": "#f58518"}


def answers_bar(
    answers: Sequence[tuple[str, float]], expected: str | None = None, method_label: str = "score"
) -> go.Figure:
    """Horizontal bars of the top answers, best at the top; the expected answer in another colour."""
    words = [w for w, _ in answers][::-1]
    scores = [s for _, s in answers][::-1]
    colors = [EXPECTED_COLOR if w == expected else ANSWER_COLOR for w in words]
    fig = go.Figure(
        go.Bar(
            x=scores,
            y=words,
            orientation="h",
            marker_color=colors,
            text=[f"{s:.3f}" for s in scores],
            textposition="auto",
            hovertemplate="%{y}: %{x:.4f}<extra></extra>",
        )
    )
    lo = min(scores, default=0.0)
    hi = max(scores, default=1.0)
    span = max(hi - lo, 1e-6)
    fig.update_layout(
        title=f"Top answers ({method_label})",
        xaxis_title=f"{method_label} score",
        xaxis_range=[min(0.0, lo - 0.1 * span), hi + 0.05 * span],
        height=max(260, 32 * len(words) + 110),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        yaxis={"automargin": True},
    )
    return fig


def offset_picture(
    words: Sequence[str],
    coords: np.ndarray,
    roles: Sequence[str],
    explained: float | None = None,
) -> go.Figure:
    """The four analogy words (and a few neighbours) in 2D with arrows a -> b and c -> d.

    ``roles`` gives each word's role: "a", "b", "c", "d" or "neighbour"; ``coords`` is (n, 2).
    """
    coords = np.asarray(coords, dtype=float)
    fig = go.Figure()
    neighbours = [i for i, r in enumerate(roles) if r == "neighbour"]
    if neighbours:
        fig.add_trace(
            go.Scatter(
                x=coords[neighbours, 0],
                y=coords[neighbours, 1],
                mode="markers",
                text=[words[i] for i in neighbours],
                marker={"size": 8, "color": ROLE_COLORS["neighbour"]},
                name="other answers",
                hovertemplate="%{text}<extra>other answer</extra>",
            )
        )
    index = {r: i for i, r in enumerate(roles) if r != "neighbour"}
    for start, end in (("a", "b"), ("c", "d")):
        pair = [index[r] for r in (start, end) if r in index]
        if not pair:
            continue
        fig.add_trace(
            go.Scatter(
                x=coords[pair, 0],
                y=coords[pair, 1],
                mode="markers",
                text=[f"{words[i]} ({roles[i]})" for i in pair],
                marker={"size": 14, "color": ROLE_COLORS[start], "line": {"width": 1, "color": "white"}},
                name=f"{start} → {end}",
                hovertemplate="%{text}<extra></extra>",
            )
        )
    for start, end in (("a", "b"), ("c", "d")):
        if start in index and end in index:
            s, e = coords[index[start]], coords[index[end]]
            fig.add_annotation(
                x=e[0],
                y=e[1],
                ax=s[0],
                ay=s[1],
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=3,
                arrowsize=1.4,
                arrowwidth=2.5,
                arrowcolor=ROLE_COLORS[start],
                standoff=9,
                startstandoff=9,
                text="",
            )
    subtitle = "" if explained is None else f" (PCA of a, b, c, d: {100 * explained:.0f}% of their variance)"
    fig.update_layout(
        title=f"The two offsets, a → b and c → d{subtitle}",
        xaxis={"title": "PC 1", "zeroline": False, "scaleanchor": "y", "scaleratio": 1},
        yaxis={"title": "PC 2", "zeroline": False},
        height=480,
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.15},
    )
    # Labels apart from each other (explorer.charts.labels): the four words first, then the other answers.
    four = [index[r] for r in ("a", "b", "c", "d") if r in index]
    texts = [words[i] if roles[i] == "neighbour" else f"{words[i]} ({roles[i]})" for i in range(len(words))]
    pair_colour = {"a": ROLE_COLORS["a"], "b": ROLE_COLORS["a"], "c": ROLE_COLORS["c"], "d": ROLE_COLORS["c"]}
    colours = [pair_colour.get(r, "#666666") for r in roles]
    arrows = [(coords[index[s]], coords[index[e]]) for s, e in (("a", "b"), ("c", "d")) if s in index and e in index]
    along = np.linspace(0.0, 1.0, 25)[:, None]
    on_arrows = np.vstack([start + along * (end - start) for start, end in arrows]) if arrows else None
    if len(coords):
        lo, hi = coords.min(axis=0), coords.max(axis=0)
        pad = 0.15 * np.maximum(hi - lo, 1e-3)
        add_map_labels(
            fig, coords, texts, four + neighbours, OFFSET_PLOT_PX, colours=colours, font_size=13, marker_px=7,
            x_range=(lo[0] - pad[0], hi[0] + pad[0]), y_range=(lo[1] - pad[1], hi[1] + pad[1]), equal_scale=True,
            must=four, obstacles=on_arrows,
        )  # fmt: skip
    return fig


def method_comparison_bar(
    rows: Sequence[Mapping[str, Any]], methods: Sequence[str] = ("3CosAdd", "3CosMul")
) -> go.Figure:
    """Grouped bars: accuracy per section (rows from ``evaluation.method_comparison``), one bar per method."""
    sections = [str(r["section"]) for r in rows]
    fig = go.Figure()
    for m in methods:
        values = [r.get(m, math.nan) for r in rows]
        fig.add_trace(
            go.Bar(
                x=sections,
                y=[None if (v is None or math.isnan(v)) else 100 * v for v in values],
                name=m,
                marker_color=METHOD_COLORS.get(m),
                text=["–" if (v is None or math.isnan(v)) else f"{100 * v:.0f}%" for v in values],
                textposition="outside",
                hovertemplate="%{x}: %{y:.1f}%<extra>" + m + "</extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        title="Accuracy per section",
        yaxis={"title": "accuracy (%)", "range": [0, 110]},
        height=420,
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )
    return fig
