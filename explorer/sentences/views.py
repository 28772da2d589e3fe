"""What the Sentences page shows, computed: every method's vectors, what failed, and the query's matches.

The page reads its widgets, calls :func:`encode_all` once and :func:`match_table` when there is
a query, and draws the results. A method that cannot run (no static vector set chosen, a
transformer that does not load) is reported in ``failures`` and the other methods still show.

Example:
    >>> import numpy as np
    >>> from explorer.sentences.views import encode_all, match_table
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["cat", "dog", "stock"], np.array([[1, 0], [0.9, 0.2], [0, 1]], dtype=np.float32))
    >>> view = encode_all(["A cat.", "Stock!", "xyzzy"], "a dog", wv, None, transformer=None)
    >>> view.methods, sorted(view.failures)
    (('mean', 'no_stopwords', 'tfidf'), ['transformer'])
    >>> match_table(view, "cosine", topn=1).columns["Plain mean"]
    ['S1 (0.98) A cat.']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.errors import LimitError, SentenceError
from explorer.sentences.averaging import DocumentFrequencies, encode_average
from explorer.sentences.compare import compare, top_matches
from explorer.sentences.results import (
    AVERAGING_METHODS,
    METHOD_LABELS,
    METHODS,
    SentenceVectors,
    empty_warnings,
    shorten,
)
from explorer.sentences.transformer import encode_with_embedder
from explorer.vectors import WordVectors

NO_VECTOR_SET = "No static vector set is chosen: pick one above (train one on the Train page)."


@dataclass(frozen=True)
class SentenceComparison:
    """The sentences (and the query) encoded by every method that could run.

    Attributes:
        sentences: the sentences compared.
        query: the query sentence, stripped ("" when there is none).
        results: method -> the sentences' vectors, in ``METHODS`` order, for the methods that ran.
        queries: method -> the query's vector, for the same methods (empty without a query).
        failures: method -> why it has no result, as a sentence to show.
        warnings: one Markdown warning per group of methods that leave the same sentences blank.
    """

    sentences: tuple[str, ...]
    query: str
    results: Mapping[str, SentenceVectors]
    queries: Mapping[str, SentenceVectors]
    failures: Mapping[str, str]
    warnings: tuple[str, ...]

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods that gave vectors, in ``METHODS`` order."""
        return tuple(self.results)

    def matrix(self, method: str, metric: str = "cosine") -> np.ndarray:
        """(n, n) cosine similarities or Euclidean distances of every pair under one method."""
        return compare(self.results[method], metric)

    def lengths(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """method -> (tokens averaged, vector length) per sentence: how averaging shrinks vectors."""
        return {m: (v.token_counts, v.norms) for m, v in self.results.items()}


def encode_all(
    sentences: Sequence[str],
    query: str,
    wv: WordVectors | None,
    doc_freqs: DocumentFrequencies | None,
    transformer: Any | Callable[[tuple[str, ...]], SentenceVectors] | None,
    methods: Sequence[str] = METHODS,
    *,
    transformer_name: str = "",
) -> SentenceComparison:
    """Encode ``sentences`` (and ``query``) with each of ``methods``.

    ``wv`` is the static vector set for the averages (None: they fail with a hint), ``doc_freqs``
    the corpus's document frequencies for TF-IDF. ``transformer`` is a ``ContextualEmbedder``,
    or a callable from a tuple of sentences to their ``SentenceVectors`` (such as a cached
    loader), or None; when it raises an ``OSError`` or ``ValueError`` the transformer fails with
    the reason and ``transformer_name`` in the message.

    Example:
        >>> encode_all(["a cat"], "", None, None, None).failures["mean"] == NO_VECTOR_SET
        True
    """
    sentences = tuple(sentences)
    query = query.strip()
    results: dict[str, SentenceVectors] = {}
    queries: dict[str, SentenceVectors] = {}
    failures: dict[str, str] = {}
    for method in (m for m in METHODS if m in methods):
        if method in AVERAGING_METHODS:
            if wv is None:
                failures[method] = NO_VECTOR_SET
                continue
            results[method] = encode_average(sentences, wv, method, document_frequencies=doc_freqs)
            if query:
                queries[method] = encode_average([query], wv, method, document_frequencies=doc_freqs)
            continue
        if transformer is None:
            failures[method] = "No transformer is loaded."
            continue
        encode = (
            (lambda texts: encode_with_embedder(texts, transformer))
            if hasattr(transformer, "sentence_vectors")
            else transformer
        )
        try:
            results[method] = encode(sentences)
            if query:
                queries[method] = encode((query,))
        except LimitError as exc:  # over a server limit, or a busy server: the message says what to do
            results.pop(method, None)
            failures[method] = str(exc)
        except (OSError, ValueError) as exc:
            results.pop(method, None)
            failures[method] = f"The transformer {transformer_name!r} could not be loaded ({exc})."
    return SentenceComparison(
        sentences=sentences,
        query=query,
        results=results,
        queries=queries,
        failures=failures,
        warnings=tuple(empty_warnings(results)),
    )


@dataclass(frozen=True)
class MatchTable:
    """The query's best matches per method, as table columns, and what to warn about.

    Attributes:
        columns: "rank" and one column per method label; each cell reads "S3 (0.82) The sentence…",
            "–" where a method has fewer matches than rows.
        notes: Markdown warnings (a query with no vector under some methods).
    """

    columns: dict[str, list[str]]
    notes: tuple[str, ...]


def match_table(comparison: SentenceComparison, metric: str = "cosine", topn: int = 3) -> MatchTable:
    """The ``topn`` sentences closest to the query under every method (an empty table without a query).

    Example:
        >>> from explorer.vectors import WordVectors
        >>> wv = WordVectors(["cat", "dog", "stock"], np.array([[1, 0], [0.9, 0.2], [0, 1]], dtype=np.float32))
        >>> view = encode_all(["A cat.", "Stock!", "xyzzy"], "a dog", wv, None, transformer=None)
        >>> table = match_table(view, "euclidean", topn=2)
        >>> table.columns["rank"], table.columns["No stopwords"][1][:2]
        (['1', '2'], 'S2')
    """
    if not comparison.query:
        return MatchTable({}, ())
    n_rows = min(topn, len(comparison.sentences))
    columns: dict[str, list[str]] = {"rank": [str(r) for r in range(1, n_rows + 1)]}
    notes = empty_warnings({m: comparison.queries[m] for m in comparison.methods}, query=True)
    for method in comparison.methods:
        label = METHOD_LABELS[method]
        query = comparison.queries[method]
        matches = []
        if not query.empty:
            try:
                matches = top_matches(query, comparison.results[method], metric, topn=topn)
            except SentenceError as exc:
                notes.append(f"**{label}:** {exc}")
        cells = [f"S{m.index + 1} ({m.score:.2f}) {shorten(m.sentence, 70)}" for m in matches]
        columns[label] = cells + ["–"] * (n_rows - len(cells))
    return MatchTable(columns, tuple(notes))
