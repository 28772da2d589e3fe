"""The shared cache layer serves the transformer, its reference vectors and all-layer vectors, once."""

from __future__ import annotations

import numpy as np

from explorer import cache
from explorer.contextual import AllLayers, ContextualEmbedder
from explorer.vectors import WordVectors


def test_embedder_is_loaded_once_and_shared(tiny_bert_dir):
    first = cache.get_embedder(str(tiny_bert_dir), "cpu")
    assert isinstance(first, ContextualEmbedder)
    assert first.num_layers == 2 and first.hidden_size == 32
    assert cache.get_embedder(str(tiny_bert_dir), "cpu") is first


def test_reference_vectors_come_from_the_input_embeddings(tiny_bert_dir):
    wv = cache.get_reference_vectors(str(tiny_bert_dir), "cpu")
    assert isinstance(wv, WordVectors)
    assert "bank" in wv and all(k.isalpha() for k in wv.keys)
    assert wv.vector_size == 32
    emb = cache.get_embedder(str(tiny_bert_dir), "cpu")
    np.testing.assert_allclose(wv["bank"], emb.static_vector("bank"), atol=1e-6)
    assert cache.get_reference_vectors(str(tiny_bert_dir), "cpu") is wv


def test_context_layers_are_cached_per_input(tiny_bert_dir):
    sentences = ("the bank lent money", "the river bank", "a cat")
    stack = cache.get_context_layers(str(tiny_bert_dir), "cpu", sentences, "bank", "mean")
    assert isinstance(stack, AllLayers)
    assert stack.vectors.shape == (3, 2, 32) and stack.missing == (2,)
    again = cache.get_context_layers(str(tiny_bert_dir), "cpu", sentences, "bank", "mean")
    np.testing.assert_array_equal(again.vectors, stack.vectors)
    other = cache.get_context_layers(str(tiny_bert_dir), "cpu", sentences, "bank", "first")
    assert other.vectors.shape == stack.vectors.shape
