"""The request queue in front of the transformer: concurrent requests share one forward pass, equal requests
run once, and every caller gets exactly its own result (tiny random BERT, 64-token limit).

No test depends on timing: a round is made to wait (a long gathering window) until every request
of the test is queued, by setting the round's input budget to exactly their number of inputs.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from explorer.contextual import ContextError, ContextualEmbedder
from explorer.contextual.queue import TransformerQueue

WORD_REQUESTS = [
    (("the bank lent money", "we sat at the river bank"), "bank", "mean"),
    (("my card was charged a fee", "the phone battery charged"), "charged", "first"),
    (("a bank loan", "the bank of the river", "my bank account is late"), "bank", "last"),
    (("the cat sat on the box", "the dog sat in the water"), "sat", "mean"),
]
SENTENCE_REQUESTS = [
    ("paris is in france", "the king and the queen"),
    ("the phone battery", "a refund to my bank account", "the dog sat"),
]


@pytest.fixture(scope="module")
def emb(tiny_bert_dir) -> ContextualEmbedder:
    return ContextualEmbedder.load(str(tiny_bert_dir), device="cpu")


def _queue(emb: ContextualEmbedder, total_inputs: int) -> TransformerQueue:
    """A queue whose first round starts exactly when ``total_inputs`` model inputs are waiting."""
    return TransformerQueue(emb, gather_seconds=600.0, max_round_inputs=total_inputs)


def _concurrently(calls: list) -> list:
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_concurrent_requests_share_one_forward_pass_and_each_gets_its_own_result(emb):
    alone_words = [emb.all_layers(list(s), w, pooling=p) for s, w, p in WORD_REQUESTS]
    alone_sentences = [emb.sentence_vectors(list(s)) for s in SENTENCE_REQUESTS]
    total = sum(len(s) for s, _w, _p in WORD_REQUESTS) + sum(len(s) for s in SENTENCE_REQUESTS)
    queue = _queue(emb, total)
    before = emb.forward_passes
    calls = [lambda r=r: queue.all_layers(*r) for r in WORD_REQUESTS]
    calls += [lambda s=s: queue.sentence_vectors(s) for s in SENTENCE_REQUESTS]
    results = _concurrently(calls)
    assert emb.forward_passes - before == 1, "six visitors' requests ran in one forward pass"
    assert queue.rounds == 1 and queue.requests == 6 and queue.shared == 0
    for got, want, (sentences, word, _p) in zip(results[:4], alone_words, WORD_REQUESTS, strict=True):
        assert got.word == word and got.sentences == want.sentences and got.spans == want.spans
        assert got.vectors.shape == want.vectors.shape
        np.testing.assert_allclose(got.vectors, want.vectors, atol=1e-5)
        assert not got.vectors.flags.writeable
        assert set(got.sentences) <= set(sentences), "no other visitor's sentence in this result"
    for got, want in zip(results[4:], alone_sentences, strict=True):
        np.testing.assert_allclose(got.vectors, want.vectors, atol=1e-5)
        assert got.tokens == want.tokens and got.truncated == want.truncated
        for a, b in zip(got.token_shares, want.token_shares, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-5)
    queue.close()


def test_equal_requests_are_computed_once(emb):
    sentences, word, pooling = WORD_REQUESTS[0]
    queue = _queue(emb, len(sentences) + 1)  # the round waits for one more input: all four callers join first
    before = emb.forward_passes
    first = queue.submit_all_layers(sentences, word, pooling)
    others = _concurrently([lambda: queue.submit_all_layers(sentences, word, pooling) for _ in range(3)])
    assert all(p is first for p in others) and queue.shared == 3
    assert first.ahead() == 0 and not first.done
    queue.submit_sentences(("paris is in france",)).result()  # the extra input starts the round
    results = [p.result() for p in [first, *others]]
    assert emb.forward_passes - before == 1
    assert all(r is results[0] for r in results)
    np.testing.assert_allclose(results[0].vectors, emb.all_layers(list(sentences), word, pooling).vectors, atol=1e-5)
    queue.close()


def test_a_bad_request_fails_only_its_caller_and_places_are_reported(emb):
    queue = _queue(emb, 4)
    with pytest.raises(ContextError, match="Type a word"):
        queue.submit_all_layers(("the bank",), "   ")  # refused while tokenising, in the caller's thread
    first = queue.submit_sentences(("the cat sat", "the dog sat"))
    second = queue.submit_all_layers(("the bank lent money",), "bank")
    assert (first.ahead(), second.ahead()) == (0, 1), "the second visitor has one request ahead"
    assert second.estimate_seconds() > first.estimate_seconds() > 0
    third = queue.submit_sentences(("a refund",))  # four inputs: the round starts
    for pending in (first, second, third):
        pending.result()
        assert pending.ahead() == 0 and pending.estimate_seconds() == 0.0
        assert pending.queued_seconds() >= 0 and pending.model_seconds() >= 0
    queue.close()
