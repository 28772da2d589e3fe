"""Analogies (a : b :: c : ?) and the standard evaluations of a word-vector set.

* ``analogy``: 3CosAdd (the answer nearest b - a + c) or 3CosMul (Levy & Goldberg 2014), with
  the input words excluded or not, on unit-normalised vectors.
* ``evaluate_analogies``: accuracy on a Google-format analogy file (``: section`` headers, then
  ``a b c d`` lines). With 3CosAdd it reproduces gensim's ``KeyedVectors.evaluate_word_analogies``
  exactly: words upper-cased when ``case_insensitive``, only the first ``restrict_vocab`` words,
  questions with any word outside them skipped, the three question words excluded, the best of
  the top 5 that is not a question word (in any letter case) taken as the answer. The work is
  batched: one (words x vocabulary) cosine table for the distinct question words, then chunks of
  questions scored and ranked together with torch.
* ``evaluate_word_pairs``: Spearman and Pearson correlation with human similarity scores, like
  gensim's ``evaluate_word_pairs`` (out-of-vocabulary pairs skipped and counted).
* ``relation_consistency``: the cosine between the offsets b - a and d - c.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["king", "queen", "man", "woman", "apple"],
    ...                  np.array([[1, 1, 0], [1, -1, 0], [0, 1, 0.1], [0, -1, 0.1], [0, 0, 1]]))
    >>> analogy(wv, "man", "woman", "king", topn=1)[0][0]
    'queen'
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from explorer.vectors import UnknownWordError, VectorsError

if TYPE_CHECKING:
    from explorer.vectors import WordVectors

METHODS = ("3cosadd", "3cosmul")
METHOD_LABELS = {"3cosadd": "3CosAdd", "3cosmul": "3CosMul"}
COSMUL_EPSILON = 1e-3  # Levy & Goldberg 2014 (gensim's most_similar_cosmul uses 1e-6)
GENSIM_TOPN = 5  # gensim's evaluator looks at the 5 best answers for one that is not a question word
_TABLE_LIMIT = 64_000_000  # most entries (256 MB of float32) in one words x vocabulary cosine table

Source = str | Path | IO[bytes] | bytes


# ----- results ------------------------------------------------------------------------------------
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

    @property
    def oov_ratio(self) -> float:
        """Share (0..1) of pairs skipped for unknown words; gensim reports 100 times this."""
        seen = self.pairs_used + self.oov_pairs
        return self.oov_pairs / seen if seen else 0.0


@dataclass(frozen=True)
class AnswerRank:
    """Where an expected answer lands among all candidates of an analogy query."""

    word: str
    rank: int  # 1 = the top answer
    score: float
    candidates: int


# ----- single queries -----------------------------------------------------------------------------
def _check_method(method: str) -> str:
    m = str(method).lower().replace(" ", "")
    if m not in METHODS:
        raise VectorsError(f"Unknown analogy method {method!r}; choose '3cosadd' or '3cosmul'.")
    return m


def _index(wv: WordVectors, word: str, role: str) -> int:
    if not isinstance(word, str) or not word.strip():
        raise VectorsError(f"The word for {role} is empty; type a word from the vector set.")
    i = wv.key_to_index.get(word)
    if i is None:
        raise UnknownWordError(wv.unknown_word_message(word))
    return i


def _restricted(wv: WordVectors, restrict_vocab: int | None) -> np.ndarray:
    unit = wv.unit_vectors
    if restrict_vocab is None:
        return unit
    if restrict_vocab < 1:
        raise VectorsError(f"restrict_vocab must be at least 1 (got {restrict_vocab}).")
    return unit[:restrict_vocab]


def analogy_scores(
    wv: WordVectors,
    a: str,
    b: str,
    c: str,
    method: str = "3cosadd",
    restrict_vocab: int | None = None,
    epsilon: float = COSMUL_EPSILON,
) -> np.ndarray:
    """The score of every candidate (the first ``restrict_vocab`` words) as the answer to a : b :: c : ?.

    3CosAdd: cos(x, b - a + c) with unit vectors (gensim's ``most_similar(positive=[b, c],
    negative=[a])``). 3CosMul: s(x, b) s(x, c) / (s(x, a) + epsilon) with s = (cos + 1) / 2.

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["a", "b", "c", "d"], np.eye(4))
    >>> analogy_scores(wv, "a", "b", "c").shape
    (4,)
    """
    method = _check_method(method)
    ia, ib, ic = _index(wv, a, "a"), _index(wv, b, "b"), _index(wv, c, "c")
    unit = wv.unit_vectors
    cand = _restricted(wv, restrict_vocab)
    if method == "3cosadd":
        query = unit[ib] + unit[ic] - unit[ia]
        norm = float(np.linalg.norm(query))
        return cand @ (query / max(norm, 1e-12))
    sims = cand @ np.stack([unit[ia], unit[ib], unit[ic]]).T  # (V, 3)
    shifted = (sims + 1.0) / 2.0
    return shifted[:, 1] * shifted[:, 2] / (shifted[:, 0] + epsilon)


def analogy(
    wv: WordVectors,
    a: str,
    b: str,
    c: str,
    method: str = "3cosadd",
    topn: int = 10,
    exclude_inputs: bool = True,
    restrict_vocab: int | None = None,
    epsilon: float = COSMUL_EPSILON,
) -> list[tuple[str, float]]:
    """The ``topn`` best answers to a : b :: c : ? as (word, score), best first.

    With ``exclude_inputs`` (gensim's behaviour) a, b and c are never answers; without it one of
    them often wins, which is worth seeing.

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> analogy(wv, "man", "woman", "king", topn=1)[0][0]
    'queen'
    """
    scores = analogy_scores(wv, a, b, c, method=method, restrict_vocab=restrict_vocab, epsilon=epsilon)
    if topn <= 0:
        return []
    excluded = {wv.key_to_index[w] for w in (a, b, c)} if exclude_inputs else set()
    k = min(len(scores), topn + len(excluded))
    if k == 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(wv.keys[i], float(scores[i])) for i in best if int(i) not in excluded][:topn]


def answer_rank(
    wv: WordVectors,
    a: str,
    b: str,
    c: str,
    expected: str,
    method: str = "3cosadd",
    exclude_inputs: bool = True,
    restrict_vocab: int | None = None,
    epsilon: float = COSMUL_EPSILON,
) -> AnswerRank:
    """The rank (1 = best) and score of ``expected`` among all candidate answers.

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> answer_rank(wv, "man", "woman", "king", "queen").rank
    1
    """
    i = _index(wv, expected, "the expected answer")
    scores = analogy_scores(wv, a, b, c, method=method, restrict_vocab=restrict_vocab, epsilon=epsilon)
    if i >= len(scores):
        raise VectorsError(
            f"{expected!r} is outside the first {len(scores):,} words the answers are drawn from; raise the limit."
        )
    mask = np.ones(len(scores), dtype=bool)
    if exclude_inputs:
        for w in (a, b, c):
            j = wv.key_to_index[w]
            if j < len(mask):
                mask[j] = False
    if not mask[i]:
        raise VectorsError(
            f"{expected!r} is one of the question words, which are excluded from the answers; "
            "turn off 'exclude input words' to rank it."
        )
    score = scores[i]
    rank = 1 + int(np.count_nonzero(scores[mask] > score))
    return AnswerRank(word=expected, rank=rank, score=float(score), candidates=int(mask.sum()))


def relation_consistency(wv: WordVectors, a: str, b: str, c: str, d: str) -> float:
    """Cosine between the offsets b - a and d - c of the unit vectors, in [-1, 1].

    Near 1: the pair (c, d) differs the way (a, b) does, so the analogy rests on a shared
    direction. Near 0: the answer was reached for another reason (d merely sits close to c or b).

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> round(relation_consistency(wv, "man", "woman", "king", "queen"), 2)
    1.0
    """
    ia, ib = _index(wv, a, "a"), _index(wv, b, "b")
    ic, id_ = _index(wv, c, "c"), _index(wv, d, "d")
    unit = wv.unit_vectors
    first, second = unit[ib] - unit[ia], unit[id_] - unit[ic]
    n1, n2 = float(np.linalg.norm(first)), float(np.linalg.norm(second))
    if n1 < 1e-9 or n2 < 1e-9:
        which = f"{a!r} and {b!r}" if n1 < 1e-9 else f"{c!r} and {d!r}"
        raise VectorsError(f"{which} have the same direction, so there is no offset to compare.")
    return float(first @ second / (n1 * n2))


def check_analogy_words(wv: WordVectors, words: Sequence[str]) -> list[str]:
    """Raise for empty or unknown words; return notices about repeated words (allowed, but odd).

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> check_analogy_words(WordVectors(["x", "y"], np.eye(2)), ["x", "x", "y"])
    ["'x' is used twice (a and b): the offset between them is zero, so the answer is just a neighbour."]
    """
    roles = ("a", "b", "c", "the expected answer")
    for word, role in zip(words, roles, strict=False):
        _index(wv, word, role)
    notices: list[str] = []
    seen: dict[str, str] = {}
    for word, role in zip(words, roles, strict=False):
        if word in seen:
            notices.append(
                f"{word!r} is used twice ({seen[word]} and {role}): the offset between them is zero, "
                "so the answer is just a neighbour."
            )
        else:
            seen[word] = role
    return notices


def resolve_words(wv: WordVectors, words: Sequence[str | None]) -> tuple[list[str | None], list[str]]:
    """Typed words as the vector set spells them: trimmed, and in another letter case when only that is known.

    Returns the words (None and empty stay None) and a notice for each word that was changed, so
    "King " finds "king" in an uncased vocabulary. A word known in no spelling is returned as typed
    (``check_analogy_words`` then explains it).

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> resolve_words(WordVectors(["king", "Paris"], np.eye(2)), ["King ", "paris", None])[0]
    ['king', 'Paris', None]
    """
    out: list[str | None] = []
    notices: list[str] = []
    lower_index: dict[str, str] | None = None
    for word in words:
        if word is None or not str(word).strip():
            out.append(None)
            continue
        typed = str(word)
        text = typed.strip()
        found = text if text in wv else None
        if found is None:
            for variant in (text.lower(), text.capitalize(), text.upper(), text.title()):
                if variant in wv:
                    found = variant
                    break
        if found is None:
            if lower_index is None:
                lower_index = {}
                for key in wv.keys:
                    lower_index.setdefault(key.lower(), key)
            found = lower_index.get(text.lower())
        if found is None:
            out.append(text)
            continue
        if found != text:
            notices.append(f"{text!r} is not in {wv.name!r}; {found!r} is used instead.")
        out.append(found)
    return out, notices


# ----- files ------------------------------------------------------------------------------------
def _read_text(source: Source) -> tuple[str, str]:
    from explorer.vectors_io import _read_bytes, _source_name

    name = _source_name(source) or "the file"
    data = _read_bytes(source)
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError as exc:
        raise VectorsError(f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8.") from exc


@dataclass(frozen=True)
class AnalogySet:
    """A parsed Google-format analogy file: sections of (a, b, c, d) questions, as written."""

    sections: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...]
    invalid_lines: int = 0

    @property
    def questions(self) -> int:
        return sum(len(q) for _, q in self.sections)


def read_analogies(source: Source) -> AnalogySet:
    """Parse ``: section`` headers and ``a b c d`` lines; other lines are counted as invalid (as in gensim).

    >>> read_analogies(b": capitals\\nparis france rome italy\\n").sections[0][0]
    'capitals'
    """
    text, name = _read_text(source)
    sections: list[tuple[str, list[tuple[str, str, str, str]]]] = []
    invalid = 0
    lines = text.split("\n")  # b"\n"-terminated lines, as gensim reads them
    if lines and lines[-1] == "":
        lines.pop()
    for line_no, line in enumerate(lines, start=1):
        if line.startswith(": "):
            sections.append((line.lstrip(": ").strip(), []))
            continue
        if not sections:
            if not line.strip():
                continue
            raise VectorsError(
                f"Line {line_no} of {name} comes before any ': section' header; start the file with a line "
                "such as ': capital-common-countries'."
            )
        parts = line.split()
        if len(parts) != 4:
            invalid += 1
            continue
        sections[-1][1].append((parts[0], parts[1], parts[2], parts[3]))
    if not any(q for _, q in sections):
        raise VectorsError(
            f"{name} holds no analogy questions; it needs ': section' lines followed by lines of four words "
            "'a b c d' (a : b :: c : d)."
        )
    return AnalogySet(tuple((s, tuple(q)) for s, q in sections), invalid)


def read_word_pairs(source: Source, delimiter: str = "\t") -> tuple[list[tuple[str, str, float]], int]:
    """Parse ``word1<TAB>word2<TAB>score`` lines, skipping ``#`` comments; returns (pairs, invalid lines).

    >>> read_word_pairs(b"# c\\ntiger\\tcat\\t7.35\\n")
    ([('tiger', 'cat', 7.35)], 0)
    """
    text, name = _read_text(source)
    pairs: list[tuple[str, str, float]] = []
    invalid = 0
    for line in io.StringIO(text, newline=None):  # universal newlines, as gensim's text-mode open
        if not line or line.startswith("#"):
            continue
        parts = line.split(delimiter)
        if len(parts) != 3:
            invalid += 1
            continue
        try:
            score = float(parts[2])
        except ValueError:
            invalid += 1
            continue
        pairs.append((parts[0], parts[1], score))
    if not pairs:
        raise VectorsError(
            f"{name} holds no word pairs; each line should be 'word1<TAB>word2<TAB>score' (lines starting with "
            "# are comments)."
        )
    return pairs, invalid


def _ok_vocab(wv: WordVectors, restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
    """gensim's restricted vocabulary: key (upper-cased if asked) -> index of its first occurrence."""
    keys = wv.keys[:restrict_vocab]
    if not case_insensitive:
        return {k: i for i, k in enumerate(keys)}
    ok: dict[str, int] = {}
    for i, k in enumerate(keys):
        ok.setdefault(k.upper(), i)
    return ok


def _load_analogies(source: Source | AnalogySet) -> AnalogySet:
    return source if isinstance(source, AnalogySet) else read_analogies(source)


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
) -> AnalogyResult:
    """Accuracy on a Google-format analogy file, per section and overall (gensim's semantics, batched).

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> evaluate_analogies(wv, b": royal\\nman woman king queen\\nman woman king prince\\n").skipped
    1
    """
    import torch

    method = _check_method(method)
    if restrict_vocab < 1:
        raise VectorsError(f"restrict_vocab must be at least 1 (got {restrict_vocab}).")
    data = _load_analogies(source)
    ok = _ok_vocab(wv, restrict_vocab, case_insensitive)
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


def evaluate_word_pairs(
    wv: WordVectors,
    source: Source,
    restrict_vocab: int = 300000,
    case_insensitive: bool = True,
    delimiter: str = "\t",
) -> WordPairResult:
    """Spearman and Pearson correlation between model cosines and human scores (gensim's semantics).

    Pairs with a word outside the first ``restrict_vocab`` words are skipped and counted.

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]]))
    >>> r = evaluate_word_pairs(wv, b"a\\tb\\t9\\na\\tc\\t1\\nb\\tc\\t2\\nx\\ta\\t5\\n")
    >>> r.pairs_used, r.oov_pairs, r.spearman
    (3, 1, 1.0)
    """
    from scipy import stats

    pairs, invalid = read_word_pairs(source, delimiter=delimiter)
    ok = _ok_vocab(wv, restrict_vocab, case_insensitive)
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
    )


def method_comparison(results: Sequence[AnalogyResult]) -> list[dict[str, Any]]:
    """Rows for a table with one accuracy column per method: section, questions, skipped, accuracies.

    The last row is the overall accuracy. Accuracies are fractions (NaN when nothing was evaluated).
    """
    if not results:
        return []
    rows: list[dict[str, Any]] = []
    first = results[0]
    for i, sec in enumerate(first.sections):
        row: dict[str, Any] = {"section": sec.section, "evaluated": sec.total, "skipped": sec.skipped}
        for res in results:
            row[METHOD_LABELS.get(res.method, res.method)] = res.sections[i].accuracy
        rows.append(row)
    total: dict[str, Any] = {"section": "all sections", "evaluated": first.total, "skipped": first.skipped}
    for res in results:
        total[METHOD_LABELS.get(res.method, res.method)] = res.accuracy
    rows.append(total)
    return rows


# ----- the offset picture ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OffsetPlane:
    """2D coordinates of the analogy words (PCA fitted on a, b, c, d) and of a few other words."""

    words: tuple[str, ...]
    roles: tuple[str, ...]  # "a", "b", "c", "d" or "neighbour"
    coords: np.ndarray  # (n, 2)
    explained: float  # share of the four words' variance the two axes keep


def offset_plane(wv: WordVectors, a: str, b: str, c: str, d: str, neighbours: Sequence[str] = ()) -> OffsetPlane:
    """Project unit vectors onto the two principal axes of a, b, c, d (neighbours projected, not fitted).

    Fitting on the four words alone keeps the picture faithful to the two offsets it shows.

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> offset_plane(wv, "man", "woman", "king", "queen").coords.shape
    (4, 2)
    """
    four = [a, b, c, d]
    for word, role in zip(four, "abcd", strict=True):
        _index(wv, word, role)
    extra = [w for w in dict.fromkeys(neighbours) if w in wv.key_to_index and w not in four]
    words = four + extra
    unit = wv.unit_vectors[[wv.key_to_index[w] for w in words]].astype(np.float64)
    center = unit[:4].mean(axis=0)
    _, sing, vt = np.linalg.svd(unit[:4] - center, full_matrices=False)
    axes = vt[:2]
    if axes.shape[0] < 2:
        axes = np.vstack([axes, np.zeros((2 - axes.shape[0], unit.shape[1]))])
    coords = (unit - center) @ axes.T
    total = float((sing**2).sum())
    explained = float((sing[:2] ** 2).sum() / total) if total > 0 else 1.0
    # Pin the sign of each axis so the picture does not flip between runs: b - a points right/up.
    offset = coords[1] - coords[0]
    for k in range(2):
        if offset[k] < 0:
            coords[:, k] *= -1
    roles = ("a", "b", "c", "d") + ("neighbour",) * len(extra)
    return OffsetPlane(words=tuple(words), roles=roles, coords=coords, explained=explained)


# ----- built-in files and examples ------------------------------------------------------------------
ASSETS = Path(__file__).resolve().parent.parent / "assets" / "analogies"
BUILTIN_ANALOGY_FILES: dict[str, tuple[str, str]] = {
    "world": ("Analogy world: capitals, nationalities, family, animals", "world.txt"),
    "support": ("Support-ticket words: past tense and plurals", "support.txt"),
}
BUILTIN_PAIR_FILES: dict[str, tuple[str, str]] = {
    "pairs": ("Word relatedness pairs for the built-in corpora", "word_pairs.tsv"),
}


@dataclass(frozen=True)
class Preset:
    """An example question a : b :: c : ? with the answer people expect."""

    label: str
    a: str
    b: str
    c: str
    expected: str
    fits: str  # which vector sets it is meant for


def builtin_path(name: str) -> Path:
    """Path of a built-in analogy or word-pair file by its short name ("world", "support", "pairs")."""
    table = {**BUILTIN_ANALOGY_FILES, **BUILTIN_PAIR_FILES}
    if name not in table:
        raise VectorsError(f"No built-in evaluation file {name!r}; choose one of {', '.join(table)}.")
    return ASSETS / table[name][1]


def load_presets() -> tuple[Preset, ...]:
    """The example questions shipped in assets/analogies/presets.json.

    >>> load_presets()[0].label
    'king : queen :: man : ?'
    """
    import json

    raw = json.loads((ASSETS / "presets.json").read_text(encoding="utf-8"))
    return tuple(Preset(**item) for item in raw)


def opening_example(wv: WordVectors, presets: Sequence[Preset]) -> Preset | None:
    """The example to open the page on: the first the vector set answers right (3CosAdd), else the first it knows.

    None when the set lacks a word of every example.

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> opening_example(wv, [Preset("x", "man", "woman", "king", "queen", "any")]).expected
    'queen'
    """
    known = [p for p in presets if all(w in wv for w in (p.a, p.b, p.c, p.expected))]
    for preset in known:
        if analogy(wv, preset.a, preset.b, preset.c, topn=1)[0][0] == preset.expected:
            return preset
    return known[0] if known else None
