"""Sentence vectors: averaged static word vectors (three ways) or a transformer's pooled states.

Four methods turn a sentence into one vector:

- ``mean``, ``no_stopwords``, ``tfidf`` (``averaging``): averages of the static word vectors of
  its tokens: plain, without English stopwords, or weighted by smooth inverse document frequency.
- ``transformer`` (``transformer``): the mean of the transformer's last-layer token states
  (attention-mask weighted, [CLS] and [SEP] included), scaled to unit length: the intended use
  of the bundled all-MiniLM-L6-v2 sentence model, run by ``explorer.contextual``'s embedder.

``results`` holds the result type (``SentenceVectors``: vectors plus what went into each),
``compare`` the similarity matrices and query matches, ``inputs`` the typed sentences and
presets, ``views`` what the Sentences page draws. Sentences with nothing to average get a zero
row, NaN comparisons and a message that says how to fix them; empty input, too many sentences
and an unknown method raise ``SentenceError`` (a ValueError) with the fix in the message.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.sentences import encode_average, cosine_similarity_matrix
    >>> wv = WordVectors(["cat", "dog", "stock"], np.array([[1, 0], [0.9, 0.2], [0, 1]], dtype=np.float32))
    >>> sv = encode_average(["The cat.", "A dog!", "Stock"], wv, "mean")
    >>> sim = cosine_similarity_matrix(sv.matrix)
    >>> bool(sim[0, 1] > sim[0, 2])
    True
"""

from __future__ import annotations

from explorer.errors import SentenceError
from explorer.sentences import views
from explorer.sentences.averaging import DocumentFrequencies, encode_average
from explorer.sentences.compare import (
    METRIC_LABELS,
    METRICS,
    Match,
    compare,
    cosine_similarity_matrix,
    euclidean_distance_matrix,
    top_matches,
)
from explorer.sentences.inputs import MAX_SENTENCES, PRESETS_FILE, SentencePreset, load_presets, parse_sentences
from explorer.sentences.results import (
    AVERAGING_METHODS,
    METHOD_LABELS,
    METHODS,
    SentenceVectors,
    WordContribution,
    empty_warnings,
    shorten,
)
from explorer.sentences.transformer import encode_transformer, encode_with_embedder
from explorer.sentences.views import MatchTable, SentenceComparison, encode_all, match_table

__all__ = [
    "AVERAGING_METHODS",
    "MAX_SENTENCES",
    "METHODS",
    "METHOD_LABELS",
    "METRICS",
    "METRIC_LABELS",
    "PRESETS_FILE",
    "DocumentFrequencies",
    "Match",
    "MatchTable",
    "SentenceComparison",
    "SentenceError",
    "SentencePreset",
    "SentenceVectors",
    "WordContribution",
    "compare",
    "cosine_similarity_matrix",
    "empty_warnings",
    "encode_all",
    "encode_average",
    "encode_transformer",
    "encode_with_embedder",
    "euclidean_distance_matrix",
    "load_presets",
    "match_table",
    "parse_sentences",
    "shorten",
    "top_matches",
    "views",
]
