"""Correlation of model cosines with human similarity scores (WordSim-353, SimLex-999), gensim's semantics.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.evaluation.pairs import evaluate_word_pairs
    >>> wv = WordVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]]))
    >>> evaluate_word_pairs(wv, b"a\\tb\\t9\\na\\tc\\t1\\nb\\tc\\t2\\n").spearman
    1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.errors import VectorsError
from explorer.evaluation.files import Source, read_word_pairs
from explorer.evaluation.vocab import restricted_vocab
from explorer.vectors import WordVectors


@dataclass(frozen=True)
class WordPairResult:
    """The outcome of ``evaluate_word_pairs``."""

    spearman: float
    pearson: float
    spearman_pvalue: float
    pearson_pvalue: float
    pairs_used: int
    oov_pairs: int
    invalid_lines: int = 0
    notices: tuple[str, ...] = ()  # what was skipped and why (scores that are NaN or infinite)

    @property
    def oov_ratio(self) -> float:
        """Share (0..1) of pairs skipped for unknown words; gensim reports 100 times this."""
        seen = self.pairs_used + self.oov_pairs
        return self.oov_pairs / seen if seen else 0.0


def evaluate_word_pairs(
    wv: WordVectors,
    source: Source,
    restrict_vocab: int = 300000,
    case_insensitive: bool = True,
    delimiter: str = "\t",
    max_bytes: int | None = None,
) -> WordPairResult:
    """Spearman and Pearson correlation between model cosines and human scores (gensim's semantics).

    Pairs with a word outside the first ``restrict_vocab`` words are skipped and counted.
    ``max_bytes`` is the upload limit of ``source`` (None: no limit).

    >>> wv = WordVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]]))
    >>> r = evaluate_word_pairs(wv, b"a\\tb\\t9\\na\\tc\\t1\\nb\\tc\\t2\\nx\\ta\\t5\\n")
    >>> r.pairs_used, r.oov_pairs, r.spearman
    (3, 1, 1.0)
    """
    from scipy import stats

    notes: list[str] = []
    pairs, invalid = read_word_pairs(source, delimiter=delimiter, max_bytes=max_bytes, notes=notes)
    ok = restricted_vocab(wv, restrict_vocab, case_insensitive)
    norm = str.upper if case_insensitive else str
    left: list[int] = []
    right: list[int] = []
    gold: list[float] = []
    oov = 0
    for w1, w2, score in pairs:
        a, b = norm(w1), norm(w2)
        if a not in ok or b not in ok:
            oov += 1
            continue
        left.append(ok[a])
        right.append(ok[b])
        gold.append(score)
    if not gold:
        raise VectorsError(
            f"None of the {len(pairs):,} word pairs has both words among the first {restrict_vocab:,} words of "
            f"{wv.name!r}; use vectors with a larger vocabulary."
        )
    unit = wv.unit_vectors
    model = np.einsum("ij,ij->i", unit[left], unit[right])
    if len(gold) < 3:
        raise VectorsError(f"Only {len(gold)} pair(s) are in the vocabulary; a correlation needs at least 3.")
    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    return WordPairResult(
        spearman=float(spearman.statistic),
        pearson=float(pearson.statistic),
        spearman_pvalue=float(spearman.pvalue),
        pearson_pvalue=float(pearson.pvalue),
        pairs_used=len(gold),
        oov_pairs=oov,
        invalid_lines=invalid,
        notices=tuple(notes),
    )
