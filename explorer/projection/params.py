"""The parameters of each projection method: defaults that fit the number of points, and checks with fix-it messages.

Example:
    >>> from explorer.projection.params import validate_params
    >>> validate_params("umap", 10)["n_neighbors"]
    9
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from explorer.errors import ProjectionError

METHODS = ("pca", "tsne", "umap", "axes")
METHOD_LABELS = {
    "pca": "PCA",
    "tsne": "t-SNE",
    "umap": "UMAP",
    "axes": "Semantic axes",
}


def number(name: str, value: Any, lo: float, hi: float, integer: bool = False) -> float | int:
    """``value`` as a number in [lo, hi] (a whole one when ``integer``), or a ProjectionError naming ``name``.

    >>> number("seed", "7", 0, 100, integer=True)
    7
    """
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
    """The largest perplexity ``n`` points support (each point needs 3 x perplexity neighbours).

    >>> max_perplexity(31)
    10.0
    """
    return (n - 1) / 3.0


def default_n_neighbors(n: int) -> int:
    """UMAP's 15 neighbours, fewer for tiny sets.

    >>> default_n_neighbors(1000), default_n_neighbors(5)
    (15, 4)
    """
    return int(max(2, min(15, n - 1)))


def default_umap_epochs(n: int) -> int:
    """Layout epochs for UMAP: 500 below 5,000 points, 200 from there.

    umap-learn makes the same switch at 10,000. Measured on 10k structured points
    (benchmarks/bench_project.py data), 200 epochs keep 99% of the k-NN overlap of 500 in 45% of
    the time, and a seeded layout runs on one thread, so epochs are most of the wait.

    >>> default_umap_epochs(1000), default_umap_epochs(20_000)
    (500, 200)
    """
    return 500 if n < 5000 else 200


# Above this many points UMAP starts from the PCA of the vectors rather than from a spectral
# embedding of its graph: ARPACK's Lanczos basis holds sqrt(n) float64 vectors of n values
# (8 n^1.5 bytes: 0.7 GB at 200,000 points, 8 GB at 1,000,000).
UMAP_SPECTRAL_MAX_POINTS = 200_000
UMAP_INITS = ("spectral", "pca")


def default_umap_init(n: int) -> str:
    """UMAP's starting layout for ``n`` points: "spectral" up to ``UMAP_SPECTRAL_MAX_POINTS``, "pca" above.

    >>> default_umap_init(100_000), default_umap_init(1_000_000)
    ('spectral', 'pca')
    """
    return "spectral" if n <= UMAP_SPECTRAL_MAX_POINTS else "pca"


def _tsne_params(n: int, params: Mapping[str, Any]) -> dict[str, Any]:
    top = max_perplexity(n)
    perplexity = params.get("perplexity")
    if perplexity is None:
        perplexity = default_perplexity(n)
    else:
        perplexity = float(number("perplexity", perplexity, 1.0, 1e6))
        if perplexity > top:
            raise ProjectionError(
                f"perplexity {perplexity:g} is too large for {n} points: t-SNE needs 3 x perplexity neighbours "
                f"per point, so use at most {top:.1f} (or project more words)."
            )
    lr = params.get("learning_rate", "auto")
    if lr != "auto":
        lr = float(number("learning_rate", lr, 1e-3, 1e6))
    init = params.get("init", "pca")
    if init not in ("pca", "random", "spectral"):
        raise ProjectionError(f"init must be 'pca', 'random' or 'spectral'; got {init!r}.")
    return {
        "perplexity": perplexity,
        "learning_rate": lr,
        "init": init,
        "early_exaggeration": float(number("early_exaggeration", params.get("early_exaggeration", 12.0), 1.0, 100.0)),
        "n_iter": int(number("n_iter", params.get("n_iter", 500), 50, 10_000, integer=True)),
        "normalize": bool(params.get("normalize", True)),
    }


def _umap_params(n: int, params: Mapping[str, Any]) -> dict[str, Any]:
    nn = params.get("n_neighbors")
    if nn is None:
        nn = default_n_neighbors(n)
    else:
        nn = int(number("n_neighbors", nn, 2, 10_000, integer=True))
        if nn > n - 1:
            raise ProjectionError(
                f"n_neighbors {nn} is too large for {n} points; use at most {n - 1} (or project more words)."
            )
    metric = params.get("metric", "cosine")
    if metric not in ("cosine", "euclidean"):
        raise ProjectionError(f"metric must be 'cosine' or 'euclidean'; got {metric!r}.")
    return {
        "n_neighbors": nn,
        "min_dist": float(number("min_dist", params.get("min_dist", 0.1), 0.0, 1.0)),
        "metric": metric,
        "n_epochs": default_umap_epochs(n)
        if params.get("n_epochs") is None
        else int(number("n_epochs", params["n_epochs"], 10, 5000, integer=True)),
        "init": _umap_init(n, params.get("init")),
    }


def _umap_init(n: int, init: Any) -> str:
    if init is None:
        return default_umap_init(n)
    if init not in UMAP_INITS:
        raise ProjectionError(f"init must be one of {', '.join(map(repr, UMAP_INITS))} for UMAP; got {init!r}.")
    return str(init)


def _pca_params(n: int, params: Mapping[str, Any]) -> dict[str, Any]:
    return {"normalize": bool(params.get("normalize", True))}


_ALLOWED = {
    "pca": {"normalize"},
    "tsne": {"perplexity", "learning_rate", "init", "early_exaggeration", "n_iter", "normalize"},
    "umap": {"n_neighbors", "min_dist", "metric", "n_epochs", "init"},
}


VALIDATORS: dict[str, Callable[[int, Mapping[str, Any]], dict[str, Any]]] = {
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
    if method not in VALIDATORS:
        hint = " (semantic axes need word pairs: use semantic_axes)" if method == "axes" else ""
        raise ProjectionError(f"Unknown method {method!r}; choose one of 'pca', 'tsne', 'umap'{hint}.")
    unknown = sorted(set(params) - _ALLOWED[method])
    if unknown:
        raise ProjectionError(
            f"Unknown parameter(s) for {METHOD_LABELS[method]}: {', '.join(unknown)}. "
            f"Allowed: {', '.join(sorted(_ALLOWED[method]))}."
        )
    return VALIDATORS[method](n, params)


def check_matrix(X: np.ndarray, n_components: int) -> np.ndarray:
    """X as a float32 (points, dims) matrix fit to project to ``n_components`` (2 or 3), or a ProjectionError.

    >>> check_matrix(np.ones((3, 2), dtype=np.float64), 2).dtype.name
    'float32'
    """
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
