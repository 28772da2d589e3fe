"""The Map page's figure: every word of a prebuilt map in one WebGL trace, its regions named on top.

One ``go.Scattergl`` trace holds every point; its coordinates are float32 arrays and its colours a
uint8/uint16 array of coarse cluster ids, which plotly writes as base64 typed arrays (about 8 bytes
per point for x and y and 1 to 2 for the colour, where JSON lists of numbers take 30 or more); the
words themselves travel as a list of strings for the hover. Beneath them, the whole map's density
(``explorer.map.density``, log-scaled counts) is one heatmap image of about 30 KB, so dense regions
read at a glance where a million dots merge. A searched or clicked word, its neighbours and lines
to them are small traces drawn over the points. Names (that word and its neighbours first, then
what the view's stage offers: coarse regions, fine regions in view, or the most frequent words in
view, ``explorer.map.viewport``) are annotations placed by ``explorer.charts.labels`` so that none
overlaps another at the drawn view.

Trace order is fixed: 0 every word (a selected point's ``point_index`` is its row), 1 lines to the
neighbours, 2 the neighbours and 3 the focused word (drawn over trace 0, so a click on them lands
there; each carries its row as ``customdata``), 4 the density (zoomed out only; no hover, no clicks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from explorer.charts.labels import map_labels
from explorer.map.density import TOP, DensityGrid, cells_for, density_grid
from explorer.map.reader import MapData
from explorer.map.viewport import (
    COARSE,
    View,
    label_candidates,
    label_stage,
    per_map,
    robust_span,
    view_text,
    whole_view,
)

PLOT_PX = (1100.0, 640.0)  # the plot area the labels are placed for (the page draws the chart wide)
HEIGHT = 720
PALETTE = tuple(qualitative.Dark24 + qualitative.Light24)
COARSE_FONT, FINE_FONT = 13, 11
MAX_LABELS = 120  # names placed in one view at most (words included)
WORD_FONT = 10
FOCUS_COLOUR = "#d62728"
# Density shading: empty cells transparent, then a faint to a deep grey-blue (drawn beneath the coloured dots).
DENSITY_SCALE = [[0.0, "rgba(255,255,255,0)"], [1 / TOP, "rgba(70,90,130,0.06)"], [1.0, "rgba(40,55,95,0.45)"]]


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


def density_trace(data: MapData) -> go.Heatmap:
    """The whole map's density (``explorer.map.density``) as one heatmap image beneath the points: empty cells
    transparent, then from a faint to a deep grey-blue along log(1 + words in the cell). It takes no hover
    and no clicks (``hoverinfo="skip"``), so every hover and click still lands on a word."""
    grid = whole_density(data)
    return go.Heatmap(
        z=grid.levels, x0=grid.x0, dx=grid.dx, y0=grid.y0, dy=grid.dy, zmin=0, zmax=TOP, zsmooth="best",
        colorscale=DENSITY_SCALE, showscale=False, hoverinfo="skip", name="density", showlegend=False,
    )  # fmt: skip


def whole_density(data: MapData) -> DensityGrid:
    """The density grid over nearly every point of the map (a thousandth at each end left out), computed once
    per map and kept while its coordinates live."""
    c = data.coords
    return per_map(
        data,
        "density",
        lambda: density_grid(
            c, robust_span(c[:, 0], 0.001, 0.02), robust_span(c[:, 1], 0.001, 0.02), cells=cells_for(len(c))
        ),
    )


def map_figure(
    data: MapData,
    *,
    view: View | None = None,
    focus: int | None = None,
    neighbour_rows: Sequence[int] = (),
    plot_px: tuple[float, float] = PLOT_PX,
    density: bool = True,
) -> go.Figure:
    """The map of ``data`` shown at ``view`` (default: the whole map, tails trimmed), over its density.

    ``focus``: a word's row to ring and name, with lines to ``neighbour_rows``. The names drawn
    depend on the view (``explorer.map.viewport.label_stage``): coarse regions, fine regions or words.
    """
    n = len(data)
    view = view or whole_view(data)
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
    if density and n and label_stage(data, view) == COARSE:
        # Trace 4, after the others so that trace 0 stays every word; a heatmap is drawn in the SVG layer,
        # beneath every WebGL trace, whatever its place in the list. Only zoomed out: in a region the dots
        # themselves are few enough to read, and the whole map's cells would show as blurred blocks.
        fig.add_trace(density_trace(data))

    pinned = ([focus] if focus is not None else []) + rows
    notes = place_view_labels(data, view, plot_px, pinned=pinned, focus=focus)
    axis = {"autorange": False, "showgrid": False, "zeroline": False, "showticklabels": False}
    fig.update_layout(
        height=HEIGHT,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={**axis, "range": list(view.x)},
        yaxis={**axis, "range": list(view.y)},
        annotations=notes,
        plot_bgcolor="white",
        hovermode="closest",
        dragmode="pan",
        uirevision=view_text(view),  # a new view moves the camera; a rerun at the same view keeps the visitor's zoom
    )
    return fig


FONTS = {"focus": COARSE_FONT, "word": WORD_FONT, "coarse": COARSE_FONT, "fine": FINE_FONT}
COLOURS = {"focus": FOCUS_COLOUR, "word": "#333", "coarse": "#111", "fine": "#333"}


def place_view_labels(
    data: MapData,
    view: View,
    plot_px: tuple[float, float],
    *,
    pinned: Sequence[int] = (),
    focus: int | None = None,
    limit: int | None = MAX_LABELS,
) -> list[dict]:
    """Annotations naming what ``view`` offers (``explorer.map.viewport.label_candidates``: the pinned words,
    then coarse regions, fine regions or words by the view's stage), each planned at its own font size and
    placed greedily in that order, so that none overlaps another at this view."""
    offered = label_candidates(data, view, pinned, focus)
    if not offered.texts:
        return []
    sizes = [FONTS[k] + (1 if k == "word" and i < offered.must else 0) for i, k in enumerate(offered.kinds)]
    placed = map_labels(
        offered.xy, offered.texts, range(len(offered.texts)), plot_px, x_range=view.x, y_range=view.y,
        font_sizes=sizes, marker_px=0.0, must=range(offered.must), limit=limit,
    )  # fmt: skip
    for row, note in zip(placed.rows, placed.annotations, strict=True):
        kind = offered.kinds[row]
        pinned_word = kind == "word" and row < offered.must
        note["font"] = {"size": sizes[row], "color": "#111" if pinned_word else COLOURS[kind]}
        note["bgcolor"] = "rgba(255,255,255,0.8)"  # readable over the darkest regions' dots too
    return placed.annotations
