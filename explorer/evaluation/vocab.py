"""The vocabulary an evaluation may use, as gensim restricts it: the first words, optionally upper-cased.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> from explorer.evaluation.vocab import restricted_vocab
    >>> restricted_vocab(WordVectors(["King", "king", "queen"], np.eye(3)), 2, case_insensitive=True)
    {'KING': 0}
"""

from __future__ import annotations

from explorer.vectors import WordVectors


def restricted_vocab(wv: WordVectors, restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
    """gensim's restricted vocabulary: key (upper-cased if asked) -> index of its first occurrence.

    >>> import numpy as np
    >>> restricted_vocab(WordVectors(["King", "queen"], np.eye(2)), 1, case_insensitive=False)
    {'King': 0}
    """
    keys = wv.keys[:restrict_vocab]
    if not case_insensitive:
        return {k: i for i, k in enumerate(keys)}
    ok: dict[str, int] = {}
    for i, k in enumerate(keys):
        ok.setdefault(k.upper(), i)
    return ok
