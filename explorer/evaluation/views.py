"""What the Analogies page shows around one question: word checks, the expected answer's rank, the offset picture.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.evaluation.views import answer_rank
    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> answer_rank(wv, "man", "woman", "king", "queen").rank
    1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explorer.errors import VectorsError
from explorer.linalg import pca
from explorer.vectors import COSMUL_EPSILON, WordVectors


@dataclass(frozen=True)
class AnswerRank:
    """Where an expected answer lands among all candidates of an analogy query."""

    word: str
    rank: int  # 1 = the top answer
    score: float
    candidates: int


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

    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> answer_rank(wv, "man", "woman", "king", "queen").rank
    1
    """
    i = wv.index_of(expected, "the expected answer")
    scores = wv.analogy_scores(a, b, c, method=method, restrict_vocab=restrict_vocab, epsilon=epsilon)
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


def check_analogy_words(wv: WordVectors, words: Sequence[str]) -> list[str]:
    """Raise for empty or unknown words; return notices about repeated words (allowed, but odd).

    >>> check_analogy_words(WordVectors(["x", "y"], np.eye(2)), ["x", "x", "y"])
    ["'x' is used twice (a and b): the offset between them is zero, so the answer is just a neighbour."]
    """
    roles = ("a", "b", "c", "the expected answer")
    for word, role in zip(words, roles, strict=False):
        wv.index_of(word, role)
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

    >>> wv = WordVectors(["man", "woman", "king", "queen"], np.array([[1, 0, 1], [0, 1, 1], [1, 0, 3], [0, 1, 3]]))
    >>> offset_plane(wv, "man", "woman", "king", "queen").coords.shape
    (4, 2)
    """
    four = [a, b, c, d]
    for word, role in zip(four, "abcd", strict=True):
        wv.index_of(word, role)
    extra = [w for w in dict.fromkeys(neighbours) if w in wv.key_to_index and w not in four]
    words = four + extra
    unit = wv.unit_vectors[[wv.key_to_index[w] for w in words]].astype(np.float64)
    center = unit[:4].mean(axis=0)
    _, axes, ratio = pca(unit[:4], 2)  # axes: (dim, 2)
    coords = (unit - center) @ axes
    explained = float(ratio.sum()) if ratio.any() else 1.0  # four identical words: nothing is lost
    # Pin the sign of each axis so the picture does not flip between runs: b - a points right/up.
    offset = coords[1] - coords[0]
    for k in range(2):
        if offset[k] < 0:
            coords[:, k] *= -1
    roles = ("a", "b", "c", "d") + ("neighbour",) * len(extra)
    return OffsetPlane(words=tuple(words), roles=roles, coords=coords, explained=explained)
