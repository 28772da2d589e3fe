"""explorer.compare: shared vocabulary, Procrustes alignment, exact neighbour agreement, views."""

from __future__ import annotations

import ast
import csv
import dataclasses
import doctest
import io
import math
import pickle
from pathlib import Path

import numpy as np
import pytest

import explorer.compare
from explorer import knnengine, linalg
from explorer.compare import (
    AlignedRows,
    agreement_csv,
    aligned_csv,
    aligned_rows,
    benchmark_table,
    compare,
    core,
    cosine_neighbours,
    knn,
    neighbour_overlap,
    shared_vocabulary,
    side_by_side,
    views,
)
from explorer.errors import CompareError, ExplorerError
from explorer.knnengine import Search
from explorer.vectors import WordVectors

ROOT = Path(__file__).resolve().parent.parent


def rotation_matrix(dim: int, seed: int) -> np.ndarray:
    """A random (dim, dim) orthogonal matrix (QR of a Gaussian one, signs fixed)."""
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


def words_of(n: int) -> list[str]:
    return [f"w{i:05d}" for i in range(n)]


def pair(n: int = 400, dim: int = 20, noise: float = 0.0, seed: int = 0, counts: bool = False):
    """A set a, and b = a @ R + noise (R a known rotation); returns (a, b, R)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim))
    rot = rotation_matrix(dim, seed + 1)
    y = x @ rot + noise * rng.normal(size=x.shape)
    c = rng.integers(1, 1000, size=n) if counts else None
    return WordVectors(words_of(n), x, counts=c, name="A"), WordVectors(words_of(n), y, counts=c, name="B"), rot


def brute_neighbours(x: np.ndarray, k: int) -> np.ndarray:
    units = linalg.unit_rows(np.asarray(x, dtype=np.float32))
    scores = units.astype(np.float64) @ units.T.astype(np.float64)
    np.fill_diagonal(scores, -np.inf)
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


# ----- exact neighbours ------------------------------------------------------------------------------
@pytest.mark.parametrize("block", [1, 7, 64, 333, 5000])
def test_blocked_neighbours_match_brute_force(block: int) -> None:
    x = np.random.default_rng(3).normal(size=(700, 16)).astype(np.float32)
    got = cosine_neighbours(x, 10, block=block)
    assert got.shape == (700, 10) and got.dtype == np.int32
    np.testing.assert_array_equal(got, brute_neighbours(x, 10))
    assert not (got == np.arange(700)[:, None]).any()  # never one's own neighbour


def test_torch_strip_path_matches_blocked_path() -> None:
    import torch

    x = np.random.default_rng(4).normal(size=(500, 12)).astype(np.float32)
    units = np.ascontiguousarray(linalg.unit_rows(x))
    candidates = knn._neighbours_torch(units, 8 + knn.EXTRA, torch.device("cpu"))
    np.testing.assert_array_equal(knn._rerank(units, candidates, 8), cosine_neighbours(x, 8))


def test_equal_scores_come_in_row_order_whatever_the_blocks() -> None:
    # Four copies of each vector: the three copies tie at cosine 1 and must be listed in row order.
    x = np.repeat(np.random.default_rng(5).normal(size=(40, 6)).astype(np.float32), 4, axis=0)
    results = [cosine_neighbours(x, 5, block=b) for b in (1, 3, 16, 1000)]
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
    assert results[0][0, :3].tolist() == [1, 2, 3] and results[0][5, :3].tolist() == [4, 6, 7]


def test_neighbours_reject_bad_k() -> None:
    x = np.eye(3, dtype=np.float32)
    for k in (0, 3):
        with pytest.raises(CompareError, match="between 1 and 2"):
            cosine_neighbours(x, k)


def test_neighbour_overlap_counts_common_entries() -> None:
    got = neighbour_overlap(np.array([[1, 2, 3], [0, 2, 3]]), np.array([[3, 2, 1], [4, 5, 0]]))
    assert got.tolist() == [1.0, pytest.approx(1 / 3)]


# ----- the k-NN engine behind the overlap ---------------------------------------------------------------
def clustered_pair(n: int = 3000, dim: int = 24, noise: float = 0.1, seed: int = 0):
    """a: n words around n / 20 centres; b: a rotated, with noise and 2% of its words moved to other centres."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n // 20, dim))
    x = centres[rng.integers(len(centres), size=n)] + 0.4 * rng.normal(size=(n, dim))
    y = x @ rotation_matrix(dim, seed + 1) + noise * rng.normal(size=x.shape)
    moved = rng.choice(n, size=n // 50, replace=False)
    y[moved] = (centres[rng.integers(len(centres), size=len(moved))] + 0.4 * rng.normal(size=(len(moved), dim))) @ (
        rotation_matrix(dim, seed + 1)
    )
    return WordVectors(words_of(n), x, name="A"), WordVectors(words_of(n), y, name="B")


def test_below_the_exact_size_the_neighbours_are_exact_and_recorded_so() -> None:
    a, b = clustered_pair(1200)
    c = compare(a, b, k=7)
    assert c.search_a == c.search_b == Search("exact", 7)
    np.testing.assert_array_equal(c.neighbours_a, cosine_neighbours(a.vectors, 7))
    np.testing.assert_array_equal(c.neighbours_b, cosine_neighbours(b.vectors, 7))


def test_above_the_exact_size_the_comparison_records_the_ivf_and_its_recall(monkeypatch) -> None:
    a, b = clustered_pair(3000)
    exact = compare(a, b, k=10)
    monkeypatch.setattr(knnengine, "EXACT_MAX_ROWS", 1000)
    fast = compare(a, b, k=10)
    for search, wv, exact_lists in ((fast.search_a, a, exact.neighbours_a), (fast.search_b, b, exact.neighbours_b)):
        assert search.engine == "ivf" and search.k == 10 and search.sample == 1000
        found = (fast.neighbours_a if wv is a else fast.neighbours_b)[:, :, None] == exact_lists[:, None, :]
        assert 0.95 <= search.recall <= 1.0
        assert abs(search.recall - found.any(axis=2).mean()) < 0.02, "the recorded recall is the recall"
    assert abs(fast.overlap.mean() - exact.overlap.mean()) <= 0.02
    assert fast.summary()["shared"] == 3000 and fast.residual == pytest.approx(exact.residual)
    # the planted changes still lead the ranking
    assert len(set(fast.most_changed(60)) & set(exact.most_changed(60))) >= 50
    assert pickle.loads(pickle.dumps(fast)).search_a == fast.search_a


# ----- alignment -------------------------------------------------------------------------------------
def test_procrustes_recovers_a_known_rotation() -> None:
    a, b, rot = pair(n=600, dim=20, noise=0.01)
    c = compare(a, b)
    # b's prepared rows are a's times rot, so the rotation that maps them back is rot^T.
    assert c.rotation is not None and c.rotation.shape == (20, 20)
    np.testing.assert_allclose(c.rotation @ c.rotation.T, np.eye(20), atol=1e-10)
    np.testing.assert_allclose(c.rotation, rot.T, atol=0.02)
    assert 0 <= c.residual < 0.02
    assert c.cosine.min() > 0.99


def test_identical_sets_agree_everywhere() -> None:
    a, _, _ = pair(n=300, dim=16)
    b = WordVectors(a.keys, a.vectors, name="copy")
    c = compare(a, b)
    assert c.overlap.tolist() == [1.0] * 300
    assert c.residual < 1e-5
    np.testing.assert_allclose(c.cosine, 1.0, atol=1e-5)
    np.testing.assert_allclose(c.rotation, np.eye(16), atol=1e-4)
    np.testing.assert_array_equal(c.neighbours_a, c.neighbours_b)


def test_agreement_falls_as_noise_grows() -> None:
    results = [compare(*pair(n=500, dim=20, noise=noise, seed=7)[:2]) for noise in (0.0, 0.1, 0.3, 1.0, 3.0)]
    overlaps = [float(c.overlap.mean()) for c in results]
    cosines = [float(c.cosine.mean()) for c in results]
    residuals = [c.residual for c in results]
    assert overlaps[0] == 1.0
    assert all(x > y for x, y in zip(overlaps, overlaps[1:], strict=False)), overlaps
    assert all(x > y for x, y in zip(cosines, cosines[1:], strict=False)), cosines
    assert all(x < y for x, y in zip(residuals, residuals[1:], strict=False)), residuals
    assert overlaps[-1] < 0.3


def test_unrelated_spaces_have_a_residual_near_sqrt2() -> None:
    rng = np.random.default_rng(11)
    words = words_of(2000)
    c = compare(WordVectors(words, rng.normal(size=(2000, 10))), WordVectors(words, rng.normal(size=(2000, 10))))
    assert 1.3 < c.residual <= math.sqrt(2) + 1e-9
    assert abs(float(c.cosine.mean())) < 0.1


def test_alignment_is_over_centred_unit_rows() -> None:
    # Scaling words and shifting the whole space changes neither the alignment nor the agreement.
    a, b, _ = pair(n=300, dim=12, noise=0.0)
    scales = np.random.default_rng(2).uniform(0.5, 3.0, size=(300, 1))
    shifted = WordVectors(b.keys, b.vectors * scales, name="scaled")
    c0, c1 = compare(a, b), compare(a, shifted)
    np.testing.assert_allclose(c1.rotation, c0.rotation, atol=1e-5)
    np.testing.assert_allclose(c1.cosine, c0.cosine, atol=1e-5)
    np.testing.assert_array_equal(c1.overlap, c0.overlap)


# ----- ranking ---------------------------------------------------------------------------------------
def test_ranking_puts_planted_changed_words_first() -> None:
    a, b, _ = pair(n=800, dim=24, noise=0.05, seed=21)
    rng = np.random.default_rng(22)
    planted = rng.choice(800, size=12, replace=False)
    y = np.array(b.vectors)
    y[planted] = rng.normal(size=(12, 24)) * 5  # these words move somewhere else entirely
    b = WordVectors(b.keys, y, name="B")
    c = compare(a, b)
    expected = {a.keys[i] for i in planted}
    assert set(c.most_changed(12)) == expected
    assert set(c.most_changed(12, by="cosine")) == expected
    assert not expected & set(c.most_stable(800 - 12))
    assert c.most_stable(800)[-12:] and set(c.most_stable(800)[-12:]) == expected
    assert c.table(3)[0]["rank"] == 1 and c.table(3)[0]["word"] in expected


def test_ties_are_broken_by_word_order() -> None:
    # Identical sets: the same neighbours, the same cosines; every word ties.
    a, _, _ = pair(n=50, dim=6)
    c = compare(a, a, k=5)
    assert c.overlap.tolist() == [1.0] * 50
    assert c.most_changed(7) == a.keys[:7]
    assert c.most_stable(7) == a.keys[:7]


def test_frequency_filter_uses_both_sets_counts() -> None:
    a, b, _ = pair(n=200, dim=10, noise=0.5, counts=True)
    counts_b = np.array(b.counts)
    counts_b[:100] = 1  # rare in b only
    b = WordVectors(b.keys, b.vectors, counts=counts_b, name="B")
    c = compare(a, b)
    assert c.has_counts
    kept = c.most_changed(200, min_count=5)
    assert kept and all(min(a.counts[a.key_to_index[w]], counts_b[b.key_to_index[w]]) >= 5 for w in kept)
    assert not set(kept) & set(a.keys[:100])
    assert set(c.most_changed(200)) == set(a.keys)
    table = c.table(min_count=5)
    assert {"count_a", "count_b"} <= set(table[0])


def test_frequency_filter_needs_counts() -> None:
    a, b, _ = pair(n=50, dim=5)
    c = compare(a, b)
    assert not c.has_counts
    with pytest.raises(CompareError, match="counts in both sets"):
        c.most_changed(5, min_count=3)
    with pytest.raises(CompareError, match="Unknown order"):
        c.most_changed(5, by="frequency")


# ----- vocabulary, edge cases and messages -------------------------------------------------------------
def test_shared_vocabulary_follows_a_and_counts_the_rest() -> None:
    rng = np.random.default_rng(0)
    a = WordVectors(["x", "y", "z", "only_a"], rng.normal(size=(4, 3)), name="A")
    b = WordVectors(["only_b1", "z", "x", "y", "only_b2"], rng.normal(size=(5, 3)), name="B")
    words, ia, ib = shared_vocabulary(a, b)
    assert words == ("x", "y", "z") and ia.tolist() == [0, 1, 2] and ib.tolist() == [2, 3, 1]
    c = compare(a, b)
    assert c.words == words and c.only_a == 1 and c.only_b == 2 and len(c) == 3 and "z" in c


def test_word_order_of_b_does_not_matter() -> None:
    a, _, _ = pair(n=200, dim=8)
    order = np.random.default_rng(1).permutation(200)
    b = WordVectors([a.keys[i] for i in order], a.vectors[order], name="shuffled")
    c = compare(a, b)
    assert c.words == a.keys and c.overlap.tolist() == [1.0] * 200


def test_result_is_frozen_and_read_only() -> None:
    c = compare(*pair(n=60, dim=5)[:2])
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.residual = 0.0  # type: ignore[misc]
    for arr in (c.overlap, c.cosine, c.rotation, c.neighbours_a, c.neighbours_b, c.rows_a, c.mean_a):
        assert not arr.flags.writeable
    with pytest.raises(ValueError):
        c.overlap[0] = 0.5
    assert isinstance(c.words, tuple) and c.k == 10
    summary = c.summary()
    assert summary["shared"] == 60 and summary["aligned"] and summary["residual"] == c.residual


def test_result_survives_pickling() -> None:
    import pickle

    c = compare(*pair(n=60, dim=5)[:2])
    back = pickle.loads(pickle.dumps(c))
    assert back.words == c.words and back.most_changed(5) == c.most_changed(5) and "w00001" in back
    np.testing.assert_array_equal(back.overlap, c.overlap)


def test_same_input_same_result() -> None:
    a, b, _ = pair(n=300, dim=10, noise=0.4)
    c1, c2 = compare(a, b), compare(a, b)
    np.testing.assert_array_equal(c1.overlap, c2.overlap)
    np.testing.assert_array_equal(c1.cosine, c2.cosine)
    assert c1.most_changed(50) == c2.most_changed(50) and c1.residual == c2.residual


def test_different_dimensions_are_aligned_approximately_and_say_so() -> None:
    a, _, _ = pair(n=100, dim=8)
    wider = WordVectors(a.keys, np.hstack([a.vectors, np.zeros((100, 4), np.float32)]), name="wider")
    c = compare(a, wider)
    # zero columns change no cosine: B is A in a wider space, so the fit is exact
    assert c.rotation.shape == (12, 8) and c.aligned and c.residual < 1e-5
    assert np.allclose(c.cosine, 1.0, atol=1e-5)
    assert np.allclose(c.rotation.T @ c.rotation, np.eye(8), atol=1e-8), "orthonormal columns"
    assert c.overlap.tolist() == [1.0] * 100
    assert any("8 dimensions" in n and "12" in n and "approximate" in n for n in c.notes)
    assert aligned_rows(c).stacked().shape == (200, 8)
    narrower = compare(wider, a)
    assert narrower.rotation.shape == (8, 12) and narrower.residual < 1e-5
    assert "rank,word,overlap,cosine" in agreement_csv(c) and ",1,1\n" in agreement_csv(c)


def test_two_shared_words_work_with_notes() -> None:
    rng = np.random.default_rng(0)
    a = WordVectors(["p", "q", "r"], rng.normal(size=(3, 4)), name="A")
    b = WordVectors(["q", "p", "s"], rng.normal(size=(3, 4)), name="B")
    c = compare(a, b)
    assert c.words == ("p", "q") and c.k == 1 and c.overlap.tolist() == [1.0, 1.0]
    text = " ".join(c.notes)
    assert "only 2 words" in text and "k lowered from 10 to 1" in text and "no more words than dimensions" in text


@pytest.mark.parametrize(
    ("keys_b", "match"),
    [
        (["The", "Cat"], "Ignoring letter case they share 2"),
        (["dog", "bird"], "share no words"),
        (["the", "bird"], "share only 'the'"),
    ],
)
def test_too_few_shared_words_raise_a_clear_error(keys_b: list[str], match: str) -> None:
    a = WordVectors(["the", "cat", "sat"], np.eye(3), name="A")
    b = WordVectors(keys_b, np.eye(2, 3), name="B")
    with pytest.raises(CompareError, match=match) as info:
        compare(a, b)
    assert isinstance(info.value, ExplorerError) and "at least 2 words" in str(info.value)


def test_empty_set_raises() -> None:
    empty = WordVectors([], np.zeros((0, 3)), name="nothing")
    full = WordVectors(["a", "b"], np.eye(2, 3), name="full")
    with pytest.raises(CompareError, match="Set A \\('nothing'\\) has no words"):
        compare(empty, full)
    with pytest.raises(CompareError, match="Set B \\('nothing'\\) has no words"):
        compare(full, empty)


@pytest.mark.parametrize("k", [0, -3, 2.5, True, "10"])
def test_bad_k_raises(k: object) -> None:
    a, b, _ = pair(n=20, dim=3)
    with pytest.raises(CompareError, match="k \\(neighbours per word\\)"):
        compare(a, b, k=k)  # type: ignore[arg-type]


def test_nan_rows_raise() -> None:
    a, b, _ = pair(n=20, dim=3)
    y = np.array(b.vectors)
    y[4, 1] = np.nan
    with pytest.raises(CompareError, match="NaN or infinite values in 1 shared word \\('w00004'\\)"):
        compare(a, WordVectors(b.keys, y, name="B"))


def test_zero_rows_do_not_break_the_comparison() -> None:
    a, b, _ = pair(n=50, dim=6)
    y = np.array(b.vectors)
    y[3] = 0.0
    c = compare(a, WordVectors(b.keys, y, name="B"))
    assert np.isfinite(c.overlap).all() and np.isfinite(c.residual)
    assert c.most_changed(1) == ("w00003",)


# ----- views -----------------------------------------------------------------------------------------
def test_side_by_side_matches_the_overlap() -> None:
    a, b, _ = pair(n=300, dim=10, noise=0.5)
    c = compare(a, b)
    for word in ("w00000", "w00123", "w00299"):
        rows = side_by_side(c, word)
        assert [r["rank"] for r in rows] == list(range(1, 11))
        shared = sum(bool(r["a_in_b"]) for r in rows)
        assert shared == sum(bool(r["b_in_a"]) for r in rows)
        assert shared / 10 == pytest.approx(c.overlap[c.position(word)])
        cos_a = [r["a_cosine"] for r in rows]
        assert cos_a == sorted(cos_a, reverse=True) and word not in {r["a_word"] for r in rows}


def test_side_by_side_for_a_pair_of_sets_and_other_k() -> None:
    a, b, _ = pair(n=200, dim=10, noise=0.5)
    c = compare(a, b)
    from_pair = side_by_side((a, b), "w00010")
    assert [(r["a_word"], r["b_word"]) for r in from_pair] == [
        (r["a_word"], r["b_word"]) for r in side_by_side(c, "w00010")
    ]
    three = side_by_side(c, "w00010", k=3)
    assert [r["a_word"] for r in three] == [r["a_word"] for r in from_pair[:3]]
    assert len(side_by_side((a, b), "w00010", k=500)) == 199


def test_side_by_side_unknown_words() -> None:
    a = WordVectors(["cat", "dog", "car"], np.eye(3), name="A")
    b = WordVectors(["cat", "dog", "bus"], np.eye(3), name="B")
    c = compare(a, b)
    with pytest.raises(CompareError, match="'car' is in 'A' but not in 'B'"):
        side_by_side(c, "car")
    with pytest.raises(CompareError, match="'bus' is in 'B' but not in 'A'"):
        side_by_side((a, b), "bus")
    with pytest.raises(CompareError, match="not in 'B' either"):
        side_by_side(c, "cta")
    with pytest.raises(CompareError, match="whole number"):
        side_by_side(c, "cat", k=0)


def test_aligned_rows_coincide_for_a_rotated_copy() -> None:
    a, b, _ = pair(n=400, dim=16, noise=0.0)
    c = compare(a, b)
    rows = aligned_rows(c, ["w00005", "w00100", "w00005"])
    assert isinstance(rows, AlignedRows) and rows.words == ("w00005", "w00100")
    np.testing.assert_allclose(rows.a, rows.b, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(rows.a, axis=1), 1.0, atol=1e-6)
    assert rows.stacked().shape == (4, 16)
    assert rows.labels() == (("w00005", "w00100") * 2, ("A", "A", "B", "B"))
    all_rows = aligned_rows(c)
    np.testing.assert_allclose(all_rows.shifts(), c.cosine, atol=1e-6)
    assert all_rows.pca(2).shape == (800, 2) and all_rows.pca(3).shape == (800, 3)
    with pytest.raises(CompareError, match="2 or 3"):
        all_rows.pca(4)
    with pytest.raises(CompareError, match="not in 'B' either"):
        aligned_rows(c, ["w00005", "nope"])


def test_agreement_csv_round_trips() -> None:
    a, b, _ = pair(n=120, dim=8, noise=0.5, counts=True)
    c = compare(a, b)
    rows = list(csv.DictReader(io.StringIO(agreement_csv(c))))
    assert len(rows) == 120 and list(rows[0]) == ["rank", "word", "overlap", "cosine", "count_a", "count_b"]
    assert [r["word"] for r in rows[:5]] == list(c.most_changed(5))
    first = c.position(rows[0]["word"])
    assert float(rows[0]["overlap"]) == pytest.approx(c.overlap[first])
    assert float(rows[0]["cosine"]) == pytest.approx(c.cosine[first], abs=1e-5)
    stable = list(csv.DictReader(io.StringIO(agreement_csv(c, changed=False, min_count=500))))
    assert [r["word"] for r in stable] == list(c.most_stable(120, min_count=500))


def test_aligned_csv_with_and_without_coordinates() -> None:
    c = compare(*pair(n=60, dim=4, noise=0.1)[:2])
    rows = aligned_rows(c, ["w00001", "w00002"])
    full = list(csv.reader(io.StringIO(aligned_csv(rows))))
    assert full[0] == ["word", "set", "dim_0", "dim_1", "dim_2", "dim_3"] and len(full) == 5
    assert full[1][:2] == ["w00001", "A"] and full[3][:2] == ["w00001", "B"]
    assert float(full[1][2]) == pytest.approx(float(rows.a[0, 0]), abs=1e-5)
    xyz = list(csv.reader(io.StringIO(aligned_csv(rows, rows.pca(3)))))
    assert xyz[0] == ["word", "set", "x", "y", "z"]
    with pytest.raises(CompareError, match="one row per stacked row"):
        aligned_csv(rows, np.zeros((3, 2)))


ANALOGIES = b": royal\nman woman king queen\nman woman boy girl\n: missing\nfoo bar baz qux\n"
PAIRS = b"king\tqueen\t8\nman\twoman\t8\nking\tapple\t1\nboy\tapple\t2\nqueen\tgirl\t5\n"


def royal_sets() -> tuple[WordVectors, WordVectors]:
    words = ["man", "woman", "king", "queen", "boy", "girl", "apple"]
    x = np.array(
        [[1, 0, 1, 0], [0, 1, 1, 0], [1, 0, 3, 0], [0, 1, 3, 0], [1, 0, 0.5, 0], [0, 1, 0.5, 0], [0, 0, 0, 1]],
        dtype=np.float32,
    )
    scrambled = x[[0, 1, 2, 6, 4, 3, 5]]  # queen, girl and apple swapped around in B
    return WordVectors(words, x, name="A"), WordVectors(words, scrambled, name="B")


def test_benchmark_table_scores_both_sets_with_the_evaluation_functions() -> None:
    from explorer import evaluation

    a, b = royal_sets()
    rows = benchmark_table(
        a, b, analogies={"royal": ANALOGIES}, word_pairs={"pairs": io.BytesIO(PAIRS)}, methods=("3cosadd", "3cosmul")
    )
    assert [(r["benchmark"], r["metric"]) for r in rows] == [
        ("royal", "accuracy (3CosAdd)"),
        ("royal", "accuracy (3CosMul)"),
        ("pairs", "Spearman ρ"),
    ]
    assert rows[0]["a"] == evaluation.evaluate_analogies(a, ANALOGIES).accuracy == 1.0
    assert rows[0]["b"] == evaluation.evaluate_analogies(b, ANALOGIES).accuracy < 1.0
    assert rows[0]["a_used"] == "2 of 3 questions"
    assert rows[2]["a"] == pytest.approx(evaluation.evaluate_word_pairs(a, PAIRS).spearman)
    assert rows[2]["b"] == pytest.approx(evaluation.evaluate_word_pairs(b, PAIRS).spearman)  # the upload read once
    assert rows[2]["a_used"] == "5 of 5 pairs" and rows[2]["note"] == ""


def test_benchmark_table_reports_what_cannot_be_scored() -> None:
    a, b = royal_sets()
    other = WordVectors(["foo", "bar", "man", "woman"], np.eye(4), name="other")
    rows = benchmark_table(a, other, analogies={"royal": ANALOGIES}, word_pairs={"pairs": PAIRS})
    assert not math.isnan(rows[0]["a"]) and math.isnan(rows[0]["b"]) and rows[0]["note"].startswith("B: ")
    assert math.isnan(rows[1]["b"]) and "B: " in rows[1]["note"]
    shared = benchmark_table(a, b, word_pairs={"pairs": PAIRS}, shared_only=True)
    assert shared[0]["a_used"] == "5 of 5 pairs"
    too_big = benchmark_table(a, b, word_pairs={"pairs": io.BytesIO(PAIRS)}, max_bytes=10)
    assert math.isnan(too_big[0]["a"]) and "limit" in too_big[0]["note"]


# ----- house rules -----------------------------------------------------------------------------------
@pytest.mark.parametrize("module", [explorer.compare, core, knn, views, linalg])
def test_docstring_examples_run(module) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_linalg_stays_a_leaf() -> None:
    tree = ast.parse((ROOT / "explorer" / "linalg.py").read_text(encoding="utf-8"))
    roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    roots |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert roots <= {"__future__", "collections", "numpy"}


def test_compare_imports_no_streamlit() -> None:
    for path in (ROOT / "explorer" / "compare").glob("*.py"):
        assert "streamlit" not in path.read_text(encoding="utf-8"), path.name
