"""Sentence vectors from any method, with what went into each: the result type and its warnings.

Sentences with nothing to average (no token in the vector set, or only stopwords for
``no_stopwords``) do not raise: their row is all zeros, their index is in ``SentenceVectors.empty``,
and ``empty_message()`` / ``empty_warnings()`` name them and say how to fix them. So one odd line
never hides the heatmap of the others.

Example:
    >>> import numpy as np
    >>> sv = SentenceVectors(
    ...     method="mean", sentences=("a cat", "xyzzy"), matrix=np.array([[1.0, 0.0], [0.0, 0.0]], np.float32),
    ...     offsets=np.array([0, 1, 1]), words=("cat",), counts=np.array([1]), weights=np.array([1.0], np.float32),
    ...     shares=np.array([1.0], np.float32), unknown=((), ("xyzzy",)), removed=((), ()))
    >>> sv.empty, sv.used(0), sv.contributions(0)[0].share
    ((1,), ('cat',), 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.errors import SentenceError
from explorer.linalg import readonly

METHODS: tuple[str, ...] = ("mean", "no_stopwords", "tfidf", "transformer")
AVERAGING_METHODS: tuple[str, ...] = ("mean", "no_stopwords", "tfidf")
METHOD_LABELS: dict[str, str] = {
    "mean": "Plain mean",
    "no_stopwords": "No stopwords",
    "tfidf": "TF-IDF weighted",
    "transformer": "Transformer",
}


@dataclass(frozen=True)
class WordContribution:
    """How much one pooled word (or subword token) makes of a sentence vector.

    ``weight`` is its share of the average's weights (count / tokens for the plain mean,
    count * idf / sum for TF-IDF); ``share`` is weight * (word vector . unit sentence vector) /
    |sentence vector|: the part of the sentence vector's length it supplies. Shares of one
    sentence sum to 1; a negative share pulls against the sentence's direction.
    """

    word: str
    count: int
    weight: float
    share: float


@dataclass(frozen=True, eq=False)
class SentenceVectors:
    """Sentence vectors from one method, with what went into each of them.

    Pooled words are stored flat: sentence ``i`` owns items ``offsets[i]:offsets[i + 1]`` of
    ``words``, ``counts``, ``weights`` and ``shares`` (use ``contributions(i)``).

    Attributes:
        method: one of ``METHODS``.
        sentences: the input sentences.
        matrix: (n, d) float32, read-only; an all-zero row for every sentence in ``empty``.
        offsets: (n + 1,) int64.
        words: pooled words (distinct per sentence; subword tokens for the transformer).
        counts: (m,) int64, occurrences of each pooled word in its sentence.
        weights: (m,) float32, weight shares (sum 1 per non-empty sentence).
        shares: (m,) float32, contribution shares of the vector's length (sum 1 per sentence).
        unknown: per sentence, tokens the vector set has no vector for.
        removed: per sentence, stopwords left out (``no_stopwords`` only).
        vectors_name: the vector set (or transformer) the vectors came from.
        notes: things the reader should know (truncation, where document frequencies came from).
    """

    method: str
    sentences: tuple[str, ...]
    matrix: np.ndarray
    offsets: np.ndarray
    words: tuple[str, ...]
    counts: np.ndarray
    weights: np.ndarray
    shares: np.ndarray
    unknown: tuple[tuple[str, ...], ...]
    removed: tuple[tuple[str, ...], ...]
    vectors_name: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.sentences)
        if self.matrix.ndim != 2 or self.matrix.shape[0] != n:
            raise ValueError(f"matrix must have one row per sentence ({n}); got shape {self.matrix.shape}")
        if self.offsets.shape != (n + 1,) or int(self.offsets[-1]) != len(self.words):
            raise ValueError("offsets must have n + 1 entries ending at the number of pooled words")
        self._freeze()

    def _freeze(self) -> None:
        for name in ("matrix", "offsets", "counts", "weights", "shares"):
            object.__setattr__(self, name, readonly(getattr(self, name)))

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled arrays (st.cache_data copies) come back writeable: freeze them again.
        self.__dict__.update(state)
        self._freeze()

    def __len__(self) -> int:
        return len(self.sentences)

    @property
    def label(self) -> str:
        return METHOD_LABELS.get(self.method, self.method)

    @property
    def vector_size(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def empty(self) -> tuple[int, ...]:
        """Indices of sentences with nothing pooled (zero rows)."""
        return tuple(int(i) for i in np.flatnonzero(np.diff(self.offsets) == 0))

    @property
    def token_counts(self) -> np.ndarray:
        """(n,) how many tokens were averaged for each sentence (repeats counted)."""
        seg = np.repeat(np.arange(len(self)), np.diff(self.offsets))
        return np.bincount(seg, weights=self.counts, minlength=len(self)).astype(np.int64)

    @property
    def norms(self) -> np.ndarray:
        """(n,) Euclidean length of each sentence vector."""
        return np.linalg.norm(self.matrix.astype(np.float64), axis=1)

    def used(self, i: int) -> tuple[str, ...]:
        """The words pooled into sentence ``i``, in order of first appearance."""
        return self.words[self.offsets[i] : self.offsets[i + 1]]

    def contributions(self, i: int, topn: int | None = None) -> list[WordContribution]:
        """Words of sentence ``i`` by share of its vector, largest first (ties by order in the sentence)."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        items = [
            WordContribution(self.words[j], int(self.counts[j]), float(self.weights[j]), float(self.shares[j]))
            for j in range(a, b)
        ]
        items.sort(key=lambda c: -c.share)
        return items if topn is None else items[:topn]

    def left_out(self, i: int) -> str | None:
        """A sentence naming the words of sentence ``i`` left out of its average; None when none was.

        >>> from explorer.sentences import encode_average
        >>> from explorer.vectors import WordVectors
        >>> wv = WordVectors(["cat"], np.ones((1, 2), dtype=np.float32))
        >>> encode_average(["the cat purrs"], wv, "no_stopwords").left_out(0)
        'Left out of this average: not in the vector set: purrs; stopwords removed: the.'
        """
        parts = []
        if self.unknown[i]:
            parts.append("not in the vector set: " + ", ".join(self.unknown[i]))
        if self.removed[i]:
            parts.append("stopwords removed: " + ", ".join(self.removed[i]))
        return "Left out of this average: " + "; ".join(parts) + "." if parts else None

    def empty_message(self) -> str | None:
        """A sentence naming the sentences without a vector and how to fix them; None when there are none."""
        if not self.empty:
            return None
        only_stop = [i for i in self.empty if self.removed[i]]
        unknown = [i for i in self.empty if not self.removed[i]]
        where = f" {self.vectors_name!r}" if self.vectors_name else ""
        parts = []
        if unknown:
            parts.append(
                f"{_name_sentences(self.sentences, unknown)} "
                f"{'has' if len(unknown) == 1 else 'have'} no word the vector set{where} knows, so "
                f"{'its' if len(unknown) == 1 else 'their'} {self.label.lower()} vector is empty and "
                f"{'it is' if len(unknown) == 1 else 'they are'} left blank. Add words the vector set knows "
                "(check the spelling), or choose another vector set."
            )
        if only_stop:
            parts.append(
                f"{_name_sentences(self.sentences, only_stop)} "
                f"{'has' if len(only_stop) == 1 else 'have'} only stopwords among the known words, so "
                f"{'its' if len(only_stop) == 1 else 'their'} no-stopwords vector is empty and left blank. "
                "Add a content word, or compare with the plain mean or TF-IDF."
            )
        return " ".join(parts)

    def raise_if_empty(self) -> None:
        """Raise ``SentenceError`` with ``empty_message()`` when any sentence has no vector."""
        message = self.empty_message()
        if message:
            raise SentenceError(message)


def empty_warnings(results: Mapping[str, SentenceVectors], *, query: bool = False, listed: int = 10) -> list[str]:
    """One Markdown warning per group of methods that leave the same sentences blank for the same reason.

    The three averages usually fail on the same sentences (no word in the vector set), so instead of a
    warning per method and sentence this names the methods once, numbers the sentences (at most
    ``listed``) and says how to fix them. With ``query=True`` the vectors hold the query sentence.

    >>> import numpy as np
    >>> from explorer.sentences import encode_average
    >>> from explorer.vectors import WordVectors
    >>> wv = WordVectors(["cat"], np.ones((1, 2), dtype=np.float32), name="pets")
    >>> res = {m: encode_average(["a cat", "xyzzy"], wv, m) for m in ("mean", "tfidf")}
    >>> [w.splitlines()[0] for w in empty_warnings(res)]
    ["**Plain mean, TF-IDF weighted:** 1 sentence has no word the vector set 'pets' knows, so it is left blank:"]
    """
    groups: dict[tuple[str, tuple[int, ...]], list[SentenceVectors]] = {}
    for vectors in results.values():
        stop = tuple(i for i in vectors.empty if vectors.removed[i])
        unknown = tuple(i for i in vectors.empty if not vectors.removed[i])
        for cause, indices in (("unknown", unknown), ("stopwords", stop)):
            if indices:
                groups.setdefault((cause, indices), []).append(vectors)
    out = []
    for (cause, indices), members in groups.items():
        first = members[0]
        labels = ", ".join(m.label for m in members)
        where = f" {first.vectors_name!r}" if first.vectors_name else ""
        one = len(indices) == 1
        if query:
            head = f'the query "{shorten(first.sentences[indices[0]], 80)}"'
            if cause == "unknown":
                text = f"{head} has no word the vector set{where} knows, so it cannot be ranked against the sentences."
                fix = "Rephrase the query with words the vector set knows, or choose another vector set."
            else:
                text = f"{head} has only stopwords among the known words, so it gets no no-stopwords vector."
                fix = "Add a content word to the query, or compare with the plain mean or TF-IDF."
            out.append(f"**{labels}:** {text} {fix}")
            continue
        count = f"{len(indices)} sentence{'' if one else 's'} {'has' if one else 'have'}"
        blank = "it is" if one else "they are"
        if cause == "unknown":
            text = f"{count} no word the vector set{where} knows, so {blank} left blank:"
            fix = "Add words the vector set knows (check the spelling), or choose another vector set."
        else:
            text = f"{count} only stopwords among the known words, so {blank} left blank:"
            fix = "Add a content word, or compare with the plain mean or TF-IDF."
        items = [f'- #{i + 1} "{shorten(first.sentences[i], 80)}"' for i in indices[:listed]]
        if len(indices) > listed:
            items.append(f"- … and {len(indices) - listed} more")
        out.append(f"**{labels}:** {text}\n\n" + "\n".join(items) + f"\n\n{fix}")
    return out


def _name_sentences(sentences: Sequence[str], indices: Sequence[int]) -> str:
    shown = [f'#{i + 1} "{shorten(sentences[i], 60)}"' for i in indices[:5]]
    more = f" and {len(indices) - 5} more" if len(indices) > 5 else ""
    noun = "Sentence" if len(indices) == 1 else "Sentences"
    return f"{noun} {', '.join(shown)}{more}"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis.

    >>> shorten("The cat sat on the mat", 12)
    'The cat sat…'
    """
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
