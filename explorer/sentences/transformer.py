"""Sentence vectors from a transformer: the mean of its last layer's token states, unit length.

The embedder (``explorer.contextual.ContextualEmbedder``) runs the tokenizer and the model, in
length-sorted batches and under its lock; this module turns what it returns into
``SentenceVectors``, with each subword token's share of the vector ([CLS] and [SEP] included,
since they are pooled too).

Example:
    >>> from explorer.contextual import ContextualEmbedder
    >>> embedder = ContextualEmbedder.load(device="cpu")
    >>> sv = encode_with_embedder(["A cat sat.", "Stocks fell."], embedder)
    >>> sv.matrix.shape, sv.method
    ((2, 384), 'transformer')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from explorer.errors import ContextError, SentenceError
from explorer.sentences.results import SentenceVectors, shorten


def encode_with_embedder(
    sentences: Sequence[str], embedder: Any, batch_size: int = 32, max_length: int | None = None
) -> SentenceVectors:
    """Transformer sentence vectors of ``sentences`` from a ``ContextualEmbedder``.

    Sentences longer than ``max_length`` tokens (default: the model's limit) are cut to it, and
    a note in the result says which.

    Example:
        >>> sv = encode_with_embedder(["A cat sat."], embedder)
        >>> round(float(np.linalg.norm(sv.matrix[0])), 4)
        1.0
    """
    sentences = tuple(str(s) for s in sentences)
    if not sentences:
        raise SentenceError("There are no sentences to encode: give at least one sentence.")
    if batch_size < 1:
        raise SentenceError(f"batch_size must be at least 1 (got {batch_size}).")
    try:
        pooled = embedder.sentence_vectors(sentences, batch_size=batch_size, max_length=max_length)
    except ContextError as exc:
        raise SentenceError(str(exc)) from exc
    return vectors_from_pooled(sentences, pooled, str(getattr(embedder, "name", "") or "transformer"))


def vectors_from_pooled(sentences: Sequence[str], pooled: Any, name: str = "transformer") -> SentenceVectors:
    """``SentenceVectors`` of ``sentences`` from the runner's ``PooledSentences`` (each token's share, notes on cuts).

    For callers that ran the pooling elsewhere (the app's request queue).
    """
    sentences = tuple(str(s) for s in sentences)
    words: list[str] = []
    counts: list[int] = []
    weights: list[float] = []
    shares: list[float] = []
    offsets = [0]
    for tokens, token_shares in zip(pooled.tokens, pooled.token_shares, strict=True):
        # A token that occurs twice ("the ... the") is one bar: its count and summed share.
        merged: dict[str, list[float]] = {}
        for token, share in zip(tokens, token_shares, strict=True):
            entry = merged.setdefault(token, [0, 0.0])
            entry[0] += 1
            entry[1] += float(share)
        for token, (count, share) in merged.items():
            words.append(token)
            counts.append(int(count))
            weights.append(count / len(tokens))
            shares.append(share)
        offsets.append(len(words))
    notes = tuple(
        f'Sentence #{i + 1} "{shorten(sentences[i], 40)}" was cut to {pooled.max_length} tokens.'
        for i, cut in enumerate(pooled.truncated)
        if cut
    )
    n = len(sentences)
    return SentenceVectors(
        method="transformer",
        sentences=sentences,
        matrix=np.array(pooled.vectors, dtype=np.float32),
        offsets=np.asarray(offsets, dtype=np.int64),
        words=tuple(words),
        counts=np.asarray(counts, dtype=np.int64),
        weights=np.asarray(weights, dtype=np.float32),
        shares=np.asarray(shares, dtype=np.float32),
        unknown=((),) * n,
        removed=((),) * n,
        vectors_name=name,
        notes=notes,
    )


def encode_transformer(
    sentences: Sequence[str],
    model: Any,
    tokenizer: Any,
    *,
    device: Any = "cpu",
    batch_size: int = 32,
    max_length: int = 256,
    name: str = "transformer",
) -> SentenceVectors:
    """:func:`encode_with_embedder` for a model and fast tokenizer loaded by hand (a notebook, a script).

    The pair is wrapped in a ``ContextualEmbedder`` for this call; code that shares a model
    between threads keeps one embedder and calls :func:`encode_with_embedder`, so that its lock
    covers every call.

    Example:
        >>> from transformers import AutoModel, AutoTokenizer
        >>> from explorer.contextual import bundled_model_path
        >>> model = AutoModel.from_pretrained(bundled_model_path())
        >>> tok = AutoTokenizer.from_pretrained(bundled_model_path())
        >>> encode_transformer(["A cat sat."], model, tok).matrix.shape
        (1, 384)
    """
    import torch

    from explorer.contextual import ContextualEmbedder

    dev = device if isinstance(device, torch.device) else torch.device(device)
    embedder = ContextualEmbedder(model, tokenizer, dev, name)
    return encode_with_embedder(sentences, embedder, batch_size=batch_size, max_length=max_length)
