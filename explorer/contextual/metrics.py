"""How contextual are the vectors at each layer: Ethayarajh's (2019) measures over occurrence vectors.

For a word w with occurrence vectors v_1..v_n at one layer:

- *self-similarity*: the mean cosine between two different occurrences,
  ``(|sum u_i|^2 - n) / (n (n - 1))`` with u_i = v_i / |v_i|. 1: every occurrence has the same
  direction (a static vector would do); low: the context moves the vector.
- *intra-sentence similarity*: the mean cosine between an occurrence and the mean vector of the
  words of its sentence. High: the words of a sentence are pulled towards one shared direction.
- *anisotropy baseline*: the mean cosine between occurrences of two different words, drawn at
  random (seeded). Contextual vectors share a common direction, so even unrelated occurrences
  have a high cosine; the baseline says how high, layer by layer.
- *adjusted* self- and intra-sentence similarity: the raw value minus the baseline (what is
  left once the direction every vector shares is discounted).
- *first-PC variance*: the share of the variance of a word's (centred) occurrences that their
  first principal component explains (sklearn's ``PCA`` convention). Near 1: a static vector
  (the first component) would describe the occurrences well; low: it would not.

The corpus row (word ``*``) averages the per-word values over the words with at least
``MIN_OCCURRENCES`` occurrences (self-similarity and first-PC variance) and the intra-sentence
value over sentences, as the paper does.

Example:
    >>> import numpy as np
    >>> same = np.tile([[1.0, 2.0, 3.0]], (4, 1))
    >>> self_similarity(same), round(first_pc_variance(np.outer([1, 2, 3], [1.0, -1.0])), 6)
    (1.0, 1.0)
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple, dataclass, fields

import numpy as np

from explorer.errors import ContextError
from explorer.linalg import unit_rows

CORPUS = "*"  # the word of the rows that describe the whole sample
BASELINE_PAIRS = 20_000  # random pairs of occurrences of different words behind each baseline
NO_SPREAD = 1e-8  # centred variance under this share of the rows' squared length: no spread (rounding only)
MIN_OCCURRENCES = 5  # a word counts in the corpus averages with this many occurrences (as in Ethayarajh, 2019)


@dataclass(frozen=True)
class MetricsRow:
    """One layer and word (``*``: the corpus sample) of the metrics table; NaN where a value is undefined."""

    layer: int
    word: str
    occurrences: int
    self_similarity: float
    intra_sentence_similarity: float
    anisotropy_baseline: float
    adjusted_self_similarity: float
    adjusted_intra_sentence_similarity: float
    first_pc_variance: float


COLUMNS = tuple(f.name for f in fields(MetricsRow))


def _float_rows(vectors: np.ndarray) -> np.ndarray:
    """The rows as a float matrix: float32 stays float32 (a whole layer of an index: half the memory and
    time, cosines exact to about 1e-6), anything else becomes float64."""
    given = np.asarray(vectors)
    x = given if given.dtype == np.float32 else given.astype(np.float64)
    if x.ndim != 2:
        raise ContextError(f"Occurrence vectors must be a 2-D matrix (occurrences x dimensions); got shape {x.shape}.")
    return x


def self_similarity(vectors: np.ndarray) -> float:
    """Mean cosine over the pairs of different occurrences (rows); NaN with fewer than two.

    Example:
        >>> self_similarity(np.array([[1.0, 0.0], [0.0, 1.0]]))
        0.0
    """
    u = unit_rows(_float_rows(vectors))
    n = len(u)
    if n < 2:
        return math.nan
    total = u.sum(axis=0)
    # sum over i != j of u_i . u_j = |sum u|^2 - sum |u_i|^2 (a zero row adds 0 to both).
    squares = float((u * u).sum())
    return float((total @ total - squares) / (n * (n - 1)))


def sentence_means(vectors: np.ndarray, sentence_ids: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the mean vector of every row of its sentence, and how many rows that sentence has.

    Example:
        >>> means, sizes = sentence_means(np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]), [7, 7, 9])
        >>> means.tolist(), sizes.tolist()
        ([[0.5, 0.5], [0.5, 0.5], [2.0, 2.0]], [2, 2, 1])
    """
    x = _float_rows(vectors)
    _keys, inverse, counts = np.unique(np.asarray(sentence_ids), return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    if not len(x):
        return np.zeros_like(x), counts[inverse]
    # Sum each sentence's rows as one run of sorted rows (np.add.at is many times slower).
    order = np.argsort(inverse, kind="stable")
    starts = np.flatnonzero(np.r_[True, inverse[order][1:] != inverse[order][:-1]])
    sums = np.add.reduceat(x[order], starts, axis=0)  # (sentences, hidden), sentence k = rank k of the ids
    return sums[inverse] / counts[inverse, None].astype(x.dtype), counts[inverse]


def row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of each row of ``a`` with the same row of ``b`` (0 where either is zero)."""
    return (unit_rows(_float_rows(a)) * unit_rows(_float_rows(b))).sum(axis=1)


def intra_sentence_similarity(vectors: np.ndarray, means: np.ndarray) -> float:
    """Mean cosine between each occurrence (row) and the mean vector of its sentence (the same row of ``means``).

    Example:
        >>> intra_sentence_similarity(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0], [1.0, 1.0]]))
        0.7071067811865475
    """
    if len(vectors) == 0:
        return math.nan
    return float(row_cosines(vectors, means).mean())


def anisotropy_baseline(vectors: np.ndarray, words: Sequence[str], pairs: int = BASELINE_PAIRS, seed: int = 0) -> float:
    """Mean cosine between occurrences of different words, over ``pairs`` random pairs drawn with ``seed``.

    Pairs whose two occurrences are of the same word are dropped; NaN when the rows hold a single word.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> abs(anisotropy_baseline(rng.normal(size=(500, 64)), [str(i) for i in range(500)])) < 0.05
        True
    """
    x = _float_rows(vectors)
    names = np.asarray([str(w) for w in words])
    if len(names) != len(x):
        raise ContextError(f"{len(names)} words for {len(x)} occurrence vectors; give one word per row.")
    if len(x) < 2 or len(set(names.tolist())) < 2:
        return math.nan
    rng = np.random.default_rng(int(seed))
    i = rng.integers(0, len(x), size=int(pairs))
    j = rng.integers(0, len(x), size=int(pairs))
    keep = names[i] != names[j]
    if not keep.any():
        return math.nan
    return float(row_cosines(x[i[keep]], x[j[keep]]).mean())


def first_pc_variance(vectors: np.ndarray) -> float:
    """Share of the variance of the centred rows that their first principal component explains.

    NaN with fewer than two rows or when the rows do not vary (every occurrence the same vector, up to
    rounding: a centred variance under ``NO_SPREAD`` of their squared length).
    Computed from the (n, n) Gram matrix, so a few occurrences of a wide vector cost little.

    Example:
        >>> round(first_pc_variance(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])), 3)
        0.5
    """
    x = _float_rows(vectors)
    if len(x) < 2:
        return math.nan
    centred = x - x.mean(axis=0, keepdims=True)
    gram = centred @ centred.T  # (n, n): its eigenvalues are the squared singular values
    eigen = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
    total = float(eigen.sum())
    if total <= NO_SPREAD * float(np.einsum("ij,ij->", x, x)):
        return math.nan
    return float(eigen[-1] / total)


def grouped_self_similarity(vectors: np.ndarray, groups: Sequence[np.ndarray]) -> list[float]:
    """:func:`self_similarity` of each group of rows (index arrays), in one pass over the rows.

    Example:
        >>> grouped_self_similarity(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), [np.array([0, 1]), np.array([1, 2])])
        [1.0, 0.0]
    """
    u = unit_rows(_float_rows(vectors))
    out = []
    for idx in groups:
        n = len(idx)
        if n < 2:
            out.append(math.nan)
            continue
        part = u[idx]
        total = part.sum(axis=0)
        out.append(float((total @ total - float(np.einsum("ij,ij->", part, part))) / (n * (n - 1))))
    return out


def grouped_first_pc_variance(vectors: np.ndarray, groups: Sequence[np.ndarray], chunk: int = 256) -> list[float]:
    """:func:`first_pc_variance` of each group of rows, the Gram matrices and their eigenvalues batched.

    Groups are padded with zero rows to the largest (after centring, a zero row adds a zero
    eigenvalue and nothing to the trace), ``chunk`` groups at a time: a few thousand small
    matrix products one by one cost more in call overhead and thread start-up than in arithmetic.

    Example:
        >>> x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
        >>> [round(v, 3) for v in grouped_first_pc_variance(x, [np.arange(4), np.arange(3, 6)])]
        [0.5, 1.0]
    """
    from threadpoolctl import threadpool_limits

    x = _float_rows(vectors)
    out = [math.nan] * len(groups)
    usable = [g for g in range(len(groups)) if len(groups[g]) >= 2]
    for start in range(0, len(usable), chunk):
        part = usable[start : start + chunk]
        width = max(len(groups[g]) for g in part)
        padded = np.zeros((len(part), width, x.shape[1]), dtype=x.dtype)
        squares = np.zeros(len(part))
        for k, g in enumerate(part):
            rows = x[groups[g]]
            squares[k] = float(np.einsum("ij,ij->", rows, rows))
            padded[k, : len(rows)] = rows - rows.mean(axis=0, keepdims=True)
        # One BLAS thread: these products are small, and starting threads for each costs far more
        # than the arithmetic (300x on a busy 2-core machine).
        with threadpool_limits(1):
            gram = np.matmul(padded, padded.transpose(0, 2, 1))  # (groups, width, width)
        eigen = np.clip(np.linalg.eigvalsh(gram.astype(np.float64)), 0.0, None)  # ascending per group
        totals = eigen.sum(axis=1)
        for k, g in enumerate(part):
            out[g] = float(eigen[k, -1] / totals[k]) if totals[k] > NO_SPREAD * squares[k] else math.nan
    return out


def _nanmean(values: Iterable[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return float(np.mean(kept)) if kept else math.nan


def _row(layer: int, word: str, n: int, self_sim: float, intra: float, baseline: float, pc: float) -> MetricsRow:
    return MetricsRow(layer, word, n, self_sim, intra, baseline, self_sim - baseline, intra - baseline, pc)


@dataclass(frozen=True)
class OccurrenceSet:
    """Occurrence vectors of many words at one layer, with their sentences, for :func:`layer_metrics`.

    Attributes:
        vectors: (n, hidden) one row per occurrence.
        words: (n,) the word of each row.
        sentences: (n,) an id of each row's sentence (rows of one sentence share it).
        focus: (n,) bool, the rows the metrics describe (a sample); the other rows only count in
            the mean vectors of their sentences. None: every row.
    """

    vectors: np.ndarray
    words: Sequence[str]
    sentences: Sequence[int] | np.ndarray
    focus: np.ndarray | None = None


def layer_metrics(
    layer: int,
    occurrences: OccurrenceSet,
    words: Sequence[str] | None = None,
    baseline_pairs: int = BASELINE_PAIRS,
    seed: int = 0,
    min_occurrences: int = MIN_OCCURRENCES,
) -> list[MetricsRow]:
    """The metrics of one layer: a row per word of ``words`` (default: every focus word), then the ``*`` row.

    Intra-sentence similarity counts only occurrences whose sentence holds at least two rows (with
    one, the cosine to the sentence's mean is 1 by definition and says nothing). Per-word values
    need two focus occurrences of the word; the ``*`` row averages the words with at least
    ``min_occurrences`` (self-similarity, first-PC variance: two occurrences always lie on one line,
    so their first component explains everything) and the sentences (intra-sentence similarity).

    Example:
        >>> x = np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0]])
        >>> rows = layer_metrics(3, OccurrenceSet(x, ["a", "a", "b", "b"], [0, 1, 0, 1]), min_occurrences=2)
        >>> [(r.word, r.occurrences, round(r.self_similarity, 3)) for r in rows]
        [('a', 2, 0.995), ('b', 2, 0.995), ('*', 4, 0.995)]
    """
    x = np.asarray(occurrences.vectors, dtype=np.float32)  # a whole layer of an index: float32 is plenty
    if x.ndim != 2:
        raise ContextError(f"Occurrence vectors must be a 2-D matrix (occurrences x dimensions); got shape {x.shape}.")
    names = np.asarray([str(w) for w in occurrences.words])
    sent = np.asarray(occurrences.sentences)
    focus = np.ones(len(x), dtype=bool) if occurrences.focus is None else np.asarray(occurrences.focus, dtype=bool)
    if not (len(names) == len(sent) == len(focus) == len(x)):
        raise ContextError("Give one word, one sentence id and one focus flag per occurrence vector.")
    means, sizes = sentence_means(x, sent)
    cos_to_sentence = np.where(sizes >= 2, row_cosines(x, means), np.nan)
    baseline = anisotropy_baseline(x[focus], names[focus], baseline_pairs, seed)
    wanted = list(dict.fromkeys(names[focus].tolist())) if words is None else [str(w) for w in words]
    by_word: dict[str, list[int]] = {}
    for k, w in enumerate(names.tolist()):
        if focus[k]:
            by_word.setdefault(w, []).append(k)
    groups = [np.asarray(by_word.get(w, []), dtype=np.int64) for w in wanted]
    self_sims, pcs = grouped_self_similarity(x, groups), grouped_first_pc_variance(x, groups)
    rows: list[MetricsRow] = []
    self_values, pc_values = [], []
    for w, idx, s, pc in zip(wanted, groups, self_sims, pcs, strict=True):
        if len(idx) >= min_occurrences:
            self_values.append(s)
            pc_values.append(pc)
        rows.append(_row(layer, w, len(idx), s, _nanmean(cos_to_sentence[idx]), baseline, pc))
    # Intra-sentence over sentences: each sentence's mean over its focus rows, then the mean of those.
    valid = focus & ~np.isnan(cos_to_sentence)
    per_sentence = []
    if valid.any():
        keys, inverse = np.unique(sent[valid], return_inverse=True)
        sums = np.bincount(inverse.reshape(-1), weights=cos_to_sentence[valid], minlength=len(keys))
        per_sentence = (sums / np.bincount(inverse.reshape(-1), minlength=len(keys))).tolist()
    rows.append(
        _row(
            layer,
            CORPUS,
            int(focus.sum()),
            _nanmean(self_values),
            _nanmean(per_sentence),
            baseline,
            _nanmean(pc_values),
        )
    )
    return rows


def metrics_csv(rows: Sequence[MetricsRow]) -> str:
    """The table as CSV text: the ``COLUMNS`` header, then one line per row (empty where a value is NaN).

    Example:
        >>> metrics_csv([MetricsRow(0, "*", 2, 0.5, 0.25, 0.125, 0.375, 0.125, math.nan)]).splitlines()[1]
        '0,*,2,0.500000,0.250000,0.125000,0.375000,0.125000,'
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            ["" if isinstance(v, float) and math.isnan(v) else f"{v:.6f}" if isinstance(v, float) else v
             for v in astuple(row)]
        )  # fmt: skip
    return buf.getvalue()


def stack_metrics(
    stack: np.ndarray,
    sentence_mates: Callable[[int], tuple[np.ndarray, np.ndarray]] | None = None,
    baseline: Sequence[float] | None = None,
    word: str = "",
) -> list[MetricsRow]:
    """Per-layer metrics of one word from its (L + 1, n, hidden) occurrence ``stack``.

    ``sentence_mates(layer)`` gives, at that layer, the mean vector of each occurrence's sentence
    and how many words that mean averages ((n, hidden), (n,)); without it the intra-sentence
    similarity is NaN. ``baseline`` holds the anisotropy baseline of each layer (from a corpus
    sample: one word's occurrences alone cannot give it); without it NaN.

    Example:
        >>> stack = np.stack([np.tile([[1.0, 0.0]], (3, 1)), np.eye(3, 2)])
        >>> [round(r.self_similarity, 3) for r in stack_metrics(stack)]  # layer 1: orthogonal (and a zero row)
        [1.0, 0.0]
    """
    out = []
    for layer, x in enumerate(np.asarray(stack)):
        intra = math.nan
        if sentence_mates is not None:
            means, sizes = sentence_mates(layer)
            cos = np.where(np.asarray(sizes) >= 2, row_cosines(x, means), np.nan)
            intra = _nanmean(cos.tolist())
        base = math.nan if baseline is None else float(baseline[layer])
        out.append(_row(layer, word, len(x), self_similarity(x), intra, base, first_pc_variance(x)))
    return out
