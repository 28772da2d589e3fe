"""``compare(a, b)``: the shared vocabulary of two vector sets, their alignment and per-word agreement.

Two embedding spaces trained apart (two corpora, two seeds, two methods) put the same word in
unrelated places: any rotation of a space is an equally good solution. ``compare`` makes them
comparable in two independent ways:

* **Neighbourhood agreement** (``overlap``), needing no alignment: for each shared word, the
  share of its ``k`` nearest neighbours (cosine, among the shared words, the word itself
  excluded) that the two spaces have in common, |N_a(w) ∩ N_b(w)| / k. Neighbours from the app's
  k-NN engine (``explorer.knnengine``): exact blocked matrix products (``explorer.compare.knn``) up
  to its exact size, an inverted file above it on the CPU, with its recall@k measured on a seeded
  sample (``search_a``, ``search_b``).
* **Alignment** (``rotation``, ``residual``, ``cosine``): the shared rows of each space are
  prepared with ``linalg.centre_unit_rows`` (unit length, centred, unit length again), giving
  A_n and B_n (n, d); the orthogonal R minimising ||B_n R - A_n||_F (Schönemann's Procrustes
  solution) rotates b onto a. ``residual`` = ||A_n - B_n R||_F / ||A_n||_F: 0 when b is a
  rotation of a, about sqrt(2) (1.41) for unrelated spaces. ``cosine`` is the cosine between a
  word's row of A_n and its row of B_n R. Sets of different widths (d_b != d_a) get the best R
  (d_b, d_a) with orthonormal columns or rows from the same SVD, an approximate alignment.

Nothing is random (the approximate search is seeded), so the same sets always give the same result.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(40, 8))
    >>> a = WordVectors([f"w{i}" for i in range(40)], x, name="A")
    >>> b = WordVectors([f"w{i}" for i in range(40)], x @ np.linalg.qr(rng.normal(size=(8, 8)))[0], name="B")
    >>> c = compare(a, b, k=5)
    >>> len(c.words), float(c.overlap.min()), c.residual < 1e-5, bool(np.allclose(c.cosine, 1.0))
    (40, 1.0, True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.errors import CompareError
from explorer.knnengine import Search
from explorer.linalg import centre_unit_rows, procrustes_fit, readonly, row_cosines
from explorer.wording import count

if TYPE_CHECKING:
    from explorer.compare.dictionary import DictionaryAlignment
    from explorer.vectors import WordVectors

DEFAULT_K = 10
MIN_SHARED = 2  # fewer shared words than this cannot be compared at all
FEW_SHARED = 5  # below this the result is computed, with a note that it says little
ORDERS = ("overlap", "cosine")
_ROWS = 8192  # rows per block when rotating and taking cosines


@dataclass(frozen=True, eq=False)
class Comparison:
    """The result of ``compare(a, b, k)``; immutable, arrays read-only, all aligned with ``words``.

    Attributes:
        words: the shared words, in a's order (most frequent first when a is ordered so).
        overlap: (n,) float64 in [0, 1]: share of each word's k nearest shared neighbours common to both spaces.
        cosine: (n,) float64 in [-1, 1]: cosine between the word's row in a and its aligned row of b
            (after centring and unit length).
        rotation: (d_b, d_a) float64 matrix taking b's centred unit rows onto a's: orthogonal
            when the widths are equal, with orthonormal columns or rows when they differ.
        residual: ||A_n - B_n R||_F / ||A_n||_F over the shared centred unit rows: 0 for a
            perfect fit, about 1.41 for unrelated spaces.
        k: neighbours per word actually used (lowered when there are few shared words).
        only_a, only_b: how many words only a (only b) has.
        neighbours_a, neighbours_b: (n, k) int32 positions in ``words`` of each word's
            neighbours in a (in b), nearest first.
        counts_a, counts_b: (n,) int64 frequencies of the shared words, or None when unknown.
        notes: sentences for the reader (alignment impossible, few words, k lowered).
        name_a, name_b: the sets' names.
        a, b: the compared sets themselves (for aligned rows and side-by-side views).
        rows_a, rows_b: (n,) int64 row of each shared word in a (in b).
        mean_a, mean_b: (d,) float64 centres of the shared unit rows used for the alignment.
        dictionary: with ``compare(..., pairs=...)``, the ``DictionaryAlignment`` (training and
            held-out pairs, precision, ``translate``); then ``words`` are the dictionary's A words
            (one pair each, in A's order), ``words_b`` their partners in B, and the rows, means and
            rotation are the dictionary alignment's. None for a comparison on shared words.
        search_a, search_b: how each set's neighbours were found (engine, and recall@k when approximate).
    """

    words: tuple[str, ...]
    overlap: np.ndarray
    cosine: np.ndarray
    rotation: np.ndarray | None = field(repr=False)
    residual: float
    k: int
    only_a: int
    only_b: int
    neighbours_a: np.ndarray = field(repr=False)
    neighbours_b: np.ndarray = field(repr=False)
    counts_a: np.ndarray | None = field(repr=False)
    counts_b: np.ndarray | None = field(repr=False)
    notes: tuple[str, ...]
    name_a: str
    name_b: str
    a: WordVectors = field(repr=False)
    b: WordVectors = field(repr=False)
    rows_a: np.ndarray = field(repr=False)
    rows_b: np.ndarray = field(repr=False)
    mean_a: np.ndarray = field(repr=False)
    mean_b: np.ndarray = field(repr=False)
    dictionary: DictionaryAlignment | None = field(default=None, repr=False)
    search_a: Search = Search("exact", DEFAULT_K)
    search_b: Search = Search("exact", DEFAULT_K)
    _position: dict[str, int] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._position.update((w, i) for i, w in enumerate(self.words))

    # ----- lookup ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._position

    @property
    def aligned(self) -> bool:
        """True when b could be rotated onto a (equal dimensions)."""
        return self.rotation is not None

    @property
    def has_counts(self) -> bool:
        """True when both sets know their word frequencies (``min_count`` can filter)."""
        return self.counts_a is not None and self.counts_b is not None

    def position(self, word: str) -> int:
        """Where ``word`` sits in ``words``; a CompareError that says which set lacks it otherwise."""
        i = self._position.get(word)
        if i is None:
            if self.dictionary is not None:
                raise CompareError(
                    f"{word!r} is not a word of {self.name_a!r} that the dictionary pairs with a word of {self.name_b!r}; "
                    "choose one of the paired words (or add a pair for it)."
                )
            raise CompareError(_missing_message(word, self.a, self.b))
        return i

    # ----- dictionary alignment ------------------------------------------------------------------
    @property
    def words_b(self) -> tuple[str, ...]:
        """B's word of each row: the dictionary partner of ``words[i]``, or the same word on shared words."""
        return self.words if self.dictionary is None else self.dictionary.words_b

    @property
    def precision(self) -> dict[str, tuple[float, ...]]:
        """Held-out precision@1 and @5 by retrieval ("csls", "cosine"); needs a dictionary comparison."""
        return self._dictionary().precision

    def translate(self, word: str, n: int = 5, retrieval: str = "csls") -> list[tuple[str, float]]:
        """The ``n`` nearest B words of ``word`` (a word of A) after the alignment, with scores, best first.

        ``retrieval`` is "csls" or "cosine" (see ``explorer.compare.dictionary``); needs
        ``compare(a, b, pairs=...)``.
        """
        return self._dictionary().translate(word, n, retrieval)

    def _dictionary(self) -> DictionaryAlignment:
        if self.dictionary is None:
            raise CompareError(
                "Translations and precision need an alignment by a dictionary: compare(a, b, pairs=[(word in A, "
                "word in B), ...])."
            )
        return self.dictionary

    def summary(self) -> dict[str, object]:
        """The headline numbers: shared, only_a, only_b, k, mean_overlap, mean_cosine, residual, aligned.

        >>> s = _example().summary()
        >>> s["shared"], s["k"], s["aligned"], 0 < s["mean_overlap"] < 1
        (30, 5, True, True)
        """
        return {
            "shared": len(self.words),
            "only_a": self.only_a,
            "only_b": self.only_b,
            "k": self.k,
            "mean_overlap": float(self.overlap.mean()),
            "mean_cosine": float(np.nanmean(self.cosine)) if self.aligned else float("nan"),
            "residual": self.residual,
            "aligned": self.aligned,
        }

    # ----- ranking --------------------------------------------------------------------------------
    def ranking(self, changed: bool = True, min_count: int | None = None, by: str = "overlap") -> np.ndarray:
        """Positions in ``words``, most changed first (``changed``) or most stable first.

        ``by="overlap"`` sorts on the neighbourhood overlap and settles equal overlaps by the
        aligned cosine; ``by="cosine"`` the other way round. Remaining ties (and NaN cosines,
        which go last) keep word order. ``min_count`` keeps words seen at least that often in
        both sets (both must have counts).

        >>> c = _example()
        >>> c.words[c.ranking()[0]], c.words[c.ranking(changed=False)[-1]]
        ('moved', 'moved')
        """
        if by not in ORDERS:
            raise CompareError(f"Unknown order {by!r}; use one of {', '.join(ORDERS)}.")
        keep = self._frequent(min_count)
        sign = 1.0 if changed else -1.0
        overlap = sign * self.overlap[keep]
        # Rounded so that floating-point noise (a cosine of 1 - 1e-16) never decides an order.
        cosine = sign * np.round(self.cosine[keep], 9)
        nan_last = np.isnan(cosine)
        cosine = np.where(nan_last, 0.0, cosine)
        order_in_word = np.arange(len(overlap))
        # np.lexsort: the last key is the primary one; word order settles what is left.
        keys = (
            (order_in_word, cosine, nan_last, overlap)
            if by == "overlap"
            else (order_in_word, overlap, nan_last, cosine)
        )
        return keep[np.lexsort(keys)]

    def most_changed(self, n: int = 20, min_count: int | None = None, by: str = "overlap") -> tuple[str, ...]:
        """The ``n`` words whose neighbourhoods differ most between the sets, most changed first.

        >>> c = _example()
        >>> c.most_changed(1)
        ('moved',)
        """
        return tuple(self.words[i] for i in self.ranking(True, min_count, by)[: max(0, n)])

    def most_stable(self, n: int = 20, min_count: int | None = None, by: str = "overlap") -> tuple[str, ...]:
        """The ``n`` words whose neighbourhoods agree most, most stable first.

        >>> c = _example()
        >>> "moved" in c.most_stable(len(c))[-1:]
        True
        """
        return tuple(self.words[i] for i in self.ranking(False, min_count, by)[: max(0, n)])

    def table(
        self, n: int | None = None, changed: bool = True, min_count: int | None = None, by: str = "overlap"
    ) -> list[dict[str, object]]:
        """Rows (rank, word, overlap, cosine, and count_a / count_b when known) in ranking order.

        >>> _example().table(1)[0]["word"]
        'moved'
        """
        order = self.ranking(changed, min_count, by)
        if n is not None:
            order = order[: max(0, n)]
        rows: list[dict[str, object]] = []
        for rank, i in enumerate(order, start=1):
            row: dict[str, object] = {
                "rank": rank,
                "word": self.words[i],
                "overlap": float(self.overlap[i]),
                "cosine": float(self.cosine[i]),
            }
            if self.counts_a is not None:
                row["count_a"] = int(self.counts_a[i])
            if self.counts_b is not None:
                row["count_b"] = int(self.counts_b[i])
            if self.dictionary is not None:
                row["word_b"] = self.dictionary.words_b[i]
                row["held_out"] = bool(self.dictionary.held_out[i])
            rows.append(row)
        return rows

    def _frequent(self, min_count: int | None) -> np.ndarray:
        everything = np.arange(len(self.words))
        if min_count is None:
            return everything
        if not self.has_counts:
            lacking = [name for name, c in ((self.name_a, self.counts_a), (self.name_b, self.counts_b)) if c is None]
            raise CompareError(
                f"A frequency filter needs word counts in both sets, and {' and '.join(map(repr, lacking))} "
                f"{'has' if len(lacking) == 1 else 'have'} none; leave min_count empty or use sets with counts."
            )
        return everything[(self.counts_a >= min_count) & (self.counts_b >= min_count)]


# ----- building one ---------------------------------------------------------------------------------
def shared_vocabulary(a: WordVectors, b: WordVectors) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(the words both sets have in a's order, their rows in a, their rows in b).

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> a = WordVectors(["x", "y", "z"], np.eye(3))
    >>> b = WordVectors(["z", "x"], np.eye(2))
    >>> words, ia, ib = shared_vocabulary(a, b)
    >>> words, ia.tolist(), ib.tolist()
    (('x', 'z'), [0, 2], [1, 0])
    """
    index_b = b.key_to_index
    pairs = [(w, i, index_b[w]) for i, w in enumerate(a.keys) if w in index_b]
    words = tuple(p[0] for p in pairs)
    rows_a = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))
    rows_b = np.fromiter((p[2] for p in pairs), dtype=np.int64, count=len(pairs))
    return words, rows_a, rows_b


def compare(
    a: WordVectors,
    b: WordVectors,
    k: int = DEFAULT_K,
    pairs: Any = None,
    holdout: float = 0.2,
    seed: int = 0,
    device: str | None = "auto",
) -> Comparison:
    """Compare two vector sets word by word: shared vocabulary, alignment of b onto a, agreement.

    With ``pairs`` (a list of (word in A, word in B), or a ``pairfile.PairList``) the sets are
    aligned by that dictionary instead of their shared words, for sets whose vocabularies differ
    (two languages): b is rotated onto a by the training pairs, a seeded ``holdout`` share of the
    source words is kept for testing (``seed``), and the result's ``dictionary`` holds the
    held-out precision and ``translate`` (see ``explorer.compare.dictionary``).

    See the module docstring for the definitions. Works from 2 to 100,000+ shared words: the
    neighbours are exact, from (2048 x 2048) blocks of the cosine matrix, never the whole of it,
    up to ``knnengine.EXACT_MAX_ROWS`` shared words (or on a GPU), approximate above it.
    ``k`` is lowered (with a note) when there are fewer than k + 1 shared words. Sets of
    different dimensions are aligned approximately (see the module docstring), with a note
    saying so. ``device="auto"`` computes neighbours on a CUDA GPU when present.

    Raises CompareError when a set is empty, the sets share fewer than 2 words, ``k`` is not a
    positive whole number, or a shared word has a NaN or infinite value.

    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> a = WordVectors(["cat", "dog", "car", "bus"], np.array([[1, 0], [0.9, 0.2], [0, 1], [0.1, 0.9]]))
    >>> b = WordVectors(["dog", "cat", "bus", "car", "van"], np.array([[0.9, 0.2], [1, 0], [0.1, 0.9], [0, 1], [0, 2]]))
    >>> c = compare(a, b, k=1)
    >>> c.words, c.only_a, c.only_b, c.overlap.tolist(), round(c.residual, 6)
    (('cat', 'dog', 'car', 'bus'), 0, 1, [1.0, 1.0, 1.0, 1.0], 0.0)
    """
    from explorer.knnengine import cosine_knn

    for label, wv in (("A", a), ("B", b)):
        if len(wv) == 0:
            raise CompareError(f"Set {label} ({wv.name!r}) has no words; load or train a vector set first.")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise CompareError(f"k (neighbours per word) must be a whole number of at least 1; got {k!r}.")
    if pairs is not None:
        return _compare_by_dictionary(a, b, int(k), pairs, holdout, seed, device)
    words, rows_a, rows_b = shared_vocabulary(a, b)
    n = len(words)
    if n < MIN_SHARED:
        raise CompareError(_too_few_message(a, b, words))
    notes: list[str] = []
    if n < FEW_SHARED:
        notes.append(
            f"The sets share only {n} words; agreement among so few neighbours says little. Compare sets "
            "trained on similar text (or with the same tokenisation) to share more."
        )
    k_used = int(min(k, n - 1))
    if k_used < k:
        others = "1 other" if n == 2 else f"{n - 1} others"
        notes.append(f"k lowered from {k} to {k_used}: with {n} shared words each has only {others}.")

    vec_a = a.vectors[rows_a]  # (n, d_a) float32 copies of the shared rows
    vec_b = b.vectors[rows_b]  # (n, d_b)
    for label, wv, vec in (("A", a, vec_a), ("B", b, vec_b)):
        _check_finite(label, wv, vec, words)

    # ----- neighbourhood agreement: k-NN among the shared words in each space (the app's engine) ------
    found_a = cosine_knn(vec_a, k_used, device=device)  # indices (n, k): positions in words
    found_b = cosine_knn(vec_b, k_used, device=device)
    nb_a, nb_b = found_a.indices, found_b.indices
    overlap = neighbour_overlap(nb_a, nb_b)

    # ----- alignment: b's prepared rows rotated onto a's --------------------------------------------
    d_a, d_b = a.vector_size, b.vector_size
    units_a, mean_a = centre_unit_rows(vec_a)  # (n, d_a) float32 A_n
    del vec_a
    units_b, mean_b = centre_unit_rows(vec_b)  # (n, d_b) float32 B_n
    del vec_b
    rotation, residual = procrustes_fit(units_b, units_a)  # argmin_R ||B_n R - A_n||_F, R (d_b, d_a)
    cosine = np.empty(n, dtype=np.float64)
    for s in range(0, n, _ROWS):
        cosine[s : s + _ROWS] = row_cosines(units_a[s : s + _ROWS], units_b[s : s + _ROWS] @ rotation)
    if n <= max(d_a, d_b):
        notes.append(
            f"The alignment rests on {n:,} shared words in {max(d_a, d_b)} dimensions: with no more words than "
            "dimensions a rotation fits them too easily, so a small residual and high cosines mean little."
        )
    if d_a != d_b:
        how = "rotated, then projected onto" if d_b > d_a else "rotated into"
        notes.append(
            f"{a.name!r} has {d_a} dimensions and {b.name!r} has {d_b}: B's rows are {how} A's {d_a} dimensions "
            "by the best map that keeps their angles as far as it can, so the alignment is approximate. The "
            "neighbourhood overlap compares each space on its own and needs no alignment."
        )
    rotation = readonly(rotation, np.float64)

    return Comparison(
        words=words,
        overlap=readonly(overlap, np.float64),
        cosine=readonly(cosine, np.float64),
        rotation=rotation,
        residual=float(residual),
        k=k_used,
        only_a=len(a) - n,
        only_b=len(b) - n,
        neighbours_a=readonly(nb_a),
        neighbours_b=readonly(nb_b),
        counts_a=None if a.counts is None else readonly(a.counts[rows_a]),
        counts_b=None if b.counts is None else readonly(b.counts[rows_b]),
        notes=tuple(notes),
        name_a=a.name,
        name_b=b.name,
        a=a,
        b=b,
        rows_a=readonly(rows_a),
        rows_b=readonly(rows_b),
        mean_a=readonly(mean_a, np.float64),
        mean_b=readonly(mean_b, np.float64),
        search_a=found_a.search,
        search_b=found_b.search,
    )


def _compare_by_dictionary(
    a: WordVectors, b: WordVectors, k: int, pairs: Any, holdout: float, seed: int, device: str | None
) -> Comparison:
    """``compare`` with a dictionary: the alignment of ``dictionary.align``, and the neighbourhood
    agreement among the paired words (A's neighbours of a word against B's neighbours of its partner)."""
    from explorer.compare.dictionary import align
    from explorer.knnengine import Search, cosine_knn

    d = align(a, b, pairs, holdout=holdout, seed=seed)
    n = len(d.words)
    notes = list(d.notes)
    k_used = int(min(k, max(1, n - 1)))
    if k_used < k:
        notes.append(f"k lowered from {k} to {k_used}: the dictionary pairs {count(n, 'word')} one to one.")
    search_a = search_b = Search("exact", k_used)
    if n >= 2:
        found_a = cosine_knn(a.vectors[d.rows_a], k_used, device=device)  # indices (n, k): positions in words
        found_b = cosine_knn(b.vectors[d.rows_b], k_used, device=device)
        nb_a, nb_b, search_a, search_b = found_a.indices, found_b.indices, found_a.search, found_b.search
        overlap = neighbour_overlap(nb_a, nb_b)
    else:  # one pair one to one: no neighbours to compare
        nb_a = nb_b = np.zeros((n, 0), dtype=np.int32)
        overlap = np.full(n, np.nan)
    return Comparison(
        words=d.words,
        overlap=readonly(overlap, np.float64),
        cosine=d.cosine,
        rotation=d.rotation,
        residual=d.residual,
        k=k_used,
        only_a=len(a) - n,
        only_b=len(b) - n,
        neighbours_a=readonly(nb_a),
        neighbours_b=readonly(nb_b),
        counts_a=None if a.counts is None else readonly(a.counts[d.rows_a]),
        counts_b=None if b.counts is None else readonly(b.counts[d.rows_b]),
        notes=tuple(notes),
        name_a=a.name,
        name_b=b.name,
        a=a,
        b=b,
        rows_a=d.rows_a,
        rows_b=d.rows_b,
        mean_a=d.mean_a,
        mean_b=d.mean_b,
        dictionary=d,
        search_a=search_a,
        search_b=search_b,
    )


def neighbour_overlap(neighbours_a: np.ndarray, neighbours_b: np.ndarray) -> np.ndarray:
    """(n,) share of each row's neighbours (row of an (n, k) index array) found in both arrays.

    >>> neighbour_overlap(np.array([[1, 2], [0, 2]]), np.array([[2, 3], [3, 4]])).tolist()
    [0.5, 0.0]
    """
    na = np.asarray(neighbours_a)
    nb = np.asarray(neighbours_b)
    n, k = na.shape
    out = np.empty(n, dtype=np.float64)
    for s in range(0, n, _ROWS):
        # (rows, k, k) equality table; each list holds distinct indices, so a hit counts once.
        same = na[s : s + _ROWS, :, None] == nb[s : s + _ROWS, None, :]
        out[s : s + _ROWS] = same.any(axis=2).sum(axis=1) / k
    return out


# ----- messages -------------------------------------------------------------------------------------
def _check_finite(label: str, wv: WordVectors, vec: np.ndarray, words: Sequence[str]) -> None:
    bad = ~np.isfinite(vec).all(axis=1)
    if bad.any():
        where = np.flatnonzero(bad)
        sample = ", ".join(repr(words[i]) for i in where[:3])
        raise CompareError(
            f"Set {label} ({wv.name!r}) has NaN or infinite values in {count(len(where), 'shared word')} ({sample}); "
            "fix or drop those rows before comparing."
        )


def _too_few_message(a: WordVectors, b: WordVectors, words: Sequence[str]) -> str:
    shared = f"only {words[0]!r}" if words else "no words"
    text = (
        f"{a.name!r} ({len(a):,} words) and {b.name!r} ({len(b):,} words) share {shared}; a comparison needs at "
        f"least {MIN_SHARED} words in both sets."
    )
    lower_b = {w.lower() for w in b.keys}
    caseless = sum(1 for w in {w.lower() for w in a.keys} if w in lower_b)
    if caseless >= MIN_SHARED:
        text += f" Ignoring letter case they share {caseless:,}: lower-case both sets (or neither) first."
    else:
        text += f" For example A has {', '.join(map(repr, a.keys[:3]))} and B has {', '.join(map(repr, b.keys[:3]))}."
    return text


def _missing_message(word: str, a: WordVectors, b: WordVectors) -> str:
    in_a, in_b = word in a, word in b
    if in_a and not in_b:
        return f"{word!r} is in {a.name!r} but not in {b.name!r}; only words of both sets can be compared."
    if in_b and not in_a:
        return f"{word!r} is in {b.name!r} but not in {a.name!r}; only words of both sets can be compared."
    return a.unknown_word_message(word) + f" It is not in {b.name!r} either."


def _example() -> Comparison:
    """A small comparison for the docstrings: 30 words, one of them ("moved") given a new vector in b."""
    from explorer.vectors import WordVectors

    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 6))
    words = ["moved", *(f"w{i}" for i in range(29))]
    y = x + rng.normal(scale=0.05, size=x.shape)
    y[0] = rng.normal(size=6)
    return compare(WordVectors(words, x, name="A"), WordVectors(words, y, name="B"), k=5)
