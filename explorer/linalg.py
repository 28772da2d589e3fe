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


PCA_BLOCK_ROWS = 8192  # rows per float64 block of pca (8192 x 384 x 8 B = 25 MB)


def pca(x: np.ndarray, n_components: int, center: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PCA with fixed orientation: (coords (n, k), components (d, k), explained variance ratio (k,)).

    Covariance eigendecomposition for narrow matrices (d <= 2000), SVD otherwise; both are
    deterministic. Missing components (k above rank or d) are zero columns with a zero ratio.

    >>> coords, comps, ratio = pca(np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.1]]), 2)
    >>> coords.shape, round(float(ratio[0]), 3)
    ((3, 2), 1.0)
    """
    x = np.asarray(x)
    n, d = x.shape
    mean = x.mean(axis=0, dtype=np.float64) if center and n else np.zeros(d)
    k = min(n_components, d)
    if n == 0 or k == 0:
        return np.zeros((n, n_components)), np.zeros((d, n_components)), np.zeros(n_components)

    def centred(start: int = 0, stop: int = n) -> np.ndarray:
        """Rows start:stop in float64, centred. The covariance and the coordinates are summed over
        blocks of PCA_BLOCK_ROWS rows, so a large float32 matrix is never copied whole to float64
        (20,000 x 384: 61 MB for each copy, the largest part of a big t-SNE's peak)."""
        return np.asarray(x[start:stop], dtype=np.float64) - mean

    blocks = [(i, min(n, i + PCA_BLOCK_ROWS)) for i in range(0, n, PCA_BLOCK_ROWS)]
    if d <= 2000:
        cov = np.zeros((d, d))
        for start, stop in blocks:
            part = centred(start, stop)
            cov += part.T @ part
        cov /= max(1, n - 1)  # (d, d)
        evals, evecs = np.linalg.eigh(cov)
        order = np.argsort(evals)[::-1][:k]
        comps = evecs[:, order]  # (d, k)
        var = evals.clip(min=0)
        ratio = var[order] / var.sum() if var.sum() > 0 else np.zeros(k)
    else:
        _, s, vt = np.linalg.svd(centred(), full_matrices=False)
        comps = vt[:k].T
        var = s**2
        ratio = var[:k] / var.sum() if var.sum() > 0 else np.zeros(k)
    comps = fix_signs(comps)
    coords = np.empty((n, k))
    for start, stop in blocks:
        coords[start:stop] = centred(start, stop) @ comps
    # Orientation: each axis points to where its coordinates' third moment is positive (the
    # longer tail right or up). That sum over all points moves little when the vectors change a
    # little (a retrained run, one word more), where the sign of a single largest loading, kept
    # as the tie-break above, can flip and turn the whole map over.
    skew = (coords**3).sum(axis=0)
    flip = skew < -1e-6 * (np.abs(coords) ** 3).sum(axis=0)
    comps[:, flip] *= -1
    coords[:, flip] *= -1
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


def row_cosines(a: np.ndarray, b: np.ndarray, zero: float = np.nan) -> np.ndarray:
    """(n,) cosine of each row of ``a`` with the same row of ``b``, in float64, clipped to [-1, 1].

    A pair with a zero row gets ``zero`` (NaN by default: the angle is undefined).

    >>> row_cosines(np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]), np.array([[2.0, 0.0], [1.0, 0.0], [1.0, 0.0]]))
    array([1.        , 0.70710678,        nan])
    """
    a64 = np.asarray(a, dtype=np.float64)
    b64 = np.asarray(b, dtype=np.float64)
    norms = np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1)
    dots = np.einsum("ij,ij->i", a64, b64)
    out = np.divide(dots, norms, out=np.full(len(dots), zero, dtype=np.float64), where=norms > EPS * EPS)
    return np.clip(out, -1.0, 1.0)


def centre_unit_rows(x: np.ndarray, mean: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows scaled to unit length, centred, and scaled to unit length again: (rows float32, mean (d,) float64).

    The usual preparation of two embedding spaces for an orthogonal alignment ("unit, centre,
    unit"): every word weighs the same, and the common direction that all vectors of a trained
    space share is taken out. ``mean`` is the centre of the unit rows; pass the one a previous
    call returned to place chosen rows where they sit in the full set.

    >>> rows, mean = centre_unit_rows(np.array([[2.0, 0.0], [0.0, 3.0]]))
    >>> rows.dtype.name, (rows * np.sqrt(2)).round(3).tolist(), mean.tolist()
    ('float32', [[1.0, -1.0], [-1.0, 1.0]], [0.5, 0.5])
    """
    units = unit_rows(np.asarray(x, dtype=np.float32))  # (n, d)
    if mean is None:
        mean = units.mean(axis=0, dtype=np.float64) if len(units) else np.zeros(units.shape[1])
    mean = np.asarray(mean, dtype=np.float64)
    return unit_rows(units - mean.astype(np.float32)), mean


def procrustes_fit(source: np.ndarray, target: np.ndarray, block: int = 8192) -> tuple[np.ndarray, float]:
    """``procrustes`` for many rows, with its fit: (R, ||source @ R - target||_F / ||target||_F).

    The same rotation as ``procrustes(source, target)`` (U V^T from the SVD of source^T target),
    R (d_source, d_target). When the widths differ, U V^T from the thin SVD is the best map with
    orthonormal columns (a wider source is rotated, then projected) or orthonormal rows (a
    narrower source is rotated into a subspace of the target's space): a partial isometry.
    with the cross product and the residual accumulated in float64 over blocks of ``block`` rows,
    so a float32 input of any length needs only a few (block, d) float64 temporaries. The
    relative residual is 0 for a perfect fit; for unit rows it is at most sqrt(2) (R is the best
    rotation, so it does no worse than the rows are apart on average). NaN when target is all zero.

    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(50, 3))
    >>> q = procrustes(np.eye(3), rng.normal(size=(3, 3)))  # some orthogonal matrix
    >>> r, residual = procrustes_fit(x, x @ q)
    >>> bool(np.allclose(r, q)), residual < 1e-12
    (True, True)
    >>> wide, residual = procrustes_fit(np.hstack([x, np.zeros((50, 2))]), x @ q)  # (5, 3): extra zero columns
    >>> wide.shape, residual < 1e-12
    ((5, 3), True)
    """
    source = np.asarray(source)
    target = np.asarray(target)
    if source.ndim != 2 or target.ndim != 2 or len(source) != len(target):
        raise ValueError(f"source {source.shape} and target {target.shape} must be matrices with the same rows.")
    n = len(source)
    cross = np.zeros((source.shape[1], target.shape[1]), dtype=np.float64)  # source^T target
    for s in range(0, n, block):
        cross += source[s : s + block].astype(np.float64).T @ target[s : s + block].astype(np.float64)
    u, _, vt = np.linalg.svd(cross, full_matrices=False)
    rotation = u @ vt
    error = norm = 0.0
    for s in range(0, n, block):
        t64 = target[s : s + block].astype(np.float64)
        error += float(np.square(source[s : s + block].astype(np.float64) @ rotation - t64).sum())
        norm += float(np.square(t64).sum())
    return rotation, (float(np.sqrt(error / norm)) if norm > 0 else float("nan"))
