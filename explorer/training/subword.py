"""Subword skip-gram (fastText-style): a word is the mean of its own row and its n-gram rows.

A word w is wrapped in boundary markers ("<where>") and cut into every character n-gram of
length ``min_n``..``max_n`` ("<wh", "whe", ..., "ere>"). Each n-gram is hashed with 32-bit
FNV-1a (bytes sign-extended, as fastText does) into one of ``bucket`` shared rows. The input
vector of a word is the mean of its word row and its n-gram rows; skip-gram with negative
sampling (``explorer.training.sgns``) trains them, every row of the bag receiving the full
gradient, as in fastText.

Speed: the examples of a step are grouped by the position of their input word, so the (up to
2 x window) pairs of one token fall in the same minibatch; each distinct input word's bag is
averaged once per minibatch and the gradients of its examples are summed before they reach its
rows (about 150 distinct bags per 1,024 examples on the reference text instead of 1,024). Every
row receives exactly the sum of the per-example gradients computed from the minibatch's
parameters; the price is that a token's pairs share one minibatch (and, in groups of
``shared_negatives``, noise words), which the benchmark shows costs no quality against gensim's
FastText (docs/benchmarks.md, "train").

A word never seen in training still has n-grams, so
``SubwordVectors.vector_for("reshipped")`` is the mean of the rows of "<re", "res", ...

Example:
    >>> from explorer.training.subword import char_ngrams
    >>> char_ngrams("cat", 3, 4)
    ['<ca', 'cat', 'at>', '<cat', 'cat>']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from explorer.corpus import Corpus
from explorer.linalg import readonly
from explorer.training.base import TrainingError, check_int
from explorer.training.sgns import NegativeSamplingTrainer, SGNSConfig, _scatter_rows
from explorer.vectors import WordVectors


@dataclass(frozen=True)
class SubwordConfig(SGNSConfig):
    """Subword skip-gram; the skip-gram parameters plus the n-gram ones.

    Attributes:
        min_n, max_n: shortest and longest character n-gram (fastText: 3 and 6).
        bucket: hashed rows shared by all n-grams (fastText uses 2,000,000; a smaller table
            suits the app's corpora and collides more).
        alpha: fastText's skip-gram starts at 0.05.
        minibatch: smaller than skip-gram's, because common n-grams repeat within a minibatch.
    """

    alpha: float = 0.05
    minibatch: int = 1024
    min_n: int = 3
    max_n: int = 6
    bucket: int = 50_000


def char_ngrams(word: str, min_n: int = 3, max_n: int = 6) -> list[str]:
    """Character n-grams of ``"<" + word + ">"``, shortest first, left to right.

    >>> char_ngrams("cat", 3, 4)
    ['<ca', 'cat', 'at>', '<cat', 'cat>']
    """
    w = f"<{word}>"
    return [w[i : i + n] for n in range(min_n, max_n + 1) for i in range(len(w) - n + 1)]


def fnv1a(text: str) -> int:
    """fastText's 32-bit FNV-1a hash of the UTF-8 bytes (each byte sign-extended to 32 bits).

    >>> fnv1a("a") == 0xE40C292C  # the published FNV-1a test vector
    True
    """
    h = 2166136261
    for byte in text.encode("utf-8"):
        h ^= byte if byte < 128 else (byte | 0xFFFFFF00)
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def ngram_rows(word: str, min_n: int, max_n: int, bucket: int) -> list[tuple[str, int]]:
    """Each n-gram of ``word`` with the bucket row it hashes to.

    >>> ngram_rows("a", 3, 3, 10)
    [('<a>', 0)]
    """
    return [(g, fnv1a(g) % bucket) for g in char_ngrams(word, min_n, max_n)]


class SubwordVectors(WordVectors):
    """Word vectors that can also build a vector for any spelling from its character n-grams.

    ``keys`` / ``vectors`` hold the trained vocabulary (each row already the mean of the
    word's own row and its n-gram rows); ``vector_for(word)`` works for unseen words too.

    >>> import numpy as np
    >>> sv = SubwordVectors(["ab"], np.ones((1, 2)), ngram_vectors=np.ones((8, 2)), min_n=2, max_n=3)
    >>> sv.vector_for("abc").tolist()
    [1.0, 1.0]
    """

    def __init__(
        self,
        keys: Sequence[str],
        vectors: np.ndarray,
        counts: Sequence[int] | np.ndarray | None = None,
        name: str = "vectors",
        *,
        ngram_vectors: np.ndarray,
        min_n: int = 3,
        max_n: int = 6,
    ) -> None:
        super().__init__(keys, vectors, counts, name=name)
        self._ngram_vectors = readonly(np.array(ngram_vectors, dtype=np.float32, copy=True))
        self.min_n, self.max_n = min_n, max_n

    @property
    def ngram_vectors(self) -> np.ndarray:
        """(bucket, dim) float32 hashed n-gram rows, read-only."""
        return self._ngram_vectors

    @property
    def bucket(self) -> int:
        return int(self._ngram_vectors.shape[0])

    def ngrams(self, word: str) -> list[tuple[str, int]]:
        """The n-grams of ``word`` and the bucket row each hashes to.

        >>> SubwordVectors(["ab"], np.ones((1, 2)), ngram_vectors=np.ones((10, 2))).ngrams("a")
        [('<a>', 0)]
        """
        return ngram_rows(word, self.min_n, self.max_n, self.bucket)

    def vector_for(self, word: str) -> np.ndarray:
        """The trained vector of a known word; for an unknown one, the mean of its n-gram rows.

        Returns a zero vector when the word is unknown and shorter than ``min_n - 2`` letters.

        >>> sv = SubwordVectors(["ab"], np.zeros((1, 2)), ngram_vectors=np.ones((8, 2)), min_n=2, max_n=2)
        >>> sv.vector_for("ab").tolist(), sv.vector_for("zz").tolist()
        ([0.0, 0.0], [1.0, 1.0])
        """
        if word in self:
            return self.get_vector(word)
        rows = [r for _, r in self.ngrams(word)]
        if not rows:
            return np.zeros(self.vector_size, dtype=np.float32)
        return self._ngram_vectors[rows].mean(axis=0)

    def most_similar_to_any(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """Nearest known words to ``word``'s vector (unseen words included), excluding ``word``.

        >>> sv = SubwordVectors(["cat", "dog"], np.eye(2), ngram_vectors=np.eye(2)[[0, 1] * 5])
        >>> sv.most_similar_to_any("cats", topn=1)[0][0] in ("cat", "dog")
        True
        """
        return self.similar_by_vector(self.vector_for(word), topn=topn, exclude=[word])


class SubwordTrainer(NegativeSamplingTrainer):
    """Skip-gram whose input vectors are bags of word and n-gram rows (see the module docstring)."""

    method = "subword"

    def __init__(self, corpus: Corpus, config: SubwordConfig) -> None:
        check_int("min_n", config.min_n, 1, "fastText uses 3.", hi=20)
        check_int("max_n", config.max_n, config.min_n, f"max_n must not be below min_n={config.min_n}; try 6.", hi=20)
        check_int("bucket", config.bucket, 1, "Use 10000 to 2000000 hashed rows.", hi=5_000_000)
        if config.bucket * config.vector_size > 200_000_000:
            raise TrainingError(
                f"bucket={config.bucket:,} x vector_size={config.vector_size} is too large a table; "
                "lower bucket (for example to 100000)."
            )
        self._bucket = config.bucket
        super().__init__(corpus, config)
        v = len(self.vocab)
        bags = [[i] + [v + r for _, r in ngram_rows(w, config.min_n, config.max_n, config.bucket)]
                for i, w in enumerate(self.vocab.words)]  # fmt: skip
        sizes = np.fromiter((len(b) for b in bags), dtype=np.int64, count=v)
        self.sub_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.sub_rows = np.fromiter((r for b in bags for r in b), dtype=np.int64, count=int(sizes.sum()))
        self.sub_size = sizes
        self._bag_rows = torch.from_numpy(self.sub_rows).to(self.device)
        self._bag_ptr = torch.from_numpy(self.sub_ptr[:-1]).to(self.device)
        self._bag_size = torch.from_numpy(sizes).to(self.device)

    def _input_rows(self) -> int:
        return len(self.vocab) + self._bucket

    def _examples(
        self, ids: np.ndarray, centers: np.ndarray, contexts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        # examples grouped by input position: the pairs of one token share a minibatch, so its bag
        # of rows is averaged and updated once for all of them (see _input_vectors)
        order = np.argsort(contexts, kind="stable")
        return ids[contexts[order]], None, ids[centers[order]]

    def _input_vectors(
        self, rows: torch.Tensor, bag: torch.Tensor | None, offsets: torch.Tensor | None
    ) -> tuple[torch.Tensor, object]:
        # A frequent word appears many times in a minibatch; its bag (word row + n-gram rows) is
        # averaged once per distinct word and the gradients of its examples are summed before
        # they go to the bag's rows. Every row gets exactly the sum it would get per example.
        words, inverse = torch.unique(rows, return_inverse=True)  # (U,), (B,)
        sizes = self._bag_size[words]  # (U,)
        ends = torch.cumsum(sizes, 0)
        starts = ends - sizes
        # rows of each distinct word's bag, concatenated: bag_rows[bag_ptr[w] : bag_ptr[w] + size]
        flat = torch.arange(int(ends[-1]), device=rows.device) - torch.repeat_interleave(
            starts - self._bag_ptr[words], sizes
        )
        bag_rows = self._bag_rows[flat]  # (M,)
        h_words = F.embedding_bag(bag_rows, self.w_in, starts, mode="mean")  # (U, d)
        return h_words[inverse], (words, inverse, bag_rows, sizes)

    def _input_update(
        self, rows: torch.Tensor, bag: torch.Tensor | None, dh: torch.Tensor, inputs: object, cap: int
    ) -> None:
        words, inverse, bag_rows, sizes = inputs  # type: ignore[misc]
        dh_words = torch.zeros(len(words), dh.shape[1], dtype=dh.dtype, device=dh.device).index_add_(0, inverse, dh)
        grads = torch.repeat_interleave(dh_words, sizes, dim=0)  # (M, d)
        examples = torch.repeat_interleave(torch.bincount(inverse, minlength=len(words)), sizes)  # (M,)
        _scatter_rows(self.w_in, bag_rows, grads, cap, weight=examples)

    def _matrix(self) -> np.ndarray:
        rows = torch.from_numpy(self.sub_rows).to(self.device)
        offsets = torch.from_numpy(self.sub_ptr[:-1]).to(self.device)
        mean = F.embedding_bag(rows, self.w_in, offsets, mode="mean")  # (V, d): word row + n-gram rows
        return mean.float().cpu().numpy()

    def snapshot(self, name: str | None = None) -> SubwordVectors:
        """The current vectors as ``SubwordVectors``, which also build vectors for unseen spellings.

        >>> from explorer.training import make_trainer
        >>> t = make_trainer("subword", Corpus.from_texts(["my card was charged"] * 20), vector_size=4, bucket=100)
        >>> _ = t.step(1); t.snapshot().vector_for("carded").shape
        (4,)
        """
        label = name or f"{self.method} on {self.corpus.name}"
        c = self.config
        return SubwordVectors(
            self.vocab.words,
            self._matrix(),
            counts=self.vocab.counts,
            name=label,
            ngram_vectors=self.w_in[len(self.vocab) :].float().cpu().numpy(),
            min_n=c.min_n,
            max_n=c.max_n,
        )
