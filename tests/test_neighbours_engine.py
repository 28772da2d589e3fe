"""explorer.neighbours through the app's k-NN engine: exact for a few words, the engine for all pairs of a large set."""

from __future__ import annotations

import numpy as np

from explorer import knnengine, neighbours
from explorer.linalg import top_k
from explorer.neighbours import nearest_neighbours, search_neighbours
from explorer.vectors import WordVectors


def clustered_set(n: int, dim: int = 16, seed: int = 0) -> WordVectors:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n // 20, dim))
    x = centres[rng.integers(len(centres), size=n)] + 0.35 * rng.normal(size=(n, dim))
    return WordVectors([f"w{i}" for i in range(n)], x.astype(np.float32), name="clustered")


def plain_lists(wv: WordVectors, words: list[str], topn: int) -> dict[str, list[str]]:
    """What the page listed before: one product of the words against the whole set, top_k without the word."""
    units = wv.unit_vectors
    out = {}
    for w in words:
        i = wv.key_to_index[w]
        out[w] = [wv.keys[j] for j in top_k(units @ units[i], topn, exclude=(i,))]
    return out


def test_a_few_words_are_exact_and_in_blocks(monkeypatch) -> None:
    wv = clustered_set(800)
    words = [f"w{i}" for i in range(0, 800, 7)]
    found, how = search_neighbours(wv, words, topn=6)
    assert how.engine == "exact"
    assert {w: [n for n, _ in rows] for w, rows in found.items()} == plain_lists(wv, words, 6)
    monkeypatch.setattr(neighbours, "BLOCK_SCORES", 1000)  # a block of one or two words at a time
    blocked = nearest_neighbours(wv, words, topn=6)
    assert {w: [n for n, _ in rows] for w, rows in blocked.items()} == plain_lists(wv, words, 6)
    # the same cosines, to float32 rounding (a product's last bit depends on its shape)
    assert np.allclose(
        [c for rows in blocked.values() for _, c in rows], [c for rows in found.values() for _, c in rows], atol=1e-6
    )


def test_all_pairs_of_a_large_set_come_from_the_engine_with_its_recall(monkeypatch) -> None:
    wv = clustered_set(2400)
    exact = plain_lists(wv, list(wv.keys), 10)
    monkeypatch.setattr(knnengine, "EXACT_MAX_ROWS", 1000)
    found, how = search_neighbours(wv, wv.keys, topn=10)
    assert how.engine == "ivf" and how.sample == 1000 and 0.95 <= how.recall <= 1.0
    assert len(found) == 2400 and all(len(rows) == 10 and w not in dict(rows) for w, rows in found.items())
    share = np.mean([len(set(exact[w]) & {n for n, _ in found[w]}) / 10 for w in wv.keys])
    assert share >= 0.95 and abs(share - how.recall) < 0.03
    cosines = [c for _, c in found["w5"]]
    assert cosines == sorted(cosines, reverse=True)
    assert abs(cosines[0] - float(wv.unit_vectors[5] @ wv.get_vector(found["w5"][0][0], norm=True))) < 1e-5
    # a few words of the same set stay exact
    few, how_few = search_neighbours(wv, ["w1", "w2"], topn=10)
    assert how_few.engine == "exact" and [n for n, _ in few["w1"]] == exact["w1"]
