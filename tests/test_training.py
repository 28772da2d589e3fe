"""The five trainers on a small generated corpus: loss falls, topics separate, seeds repeat."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random

import numpy as np
import pytest
import torch

from explorer.corpus import Corpus
from explorer.training import METHODS, TrainingError, make_trainer
from explorer.training.base import Progress, cpu_threads

TOPICS = {
    "billing": ["invoice", "refund", "payment", "charged", "bill", "fee", "card", "subscription"],
    "shipping": ["parcel", "delivery", "courier", "tracking", "shipped", "package", "address", "shipment"],
    "device": ["battery", "screen", "charger", "charging", "speaker", "power", "cable", "phone"],
}
FILLER = ["the", "my", "was", "a", "and", "is", "it", "please", "i", "not"]

# Small, fast settings per method; everything else is the method's default.
FAST = {
    "sgns": dict(vector_size=24, epochs=4, sample=0.0, min_count=2),
    "cbow": dict(vector_size=24, epochs=4, sample=0.0, min_count=2, alpha=0.05),
    "ppmi_svd": dict(vector_size=6, min_count=2, oversample=2),
    # GloVe trains only on pairs that co-occur; topics that never meet are merely not pulled
    # together, so it needs a livelier rate to separate them within a few epochs.
    "glove": dict(vector_size=24, epochs=30, min_count=2, x_max=20.0, window=5, learning_rate=0.2),
    "subword": dict(vector_size=24, epochs=4, sample=0.0, min_count=2, bucket=5000),
}


def make_topic_corpus(n_sentences: int = 900, seed: int = 0) -> Corpus:
    rng = random.Random(seed)
    texts = []
    for _ in range(n_sentences):
        words = rng.sample(TOPICS[rng.choice(list(TOPICS))], 5) + rng.sample(FILLER, 3)
        rng.shuffle(words)
        texts.append(" ".join(words) + ".")
    return Corpus.from_texts(texts, name="topics")


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return make_topic_corpus()


@pytest.fixture(scope="module")
def trained(corpus: Corpus) -> dict:
    out = {}
    for method in METHODS:
        t = make_trainer(method, corpus, seed=3, device="cpu", **FAST[method])
        t.run()
        out[method] = t
    return out


def topic_gap(wv) -> tuple[float, float]:
    within = [wv.similarity(a, b) for ws in TOPICS.values() for a, b in itertools.combinations(ws, 2)]
    across = [wv.similarity(a, b) for g1, g2 in itertools.combinations(TOPICS.values(), 2) for a in g1 for b in g2]
    return float(np.mean(within)), float(np.mean(across))


@pytest.mark.parametrize("method", list(METHODS))
def test_loss_falls(trained: dict, method: str) -> None:
    losses = trained[method].losses
    assert len(losses) >= 3 and all(math.isfinite(x) for x in losses)
    k = max(1, len(losses) // 10)
    first, last = np.mean(losses[:k]), np.mean(losses[-k:])
    assert last < 0.9 * first, (first, last)


@pytest.mark.parametrize("method", list(METHODS))
def test_words_sharing_contexts_end_up_closer(trained: dict, method: str) -> None:
    wv = trained[method].snapshot()
    within, across = topic_gap(wv)
    assert within > across + 0.15, (within, across)
    # a concrete pair: two billing words are closer than a billing and a shipping word
    assert wv.similarity("invoice", "refund") > wv.similarity("invoice", "parcel") + 0.05


@pytest.mark.parametrize("method", list(METHODS))
def test_run_finishes_with_sane_records(trained: dict, method: str) -> None:
    t = trained[method]
    assert t.done and t.progress == pytest.approx(1.0)
    recs = t.records
    fractions = [r.fraction for r in recs]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert all(0 <= r.done <= r.total for r in recs)
    assert all(b.elapsed >= a.elapsed for a, b in itertools.pairwise(recs))
    assert [r.step for r in recs] == list(range(1, len(recs) + 1))
    assert all(isinstance(r.loss, float) for r in recs)
    assert t.step(5) == []  # nothing left to do
    with pytest.raises(dataclasses.FrozenInstanceError):
        recs[0].loss = 0.0  # type: ignore[misc]


@pytest.mark.parametrize("method", list(METHODS))
def test_snapshot_is_ordered_by_frequency_and_immutable(trained: dict, method: str) -> None:
    t = trained[method]
    wv = t.snapshot()
    assert wv.keys == t.vocab.words and wv.vectors.shape == (len(t.vocab), FAST[method]["vector_size"])
    counts = wv.counts
    assert counts is not None and np.all(np.diff(counts) <= 0)
    with pytest.raises(ValueError):
        wv.vectors[0, 0] = 1.0
    assert np.isfinite(wv.vectors).all()


@pytest.mark.parametrize("method", ["sgns", "cbow", "glove", "subword"])
def test_snapshot_does_not_change_as_training_continues(corpus: Corpus, method: str) -> None:
    t = make_trainer(method, corpus, seed=1, device="cpu", **{**FAST[method], "epochs": 2, "batch_words": 1000})
    t.step(2)
    while t.records[-1].stage == "count":
        t.step(1)
    before = t.snapshot()
    frozen = before.vectors.copy()
    t.step(3)
    assert np.array_equal(before.vectors, frozen)
    assert not np.array_equal(t.snapshot().vectors, frozen)


@pytest.mark.parametrize("method", list(METHODS))
def test_same_seed_same_vectors(corpus: Corpus, method: str) -> None:
    # one worker: with several, hogwild updates interleave differently from run to run
    cfg = {**FAST[method], "epochs": 1, "workers": 1} if "epochs" in FAST[method] else {**FAST[method], "workers": 1}
    a = make_trainer(method, corpus, seed=7, device="cpu", **cfg)
    b = make_trainer(method, corpus, seed=7, device="cpu", **cfg)
    a.step(6)
    b.step(6)
    assert np.array_equal(a.snapshot().vectors, b.snapshot().vectors)
    assert [r.loss for r in a.records] == [r.loss for r in b.records] or method == "ppmi_svd"
    c = make_trainer(method, corpus, seed=8, device="cpu", **cfg)
    c.step(6)
    if method != "ppmi_svd":  # before its SVD the PPMI snapshot is a seeded projection too
        assert not np.array_equal(a.snapshot().vectors, c.snapshot().vectors)


def test_step_zero_is_a_no_op(corpus: Corpus) -> None:
    t = make_trainer("sgns", corpus, device="cpu", **FAST["sgns"])
    before = t.snapshot().vectors.copy()
    assert t.step(0) == []
    assert t.records == [] and t.progress == 0.0
    assert np.array_equal(t.snapshot().vectors, before)
    with pytest.raises(TrainingError, match="0 or more"):
        t.step(-1)


def test_step_is_bounded(corpus: Corpus) -> None:
    t = make_trainer("sgns", corpus, device="cpu", batch_words=500, **FAST["sgns"])
    recs = t.step(1)
    assert len(recs) == 1 and isinstance(recs[0], Progress)
    assert 500 <= recs[0].words_done < 500 + 20  # a chunk ends at a sentence boundary
    assert recs[0].unit == "words" and recs[0].pairs_done > 0


def test_learning_rate_decays_linearly(corpus: Corpus) -> None:
    t = make_trainer("sgns", corpus, device="cpu", alpha=0.04, min_alpha=0.001, **FAST["sgns"])
    rates = [r.learning_rate for r in t.run()]
    assert rates[0] == pytest.approx(0.04)
    assert all(b < a for a, b in itertools.pairwise(rates))
    assert rates[-1] >= 0.001


def test_run_respects_max_seconds(corpus: Corpus) -> None:
    t = make_trainer("sgns", corpus, device="cpu", **{**FAST["sgns"], "epochs": 50})
    t.run(max_seconds=0.0)
    assert len(t.records) == 1 and not t.done


def test_cpu_threads_are_restored() -> None:
    before = torch.get_num_threads()
    with cpu_threads(torch.device("cpu"), 1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


# ----- subword ---------------------------------------------------------------------------------
def test_subword_gives_unseen_spellings_a_vector_near_their_stem(trained: dict) -> None:
    sv = trained["subword"].snapshot()
    assert "reshipped" not in sv
    v = sv.vector_for("reshipped")
    assert v.shape == (sv.vector_size,) and np.isfinite(v).all()

    def cos(a: np.ndarray, b: np.ndarray) -> float:
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    to_stem = cos(v, sv["shipped"])
    unrelated = [cos(v, sv[w]) for w in ("battery", "invoice", "speaker", "payment")]
    assert to_stem > max(unrelated) + 0.1, (to_stem, unrelated)
    assert sv.most_similar_to_any("reshipped", topn=3)[0][0] == "shipped"
    assert np.array_equal(sv.vector_for("shipped"), sv["shipped"])
    with pytest.raises(ValueError):
        sv.ngram_vectors[0, 0] = 1.0


def test_char_ngrams_and_hash() -> None:
    from explorer.training.subword import char_ngrams, fnv1a

    assert char_ngrams("cat", 3, 3) == ["<ca", "cat", "at>"]
    assert "<ship" in char_ngrams("shipped") and "ped>" in char_ngrams("shipped")
    assert all(3 <= len(g) <= 6 for g in char_ngrams("reshipped"))
    # reference values of 32-bit FNV-1a
    assert fnv1a("") == 0x811C9DC5 and fnv1a("a") == 0xE40C292C
    # bytes >= 128 are sign-extended as in fastText, so "é" differs from plain FNV-1a
    assert fnv1a("é") != 0x2AA7B1E3


# ----- bad parameters ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "params", "needle"),
    [
        ("sgns", dict(window=0), "window"),
        ("sgns", dict(vector_size=0), "vector_size"),
        ("sgns", dict(negative=0), "negative"),
        ("cbow", dict(epochs=0), "epochs"),
        ("sgns", dict(sample=-0.1), "sample"),
        ("sgns", dict(alpha=0.0), "alpha"),
        ("sgns", dict(min_alpha=1.0), "min_alpha"),
        ("sgns", dict(min_count=0), "min_count"),
        ("sgns", dict(vector_size=2.5), "vector_size"),
        ("sgns", dict(workers=0), "workers"),
        ("glove", dict(x_max=0.0), "x_max"),
        ("glove", dict(learning_rate=-1.0), "learning_rate"),
        ("glove", dict(window=0), "window"),
        ("ppmi_svd", dict(cds=0.0), "cds"),
        ("ppmi_svd", dict(eigenvalue_weight=2.0), "eigenvalue_weight"),
        ("ppmi_svd", dict(vector_size=500, min_count=2), "Lower vector_size"),
        ("subword", dict(min_n=4, max_n=3), "max_n"),
        ("subword", dict(bucket=0), "bucket"),
        ("sgns", dict(min_count=1_000_000), "Lower min_count"),
        ("sgns", dict(colour="blue"), "Unknown parameter"),
        ("sgns", dict(device="tpu"), "device"),
    ],
)
def test_bad_parameters_say_how_to_fix_them(corpus: Corpus, method: str, params: dict, needle: str) -> None:
    with pytest.raises(TrainingError, match=needle) as info:
        make_trainer(method, corpus, **params)
    assert isinstance(info.value, ValueError)
    assert len(str(info.value)) > 30  # a sentence, not a code


def test_unknown_method() -> None:
    with pytest.raises(TrainingError, match="choose one of sgns, cbow"):
        make_trainer("bert", make_topic_corpus(20))


@pytest.mark.parametrize("method", list(METHODS))
def test_one_word_corpus_is_refused(method: str) -> None:
    one = Corpus.from_texts(["hello hello hello.", "hello!"], name="one word")
    with pytest.raises(TrainingError, match="at least two distinct words"):
        make_trainer(method, one, min_count=1)


def test_corpus_without_neighbours_is_refused() -> None:
    lonely = Corpus.from_texts(["alpha.", "beta.", "alpha.", "beta."], name="lonely")
    with pytest.raises(TrainingError, match="no word has a context"):
        make_trainer("sgns", lonely, min_count=1)
