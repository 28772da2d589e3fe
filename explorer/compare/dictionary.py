"""Align two vector sets whose vocabularies differ by a dictionary of word pairs, and translate.

The standard recipe for two languages (Mikolov et al. 2013; Smith et al. 2017; Conneau et al.
2018, MUSE), with the direction ``compare`` uses everywhere: **B is rotated onto A**.

* **Preparation.** Each set's rows are unit length, centred, unit length again
  (``linalg.centre_unit_rows``), centred on the mean unit row of the set's first
  ``RETRIEVAL_WORDS`` words (its most frequent ones), so that every word of a set, paired or not,
  sits in one prepared space: A_n, B_n.
* **Alignment.** On the training pairs (a_i, b_i), the orthogonal R (d_b, d_a) minimising
  sum_i ||B_n[b_i] R - A_n[a_i]||^2 (Schönemann's Procrustes solution). A word with several
  translations brings one training row per pair.
* **Retrieval.** A word x of A is translated by ranking the candidates, B's first
  ``RETRIEVAL_WORDS`` words rotated (y R), by *cosine* cos(x, yR), or by *CSLS* (cross-domain
  similarity local scaling, Conneau et al. 2018) 2 cos(x, yR) - r_B(x) - r_A(yR): r_B(x) is the mean
  cosine of x to its k = 10 nearest rotated candidates, r_A(yR) the mean cosine of yR to its k
  nearest words among A's first ``RETRIEVAL_WORDS``. A hub (a y near very many x) has a high
  r_A, so CSLS pushes it down.
* **Test.** The source words (A words with a pair in both sets) are shuffled with ``seed`` and a
  ``holdout`` share of them is set aside *with all their pairs*: no held-out pair trains R.
  precision@n is the share of held-out words whose n best candidates include any of their gold
  translations.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(50, 6))
    >>> q = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    >>> a = WordVectors([f"a{i}" for i in range(50)], x, name="A")
    >>> b = WordVectors([f"b{i}" for i in range(50)], x @ q, name="B")
    >>> d = align(a, b, [(f"a{i}", f"b{i}") for i in range(50)], holdout=0.2, seed=0)
    >>> len(d.train_pairs), len(d.test_pairs), d.precision["csls"], d.translate("a3", 1)[0][0]
    (40, 10, (1.0, 1.0), 'b3')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from explorer.compare.pairfile import PairList, as_pairs
from explorer.errors import CompareError
from explorer.linalg import centre_unit_rows, procrustes_fit, readonly, row_cosines
from explorer.wording import count

if TYPE_CHECKING:
    from explorer.vectors import WordVectors

RETRIEVAL_WORDS = 20_000  # candidates (B) and hubness neighbourhoods (A): each set's most frequent words
CSLS_K = 10  # neighbours in CSLS's local scaling, as in Conneau et al. (2018)
RETRIEVALS = ("csls", "cosine")
RETRIEVAL_LABELS = {"csls": "CSLS", "cosine": "cosine"}
PRECISION_AT = (1, 5)
MIN_TRAIN_WORDS = 2  # fewer training words than this cannot fix a rotation at all
MAX_HOLDOUT = 0.9
_BLOCK = 512  # query rows per (block, candidates) float32 score matrix: 40 MB at 20,000 candidates


@dataclass(frozen=True, eq=False)
class DictionaryAlignment:
    """B rotated onto A by a dictionary, with held-out precision; arrays read-only.

    Attributes:
        a, b: the two sets.
        rotation: (d_b, d_a) float64, B_n R ≈ A_n on the training pairs.
        residual: ||B_n R - A_n||_F / ||A_n||_F over the training pairs' rows.
        mean_a, mean_b: (d,) float64 centres of each set's first ``RETRIEVAL_WORDS`` unit rows.
        train_pairs, test_pairs: the dictionary's pairs found in both sets, split by source word.
        pairs_given: pairs in the dictionary; missing_a / missing_b: those left out because A lacks
            the first word / B lacks the second (a pair lacking both counts in missing_a).
        candidates: B words searched by ``translate`` (B's first ``RETRIEVAL_WORDS``).
        sources: A words that CSLS's hub scores look at (A's first ``RETRIEVAL_WORDS``).
        csls_k: neighbours in CSLS's local scaling.
        hub: (candidates,) float32 r_A of each candidate: mean cosine to its csls_k nearest A words.
        precision: retrieval ("csls", "cosine") -> (precision@1, precision@5) on the held-out
            words (NaN when none could be scored).
        tested: held-out source words scored; untested: held-out ones whose every translation
            lies beyond the candidates.
        words, words_b, rows_a, rows_b: one pair per source word, one-to-one (each A word with its
            first translation not taken by an earlier A word), in A's order: what the tables and the
            map of ``Comparison`` show.
        held_out: (len(words),) bool, the word was held out.
        cosine: (len(words),) float64 cosine between the word's A row and its pair's rotated B row.
        notes: sentences for the reader.
    """

    a: WordVectors = field(repr=False)
    b: WordVectors = field(repr=False)
    rotation: np.ndarray = field(repr=False)
    residual: float
    mean_a: np.ndarray = field(repr=False)
    mean_b: np.ndarray = field(repr=False)
    train_pairs: tuple[tuple[str, str], ...] = field(repr=False)
    test_pairs: tuple[tuple[str, str], ...] = field(repr=False)
    pairs_given: int
    missing_a: int
    missing_b: int
    candidates: int
    sources: int
    csls_k: int
    hub: np.ndarray = field(repr=False)
    precision: dict[str, tuple[float, ...]]
    tested: int
    untested: int
    words: tuple[str, ...] = field(repr=False)
    words_b: tuple[str, ...] = field(repr=False)
    rows_a: np.ndarray = field(repr=False)
    rows_b: np.ndarray = field(repr=False)
    held_out: np.ndarray = field(repr=False)
    cosine: np.ndarray = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def train_words(self) -> int:
        """Distinct A words of the training pairs."""
        return len({p[0] for p in self.train_pairs})

    @property
    def test_words(self) -> int:
        """Distinct A words held out."""
        return len({p[0] for p in self.test_pairs})

    def translate(self, word: str, n: int = 5, retrieval: str = "csls") -> list[tuple[str, float]]:
        """The ``n`` best B words for ``word`` of A after the alignment, with their scores, best first.

        ``retrieval``: "csls" (score 2 cos - r_B(x) - r_A(y), see the module docstring) or
        "cosine". Candidates are B's first ``candidates`` words; equal scores keep B's order.
        """
        if retrieval not in RETRIEVALS:
            raise CompareError(f"Unknown retrieval {retrieval!r}; use one of {', '.join(RETRIEVALS)}.")
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise CompareError(f"n (translations to list) must be a whole number of at least 1; got {n!r}.")
        if word not in self.a:
            raise CompareError(
                f"{self.a.unknown_word_message(word)} Translations are looked up for words of set A ({self.a.name!r})."
            )
        query = _prepared(self.a, np.array([self.a.key_to_index[word]]), self.mean_a)  # (1, d_a)
        best, scores = _ranked(query, self._candidate_rows(), self.hub, int(min(n, self.candidates)), self.csls_k)
        keys = self.b.keys
        return [(keys[j], float(s)) for j, s in zip(best[retrieval][0], scores[retrieval][0], strict=True)]

    def precision_on(self, pairs: PairList | Iterable[Sequence[str]]) -> tuple[dict[str, tuple[float, ...]], int, int]:
        """(precision like ``precision``, words scored, words not scorable) on any pairs, e.g. a separate test set.

        Pairs with a word missing from its set are left out; a source word counts as correct when
        any of its gold translations is among the n best.
        """
        kept = _in_both(self.a, self.b, as_pairs(pairs))[0]
        return self._score(kept)

    def _candidate_rows(self) -> np.ndarray:
        """(candidates, d_a) float32: B's first candidates prepared rows, rotated onto A."""
        rows = _prepared(self.b, np.arange(self.candidates), self.mean_b)
        return rows @ self.rotation.astype(np.float32)

    def _score(self, pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, tuple[float, ...]], int, int]:
        return _precision(self.a, self.b, pairs, self.mean_a, self._candidate_rows(), self.hub, self.csls_k)


# ----- building one ---------------------------------------------------------------------------------
def alignment_cost_bytes(a: WordVectors, b: WordVectors, retrieval_words: int = RETRIEVAL_WORDS) -> int:
    """Bytes ``align`` may add at its peak: what the admission gate is asked for before it runs.

    Kept at once: A's first words and the rotated candidates (float32, A's width), B's centred rows
    before the rotation, and while hub scores and retrieval run, about six (``_BLOCK``, candidates)
    float32 tables (cosines, CSLS, the copies ``np.partition`` and ``argpartition`` make, int64
    indices). At 20,000 words of 300 dimensions on each side: about 320 MB.

    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors([f"w{i}" for i in range(100)], np.zeros((100, 4), dtype=np.float32))
    >>> alignment_cost_bytes(wv, wv) > 6 * _BLOCK * 100 * 4
    True
    """
    n_a, n_b = min(len(a), int(retrieval_words)), min(len(b), int(retrieval_words))
    width = max(a.vectors.shape[1], b.vectors.shape[1])
    rows = 4 * (n_a * a.vectors.shape[1] + 2 * n_b * width)
    blocks = 6 * _BLOCK * max(n_a, n_b) * 4
    return rows + blocks + 16 * 2**20


def align(
    a: WordVectors,
    b: WordVectors,
    pairs: PairList | Iterable[Sequence[str]],
    holdout: float = 0.2,
    seed: int = 0,
    retrieval_words: int = RETRIEVAL_WORDS,
) -> DictionaryAlignment:
    """Rotate B onto A by the dictionary ``pairs`` (word of A, word of B), holding out a seeded share.

    Raises CompareError when no pair has its words in both sets, fewer than ``MIN_TRAIN_WORDS``
    source words are left to train on, ``holdout`` is not in [0, 0.9], ``seed`` is not a whole
    number from 0, or a row used has a NaN or infinite value.
    """
    holdout = _check_holdout(holdout)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise CompareError(f"The seed must be a whole number from 0; got {seed!r}.")
    given = as_pairs(pairs)
    kept, missing_a, missing_b = _in_both(a, b, given)
    if not kept:
        raise CompareError(_no_overlap_message(a, b, given))
    train, test = split_pairs(kept, holdout, int(seed))
    train_words = len({p[0] for p in train})
    if train_words < MIN_TRAIN_WORDS:
        sources = train_words + len({p[0] for p in test})
        held = f"; holding out {holdout:.0%} leaves {train_words}" if test else ""
        raise CompareError(
            f"Too few pairs to align: the dictionary has {count(sources, 'word')} of {a.name!r} paired with a word "
            f"of {b.name!r}{held}, and a rotation needs at least {MIN_TRAIN_WORDS} (hundreds for a good one). "
            "Add pairs" + (" or lower the held-out share." if test else ".")
        )

    n_a, n_b = min(len(a), int(retrieval_words)), min(len(b), int(retrieval_words))
    index_a, index_b = a.key_to_index, b.key_to_index
    train_a = np.fromiter((index_a[p[0]] for p in train), dtype=np.int64, count=len(train))
    train_b = np.fromiter((index_b[p[1]] for p in train), dtype=np.int64, count=len(train))
    for label, wv, n_top, rows in (("A", a, n_a, train_a), ("B", b, n_b, train_b)):
        _check_finite(label, wv, np.unique(np.concatenate([np.arange(n_top), rows])))

    top_a, mean_a = centre_unit_rows(a.vectors[:n_a])  # (n_a, d_a) float32 A_n of A's first words
    mean_b = centre_unit_rows(b.vectors[:n_b])[1]
    rotation, residual = procrustes_fit(_prepared(b, train_b, mean_b), _prepared(a, train_a, mean_a))
    rotation = readonly(rotation, np.float64)
    candidates = _prepared(b, np.arange(n_b), mean_b) @ rotation.astype(np.float32)  # (n_b, d_a)
    k = int(min(CSLS_K, n_a, n_b))
    hub = np.empty(n_b, dtype=np.float32)  # r_A of each candidate
    for s in range(0, n_b, _BLOCK):
        hub[s : s + _BLOCK] = _mean_top(candidates[s : s + _BLOCK] @ top_a.T, k)
    del top_a
    precision, tested, untested = _precision(a, b, test, mean_a, candidates, hub, k)
    del candidates

    words, rows_a, rows_b = _one_to_one(a, b, kept)
    held_words = {p[0] for p in test}
    held_out = np.fromiter((w in held_words for w in words), dtype=bool, count=len(words))
    cosine = row_cosines(_prepared(a, rows_a, mean_a), _prepared(b, rows_b, mean_b) @ rotation.astype(np.float32))
    counts = (len(given), missing_a, missing_b, train_words, len(held_words), tested, untested, n_b)
    notes = _notes(a, b, counts, holdout, given)
    return DictionaryAlignment(
        a=a,
        b=b,
        rotation=rotation,
        residual=float(residual),
        mean_a=readonly(mean_a, np.float64),
        mean_b=readonly(mean_b, np.float64),
        train_pairs=train,
        test_pairs=test,
        pairs_given=len(given),
        missing_a=missing_a,
        missing_b=missing_b,
        candidates=n_b,
        sources=n_a,
        csls_k=k,
        hub=readonly(hub),
        precision=precision,
        tested=tested,
        untested=untested,
        words=tuple(a.keys[i] for i in rows_a),
        words_b=tuple(b.keys[i] for i in rows_b),
        rows_a=readonly(rows_a),
        rows_b=readonly(rows_b),
        held_out=readonly(held_out),
        cosine=readonly(cosine, np.float64),
        notes=tuple(notes),
    )


def split_pairs(
    pairs: Sequence[tuple[str, str]], holdout: float, seed: int
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(training pairs, held-out pairs): a seeded ``holdout`` share of the SOURCE words, with all their pairs.

    round(holdout x source words) words are held out; every pair of a held-out word goes to the
    test side, so a word with several translations never trains and tests at once.

    >>> split_pairs([("a", "x"), ("a", "y"), ("b", "z"), ("c", "w")], 0.34, seed=1)
    ((('b', 'z'), ('c', 'w')), (('a', 'x'), ('a', 'y')))
    """
    sources = list(dict.fromkeys(p[0] for p in pairs))
    n_test = int(round(_check_holdout(holdout) * len(sources)))
    order = np.random.default_rng(seed).permutation(len(sources))
    held = {sources[i] for i in order[:n_test]}
    return tuple(p for p in pairs if p[0] not in held), tuple(p for p in pairs if p[0] in held)


def precision_rows(precision: dict[str, tuple[float, ...]], tested: int) -> list[dict[str, object]]:
    """Display rows: retrieval, precision@1, precision@5, held-out words.

    >>> precision_rows({"csls": (0.5, 1.0), "cosine": (0.25, 0.75)}, 4)[0]
    {'retrieval': 'CSLS', 'precision@1': 0.5, 'precision@5': 1.0, 'held-out words': 4}
    """
    rows: list[dict[str, object]] = []
    for retrieval in RETRIEVALS:
        row: dict[str, object] = {"retrieval": RETRIEVAL_LABELS[retrieval]}
        for n, value in zip(PRECISION_AT, precision[retrieval], strict=True):
            row[f"precision@{n}"] = None if math.isnan(value) else round(float(value), 4)
        row["held-out words"] = tested
        rows.append(row)
    return rows


# ----- the pieces -----------------------------------------------------------------------------------
def _check_holdout(holdout: float) -> float:
    if isinstance(holdout, bool) or not isinstance(holdout, int | float | np.number) or not 0 <= holdout <= MAX_HOLDOUT:
        raise CompareError(f"The held-out share must be a number from 0 to {MAX_HOLDOUT}; got {holdout!r}.")
    return float(holdout)


def _in_both(
    a: WordVectors, b: WordVectors, pairs: Sequence[tuple[str, str]]
) -> tuple[list[tuple[str, str]], int, int]:
    """(pairs with the first word in A and the second in B, pairs A lacks, pairs only B lacks)."""
    kept = [p for p in pairs if p[0] in a and p[1] in b]
    missing_a = sum(1 for p in pairs if p[0] not in a)
    return kept, missing_a, len(pairs) - len(kept) - missing_a


def _prepared(wv: WordVectors, rows: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """(len(rows), d) float32 centred unit rows of ``wv``, centred on ``mean`` as the alignment was."""
    return centre_unit_rows(wv.vectors[np.asarray(rows, dtype=np.int64)], mean=mean)[0]


def _mean_top(scores: np.ndarray, k: int) -> np.ndarray:
    """(rows,) mean of each row's ``k`` largest scores."""
    width = scores.shape[1]
    return np.partition(scores, width - k, axis=1)[:, width - k :].mean(axis=1, dtype=np.float64).astype(np.float32)


def _top_rows(scores: np.ndarray, n: int) -> np.ndarray:
    """(rows, n) column indices of each row's ``n`` best scores, best first; equal scores by column."""
    width = scores.shape[1]
    idx = np.argpartition(-scores, n - 1, axis=1)[:, :n] if n < width else np.tile(np.arange(width), (len(scores), 1))
    picked = np.take_along_axis(scores, idx, axis=1)
    order = np.lexsort((idx, -picked), axis=1)  # the last key (score) is the primary one
    return np.take_along_axis(idx, order, axis=1)


def _ranked(
    queries: np.ndarray, candidates: np.ndarray, hub: np.ndarray, n: int, k: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each query's ``n`` best candidates by each retrieval: ({retrieval: (m, n) rows}, {retrieval: (m, n) scores})."""
    m = len(queries)
    best = {r: np.empty((m, n), dtype=np.int64) for r in RETRIEVALS}
    scores = {r: np.empty((m, n), dtype=np.float64) for r in RETRIEVALS}
    for s in range(0, m, _BLOCK):
        cos = queries[s : s + _BLOCK] @ candidates.T  # (block, candidates) float32 cosines
        r_query = _mean_top(cos, k)  # r_B(x): the query's own neighbourhood density
        csls = 2 * cos - r_query[:, None] - hub[None, :]
        for name, table in (("cosine", cos), ("csls", csls)):
            top = _top_rows(table, n)
            best[name][s : s + _BLOCK] = top
            scores[name][s : s + _BLOCK] = np.take_along_axis(table, top, axis=1)
    return best, scores


def _precision(
    a: WordVectors,
    b: WordVectors,
    pairs: Sequence[tuple[str, str]],
    mean_a: np.ndarray,
    candidates: np.ndarray,
    hub: np.ndarray,
    k: int,
) -> tuple[dict[str, tuple[float, ...]], int, int]:
    """Precision@1/@5 of each retrieval over the source words of ``pairs`` (any gold translation counts)."""
    gold: dict[str, set[int]] = {}
    index_b = b.key_to_index
    for src, tgt in pairs:
        gold.setdefault(src, set()).add(index_b[tgt])
    scorable = [(w, g) for w, g in gold.items() if any(j < len(candidates) for j in g)]
    untested = len(gold) - len(scorable)
    if not scorable:
        return {r: tuple(float("nan") for _ in PRECISION_AT) for r in RETRIEVALS}, 0, untested
    rows = np.fromiter((a.key_to_index[w] for w, _ in scorable), dtype=np.int64, count=len(scorable))
    deepest = int(min(max(PRECISION_AT), len(candidates)))
    best, _ = _ranked(_prepared(a, rows, mean_a), candidates, hub, deepest, k)
    out: dict[str, tuple[float, ...]] = {}
    for name, top in best.items():
        hits = np.array([[int(j) in g for j in row] for row, (_, g) in zip(top, scorable, strict=True)])  # (m, n)
        out[name] = tuple(float(hits[:, :at].any(axis=1).mean()) for at in PRECISION_AT)
    return out, len(scorable), untested


def _one_to_one(
    a: WordVectors, b: WordVectors, pairs: Sequence[tuple[str, str]]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(A words, their rows in A, their partners' rows in B): each A word once, in A's order, each B word once.

    An A word takes its first translation (dictionary order) that no earlier A word took; an A
    word whose translations are all taken is left out.
    """
    translations: dict[str, list[str]] = {}
    for src, tgt in pairs:
        translations.setdefault(src, []).append(tgt)
    index_a, index_b = a.key_to_index, b.key_to_index
    taken: set[str] = set()
    rows_a: list[int] = []
    rows_b: list[int] = []
    for src in sorted(translations, key=index_a.__getitem__):
        free = next((t for t in translations[src] if t not in taken), None)
        if free is not None:
            taken.add(free)
            rows_a.append(index_a[src])
            rows_b.append(index_b[free])
    return [a.keys[i] for i in rows_a], np.asarray(rows_a, dtype=np.int64), np.asarray(rows_b, dtype=np.int64)


# ----- messages -------------------------------------------------------------------------------------
def _check_finite(label: str, wv: WordVectors, rows: np.ndarray) -> None:
    bad = rows[~np.isfinite(wv.vectors[rows]).all(axis=1)]
    if len(bad):
        sample = ", ".join(repr(wv.keys[i]) for i in bad[:3])
        raise CompareError(
            f"Set {label} ({wv.name!r}) has NaN or infinite values in {count(len(bad), 'word')} the alignment uses "
            f"({sample}); fix or drop those rows first."
        )


def _no_overlap_message(a: WordVectors, b: WordVectors, pairs: Sequence[tuple[str, str]]) -> str:
    sample = ", ".join(f"{s} → {t}" for s, t in pairs[:3])
    text = (
        f"None of the {count(len(pairs), 'dictionary pair')} has its first word in {a.name!r} and its second in "
        f"{b.name!r} (for example {sample}). The first word of each pair must be a word of set A and the second a "
        "word of set B."
    )
    swapped = sum(1 for s, t in pairs if t in a and s in b)
    lower_a, lower_b = {w.lower() for w in a.keys[:200_000]}, {w.lower() for w in b.keys[:200_000]}
    caseless = sum(1 for s, t in pairs if s.lower() in lower_a and t.lower() in lower_b)
    if swapped:
        text += f" With the columns swapped, {count(swapped, 'pair')} would match: swap the columns, or A and B."
    elif caseless:
        text += f" Ignoring letter case, {count(caseless, 'pair')} would match: lower-case the dictionary or the sets."
    else:
        text += f" A has words such as {', '.join(map(repr, a.keys[:3]))}; B has {', '.join(map(repr, b.keys[:3]))}."
    return text


def _examples(words: Iterable[str], n: int = 5) -> str:
    """ " (such as 'x', 'y')": the first ``n`` distinct words, so a typo in a dictionary can be found."""
    shown = list(dict.fromkeys(words))
    more = ", …" if len(shown) > n else ""
    return f" (such as {', '.join(map(repr, shown[:n]))}{more})" if shown else ""


def _notes(
    a: WordVectors, b: WordVectors, counts: tuple[int, ...], holdout: float, pairs: Sequence[tuple[str, str]] = ()
) -> list[str]:
    """``counts``: pairs given, missing from A, missing from B, training words, held-out words, scored, not scorable,
    candidates; ``pairs``: the dictionary, whose words the sets lack are named."""
    given, missing_a, missing_b, train_words, test_words, _, untested, candidates = counts
    notes: list[str] = []
    if missing_a or missing_b:
        lacking_a = _examples(s for s, _ in pairs if s not in a)
        lacking_b = _examples(t for s, t in pairs if s in a and t not in b)
        parts = [f"{missing_a:,} with a first word {a.name!r} lacks{lacking_a}"] if missing_a else []
        parts += [f"{missing_b:,} with a second word {b.name!r} lacks{lacking_b}"] if missing_b else []
        notes.append(f"{count(missing_a + missing_b, 'pair')} of {given:,} left out: {' and '.join(parts)}.")
    width = max(a.vector_size, b.vector_size)
    if train_words <= width:
        notes.append(
            f"The rotation rests on {count(train_words, 'training word')} in {width} dimensions: with no more words "
            "than dimensions it can fit them exactly, so only the held-out precision says how good it is."
        )
    if holdout == 0:
        notes.append("No pair is held out, so there is no precision to report; set a held-out share above 0.")
    elif test_words == 0:
        notes.append("Too few pairs to hold any out at this share; raise the share or add pairs to see precision.")
    if untested:
        notes.append(
            f"{count(untested, 'held-out word')} could not be scored: {'its' if untested == 1 else 'their'} "
            f"translations lie beyond B's first {candidates:,} words, the ones searched."
        )
    if a.vector_size != b.vector_size:
        notes.append(
            f"{a.name!r} has {a.vector_size} dimensions and {b.name!r} has {b.vector_size}: B is mapped by the best "
            "map that keeps its angles as far as it can, so the alignment is approximate."
        )
    return notes
