"""Counts in words: "1 match", "3 matches", never "1 pairs" or "match(es)". A leaf module.

Example:
    >>> from explorer.wording import count
    >>> count(1, "pair"), count(3, "match", "matches"), count(12_000, "word")
    ('1 pair', '3 matches', '12,000 words')
"""

from __future__ import annotations


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` with the noun in the right number (thousands separated)."""
    noun = singular if n == 1 else (plural or singular + "s")
    return f"{n:,} {noun}"
