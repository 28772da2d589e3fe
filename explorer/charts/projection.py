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


def spread_labels(coords: np.ndarray, n_labels: int, min_gap: float = 0.04, candidates: int = 3000) -> list[int]:
    """Rows to label: in row order (most frequent first), skipping any point closer than
    ``min_gap`` x the map's span to one already chosen, so labels do not pile into one unreadable
    blot where frequent words cluster. At most ``n_labels``; looks at the first ``candidates`` rows.
    """
    coords = np.asarray(coords, dtype=np.float64)[: max(0, int(candidates))]
    if n_labels <= 0 or len(coords) == 0:
        return []
    gap = min_gap * float(np.ptp(coords, axis=0).max())
    chosen: list[int] = []
    for i, point in enumerate(coords):
        nearest = np.min(((coords[chosen] - point) ** 2).sum(1)) if chosen else np.inf
        if nearest >= gap * gap and nearest > 0:
            chosen.append(i)
            if len(chosen) == n_labels:
                break
    return chosen


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
) -> go.Figure:
    """A scatter of ``coords`` (n, 2 or 3) with one trace per colour group.

    ``highlight`` (search matches) and ``focus`` (a selected word and its neighbours) get larger
    labelled markers; otherwise up to ``n_labels`` of the most frequent words carry a text label,
    spread over the map (``spread_labels``) so labels stay readable. Every point carries its row
    index in ``customdata`` so a selection maps back to words. 2-D sets above 1,000 points use WebGL (Scattergl).
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
    labelled = set(spread_labels(coords, n_labels)) - set(highlight) - set(focus)

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
    for gi, name in enumerate(groups):
        idx = np.flatnonzero(arr == name)
        colour = OTHER_COLOUR if name == "other" else PALETTE[gi % len(PALETTE)]
        text_idx = [i for i in idx if i in labelled]
        fig.add_trace(trace(idx, name, "markers", {"size": marker_size, "color": colour, "opacity": 0.75}))
        if text_idx:
            fig.add_trace(
                trace(
                    text_idx,
                    name,
                    "text",
                    {"size": 1, "color": colour},
                    textposition="top center",
                    textfont={"size": 10, "color": "#333"},
                    showlegend=False,
                    legendgroup=name,
                )
            )
    if highlight:
        fig.add_trace(
            trace(
                highlight,
                "search matches",
                "markers+text",
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
                "markers+text",
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
                    "markers+text",
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
        fig.update_layout(
            scene={"xaxis_title": axis_titles[0], "yaxis_title": axis_titles[1], "zaxis_title": axis_titles[2]}
        )
    else:
        fig.update_xaxes(title=axis_titles[0], zeroline=False)
        fig.update_yaxes(title=axis_titles[1], zeroline=False)
    return fig


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
