"""Immutable word-vector sets with gensim-style queries.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["cat", "dog", "car"], np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
    >>> wv.most_similar("cat", topn=1)[0][0]
    'dog'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from explorer.errors import UnknownWordError, VectorsError

if TYPE_CHECKING:
    from explorer.evaluation import AnalogyResult, WordPairResult


def _as_list(words: str | Iterable[str] | None) -> list[str]:
    if words is None:
        return []
    if isinstance(words, str):
        return [words]
    return list(words)


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


class WordVectors:
    """Keys and a float32 matrix (one row per key), both read-only.

    Args:
        keys: distinct words, in the row order of ``vectors`` (most frequent first, by convention).
        vectors: (len(keys), dim) array; copied to float32 and frozen.
        counts: optional frequency of each key (used to order and to pick the "top N").
        name: what the UI shows for this set.
        notices: sentences about how the set was read (duplicates dropped, labels missing), for the UI.
    """

    def __init__(
        self,
        keys: Sequence[str],
        vectors: np.ndarray,
        counts: Sequence[int] | np.ndarray | None = None,
        name: str = "vectors",
        notices: Sequence[str] = (),
    ) -> None:
        keys = tuple(str(k) for k in keys)
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
        self._vectors = _readonly(matrix)
        self._index = index
        self._counts = None if counts is None else _readonly(np.asarray(counts, dtype=np.int64).copy())
        if self._counts is not None and self._counts.shape != (len(keys),):
            raise VectorsError(f"{len(keys)} words but {self._counts.shape[0]} counts.")
        self.name = name
        self.notices: tuple[str, ...] = tuple(notices)

    # ----- files ------------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        path_or_file: str | Path | IO[bytes] | bytes,
        metadata: str | Path | IO[bytes] | bytes | None = None,
        name: str | None = None,
        fmt: str | None = None,
    ) -> WordVectors:
        """Read word2vec text/binary, GloVe text or TensorFlow-projector vectors.tsv (+ metadata.tsv).

        ``path_or_file`` is a path or a binary file-like (an upload); ``.gz`` is accepted. ``fmt``
        ("word2vec", "word2vec_binary", "glove", "tsv") is detected from the name and content when
        None. ``metadata`` labels vectors.tsv rows: one word per line, or a header row and columns
        (the first is the word; a "count" column becomes ``counts``). Malformed files raise
        VectorsError naming the line. Duplicate words keep their first vector, as in gensim, and
        the set's ``notices`` say so.

        >>> import io
        >>> wv = WordVectors.load(io.BytesIO(b"cat 1 0\\ndog 0 1\\n"))
        >>> wv.keys, wv.vector_size
        (('cat', 'dog'), 2)
        """
        from explorer.vectors_io import load_vectors

        return load_vectors(path_or_file, metadata=metadata, name=name, fmt=fmt)

    def save(self, path_or_file: str | Path | IO[bytes], fmt: str = "word2vec") -> None:
        """Write the set as "word2vec" (text), "word2vec_binary", "glove" or "tsv".

        Saving "tsv" to a path also writes metadata.tsv beside it; a path ending in .gz is gzipped.
        Values keep full float32 precision, so ``load(save(wv))`` gives the same matrix.

        >>> import io
        >>> buf = io.BytesIO()
        >>> WordVectors(["a"], np.ones((1, 2))).save(buf, fmt="glove")
        >>> buf.getvalue()
        b'a 1 1\\n'
        """
        from explorer.vectors_io import save_vectors

        save_vectors(self, path_or_file, fmt=fmt)

    def to_projector_tsv(self) -> tuple[str, str]:
        """(vectors.tsv, metadata.tsv) texts for projector.tensorflow.org.

        metadata.tsv is one word per line, or "word\\tcount" rows under a header when counts are known.

        >>> WordVectors(["a", "b"], np.eye(2)).to_projector_tsv()
        ('1\\t0\\n0\\t1\\n', 'a\\nb\\n')
        """
        from explorer.vectors_io import to_projector_tsv

        return to_projector_tsv(self)

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
        """The (dim,) vector of ``word`` (read-only); ``norm`` gives it unit length."""
        i = self._index.get(word)
        if i is None:
            raise UnknownWordError(self.unknown_word_message(word))
        return self.unit_vectors[i] if norm else self._vectors[i]

    def unknown_word_message(self, word: str) -> str:
        """A sentence for a word that is not in the set, with close spellings when there are any."""
        import difflib

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
        norms = np.linalg.norm(self._vectors, axis=1, keepdims=True)
        return _readonly(self._vectors / np.maximum(norms, 1e-12))

    def top(self, n: int) -> WordVectors:
        """The first ``n`` words (the most frequent, when the set is ordered by frequency)."""
        n = max(0, min(n, len(self)))
        counts = None if self._counts is None else self._counts[:n]
        return WordVectors(self._keys[:n], self._vectors[:n], counts, name=self.name)

    def subset(self, words: Iterable[str]) -> WordVectors:
        """The given words that are in the set, in the given order, duplicates dropped."""
        seen: dict[str, int] = {}
        for w in words:
            if w in self._index and w not in seen:
                seen[w] = self._index[w]
        rows = np.fromiter(seen.values(), dtype=np.int64, count=len(seen))
        counts = None if self._counts is None else self._counts[rows]
        return WordVectors(list(seen), self._vectors[rows], counts, name=self.name)

    # ----- queries ----------------------------------------------------------------------------
    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        return float(self.get_vector(a, norm=True) @ self.get_vector(b, norm=True))

    def similar_by_vector(
        self, vector: np.ndarray, topn: int = 10, exclude: Iterable[str] = (), restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """Words whose vectors have the highest cosine with ``vector``."""
        v = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(v))
        if not np.isfinite(norm):
            raise VectorsError("The query vector has NaN or infinite values.")
        unit = self.unit_vectors if restrict_vocab is None else self.unit_vectors[:restrict_vocab]
        scores = unit @ (v / max(norm, 1e-12))
        return self._top_scores(scores, topn, {self._index[w] for w in exclude if w in self._index})

    def most_similar(
        self,
        positive: str | Iterable[str] | None = None,
        negative: str | Iterable[str] | None = None,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """gensim's ``most_similar``: cosine to the mean of unit positive minus unit negative vectors.

        The query words themselves are never returned.
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

    def _top_scores(self, scores: np.ndarray, topn: int, excluded: set[int]) -> list[tuple[str, float]]:
        if topn <= 0:
            return []
        k = min(len(scores), topn + len(excluded))
        if k == 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        out = [(self._keys[i], float(scores[i])) for i in best if int(i) not in excluded]
        return out[:topn]

    # ----- analogies and evaluation (logic in explorer.evaluation) ----------------------------
    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        method: str = "3cosadd",
        topn: int = 10,
        exclude_inputs: bool = True,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Answers to a : b :: c : ? (near b - a + c) by "3cosadd" or "3cosmul", as (word, score), best first.

        3CosAdd ranks like ``most_similar(positive=[b, c], negative=[a])``; 3CosMul follows Levy &
        Goldberg 2014 with cosines shifted to [0, 1] and epsilon 1e-3. ``exclude_inputs`` keeps
        a, b and c out of the answers (gensim's behaviour).

        >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
        >>> wv.analogy("man", "woman", "king", topn=1)[0][0]
        'queen'
        """
        from explorer.evaluation import analogy

        return analogy(
            self, a, b, c, method=method, topn=topn, exclude_inputs=exclude_inputs, restrict_vocab=restrict_vocab
        )

    def relation_consistency(self, a: str, b: str, c: str, d: str) -> float:
        """Cosine between the offsets b - a and d - c (near 1: the same relation).

        >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
        >>> wv.relation_consistency("man", "woman", "king", "queen") > 0.9
        True
        """
        from explorer.evaluation import relation_consistency

        return relation_consistency(self, a, b, c, d)

    def evaluate_analogies(
        self,
        path: str | Path | IO[bytes] | bytes,
        restrict_vocab: int = 30000,
        method: str = "3cosadd",
        case_insensitive: bool = True,
    ) -> AnalogyResult:
        """Accuracy on a Google-format analogy file (``: section`` headers), like gensim's evaluator.

        >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
        >>> wv.evaluate_analogies(b": royal\\nman woman king queen\\n").accuracy
        1.0
        """
        from explorer.evaluation import evaluate_analogies

        return evaluate_analogies(
            self, path, restrict_vocab=restrict_vocab, method=method, case_insensitive=case_insensitive
        )

    def evaluate_word_pairs(
        self,
        path: str | Path | IO[bytes] | bytes,
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
    ) -> WordPairResult:
        """Spearman / Pearson correlation with human similarity scores (tab-separated ``w1 w2 score``).

        >>> wv = WordVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]]))
        >>> wv.evaluate_word_pairs(b"a\\tb\\t9\\na\\tc\\t1\\nb\\tc\\t2\\n").spearman
        1.0
        """
        from explorer.evaluation import evaluate_word_pairs

        return evaluate_word_pairs(self, path, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive)
