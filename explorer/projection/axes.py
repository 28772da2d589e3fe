"""Semantic axes: place words on directions you name, such as man -> woman and poor -> rich.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.projection.axes import semantic_axes
    >>> wv = WordVectors(["a", "b", "c", "d"], np.eye(4, dtype=np.float32))
    >>> semantic_axes(wv, [("a", "b"), ("c", "d")]).coords.shape
    (4, 2)
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from explorer.errors import ProjectionError
from explorer.linalg import readonly, unit_rows
from explorer.projection.params import check_matrix
from explorer.projection.quality import faithfulness
from explorer.projection.result import Projection
from explorer.vectors import WordVectors


def _axis_word(wv: WordVectors, word: str) -> np.ndarray:
    word = word.strip()
    if not word:
        raise ProjectionError("An axis word is empty; give two words for each axis, like 'man' and 'woman'.")
    if word not in wv:
        raise ProjectionError(f"Axis word {wv.unknown_word_message(word)}")
    return wv.get_vector(word, norm=True).astype(np.float64)


def semantic_axes(
    wv: WordVectors,
    pairs: Sequence[tuple[str, str]],
    points: WordVectors | None = None,
) -> Projection:
    """Place words on axes you name: x runs from word A to word B, y from C to D (optionally z).

    Each coordinate is the cosine-space position of a word along the unit direction
    unit(B) - unit(A), measured from the midpoint of A and B, so A lands left of 0 and B right.
    ``points`` (default ``wv``) are the words placed; axis words are looked up in ``wv``.

    >>> wv = WordVectors(["a", "b", "c", "d", "e"], np.eye(5, dtype=np.float32))
    >>> p = semantic_axes(wv, [("a", "b"), ("c", "d")])
    >>> bool(p.coords[0, 0] < 0 < p.coords[1, 0])
    True
    """
    pairs = [tuple(pair) for pair in pairs]
    if len(pairs) not in (2, 3):
        raise ProjectionError(f"Semantic axes need 2 or 3 word pairs (x, y and optionally z); got {len(pairs)}.")
    points = wv if points is None else points
    X = check_matrix(points.vectors, len(pairs))
    start = time.perf_counter()
    directions = []
    for pair in pairs:
        if len(pair) != 2:
            raise ProjectionError(f"Each axis needs exactly two words (from, to); got {pair!r}.")
        a, b = (str(w).strip() for w in pair)
        if a == b:
            raise ProjectionError(f"The axis {a!r} → {b!r} has the same word at both ends; pick two different words.")
        ua, ub = _axis_word(wv, a), _axis_word(wv, b)
        d = ub - ua
        norm = float(np.linalg.norm(d))
        if norm < 1e-6:
            raise ProjectionError(f"{a!r} and {b!r} have the same direction, so they cannot span an axis.")
        directions.append((d / norm, (ua + ub) / 2))
    unit = unit_rows(X).astype(np.float64)
    coords = np.column_stack([(unit - mid) @ d for d, mid in directions]).astype(np.float32)
    seconds = time.perf_counter() - start
    scores = faithfulness(X, coords)
    return Projection(
        coords=readonly(coords, np.float32),
        method="axes",
        params={"axes": [list(p) for p in pairs], "n_components": len(pairs), "seed": 0},
        seconds=seconds,
        **scores,
    )
