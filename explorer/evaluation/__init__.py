"""The standard evaluations of a word-vector set, and what the Analogies page shows around a question.

* ``evaluate_analogies``: accuracy on a Google-format analogy file (``: section`` headers, then
  ``a b c d`` lines), gensim's semantics, batched with torch (``analogies``).
* ``evaluate_word_pairs``: Spearman and Pearson correlation with human similarity scores, like
  gensim's ``evaluate_word_pairs`` (out-of-vocabulary pairs skipped and counted) (``pairs``).
* reading the files and the built-in ones (``files``); example questions (``presets``); the
  expected answer's rank, word checks and the offset picture (``views``).

A single question (a : b :: c : ?) is a query on the vector set itself: ``wv.analogy(...)``,
``wv.analogy_scores(...)``, ``wv.relation_consistency(...)`` (``explorer.vectors``).

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer import evaluation
    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> evaluation.evaluate_analogies(wv, b": royal\\nman woman king queen\\n").correct
    1
"""

from __future__ import annotations

from explorer.evaluation.analogies import (
    GENSIM_TOPN,
    AnalogyResult,
    SectionResult,
    evaluate_analogies,
    method_comparison,
)
from explorer.evaluation.files import (
    BUILTIN_ANALOGY_FILES,
    BUILTIN_PAIR_FILES,
    AnalogySet,
    builtin_path,
    read_analogies,
    read_word_pairs,
)
from explorer.evaluation.pairs import WordPairResult, evaluate_word_pairs
from explorer.evaluation.presets import Preset, load_presets, opening_example
from explorer.evaluation.views import (
    AnswerRank,
    OffsetPlane,
    answer_rank,
    check_analogy_words,
    offset_plane,
    resolve_words,
)
from explorer.vectors import ANALOGY_METHOD_LABELS as METHOD_LABELS
from explorer.vectors import ANALOGY_METHODS as METHODS
from explorer.vectors import COSMUL_EPSILON

__all__ = [
    "BUILTIN_ANALOGY_FILES",
    "BUILTIN_PAIR_FILES",
    "COSMUL_EPSILON",
    "GENSIM_TOPN",
    "METHODS",
    "METHOD_LABELS",
    "AnalogyResult",
    "AnalogySet",
    "AnswerRank",
    "OffsetPlane",
    "Preset",
    "SectionResult",
    "WordPairResult",
    "answer_rank",
    "builtin_path",
    "check_analogy_words",
    "evaluate_analogies",
    "evaluate_word_pairs",
    "load_presets",
    "method_comparison",
    "offset_plane",
    "opening_example",
    "read_analogies",
    "read_word_pairs",
    "resolve_words",
]
