"""The app's one k-nearest-neighbour engine: exact up to a size, an inverted file (IVF) above it.

``cosine_knn(x, k)`` gives each row's ``k`` nearest other rows by cosine, with the engine used and,
for the approximate engine, its recall@k measured against exact neighbours on a seeded sample:

* **exact** (at most ``exact_max_rows`` rows, or on a CUDA GPU): ``explorer.compare.knn.cosine_neighbours``,
  unchanged: blocked float32 products, candidates re-ranked by float64 cosines.
* **IVF** above it, on the CPU: spherical k-means splits the unit rows into ``cells`` (about
  sqrt(n) of them, trained on a seeded sample); each row is searched exactly among the members of
  its ``probes`` nearest cells (the cells whose centres have the largest cosine with it). The
  search runs cell by cell: the rows probing a cell, against its members, in one matrix product,
  folded into running top-(k + 2) lists by a compiled loop; the candidates are then re-ranked by
  float64 cosines exactly as the exact path does, so ties and rounding behave the same. Cost:
  about n * probes * (n / cells) * d multiply-adds instead of n^2 d / 2.
* **probes** are measured, not fixed: the exact neighbours of ``CALIBRATION_SAMPLE`` seeded rows say
  how many of a row's nearest cells hold ``target_recall`` of them. When that is more than
  ``MAX_PROBE_SHARE`` of the cells (vectors with little cluster structure), the IVF would cost
  about what the exact search does, and the search is exact.

Recall@k: on ``sample`` other seeded rows, the share of the lists' entries whose cosine is at least
the k-th exact cosine of that row (less a float32 rounding tolerance), so a word tied with the k-th
exact neighbour counts as found and exact lists score 1.0 whatever order ties were broken in.

Callers: ``compare.compare`` (both sets), ``neighbours.search_neighbours`` (all pairs of a large set),
and the map job above its exact size (``map.neighbors.ivf_neighbors``: ``exact_fallback=False``, its
own recall stage after). Everything here takes a float32 (n, d) array, never a vector set.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = np.repeat(rng.normal(size=(60, 16)), 20, axis=0) + 0.1 * rng.normal(size=(1200, 16))
    >>> cosine_knn(x.astype(np.float32), 5).search
    Search(engine='exact', k=5, recall=1.0, sample=0, cells=0, probes=0)
    >>> found = cosine_knn(x.astype(np.float32), 5, exact_max_rows=500)
    >>> found.search.engine, found.search.recall > 0.9, found.indices.shape
    ('ivf', True, (1200, 5))
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np

from explorer.errors import CompareError
from explorer.linalg import unit_rows
from explorer.topk import insert_sorted, rescore_rows

EXACT_MAX_ROWS = 10_000  # above this many rows the CPU search is approximate (IVF); 10k exact takes about 2 s
RECALL_SAMPLE = 1_000  # rows whose lists are checked against exact neighbours
CELLS_PER_SQRT = 1.0  # cells = this x sqrt(n)
TARGET_RECALL = 0.99  # the IVF probes as many cells as a calibration sample says reach this recall@k
CALIBRATION_SAMPLE = 500  # rows (apart from the recall sample) whose exact neighbours choose the probes
MAX_PROBE_SHARE = 0.35  # probing more of the cells than this costs about what the exact search does
TRAIN_PER_CELL = 128  # k-means training rows per cell
TRAIN_ITERATIONS = 6
EXTRA = 2  # candidates kept beyond k from the float32 products, for the float64 re-ranking
BLOCK_SCORES = 2**22  # scores held at once (16 MB of float32)
TIE_TOLERANCE = 1e-5  # a neighbour as similar as the k-th exact one, to float32 rounding, counts as found

ENGINE_LABELS = {"exact": "exact", "ivf": "approximate (IVF)"}


@dataclass(frozen=True)
class Search:
    """How a set of neighbour lists was found: engine, k, and the recall measured for an approximate one.

    Attributes:
        engine: "exact" or "ivf".
        k: neighbours per row.
        recall: recall@k against exact neighbours on ``sample`` rows (1.0 for the exact engine).
        sample: rows the recall was measured on (0 for the exact engine: exact by construction).
        cells, probes: the IVF's cells and the cells searched per row (0 for the exact engine).
    """

    engine: str
    k: int
    recall: float = 1.0
    sample: int = 0
    cells: int = 0
    probes: int = 0

    @property
    def exact(self) -> bool:
        return self.engine == "exact"

    def describe(self, what: str = "words") -> str:
        """One line for a page, e.g. "approximate (IVF), recall@10 0.97 on 1,000 sampled words".

        >>> Search("exact", 10).describe()
        'exact'
        >>> Search("ivf", 10, 0.9712, 1000, 224, 3).describe()
        'approximate (IVF), recall@10 0.97 on 1,000 sampled words'
        """
        label = ENGINE_LABELS.get(self.engine, self.engine)
        if self.exact:
            return label
        return f"{label}, recall@{self.k} {self.recall:.2f} on {self.sample:,} sampled {what}"


@dataclass(frozen=True, eq=False)
class Neighbours:
    """Each row's ``k`` nearest other rows: ``indices`` (n, k) int32, nearest first (float64 cosines,
    equal ones in row order), and ``search``, how they were found."""

    indices: np.ndarray
    search: Search


def cosine_knn(
    x: np.ndarray,
    k: int,
    *,
    exact_max_rows: int | None = None,
    device: str | None = "cpu",
    seed: int = 0,
    sample: int = RECALL_SAMPLE,
    target_recall: float = TARGET_RECALL,
    probes: int | None = None,
    exact_fallback: bool = True,
) -> Neighbours:
    """Each row's ``k`` nearest other rows of ``x`` (n, d) by cosine: exact up to ``exact_max_rows``
    rows (None: ``EXACT_MAX_ROWS``, read when called) or on a CUDA GPU (``device`` "auto" / "cuda"),
    else IVF with its recall measured.

    The IVF searches as many cells per row as a calibration sample says reach ``target_recall``
    (``probes`` fixes the number instead); when that is more than ``MAX_PROBE_SHARE`` of the
    cells, the IVF would cost about as much as the exact search, and the search is exact (with
    ``exact_fallback=False``, for sets too large for any exact search, it probes that share of the
    cells instead and reports the lower recall).
    Exact results are those of ``explorer.compare.knn.cosine_neighbours`` (same lists, same ties).
    The IVF is seeded by ``seed``: the same rows always give the same lists and the same recall.

    >>> from explorer.compare.knn import cosine_neighbours
    >>> x = np.random.default_rng(1).normal(size=(50, 4)).astype(np.float32)
    >>> bool((cosine_knn(x, 3).indices == cosine_neighbours(x, 3)).all())
    True
    """
    x = np.asarray(x)
    n = len(x)
    if not 0 < k < n:
        raise CompareError(f"k must be between 1 and {n - 1} for {n} rows; got {k}.")
    if n <= (EXACT_MAX_ROWS if exact_max_rows is None else exact_max_rows) or _on_gpu(device):
        return _exact(x, k, device)
    units = np.ascontiguousarray(unit_rows(x.astype(np.float32, copy=False)), dtype=np.float32)  # (n, d)
    cells = cell_count(n)
    centres = train_centres(units, cells, seed)
    checked, calibration = sample_rows(n, sample, seed, CALIBRATION_SAMPLE)
    if probes is None:
        probes = calibrated_probes(units, centres, calibration, k, target_recall)
        if probes > MAX_PROBE_SHARE * cells:
            if exact_fallback:
                return _exact(x, k, device)
            probes = int(MAX_PROBE_SHARE * cells)
    probes = int(min(max(1, probes), cells))
    candidates = ivf_candidates(units, min(k + EXTRA, n - 1), centres, probes)
    indices = rerank(units, candidates, k)
    recall = measured_recall(units, indices, checked)
    return Neighbours(indices, Search("ivf", k, recall, len(checked), cells, probes))


def _exact(x: np.ndarray, k: int, device: str | None) -> Neighbours:
    # Imported here: explorer.compare's package imports this module (for ``Search``).
    from explorer.compare.knn import cosine_neighbours

    return Neighbours(cosine_neighbours(x, k, device=device), Search("exact", k))


def _on_gpu(device: str | None) -> bool:
    if device in (None, "cpu"):
        return False
    from explorer.device import select_device

    return select_device(device).type == "cuda"


def cell_count(n: int) -> int:
    """IVF cells for ``n`` rows: about sqrt(n), at least 2 (so a row's probes hold ~sqrt(n) rows each).

    >>> cell_count(50_000)
    224
    """
    return int(max(2, min(n // 2, round(CELLS_PER_SQRT * math.sqrt(n)))))


# ----- the inverted file --------------------------------------------------------------------------------
def train_centres(units: np.ndarray, cells: int, seed: int = 0) -> np.ndarray:
    """(cells, d) float32 unit centres of spherical k-means on a seeded sample of ``units``.

    Each iteration assigns the sample's rows to the centre of largest cosine and sets each centre
    to the normalised sum of its rows; a centre left without rows restarts at a random sample row.
    """
    rng = np.random.default_rng(seed)
    n = len(units)
    take = min(n, cells * TRAIN_PER_CELL)
    train = units[np.sort(rng.choice(n, size=take, replace=False))] if take < n else units
    centres = train[rng.choice(len(train), size=cells, replace=False)].copy()
    for _ in range(TRAIN_ITERATIONS):
        assigned = _nearest_cell(train, centres)
        sums = np.zeros(centres.shape, dtype=np.float64)
        _sum_rows(train, assigned, sums)
        empty = np.flatnonzero(np.bincount(assigned, minlength=cells) == 0)
        sums[empty] = train[rng.choice(len(train), size=len(empty), replace=False)]
        centres = unit_rows(sums).astype(np.float32)
    return centres


@numba.njit(cache=True, nogil=True)
def _sum_rows(rows, assigned, sums):  # pragma: no cover - compiled
    # sums[c] += rows[i] for every i assigned to cell c (numpy's add.at is ten times slower).
    for i in range(rows.shape[0]):
        c = assigned[i]
        for d in range(rows.shape[1]):
            sums[c, d] += rows[i, d]


def _nearest_cell(units: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(n,) int64: each row's centre of largest cosine."""
    out = np.empty(len(units), dtype=np.int64)
    step = max(1, BLOCK_SCORES // len(centres))
    for start in range(0, len(units), step):
        out[start : start + step] = np.argmax(units[start : start + step] @ centres.T, axis=1)
    return out


def _best_cells(units: np.ndarray, centres: np.ndarray, probes: int) -> np.ndarray:
    """(n, probes) int64: each row's ``probes`` centres of largest cosine, best first."""
    n = len(units)
    out = np.empty((n, probes), dtype=np.int64)
    step = max(1, BLOCK_SCORES // len(centres))
    for start in range(0, n, step):
        scores = units[start : start + step] @ centres.T  # (rows, cells)
        if probes < scores.shape[1]:
            best = np.argpartition(-scores, probes - 1, axis=1)[:, :probes]
        else:
            best = np.broadcast_to(np.arange(scores.shape[1]), scores.shape).copy()
        order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1, kind="stable")
        out[start : start + step] = np.take_along_axis(best, order, axis=1)
    return out


def ivf_candidates(
    units: np.ndarray, k: int, centres: np.ndarray, probes: int, workers: int | None = None
) -> np.ndarray:
    """(n, k) int64: each row's ``k`` best rows (float32 cosines) among the members of its ``probes``
    nearest cells, itself excluded; a row whose cells hold fewer than k others is searched exactly.

    ``units`` (n, d) float32 unit rows; ``centres`` (cells, d) unit rows (``train_centres``); each row
    is a member of its nearest cell only. The cells are
    shared among ``workers`` threads (default: the cores this process may use), each multiplying
    on one core: a cell's products are small (about sqrt(n) columns), and a multi-threaded BLAS
    spends more time waking its threads than multiplying on them. Each thread keeps its own lists,
    merged at the end by score.
    """
    import torch

    from explorer.threads import available_cores, torch_threads

    n, cells = len(units), len(centres)
    probed = _best_cells(units, centres, probes)  # (n, probes)
    home = probed[:, 0]
    members = np.argsort(home, kind="stable")  # rows grouped by home cell, in row order inside one
    member_start = np.searchsorted(home[members], np.arange(cells + 1))
    pairs = np.argsort(probed.ravel(), kind="stable")  # (row, probe) pairs grouped by the cell probed
    queries = pairs // probes  # their rows, in row order inside one cell
    query_start = np.searchsorted(probed.ravel()[pairs], np.arange(cells + 1))
    work = np.diff(member_start) * np.diff(query_start)  # scores computed per cell
    shares = _split_work(work, available_cores() if workers is None else max(1, int(workers)))
    rows_t = torch.from_numpy(units)

    def search(share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        best_v = np.full((n, k), -np.inf, dtype=np.float32)  # running top-k scores per row, best first
        best_i = np.full((n, k), -1, dtype=np.int32)
        with torch_threads(1), torch.inference_mode():
            for c in share:
                cols = members[member_start[c] : member_start[c + 1]]
                if len(cols) == 0:
                    continue  # a cell that kept no members (it may still be probed)
                block = rows_t[torch.from_numpy(cols)]  # (m, d) the cell's members
                probing = queries[query_start[c] : query_start[c + 1]]
                step = max(1, BLOCK_SCORES // len(cols))
                for s in range(0, len(probing), step):
                    rows = probing[s : s + step]
                    scores = torch.mm(rows_t[torch.from_numpy(rows)], block.T).numpy()  # (q, m) cosines
                    _fold_indexed(scores, rows, cols, best_v, best_i)
        return best_v, best_i

    if len(shares) == 1:
        best_v, best_i = search(shares[0])
    else:
        with ThreadPoolExecutor(len(shares)) as pool:
            found = list(pool.map(search, shares))
        best_v = np.concatenate([v for v, _ in found], axis=1)  # (n, workers * k)
        best_i = np.concatenate([i for _, i in found], axis=1)
        keep = np.argsort(-best_v, axis=1, kind="stable")[:, :k]  # a cell belongs to one thread: no repeats
        best_i = np.take_along_axis(best_i, keep, axis=1)
    best_i = best_i.astype(np.int64)
    short = np.flatnonzero(best_i[:, -1] < 0)
    if len(short):
        best_i[short] = _exact_rows(units, short, k)
    return best_i


def _split_work(work: np.ndarray, workers: int) -> list[np.ndarray]:
    """Cells shared among ``workers`` threads, largest first to the least loaded; each share in cell order.

    >>> [s.tolist() for s in _split_work(np.array([5, 1, 4, 0]), 2)]
    [[0, 3], [1, 2]]
    """
    workers = int(max(1, min(workers, len(work))))
    loads = np.zeros(workers)
    owner = np.empty(len(work), dtype=np.int64)
    for c in np.argsort(-work, kind="stable"):
        t = int(np.argmin(loads))
        owner[c] = t
        loads[t] += work[c]
    return [np.flatnonzero(owner == t) for t in range(workers)]


@numba.njit(cache=True, nogil=True)
def _fold_indexed(scores, rows, cols, best_v, best_i):  # pragma: no cover - compiled
    # scores[i, j] = cos(row rows[i], row cols[j]); best_v/best_i (n, k): sorted running lists.
    k = best_v.shape[1]
    for i in range(scores.shape[0]):
        r = rows[i]
        threshold = best_v[r, k - 1]
        for j in range(scores.shape[1]):
            s = scores[i, j]
            if s > threshold and cols[j] != r:
                threshold = insert_sorted(best_v, best_i, r, s, cols[j])


def _exact_rows(units: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """(len(rows), k) int64: the exact k best other rows of each of ``rows`` (float32 cosines)."""
    out = np.empty((len(rows), k), dtype=np.int64)
    step = max(1, BLOCK_SCORES // len(units))
    for s in range(0, len(rows), step):
        own = rows[s : s + step]
        scores = units[own] @ units.T  # (q, n)
        scores[np.arange(len(own)), own] = -np.inf
        best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1, kind="stable")
        out[s : s + step] = np.take_along_axis(best, order, axis=1)
    return out


def rerank(units: np.ndarray, candidates: np.ndarray, k: int, workers: int | None = None) -> np.ndarray:
    """The best k of each row's candidates by float64 cosine, equal scores in row order: (n, k) int32.

    The same scores and order as the exact path's re-ranking (each cosine summed in dimension
    order), computed on ``workers`` threads (default: the cores this process may use).
    """
    from explorer.threads import available_cores

    candidates = np.ascontiguousarray(candidates, dtype=np.int64)
    scores = np.empty(candidates.shape, dtype=np.float64)
    n = len(candidates)
    workers = int(max(1, min(n, available_cores() if workers is None else workers)))
    bounds = np.linspace(0, n, workers + 1).astype(np.int64)
    parts = [(int(bounds[t]), int(bounds[t + 1])) for t in range(workers)]
    if workers == 1:
        rescore_rows(units, candidates, scores, 0, n)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda p: rescore_rows(units, candidates, scores, p[0], p[1]), parts))
    order = np.lexsort((candidates, -scores), axis=-1)[:, :k]
    return np.take_along_axis(candidates, order, axis=1).astype(np.int32)


# ----- recall ---------------------------------------------------------------------------------------------
def sample_rows(n: int, sample: int = RECALL_SAMPLE, seed: int = 0, more: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint seeded samples of rows, each sorted: ``sample`` rows, then ``more`` others; when
    ``n`` is smaller than both together, its rows are shared between them in that proportion.

    >>> [len(s) for s in sample_rows(100_000, 1000, more=500)], [len(s) for s in sample_rows(600, 1000, more=500)]
    ([1000, 500], [400, 200])
    >>> sorted(np.concatenate(sample_rows(6, 4, more=2)).tolist())
    [0, 1, 2, 3, 4, 5]
    """
    total = min(n, sample + more)
    first = total if more <= 0 else round(total * sample / (sample + more))
    drawn = np.random.default_rng(seed).choice(n, size=total, replace=False)
    return np.sort(drawn[:first]), np.sort(drawn[first:])


def calibrated_probes(units: np.ndarray, centres: np.ndarray, rows: np.ndarray, k: int, target: float) -> int:
    """The fewest cells each row must search for ``target`` of the exact neighbours of ``rows`` to lie in them.

    For each row of ``rows``, its exact k neighbours and the place of each one's cell in the row's
    order of cells (nearest centre first); the answer is the ``target`` quantile of those places,
    plus one. An IVF search over that many cells finds at least that share of them.
    """
    if len(rows) == 0:
        return 1
    exact = _exact_rows(units, rows, k)  # (m, k)
    scores = units[rows] @ centres.T  # (m, cells)
    order = np.argsort(-scores, axis=1, kind="stable")
    place = np.empty_like(order)
    np.put_along_axis(place, order, np.broadcast_to(np.arange(len(centres)), order.shape), axis=1)
    home = _nearest_cell(units[exact.ravel()], centres).reshape(exact.shape)  # (m, k) cell of each neighbour
    needed = np.sort(np.take_along_axis(place, home, axis=1).ravel())  # places, 0 = the nearest cell
    return int(needed[min(len(needed) - 1, math.ceil(target * len(needed)) - 1)]) + 1


def measured_recall(units: np.ndarray, indices: np.ndarray, rows: np.ndarray) -> float:
    """recall@k of ``indices`` (n, k), distinct entries per row, on ``rows``: the share of their
    entries at least as similar as the row's k-th exact neighbour (to ``TIE_TOLERANCE``).
    ``units``: (n, d) unit rows.

    >>> from explorer.compare.knn import cosine_neighbours
    >>> u = unit_rows(np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32))
    >>> rows = np.arange(300)
    >>> measured_recall(u, cosine_neighbours(u, 5), rows), measured_recall(u, np.roll(cosine_neighbours(u, 5), 1, axis=0), rows) < 0.2
    (1.0, True)
    """
    k = indices.shape[1]
    if len(rows) == 0:
        return 1.0
    found = 0
    step = max(1, BLOCK_SCORES // len(units))
    for s in range(0, len(rows), step):
        own = rows[s : s + step]
        sims = units[own] @ units.T  # (q, n) float32
        sims[np.arange(len(own)), own] = -np.inf  # a row is not its own neighbour
        got = np.take_along_axis(sims, indices[own].astype(np.int64), axis=1)  # (q, k)
        # The k-th largest cosine of a row is at least the lowest of the k listed (k rows reach it),
        # so it is the k-th largest of the few cosines at or above that: no partition of all n.
        floor = got.min(axis=1)
        kth = np.empty(len(own), dtype=sims.dtype)
        for i in range(len(own)):
            high = sims[i][sims[i] >= floor[i]]
            kth[i] = np.partition(high, len(high) - k)[len(high) - k]
        found += int((got >= kth[:, None] - TIE_TOLERANCE).sum())
    return found / (len(rows) * k)
