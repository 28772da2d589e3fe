"""What the Analogies page shows: one question answered and explained, and a test file scored.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.analogyview import ask
    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> view = ask(wv, ["man", "woman", "king", "queen"], method="3cosadd", topn=1, exclude=True)
    >>> view.answers[0][0], view.rank.rank, round(view.consistency, 2)
    ('queen', 1, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from explorer import evaluation
from explorer.errors import VectorsError
from explorer.vectors import WordVectors


@dataclass(frozen=True)
class AnalogyView:
    """One a : b :: c : ? question: the words as the set spells them, answers, and why the top one won.

    ``error`` is set (and the rest empty) when the words cannot be used; ``notices`` say what was
    respelled or is odd; ``rank`` is None without an expected answer; ``plane`` is None when the
    answer is a or b.
    """

    words: tuple[str | None, str | None, str | None, str | None]
    answers: list[tuple[str, float]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    error: str | None = None
    rank: evaluation.AnswerRank | None = None
    rank_error: str | None = None
    consistency: float | None = None
    consistency_error: str | None = None
    plane: evaluation.OffsetPlane | None = None

    @property
    def complete(self) -> bool:
        return all(self.words[:3])

    @property
    def top(self) -> str | None:
        return self.answers[0][0] if self.answers else None


def _reason(exc: Exception) -> str:
    return exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)


def ask(wv: WordVectors, typed: Sequence[str | None], *, method: str, topn: int, exclude: bool) -> AnalogyView:
    """Answer a : b :: c : ? (``typed`` = a, b, c and an optional expected answer) and explain the answer."""
    resolved, spelled = evaluation.resolve_words(wv, list(typed) + [None] * (4 - len(typed)))
    a, b, c, expected = resolved[:4]
    words = (a, b, c, expected)
    if not all((a, b, c)):
        return AnalogyView(words)
    try:
        notices = evaluation.check_analogy_words(wv, [a, b, c] + ([expected] if expected else []))
        answers = wv.analogy(a, b, c, method=method, topn=topn, exclude_inputs=exclude)
    except (VectorsError, KeyError) as exc:
        return AnalogyView(words, error=_reason(exc))
    rank = rank_error = consistency = consistency_error = plane = None
    if expected:
        try:
            rank = evaluation.answer_rank(wv, a, b, c, expected, method=method, exclude_inputs=exclude)
        except (VectorsError, KeyError) as exc:
            rank_error = _reason(exc)
    d = expected or (answers[0][0] if answers else None)
    if d is not None and d not in (a, b):
        try:
            consistency = wv.relation_consistency(a, b, c, d)
        except VectorsError as exc:
            consistency_error = str(exc)
        plane = evaluation.offset_plane(wv, a, b, c, d, neighbours=[w for w, _ in answers[:6]])
    return AnalogyView(words, answers, spelled + notices, None, rank, rank_error, consistency, consistency_error, plane)


def score_file(wv: WordVectors, kind: str, source: Any, restrict_vocab: int, max_bytes: int | None) -> Any:
    """Score ``wv`` on an analogy file (both methods: a list of two ``AnalogyResult``) or a word-pair file."""
    if kind == "analogies":
        parsed = evaluation.read_analogies(source, max_bytes=max_bytes)
        return [
            evaluation.evaluate_analogies(wv, parsed, restrict_vocab=restrict_vocab, method=m)
            for m in evaluation.METHODS
        ]
    return evaluation.evaluate_word_pairs(wv, source, restrict_vocab=restrict_vocab, max_bytes=max_bytes)
