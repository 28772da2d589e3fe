"""t-SNE for large 2-D maps: FFT-interpolated repulsion (the FIt-SNE scheme, Linderman et al. 2019).

openTSNE computes the repulsion in serial Cython around numpy's single-threaded FFT; at 20k points
that is two thirds of its run time. Here the spreading onto the grid and the reading back are
compiled loops (numba), the convolutions are multi-threaded float32 FFTs in torch into buffers kept
for the whole run, and the grid follows openTSNE's rule exactly, so the forces equal openTSNE's to
float32 precision. ``TSNE2D`` runs openTSNE's optimiser step (gains, momentum, step clipping) on
these forces plus the sparse attraction, which is split over the cores; in float64 it reproduces
openTSNE's map step for step (tested). Affinities and initialisation come from openTSNE.

The repulsive gradient of point i is  sum_j K(y_i, y_j)^2 (y_i - y_j) / Z  with the Cauchy kernel
K = 1 / (1 + |y_i - y_j|^2) and Z = sum_{i != j} K. Both come from three potentials
    phi_t(y_i) = sum_j K(y_i, y_j)^2 * c_t(y_j),   c = (1, y_1, y_2):
the force is y_i phi_0 - (phi_1, phi_2), and since K^2 (1 + d^2) = K,
    Z + n = sum_i [(1 + |y_i|^2) phi_0 - 2 y_i . (phi_1, phi_2)] + sum_ij K_ij^2 |y_j|^2,
where the last sum equals sum_j |y_j|^2 phi_0(y_j) because the kernel is symmetric, and so is its
interpolated form W G W^T (G, the kernel between grid nodes, is symmetric). openTSNE convolves
|y|^2 as a fourth charge; three suffice, which saves two of its nine FFTs per step.

Each phi_t is a convolution of the kernel with point charges: the charges are spread onto a
uniform grid by Lagrange interpolation (p nodes per box side, boxes about one unit wide, because
the kernel varies on that scale), convolved by FFT, and read back with the same weights.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

import numba
import numpy as np
import torch

_EPSILON = np.finfo(np.float64).eps
MAX_BOXES = 1000


def _smooth(n: int, primes: tuple[int, ...]) -> int:
    """What is left of n after dividing out ``primes``."""
    for p in primes:
        while n % p == 0:
            n //= p
    return n


def fft_length(n: int) -> int:
    """Smallest length >= n with no prime factor above 7 (where MKL's FFTs are fastest)."""
    m = n
    while _smooth(m, (2, 3, 5, 7)) != 1:
        m += 1
    return m


def grid_boxes(n: int) -> int:
    """Boxes per grid side for a requested n: openTSNE's rule, the next 2^a 3^b 5^c 7^d (times at most
    one 11 or 13) from 20 up, and never more than 1,000 (which caps the grid for very wide maps)."""
    m = max(int(n), 20)
    while m < MAX_BOXES and _smooth(m, (2, 3, 5, 7)) not in (1, 11, 13):
        m += 1
    return min(m, MAX_BOXES)


@numba.njit(cache=True, nogil=True)
def _spread_charges(embedding, lo, box_width, n_boxes, p, centre, grid, box_of, weights):  # pragma: no cover
    """Lagrange weights of each point's p x p nodes, and its charges (1, y1, y2) on them.

    embedding (n, 2) float64; grid (3, side, >= side) zeroed, filled here; box_of (n, 2) int64 and
    weights (n, 2, p) float64 are written for ``_gather_forces``. Interpolation nodes sit at
    (k + 0.5) / p of a unit box, k < p. Coordinates in the charges are relative to ``centre``.
    """
    denominators = np.ones(p)
    for k in range(p):
        for m in range(p):
            if m != k:
                denominators[k] *= (k - m) / p
    for i in range(embedding.shape[0]):
        for a in range(2):
            scaled = (embedding[i, a] - lo) / box_width
            b = min(max(int(scaled), 0), n_boxes - 1)
            t = scaled - b
            box_of[i, a] = b
            for k in range(p):
                value = 1.0
                for m in range(p):
                    if m != k:
                        value *= t - (m + 0.5) / p
                weights[i, a, k] = value / denominators[k]
        c1 = embedding[i, 0] - centre
        c2 = embedding[i, 1] - centre
        for kx in range(p):
            gx = box_of[i, 0] * p + kx
            for ky in range(p):
                gy = box_of[i, 1] * p + ky
                w = weights[i, 0, kx] * weights[i, 1, ky]
                grid[0, gx, gy] += w
                grid[1, gx, gy] += w * c1
                grid[2, gx, gy] += w * c2


@numba.njit(cache=True, nogil=True)
def _gather_forces(potentials, box_of, weights, embedding, centre, forces):  # pragma: no cover
    """Read the three potentials back at each point (the inverse of spreading) and combine them:
    forces[i] = y_i phi_0 - (phi_1, phi_2), unnormalised, and the return value is Z + n (module
    docstring), with y relative to ``centre``. Summed here in a fixed order, so that Z does not
    depend on how numpy's vectorised sums meet the memory alignment of a temporary array: t-SNE
    turns any last-bit difference into a different map."""
    p = weights.shape[2]
    z_plus_n = 0.0
    for i in range(box_of.shape[0]):
        phi0 = 0.0
        phi1 = 0.0
        phi2 = 0.0
        for kx in range(p):
            gx = box_of[i, 0] * p + kx
            for ky in range(p):
                gy = box_of[i, 1] * p + ky
                w = weights[i, 0, kx] * weights[i, 1, ky]
                phi0 += w * potentials[0, gx, gy]
                phi1 += w * potentials[1, gx, gy]
                phi2 += w * potentials[2, gx, gy]
        y1 = embedding[i, 0] - centre
        y2 = embedding[i, 1] - centre
        z_plus_n += (1.0 + 2.0 * (y1 * y1 + y2 * y2)) * phi0 - 2.0 * (y1 * phi1 + y2 * phi2)
        forces[i, 0] = y1 * phi0 - phi1
        forces[i, 1] = y2 * phi0 - phi2
    return z_plus_n


class RepulsionFFT2D:
    """Repulsive forces of 2-D embeddings, with FFT buffers reused while the grid size holds.

    One instance serves one optimisation (it is not shared between threads). Calling it on an
    (n, 2) embedding returns (F, Z): F[i] = sum_j K_ij^2 (y_i - y_j) / Z, so the full gradient is
    attraction - F. The grid is openTSNE's (``estimate_negative_gradient_fft_2d``): square,
    ``grid_boxes`` boxes a side, each at most ``ints_in_interval`` wide unless
    ``min_num_intervals`` asks for more, ``n_interpolation_points`` nodes per box side.
    """

    def __init__(
        self,
        n_interpolation_points: int = 3,
        min_num_intervals: int = 50,
        ints_in_interval: float = 1.0,
        dtype: torch.dtype = torch.float32,
        spacing_steps: int = 32,
    ):
        self.p = int(n_interpolation_points)
        self.min_num_intervals = int(min_num_intervals)
        self.ints_in_interval = float(ints_in_interval)
        # float32 grids and FFTs are as accurate as float64 here: the interpolation error is
        # orders of magnitude larger than float32 rounding (tested against exact sums).
        self.dtype = dtype
        self._side = -1
        # box widths are rounded up to 1/spacing_steps octave (0: openTSNE's exact width)
        self.spacing_steps = int(spacing_steps)
        self._spectrum_key: tuple[int, float] | None = None
        self._cached_spectrum: torch.Tensor | None = None

    def _buffers(self, side: int) -> None:
        """(Re)allocate for ``side`` grid nodes a side; the zero padding is written only here."""
        if side == self._side:
            return
        L = fft_length(2 * side - 1)
        half = L // 2 + 1
        complex_dtype = torch.complex64 if self.dtype == torch.float32 else torch.complex128
        self._side, self._L = side, L
        self._grid = torch.zeros(3, side, L, dtype=self.dtype)  # charges in [..., :side], zeros after
        self._columns = torch.zeros(3, half, L, dtype=complex_dtype)  # rows' spectra in [..., :side]
        self._spectrum = torch.empty(3, half, L, dtype=complex_dtype)
        # Kernel index i holds node offset i (i < side) or i - L (i > L - side); the offsets in
        # between are never needed and are set to infinity (kernel 0), so the kernel stays even
        # and its spectrum real.
        index = torch.arange(L)
        self._offset_units = torch.where(index < side, index, index - L).to(torch.float64)
        self._offset_units[(index >= side) & (index <= L - side)] = float("inf")

    def _kernel_spectrum(self, spacing: float) -> torch.Tensor:
        """Spectrum of K^2 on node offsets ``spacing`` apart, laid out (L//2 + 1, L, 2) to match
        ``torch.view_as_real`` of the column spectra (the kernel is symmetric, so its spectrum is too)."""
        offset = (self._offset_units * spacing).to(self.dtype)
        kernel = offset[:, None] ** 2 + offset[None, :] ** 2  # (L, L): squared distance
        kernel.add_(1.0).reciprocal_().square_()
        real = torch.fft.rfft2(kernel).real.T  # (L//2 + 1, L)
        return real.unsqueeze(-1).expand(-1, -1, 2).contiguous()

    def __call__(self, embedding: np.ndarray) -> tuple[np.ndarray, float]:
        y = np.ascontiguousarray(embedding, dtype=np.float64)
        n, p = y.shape[0], self.p
        lo, hi = float(y.min()), float(y.max())
        n_boxes = grid_boxes(max(self.min_num_intervals, int((hi - lo) / self.ints_in_interval)))
        # The box width is rounded up to a step of 1/32 octave (at most 2.2% wider) and the grid
        # centred on the points, so that from one iteration to the next the node spacing, and with
        # it the kernel's spectrum (a quarter of the work on a large grid), usually repeats; the
        # interpolation error stays that of openTSNE's grid (tests/test_tsne_fft.py).
        box_width = max(hi - lo, 1e-12) / n_boxes
        if self.spacing_steps > 0:
            steps = self.spacing_steps
            box_width = 2.0 ** (math.ceil(math.log2(box_width) * steps) / steps)
            lo -= 0.5 * (n_boxes * box_width - (hi - lo))
        side = n_boxes * p
        self._buffers(side)
        # Charges are taken relative to the grid's centre, so that the cancellation in Z and in the
        # forces (terms of size |y|^2 phi_0 that nearly cancel) loses as little precision as possible.
        centre = lo + 0.5 * n_boxes * box_width

        grid = self._grid.numpy()
        grid[:, :, :side] = 0.0
        box_of = np.empty((n, 2), dtype=np.int64)
        weights = np.empty((n, 2, p))
        _spread_charges(y, lo, box_width, n_boxes, p, centre, grid, box_of, weights)

        # Linear convolution with K^2 by a zero-padded FFT of length L >= 2 side - 1, one axis at a
        # time, so the rows known to be zero (input) or not wanted (output) are never transformed.
        L = self._L
        rows = torch.fft.rfft(self._grid, dim=-1)  # (3, side, L//2 + 1)
        self._columns[..., :side].copy_(rows.transpose(-1, -2))
        torch.fft.fft(self._columns, dim=-1, out=self._spectrum)  # (3, L//2 + 1, L)
        key = (side, box_width)
        if key != self._spectrum_key:
            self._spectrum_key, self._cached_spectrum = key, self._kernel_spectrum(box_width / p)
        torch.view_as_real(self._spectrum).mul_(self._cached_spectrum)
        columns = torch.fft.ifft(self._spectrum, dim=-1)[..., :side]  # only the wanted output rows
        potentials = torch.fft.irfft(columns.transpose(-1, -2).contiguous(), n=L, dim=-1)  # (3, side, L)

        forces = np.empty((n, 2))
        sum_q = _gather_forces(potentials.numpy(), box_of, weights, y, centre, forces) - n  # minus K(0) = 1 terms
        forces /= sum_q + _EPSILON
        return forces, sum_q


def repulsion_fft_2d(embedding: np.ndarray, **grid: Any) -> tuple[np.ndarray, float]:
    """One evaluation of ``RepulsionFFT2D(**grid)``: (forces (n, 2), Z)."""
    return RepulsionFFT2D(**grid)(embedding)


@numba.njit(cache=True, nogil=True)
def _attraction(indptr, indices, data, y, out, start, stop):  # pragma: no cover
    """Rows start..stop of out[i] = sum_j P_ij K_ij (y_i - y_j), over the sparse P (CSR).

    Two neighbours per step into separate sums, so their divisions overlap instead of each
    waiting on the last."""
    for i in range(start, stop):
        yi0 = y[i, 0]
        yi1 = y[i, 1]
        a0 = 0.0
        a1 = 0.0
        b0 = 0.0
        b1 = 0.0
        k = indptr[i]
        end = indptr[i + 1]
        while k + 1 < end:
            j = indices[k]
            m = indices[k + 1]
            d0 = yi0 - y[j, 0]
            d1 = yi1 - y[j, 1]
            e0 = yi0 - y[m, 0]
            e1 = yi1 - y[m, 1]
            w = data[k] / (1.0 + d0 * d0 + d1 * d1)
            v = data[k + 1] / (1.0 + e0 * e0 + e1 * e1)
            a0 += w * d0
            a1 += w * d1
            b0 += v * e0
            b1 += v * e1
            k += 2
        if k < end:
            j = indices[k]
            d0 = yi0 - y[j, 0]
            d1 = yi1 - y[j, 1]
            w = data[k] / (1.0 + d0 * d0 + d1 * d1)
            a0 += w * d0
            a1 += w * d1
        out[i, 0] = a0 + b0
        out[i, 1] = a1 + b1


@numba.njit(cache=True, nogil=True)
def _kl_terms(indptr, indices, data, y):  # pragma: no cover
    """(sum P, sum P log(P / K)) over the sparse P; KL = the second + the first x log Z."""
    sum_p = 0.0
    kl = 0.0
    for i in range(y.shape[0]):
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            d0 = y[i, 0] - y[j, 0]
            d1 = y[i, 1] - y[j, 1]
            q = 1.0 / (1.0 + d0 * d0 + d1 * d1)
            sum_p += data[k]
            kl += data[k] * np.log(data[k] / (q + _EPSILON) + _EPSILON)
    return sum_p, kl


@numba.njit(cache=True, nogil=True)
def _descent_step(y, gradient, update, gains, learning_rate, momentum, min_gain, max_step):  # pragma: no cover
    """One step of openTSNE's gradient descent, in place: per-coordinate gains (up 0.2 where the
    gradient flips against the last update, else x 0.8 + min_gain), momentum, steps clipped to
    ``max_step`` per point, then the embedding re-centred."""
    n = y.shape[0]
    for i in range(n):
        for d in range(2):
            g = gradient[i, d]
            u = update[i, d]
            if np.sign(u) != np.sign(g):
                gains[i, d] += 0.2
            else:
                gains[i, d] = gains[i, d] * 0.8 + min_gain
            update[i, d] = momentum * u - learning_rate * gains[i, d] * g
        norm = np.sqrt(update[i, 0] ** 2 + update[i, 1] ** 2)
        if norm > max_step:
            update[i, 0] *= max_step / norm
            update[i, 1] *= max_step / norm
        y[i, 0] += update[i, 0]
        y[i, 1] += update[i, 1]
    mean0 = y[:, 0].mean()
    mean1 = y[:, 1].mean()
    for i in range(n):
        y[i, 0] -= mean0
        y[i, 1] -= mean1


class TSNE2D:
    """Gradient descent on the t-SNE objective for a 2-D map: openTSNE's optimiser (gains, momentum,
    step clipping, re-centring), with ``RepulsionFFT2D`` for the repulsion and a compiled sparse sum
    for the attraction, split over the cores.

    ``P``: the symmetric affinities (scipy CSR, e.g. openTSNE's ``PerplexityBasedNN(...).P``);
    ``initial``: (n, 2). Call ``optimize`` once per phase (early exaggeration, then the rest); the
    gains and momentum carry over, as in openTSNE.
    """

    MIN_GAIN = 0.01
    MAX_STEP = 5.0  # openTSNE's max_step_norm: no point moves further than this in one step

    def __init__(self, P: Any, initial: np.ndarray, **grid: Any) -> None:
        P = P.tocsr()
        self._indptr = np.ascontiguousarray(P.indptr, dtype=np.int64)
        self._indices = np.ascontiguousarray(P.indices, dtype=np.int64)
        self._data = np.ascontiguousarray(P.data, dtype=np.float64)
        self.embedding = np.array(initial, dtype=np.float64, order="C")
        if self.embedding.ndim != 2 or self.embedding.shape[1] != 2:
            raise ValueError(f"TSNE2D lays out 2-D maps; the initial embedding has shape {self.embedding.shape}")
        self._update = np.zeros_like(self.embedding)
        self._gains = np.ones_like(self.embedding)
        self._repulsion = RepulsionFFT2D(**grid)
        self.kl_divergence = float("nan")
        # The attraction is summed in row blocks of equal work (non-zeros), one per core, in threads
        # (the compiled loop releases the GIL).
        blocks = max(1, min(os.cpu_count() or 1, 8))
        bounds = np.searchsorted(self._indptr, np.linspace(0, self._indptr[-1], blocks + 1)[1:-1])
        edges = [0, *sorted(set(int(b) for b in bounds)), len(self.embedding)]
        self._row_blocks = [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]

    def gradient(self, executor: Executor, affinities: np.ndarray | None = None) -> np.ndarray:
        """The gradient (n, 2) at the current embedding; ``affinities`` replaces P's values
        (exaggerated ones, during early exaggeration)."""
        y = self.embedding
        repulsion, _ = self._repulsion(y)
        data = self._data if affinities is None else affinities
        attraction = np.empty_like(y)
        args = (self._indptr, self._indices, data, y, attraction)
        # The first block runs on this thread, the others on the pool's: one hand-off fewer.
        parts = [executor.submit(_attraction, *args, start, stop) for start, stop in self._row_blocks[1:]]
        _attraction(*args, *self._row_blocks[0])
        for part in parts:
            part.result()
        return attraction - repulsion

    def current_kl_divergence(self) -> float:
        """KL(P || Q) of the current embedding, with Z from the interpolated repulsion (as openTSNE)."""
        _, sum_q = self._repulsion(self.embedding)
        sum_p, kl = _kl_terms(self._indptr, self._indices, self._data, self.embedding)
        return float(kl + sum_p * np.log(sum_q + _EPSILON))

    def optimize(self, n_iter: int, learning_rate: float, momentum: float, exaggeration: float = 1.0) -> float:
        """Run ``n_iter`` steps; returns (and keeps) the KL divergence of the resulting embedding."""
        with ThreadPoolExecutor(max_workers=max(1, len(self._row_blocks) - 1), thread_name_prefix="tsne") as executor:
            affinities = self._data * exaggeration
            for _ in range(int(n_iter)):
                gradient = self.gradient(executor, affinities)
                _descent_step(
                    self.embedding,
                    gradient,
                    self._update,
                    self._gains,
                    float(learning_rate),
                    float(momentum),
                    self.MIN_GAIN,
                    self.MAX_STEP,
                )
        self.kl_divergence = self.current_kl_divergence()
        return self.kl_divergence


def warm_up(n: int = 300, seed: int = 0) -> None:
    """A few steps on a tiny random map, so numba compiles (or loads from its disk cache) the
    kernels above now, with the argument types a real map uses, rather than on a visitor's map."""
    import scipy.sparse

    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(n), 5)
    cols = rng.integers(0, n, size=rows.size)
    P = scipy.sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    P = P + P.T
    layout = TSNE2D(P / P.sum(), rng.normal(size=(n, 2)) * 1e-2)
    layout.optimize(2, learning_rate=200.0, momentum=0.5, exaggeration=12.0)
