"""Data for the Train page's live and teaching views: a stable word map, neighbours, small matrices.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.training.teaching import map_coordinates
    >>> wv = WordVectors(["a", "b", "c"], np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32))
    >>> map_coordinates(wv, ["a", "b", "c"]).shape
    (3, 2)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from explorer.corpus import Corpus
from explorer.linalg import pca, procrustes
from explorer.stopwords import content_first, content_words
from explorer.training.pairs import cooccurrence, ppmi, sentence_pairs
from explorer.training.subword import char_ngrams, fnv1a
from explorer.vectors import WordVectors

# Words that show each built-in corpus's structure after a short training.
SUGGESTED_WORDS: dict[str, tuple[str, ...]] = {
    "builtin:support_tickets": ("charge", "refund", "battery", "shipment"),
    "builtin:analogy_world": ("king", "queen", "paris", "france"),
    "builtin:mixed": ("bank", "charge", "river", "melody"),
}


def suggested_words(words: Sequence[str], source: str, n: int = 4) -> list[str]:
    """Up to ``n`` words worth watching among ``words`` (most frequent first): the corpus's own
    suggestions that are there, else the most frequent content words.

    >>> suggested_words(["the", "charge", "refund"], "builtin:support_tickets")
    ['charge', 'refund']
    >>> suggested_words(["the", "charge", "refund"], "upload:notes.txt", n=1)
    ['charge']
    """
    present = set(words)
    known = [w for w in SUGGESTED_WORDS.get(source, ()) if w in present][:n]
    if known:
        return known
    return content_words(words, n)


def map_words(wv: WordVectors, top: int, pinned: Sequence[str] = (), skip_stopwords: bool = True) -> list[str]:
    """The ``top`` most frequent words of ``wv`` plus the pinned words it knows, no duplicates.

    Stopwords ("the", "of") are left out unless pinned, so the map shows content words; when
    fewer than ``top`` content words exist, stopwords fill the rest.

    >>> import numpy as np
    >>> wv = WordVectors(["the", "king", "of", "queen"], np.eye(4, dtype=np.float32))
    >>> map_words(wv, 2, ["of"])
    ['king', 'queen', 'of']
    """
    keys = list(wv.keys)
    order = content_first(keys) if skip_stopwords else range(len(keys))
    words = [keys[i] for i in order[:top]]
    for w in pinned:
        if w in wv and w not in words:
            words.append(w)
    return words


def map_coordinates(
    wv: WordVectors, words: Sequence[str], previous: Mapping[str, Sequence[float]] | None = None
) -> np.ndarray:
    """2-D positions of ``words``: PCA of their unit vectors, aligned to the previous frame.

    The PCA plane (signs fixed, ``linalg.pca``) is fitted on the current vectors; then an
    orthogonal 2x2 map (rotation or reflection, orthogonal Procrustes on the words both frames
    share) turns it to match ``previous`` (word -> (x, y)), so points move only as much as the
    vectors really changed. Coordinates are scaled to unit root-mean-square radius.

    Returns:
        (len(words), 2) float64 array.

    >>> wv = WordVectors(["a", "b", "c"], np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32))
    >>> first = map_coordinates(wv, ["a", "b", "c"])
    >>> mirrored = {w: (-x, y) for w, (x, y) in zip(["a", "b", "c"], first)}
    >>> bool(np.allclose(map_coordinates(wv, ["a", "b", "c"], mirrored)[:, 0], -first[:, 0]))
    True
    """
    if not words:
        return np.zeros((0, 2))
    x = np.stack([wv.get_vector(w, norm=True) for w in words]).astype(np.float64)
    if len(words) < 2 or not np.any(x - x.mean(axis=0)):
        return np.zeros((len(words), 2))
    xy = pca(x, 2)[0]  # (n, 2)
    rms = np.sqrt((xy**2).sum(axis=1).mean())
    xy = xy / rms if rms > 0 else xy
    if previous:
        shared = [i for i, w in enumerate(words) if w in previous]
        if len(shared) >= 2:
            target = np.array([previous[words[i]] for i in shared], dtype=np.float64)
            xy = xy @ procrustes(xy[shared], target)
    return xy


def map_extent(xy: np.ndarray, step: float = 0.25) -> float:
    """Half-width of a square view that holds every point with a margin, rounded up to ``step``.

    Rounding keeps the scale fixed from frame to frame unless the points really spread out.

    >>> map_extent(np.array([[0.9, -1.3], [0.2, 0.4]]))
    1.5
    """
    if len(xy) == 0:
        return 1.0
    return max(1.0, float(np.ceil(float(np.abs(xy).max()) * 1.1 / step) * step))


def neighbour_rows(wv: WordVectors, words: Sequence[str], topn: int = 5) -> list[dict[str, str]]:
    """One row per watched word: its ``topn`` nearest words with cosines, or why there are none.

    >>> wv = WordVectors(["cat", "dog", "car"], np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
    >>> neighbour_rows(wv, ["cat"], topn=1)
    [{'word': 'cat', 'nearest words (cosine)': 'dog (0.99)'}]
    """
    rows = []
    for w in words:
        if w in wv:
            near = wv.most_similar(w, topn=topn)
            rows.append({"word": w, "nearest words (cosine)": ", ".join(f"{n} ({s:.2f})" for n, s in near)})
        else:
            rows.append({"word": w, "nearest words (cosine)": "not in the vocabulary (rare, or below min_count)"})
    return rows


def window_pair_rows(tokens: Sequence[str], window: int) -> list[dict[str, object]]:
    """The (center, context) pairs of one sentence as table rows.

    >>> window_pair_rows(["my", "card"], 2)[0]
    {'center': 'my', 'context': 'card', 'distance': 1}
    """
    return [{"center": c, "context": x, "distance": d} for c, x, d in sentence_pairs(tokens, window)]


@dataclass(frozen=True)
class CooccurrenceView:
    """Counts and PPMI for a handful of words, taken from the whole corpus's matrices."""

    words: tuple[str, ...]
    counts: np.ndarray  # (n, n) window co-occurrence counts
    ppmi: np.ndarray  # (n, n) PPMI with context-distribution smoothing
    missing: tuple[str, ...]  # asked-for words the corpus does not contain


def cooccurrence_view(corpus: Corpus, words: Sequence[str], window: int, cds: float = 0.75) -> CooccurrenceView:
    """Co-occurrence counts and PPMI among ``words`` (marginals from the whole corpus).

    >>> view = cooccurrence_view(Corpus.from_texts(["my card was charged"] * 3), ["card", "was", "zzz"], window=1)
    >>> view.counts.tolist(), view.missing
    ([[0.0, 3.0], [3.0, 0.0]], ('zzz',))
    """
    vocab = corpus.vocab(min_count=1)
    known = tuple(dict.fromkeys(w for w in words if w in vocab))
    missing = tuple(w for w in words if w not in vocab)
    ids = np.concatenate([vocab.encode(s) for s in corpus.sentences])
    sentence = np.repeat(np.arange(len(corpus.sentences)), [len(s) for s in corpus.sentences])
    full = cooccurrence(ids, sentence, window, len(vocab))
    rows = [vocab.index[w] for w in known]
    counts = full[rows][:, rows].toarray()
    p = ppmi(full, cds)[rows][:, rows].toarray()
    return CooccurrenceView(words=known, counts=counts, ppmi=p, missing=missing)


@dataclass(frozen=True)
class NgramView:
    """A word's character n-grams, their hashed rows, and its vector (known word or not)."""

    word: str
    ngrams: tuple[tuple[str, int], ...]
    in_vocabulary: bool
    vector: np.ndarray | None  # None before a subword model is trained


def ngram_view(word: str, min_n: int, max_n: int, bucket: int, vectors: WordVectors | None = None) -> NgramView:
    """The n-grams of ``word`` (with < > markers) and, given subword vectors, its vector.

    >>> ngram_view("cat", 3, 3, 100).ngrams
    (('<ca', 47), ('cat', 31), ('at>', 6))
    """
    grams = tuple((g, fnv1a(g) % bucket) for g in char_ngrams(word, min_n, max_n))
    vector = None
    if vectors is not None and hasattr(vectors, "vector_for"):
        vector = np.asarray(vectors.vector_for(word))
    return NgramView(word=word, ngrams=grams, in_vocabulary=vectors is not None and word in vectors, vector=vector)
