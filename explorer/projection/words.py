"""Which words go on a map: the most frequent, a filter, a typed list; and finding words on it.

Example:
    >>> from explorer.projection.words import parse_word_list, search_matches
    >>> parse_word_list("cat, dog\\n cat"), search_matches(["bank", "banker"], '"bank"')
    (['cat', 'dog'], [0])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from explorer.errors import ProjectionError
from explorer.vectors import WordVectors


def parse_word_list(text: str) -> list[str]:
    """Words from text separated by commas, spaces or new lines (order kept, duplicates dropped).

    >>> parse_word_list("cat, dog\\n cat  bird")
    ['cat', 'dog', 'bird']
    """
    return list(dict.fromkeys(w for w in re.split(r"[\s,;]+", text or "") if w))


def choose_words(
    wv: WordVectors,
    n: int,
    include: Iterable[str] = (),
    pattern: str = "",
    always: Iterable[str] = (),
) -> WordVectors:
    """The words to project: the ``n`` most frequent that match ``pattern`` (a regex, searched),
    or the listed ``include`` words when given, plus ``always`` (e.g. axis words).

    Raises ProjectionError for a bad regex or when nothing is left.

    >>> import numpy as np
    >>> wv = WordVectors(["the", "cat", "cart", "dog"], np.eye(4, dtype=np.float32))
    >>> choose_words(wv, 10, pattern="^ca").keys
    ('cat', 'cart')
    """
    include = list(include)
    if include:
        words = [w for w in include if w in wv][:n]
        if not words:
            sample = ", ".join(include[:5])
            raise ProjectionError(f"None of the listed words ({sample}) is in {wv.name!r}.")
    else:
        words = list(wv.keys)
        if pattern:
            try:
                regex = re.compile(pattern)
            except re.error as exc:
                raise ProjectionError(f"The filter {pattern!r} is not a valid regular expression: {exc}.") from exc
            words = [w for w in words if regex.search(w)]
            if not words:
                raise ProjectionError(f"No word in {wv.name!r} matches {pattern!r}; loosen the filter.")
        words = words[:n]
    extra = [w for w in always if w in wv and w not in set(words)]
    return wv.subset(words + extra)


def search_matches(keys: Sequence[str], query: str) -> list[int]:
    """Rows whose word contains ``query`` (case-insensitive; a whole word when quoted).

    >>> search_matches(["bank", "banker", "river"], "bank")
    [0, 1]
    """
    q = (query or "").strip().lower()
    if not q:
        return []
    if len(q) > 1 and q[0] == q[-1] == '"':
        exact = q[1:-1]
        return [i for i, w in enumerate(keys) if w.lower() == exact]
    return [i for i, w in enumerate(keys) if q in w.lower()]
