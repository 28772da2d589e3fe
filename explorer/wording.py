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


def shown_of(shown: int, total: int, control: str, noun: str = "words") -> str | None:
    """A note when a view shows fewer items than there are and a control can show more; None otherwise.

    >>> shown_of(1406, 21724, "Number of words")
    'Showing 1,406 of the 21,724 words: raise “Number of words” to see more.'
    >>> shown_of(20, 20, "Number of words") is None
    True
    """
    if shown >= total:
        return None
    return f"Showing {shown:,} of the {total:,} {noun}: raise “{control}” to see more."


_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+-.!|~$"})


def plain_markdown(text: str) -> str:
    """``text`` escaped so Streamlit's markdown shows it as it is (no links, images, emphasis or code from a
    file's contents).

    >>> plain_markdown("[click](http://x) *now*")
    '\\\\[click\\\\]\\\\(http://x\\\\) \\\\*now\\\\*'
    """
    return text.translate(_MARKDOWN_SPECIALS)
