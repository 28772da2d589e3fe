"""PCA, t-SNE and UMAP behind one function, ``project``: validated parameters, a seed, timing and a quality score.

t-SNE and UMAP both start from the exact k-NN graph of ``knn`` (UMAP from the caller's graph
when one is given: the map job's neighbours of a million words); UMAP is imported only when
asked for (numba makes it slow to import), and both have a warm-up that compiles their kernels
through the same path a real map takes.

Example:
    >>> import numpy as np
    >>> from explorer.projection.methods import project
    >>> X = np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32)
    >>> p = project(X, "pca", n_components=2)
    >>> p.coords.shape, p.method
    ((60, 2), 'pca')
"""

from __future__ import annotations

import os
import re
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from explorer.errors import ProjectionError
from explorer.linalg import pca, readonly
from explorer.projection.knn import knn_graph
from explorer.projection.knn import unit_float32 as _unit32
from explorer.projection.params import VALIDATORS, check_matrix, number, validate_params
from explorer.projection.quality import faithfulness
from explorer.projection.result import Projection

TSNE_PCA_DIMS = 50
TSNE_FFT_MIN_POINTS = 10_000  # openTSNE's own switch from Barnes-Hut to grid interpolation

# A graph handed to UMAP: (indices (n, m) int, distances (n, m) float) of each point's m nearest
# other points, nearest first, distances in the layout's metric (1 - cosine for "cosine").
KnnGraph = tuple[np.ndarray, np.ndarray]
EpochProgress = Callable[[int, int], None]


def _threads(n: int) -> int:
    """Worker threads for n points: one for small sets (thread hand-offs cost more than they save)."""
    return 1 if n < 5000 else max(1, min(os.cpu_count() or 1, 8))


def _run_tsne(X: np.ndarray, n_components: int, seed: int, p: dict[str, Any]) -> np.ndarray:
    """t-SNE on the top principal components: openTSNE's affinities and initialisation, then
    Barnes-Hut (openTSNE) below 10,000 points or in 3-D, FFT-interpolated gradients above."""
    from openTSNE import TSNEEmbedding, affinity, initialization
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    Xw = _unit32(X) if p["normalize"] else X
    if Xw.shape[1] > TSNE_PCA_DIMS and Xw.shape[0] > TSNE_PCA_DIMS:
        Xw = pca(Xw, TSNE_PCA_DIMS)[0].astype(np.float32)
    Xw = np.ascontiguousarray(Xw, dtype=np.float64)
    n = Xw.shape[0]
    # Exact neighbours (3 x perplexity of them, as openTSNE would ask its approximate index for);
    # on unit vectors, euclidean order == cosine order.
    neighbours, distances = knn_graph(Xw, min(n - 1, int(3 * p["perplexity"])))
    aff = affinity.PerplexityBasedNN(
        knn_index=PrecomputedNeighbors(neighbours, distances.astype(np.float64)),
        perplexity=p["perplexity"],
        n_jobs=_threads(n),
        verbose=False,
    )
    if p["init"] == "pca":
        init = initialization.pca(Xw, n_components=n_components, random_state=seed)
    elif p["init"] == "spectral":
        init = initialization.spectral(aff.P, n_components=n_components, random_state=seed)
    else:
        init = initialization.random(Xw, n_components=n_components, random_state=seed)
    lr_ee = p["learning_rate"] if p["learning_rate"] != "auto" else max(200.0, n / p["early_exaggeration"])
    lr = p["learning_rate"] if p["learning_rate"] != "auto" else max(200.0, n / 12.0)
    if n_components == 2 and n >= TSNE_FFT_MIN_POINTS:
        # Large 2-D maps: FFT-interpolated repulsion (linear in n), ours (explorer.tsne_fft), which
        # matches openTSNE's forces and optimiser step for step at a fraction of the time. It
        # imports numba and torch, so it is loaded with the first large map.
        from explorer.tsne_fft import TSNE2D

        layout = TSNE2D(aff.P, init)
        layout.optimize(250, learning_rate=lr_ee, momentum=0.5, exaggeration=p["early_exaggeration"])
        layout.optimize(p["n_iter"], learning_rate=lr, momentum=0.8)
        return layout.embedding.astype(np.float32)
    # Small sets and 3-D: openTSNE's Barnes-Hut, which below 10,000 points reaches a lower KL
    # divergence than grid interpolation (whose grid is coarse next to small maps' clusters).
    emb = TSNEEmbedding(
        init,
        aff,
        n_jobs=_threads(n),
        random_state=seed,
        negative_gradient_method="bh",
        verbose=False,
    )
    emb = emb.optimize(250, exaggeration=p["early_exaggeration"], momentum=0.5, learning_rate=lr_ee)
    emb = emb.optimize(p["n_iter"], momentum=0.8, learning_rate=lr)
    return np.asarray(emb, dtype=np.float32)


def umap_knn(X: np.ndarray, n_neighbors: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """UMAP's k-NN graph, computed exactly: (indices, distances), each (n, n_neighbors).

    Column 0 is the point itself at distance 0, as umap-learn lays it out. For "cosine" the
    distance is 1 - cos (on unit vectors |a - b|^2 / 2); for "euclidean", the plain distance.

    >>> idx, dist = umap_knn(np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32), 2, "cosine")
    >>> idx[:, 0].tolist(), dist[:, 0].tolist()
    ([0, 1, 2], [0.0, 0.0, 0.0])
    """
    Y = _unit32(X) if metric == "cosine" else np.asarray(X, dtype=np.float32)
    idx, dist = knn_graph(Y, n_neighbors - 1)
    if metric == "cosine":
        dist = dist * dist / 2.0
    n = len(Y)
    indices = np.hstack([np.arange(n, dtype=np.int64)[:, None], idx])
    distances = np.hstack([np.zeros((n, 1), dtype=np.float32), dist.astype(np.float32)])
    return indices, distances


def check_knn(knn: KnnGraph, n: int, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
    """A precomputed graph for ``n`` points checked and put in umap-learn's layout: (indices int64,
    distances float32), each (n, n_neighbors), column 0 the point itself at distance 0.

    ``knn`` is (indices, distances) of each point's m >= n_neighbors - 1 nearest other points,
    nearest first; the first n_neighbors - 1 are used. Raises ``ProjectionError`` on a graph of
    the wrong shape, an index out of range or a point listed as its own neighbour.

    >>> idx, dist = check_knn((np.array([[1], [0], [1]]), np.array([[0.1], [0.1], [0.3]])), 3, 2)
    >>> idx.tolist(), dist.dtype.name, dist[:, 0].tolist()
    ([[0, 1], [1, 0], [2, 1]], 'float32', [0.0, 0.0, 0.0])
    """
    try:
        indices, distances = (np.asarray(part) for part in knn)
    except (TypeError, ValueError) as exc:
        raise ProjectionError("The neighbour graph must be a pair (indices, distances) of (points, k) arrays.") from exc
    m = n_neighbors - 1
    if indices.ndim != 2 or indices.shape != distances.shape or len(indices) != n or indices.shape[1] < m:
        raise ProjectionError(
            f"The neighbour graph must give each of the {n} points at least {m} neighbours (indices and distances "
            f"of one shape); got shapes {indices.shape} and {distances.shape}."
        )
    if not np.issubdtype(indices.dtype, np.integer):
        raise ProjectionError(f"The neighbour graph's indices must be whole numbers; got {indices.dtype}.")
    indices = indices[:, :m].astype(np.int64, copy=False)
    distances = distances[:, :m].astype(np.float32, copy=False)
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ProjectionError(f"The neighbour graph names points outside 0..{n - 1}.")
    own = np.arange(n, dtype=np.int64)
    if bool((indices == own[:, None]).any()):
        raise ProjectionError("The neighbour graph lists a point as its own neighbour; give each point's others.")
    if not bool(np.isfinite(distances).all()) or bool((distances < 0).any()):
        raise ProjectionError("The neighbour graph's distances must be finite and not negative.")
    return (
        np.hstack([own[:, None], indices]),
        np.hstack([np.zeros((n, 1), dtype=np.float32), distances]),
    )


class _EpochSink:
    """A file for umap-learn's tqdm bar (drawn as "{n}/{total}") that hands each count to ``progress``."""

    COUNT = re.compile(r"(\d+)/(\d+)")

    def __init__(self, progress: EpochProgress) -> None:
        self.progress = progress

    def write(self, text: str) -> int:
        found = self.COUNT.findall(text)
        if found:
            done, total = found[-1]
            self.progress(int(done), int(total))
        return len(text)

    def flush(self) -> None:
        return None


def _initial_layout(X: np.ndarray, n_components: int, p: dict[str, Any]) -> str | np.ndarray:
    """UMAP's starting layout: "spectral" (umap-learn's, of its graph) or the first principal
    components of the vectors (unit rows for "cosine"), blocked float64 sums, no copy of X."""
    if X.shape[0] <= n_components + 1:
        return "random"
    if p["init"] == "spectral":
        return "spectral"
    Y = _unit32(X) if p["metric"] == "cosine" else X
    return np.ascontiguousarray(pca(Y, n_components)[0], dtype=np.float32)


def _run_umap(
    X: np.ndarray,
    n_components: int,
    seed: int,
    p: dict[str, Any],
    knn: KnnGraph | None = None,
    progress: EpochProgress | None = None,
) -> np.ndarray:
    """UMAP of X, seeded; ``p`` are validated UMAP parameters.

    The k-NN graph is ``knn`` when given (a caller that has each point's neighbours already, such
    as the map job), else the exact graph of :func:`umap_knn`. ``progress(epochs_done, n_epochs)``
    is called as the layout's epochs run.
    """
    with warnings.catch_warnings():
        # umap-learn warns on import that its optional parametric (TensorFlow) variant is missing
        warnings.filterwarnings("ignore", message="The umap.parametric_umap package requires")
        import umap  # slow to import (numba); only when asked for

    n = X.shape[0]
    # Without a graph from the caller: exact neighbours by blocked matrix products, which beat
    # NN-descent here (single-threaded once seeded) and take no numba compilation on a visitor's first map.
    graph = umap_knn(X, p["n_neighbors"], p["metric"]) if knn is None else check_knn(knn, n, p["n_neighbors"])
    tqdm_kwds = None
    if progress is not None:
        tqdm_kwds = {"disable": False, "file": _EpochSink(progress), "bar_format": "{n}/{total}", "mininterval": 1.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no search index, transform unavailable" and friends
        model = umap.UMAP(
            n_components=n_components,
            n_neighbors=p["n_neighbors"],
            min_dist=p["min_dist"],
            metric=p["metric"],
            n_epochs=p["n_epochs"],
            random_state=seed,
            init=_initial_layout(X, n_components, p),
            precomputed_knn=graph,
            tqdm_kwds=tqdm_kwds,
        )
        return np.asarray(model.fit_transform(X), dtype=np.float32)


def project(
    X: np.ndarray,
    method: str,
    n_components: int = 2,
    seed: int = 0,
    *,
    knn: KnnGraph | None = None,
    progress: EpochProgress | None = None,
    **params: Any,
) -> Projection:
    """Project the rows of X to ``n_components`` (2 or 3) dimensions.

    ``method`` is "pca", "tsne" (Barnes-Hut below 10,000 points, FFT gradients above; perplexity
    defaults to min(30, (n-1)/3), learning rate "auto", PCA init) or "umap" (n_neighbors, min_dist, metric
    "cosine", n_epochs, init "spectral" up to 200,000 points and "pca" above). The same seed gives the same map.
    Raises ProjectionError on bad input.

    UMAP only: ``knn`` is a k-NN graph the caller has already, (indices, distances) of each
    point's nearest other points (at least n_neighbors - 1 of them, nearest first, distances in
    the metric: 1 - cosine for "cosine"), laid out instead of UMAP's own exact graph;
    ``progress(epochs_done, n_epochs)`` is called as the layout's epochs run. PCA and t-SNE
    ignore both.

    >>> X = np.random.default_rng(1).normal(size=(40, 5)).astype(np.float32)
    >>> project(X, "pca", seed=3).params["seed"]
    3
    """
    if method == "axes":
        raise ProjectionError("Semantic axes need word pairs; call semantic_axes(wv, pairs) instead.")
    if method not in VALIDATORS:
        raise ProjectionError(f"Unknown method {method!r}; choose one of 'pca', 'tsne', 'umap'.")
    X = check_matrix(X, n_components)
    seed = int(number("seed", seed, 0, 2**31 - 1, integer=True))
    p = validate_params(method, X.shape[0], params)
    explained: tuple[float, ...] = ()
    start = time.perf_counter()
    if method == "pca":
        coords, _, ratio = pca(_unit32(X) if p["normalize"] else X, n_components)
        coords = coords.astype(np.float32)
        explained = tuple(float(r) for r in ratio)
    elif method == "tsne":
        coords = _run_tsne(X, n_components, seed, p)
    else:
        coords = _run_umap(X, n_components, seed, p, knn=knn, progress=progress)
    seconds = time.perf_counter() - start
    scores = faithfulness(X, coords, seed=seed)
    return Projection(
        coords=readonly(coords, np.float32),
        method=method,
        params={**p, "seed": seed, "n_components": n_components},
        seconds=seconds,
        explained_variance=explained,
        **scores,
    )


def warm_up_umap() -> float:
    """Fit a tiny UMAP so numba compiles its kernels now rather than on a visitor's first map.

    It goes through the same path as :func:`project` (exact neighbours handed to UMAP), so the
    kernels compiled are the ones a real map uses. Returns the seconds it took.

    >>> warm_up_umap() >= 0.0
    True
    """
    start = time.perf_counter()
    X = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
    _run_umap(X, 2, 0, validate_params("umap", len(X), {"n_epochs": 20}))
    return time.perf_counter() - start


def warm_up_tsne() -> float:
    """Compile (or load from numba's disk cache) the kernels of large 2-D t-SNE maps now rather
    than on a visitor's first one. Returns the seconds it took.

    >>> warm_up_tsne() >= 0.0
    True
    """
    from explorer.tsne_fft import warm_up  # numba and torch: imported by the warm-up thread, not the app

    start = time.perf_counter()
    knn_graph(np.random.default_rng(0).normal(size=(50, 4)), 3)  # its float64 kernels, as t-SNE calls it
    warm_up()
    return time.perf_counter() - start
