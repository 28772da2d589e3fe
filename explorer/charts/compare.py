"""Plotly figures of the Compare page: two vector sets on one map, and the most changed and most stable words.

Example:
    >>> import numpy as np
    >>> fig = joint_map_figure(["a", "b", "c"], np.zeros((3, 2)), np.ones((3, 2)), "A", "B", joined=[1])
    >>> [t.name for t in fig.data]
    ['A', 'B', 'same word in A and B']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.charts.labels import add_map_labels
from explorer.charts.projection import scene_layout
from explorer.charts.titles import shorten, title_with_subtitle

COLOUR_A = "#1f77b4"
COLOUR_B = "#ff7f0e"
LINE_COLOUR = "rgba(90, 90, 90, 0.55)"
FOCUS_COLOUR = "#d62728"
WEBGL_THRESHOLD = 1000
MAP_PLOT_PX = (900.0, 560.0)  # the 2-D map's plot area on a wide page (a little under, to be safe)
NAME_CHARS = 60  # a set's name in the map's subtitle; the hover text gives it whole
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
    words_b: Sequence[str] | None = None,
    labelled: Sequence[int] | None = None,
    line_name: str = "same word in A and B",
) -> go.Figure:
    """Every word twice, once per set (A blue circles, B orange diamonds), on one projection.

    The legend says A and B; the title's second line and the hover texts give the sets' names.

    A grey line joins the two points of each ``joined`` word (the most changed ones, or the
    chosen one); those words are labelled at both ends. ``focus`` (a row) is drawn larger, in red.
    2-D or 3-D after the coordinates' width. Sets aligned by a dictionary pass ``words_b`` (B's
    word of each row, shown on B's points), ``labelled`` (the rows labelled, when not every joined
    one) and ``line_name`` (the lines' legend entry).

    >>> fig = joint_map_figure(["a", "b"], np.zeros((2, 3)), np.ones((2, 3)), "A", "B", joined=[0], focus=0)
    >>> fig.data[0].type, len(fig.data)
    ('scatter3d', 4)
    """
    a, b = _check(words, coords_a, coords_b)
    three = a.shape[1] == 3
    big = len(words) * 2 > WEBGL_THRESHOLD
    scatter = go.Scatter3d if three else (go.Scattergl if big else go.Scatter)
    joined = [int(i) for i in dict.fromkeys(joined) if 0 <= int(i) < len(words)]
    named = joined if labelled is None else [int(i) for i in dict.fromkeys(labelled) if 0 <= int(i) < len(words)]
    on_b = list(words) if words_b is None else list(words_b)
    if len(on_b) != len(words):
        raise ValueError(f"words_b must have one word per row ({len(words)}); got {len(on_b)}.")
    shown = set(named) if three else set()  # 2-D labels are placed apart below (explorer.charts.labels)

    def xyz(coords: np.ndarray) -> dict[str, list[float]]:
        axes = ("x", "y", "z") if three else ("x", "y")
        return {axis: coords[:, j].tolist() for j, axis in enumerate(axes)}

    fig = go.Figure()
    sets = ((a, "A", name_a, COLOUR_A, "circle", list(words)), (b, "B", name_b, COLOUR_B, "diamond", on_b))
    for coords, name, full_name, colour, symbol, texts in sets:
        fig.add_trace(
            scatter(
                **xyz(coords),
                mode="markers+text" if three else "markers",
                name=name,
                text=[w if i in shown else "" for i, w in enumerate(texts)],
                textposition="top center",
                textfont=dict(size=11, color=colour),
                hovertext=[f"{w} ({name}: {full_name})" for w in texts],
                hoverinfo="text",
                customdata=list(words),  # A's word: a click on either point chooses the same row
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
                name=line_name,
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
                hovertext=[f"{words[focus]} ({name_a})", f"{on_b[focus]} ({name_b})"],
                hoverinfo="text",
                marker=dict(size=8 if three else 14, color="rgba(0,0,0,0)", line=dict(color=FOCUS_COLOUR, width=3)),
            )
        )
    subtitle = f"A (circles): {shorten(name_a, NAME_CHARS)} · B (diamonds): {shorten(name_b, NAME_CHARS)}"
    heading, top = title_with_subtitle(title, subtitle, MAP_PLOT_PX[0]) if title else ({"text": ""}, 50)
    fig.update_layout(
        title=heading,
        height=630 + top,
        legend=dict(orientation="h", yanchor="top", y=-0.01, xanchor="left", x=0.0),
        **{**_LAYOUT, "margin": {**_LAYOUT["margin"], "t": top}},
    )
    if three:
        fig.update_layout(scene=scene_layout(np.vstack([a, b]), ("component 1", "component 2", "component 3")))
    else:
        fig.update_xaxes(zeroline=False, showticklabels=False)
        fig.update_yaxes(zeroline=False, showticklabels=False, scaleanchor="x", scaleratio=1)
        n = len(words)
        first = [focus] if focus is not None and 0 <= focus < n else []
        order = [row for i in first + named for row in (i, i + n)]
        add_map_labels(
            fig, np.vstack([a, b]), list(words) + on_b, order, MAP_PLOT_PX, colours=[COLOUR_A] * n + [COLOUR_B] * n,
            marker_px=5, equal_scale=True, must=order,
        )  # fmt: skip
    return fig


def agreement_figure(changed: Sequence[Mapping[str, object]], stable: Sequence[Mapping[str, object]]) -> go.Figure:
    """Two dot charts side by side: the most changed and the most stable words, first row on top.

    A filled dot is the word's neighbour overlap; an open diamond its aligned cosine (when the sets
    could be aligned). Rows as ``Comparison.table`` gives them (word, overlap, cosine).

    >>> fig = agreement_figure([{"word": "x", "overlap": 0.0, "cosine": 0.2}], [{"word": "y", "overlap": 1.0, "cosine": None}])
    >>> [t.name for t in fig.data]
    ['neighbour overlap', 'aligned cosine', 'neighbour overlap']
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Most changed", "Most stable"), horizontal_spacing=0.18)
    lowest = 0.0
    for col, rows in ((1, changed), (2, stable)):
        words = [str(r["word"]) for r in rows][::-1]
        overlap = [float(r["overlap"]) for r in rows][::-1]  # type: ignore[arg-type]
        cosine = [_number(r.get("cosine")) for r in rows][::-1]
        lowest = min([lowest, *(c for c in cosine if c is not None)])
        series = [(overlap, "neighbour overlap", COLOUR_B if col == 1 else COLOUR_A, "circle")]
        if any(c is not None for c in cosine):
            series.append((cosine, "aligned cosine", "#555555", "diamond-open"))
        for values, name, colour, symbol in series:
            fig.add_trace(
                go.Scatter(
                    x=values,
                    y=words,
                    mode="markers",
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                    marker=dict(color=colour, symbol=symbol, size=11 if symbol == "circle" else 9),
                    hovertemplate="%{y}: " + name + " %{x:.2f}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    for col in (1, 2):
        fig.update_xaxes(range=[lowest - 0.05, 1.05], title="0 = nothing in common, 1 = the same", row=1, col=col)
        fig.update_yaxes(showgrid=True, row=1, col=col)
    height = max(260, 22 * max(len(changed), len(stable), 1) + 130)
    fig.update_layout(
        height=height, legend=dict(orientation="h", yanchor="bottom", y=1.08, xanchor="right", x=1.0), **_LAYOUT
    )
    return fig


def _number(value: object) -> float | None:
    """A float, or None for a missing or NaN value."""
    if value is None:
        return None
    v = float(value)  # type: ignore[arg-type]
    return None if v != v else v
