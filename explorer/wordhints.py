"""What to say when a word is missing: near spellings of it, and frequent content words that are there.

Example:
    >>> missing_word_hint("goverment", ["the", "of", "unk", "government", "police"], "the news index")
    '“goverment” is not in the news index. Did you mean: government? Frequent words it holds: government, police.'
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from explorer.stopwords import content_words

# Tokens a tokenizer or an index writes for what it could not read or pads with: never worth suggesting.
PLACEHOLDERS = frozenset({"unk", "pad", "cls", "sep", "mask", "bos", "eos", "<unk>", "[unk]", "</s>", "<s>"})
SPELLING_POOL = 50_000  # the most frequent words searched for near spellings (difflib is quadratic in length)


def _content(ranked: Sequence[str], n: int) -> list[str]:
    return content_words((w for w in ranked if w.lower() not in PLACEHOLDERS), n)


def near_spellings(word: str, ranked: Sequence[str], n: int = 3) -> list[str]:
    """Up to ``n`` words of ``ranked`` (most frequent first) spelled like ``word``: other letter case first.

    >>> near_spellings("Bank", ["the", "bank", "band", "blank"])
    ['bank', 'blank', 'band']
    """
    text = str(word).strip().lower()
    pool = list(ranked[:SPELLING_POOL])
    same = [w for w in pool if w.lower() == text and w != word]
    close = difflib.get_close_matches(text, pool, n=n + len(same))
    return list(dict.fromkeys([*same, *(w for w in close if w != word)]))[:n]


def missing_word_hint(word: str, ranked: Sequence[str], where: str, n_frequent: int = 8) -> str:
    """A sentence for a word ``where`` does not hold: near spellings, then its most frequent content words
    (never "the, unk, of")."""
    close = near_spellings(word, ranked)
    frequent = _content(ranked, n_frequent) or list(ranked[:n_frequent])
    text = f"“{word}” is not in {where}."
    if close:
        text += f" Did you mean: {', '.join(close)}?"
    if frequent:
        text += f" Frequent words it holds: {', '.join(frequent)}."
    return text


def default_word(ranked: Sequence[str]) -> str | None:
    """The word a view opens on: the most frequent content word, not "the" (else the most frequent word).

    >>> default_word(["the", "unk", "of", "bank", "river"]), default_word(["the"]), default_word([])
    ('bank', 'the', None)
    """
    found = _content(ranked, 1)
    return found[0] if found else (ranked[0] if len(ranked) else None)
