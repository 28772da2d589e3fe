"""The one transformer runner: sentence vectors equal a plain forward pass, and one embedder shared by
many threads gives every caller the result it would get alone (tiny random BERT, 64-token limit)."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from explorer.contextual import ContextError, ContextualEmbedder

FILLER = "the cat sat on the box and the dog sat in the water "
LONG_BANK = FILLER * 8 + "my bank account " + FILLER * 4 + "the river bank"  # ~140 tokens: windowed
LONG_PLAIN = FILLER * 9 + "i charged my phone"  # cut to 64 tokens for sentence vectors
SHORT = [
    "the bank lent money",
    "we sat at the river bank",
    "my card was charged a fee and the refund to my bank account is late",
    "a bank loan",
    "paris is in france",
    "the phone battery",
]


@pytest.fixture(scope="module")
def emb(tiny_bert_dir) -> ContextualEmbedder:
    return ContextualEmbedder.load(str(tiny_bert_dir), device="cpu")


def _reference_sentence_vector(emb: ContextualEmbedder, sentence: str) -> tuple[np.ndarray, list[str]]:
    """Mean of the last layer's states of one unpadded sentence (cut to the model's limit), unit length."""
    enc = emb.tokenizer(sentence, truncation=True, max_length=emb.max_length, return_tensors="pt")
    with torch.inference_mode():
        states = emb.model(**enc).last_hidden_state[0]  # (T, H)
    mean = states.mean(0).numpy()
    return mean / np.linalg.norm(mean), emb.tokenizer.convert_ids_to_tokens(enc["input_ids"][0])


def test_sentence_vectors_are_the_normalised_mean_of_last_layer_states(emb):
    sentences = [*SHORT, LONG_PLAIN]
    assert len(emb.tokenizer(LONG_PLAIN)["input_ids"]) > emb.max_length
    pooled = emb.sentence_vectors(sentences, batch_size=3)
    assert pooled.vectors.shape == (len(sentences), emb.hidden_size) and pooled.vectors.dtype == np.float32
    assert not pooled.vectors.flags.writeable
    assert pooled.truncated == (False,) * len(SHORT) + (True,)
    assert pooled.max_length == emb.max_length
    for i, sentence in enumerate(sentences):
        expected, tokens = _reference_sentence_vector(emb, sentence)
        np.testing.assert_allclose(pooled.vectors[i], expected, atol=1e-5)
        assert list(pooled.tokens[i]) == tokens and tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
        assert pooled.token_shares[i].shape == (len(tokens),)
        assert pooled.token_shares[i].sum() == pytest.approx(1.0, abs=1e-4)
    # A padded batch of the whole list gives the same vectors (mask-weighted mean).
    batch = emb.tokenizer(sentences, truncation=True, max_length=emb.max_length, padding=True, return_tensors="pt")
    with torch.inference_mode():
        states = emb.model(**batch).last_hidden_state  # (B, T, H)
    mask = batch["attention_mask"].unsqueeze(-1).float()
    mean = ((states * mask).sum(1) / mask.sum(1)).numpy()
    np.testing.assert_allclose(pooled.vectors, mean / np.linalg.norm(mean, axis=1, keepdims=True), atol=1e-5)


def test_sentence_vector_options(emb):
    one = emb.sentence_vectors(SHORT, batch_size=1).vectors
    np.testing.assert_allclose(emb.sentence_vectors(SHORT, batch_size=32).vectors, one, atol=1e-5)
    with pytest.raises(ContextError, match="limit of 64"):
        emb.sentence_vectors([SHORT[0], LONG_PLAIN], truncation=False)
    cut = emb.sentence_vectors([SHORT[2]], max_length=5)
    assert cut.truncated == (True,) and len(cut.tokens[0]) == 5 and cut.tokens[0][-1] == "[SEP]"
    cls = emb.sentence_vectors(SHORT[:2], pooling="cls")
    enc = emb.tokenizer(SHORT[0], return_tensors="pt")
    with torch.inference_mode():
        first = emb.model(**enc).last_hidden_state[0, 0].numpy()
    np.testing.assert_allclose(cls.vectors[0], first / np.linalg.norm(first), atol=1e-5)
    with pytest.raises(ContextError, match="pooling"):
        emb.sentence_vectors(SHORT, pooling="max")  # type: ignore[arg-type]
    with pytest.raises(ContextError, match="sentence"):
        emb.sentence_vectors([])


# ----- one embedder, eight threads ----------------------------------------------------------------
THREADS = 8
ROUNDS = 20
WORD_JOBS = [
    ("all_layers", (*SHORT[:4], LONG_BANK), "bank", "mean"),
    ("all_layers", (LONG_BANK, SHORT[2]), "account", "last"),
    ("occurrences", (*SHORT, LONG_BANK), "bank", "first"),
    ("occurrences", (SHORT[5], LONG_PLAIN), "phone", "mean"),
]
SENTENCE_JOBS = [
    tuple(SHORT),
    (LONG_PLAIN, SHORT[0], LONG_BANK),
    (SHORT[3], LONG_BANK, SHORT[4]),
]


def _run_word_job(emb: ContextualEmbedder, job: tuple) -> np.ndarray:
    kind, sentences, word, pooling = job
    if kind == "all_layers":
        return emb.all_layers(list(sentences), word, pooling=pooling, batch_size=2).vectors
    return emb.occurrences(list(sentences), word, layer=1, pooling=pooling, batch_size=2).vectors


def _run_sentence_job(emb: ContextualEmbedder, sentences: tuple[str, ...]) -> np.ndarray:
    return emb.sentence_vectors(sentences, batch_size=2).vectors


def test_one_embedder_shared_by_eight_threads_gives_each_the_single_threaded_result(emb):
    expected_words = [_run_word_job(emb, job) for job in WORD_JOBS]
    expected_sentences = [_run_sentence_job(emb, job) for job in SENTENCE_JOBS]
    assert emb.all_layers(list(WORD_JOBS[0][1]), "bank").truncated == (4,)  # the long sentence is windowed
    assert emb.sentence_vectors(SENTENCE_JOBS[1]).truncated == (True, False, True)  # and cut here
    start = threading.Barrier(THREADS)

    def worker(seed: int) -> int:
        rng = random.Random(seed)
        start.wait()  # every thread enters the embedder at the same moment
        checked = 0
        for _ in range(ROUNDS):
            w = rng.randrange(len(WORD_JOBS))
            s = rng.randrange(len(SENTENCE_JOBS))
            # both paths in each round, in a random order, so the two kinds of call overlap
            for path in rng.sample(["word", "sentence"], 2):
                if path == "word":
                    got, want, name = _run_word_job(emb, WORD_JOBS[w]), expected_words[w], WORD_JOBS[w][:3:2]
                else:
                    got, want, name = _run_sentence_job(emb, SENTENCE_JOBS[s]), expected_sentences[s], s
                assert got.shape == want.shape and np.allclose(got, want, atol=1e-5), (seed, path, name)
                checked += 1
        return checked

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        counts = list(pool.map(worker, range(THREADS)))  # re-raises the first failure of any thread
    assert counts == [2 * ROUNDS] * THREADS
