"""explorer.knnengine: exact below the size (today's lists), the IVF above it, and its measured recall."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from explorer import knnengine
from explorer.compare.knn import _rerank, cosine_neighbours
from explorer.errors import CompareError
from explorer.knnengine import Search, cosine_knn, measured_recall, rerank
from explorer.linalg import unit_rows


def planted(n: int = 3000, dim: int = 32, per: int = 20, spread: float = 0.35, seed: int = 0) -> np.ndarray:
    """(n, dim) float32 rows around n / per random centres: each row's neighbours are its cluster's."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n // per, dim))
    labels = rng.integers(len(centres), size=n)
    return (centres[labels] + spread * rng.normal(size=(n, dim))).astype(np.float32)


def brute(x: np.ndarray, k: int) -> np.ndarray:
    """Each row's k nearest other rows by float64 cosine (n x n, for small n only)."""
    units = unit_rows(x.astype(np.float64))
    scores = units @ units.T
    np.fill_diagonal(scores, -np.inf)
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def share_found(found: np.ndarray, exact: np.ndarray) -> float:
    return float((found[:, :, None] == exact[:, None, :]).any(axis=2).mean())


def test_exact_below_the_size_gives_todays_lists() -> None:
    x = planted(1500)
    got = cosine_knn(x, 10, exact_max_rows=1500)
    assert got.search == Search("exact", 10)
    assert np.array_equal(got.indices, cosine_neighbours(x, 10))
    # and the default size: a CI-sized set stays exact
    assert len(x) <= knnengine.EXACT_MAX_ROWS
    assert np.array_equal(cosine_knn(x, 5).indices, cosine_neighbours(x, 5))


def test_ivf_finds_the_planted_neighbours_and_measures_its_recall() -> None:
    x = planted(3000)
    exact = brute(x, 10)
    got = cosine_knn(x, 10, exact_max_rows=1000)
    s = got.search
    assert s.engine == "ivf" and s.k == 10
    assert s.cells == knnengine.cell_count(3000) and 1 <= s.probes <= knnengine.MAX_PROBE_SHARE * s.cells
    assert s.sample == knnengine.RECALL_SAMPLE == 1000
    true_recall = share_found(got.indices, exact)
    assert true_recall >= 0.97
    assert abs(s.recall - true_recall) < 0.02, "the sampled recall estimates the recall over all rows"
    assert got.indices.dtype == np.int32 and got.indices.shape == (3000, 10)
    assert not (got.indices == np.arange(3000)[:, None]).any(), "a row is never its own neighbour"


def test_fewer_probes_lose_neighbours_and_the_recall_says_so() -> None:
    x = planted(3000, spread=0.6)
    exact = brute(x, 10)
    one = cosine_knn(x, 10, exact_max_rows=0, probes=1)
    every = cosine_knn(x, 10, exact_max_rows=0, probes=knnengine.cell_count(3000))
    assert one.search.recall < 0.95 and share_found(one.indices, exact) < 0.95
    assert abs(one.search.recall - share_found(one.indices, exact)) < 0.03
    # searching every cell is an exact search: the same lists as the exact engine
    assert every.search.recall == 1.0
    assert np.array_equal(every.indices, cosine_neighbours(x, 10))


def test_vectors_without_clusters_fall_back_to_the_exact_search() -> None:
    x = np.random.default_rng(3).normal(size=(2000, 64)).astype(np.float32)
    got = cosine_knn(x, 10, exact_max_rows=500)
    assert got.search.engine == "exact", "the IVF would have to search most cells: no cheaper than exact"
    assert np.array_equal(got.indices, cosine_neighbours(x, 10))
    capped = cosine_knn(x, 10, exact_max_rows=500, exact_fallback=False)  # a set too large for exact
    assert capped.search.engine == "ivf" and capped.search.probes == int(
        knnengine.MAX_PROBE_SHARE * capped.search.cells
    )
    assert capped.search.recall < 0.99


def test_same_rows_same_lists_and_recall() -> None:
    x = planted(2500, seed=4)
    first = cosine_knn(x, 8, exact_max_rows=100)
    second = cosine_knn(x.copy(), 8, exact_max_rows=100)
    assert first.search == second.search
    assert np.array_equal(first.indices, second.indices)


def test_threaded_rerank_matches_the_exact_paths_rerank() -> None:
    rng = np.random.default_rng(5)
    units = np.ascontiguousarray(unit_rows(rng.normal(size=(700, 24)).astype(np.float32)))
    units[10] = units[11]  # equal cosines: settled by row order, as in the exact path
    candidates = rng.integers(0, 700, size=(700, 12))
    assert np.array_equal(rerank(units, candidates, 10, workers=3), _rerank(units, candidates, 10))


def test_repeated_rows_and_empty_cells_still_give_full_lists() -> None:
    x = np.vstack([np.ones((40, 6)), planted(200, dim=6, per=10)]).astype(np.float32)
    got = cosine_knn(x, 5, exact_max_rows=0, probes=2, sample=50)
    assert (got.indices >= 0).all() and not (got.indices == np.arange(len(x))[:, None]).any()
    assert all(len(set(row)) == 5 for row in got.indices.tolist())


def test_measured_recall_counts_ties_as_found() -> None:
    units = np.ascontiguousarray(unit_rows(np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype=np.float32)))
    rows = np.arange(4)
    # row 0's two nearest are rows 1 and 2 (tied); listing them in either order is right
    assert measured_recall(units, np.array([[2, 1], [2, 0], [1, 0], [0, 1]]), rows) == 1.0
    assert measured_recall(units, np.array([[3, 1], [2, 0], [1, 0], [0, 1]]), rows) == 7 / 8


@pytest.mark.parametrize("k", [0, 3000])
def test_bad_k_is_refused(k: int) -> None:
    with pytest.raises(CompareError, match="k must be between 1 and"):
        cosine_knn(planted(300), k)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(knnengine)
    assert result.failed == 0 and result.attempted > 0
