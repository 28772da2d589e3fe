"""Plotly figures for projected word maps (2-D WebGL scatter for large sets, or 3-D).

Example:
    >>> import numpy as np
    >>> fig = projection_figure(["a", "b", "c"], np.zeros((3, 2), dtype=np.float32))
    >>> fig.data[0].type
    'scatter'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from explorer.charts.labels import add_map_labels, padded_range, robust_range
from explorer.stopwords import content_first

WEBGL_THRESHOLD = 1000
PALETTE = qualitative.Plotly + qualitative.D3[1:] + qualitative.Set2 + qualitative.Pastel1
OTHER_COLOUR = "#b8b8b8"


def _sort_groups(names: Iterable[str]) -> list[str]:
    def key(name: str) -> tuple[int, int, str]:
        if name == "other":
            return (2, 0, "")
        tail = name.rsplit(" ", 1)[-1]
        return (0, int(tail), "") if tail.isdigit() else (1, 0, name)

    return sorted(set(names), key=key)


def spread_labels(
    coords: np.ndarray,
    n_labels: int,
    min_gap: float = 0.04,
    candidates: int = 3000,
    order: Sequence[int] | None = None,
) -> list[int]:
    """Rows to label: in ``order`` (default: row order, most frequent first), skipping any point
    closer than ``min_gap`` x the map's span to one already chosen, so labels do not pile into one
    unreadable blot where frequent words cluster. At most ``n_labels``; looks at the first
    ``candidates`` rows of the order.
    """
    coords = np.asarray(coords, dtype=np.float64)
    rows = np.arange(len(coords)) if order is None else np.asarray(order, dtype=np.int64)
    rows = rows[: max(0, int(candidates))]
    if n_labels <= 0 or len(rows) == 0:
        return []
    gap = min_gap * float(np.ptp(coords[rows], axis=0).max())
    chosen: list[int] = []
    for i in rows.tolist():
        point = coords[i]
        nearest = np.min(((coords[chosen] - point) ** 2).sum(1)) if chosen else np.inf
        if nearest >= gap * gap and nearest > 0:
            chosen.append(i)
            if len(chosen) == n_labels:
                break
    return chosen


PLOT_PX = (900.0, 600.0)  # the 2-D map's plot area on a wide page (a little under, to be safe)
GROUP_MARKER_GROWTH = 5  # typed word groups: markers this much larger than the other points


def projection_figure(
    keys: Sequence[str],
    coords: np.ndarray,
    colour_labels: Sequence[str] | None = None,
    highlight: Iterable[int] = (),
    focus: Iterable[int] = (),
    n_labels: int = 30,
    title: str = "",
    axis_titles: Sequence[str] | None = None,
    height: int = 700,
    emphasise_groups: bool = False,
    axis_ends: Sequence[tuple[str, str]] = (),
    label_stopwords: bool = False,
) -> go.Figure:
    """A scatter of ``coords`` (n, 2 or 3) with one trace per colour group.

    ``highlight`` (search matches) and ``focus`` (a selected word and its neighbours) get larger
    markers. In 2-D, labels never overlap (``explorer.charts.labels``): the focused word, its
    neighbours, the search matches, the semantic axes' end words and (with ``emphasise_groups``,
    typed word groups) every grouped word are placed first, then up to ``n_labels`` of the most
    frequent words while there is room. With ``emphasise_groups`` the grouped words are drawn
    larger, with a dark edge, over the small grey "other" points. ``axis_ends``: per semantic axis,
    its (from, to) words, written at both ends of the axis and drawn as labelled diamonds.

    The frequent words labelled are content words (``explorer.stopwords.content_first``, as on
    the Train map) unless ``label_stopwords``: "the" and "of" only fill in when too few content
    words are on the map. With ``axis_ends`` the axes span the central 98% of the other words
    (``labels.robust_range``), since the end words themselves lie far out and would squeeze every
    other word into the middle; the words beyond the view are counted in a note on the chart.
    In 3-D the scene's ranges are padded so no point or axis title is cut at the edges.

    Every point carries its row index in ``customdata`` so a selection maps back to words. 2-D
    sets above 1,000 points use WebGL (Scattergl).
    """
    coords = np.asarray(coords, dtype=np.float32)
    n, dims = coords.shape
    keys = list(keys)
    labels = list(colour_labels) if colour_labels is not None else ["words"] * n
    three_d = dims == 3
    webgl = not three_d and n > WEBGL_THRESHOLD
    highlight = sorted({int(i) for i in highlight if 0 <= int(i) < n})
    focus = [int(i) for i in focus if 0 <= int(i) < n]
    marker_size = 3 if three_d else (4 if n > 5000 else 6 if n > WEBGL_THRESHOLD else 8)
    index_of = {w: i for i, w in enumerate(keys)}
    end_rows = [index_of[w] for pair in axis_ends for w in pair if w in index_of]
    grouped = [i for i, g in enumerate(labels) if emphasise_groups and g != "other"]
    label_order = None if label_stopwords else content_first(keys)
    labelled: set[int] = set(spread_labels(coords, n_labels, order=label_order)) if three_d else set()

    def trace(idx: Sequence[int], name: str, mode: str, marker: dict, **kw) -> go.BaseTraceType:
        idx = np.asarray(idx, dtype=np.int64)
        common = dict(
            name=name,
            mode=mode,
            text=[keys[i] for i in idx],
            customdata=idx[:, None],
            hovertemplate="%{text}<extra>" + name + "</extra>",
            marker=marker,
            **kw,
        )
        if three_d:
            return go.Scatter3d(x=coords[idx, 0], y=coords[idx, 1], z=coords[idx, 2], **common)
        cls = go.Scattergl if webgl else go.Scatter
        return cls(x=coords[idx, 0], y=coords[idx, 1], **common)

    groups = _sort_groups(labels)
    arr = np.asarray(labels, dtype=object)
    fig = go.Figure()
    # "other" first, so that the coloured groups are drawn over it
    for gi, name in sorted(enumerate(groups), key=lambda item: item[1] != "other"):
        idx = np.flatnonzero(arr == name)
        colour = OTHER_COLOUR if name == "other" else PALETTE[gi % len(PALETTE)]
        marker = {"size": marker_size, "color": colour, "opacity": 0.75}
        if emphasise_groups and name != "other":
            marker = {"size": marker_size + GROUP_MARKER_GROWTH, "color": colour, "line": {"width": 1, "color": "#222"}}
        elif emphasise_groups:
            marker = {"size": max(3, marker_size - 2), "color": colour, "opacity": 0.5}
        fig.add_trace(trace(idx, name, "markers", marker))
        text_idx = [i for i in idx if i in labelled]
        if three_d and text_idx:
            fig.add_trace(
                trace(text_idx, name, "text", {"size": 1, "color": colour}, textposition="top center",
                      textfont={"size": 10, "color": "#333"}, showlegend=False, legendgroup=name)
            )  # fmt: skip
    text_mode = "markers+text" if three_d else "markers"
    if end_rows:
        fig.add_trace(
            trace(end_rows, "axis end words", text_mode, {"size": marker_size + 7, "color": "#111", "symbol": "diamond"},
                  textposition="top center", textfont={"size": 12, "color": "#111"})
        )  # fmt: skip
    if highlight:
        fig.add_trace(
            trace(
                highlight,
                "search matches",
                text_mode,
                {"size": marker_size + 6, "color": "rgba(255,215,0,0.9)", "line": {"width": 1.5, "color": "#222"}},
                textposition="top center",
                textfont={"size": 12, "color": "#000"},
            )
        )
    if focus:
        fig.add_trace(
            trace(
                focus[:1],
                "selected word",
                text_mode,
                {
                    "size": marker_size + 9,
                    "color": "#d62728",
                    "symbol": "diamond",
                    "line": {"width": 1, "color": "#000"},
                },
                textposition="bottom center",
                textfont={"size": 13, "color": "#d62728"},
            )
        )
        if len(focus) > 1:
            fig.add_trace(
                trace(
                    focus[1:],
                    "its neighbours (cosine on the original vectors)",
                    text_mode,
                    {"size": marker_size + 5, "color": "rgba(0,0,0,0)", "line": {"width": 2, "color": "#d62728"}},
                    textposition="top center",
                    textfont={"size": 11, "color": "#8b0000"},
                )
            )
    axis_titles = list(axis_titles or ([f"component {i + 1}" for i in range(dims)]))
    fig.update_layout(
        title=title,
        height=height,
        margin={"l": 10, "r": 10, "t": 60 if title else 36, "b": 10},  # room for the mode bar above the legend
        legend={"itemsizing": "constant", "title": {"text": ""}},
        dragmode="orbit" if three_d else "select",  # 2-D: dragging draws a selection box, scrolling zooms
        hovermode="closest",
        uirevision="project-map",
    )
    if three_d:
        fig.update_layout(scene=scene_layout(coords, axis_titles), margin={"l": 0, "r": 0, "t": 60 if title else 36, "b": 0})  # fmt: skip
        return fig
    fig.update_xaxes(title=axis_titles[0], zeroline=False)
    fig.update_yaxes(title=axis_titles[1], zeroline=False)
    ranges = _axes_view(fig, coords, end_rows) if axis_ends else {}
    _label_2d(fig, keys, coords, labels, focus, highlight, end_rows, grouped, n_labels, marker_size, label_order, ranges)  # fmt: skip
    _write_axis_ends(fig, axis_ends)
    return fig


SCENE_PAD = 0.12  # share of each axis's span added at both ends of a 3-D scene


def scene_layout(coords: np.ndarray, axis_titles: Sequence[str]) -> dict:
    """A 3-D scene whose ranges hold every point with ``SCENE_PAD`` to spare, seen from a little further out.

    Plotly's automatic ranges end at the outermost points, so their markers and text are cut by
    the scene's box, and the default camera puts axis titles of a small map outside the figure.
    """
    scene: dict = {"aspectmode": "cube", "camera": {"eye": {"x": 1.5, "y": 1.5, "z": 1.0}}}
    for j, axis in enumerate("xyz"):
        scene[f"{axis}axis"] = {"title": {"text": axis_titles[j]}, "range": list(padded_range(coords[:, j], SCENE_PAD))}
    return scene


ZOOM_FROM_WORDS = 50  # fewer words than this: every word, end words included, stays in view
SQUEEZED = 0.4  # an axis whose central words fill less than this share of its full span is zoomed to them


def _axes_view(fig: go.Figure, coords: np.ndarray, end_rows: Sequence[int]) -> dict:
    """Semantic axes: an axis whose words are squeezed into the middle by the far end words spans the
    central words instead (``robust_range``), with a note counting the words beyond the view."""
    rest = np.delete(coords, list(end_rows), axis=0) if len(coords) > len(set(end_rows)) else coords

    def view(j: int) -> tuple[float, float]:
        full, central = padded_range(coords[:, j]), robust_range(rest[:, j])
        squeezed = central[1] - central[0] < SQUEEZED * (full[1] - full[0])
        return central if squeezed and len(rest) >= ZOOM_FROM_WORDS else full

    x_range, y_range = view(0), view(1)
    fig.update_xaxes(range=list(x_range), autorange=False)
    fig.update_yaxes(range=list(y_range), autorange=False)
    outside = int(
        np.sum(
            (coords[:, 0] < x_range[0]) | (coords[:, 0] > x_range[1]) | (coords[:, 1] < y_range[0]) | (coords[:, 1] > y_range[1])
        )
    )  # fmt: skip
    if outside:
        fig.add_annotation(
            x=1.0, y=0.0, xref="paper", yref="paper", xanchor="right", yanchor="bottom", yshift=22, showarrow=False,
            text=f"{outside:,} words beyond this view (the axis words among them): scroll to zoom out",
            font={"size": 11, "color": "#555"}, bgcolor="rgba(255,255,255,0.8)",
        )  # fmt: skip
    return {"x_range": x_range, "y_range": y_range}


def _label_2d(fig, keys, coords, labels, focus, highlight, end_rows, grouped, n_labels, marker_size, order, ranges) -> None:  # fmt: skip
    """Place the 2-D map's labels without overlaps: the marked words first, then frequent words while there is room."""
    marked = list(dict.fromkeys([*focus, *highlight, *end_rows, *grouped]))
    # Candidates spread over the map, most frequent content words first, so a clump of frequent
    # words does not take every label; the placement then keeps those that fit.
    candidates = spread_labels(coords, 3 * max(n_labels, 0), min_gap=0.015, order=order)
    frequent = [i for i in candidates if i not in set(marked)]
    colours = ["#333"] * len(keys)
    for i in end_rows:
        colours[i] = "#111"
    for i in focus:
        colours[i] = "#b22222"
    groups = _sort_groups(labels)
    for i in grouped:
        colours[i] = PALETTE[groups.index(labels[i]) % len(PALETTE)]
    add_map_labels(
        fig, coords, keys, marked + frequent, PLOT_PX, colours=colours, font_size=11, marker_px=marker_size / 2 + 1,
        must=marked, limit=len(marked) + max(n_labels, 0), **ranges,
    )  # fmt: skip


def _write_axis_ends(fig: go.Figure, axis_ends: Sequence[tuple[str, str]]) -> None:
    """Each semantic axis's end words at its two ends, inside the plot: x at the left and right, y at the bottom and top."""
    spots = (
        ((0.0, 0.5, "left", "middle", "◀ "), (1.0, 0.5, "right", "middle", " ▶")),
        ((0.5, 0.0, "center", "bottom", "▼ "), (0.5, 1.0, "center", "top", "▲ ")),
    )
    for (start, end), ends in zip(axis_ends, spots, strict=False):
        for word, (x, y, xanchor, yanchor, arrow) in zip((start, end), ends, strict=True):
            text = f"{word}{arrow}" if arrow == " ▶" else f"{arrow}{word}"
            fig.add_annotation(
                x=x, y=y, xref="paper", yref="paper", xanchor=xanchor, yanchor=yanchor, text=f"<b>{text}</b>",
                showarrow=False, font={"size": 13, "color": "#111"}, bgcolor="rgba(255,255,255,0.8)",
            )  # fmt: skip


def selected_rows(points: Iterable[dict], n: int) -> list[int]:
    """Row indices (from ``customdata``) of the points a chart selection returned, in order, deduplicated.

    ``customdata`` arrives as a list, a scalar, or a dict keyed "0" depending on the trace type.

    >>> selected_rows([{"customdata": [3]}, {"customdata": {"0": 1}}, {"customdata": 3}, {"x": 0}], 5)
    [3, 1]
    """
    rows: dict[int, None] = {}
    for pt in points or []:
        data = pt.get("customdata") if hasattr(pt, "get") else None
        if isinstance(data, dict):
            data = data.get("0", data.get(0))
        elif isinstance(data, list | tuple):
            data = data[0] if data else None
        try:
            row = int(data)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if 0 <= row < n:
            rows.setdefault(row, None)
    return list(rows)
