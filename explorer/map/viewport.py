"""The Map page's view as server state: the x/y ranges shown, how they change, and which names they get.

Plotly's own wheel zoom and drag stay in the browser (``st.plotly_chart`` reports selections, not
the camera), so the labels are chosen for a view the server knows: the whole map, a searched word,
a box or lasso selection, a region picked from the list. :func:`label_stage` says what a view is
named by: the coarse regions when it holds most of the map, the fine regions when it is zoomed
into a region, and the words themselves when it holds few points; :func:`label_candidates` lists
those names, most important first, for the greedy placement (``explorer.charts.labels``) that
keeps every label clear of every other at the view's scale.

Example:
    >>> v = View(0.0, 2.0, -1.0, 1.0)
    >>> v.contains(np.array([[1.0, 0.0], [3.0, 0.0]])).tolist(), view_text(v)
    ([True, False], '0.0,2.0,-1.0,1.0')
    >>> parse_view("0,2,-1,1") == v
    True
"""

from __future__ import annotations

import math
import weakref
import zlib
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from explorer.errors import LinkError
from explorer.map.reader import MapData

WORD_SHARE = 0.06  # a searched word's view spans this share of the whole map on each axis
COARSE_SHARE = 0.5  # a view holding at least this share of the points is named by the coarse regions
WORDS_MAX_POINTS = 1_500  # a view holding at most this many points is named by its words
MIN_SHARE = 0.002  # no view narrower than this share of the map (a box on one point still shows its place)
REGION_TAIL = 0.02  # a region's view leaves out this share of its members at each end (stray points)
PAD = 0.08  # a box, a lasso or a region is padded by this share of its span on each side
MAX_FINE = 60  # fine region names offered to the placement in one view
MAX_WORD_CANDIDATES = 400  # words offered to the placement in one view (lowest rank first)
# Plotly's own "Zoom in"/"Zoom out" buttons zoom the picture only and share their names with the page's
# Zoom out (the whole map, names following): left out of the toolbar; the wheel still zooms the picture.
PICTURE_ONLY_BUTTONS = ["zoomIn2d", "zoomOut2d"]
COARSE, FINE, WORDS = "coarse", "fine", "words"
_PER_MAP: dict[tuple[int, str], Any] = {}  # (id of a map's coordinate array, what) -> value; see per_map


class View(NamedTuple):
    """Axis ranges in map units: x from ``x0`` to ``x1``, y from ``y0`` to ``y1``.

    A tuple, so that page state keeps it as it is and a link carries it as ``x0,x1,y0,y1``.
    """

    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def x(self) -> tuple[float, float]:
        return self.x0, self.x1

    @property
    def y(self) -> tuple[float, float]:
        return self.y0, self.y1

    def contains(self, xy: np.ndarray) -> np.ndarray:
        """(n,) bool: which of the (n, 2) points lie inside the view."""
        xy = np.asarray(xy).reshape(-1, 2)
        return (xy[:, 0] >= self.x0) & (xy[:, 0] <= self.x1) & (xy[:, 1] >= self.y0) & (xy[:, 1] <= self.y1)

    @property
    def span(self) -> tuple[float, float]:
        return self.x1 - self.x0, self.y1 - self.y0


def make_view(x: tuple[float, float], y: tuple[float, float]) -> View:
    """A view from an x range and a y range (plain floats)."""
    return View(float(x[0]), float(x[1]), float(y[0]), float(y[1]))


@dataclass(frozen=True)
class Candidates:
    """Names offered for a view, in the order they are placed: rows into ``xy``/``texts``/``kinds``.

    ``kinds``: "word" (a pinned or frequent word), "focus" (the ringed word), "coarse" or "fine".
    """

    xy: np.ndarray
    texts: list[str]
    kinds: list[str]
    must: int  # the first ``must`` are pinned: tried further out before being left out


def robust_span(values: np.ndarray, tail: float = 0.01, pad: float = PAD) -> tuple[float, float]:
    """The range of ``values`` without ``tail`` at each end, padded by ``pad`` of its width; never empty.

    >>> robust_span(np.arange(101.0), tail=0.0, pad=0.0)
    (0.0, 100.0)
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return -1.0, 1.0
    lo, hi = (float(q) for q in np.quantile(v, [tail, 1.0 - tail])) if tail > 0 else (float(v.min()), float(v.max()))
    width = hi - lo
    if width <= 0:
        width = max(abs(lo), 1.0) * 1e-3
        return lo - width, hi + width
    return lo - pad * width, hi + pad * width


def whole_view(data: MapData) -> View:
    """The whole map, its farthest 1% of points at each end left out (one stray word does not shrink the rest).

    Computed once per map (four quantiles of a million values take a tenth of a second) and kept while
    its coordinates live.
    """
    return per_map(data, "whole", lambda: make_view(robust_span(data.coords[:, 0]), robust_span(data.coords[:, 1])))


def per_map(data: MapData, what: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per map: kept under the identity of the map's coordinate array, dropped with it.

    A map is read once and shared by every visitor (``explorer.cache``), so its whole view and its
    density are computed once, not on every rerun of the page.
    """
    key = (id(data.coords), what)
    if key not in _PER_MAP:
        _PER_MAP[key] = compute()
        weakref.finalize(data.coords, _PER_MAP.pop, key, None)
    return _PER_MAP[key]


def _at_least(lo: float, hi: float, least: float) -> tuple[float, float]:
    if hi - lo >= least:
        return float(lo), float(hi)
    mid = (lo + hi) / 2
    return float(mid - least / 2), float(mid + least / 2)


def fitted(data: MapData, x: tuple[float, float], y: tuple[float, float], pad: float = PAD) -> View:
    """A view of the ranges ``x`` and ``y`` padded by ``pad`` of their width, at least ``MIN_SHARE`` of the map wide."""
    whole = whole_view(data)
    wx, wy = whole.span
    (x0, x1), (y0, y1) = sorted(x), sorted(y)
    px, py = (x1 - x0) * pad, (y1 - y0) * pad
    return make_view(_at_least(x0 - px, x1 + px, wx * MIN_SHARE), _at_least(y0 - py, y1 + py, wy * MIN_SHARE))


def word_view(data: MapData, row: int, share: float = WORD_SHARE) -> View:
    """A view centred on word ``row``, ``share`` of the whole map wide on each axis (search flies here)."""
    wx, wy = whole_view(data).span
    x, y = (float(v) for v in data.coords[row])
    return make_view((x - wx * share / 2, x + wx * share / 2), (y - wy * share / 2, y + wy * share / 2))


def rows_view(data: MapData, rows: Sequence[int]) -> View | None:
    """A view holding the words ``rows`` (a selection of points), padded; None for no rows."""
    if not len(rows):
        return None
    xy = data.coords[np.asarray(rows, dtype=np.int64)]
    return fitted(data, (float(xy[:, 0].min()), float(xy[:, 0].max())), (float(xy[:, 1].min()), float(xy[:, 1].max())))


def region_view(data: MapData, level: int, cluster: int) -> View | None:
    """A view holding region ``cluster`` of ``level`` (its members without the farthest ``REGION_TAIL``)."""
    if not 0 <= level < len(data.clusters):
        return None
    members = np.flatnonzero(data.clusters[level] == cluster)
    if not len(members):
        return None
    xy = data.coords[members]
    return fitted(data, robust_span(xy[:, 0], REGION_TAIL, 0.0), robust_span(xy[:, 1], REGION_TAIL, 0.0))


def selection_view(data: MapData, chart_state: object, rows: Sequence[int]) -> View | None:
    """The view a chart selection asks for: its box, else the bounds of its lasso, else its selected points.

    Streamlit's selection state carries ``box`` (``[{"x": [x0, x1], "y": [y0, y1]}]``) and ``lasso``
    (``[{"x": [...], "y": [...]}]``) in data units besides the points.

    >>> selection_box({"selection": {"box": [{"x": [3, 1], "y": [0, 2]}]}})
    ((1.0, 3.0), (0.0, 2.0))
    """
    box = selection_box(chart_state)
    if box is not None:
        return fitted(data, *box, pad=0.0)
    return rows_view(data, rows) if len(rows) > 1 else None


def selection_box(chart_state: object) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The last box or lasso of a ``st.plotly_chart`` selection state as (x range, y range); None if there is none."""
    selection = chart_state.get("selection", {}) if hasattr(chart_state, "get") else {}
    if not hasattr(selection, "get"):
        return None
    for kind in ("box", "lasso"):
        shapes = selection.get(kind) or []
        for shape in reversed(list(shapes)):
            if not hasattr(shape, "get"):
                continue
            try:
                xs = [float(v) for v in shape.get("x") or []]
                ys = [float(v) for v in shape.get("y") or []]
            except (TypeError, ValueError):
                continue
            finite = len(xs) >= 2 and len(ys) >= 2 and all(map(math.isfinite, xs + ys))
            if finite and max(xs) > min(xs) and max(ys) > min(ys):
                return (min(xs), max(xs)), (min(ys), max(ys))
    return None


def label_stage(data: MapData, view: View) -> str:
    """What names a view: ``COARSE`` when it holds most points, ``WORDS`` when it holds few, else ``FINE``."""
    inside = int(view.contains(data.coords).sum())
    if inside >= COARSE_SHARE * len(data):
        return COARSE
    if inside <= WORDS_MAX_POINTS:
        return WORDS
    return FINE


def label_candidates(data: MapData, view: View, pinned: Sequence[int] = (), focus: int | None = None) -> Candidates:
    """The names a view offers, most important first: the ``pinned`` words (``focus`` first), then by stage
    (:func:`label_stage`) the coarse regions biggest first; or the fine regions in view, biggest first; or a
    few fine regions and then the words in view, lowest rank (most frequent) first."""
    pinned = list(dict.fromkeys(int(r) for r in pinned))
    if focus is not None and int(focus) in pinned:
        pinned.remove(int(focus))
    pinned = ([int(focus)] if focus is not None else []) + pinned
    xy = [data.coords[pinned].astype(np.float64).reshape(-1, 2)]
    texts = [data.words[r] for r in pinned]
    kinds = ["focus" if r == focus else "word" for r in pinned]
    stage = label_stage(data, view)

    def regions(level: int, limit: int | None, only_in_view: bool) -> None:
        labels = data.labels[level]
        keep = view.contains(labels.xy) if only_in_view else np.ones(len(labels.texts), dtype=bool)
        picked = np.flatnonzero(keep)[np.argsort(-labels.sizes[keep], kind="stable")][:limit]
        xy.append(labels.xy[picked].astype(np.float64).reshape(-1, 2))
        texts.extend(labels.texts[int(i)] for i in picked)
        kinds.extend([COARSE if level == 0 else FINE] * len(picked))

    if stage == COARSE or len(data.labels) < 2:
        regions(0, None, False)
    elif stage == FINE:
        regions(len(data.labels) - 1, MAX_FINE, True)
    else:
        regions(len(data.labels) - 1, 4, True)
        skip = set(pinned)
        rows = np.flatnonzero(view.contains(data.coords))  # in file order: most frequent first
        rows = [int(r) for r in rows[: MAX_WORD_CANDIDATES + len(skip)] if int(r) not in skip][:MAX_WORD_CANDIDATES]
        xy.append(data.coords[rows].astype(np.float64).reshape(-1, 2))
        texts.extend(data.words[r] for r in rows)
        kinds.extend(["word"] * len(rows))
    return Candidates(np.vstack(xy), texts, kinds, len(pinned))


def stage_note(stage: str) -> str:
    """One sentence on what the names on the map are at this stage.

    >>> stage_note(FINE)
    'Names: the fine regions in view.'
    """
    return {
        COARSE: "Names: the coarse regions.",
        FINE: "Names: the fine regions in view.",
        WORDS: "Names: the most frequent words in view, none covering another.",
    }[stage]


def view_text(view: View) -> str:
    """A view as link text: x0,x1,y0,y1 (shortest round-trip floats)."""
    return ",".join(repr(float(v)) for v in view)


def chart_key(name: str, view: View | None) -> str:
    """The chart's widget key for map ``name`` at ``view``: a new view starts a new chart, so a box that was
    zoomed to, or a selection on another map, is not carried into it.

    >>> chart_key("m", None), chart_key("m", View(0.0, 1.0, 0.0, 1.0))
    ('map.chart.m', 'map.chart.m.e9263b7f')
    """
    if view is None:
        return f"map.chart.{name}"
    return f"map.chart.{name}.{zlib.crc32(view_text(view).encode()):08x}"


def changed(state: MutableMapping[str, Any], key: str, value: Any, *, first: bool = False) -> bool:
    """Whether ``value`` differs from the one last applied under ``key`` (then it becomes the applied one).

    The first call for a key in a session returns ``first``: a value a link brought in together with
    its view is already shown (``first=False``), one that came without a view still has to be applied.

    >>> s = {}
    >>> changed(s, "k", "paris"), changed(s, "k", "paris"), changed(s, "k", "rome")
    (False, False, True)
    """
    applied = f"{key}.applied"
    was_first = applied not in state
    before = state.get(applied)
    state[applied] = value
    return bool(value) and first if was_first else value != before


def parse_view(raw: str) -> View:
    """A view from link text ``x0,x1,y0,y1``; ``LinkError`` for anything else.

    >>> parse_view("1,0,0,1")
    Traceback (most recent call last):
    ...
    explorer.errors.LinkError: '1,0,0,1' is not a view: give x0,x1,y0,y1 with x0 < x1 and y0 < y1.
    """
    text = str(raw).strip()[:200]
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or not all(map(math.isfinite, values)) or not (values[0] < values[1] and values[2] < values[3]):
        raise LinkError(f"{text[:60]!r} is not a view: give x0,x1,y0,y1 with x0 < x1 and y0 < y1.")
    return View(*values)


def view_parser() -> Callable[[str], View]:
    """The page-state parser of a view in a link."""
    return parse_view


def region_options(data: MapData) -> dict[str, str]:
    """The regions a visitor can fly to, as option id ``"<level>:<cluster>"`` -> text: each coarse region
    (biggest first) followed by its fine regions (biggest first), a fine region under the coarse region
    most of its words belong to."""
    return per_map(data, "regions", lambda: _region_options(data))


def _region_options(data: MapData) -> dict[str, str]:
    options: dict[str, str] = {}
    coarse = data.labels[0]
    last = len(data.labels) - 1
    parent = parent_regions(data.clusters[0], data.clusters[last]) if last > 0 else np.zeros(0, np.int64)
    fine = data.labels[last]
    for i in np.argsort(-coarse.sizes, kind="stable"):
        c = int(coarse.clusters[i])
        options[f"0:{c}"] = f"{coarse.texts[int(i)]} ({int(coarse.sizes[i]):,} words)"
        if last == 0:
            continue
        children = [
            j
            for j in range(len(fine.texts))
            if int(fine.clusters[j]) < len(parent) and parent[int(fine.clusters[j])] == c
        ]
        for j in sorted(children, key=lambda j: -int(fine.sizes[j])):
            options[f"{last}:{int(fine.clusters[j])}"] = f"   ↳ {fine.texts[j]} ({int(fine.sizes[j]):,} words)"
    return options


def parent_regions(coarse: np.ndarray, fine: np.ndarray) -> np.ndarray:
    """For each fine cluster id, the coarse cluster most of its words belong to (one pass over the points).

    >>> parent_regions(np.array([0, 0, 1, 1, 1]), np.array([0, 0, 1, 2, 2])).tolist()
    [0, 1, 1]
    """
    if not len(coarse):
        return np.zeros(0, dtype=np.int64)
    n_coarse = int(coarse.max()) + 1
    n_fine = int(fine.max()) + 1
    counts = np.bincount(fine.astype(np.int64) * n_coarse + coarse, minlength=n_fine * n_coarse)
    return counts.reshape(n_fine, n_coarse).argmax(axis=1)


def parse_region(option: str) -> tuple[int, int] | None:
    """``"<level>:<cluster>"`` as two ints; None for anything else.

    >>> parse_region("1:7"), parse_region("x")
    ((1, 7), None)
    """
    try:
        level, cluster = (int(p) for p in str(option).split(":"))
    except ValueError:
        return None
    return level, cluster


def selection_help(boxed: View | None) -> str:
    """The Zoom to selection button's help: what to do first while it is disabled, what it does once it is not."""
    if boxed is None:
        return "Drag a box or lasso on the map first (box or lasso in the chart's toolbar)."
    return "Sets the view to the box or lasso you dragged: the names follow it."
