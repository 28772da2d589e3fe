"""Small array helpers every vector module shares: read-only arrays, unit rows, top-k, cosines, PCA.

A leaf module: numpy only, nothing of the project. Each helper exists once here so that the
vector set, the projections, the contextual views and the sentence views agree on the details
(how a zero row is treated, how ties are ordered, which way a PCA axis points).

Example:
    >>> import numpy as np
    >>> from explorer import linalg
    >>> linalg.top_k(np.array([0.1, 0.9, 0.5, 0.7]), 2, exclude={1}).tolist()
    [3, 2]
    >>> linalg.unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

EPS = 1e-12  # a row shorter than this counts as zero


def readonly(a: np.ndarray, dtype: np.dtype | type | None = None) -> np.ndarray:
    """``a`` as a C-contiguous array (of ``dtype`` when given) that cannot be written to.

    The array is copied only when the layout or dtype asks for it, so freeze arrays you own.

    >>> x = readonly(np.zeros(3), np.float32)
    >>> x.flags.writeable, x.dtype.name
    (False, 'float32')
    """
    out = np.ascontiguousarray(a, dtype=dtype)
    out.flags.writeable = False
    return out


def unit_rows(x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Each row scaled to length 1; rows shorter than ``eps`` stay zero. Keeps float32 input float32.

    >>> unit_rows(np.array([[0.0, 2.0]])).tolist()
    [[0.0, 1.0]]
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > eps)


def top_k(scores: np.ndarray, k: int, exclude: Collection[int] = ()) -> np.ndarray:
    """Indices of the ``k`` largest scores, best first, skipping the indices in ``exclude``.

    Ties keep index order (a stable sort), so the same scores always give the same answer.
    Cost: one ``argpartition`` over the scores plus a sort of ``k + len(exclude)`` of them.

    >>> top_k(np.array([1.0, 3.0, 3.0, 2.0]), 3).tolist()
    [1, 2, 3]
    """
    scores = np.asarray(scores)
    n = len(scores)
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    excluded = {int(i) for i in exclude}
    m = min(n, k + len(excluded))
    best = np.argpartition(-scores, m - 1)[:m] if m < n else np.arange(n)
    # sort by score descending, then by index ascending (stable on the index-ordered candidates)
    best = np.sort(best)
    best = best[np.argsort(-scores[best], kind="stable")]
    if excluded:
        best = best[[int(i) not in excluded for i in best]]
    return best[:k].astype(np.int64)


def cosine_matrix(a: np.ndarray, b: np.ndarray | None = None, *, zero: float = 0.0) -> np.ndarray:
    """(n, m) cosine similarities of the rows of ``a`` and ``b`` (default ``a``), in float64, clipped to [-1, 1].

    A pair with a zero row gets ``zero`` (pass ``np.nan`` to mark it as undefined). With ``b``
    omitted the result is exactly symmetric.

    >>> cosine_matrix(np.array([[1.0, 0.0], [1.0, 1.0]])).round(3).tolist()
    [[1.0, 0.707], [0.707, 1.0]]
    """
    a64 = np.asarray(a, dtype=np.float64)
    same = b is None
    b64 = a64 if same else np.asarray(b, dtype=np.float64)
    ua, ub = unit_rows(a64), (None if same else unit_rows(b64))
    m = ua @ (ua if ub is None else ub).T
    if same:
        m = (m + m.T) / 2.0
    m = np.clip(m, -1.0, 1.0)
    za = np.linalg.norm(a64, axis=1) <= EPS
    zb = za if same else np.linalg.norm(b64, axis=1) <= EPS
    if za.any() or zb.any():
        m[za, :] = zero
        m[:, zb] = zero
    return m


def fix_signs(components: np.ndarray) -> np.ndarray:
    """Flip each column so that its largest-magnitude entry is positive (sklearn's ``svd_flip`` rule).

    Eigen- and singular vectors are defined up to sign; fixing it makes the same data give the
    same picture in every process.

    >>> fix_signs(np.array([[0.2, -0.9], [-0.8, 0.1]])).tolist()
    [[-0.2, 0.9], [0.8, -0.1]]
    """
    comps = np.asarray(components, dtype=np.float64)
    if comps.size == 0:
        return comps
    k = comps.shape[1]
    signs = np.sign(comps[np.abs(comps).argmax(axis=0), np.arange(k)])
    signs[signs == 0] = 1
    return comps * signs


def pca(x: np.ndarray, n_components: int, center: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PCA with fixed signs: (coords (n, k), components (d, k), explained variance ratio (k,)).

    Covariance eigendecomposition for narrow matrices (d <= 2000), SVD otherwise; both are
    deterministic. Missing components (k above rank or d) are zero columns with a zero ratio.

    >>> coords, comps, ratio = pca(np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.1]]), 2)
    >>> coords.shape, round(float(ratio[0]), 3)
    ((3, 2), 1.0)
    """
    x64 = np.asarray(x, dtype=np.float64)
    n, d = x64.shape
    centred = x64 - x64.mean(axis=0) if center and n else x64
    k = min(n_components, d)
    if n == 0 or k == 0:
        return np.zeros((n, n_components)), np.zeros((d, n_components)), np.zeros(n_components)
    if d <= 2000:
        cov = centred.T @ centred / max(1, n - 1)  # (d, d)
        evals, evecs = np.linalg.eigh(cov)
        order = np.argsort(evals)[::-1][:k]
        comps = evecs[:, order]  # (d, k)
        var = evals.clip(min=0)
        ratio = var[order] / var.sum() if var.sum() > 0 else np.zeros(k)
    else:
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        comps = vt[:k].T
        var = s**2
        ratio = var[:k] / var.sum() if var.sum() > 0 else np.zeros(k)
    comps = fix_signs(comps)
    coords = centred @ comps
    if k < n_components:
        pad = n_components - k
        coords = np.hstack([coords, np.zeros((n, pad))])
        comps = np.hstack([comps, np.zeros((d, pad))])
        ratio = np.concatenate([ratio, np.zeros(pad)])
    return coords, comps, np.asarray(ratio, dtype=np.float64)


def procrustes(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The orthogonal (d, d) matrix R that minimises ||source @ R - target|| (Schönemann 1966).

    R = U V^T from the SVD of source^T target.

    >>> r = procrustes(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [-1.0, 0.0]]))
    >>> r.round(6).tolist()
    [[0.0, 1.0], [-1.0, 0.0]]
    """
    u, _, vt = np.linalg.svd(np.asarray(source, dtype=np.float64).T @ np.asarray(target, dtype=np.float64))
    return u @ vt
