"""Projections of a vector set to 2 or 3 dimensions: PCA, t-SNE, UMAP and semantic axes.

Every method goes through :func:`project`, which validates the method's parameters, seeds it,
times it and scores how faithful the layout is (how many of each point's nearest neighbours in
the original cosine space stay its neighbours on the map).

Example:
    >>> import numpy as np
    >>> from explorer.projection import project
    >>> X = np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32)
    >>> p = project(X, "pca", n_components=2)
    >>> p.coords.shape, p.method
    ((60, 2), 'pca')
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.errors import ProjectionError
from explorer.vectors import WordVectors

METHODS = ("pca", "tsne", "umap", "axes")
METHOD_LABELS = {
    "pca": "PCA",
    "tsne": "t-SNE",
    "umap": "UMAP",
    "axes": "Semantic axes",
}
FAITHFULNESS_K = 10
FAITHFULNESS_SAMPLE = 1000
TSNE_PCA_DIMS = 50
TSNE_FFT_MIN_POINTS = 10_000  # openTSNE's own switch from Barnes-Hut to grid interpolation


@dataclass(frozen=True)
class Projection:
    """The result of one projection.

    Attributes:
        coords: (n, n_components) float32 map coordinates, row i for input row i.
        method: "pca", "tsne", "umap" or "axes".
        params: the parameters actually used (defaults filled in), including the seed.
        seconds: wall-clock time of the projection itself (not of the score).
        knn_overlap: mean fraction of each point's k nearest neighbours (cosine, original
            vectors) that are also among its k nearest on the map; 1 is perfect.
        trustworthiness: how rarely map neighbours are strangers in the original space
            (Venna & Kaski); 1 is perfect, about 0.5 is random.
        k: the k of both scores.
        n_scored: how many points the scores were averaged over (a sample for big sets).
        explained_variance: for PCA, the share of variance each component keeps.
    """

    coords: np.ndarray
    method: str
    params: Mapping[str, Any]
    seconds: float
    knn_overlap: float
    trustworthiness: float
    k: int
    n_scored: int
    explained_variance: tuple[float, ...] = field(default=())

    @property
    def n_components(self) -> int:
        return int(self.coords.shape[1])


# ----- parameter validation --------------------------------------------------------------------
def _number(name: str, value: Any, lo: float, hi: float, integer: bool = False) -> float | int:
    try:
        num = float(value)
    except (TypeError, ValueError) as exc:
        raise ProjectionError(f"{name} must be a number; got {value!r}.") from exc
    if not math.isfinite(num) or num < lo or num > hi:
        raise ProjectionError(f"{name} must be between {lo:g} and {hi:g}; got {value!r}.")
    if integer:
        if num != int(num):
            raise ProjectionError(f"{name} must be a whole number; got {value!r}.")
        return int(num)
    return num


def default_perplexity(n: int) -> float:
    """t-SNE perplexity for ``n`` points: 30, lowered so that 3 x perplexity neighbours exist.

    >>> default_perplexity(10_000), default_perplexity(31)
    (30.0, 10.0)
    """
    return float(max(1.0, min(30.0, (n - 1) / 3.0)))


def max_perplexity(n: int) -> float:
    """The largest perplexity ``n`` points support (each point needs 3 x perplexity neighbours)."""
    return (n - 1) / 3.0


def default_n_neighbors(n: int) -> int:
    """UMAP's 15 neighbours, fewer for tiny sets."""
    return int(max(2, min(15, n - 1)))


def default_umap_epochs(n: int) -> int:
    """Layout epochs for UMAP: 500 below 5,000 points, 200 from there.

    umap-learn makes the same switch at 10,000. Measured on 10k structured points
    (benchmarks/bench_project.py data), 200 epochs keep 99% of the k-NN overlap of 500 in 45% of
    the time, and a seeded layout runs on one thread, so epochs are most of the wait.
    """
    return 500 if n < 5000 else 200


def _tsne_params(n: int, params: Mapping[str, Any]) -> dict[str, Any]:
    top = max_perplexity(n)
    perplexity = params.get("perplexity")
    if perplexity is None:
        perplexity = default_perplexity(n)
    else:
        perplexity = float(_number("perplexity", perplexity, 1.0, 1e6))
        if perplexity > top:
            raise ProjectionError(
                f"perplexity {perplexity:g} is too large for {n} points: t-SNE needs 3 x perplexity neighbours "
                f"per point, so use at most {top:.1f} (or project more words)."
            )
    lr = params.get("learning_rate", "auto")
    if lr != "auto":
        lr = float(_number("learning_rate", lr, 1e-3, 1e6))
    init = params.get("init", "pca")
    if init not in ("pca", "random", "spectral"):
        raise ProjectionError(f"init must be 'pca', 'random' or 'spectral'; got {init!r}.")
    return {
        "perplexity": perplexity,
        "learning_rate": lr,
        "init": init,
        "early_exaggeration": float(_number("early_exaggeration", params.get("early_exaggeration", 12.0), 1.0, 100.0)),
        "n_iter": int(_number("n_iter", params.get("n_iter", 500), 50, 10_000, integer=True)),
        "normalize": bool(params.get("normalize", True)),
    }


def _umap_params(n: int, params: Mapping[str, Any]) -> dict[str, Any]:
    nn = params.get("n_neighbors")
    if nn is None:
        nn = default_n_neighbors(n)
    else:
        nn = int(_number("n_neighbors", nn, 2, 10_000, integer=True))
        if nn > n - 1:
            raise ProjectionError(
                f"n_neighbors {nn} is too large for {n} points; use at most {n - 1} (or project more words)."
            )
    metric = params.get("metric", "cosine")
    if metric not in ("cosine", "euclidean"):
        raise ProjectionError(f"metric must be 'cosine' or 'euclidean'; got {metric!r}.")
    return {
        "n_neighbors": nn,
        "min_dist": float(_number("min_dist", params.get("min_dist", 0.1), 0.0, 1.0)),
        "metric": metric,
        "n_epochs": default_umap_epochs(n)
        if params.get("n_epochs") is None
        else int(_number("n_epochs", params["n_epochs"], 10, 5000, integer=True)),
    }


def _pca_params(n: int, params: Mapping[str, Any]) -> dict[str, Any]:
    return {"normalize": bool(params.get("normalize", True))}


_ALLOWED = {
    "pca": {"normalize"},
    "tsne": {"perplexity", "learning_rate", "init", "early_exaggeration", "n_iter", "normalize"},
    "umap": {"n_neighbors", "min_dist", "metric", "n_epochs"},
}
_VALIDATORS: dict[str, Callable[[int, Mapping[str, Any]], dict[str, Any]]] = {
    "pca": _pca_params,
    "tsne": _tsne_params,
    "umap": _umap_params,
}


def validate_params(method: str, n: int, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The parameters ``method`` will use for ``n`` points: defaults filled in, each one checked.

    >>> validate_params("tsne", 100)["perplexity"]
    30.0
    """
    params = dict(params or {})
    if method not in _VALIDATORS:
        hint = " (semantic axes need word pairs: use semantic_axes)" if method == "axes" else ""
        raise ProjectionError(f"Unknown method {method!r}; choose one of 'pca', 'tsne', 'umap'{hint}.")
    unknown = sorted(set(params) - _ALLOWED[method])
    if unknown:
        raise ProjectionError(
            f"Unknown parameter(s) for {METHOD_LABELS[method]}: {', '.join(unknown)}. "
            f"Allowed: {', '.join(sorted(_ALLOWED[method]))}."
        )
    return _VALIDATORS[method](n, params)


def _check_matrix(X: np.ndarray, n_components: int) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2:
        raise ProjectionError(f"Expected a 2-D matrix (points x dimensions); got shape {X.shape}.")
    if n_components not in (2, 3):
        raise ProjectionError(f"n_components must be 2 or 3; got {n_components!r}.")
    n = X.shape[0]
    if n < 3:
        raise ProjectionError(f"A projection needs at least 3 points; got {n}. Include more words.")
    if X.shape[1] < 1:
        raise ProjectionError("The vectors have no dimensions.")
    X = X.astype(np.float32, copy=False)
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if bad.size:
        shown = ", ".join(str(int(i)) for i in bad[:10]) + (" …" if bad.size > 10 else "")
        raise ProjectionError(
            f"{bad.size} row(s) contain NaN or infinite values (rows {shown}); remove or fix those vectors."
        )
    return X


def _unit(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return (X / np.maximum(norms, 1e-12)).astype(np.float32)


def _threads(n: int) -> int:
    """Worker threads for n points: one for small sets (thread hand-offs cost more than they save)."""
    return 1 if n < 5000 else max(1, min(os.cpu_count() or 1, 8))


# ----- the methods ------------------------------------------------------------------------------
def pca_components(X: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Principal components of X by an eigendecomposition of its covariance, signs fixed.

    Returns (coords (n, k), explained variance ratio (k,)). Deterministic, and fast for the
    tall, narrow matrices of word vectors.
    """
    X64 = np.asarray(X, dtype=np.float64)
    centred = X64 - X64.mean(axis=0)
    d = centred.shape[1]
    k = min(n_components, d)
    if d <= 2000:
        cov = centred.T @ centred / max(1, centred.shape[0] - 1)  # (d, d)
        evals, evecs = np.linalg.eigh(cov)
        order = np.argsort(evals)[::-1][:k]
        comps = evecs[:, order]  # (d, k)
        total = float(evals.clip(min=0).sum())
        ratio = evals[order].clip(min=0) / total if total > 0 else np.zeros(k)
    else:
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        comps = vt[:k].T
        var = s**2
        ratio = var[:k] / var.sum() if var.sum() > 0 else np.zeros(k)
    # Fix each component's sign: the largest-magnitude loading is positive.
    signs = np.sign(comps[np.abs(comps).argmax(axis=0), np.arange(k)])
    signs[signs == 0] = 1
    coords = centred @ (comps * signs)
    if coords.shape[1] < n_components:
        coords = np.hstack([coords, np.zeros((coords.shape[0], n_components - coords.shape[1]))])
        ratio = np.concatenate([ratio, np.zeros(n_components - len(ratio))])
    return coords.astype(np.float32), np.asarray(ratio, dtype=np.float64)


def knn_graph(
    X: np.ndarray, k: int, rows: np.ndarray | None = None, max_block: int = 2**24
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours by Euclidean distance of each of ``rows`` (default: every row)
    among all rows of X, the row itself excluded.

    Returns (indices (len(rows), k) int64, distances (len(rows), k)), nearest first. Blocked
    matrix products with a top-k per block (torch, on CUDA when present): exact, and faster on a
    few cores than the approximate indexes t-SNE and UMAP build by default, up to about 50k rows. float64 input is ranked in float64, anything else in float32. A block
    holds at most ``max_block`` scores, so memory stays near 4-8 x max_block bytes. ``k`` must be
    below the number of rows.

    >>> Y = np.array([[0.0], [1.0], [3.0], [7.0]])
    >>> idx, dist = knn_graph(Y, 2)
    >>> idx.tolist(), dist.tolist()
    ([[1, 2], [0, 2], [1, 0], [2, 1]], [[1.0, 3.0], [1.0, 2.0], [2.0, 3.0], [4.0, 6.0]])
    """
    import torch

    from explorer.device import select_device
    from explorer.distances import pair_distances

    n = len(X)
    if not 0 < k < n:
        raise ProjectionError(f"k must be between 1 and {n - 1} for {n} points; got {k}.")
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    device = select_device()
    if device.type != "cuda":
        device = torch.device("cpu")  # MPS top-k is limited in k; the CPU path is the tested one
    dtype = np.float64 if np.asarray(X).dtype == np.float64 else np.float32
    values = np.ascontiguousarray(X, dtype=dtype)
    T = torch.tensor(values, device=device)  # a copy: torch will not wrap read-only arrays
    sq = (T * T).sum(dim=1)  # (n,)
    query = torch.as_tensor(rows, device=device)
    block = int(max(1, min(len(rows), max_block // n)))
    indices = np.empty((len(rows), k), dtype=np.int64)
    distances = np.empty((len(rows), k), dtype=dtype)
    with torch.inference_mode():
        for start in range(0, len(rows), block):
            stop = min(len(rows), start + block)
            own = query[start:stop]
            # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b; |a|^2 is constant along a row, so rank by |b|^2 - 2 a.b
            scores = torch.addmm(sq.unsqueeze(0), T[own], T.T, beta=1.0, alpha=-2.0)  # (block, n)
            scores[torch.arange(stop - start, device=device), own] = float("inf")  # never one's own neighbour
            idx = torch.topk(scores, k, dim=1, largest=False, sorted=True).indices.cpu().numpy()  # (block, k)
            # The distances themselves come from the differences (explorer.distances), not from
            # the expansion above: exact, with no cancellation, and the same bits in every run.
            d = pair_distances(values, rows[start:stop], idx)
            order = np.argsort(d, axis=1, kind="stable")  # re-rank by the exact distances
            indices[start:stop] = np.take_along_axis(idx, order, axis=1)
            distances[start:stop] = np.take_along_axis(d, order, axis=1)
    return indices, distances


def _run_tsne(X: np.ndarray, n_components: int, seed: int, p: dict[str, Any]) -> np.ndarray:
    """t-SNE on the top principal components: openTSNE's affinities and initialisation, then
    Barnes-Hut (openTSNE) below 10,000 points or in 3-D, FFT-interpolated gradients above."""
    from openTSNE import TSNEEmbedding, affinity, initialization
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    Xw = _unit(X) if p["normalize"] else X
    if Xw.shape[1] > TSNE_PCA_DIMS and Xw.shape[0] > TSNE_PCA_DIMS:
        Xw, _ = pca_components(Xw, TSNE_PCA_DIMS)
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
        # matches openTSNE's forces and optimiser step for step at a fraction of the time.
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
    """
    Y = _unit(X) if metric == "cosine" else np.asarray(X, dtype=np.float32)
    idx, dist = knn_graph(Y, n_neighbors - 1)
    if metric == "cosine":
        dist = dist * dist / 2.0
    n = len(Y)
    indices = np.hstack([np.arange(n, dtype=np.int64)[:, None], idx])
    distances = np.hstack([np.zeros((n, 1), dtype=np.float32), dist.astype(np.float32)])
    return indices, distances


def _run_umap(X: np.ndarray, n_components: int, seed: int, p: dict[str, Any]) -> np.ndarray:
    import warnings

    with warnings.catch_warnings():
        # umap-learn warns on import that its optional parametric (TensorFlow) variant is missing
        warnings.filterwarnings("ignore", message="The umap.parametric_umap package requires")
        import umap  # slow to import (numba); only when asked for

    # Exact neighbours by blocked matrix products beat NN-descent here (single-threaded once
    # seeded) and take no numba compilation on a visitor's first map.
    knn = umap_knn(X, p["n_neighbors"], p["metric"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no search index, transform unavailable" and friends
        model = umap.UMAP(
            n_components=n_components,
            n_neighbors=p["n_neighbors"],
            min_dist=p["min_dist"],
            metric=p["metric"],
            n_epochs=p["n_epochs"],
            random_state=seed,
            init="spectral" if X.shape[0] > n_components + 1 else "random",
            precomputed_knn=knn,
        )
        return np.asarray(model.fit_transform(X), dtype=np.float32)


def project(X: np.ndarray, method: str, n_components: int = 2, seed: int = 0, **params: Any) -> Projection:
    """Project the rows of X to ``n_components`` (2 or 3) dimensions.

    ``method`` is "pca", "tsne" (Barnes-Hut below 10,000 points, FFT gradients above; perplexity
    defaults to min(30, (n-1)/3), learning rate "auto", PCA init) or "umap" (n_neighbors, min_dist, metric
    "cosine"). The same seed gives the same map. Raises ProjectionError on bad input.

    >>> import numpy as np
    >>> X = np.random.default_rng(1).normal(size=(40, 5)).astype(np.float32)
    >>> project(X, "pca", seed=3).params["seed"]
    3
    """
    if method == "axes":
        raise ProjectionError("Semantic axes need word pairs; call semantic_axes(wv, pairs) instead.")
    if method not in _VALIDATORS:
        raise ProjectionError(f"Unknown method {method!r}; choose one of 'pca', 'tsne', 'umap'.")
    X = _check_matrix(X, n_components)
    seed = int(_number("seed", seed, 0, 2**31 - 1, integer=True))
    p = validate_params(method, X.shape[0], params)
    explained: tuple[float, ...] = ()
    start = time.perf_counter()
    if method == "pca":
        coords, ratio = pca_components(_unit(X) if p["normalize"] else X, n_components)
        explained = tuple(float(r) for r in ratio)
    elif method == "tsne":
        coords = _run_tsne(X, n_components, seed, p)
    else:
        coords = _run_umap(X, n_components, seed, p)
    seconds = time.perf_counter() - start
    scores = faithfulness(X, coords, seed=seed)
    return Projection(
        coords=_frozen(coords),
        method=method,
        params={**p, "seed": seed, "n_components": n_components},
        seconds=seconds,
        explained_variance=explained,
        **scores,
    )


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float32)
    a.flags.writeable = False
    return a


# ----- semantic axes ---------------------------------------------------------------------------
def _axis_word(wv: WordVectors, word: str) -> np.ndarray:
    word = word.strip()
    if not word:
        raise ProjectionError("An axis word is empty; give two words for each axis, like 'man' and 'woman'.")
    if word not in wv:
        raise ProjectionError(f"Axis word {wv.unknown_word_message(word)}")
    return wv.get_vector(word, norm=True).astype(np.float64)


def semantic_axes(
    wv: WordVectors,
    pairs: Sequence[tuple[str, str]],
    points: WordVectors | None = None,
) -> Projection:
    """Place words on axes you name: x runs from word A to word B, y from C to D (optionally z).

    Each coordinate is the cosine-space position of a word along the unit direction
    unit(B) - unit(A), measured from the midpoint of A and B, so A lands left of 0 and B right.
    ``points`` (default ``wv``) are the words placed; axis words are looked up in ``wv``.

    >>> import numpy as np
    >>> wv = WordVectors(["a", "b", "c", "d", "e"], np.eye(5, dtype=np.float32))
    >>> p = semantic_axes(wv, [("a", "b"), ("c", "d")])
    >>> bool(p.coords[0, 0] < 0 < p.coords[1, 0])
    True
    """
    pairs = [tuple(pair) for pair in pairs]
    if len(pairs) not in (2, 3):
        raise ProjectionError(f"Semantic axes need 2 or 3 word pairs (x, y and optionally z); got {len(pairs)}.")
    points = wv if points is None else points
    X = _check_matrix(points.vectors, len(pairs))
    start = time.perf_counter()
    directions = []
    for pair in pairs:
        if len(pair) != 2:
            raise ProjectionError(f"Each axis needs exactly two words (from, to); got {pair!r}.")
        a, b = (str(w).strip() for w in pair)
        if a == b:
            raise ProjectionError(f"The axis {a!r} → {b!r} has the same word at both ends; pick two different words.")
        ua, ub = _axis_word(wv, a), _axis_word(wv, b)
        d = ub - ua
        norm = float(np.linalg.norm(d))
        if norm < 1e-6:
            raise ProjectionError(f"{a!r} and {b!r} have the same direction, so they cannot span an axis.")
        directions.append((d / norm, (ua + ub) / 2))
    unit = _unit(X).astype(np.float64)
    coords = np.column_stack([(unit - mid) @ d for d, mid in directions]).astype(np.float32)
    seconds = time.perf_counter() - start
    scores = faithfulness(X, coords)
    return Projection(
        coords=_frozen(coords),
        method="axes",
        params={"axes": [list(p) for p in pairs], "n_components": len(pairs), "seed": 0},
        seconds=seconds,
        **scores,
    )


# ----- faithfulness ----------------------------------------------------------------------------
def cosine_knn(X: np.ndarray, k: int, rows: np.ndarray | None = None) -> np.ndarray:
    """Indices of the k nearest rows of X (cosine, self excluded) for each of ``rows`` (default all).

    Exact: ``knn_graph`` on unit vectors, where Euclidean order is cosine order.

    >>> X = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 1]], dtype=np.float32)
    >>> cosine_knn(X, 1)[:, 0].tolist()
    [1, 0, 3, 2]
    """
    return knn_graph(_unit(np.asarray(X, dtype=np.float32)), min(k, len(X) - 1), rows)[0]


def faithfulness(
    X: np.ndarray, coords: np.ndarray, k: int = FAITHFULNESS_K, sample: int = FAITHFULNESS_SAMPLE, seed: int = 0
) -> dict[str, Any]:
    """k-NN overlap and trustworthiness of a map, averaged over up to ``sample`` points.

    Neighbours in the original space are by cosine; on the map, by Euclidean distance.
    Trustworthiness follows Venna & Kaski: map neighbours that are not original neighbours
    are penalised by how far down the original ranking they sit. With n <= sample it equals
    scikit-learn's ``trustworthiness(..., metric="cosine")``.

    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> faithfulness(X, X[:, :2])["knn_overlap"] < faithfulness(X, X)["knn_overlap"]
    True
    """
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    k = int(min(k, max(1, (n - 1) // 2)))
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=sample, replace=False)) if n > sample else np.arange(n)
    unit = _unit(X)
    map_nn = knn_graph(np.asarray(coords, dtype=np.float64), k, rows)[0]
    overlap = 0.0
    penalty = 0.0
    for start in range(0, len(rows), 256):
        idx = rows[start : start + 256]
        sim = unit[idx] @ unit.T  # (chunk, n) float32
        sim[np.arange(len(idx)), idx] = -np.inf  # self is nobody's neighbour
        mapped = map_nn[start : start + len(idx)]
        target = np.take_along_axis(sim, mapped, axis=1)  # (chunk, k)
        # rank of a map neighbour in the original ordering: 1 + how many points are more similar
        r = np.stack([(sim > target[:, j : j + 1]).sum(axis=1) for j in range(target.shape[1])], axis=1) + 1
        overlap += float((r <= k).sum())
        penalty += float(np.clip(r - k, 0, None).sum())
    m = len(rows)
    trust = 1.0 - 2.0 / (m * k * (2.0 * n - 3.0 * k - 1.0)) * penalty
    return {"knn_overlap": overlap / (m * k), "trustworthiness": float(trust), "k": k, "n_scored": m}


# ----- choosing the words ----------------------------------------------------------------------
def parse_word_list(text: str) -> list[str]:
    """Words from text separated by commas, spaces or new lines (order kept, duplicates dropped).

    >>> parse_word_list("cat, dog\\n cat  bird")
    ['cat', 'dog', 'bird']
    """
    return list(dict.fromkeys(w for w in re.split(r"[\s,;]+", text or "") if w))


def choose_words(
    wv: WordVectors,
    n: int,
    include: Iterable[str] = (),
    pattern: str = "",
    always: Iterable[str] = (),
) -> WordVectors:
    """The words to project: the ``n`` most frequent that match ``pattern`` (a regex, searched),
    or the listed ``include`` words when given, plus ``always`` (e.g. axis words).

    Raises ProjectionError for a bad regex or when nothing is left.

    >>> wv = WordVectors(["the", "cat", "cart", "dog"], np.eye(4, dtype=np.float32))
    >>> choose_words(wv, 10, pattern="^ca").keys
    ('cat', 'cart')
    """
    include = list(include)
    if include:
        words = [w for w in include if w in wv][:n]
        if not words:
            sample = ", ".join(include[:5])
            raise ProjectionError(f"None of the listed words ({sample}) is in {wv.name!r}.")
    else:
        words = list(wv.keys)
        if pattern:
            try:
                regex = re.compile(pattern)
            except re.error as exc:
                raise ProjectionError(f"The filter {pattern!r} is not a valid regular expression: {exc}.") from exc
            words = [w for w in words if regex.search(w)]
            if not words:
                raise ProjectionError(f"No word in {wv.name!r} matches {pattern!r}; loosen the filter.")
        words = words[:n]
    extra = [w for w in always if w in wv and w not in set(words)]
    return wv.subset(words + extra)


def search_matches(keys: Sequence[str], query: str) -> list[int]:
    """Rows whose word contains ``query`` (case-insensitive; a whole word when quoted).

    >>> search_matches(["bank", "banker", "river"], "bank")
    [0, 1]
    """
    q = (query or "").strip().lower()
    if not q:
        return []
    if len(q) > 1 and q[0] == q[-1] == '"':
        exact = q[1:-1]
        return [i for i, w in enumerate(keys) if w.lower() == exact]
    return [i for i, w in enumerate(keys) if q in w.lower()]


def content_hash(X: np.ndarray) -> str:
    """A short hash of a matrix's bytes, shape and dtype (a cache key that no link can forge).

    >>> content_hash(np.zeros((2, 2), dtype=np.float32)) == content_hash(np.zeros((2, 2), dtype=np.float32))
    True
    """
    import hashlib

    a = np.ascontiguousarray(X)
    h = hashlib.blake2b(digest_size=16)
    h.update(str((a.shape, a.dtype.str)).encode())
    h.update(a.tobytes())
    return h.hexdigest()


def warm_up_umap() -> float:
    """Fit a tiny UMAP so numba compiles its kernels now rather than on a visitor's first map.

    It goes through the same path as :func:`project` (exact neighbours handed to UMAP), so the
    kernels compiled are the ones a real map uses. Returns the seconds it took.
    """
    start = time.perf_counter()
    X = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
    _run_umap(X, 2, 0, validate_params("umap", len(X), {"n_epochs": 20}))
    return time.perf_counter() - start


def warm_up_tsne() -> float:
    """Compile (or load from numba's disk cache) the kernels of large 2-D t-SNE maps now rather
    than on a visitor's first one. Returns the seconds it took."""
    from explorer.tsne_fft import warm_up

    start = time.perf_counter()
    knn_graph(np.random.default_rng(0).normal(size=(50, 4)), 3)  # its float64 kernels, as t-SNE calls it
    warm_up()
    return time.perf_counter() - start


def coordinates_csv(
    keys: Sequence[str],
    proj: Projection,
    colour_labels: Sequence[str] | None = None,
    neighbours: Mapping[str, Sequence[tuple[str, float]]] | None = None,
) -> str:
    """CSV text: word, x, y[, z], colour group, and its nearest neighbours (cosine on the original vectors).

    >>> p = project(np.eye(4, dtype=np.float32), "pca")
    >>> coordinates_csv(["a", "b", "c", "d"], p).splitlines()[0]
    'word,x,y,group,neighbours'
    """
    import csv
    import io

    axes = ["x", "y", "z"][: proj.n_components]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["word", *axes, "group", "neighbours"])
    neighbours = neighbours or {}
    for i, word in enumerate(keys):
        nbs = "; ".join(f"{w} {s:.3f}" for w, s in neighbours.get(word, ()))
        group = colour_labels[i] if colour_labels is not None else ""
        writer.writerow([word, *(f"{v:.6g}" for v in proj.coords[i]), group, nbs])
    return buf.getvalue()
