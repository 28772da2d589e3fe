"""The Map page's figure: every word of a prebuilt map in one WebGL trace, its regions named on top.

One ``go.Scattergl`` trace holds every point; its coordinates are float32 arrays and its colours a
uint8/uint16 array of coarse cluster ids, which plotly writes as base64 typed arrays (about 8 bytes
per point for x and y and 1 to 2 for the colour, where JSON lists of numbers take 30 or more); the
words themselves travel as a list of strings for the hover. A searched or clicked word, its
neighbours and lines to them are small traces drawn over the points. Names (that word and its
neighbours first, then the regions, then, zoomed in, fine regions and words) are annotations
placed by ``explorer.charts.labels`` so that none overlaps another at the drawn view.

Trace order is fixed: 0 every word (a selected point's ``point_index`` is its row), 1 lines to the
neighbours, 2 the neighbours and 3 the focused word (drawn over trace 0, so a click on them lands
there; each carries its row as ``customdata``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from explorer.charts.labels import map_labels, robust_range
from explorer.map.reader import MapData

PLOT_PX = (1100.0, 640.0)  # the plot area the labels are placed for (the page draws the chart wide)
HEIGHT = 720
PALETTE = tuple(qualitative.Dark24 + qualitative.Light24)
COARSE_FONT, FINE_FONT = 13, 10
MAX_FINE_LABELS = 60
MAX_WORD_LABELS = 40  # zoomed in, the most frequent words in view are named too
WORD_FONT = 9
FOCUS_COLOUR = "#d62728"


def colour_scale(n: int) -> list[list[object]]:
    """A stepped colour scale giving cluster ``i`` of ``n`` (marker colour ``i``, cmin -0.5, cmax n - 0.5) one colour.

    >>> colour_scale(2)[0], colour_scale(2)[-1][0]
    ([0.0, '#2E91E5'], 1.0)
    """
    n = max(int(n), 1)
    scale: list[list[object]] = []
    for i in range(n):
        colour = PALETTE[i % len(PALETTE)]
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    return scale


def cluster_colours(clusters: np.ndarray) -> np.ndarray:
    """The smallest unsigned integer array holding the cluster ids (sent as 1 or 2 bytes per point)."""
    top = int(clusters.max()) if len(clusters) else 0
    return clusters.astype(np.uint8 if top < 256 else np.uint16 if top < 65_536 else np.uint32)


def marker_size(n: int) -> float:
    """Smaller dots for bigger maps, so that regions read as densities rather than as a blot."""
    return 6.0 if n <= 5_000 else 4.0 if n <= 50_000 else 2.5 if n <= 300_000 else 1.5


def map_figure(
    data: MapData,
    *,
    view: tuple[tuple[float, float], tuple[float, float]] | None = None,
    focus: int | None = None,
    neighbour_rows: Sequence[int] = (),
    fine_labels: bool = False,
    plot_px: tuple[float, float] = PLOT_PX,
) -> go.Figure:
    """The map of ``data``; ``view``: axis ranges to show (else the whole map, tails trimmed).

    ``focus``: a word's row to ring and name, with lines to ``neighbour_rows``. Coarse labels are
    always placed; fine labels and words in view too when ``fine_labels`` or when a ``view`` is given.
    """
    n = len(data)
    coords = np.ascontiguousarray(data.coords, dtype=np.float32)
    coarse = data.clusters[0]
    n_coarse = int(coarse.max()) + 1 if n else 1
    fig = go.Figure()
    fig.add_trace(
        go.Scattergl(
            x=coords[:, 0],
            y=coords[:, 1],
            mode="markers",
            text=np.asarray(data.words, dtype=object),  # an object array skips plotly's per-item check (1 s at 1M)
            hovertemplate="%{text}<extra></extra>",
            marker={
                "size": marker_size(n),
                "color": cluster_colours(coarse),
                "colorscale": colour_scale(n_coarse),
                "cmin": -0.5,
                "cmax": n_coarse - 0.5,
                "opacity": 0.7,
                "line": {"width": 0},
            },
            name="words",
            showlegend=False,
        )
    )
    rows = [int(r) for r in neighbour_rows]
    lines_x: list[float | None] = []
    lines_y: list[float | None] = []
    if focus is not None:
        fx, fy = (float(v) for v in coords[focus])
        for r in rows:
            lines_x += [fx, float(coords[r, 0]), None]
            lines_y += [fy, float(coords[r, 1]), None]
    fig.add_trace(
        go.Scattergl(
            x=lines_x, y=lines_y, mode="lines", line={"color": "rgba(30,30,30,0.55)", "width": 1.5},
            hoverinfo="skip", showlegend=False, name="lines",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scattergl(
            x=coords[rows, 0] if rows else [], y=coords[rows, 1] if rows else [], mode="markers",
            text=[data.words[r] for r in rows], hovertemplate="%{text}<extra>neighbour</extra>",
            customdata=rows,
            marker={"size": 9, "color": "rgba(0,0,0,0)", "line": {"width": 2, "color": "#111"}},
            showlegend=False, name="neighbours",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scattergl(
            x=[float(coords[focus, 0])] if focus is not None else [],
            y=[float(coords[focus, 1])] if focus is not None else [],
            mode="markers", text=[data.words[focus]] if focus is not None else [],
            customdata=[focus] if focus is not None else [], hovertemplate="%{text}<extra></extra>",
            marker={"size": 16, "color": "rgba(214,39,40,0.25)", "line": {"width": 3, "color": FOCUS_COLOUR}},
            showlegend=False, name="word",
        )
    )  # fmt: skip

    x_range, y_range = view if view is not None else (robust_range(coords[:, 0]), robust_range(coords[:, 1]))
    pinned = ([focus] if focus is not None else []) + rows
    notes = place_region_labels(
        data, x_range, y_range, plot_px, fine=fine_labels or view is not None, pinned=pinned, focus=focus
    )
    fig.update_layout(
        height=HEIGHT,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={
            "range": list(x_range),
            "autorange": False,
            "showgrid": False,
            "zeroline": False,
            "showticklabels": False,
        },
        yaxis={
            "range": list(y_range),
            "autorange": False,
            "showgrid": False,
            "zeroline": False,
            "showticklabels": False,
        },
        annotations=notes,
        plot_bgcolor="white",
        hovermode="closest",
        dragmode="pan",
        uirevision=f"{x_range}{y_range}",  # a new view (search) moves the camera; a rerun keeps the visitor's
    )
    return fig


def place_region_labels(
    data: MapData,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    plot_px: tuple[float, float],
    *,
    fine: bool,
    pinned: Sequence[int] = (),
    focus: int | None = None,
) -> list[dict]:
    """Annotations naming, in this order, the ``pinned`` words (a focused word, its neighbours), the coarse
    regions (biggest first), then, when ``fine``, the fine regions and the most frequent words in view;
    none overlapping another at this view (each box is planned at the largest font, drawn at its own)."""
    pinned = list(dict.fromkeys(int(r) for r in pinned))
    c = data.coords
    xy = [c[pinned].astype(np.float64).reshape(-1, 2)]
    texts = [data.words[r] for r in pinned]
    styles = [{"size": COARSE_FONT, "color": FOCUS_COLOUR} if r == focus else {"size": FINE_FONT + 1, "color": "#111"} for r in pinned]  # fmt: skip
    coarse = data.labels[0]
    order = list(range(len(pinned))) + [len(texts) + int(i) for i in np.argsort(-coarse.sizes, kind="stable")]
    xy.append(coarse.xy)
    texts += list(coarse.texts)
    styles += [{"size": COARSE_FONT, "color": "#111"}] * len(coarse.texts)
    if fine and len(data.labels) > 1:
        level = data.labels[-1]
        inside = (
            (level.xy[:, 0] >= x_range[0]) & (level.xy[:, 0] <= x_range[1])
            & (level.xy[:, 1] >= y_range[0]) & (level.xy[:, 1] <= y_range[1])
        )  # fmt: skip
        picked = np.flatnonzero(inside)[np.argsort(-level.sizes[inside], kind="stable")][:MAX_FINE_LABELS]
        order += [len(texts) + i for i in range(len(picked))]
        xy.append(level.xy[picked])
        texts += [level.texts[int(i)] for i in picked]
        styles += [{"size": FINE_FONT, "color": "#555"}] * len(picked)
        skip = set(pinned)
        in_view = [
            int(r)
            for r in np.flatnonzero(
                (c[:, 0] >= x_range[0]) & (c[:, 0] <= x_range[1]) & (c[:, 1] >= y_range[0]) & (c[:, 1] <= y_range[1])
            )[: MAX_WORD_LABELS + len(skip)]  # rows are in file order: most frequent first
            if int(r) not in skip
        ][:MAX_WORD_LABELS]
        order += [len(texts) + i for i in range(len(in_view))]
        xy.append(c[in_view].astype(np.float64).reshape(-1, 2))
        texts += [data.words[r] for r in in_view]
        styles += [{"size": WORD_FONT, "color": "#777"}] * len(in_view)
    if not texts:
        return []
    placed = map_labels(
        np.vstack(xy), texts, order, plot_px, x_range=x_range, y_range=y_range, font_size=COARSE_FONT,
        marker_px=0.0, must=range(len(pinned)),
    )  # fmt: skip
    for row, note in zip(placed.rows, placed.annotations, strict=True):
        note["font"] = dict(styles[row])
    return placed.annotations
