"""Contextual word vectors: one vector per occurrence of a word, from any layer of a transformer.

A lookup table (word2vec, GloVe, a transformer's own input-embedding table) gives a word one row
whatever the sentence. A transformer gives every occurrence its own vector. This package loads a
transformer (the bundled offline MiniLM by default), finds every whole-word occurrence of a word
in a list of sentences, aligns it to subword tokens through the fast tokenizer's character
offsets, and pools the hidden states of those tokens at the chosen layer.

- ``loading``: where the model comes from (bundled, local folder, model id) and its errors.
- ``model``: ``ContextualEmbedder``, the one runner of the tokenizer and the model (also for
  sentence vectors), safe to share between threads.
- ``occurrences``: whole-word spans, token alignment, windows, and the result types.
- ``similarity``: cosine matrices, sense separation, suggested groups, the 2-D map, CSV.
- ``inputs``: the built-in presets, typed sentences with sense labels, corpus samples.
- ``views``: what the Context page draws for one layer.

Example:
    >>> import numpy as np
    >>> from explorer import contextual
    >>> m = contextual.cosine_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    >>> contextual.off_diagonal(m).round(3).tolist()
    [0.0, 0.707, 0.707]
    >>> emb = contextual.ContextualEmbedder.load(device="cpu")
    >>> occ = emb.occurrences(["I paid at the bank.", "We sat on the river bank."], "bank")
    >>> contextual.cosine_matrix(occ.vectors).shape
    (2, 2)
"""

from __future__ import annotations

from explorer.contextual import views
from explorer.contextual.inputs import PRESETS_FILE, SentenceInput, load_presets, parse_sentence_lines, sample_sentences
from explorer.contextual.loading import BUNDLED_NAME, MODEL_ENV_VAR, bundled_model_path, load_pretrained
from explorer.contextual.model import (
    POOLINGS,
    SENTENCE_POOLINGS,
    ContextualEmbedder,
    PooledSentences,
    Pooling,
    SentencePooling,
)
from explorer.contextual.occurrences import (
    AllLayers,
    ModelInput,
    Occurrences,
    Visibility,
    find_spans,
    resolve_layer,
    token_positions,
    visibility_masks,
    window_chars,
    word_pattern,
)
from explorer.contextual.similarity import (
    SenseSeparation,
    cosine_matrix,
    matrix_csv,
    off_diagonal,
    project_2d,
    sense_separation,
    separation_by_layer,
    static_matrix,
    suggest_groups,
)
from explorer.contextual.views import LayerView, StackNotes, layer_view, occurrence_visibility, stack_notes
from explorer.errors import ContextError, ModelLoadError
from explorer.presets import LABEL_SEPARATOR, Preset

__all__ = [
    "BUNDLED_NAME",
    "LABEL_SEPARATOR",
    "MODEL_ENV_VAR",
    "POOLINGS",
    "PRESETS_FILE",
    "SENTENCE_POOLINGS",
    "AllLayers",
    "ContextError",
    "ContextualEmbedder",
    "LayerView",
    "ModelInput",
    "ModelLoadError",
    "Occurrences",
    "PooledSentences",
    "Pooling",
    "Preset",
    "SenseSeparation",
    "SentenceInput",
    "SentencePooling",
    "StackNotes",
    "Visibility",
    "bundled_model_path",
    "cosine_matrix",
    "find_spans",
    "layer_view",
    "load_presets",
    "load_pretrained",
    "matrix_csv",
    "occurrence_visibility",
    "off_diagonal",
    "parse_sentence_lines",
    "project_2d",
    "resolve_layer",
    "sample_sentences",
    "sense_separation",
    "separation_by_layer",
    "stack_notes",
    "static_matrix",
    "suggest_groups",
    "token_positions",
    "views",
    "visibility_masks",
    "window_chars",
    "word_pattern",
]
