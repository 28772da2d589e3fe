"""CBOW's compiled CPU update: the same arithmetic as word2vec.c, checked against a plain NumPy loop."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.corpus import Corpus
from explorer.training import make_trainer
from explorer.training.kernels import cbow_update, noise_lookup
from explorer.training.sgns import CBOWConfig, CBOWTrainer


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


def reference_cbow(w_in, w_out, rows, ptr, targets, noise_word, lr, negative):
    """word2vec.c's CBOW (cbow_mean=1) one example at a time, every noise draw equal to ``noise_word``."""
    loss = 0.0
    for i, target in enumerate(targets):
        bag = rows[ptr[i] : ptr[i + 1]]
        h = w_in[bag].mean(axis=0)
        e = np.zeros_like(h)
        for c, label in [(target, 1.0)] + [(noise_word, 0.0)] * negative:
            if label == 0.0 and c == target:
                continue
            s = _sigmoid(h @ w_out[c])
            g = lr * (label - s)
            loss -= np.log(s if label else 1.0 - s)
            e += g * w_out[c]
            w_out[c] += g * h
        for r in bag:
            w_in[r] += e
    return loss


def test_the_compiled_update_equals_word2vec_cs_cbow_step_by_step() -> None:
    rng = np.random.default_rng(3)
    v, d = 6, 8
    w_in = ((rng.random((v, d)) - 0.5) / d).astype(np.float32)
    w_out = ((rng.random((v, d)) - 0.5) / d).astype(np.float32)
    # three examples; the last one's target is the noise word, whose noise draws are then skipped
    rows = np.array([0, 1, 2, 1, 3, 0, 4, 2], dtype=np.int32)
    ptr = np.array([0, 3, 5, 8], dtype=np.int64)
    targets = np.array([4, 2, 5], dtype=np.int32)
    noise = np.full(8, 5, dtype=np.int32)  # every draw is word 5
    ref_in, ref_out = w_in.astype(np.float64), w_out.astype(np.float64)
    ref_loss = reference_cbow(ref_in, ref_out, rows, ptr, targets, 5, 0.05, negative=2)
    loss = cbow_update(w_in, w_out, rows, ptr, targets, noise, 7, 0.05, 2, 1)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(w_in, ref_in, atol=1e-6)
    np.testing.assert_allclose(w_out, ref_out, atol=1e-6)
    assert not np.allclose(w_out[5], 0.0)  # the noise word did take updates


def test_the_noise_table_gives_each_word_its_share() -> None:
    counts = np.array([1, 10, 100, 1000], dtype=np.float64) ** 0.75
    cumulative = np.cumsum(counts / counts.sum())
    table = noise_lookup(cumulative, size=1 << 16)
    shares = np.bincount(table, minlength=4) / len(table)
    np.testing.assert_allclose(shares, counts / counts.sum(), atol=2 / len(table))
    with pytest.raises(ValueError, match="power of two"):
        noise_lookup(cumulative, size=1000)


def test_cbow_on_the_cpu_starts_at_word2vec_cs_rate_unless_told_otherwise() -> None:
    corpus = Corpus.from_texts(["the cat sat on the mat and the dog sat on the rug"] * 30)
    assert make_trainer("cbow", corpus, device="cpu", vector_size=8).learning_rate == pytest.approx(0.05)
    assert make_trainer("cbow", corpus, device="cpu", vector_size=8, alpha=0.02).learning_rate == pytest.approx(0.02)
    assert make_trainer("sgns", corpus, device="cpu", vector_size=8).learning_rate == pytest.approx(0.025)
    assert CBOWConfig().alpha is None


def test_cbow_on_the_cpu_learns_and_one_worker_repeats_itself() -> None:
    corpus = Corpus.builtin("mixed")

    def train() -> tuple[CBOWTrainer, np.ndarray]:
        t = make_trainer("cbow", corpus, device="cpu", vector_size=20, epochs=3, workers=1, seed=5)
        t.run()
        return t, t.snapshot().vectors

    trainer, first = train()
    losses = [r.loss for r in trainer.records if np.isfinite(r.loss)]
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5])
    _, second = train()
    np.testing.assert_array_equal(first, second)
