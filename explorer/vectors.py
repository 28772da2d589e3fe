"""Immutable word-vector sets with gensim-style queries: neighbours, similarity and analogies.

A ``WordVectors`` holds keys and a read-only float32 matrix. Reading and writing files lives in
``explorer.vectors_io`` and the benchmark evaluations in ``explorer.evaluation``; both take a
``WordVectors``, and this module imports neither.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["cat", "dog", "car"], np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
    >>> wv.most_similar("cat", topn=1)[0][0]
    'dog'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from functools import cached_property

import numpy as np

from explorer.errors import UnknownWordError, VectorsError
from explorer.linalg import EPS, readonly, top_k, unit_rows

ANALOGY_METHODS = ("3cosadd", "3cosmul")
ANALOGY_METHOD_LABELS = {"3cosadd": "3CosAdd", "3cosmul": "3CosMul"}
COSMUL_EPSILON = 1e-3  # Levy & Goldberg 2014 (gensim's most_similar_cosmul uses 1e-6)


def check_analogy_method(method: str) -> str:
    """The canonical name of an analogy method ("3CosAdd" -> "3cosadd"); VectorsError for an unknown one.

    >>> check_analogy_method("3CosMul")
    '3cosmul'
    """
    m = str(method).lower().replace(" ", "")
    if m not in ANALOGY_METHODS:
        raise VectorsError(f"Unknown analogy method {method!r}; choose '3cosadd' or '3cosmul'.")
    return m


def _as_list(words: str | Iterable[str] | None) -> list[str]:
    if words is None:
        return []
    if isinstance(words, str):
        return [words]
    return list(words)


class WordVectors:
    """Keys and a float32 matrix (one row per key), both read-only.

    Args:
        keys: distinct words, in the row order of ``vectors`` (most frequent first, by convention).
        vectors: (len(keys), dim) array; copied to float32 and frozen (a read-only float32 ``np.memmap``
            is kept as it is: the file's pages are shared, not copied).
        counts: optional frequency of each key (used to order and to pick the "top N").
        name: what the UI shows for this set.
        notices: sentences about how the set was read (duplicates dropped, labels missing), for the UI.
        unit_vectors: optional rows of ``vectors`` at unit length, as a read-only float32 ``np.memmap``
            (the vector library's cache); otherwise they are computed on first use.

    >>> wv = WordVectors(["a", "b"], np.eye(2), counts=[5, 3], name="tiny")
    >>> wv, wv.vectors.flags.writeable
    (WordVectors(name='tiny', words=2, dim=2), False)
    """

    def __init__(
        self,
        keys: Sequence[str],
        vectors: np.ndarray,
        counts: Sequence[int] | np.ndarray | None = None,
        name: str = "vectors",
        notices: Sequence[str] = (),
        unit_vectors: np.ndarray | None = None,
    ) -> None:
        keys = tuple(str(k) for k in keys)
        if isinstance(vectors, np.memmap) and vectors.dtype == np.float32 and not vectors.flags.writeable:
            # a read-only file mapping (the vector library's cache): shared by every visitor, never copied.
            # ``unit_vectors`` is a normalised copy in memory, made only when a query first needs it.
            matrix = vectors
        else:
            matrix = np.array(vectors, dtype=np.float32, copy=True)
        if matrix.ndim != 2:
            raise VectorsError(f"Vectors must be a 2-D matrix (words x dimensions); got shape {matrix.shape}.")
        if matrix.shape[0] != len(keys):
            raise VectorsError(f"{len(keys)} words but {matrix.shape[0]} vector rows; each word needs one row.")
        index: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k in index:
                raise VectorsError(f"The word {k!r} appears twice; each word may have only one vector.")
            index[k] = i
        self._keys = keys
        self._vectors = matrix if isinstance(matrix, np.memmap) else readonly(matrix)  # a slice stays a mapping
        self._index = index
        self._counts = None if counts is None else readonly(np.array(counts, dtype=np.int64, copy=True))
        if self._counts is not None and self._counts.shape != (len(keys),):
            raise VectorsError(f"{len(keys)} words but {self._counts.shape[0]} counts.")
        self.name = name
        self.notices: tuple[str, ...] = tuple(notices)
        if unit_vectors is not None:
            self._set_unit_vectors(unit_vectors)

    def _set_unit_vectors(self, unit: np.ndarray) -> None:
        """Take ``unit_vectors`` as given: a read-only float32 memmap of this matrix's rows at unit length
        (the vector library writes one beside each matrix), so no process computes or holds its own copy."""
        if not (isinstance(unit, np.memmap) and unit.dtype == np.float32 and not unit.flags.writeable):
            raise VectorsError("Precomputed unit vectors must be a read-only float32 memory map.")
        if unit.shape != self._vectors.shape:
            raise VectorsError(f"Unit vectors of shape {unit.shape} for a matrix of shape {self._vectors.shape}.")
        self.__dict__["unit_vectors"] = unit  # the slot of the cached property below

    # ----- container protocol ---------------------------------------------------------------
    @property
    def keys(self) -> tuple[str, ...]:
        return self._keys

    @property
    def vectors(self) -> np.ndarray:
        """(n, dim) float32, read-only."""
        return self._vectors

    @property
    def counts(self) -> np.ndarray | None:
        return self._counts

    @property
    def key_to_index(self) -> dict[str, int]:
        return self._index

    @property
    def vector_size(self) -> int:
        return int(self._vectors.shape[1])

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def __getitem__(self, word: str) -> np.ndarray:
        return self.get_vector(word)

    def __repr__(self) -> str:
        return f"WordVectors(name={self.name!r}, words={len(self)}, dim={self.vector_size})"

    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        """The (dim,) vector of ``word`` (read-only); ``norm`` gives it unit length.

        >>> WordVectors(["a"], np.array([[3.0, 4.0]])).get_vector("a", norm=True).tolist()
        [0.6000000238418579, 0.800000011920929]
        """
        i = self._index.get(word)
        if i is None:
            raise UnknownWordError(self.unknown_word_message(word))
        return self.unit_vectors[i] if norm else self._vectors[i]

    def index_of(self, word: str, role: str = "the word") -> int:
        """The row of ``word``; VectorsError when it is empty, UnknownWordError when it is not in the set.

        ``role`` names the word in the message about an empty one ("a", "the expected answer").

        >>> WordVectors(["a", "b"], np.eye(2)).index_of("b")
        1
        """
        if not isinstance(word, str) or not word.strip():
            raise VectorsError(f"The word for {role} is empty; type a word from the vector set.")
        i = self._index.get(word)
        if i is None:
            raise UnknownWordError(self.unknown_word_message(word))
        return i

    def unknown_word_message(self, word: str) -> str:
        """A sentence for a word that is not in the set, with close spellings when there are any.

        >>> WordVectors(["king", "queen"], np.eye(2), name="royals").unknown_word_message("King")
        "'King' is not in 'royals' (2 words). Did you mean 'king'?"
        """
        text = str(word).strip()
        pool = self._keys[:50_000]
        # The same word in another letter case first ("King" -> "king"), then near spellings.
        close = [k for k in pool if k.lower() == text.lower() and k != word][:3]
        close += [k for k in difflib.get_close_matches(text.lower(), pool, n=3) if k not in close and k != word]
        close = close[:3]
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return f"{word!r} is not in {self.name!r} ({len(self):,} words).{hint}"

    # ----- derived ----------------------------------------------------------------------------
    @cached_property
    def unit_vectors(self) -> np.ndarray:
        """(n, dim) rows scaled to unit length (zero rows stay zero), read-only."""
        return readonly(unit_rows(self._vectors))

    def top(self, n: int) -> WordVectors:
        """The first ``n`` words (the most frequent, when the set is ordered by frequency).

        >>> WordVectors(["the", "cat", "dog"], np.eye(3)).top(2).keys
        ('the', 'cat')
        """
        n = max(0, min(n, len(self)))
        counts = None if self._counts is None else self._counts[:n]
        mapped = self.__dict__.get("unit_vectors") if isinstance(self._vectors, np.memmap) else None
        unit = mapped[:n] if isinstance(mapped, np.memmap) else None  # a mapped set's first rows stay mapped
        return WordVectors(self._keys[:n], self._vectors[:n], counts, name=self.name, unit_vectors=unit)

    def subset(self, words: Iterable[str]) -> WordVectors:
        """The given words that are in the set, in the given order, duplicates dropped.

        >>> WordVectors(["the", "cat", "dog"], np.eye(3)).subset(["dog", "zzz", "the", "dog"]).keys
        ('dog', 'the')
        """
        seen: dict[str, int] = {}
        for w in words:
            if w in self._index and w not in seen:
                seen[w] = self._index[w]
        rows = np.fromiter(seen.values(), dtype=np.int64, count=len(seen))
        counts = None if self._counts is None else self._counts[rows]
        return WordVectors(list(seen), self._vectors[rows], counts, name=self.name)

    # ----- queries ----------------------------------------------------------------------------
    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words.

        >>> round(WordVectors(["a", "b"], np.array([[1, 0], [1, 1]])).similarity("a", "b"), 3)
        0.707
        """
        return float(self.get_vector(a, norm=True) @ self.get_vector(b, norm=True))

    def similar_by_vector(
        self, vector: np.ndarray, topn: int = 10, exclude: Iterable[str] = (), restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """Words whose vectors have the highest cosine with ``vector``, as (word, cosine), best first.

        >>> [(w, round(s, 3)) for w, s in WordVectors(["a", "b"], np.eye(2)).similar_by_vector(np.array([0.1, 1.0]))]
        [('b', 0.995), ('a', 0.1)]
        """
        v = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(v))
        if not np.isfinite(norm):
            raise VectorsError("The query vector has NaN or infinite values.")
        unit = self.unit_vectors if restrict_vocab is None else self.unit_vectors[:restrict_vocab]
        scores = unit @ (v / max(norm, EPS))
        return self._ranked(scores, topn, {self._index[w] for w in exclude if w in self._index})

    def most_similar(
        self,
        positive: str | Iterable[str] | None = None,
        negative: str | Iterable[str] | None = None,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """gensim's ``most_similar``: cosine to the mean of unit positive minus unit negative vectors.

        The query words themselves are never returned.

        >>> wv = WordVectors(["cat", "dog", "car"], np.array([[1, 0], [0.9, 0.1], [0, 1]]))
        >>> [w for w, _ in wv.most_similar(["cat"], topn=2)]
        ['dog', 'car']
        """
        pos, neg = _as_list(positive), _as_list(negative)
        if not pos and not neg:
            raise VectorsError("Give at least one word to compare with.")
        for w in pos + neg:
            if w not in self._index:
                raise UnknownWordError(self.unknown_word_message(w))
        unit = self.unit_vectors
        query = np.zeros(self.vector_size, dtype=np.float32)
        for w in pos:
            query += unit[self._index[w]]
        for w in neg:
            query -= unit[self._index[w]]
        query /= len(pos) + len(neg)
        return self.similar_by_vector(query, topn=topn, exclude=pos + neg, restrict_vocab=restrict_vocab)

    def _ranked(self, scores: np.ndarray, topn: int, excluded: Iterable[int]) -> list[tuple[str, float]]:
        return [(self._keys[i], float(scores[i])) for i in top_k(scores, topn, exclude=excluded)]

    # ----- analogies --------------------------------------------------------------------------
    def analogy_scores(
        self,
        a: str,
        b: str,
        c: str,
        method: str = "3cosadd",
        restrict_vocab: int | None = None,
        epsilon: float = COSMUL_EPSILON,
    ) -> np.ndarray:
        """The score of every candidate (the first ``restrict_vocab`` words) as the answer to a : b :: c : ?.

        3CosAdd: cos(x, b - a + c) with unit vectors (gensim's ``most_similar(positive=[b, c],
        negative=[a])``). 3CosMul: s(x, b) s(x, c) / (s(x, a) + epsilon) with s = (cos + 1) / 2
        (Levy & Goldberg 2014).

        >>> WordVectors(["a", "b", "c", "d"], np.eye(4)).analogy_scores("a", "b", "c").shape
        (4,)
        """
        method = check_analogy_method(method)
        ia, ib, ic = self.index_of(a, "a"), self.index_of(b, "b"), self.index_of(c, "c")
        unit = self.unit_vectors
        if restrict_vocab is not None and restrict_vocab < 1:
            raise VectorsError(f"restrict_vocab must be at least 1 (got {restrict_vocab}).")
        candidates = unit if restrict_vocab is None else unit[:restrict_vocab]
        if method == "3cosadd":
            query = unit[ib] + unit[ic] - unit[ia]
            norm = float(np.linalg.norm(query))
            return candidates @ (query / max(norm, EPS))
        sims = candidates @ np.stack([unit[ia], unit[ib], unit[ic]]).T  # (V, 3)
        shifted = (sims + 1.0) / 2.0
        return shifted[:, 1] * shifted[:, 2] / (shifted[:, 0] + epsilon)

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        method: str = "3cosadd",
        topn: int = 10,
        exclude_inputs: bool = True,
        restrict_vocab: int | None = None,
        epsilon: float = COSMUL_EPSILON,
    ) -> list[tuple[str, float]]:
        """Answers to a : b :: c : ? (near b - a + c) by "3cosadd" or "3cosmul", as (word, score), best first.

        3CosAdd ranks like ``most_similar(positive=[b, c], negative=[a])``; 3CosMul follows Levy &
        Goldberg 2014 with cosines shifted to [0, 1] and ``epsilon`` 1e-3. ``exclude_inputs`` keeps
        a, b and c out of the answers (gensim's behaviour); without it one of them often wins,
        which is worth seeing.

        >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
        >>> wv.analogy("man", "woman", "king", topn=1)[0][0]
        'queen'
        """
        scores = self.analogy_scores(a, b, c, method=method, restrict_vocab=restrict_vocab, epsilon=epsilon)
        excluded = {self._index[w] for w in (a, b, c)} if exclude_inputs else set()
        return self._ranked(scores, topn, excluded)

    def relation_consistency(self, a: str, b: str, c: str, d: str) -> float:
        """Cosine between the offsets b - a and d - c of the unit vectors, in [-1, 1].

        Near 1: the pair (c, d) differs the way (a, b) does, so the analogy rests on a shared
        direction. Near 0: the answer was reached for another reason (d merely sits close to c or b).

        >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
        >>> round(wv.relation_consistency("man", "woman", "king", "queen"), 2)
        1.0
        """
        ia, ib = self.index_of(a, "a"), self.index_of(b, "b")
        ic, id_ = self.index_of(c, "c"), self.index_of(d, "d")
        unit = self.unit_vectors
        first, second = unit[ib] - unit[ia], unit[id_] - unit[ic]
        n1, n2 = float(np.linalg.norm(first)), float(np.linalg.norm(second))
        if n1 < 1e-9 or n2 < 1e-9:
            which = f"{a!r} and {b!r}" if n1 < 1e-9 else f"{c!r} and {d!r}"
            raise VectorsError(f"{which} have the same direction, so there is no offset to compare.")
        return float(first @ second / (n1 * n2))
