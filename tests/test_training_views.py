"""Window pairs, co-occurrence, PPMI, the stable word map, teaching tables and the Train charts."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from explorer.charts import train as charts
from explorer.corpus import Corpus
from explorer.training import teaching
from explorer.training.pairs import cooccurrence, ppmi, sentence_pairs, window_pairs
from explorer.training.params import PARAMS, page_config
from explorer.vectors import WordVectors


def brute_pairs(sentence: np.ndarray, window: int, reduced: np.ndarray | None) -> set[tuple[int, int]]:
    out = set()
    for i, j in itertools.permutations(range(len(sentence)), 2):
        b = window if reduced is None else reduced[i]
        if sentence[i] == sentence[j] and abs(i - j) <= min(b, window):
            out.add((i, j))
    return out


@pytest.mark.parametrize("dynamic", [False, True])
def test_window_pairs_match_a_brute_force_count(dynamic: bool) -> None:
    rng = np.random.default_rng(0)
    sentence = np.sort(rng.integers(0, 6, size=40))
    reduced = rng.integers(1, 4, size=40) if dynamic else None
    c, x, d = window_pairs(sentence, 3, reduced)
    got = list(zip(c.tolist(), x.tolist(), strict=True))
    assert len(got) == len(set(got))
    assert set(got) == brute_pairs(sentence, 3, reduced)
    assert np.array_equal(d, np.abs(c - x))


def test_window_pairs_of_a_one_token_stream_is_empty() -> None:
    c, x, d = window_pairs(np.array([0]), 5)
    assert len(c) == len(x) == len(d) == 0


def test_sentence_pairs_and_table_rows() -> None:
    pairs = sentence_pairs(["my", "card", "was", "charged"], window=2)
    assert ("card", "charged", 2) in pairs and ("my", "charged", 3) not in pairs
    assert len(pairs) == 2 * (3 + 2)  # each distance-1 and distance-2 neighbour, both directions
    rows = teaching.window_pair_rows(["a", "b"], 5)
    assert rows == [{"center": "a", "context": "b", "distance": 1}, {"center": "b", "context": "a", "distance": 1}]


def test_cooccurrence_is_symmetric_and_harmonic_weights_shrink_with_distance() -> None:
    ids = np.array([0, 1, 2, 0, 1])
    sentence = np.zeros(5, dtype=np.int64)
    uniform = cooccurrence(ids, sentence, 2, 3).toarray()
    harmonic = cooccurrence(ids, sentence, 2, 3, weighting="harmonic").toarray()
    assert np.allclose(uniform, uniform.T) and np.allclose(harmonic, harmonic.T)
    assert uniform[0, 1] == 3  # (0,1) at distance 1 twice... and once at distance 2
    assert harmonic[0, 1] == pytest.approx(1 + 1 + 0.5)


def test_ppmi_matches_the_formula_and_is_non_negative() -> None:
    counts = np.array([[0, 4, 1], [4, 0, 2], [1, 2, 0]], dtype=float)
    for cds in (1.0, 0.75):
        got = ppmi(counts, cds).toarray()
        total = counts.sum()
        pc = counts.sum(0) ** cds / (counts.sum(0) ** cds).sum()
        expected = np.zeros_like(counts)
        for i, j in zip(*np.nonzero(counts), strict=True):
            expected[i, j] = max(0.0, np.log(counts[i, j] / total / (counts[i].sum() / total * pc[j])))
        assert np.allclose(got, expected)
        assert (got >= 0).all()
    assert ppmi(np.zeros((2, 2))).nnz == 0


def _random_set(seed: int = 0, n: int = 30, dim: int = 8) -> WordVectors:
    rng = np.random.default_rng(seed)
    return WordVectors([f"w{i}" for i in range(n)], rng.normal(size=(n, dim)).astype(np.float32))


def test_map_is_stable_under_a_rotation_of_the_vectors() -> None:
    wv = _random_set()
    words = list(wv.keys)
    first = teaching.map_coordinates(wv, words)
    assert first.shape == (30, 2)
    assert np.sqrt((first**2).sum(1).mean()) == pytest.approx(1.0)
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(8, 8)))
    rotated = WordVectors(wv.keys, wv.vectors @ q.astype(np.float32))
    previous = {w: first[i] for i, w in enumerate(words)}
    second = teaching.map_coordinates(rotated, words, previous)
    assert np.allclose(first, second, atol=1e-4)  # same geometry, same picture


def test_map_words_adds_pins_and_handles_tiny_inputs() -> None:
    wv = _random_set()
    assert teaching.map_words(wv, 3, ["w10", "w1", "nope"]) == ["w0", "w1", "w2", "w10"]
    assert teaching.map_coordinates(wv, []).shape == (0, 2)
    assert teaching.map_coordinates(wv, ["w0"]).shape == (1, 2)


def test_neighbour_rows_explain_unknown_words() -> None:
    wv = _random_set()
    rows = teaching.neighbour_rows(wv, ["w0", "zzz"], topn=3)
    assert rows[0]["word"] == "w0" and rows[0]["nearest words (cosine)"].count("(") == 3
    assert "not in the vocabulary" in rows[1]["nearest words (cosine)"]


def test_cooccurrence_view_for_a_handful_of_words() -> None:
    corpus = Corpus.from_texts(["my card was charged twice", "the card was declined", "my phone will not charge"] * 5)
    view = teaching.cooccurrence_view(corpus, ["card", "charged", "phone", "unicorn"], window=2)
    assert view.words == ("card", "charged", "phone") and view.missing == ("unicorn",)
    assert view.counts.shape == view.ppmi.shape == (3, 3)
    assert np.allclose(view.counts, view.counts.T)
    assert view.counts[0, 1] > 0 and view.counts[0, 2] == 0  # card meets charged, never phone
    assert (view.ppmi >= 0).all()


def test_ngram_view_without_and_with_a_subword_model() -> None:
    from explorer.training.subword import SubwordVectors

    bare = teaching.ngram_view("ship", 3, 4, 100)
    assert bare.vector is None and bare.ngrams[0] == ("<sh", bare.ngrams[0][1])
    assert all(0 <= r < 100 for _, r in bare.ngrams)
    sv = SubwordVectors(["ship"], np.ones((1, 4)), ngram_vectors=np.full((100, 4), 2.0), min_n=3, max_n=4)
    known, unseen = teaching.ngram_view("ship", 3, 4, 100, sv), teaching.ngram_view("reship", 3, 4, 100, sv)
    assert known.in_vocabulary and np.allclose(known.vector, 1.0)
    assert not unseen.in_vocabulary and np.allclose(unseen.vector, 2.0)


def test_page_config_builds_a_trainer_for_every_method() -> None:
    from explorer.training import make_trainer

    rng = random.Random(0)
    words = "refund invoice card parcel courier battery screen charger the my".split()
    corpus = Corpus.from_texts([" ".join(rng.choices(words, k=9)) for _ in range(400)])
    for method, specs in PARAMS.items():
        assert len({p.name for p in specs}) == len(specs)
        assert all(p.lo <= p.default <= p.hi and p.help for p in specs)
        cfg = page_config(method, {"vector_size": 8}, corpus.token_count)
        trainer = make_trainer(method, corpus, device="cpu", **cfg)
        assert trainer.step(1)


def test_charts_have_data() -> None:
    fig = charts.loss_figure([1, 2, 3], [3.0, 2.0, 1.0], x_title="words trained")
    assert len(fig.data) == 2 and list(fig.data[1].y) == pytest.approx([3.0, 2.0, 1.0])
    xy = np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 0.5]])
    fig = charts.word_map_figure(["a", "b", "c"], xy, pinned=["c"], extent=2.0)
    assert [len(t.x) for t in fig.data] == [2, 1] and fig.layout.xaxis.range == (-2.0, 2.0)
    assert charts.loss_figure([1], [2.0], y_title="loss per pair").layout.yaxis.title.text == "loss per pair"
    fig = charts.matrix_figure(np.eye(2), ["a", "b"], "counts")
    assert fig.data[0].text[0][0] == "1"
    assert charts.vector_strip_figure(np.arange(4) - 2.0, "v").data[0].zmax == 2.0
    assert charts.running_mean([]).shape == (0,)


def test_glove_adagrad_dense_and_sparse_paths_agree() -> None:
    import torch

    from explorer.training.glove import _adagrad

    gen = torch.Generator().manual_seed(0)
    param = torch.randn(50, 4, generator=gen)
    index = torch.tensor([3, 7, 3, 9])  # few rows: the unique-rows path
    grad = torch.randn(4, 4, generator=gen)
    dense_p, dense_sq = param.clone(), torch.ones(50, 4)
    sparse_p, sparse_sq = param.clone(), torch.ones(50, 4)
    _adagrad(sparse_p, sparse_sq, index, grad, 0.1)
    many = torch.cat([index, torch.full((30,), 0)])  # many rows: the whole-table path
    _adagrad(dense_p, dense_sq, many, torch.cat([grad, torch.zeros(30, 4)]), 0.1)
    assert torch.allclose(dense_p, sparse_p) and torch.allclose(dense_sq, sparse_sq)
    moved = (sparse_p - param).abs()
    # row 3 is met twice: |g1 + g2| / sqrt(1 + g1^2 + g2^2) <= sqrt(2), so it moves at most sqrt(2) lr
    assert moved[3].max() <= 0.1 * 2**0.5 + 1e-6 and moved[7].max() <= 0.1 + 1e-6 and moved[0].max() == 0


def test_word_map_labels_only_the_top_words_and_the_pins() -> None:
    words = [f"w{i}" for i in range(50)]
    xy = np.stack([np.linspace(-1, 1, 50), np.zeros(50)], axis=1)
    xy[::2, 1] = np.linspace(-1, 1, 25)  # spread out: every label has room
    fig = charts.word_map_figure(words, xy * 100, pinned=["w40"], label_top=25)
    by_name = {t.name: t for t in fig.data}
    labelled = [a.text for a in fig.layout.annotations]
    assert "w40" in labelled and set(labelled) <= set(words[:25] + ["w40"])
    hover_only = by_name["more words (hover)"]
    assert hover_only.mode == "markers" and "w49" in hover_only.text  # still named on hover
    assert sum(len(t.x) for t in fig.data) == 50  # every word is drawn once


def test_word_map_labels_close_words_apart_with_leader_lines() -> None:
    xy = np.array([[0.0, 0.0], [0.001, 0.0], [0.0, 0.001], [1.0, 1.0]])
    fig = charts.word_map_figure(["king", "queen", "prince", "paris"], xy, pinned=["prince"], extent=1.5)
    spots = {a.text: a for a in fig.layout.annotations}
    assert set(spots) == {"king", "queen", "prince", "paris"}  # room for all four: none is dropped
    assert spots["prince"].font.color != spots["king"].font.color  # the pin keeps its colour
    assert {(a.ax, a.ay) for a in spots.values() if a.x == 0.0 and a.y == 0.0} != set()  # placed around the point
    offsets = {(a.x + a.ax / 1000, a.y - a.ay / 1000) for a in spots.values()}
    assert len(offsets) == 4  # four different spots, not one on top of another
    assert teaching.map_extent(xy) == 1.25 and teaching.map_extent(np.zeros((0, 2))) == 1.0


def test_map_words_leave_out_stopwords_unless_pinned_or_needed() -> None:
    keys = ["the", "of", "king", "and", "queen", "paris", "france"]
    wv = WordVectors(keys, np.eye(len(keys), dtype=np.float32))
    assert teaching.map_words(wv, 3) == ["king", "queen", "paris"]
    assert teaching.map_words(wv, 3, ["of"]) == ["king", "queen", "paris", "of"]
    assert teaching.map_words(wv, 5) == ["king", "queen", "paris", "france", "the"]  # filled by frequency
    assert teaching.map_words(wv, 2, skip_stopwords=False) == ["the", "of"]


def test_suggested_words_fit_the_corpus() -> None:
    words = ["the", "king", "queen", "paris", "france", "charge"]
    assert teaching.suggested_words(words, "builtin:analogy_world") == ["king", "queen", "paris", "france"]
    assert teaching.suggested_words(words, "builtin:support_tickets") == ["charge"]
    assert teaching.suggested_words(words, "upload:x.txt", n=2) == ["king", "queen"]  # frequent content words
    for source, suggested in teaching.SUGGESTED_WORDS.items():
        corpus = Corpus.builtin(source.split(":", 1)[1])
        assert all(corpus.counts[w] >= 3 for w in suggested), source  # each survives the default min_count


@pytest.mark.parametrize("method", ["cbow", "sgns"])
def test_neighbours_all_near_one_get_a_note_until_training_spreads_the_vectors(method: str) -> None:
    from explorer.mapview import focus_view
    from explorer.training import make_trainer
    from explorer.training.views import watched_neighbours

    corpus = Corpus.builtin("support_tickets")  # about 60,000 tokens, as in the report
    trainer = make_trainer(
        method, corpus, **{**page_config(method, {}, corpus.token_count), "workers": 1}
    )  # one thread: repeatable
    words = teaching.suggested_words(trainer.vocab.words, corpus.source)
    trainer.step(3)  # 9,000 words: the first updates push every word the same way
    early = watched_neighbours(trainer.snapshot(), words)
    assert early.note is not None and "Train longer or on more text" in early.note
    assert all("(0.9" in r["nearest words (cosine)"] or "(1.00)" in r["nearest words (cosine)"] for r in early.rows)
    wv = trainer.snapshot()
    assert focus_view(wv, wv.keys[:200], [], words[0], 5, False).note == early.note  # the Project page's table
    trainer.run()  # the default 5 epochs
    trained = trainer.snapshot()
    assert watched_neighbours(trained, words).note is None
    assert focus_view(trained, trained.keys[:200], [], words[0], 5, False).note is None


def test_the_near_one_note_needs_every_listed_cosine_near_one() -> None:
    from explorer.neighbours import crowded, crowded_note

    assert crowded({"a": [("b", 0.99), ("c", 0.97)], "d": [("e", 0.96)]})
    assert not crowded({"a": [("b", 0.99), ("c", 0.97)], "d": [("e", 0.90)]})
    assert not crowded({"a": [("b", 0.99)]}), "one cosine says nothing about the set"
    assert crowded_note({}) is None
