"""How many words lie where: a 2-D histogram of a whole map, log-scaled, for the Map page's shading.

Drawn beneath the points as one heatmap image, so that dense regions read at a glance when a
million dots overlap into a blot. One pass of ``np.bincount`` over the points (about 6 ms at 1M,
where ``np.histogram2d`` takes 100 ms); the result is a small uint8 grid (a cell per few pixels),
sent to the browser as one typed array of about 30 KB whatever the number of words.

Example:
    >>> g = density_grid(np.array([[0.0, 0.0], [0.1, 0.1], [0.9, 0.9]]), (0.0, 1.0), (0.0, 1.0), cells=(2, 2))
    >>> g.levels.tolist(), g.counts_max
    ([[255, 0], [0, 161]], 2)
    >>> g.x0, g.dx
    (0.25, 0.5)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELLS = (220, 128)  # (across, up) at most: about 5 pixels a cell on the page's plot area
WORDS_PER_CELL = 10  # fewer cells for smaller maps, so that a cell's count is not mostly noise
TOP = 255


def cells_for(n: int, most: tuple[int, int] = CELLS) -> tuple[int, int]:
    """A grid for ``n`` words: about ``WORDS_PER_CELL`` words a cell, at most ``most``, at least 40 x 23, in
    the plot's proportions.

    >>> cells_for(1_000_000), cells_for(50_000), cells_for(100)
    ((220, 128), (93, 54), (40, 23))
    """
    aspect = most[0] / most[1]
    total = min(max(n / WORDS_PER_CELL, 40 * 40 / aspect), most[0] * most[1])
    across = int(round((total * aspect) ** 0.5))
    return min(across, most[0]), min(int(round(across / aspect)), most[1])


@dataclass(frozen=True)
class DensityGrid:
    """Log-scaled counts per cell, (up, across) uint8: 0 empty, 1..255 from one word to the densest cell.

    ``x0``, ``y0``: the centre of the first cell; ``dx``, ``dy``: a cell's size, in map units (what a
    plotly heatmap takes); ``counts_max``: the words in the densest cell.
    """

    levels: np.ndarray
    x0: float
    dx: float
    y0: float
    dy: float
    counts_max: int


def density_grid(
    coords: np.ndarray, x_range: tuple[float, float], y_range: tuple[float, float], cells: tuple[int, int] = CELLS
) -> DensityGrid:
    """The words of ``coords`` (n, 2) counted in ``cells`` over ``x_range`` x ``y_range`` (points outside are not
    counted), then scaled as log(1 + count) / log(1 + the densest count) onto 1..255."""
    nx, ny = (max(1, int(c)) for c in cells)
    (x0, x1), (y0, y1) = x_range, y_range
    dx, dy = (x1 - x0) / nx, (y1 - y0) / ny
    xy = np.asarray(coords, dtype=np.float32).reshape(-1, 2)
    ix = np.floor((xy[:, 0] - x0) / dx).astype(np.int64)
    iy = np.floor((xy[:, 1] - y0) / dy).astype(np.int64)
    ix[xy[:, 0] == x1] = nx - 1  # the right and top edges belong to the last cell, as in np.histogram2d
    iy[xy[:, 1] == y1] = ny - 1
    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    counts = np.bincount(iy[inside] * nx + ix[inside], minlength=nx * ny).reshape(ny, nx)
    top = int(counts.max()) if counts.size else 0
    levels = np.zeros((ny, nx), dtype=np.uint8)
    if top > 0:
        scaled = np.log1p(counts) / np.log1p(top)
        levels[counts > 0] = np.clip(np.round(1 + (TOP - 1) * scaled[counts > 0]), 1, TOP).astype(np.uint8)
    return DensityGrid(levels, float(x0 + dx / 2), float(dx), float(y0 + dy / 2), float(dy), top)
