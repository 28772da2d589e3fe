"""Batched accuracy on a Google-format analogy file, gensim's semantics.

With 3CosAdd it reproduces gensim's ``KeyedVectors.evaluate_word_analogies`` exactly: words
upper-cased when ``case_insensitive``, only the first ``restrict_vocab`` words, questions with any
word outside them skipped, the three question words excluded, the best of the top 5 that is not a
question word (in any letter case) taken as the answer. The work is batched: one (words x
vocabulary) cosine table for the distinct question words, then chunks of questions scored and
ranked together with torch.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.evaluation.analogies import evaluate_analogies
    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> evaluate_analogies(wv, b": royal\\nman woman king queen\\n").accuracy
    1.0
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.errors import VectorsError
from explorer.evaluation.files import AnalogySet, Source, read_analogies
from explorer.evaluation.vocab import restricted_vocab
from explorer.vectors import ANALOGY_METHOD_LABELS, COSMUL_EPSILON, WordVectors, check_analogy_method

GENSIM_TOPN = 5  # gensim's evaluator looks at the 5 best answers for one that is not a question word
_TABLE_LIMIT = 64_000_000  # most entries (256 MB of float32) in one words x vocabulary cosine table


@dataclass(frozen=True)
class SectionResult:
    """One ``: section`` of an analogy file: questions answered correctly out of those evaluated."""

    section: str
    correct: int
    total: int  # questions evaluated (all four words known)
    skipped: int  # questions with a word outside the vocabulary

    @property
    def accuracy(self) -> float:
        """correct / total, NaN when no question of the section could be evaluated."""
        return self.correct / self.total if self.total else math.nan


@dataclass(frozen=True)
class AnalogyResult:
    """The outcome of ``evaluate_analogies``."""

    method: str
    accuracy: float  # overall: correct / total over every section
    correct: int
    total: int
    skipped: int
    sections: tuple[SectionResult, ...]
    restrict_vocab: int
    case_insensitive: bool
    invalid_lines: int = 0  # lines that are not four words (skipped, as gensim does)

    @property
    def questions(self) -> int:
        """Every question in the file, evaluated or skipped."""
        return self.total + self.skipped

    @property
    def oov_ratio(self) -> float:
        """Share of questions skipped for unknown words (gensim reports it as a percentage)."""
        return self.skipped / self.questions if self.questions else 0.0


def _best_answers(
    unit: Any, q_idx: Any, method: str, epsilon: float, chunk_size: int
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (first question, (q, 5) indices of the best answers, inputs excluded) chunk by chunk.

    ``unit`` is the (V, dim) candidate matrix and ``q_idx`` the (Q, 4) question indices, as torch
    tensors. The scores come from a cosine table of the distinct question words, (W, V): benchmark
    files reuse a few hundred words, so this is far cheaper than one (dim x V) product per question.
    """
    import torch

    n_cand = unit.shape[0]
    n_questions = q_idx.shape[0]
    topk = min(GENSIM_TOPN, n_cand)
    distinct_all = torch.unique(q_idx[:, :3])
    if distinct_all.numel() * n_cand <= _TABLE_LIMIT:
        block = n_questions
    else:  # one smaller table per block of questions
        block = chunk_size = max(1, min(chunk_size, _TABLE_LIMIT // (3 * n_cand)))
    rows = min(chunk_size, n_questions)
    # Two reused (chunk, V) buffers: fresh 100 MB allocations per chunk cost more than the arithmetic.
    buf = torch.empty((rows, n_cand), dtype=unit.dtype, device=unit.device)
    tmp = torch.empty_like(buf)
    for block_start in range(0, n_questions, block):
        block_idx = q_idx[block_start : block_start + block]
        distinct, inverse = torch.unique(block_idx[:, :3], return_inverse=True)
        table = unit[distinct] @ unit.T  # (W, V)
        if method == "3cosmul":
            table.add_(1.0).div_(2.0)
        for start in range(0, block_idx.shape[0], chunk_size):
            stop = min(start + chunk_size, block_idx.shape[0])
            scores, other = buf[: stop - start], tmp[: stop - start]
            ia, ib, ic = inverse[start:stop, 0], inverse[start:stop, 1], inverse[start:stop, 2]
            torch.index_select(table, 0, ib, out=scores)
            torch.index_select(table, 0, ic, out=other)
            if method == "3cosadd":
                # cos(x, b) + cos(x, c) - cos(x, a) ranks like cos(x, unit(b + c - a)).
                scores.add_(other)
                torch.index_select(table, 0, ia, out=other)
                scores.sub_(other)
            else:
                # s(x, b) * s(x, c) / (s(x, a) + epsilon), s = (cos + 1) / 2
                scores.mul_(other)
                torch.index_select(table, 0, ia, out=other)
                scores.div_(other.add_(epsilon))
            scores.scatter_(1, block_idx[start:stop, :3], float("-inf"))
            yield block_start + start, torch.topk(scores, topk, dim=1).indices.cpu().numpy()


def evaluate_analogies(
    wv: WordVectors,
    source: Source | AnalogySet,
    restrict_vocab: int = 30000,
    method: str = "3cosadd",
    case_insensitive: bool = True,
    chunk_size: int = 512,
    epsilon: float = COSMUL_EPSILON,
    device: str = "cpu",
    max_bytes: int | None = None,
) -> AnalogyResult:
    """Accuracy on a Google-format analogy file, per section and overall (gensim's semantics, batched).

    ``source`` is a path, bytes, an upload or an ``AnalogySet`` already read; ``max_bytes`` is the
    upload limit of a file (None: no limit). ``device`` is where torch ranks the answers.

    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> evaluate_analogies(wv, b": royal\\nman woman king queen\\nman woman king prince\\n").skipped
    1
    """
    import torch

    method = check_analogy_method(method)
    if restrict_vocab < 1:
        raise VectorsError(f"restrict_vocab must be at least 1 (got {restrict_vocab}).")
    data = source if isinstance(source, AnalogySet) else read_analogies(source, max_bytes)
    ok = restricted_vocab(wv, restrict_vocab, case_insensitive)
    norm = str.upper if case_insensitive else str

    # Questions whose four words are all known, as indices into the restricted vocabulary.
    per_section: list[tuple[str, list[int], int]] = []  # (name, question ids, skipped)
    quads: list[tuple[int, int, int, int]] = []
    ignore_sets: list[tuple[str, str, str, str]] = []
    for name, questions in data.sections:
        ids: list[int] = []
        skipped = 0
        for q in questions:
            a, b, c, d = (norm(w) for w in q)
            if a not in ok or b not in ok or c not in ok or d not in ok:
                skipped += 1
                continue
            ids.append(len(quads))
            quads.append((ok[a], ok[b], ok[c], ok[d]))
            ignore_sets.append((a, b, c, d))
        per_section.append((name, ids, skipped))

    correct = np.zeros(len(quads), dtype=bool)
    if quads:
        n_cand = min(restrict_vocab, len(wv))
        unit = torch.from_numpy(np.array(wv.unit_vectors[:n_cand], copy=True)).to(device)
        q_idx = torch.tensor(quads, dtype=torch.long, device=device)
        for start, best in _best_answers(unit, q_idx, method, epsilon, chunk_size):
            for row, (a, b, c, expected) in enumerate(ignore_sets[start : start + len(best)]):
                predicted = None
                for j in best[row]:
                    predicted = norm(wv.keys[j])
                    if predicted in ok and predicted not in (a, b, c):
                        break
                correct[start + row] = predicted == expected

    sections = tuple(
        SectionResult(section=name, correct=int(correct[ids].sum()), total=len(ids), skipped=skipped)
        for name, ids, skipped in per_section
    )
    total = len(quads)
    skipped = sum(s.skipped for s in sections)
    if total == 0:
        raise VectorsError(
            f"None of the {skipped:,} questions has all four words among the first {restrict_vocab:,} words of "
            f"{wv.name!r}; use vectors with a larger vocabulary or questions that fit this one."
        )
    n_correct = int(correct.sum())
    return AnalogyResult(
        method=method,
        accuracy=n_correct / total,
        correct=n_correct,
        total=total,
        skipped=skipped,
        sections=sections,
        restrict_vocab=restrict_vocab,
        case_insensitive=case_insensitive,
        invalid_lines=data.invalid_lines,
    )


def method_comparison(results: Sequence[AnalogyResult]) -> list[dict[str, Any]]:
    """Rows for a table with one accuracy column per method: section, questions, skipped, accuracies.

    The last row is the overall accuracy. Accuracies are fractions (NaN when nothing was evaluated).

    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> result = evaluate_analogies(wv, b": royal\\nman woman king queen\\n")
    >>> method_comparison([result])[-1]
    {'section': 'all sections', 'evaluated': 1, 'skipped': 0, '3CosAdd': 1.0}
    """
    if not results:
        return []
    rows: list[dict[str, Any]] = []
    first = results[0]
    for i, sec in enumerate(first.sections):
        row: dict[str, Any] = {"section": sec.section, "evaluated": sec.total, "skipped": sec.skipped}
        for res in results:
            row[ANALOGY_METHOD_LABELS.get(res.method, res.method)] = res.sections[i].accuracy
        rows.append(row)
    total: dict[str, Any] = {"section": "all sections", "evaluated": first.total, "skipped": first.skipped}
    for res in results:
        total[ANALOGY_METHOD_LABELS.get(res.method, res.method)] = res.accuracy
    rows.append(total)
    return rows
