"""The large-map t-SNE (explorer.tsne_fft): forces against openTSNE and exact sums, the optimiser
against openTSNE's, and the switch in projection.project."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from openTSNE import TSNEEmbedding, _tsne, affinity, initialization

import explorer.projection as proj
from explorer.tsne_fft import (
    MAX_BOXES,
    TSNE2D,
    RepulsionFFT2D,
    _attraction,
    _kl_terms,
    _smooth,
    fft_length,
    grid_boxes,
    repulsion_fft_2d,
)

GRID = {"n_interpolation_points": 3, "min_num_intervals": 50, "ints_in_interval": 1.0}


def _embeddings() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(12, 2)) * 25
    return [
        rng.normal(size=(1500, 2)) * 4,  # narrower than the minimum grid
        rng.uniform(-85, 85, size=(2500, 2)),  # a grid of 175 boxes (rounded up from 169)
        centres[rng.integers(0, 12, 2500)] + rng.normal(size=(2500, 2)),  # tight clusters
    ]


def _openTSNE_repulsion(Y: np.ndarray) -> tuple[np.ndarray, float]:
    gradient = np.zeros_like(Y)
    z = _tsne.estimate_negative_gradient_fft_2d(Y, gradient, dof=1, **GRID)
    return -gradient, z


def _exact_repulsion(Y: np.ndarray) -> tuple[np.ndarray, float]:
    diff = Y[:, None, :] - Y[None, :, :]
    K = 1.0 / (1.0 + (diff**2).sum(-1))
    np.fill_diagonal(K, 0.0)
    z = K.sum()
    return ((K**2)[:, :, None] * diff).sum(1) / z, z


@pytest.mark.parametrize("index", range(3))
def test_repulsion_equals_openTSNE_in_float64(index: int) -> None:
    Y = _embeddings()[index]
    forces, z = repulsion_fft_2d(Y, dtype=torch.float64, spacing_steps=0, **GRID)
    reference, z_ref = _openTSNE_repulsion(Y)
    assert np.abs(forces - reference).max() <= 1e-9 * np.abs(reference).max()
    assert z == pytest.approx(z_ref, rel=1e-10)


@pytest.mark.parametrize("index", range(3))
def test_float32_grid_keeps_openTSNE_accuracy(index: int) -> None:
    Y = _embeddings()[index]
    forces, z = repulsion_fft_2d(Y, spacing_steps=0, **GRID)
    reference, z_ref = _openTSNE_repulsion(Y)
    exact, z_exact = _exact_repulsion(Y)
    # float32 rounding is far below the interpolation error that both share.
    assert np.linalg.norm(forces - reference) <= 1e-3 * np.linalg.norm(reference)
    assert z == pytest.approx(z_ref, rel=1e-4)
    error = np.linalg.norm(forces - exact) / np.linalg.norm(exact)
    assert error < 0.06
    assert error == pytest.approx(np.linalg.norm(reference - exact) / np.linalg.norm(exact), rel=0.05)
    assert z == pytest.approx(z_exact, rel=0.03)


@pytest.mark.parametrize("index", range(3))
def test_rounded_box_width_keeps_the_accuracy_of_openTSNEs_grid(index: int) -> None:
    Y = _embeddings()[index]
    forces, z = repulsion_fft_2d(Y, **GRID)  # box width rounded up to 1/32 octave, the default
    reference, _ = _openTSNE_repulsion(Y)
    exact, z_exact = _exact_repulsion(Y)
    error = np.linalg.norm(forces - exact) / np.linalg.norm(exact)
    assert error < 0.06
    assert error <= 1.15 * np.linalg.norm(reference - exact) / np.linalg.norm(exact)
    assert z == pytest.approx(z_exact, rel=0.03)


def test_kernel_spectrum_is_computed_again_only_when_the_spacing_changes(monkeypatch) -> None:
    repulsion = RepulsionFFT2D(**GRID)
    calls = []
    original = repulsion._kernel_spectrum
    monkeypatch.setattr(repulsion, "_kernel_spectrum", lambda spacing: calls.append(spacing) or original(spacing))
    clusters = _embeddings()[2]
    for scale in (1.0, 1.001, 1.002, 1.003):  # a map growing slowly, as in late iterations
        forces, _ = repulsion(clusters * scale)
        np.testing.assert_array_equal(forces, repulsion_fft_2d(clusters * scale, **GRID)[0])
    assert 1 <= len(calls) <= 2


def test_reused_buffers_give_the_same_forces_as_fresh_ones() -> None:
    small, wide, clusters = _embeddings()
    repulsion = RepulsionFFT2D(**GRID)
    for Y in (small, wide, small, clusters, clusters * 1.01):
        forces, z = repulsion(Y)
        fresh, z_fresh = repulsion_fft_2d(Y, **GRID)
        np.testing.assert_array_equal(forces, fresh)
        assert z == z_fresh


def test_grid_rule() -> None:
    assert grid_boxes(1) == 20
    assert grid_boxes(50) == 50
    assert grid_boxes(169) == 175
    assert grid_boxes(143) == 144  # 11 x 13 has two large factors
    assert grid_boxes(10**6) == MAX_BOXES
    for n in range(20, MAX_BOXES):
        m = grid_boxes(n)
        assert m >= n and _smooth(m, (2, 3, 5, 7)) in (1, 11, 13)
        assert all(_smooth(k, (2, 3, 5, 7)) not in (1, 11, 13) for k in range(n, m))
    for n in (2, 299, 1049, 1051):
        length = fft_length(n)
        assert length >= n
        assert _smooth(length, (2, 3, 5, 7)) == 1
        assert all(_smooth(k, (2, 3, 5, 7)) != 1 for k in range(n, length))


@pytest.fixture(scope="module")
def affinities() -> tuple[object, np.ndarray]:
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(size=(300, 10)) + 6 * rng.normal(size=10) for _ in range(5)])
    aff = affinity.PerplexityBasedNN(X, perplexity=20, random_state=0, verbose=False)
    return aff, initialization.pca(X, n_components=2, random_state=0)


def test_attraction_and_kl_match_openTSNE(affinities) -> None:
    aff, init = affinities
    P = aff.P.tocsr()
    Y = np.ascontiguousarray(init * 200)
    indptr, indices = P.indptr.astype(np.int64), P.indices.astype(np.int64)
    ours = np.full_like(Y, np.nan)
    middle = len(Y) // 2  # in two row blocks, as the optimiser splits it over cores
    _attraction(indptr, indices, P.data, Y, ours, 0, middle)
    _attraction(indptr, indices, P.data, Y, ours, middle, len(Y))
    sum_p, kl = _kl_terms(indptr, indices, P.data, Y)
    reference = np.zeros_like(Y)
    sum_p_ref, kl_ref = _tsne.estimate_positive_gradient_nn(
        P.indices, P.indptr, P.data, Y, Y, reference, 1, num_threads=1, should_eval_error=True
    )
    np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-15)
    assert sum_p == pytest.approx(sum_p_ref) and kl == pytest.approx(kl_ref)


def test_optimiser_follows_openTSNE_step_for_step(affinities) -> None:
    aff, init = affinities
    lr = 200.0
    reference = TSNEEmbedding(init, aff, negative_gradient_method="fft", n_jobs=1, random_state=0, verbose=False)
    reference = reference.optimize(40, exaggeration=12, momentum=0.5, learning_rate=lr)
    reference = reference.optimize(40, momentum=0.8, learning_rate=lr)
    span = np.ptp(np.asarray(reference))
    # In float64 the same arithmetic as openTSNE, so the same map.
    exact = TSNE2D(aff.P, init, dtype=torch.float64, spacing_steps=0)
    exact.optimize(40, learning_rate=lr, momentum=0.5, exaggeration=12)
    kl = exact.optimize(40, learning_rate=lr, momentum=0.8)
    assert np.abs(exact.embedding - np.asarray(reference)).max() < 1e-6 * span
    assert kl == pytest.approx(reference.kl_divergence, rel=1e-9)
    # float32 grids round differently, and t-SNE's early expansion amplifies any difference, so
    # the points drift apart, but the fit is as good.
    fast = TSNE2D(aff.P, init)
    fast.optimize(40, learning_rate=lr, momentum=0.5, exaggeration=12)
    assert fast.optimize(40, learning_rate=lr, momentum=0.8) == pytest.approx(reference.kl_divergence, rel=0.01)


def test_optimiser_lowers_the_kl_divergence_and_is_repeatable(affinities) -> None:
    aff, init = affinities
    runs = []
    for _ in range(2):
        layout = TSNE2D(aff.P, init)
        early = layout.optimize(30, learning_rate=200.0, momentum=0.5, exaggeration=12)
        late = layout.optimize(120, learning_rate=200.0, momentum=0.8)
        runs.append(layout.embedding.copy())
    assert late < early
    np.testing.assert_array_equal(runs[0], runs[1])


def test_tsne2d_rejects_other_shapes(affinities) -> None:
    aff, init = affinities
    with pytest.raises(ValueError, match="2-D maps"):
        TSNE2D(aff.P, np.zeros((len(init), 3)))


def test_project_uses_the_fft_layout_for_large_maps(monkeypatch) -> None:
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(size=(150, 20)) + 5 * rng.normal(size=20) for _ in range(6)]).astype(np.float32)
    used = []

    class Spy(TSNE2D):
        def optimize(self, *args, **kwargs):
            used.append(args or kwargs)
            return super().optimize(*args, **kwargs)

    monkeypatch.setattr("explorer.tsne_fft.TSNE2D", Spy)
    monkeypatch.setattr("explorer.projection.methods.TSNE_FFT_MIN_POINTS", 500)
    first = proj.project(X, "tsne", n_iter=200)
    again = proj.project(X, "tsne", n_iter=200)
    assert len(used) == 4  # two phases per map
    assert first.trustworthiness > 0.95
    np.testing.assert_array_equal(first.coords, again.coords)
    # 3-D maps stay on Barnes-Hut.
    assert proj.project(X, "tsne", n_components=3, n_iter=100).coords.shape == (len(X), 3)
    assert len(used) == 4


def test_warm_up_runs() -> None:
    assert proj.warm_up_tsne() >= 0.0
