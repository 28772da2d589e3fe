"""Word labels on maps that never sit on one another: a small greedy placement, then plotly annotations.

Plotly writes a scatter's text at a fixed spot beside each point, so close words print on top of
each other (berlin, rome and paris; king and queen). Here each label is a box in screen pixels
(its text's estimated width, one line high). Labels are placed one at a time, most important
first; each tries spots around its point (above, below, right, left, the four diagonals), close
in first and then further out, and takes the first spot that overlaps no label already placed
and stays inside the plot, preferring spots that cover no other point. A label placed away from
its point gets a thin leader line to it; a label with no free spot is left out (its point still
names itself on hover).

The pixel positions assume the plot area's size (``plot_px``); :func:`add_map_labels` fixes the
axis ranges to the ones it computed with, so the picture matches the plan.

Example:
    >>> import numpy as np
    >>> xy = np.array([[0.0, 0.0], [0.01, 0.0], [0.02, 0.01]])  # three points almost on one spot
    >>> spots = place_labels(xy * 100, np.array([[40, 14]] * 3), order=[0, 1, 2], bounds=(400, 300))
    >>> len(spots), boxes_overlap(label_boxes(xy * 100, np.array([[40, 14]] * 3), spots))
    (3, False)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

# Unit directions around a point, in the order they are tried: above first (where plotly puts text).
DIRECTIONS = np.array(
    [[0, 1], [0, -1], [1, 0], [-1, 0], [1, 1], [-1, 1], [1, -1], [-1, -1]],
    dtype=np.float64,
)
RINGS_PX = (0.0, 14.0, 30.0, 50.0)  # extra distance of each ring of spots; beyond the first, a leader line
CHAR_WIDTH = 0.6  # average glyph width as a share of the font size (Open Sans / Arial, lower case)
LINE_HEIGHT = 1.3  # label box height as a share of the font size
LEADER_COLOUR = "rgba(80, 80, 80, 0.6)"
LABEL_BACKGROUND = "rgba(255, 255, 255, 0.6)"


@dataclass(frozen=True)
class Spot:
    """Where one label went: its centre's offset from its point, in pixels (y up), and whether it is far."""

    index: int
    dx: float
    dy: float
    leader: bool


def label_size(texts: Sequence[str], font_px: float) -> np.ndarray:
    """(n, 2) estimated width and height in pixels of each label's box, with a little padding."""
    widths = np.array([max(len(t), 1) * CHAR_WIDTH * font_px + 4 for t in texts], dtype=np.float64)
    return np.column_stack([widths, np.full(len(texts), LINE_HEIGHT * font_px + 2)])


def label_boxes(points_px: np.ndarray, sizes_px: np.ndarray, spots: Sequence[Spot]) -> np.ndarray:
    """(k, 4) boxes (x0, y0, x1, y1) in pixels of the placed labels."""
    out = np.zeros((len(spots), 4))
    for row, s in enumerate(spots):
        cx, cy = points_px[s.index, 0] + s.dx, points_px[s.index, 1] + s.dy
        w, h = sizes_px[s.index]
        out[row] = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    return out


def boxes_overlap(boxes: np.ndarray) -> bool:
    """Whether any two of the (k, 4) boxes overlap (touching edges do not count)."""
    b = np.asarray(boxes, dtype=np.float64)
    if len(b) < 2:
        return False
    apart_x = (b[:, None, 2] <= b[None, :, 0]) | (b[None, :, 2] <= b[:, None, 0])
    apart_y = (b[:, None, 3] <= b[None, :, 1]) | (b[None, :, 3] <= b[:, None, 1])
    clash = ~(apart_x | apart_y)
    np.fill_diagonal(clash, False)
    return bool(clash.any())


def place_labels(
    points_px: np.ndarray,
    sizes_px: np.ndarray,
    order: Sequence[int],
    bounds: tuple[float, float],
    marker_px: float = 5.0,
    obstacles_px: np.ndarray | None = None,
    must: Sequence[int] = (),
    limit: int | None = None,
) -> list[Spot]:
    """Greedy placement of the labels of ``order`` (most important first); see the module docstring.

    ``points_px``: (n, 2) the points in pixels (origin bottom left, y up); ``sizes_px``: (n, 2)
    label boxes; ``bounds``: the plot area (width, height); ``marker_px``: the markers' radius;
    ``obstacles_px``: points labels should rather not cover (default: ``points_px``); ``must``:
    labels tried on two more outer rings before being left out (pinned words); ``limit``: stop
    after this many labels. Deterministic:
    the same input gives the same spots.
    """
    pts = np.asarray(points_px, dtype=np.float64)
    sizes = np.asarray(sizes_px, dtype=np.float64)
    avoid = pts if obstacles_px is None else np.asarray(obstacles_px, dtype=np.float64)
    must_set = {int(i) for i in must}
    width, height = bounds
    occupied = _Occupancy(avoid, bounds, marker_px)
    placed: list[np.ndarray] = []
    spots: list[Spot] = []
    for i in dict.fromkeys(int(i) for i in order):
        if limit is not None and len(spots) >= limit:
            break
        w, h = sizes[i]
        rings = RINGS_PX + ((80.0, 120.0) if i in must_set else ())
        clear: tuple[float, float, bool] | None = None  # free of labels and of points
        fallback: tuple[float, float, bool] | None = None  # free of labels, on a point
        for ring, extra in enumerate(rings):
            for ux, uy in DIRECTIONS:
                dx = ux * (w / 2 + marker_px + 2 + extra)
                dy = uy * (h / 2 + marker_px + 1 + extra)
                cx, cy = pts[i, 0] + dx, pts[i, 1] + dy
                box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
                if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
                    continue
                if placed:
                    b = np.asarray(placed)
                    if ((b[:, 0] < box[2]) & (box[0] < b[:, 2]) & (b[:, 1] < box[3]) & (box[1] < b[:, 3])).any():
                        continue
                if not occupied.covers(box, pts[i]):
                    clear = (dx, dy, ring > 0)
                    break
                fallback = fallback or (dx, dy, ring > 0)
            # A clear spot next to the point or one ring out wins; further out, a spot beside the
            # point that covers a neighbour reads better than a long leader line.
            if clear is not None or (ring >= 1 and fallback is not None):
                break
        chosen = clear or fallback
        if chosen is not None:
            dx, dy, far = chosen
            cx, cy = pts[i, 0] + dx, pts[i, 1] + dy
            placed.append(np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]))
            spots.append(Spot(i, float(dx), float(dy), far))
    return spots


class _Occupancy:
    """How many markers touch each cell of a grid over the plot: a box covers a point when it
    touches a cell some other point's marker touches (a label may sit next to its own point).

    A grid keeps the test cheap on maps of 100,000 points; it errs on the side of "covered".
    """

    CELL_PX = 4.0

    def __init__(self, points_px: np.ndarray, bounds: tuple[float, float], marker_px: float) -> None:
        cols = int(bounds[0] // self.CELL_PX) + 2
        rows = int(bounds[1] // self.CELL_PX) + 2
        self.grid = np.zeros((cols, rows), dtype=np.int32)
        self.pad = int(np.ceil(marker_px / self.CELL_PX))
        cells = np.floor(np.asarray(points_px, dtype=np.float64).reshape(-1, 2) / self.CELL_PX).astype(np.int64)
        for dx in range(-self.pad, self.pad + 1):
            for dy in range(-self.pad, self.pad + 1):
                c = cells + (dx, dy)
                keep = (c[:, 0] >= 0) & (c[:, 0] < cols) & (c[:, 1] >= 0) & (c[:, 1] < rows)
                np.add.at(self.grid, (c[keep, 0], c[keep, 1]), 1)

    def covers(self, box: np.ndarray, own_px: np.ndarray) -> bool:
        """Whether ``box`` touches a marker other than the one at ``own_px``."""
        x0, y0 = (max(int(v // self.CELL_PX), 0) for v in box[:2])
        x1, y1 = (int(v // self.CELL_PX) + 1 for v in box[2:])
        counts = self.grid[x0:x1, y0:y1].copy()
        ox, oy = (int(v // self.CELL_PX) for v in own_px)
        sx0, sx1 = max(ox - self.pad - x0, 0), max(ox + self.pad + 1 - x0, 0)
        sy0, sy1 = max(oy - self.pad - y0, 0), max(oy + self.pad + 1 - y0, 0)
        counts[sx0:sx1, sy0:sy1] -= 1
        return bool((counts > 0).any())


def padded_range(values: np.ndarray, pad: float = 0.08) -> tuple[float, float]:
    """The span of ``values`` with ``pad`` of it added on each side (a unit span around a single value)."""
    v = np.asarray(values, dtype=np.float64)
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (-1.0, 1.0)
    span = hi - lo or 1.0
    return lo - pad * span, hi + pad * span


def robust_range(values: np.ndarray, tail: float = 0.01, pad: float = 0.08) -> tuple[float, float]:
    """The span of the central ``1 - 2 * tail`` of ``values``, padded as ``padded_range`` pads.

    For maps where a few far points (a semantic axis's own end words) would otherwise squeeze
    every other point into the middle.

    >>> [round(v, 2) for v in robust_range(np.r_[np.linspace(-1, 1, 200), 50.0], pad=0.0)]
    [-0.98, 0.99]
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return padded_range(v, pad)
    return padded_range(np.quantile(v, [tail, 1.0 - tail]), pad)


@dataclass(frozen=True)
class MapLabels:
    """Placed labels as plotly annotation dicts, the axis ranges they assume, and the labelled rows."""

    annotations: list[dict]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    rows: list[int]


def map_labels(
    xy: np.ndarray,
    texts: Sequence[str],
    order: Sequence[int],
    plot_px: tuple[float, float],
    *,
    colours: Sequence[str] | str = "#333",
    font_size: int = 11,
    marker_px: float = 5.0,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    equal_scale: bool = False,
    must: Sequence[int] = (),
    obstacles: np.ndarray | None = None,
    limit: int | None = None,
    font_sizes: Sequence[float] | None = None,
) -> MapLabels:
    """Place the labels of the points ``order`` of ``xy`` (data units) without overlaps (see ``add_map_labels``).

    ``font_sizes``: one font size per label, when labels are drawn at different sizes (each box is
    planned at its own size; default ``font_size`` for all).
    """
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    x_range = x_range or padded_range(xy[:, 0])
    y_range = y_range or padded_range(xy[:, 1])
    if len(xy) == 0 or not len(order):
        return MapLabels([], x_range, y_range, [])
    width, height = plot_px
    sx = width / (x_range[1] - x_range[0])
    sy = height / (y_range[1] - y_range[0])
    if equal_scale:  # plotly shrinks the longer axis so that both have the smaller scale, centred
        s = min(sx, sy)
        x_mid, y_mid = sum(x_range) / 2, sum(y_range) / 2
        x_range = (x_mid - width / (2 * s), x_mid + width / (2 * s))
        y_range = (y_mid - height / (2 * s), y_mid + height / (2 * s))
        sx = sy = s

    def to_px(points: np.ndarray) -> np.ndarray:
        return np.column_stack([(points[:, 0] - x_range[0]) * sx, (points[:, 1] - y_range[0]) * sy])

    pts = to_px(xy)
    avoid = pts if obstacles is None else np.vstack([pts, to_px(np.asarray(obstacles, dtype=np.float64))])
    sizes = (
        label_size(texts, font_size)
        if font_sizes is None
        else np.vstack([label_size([t], f) for t, f in zip(texts, font_sizes, strict=True)]).reshape(-1, 2)
    )
    spots = place_labels(
        pts, sizes, order, (width, height), marker_px=marker_px, obstacles_px=avoid, must=must, limit=limit
    )
    colour_of = (lambda i: colours) if isinstance(colours, str) else (lambda i: colours[i])
    notes = [
        {
            "x": float(xy[s.index, 0]),
            "y": float(xy[s.index, 1]),
            "ax": s.dx,
            "ay": -s.dy,  # plotly's pixel offsets grow downwards
            "axref": "pixel",
            "ayref": "pixel",
            "text": str(texts[s.index]),
            "showarrow": True,
            "arrowhead": 0,
            "arrowwidth": 1 if s.leader else 0.1,
            "arrowcolor": LEADER_COLOUR if s.leader else "rgba(0,0,0,0)",
            "standoff": marker_px if s.leader else 0,
            "font": {"size": font_size if font_sizes is None else font_sizes[s.index], "color": colour_of(s.index)},
            "bgcolor": LABEL_BACKGROUND,  # readable where a label has to sit on other points
            "xanchor": "center",
            "yanchor": "middle",
            "captureevents": False,
        }
        for s in spots
    ]
    return MapLabels(
        notes, (float(x_range[0]), float(x_range[1])), (float(y_range[0]), float(y_range[1])), [s.index for s in spots]
    )


def add_map_labels(
    fig: go.Figure,
    xy: np.ndarray,
    texts: Sequence[str],
    order: Sequence[int],
    plot_px: tuple[float, float],
    **options,
) -> list[int]:
    """Label the points ``order`` of ``xy`` (data units) on ``fig`` without overlaps; returns the labelled rows.

    ``plot_px`` is the plot area's (width, height) in pixels. The axis ranges are fixed to
    ``x_range`` and ``y_range`` (default: the points' span, padded) so that the pixels the plan
    assumed are the ones drawn. ``equal_scale``: one data unit is as long on both axes
    (the figure's y axis is anchored to x). ``obstacles``: more points (data units) to keep clear;
    ``limit``: at most this many labels; ``colours``, ``font_size``, ``marker_px`` and ``must``
    as in :func:`map_labels`.
    """
    placed = map_labels(xy, texts, order, plot_px, **options)
    if not placed.rows:
        return []
    # One layout update: adding annotations one by one re-validates the whole list each time.
    fig.update_layout(
        annotations=[*fig.layout.annotations, *placed.annotations],
        xaxis={"range": list(placed.x_range), "autorange": False},
        yaxis={"range": list(placed.y_range), "autorange": False},
    )
    return placed.rows
