"""Word-pair dictionaries for aligning two vector sets: files (uploads, untrusted) and typed text.

One pair a line: ``word<TAB>translation`` or ``word translation`` (any run of spaces). A word may
have several translations (one line each). Blank lines and lines starting with ``#`` are
skipped; any other line that is not exactly two words is a bad line, counted and reported with
its number, never fatal unless no pair is left. Repeated pairs are kept once.

A file is read within the upload limit (``max_bytes``; a gzip file is unpacked within a bound),
refused when its first bytes look binary (a PDF, an image, NUL bytes), and decoded as UTF-8
(a byte-order mark is honoured, UTF-16 with one too).

Example:
    >>> pairs = parse_pair_text("# en it\\ncat\\tgatto\\ndog cane\\ncat micio\\nthree words here\\n")
    >>> pairs.pairs, pairs.bad_lines, pairs.first_bad
    ((('cat', 'gatto'), ('dog', 'cane'), ('cat', 'micio')), 1, (5,))
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from explorer.errors import CompareError
from explorer.readers.encoding import SNIFF_BYTES, describe_binary
from explorer.sources import looks_like_utf16, read_bytes, source_name
from explorer.wording import count

MAX_PAIRS = 500_000  # pairs kept from one dictionary; more is refused (MUSE's largest hold ~100k)
MAX_WORD_CHARS = 100  # a "word" longer than this is a bad line (a sentence pasted by mistake)
SHOWN_BAD_LINES = 5  # line numbers quoted in the message
FORMAT_HINT = "one pair a line, 'word<TAB>translation' or 'word translation'; lines starting with # are comments"


@dataclass(frozen=True)
class PairList:
    """Parsed word pairs (first word in set A, second in set B) and what was skipped.

    Attributes:
        pairs: the distinct pairs, in file order.
        name: the file's name, or "the typed pairs".
        bad_lines: lines that were neither blank, a comment nor exactly two words.
        first_bad: the numbers (1-based) of the first few bad lines.
        repeated: pairs given again and kept once.
    """

    pairs: tuple[tuple[str, str], ...]
    name: str
    bad_lines: int = 0
    first_bad: tuple[int, ...] = ()
    repeated: int = 0

    def __len__(self) -> int:
        return len(self.pairs)

    def notes(self) -> list[str]:
        """Sentences about skipped lines and repeats (empty when everything was read).

        >>> [note[:60] for note in parse_pair_text("a b\\na b c\\na b\\n").notes()]
        ['1 line of the typed pairs is not a pair of words (line 2) an', '1 repeated pair was kept once.']
        """
        out: list[str] = []
        if self.bad_lines:
            where = ", ".join(f"{n:,}" for n in self.first_bad)
            more = ", ..." if self.bad_lines > len(self.first_bad) else ""
            one = self.bad_lines == 1
            out.append(
                f"{count(self.bad_lines, 'line')} of {self.name} {'is' if one else 'are'} not a pair of words "
                f"(line{'' if one else 's'} {where}{more}) and {'was' if one else 'were'} skipped; use {FORMAT_HINT}."
            )
        if self.repeated:
            out.append(f"{count(self.repeated, 'repeated pair')} {'was' if self.repeated == 1 else 'were'} kept once.")
        return out


def parse_pair_text(text: str, name: str = "the typed pairs", max_pairs: int = MAX_PAIRS) -> PairList:
    """Pairs from text (typed, or a decoded file); raises CompareError when it holds no pair or too many.

    >>> parse_pair_text("one\\tuno\\n\\n  two   due  \\n").pairs
    (('one', 'uno'), ('two', 'due'))
    >>> parse_pair_text("just-one-word\\n")
    Traceback (most recent call last):
    ...
    explorer.errors.CompareError: the typed pairs hold no word pairs (1 line is not a pair of words: line 1). Write one pair a line, 'word<TAB>translation' or 'word translation'; lines starting with # are comments.
    """
    pairs: dict[tuple[str, str], None] = {}
    bad: list[int] = []
    bad_count = repeated = 0
    for line_no, line in enumerate(_lines(str(text)), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        # A tab separates the two sides when there is one (so a side may not hold spaces); else any spaces.
        parts = [p.strip() for p in stripped.split("\t")] if "\t" in stripped else stripped.split()
        if len(parts) != 2 or not all(parts) or any(len(p) > MAX_WORD_CHARS or " " in p for p in parts):
            bad_count += 1
            if len(bad) < SHOWN_BAD_LINES:
                bad.append(line_no)
            continue
        pair = (parts[0], parts[1])
        if pair in pairs:
            repeated += 1
            continue
        pairs[pair] = None
        if len(pairs) > max_pairs:
            raise CompareError(
                f"{_capital(name)} {'hold' if name == 'the typed pairs' else 'holds'} more than {max_pairs:,} word "
                "pairs, the most read here (setting EXPLORER_MAX_DICTIONARY_PAIRS); use a shorter dictionary (its "
                "most frequent words first)."
            )
    if not pairs:
        what = "it is empty" if not bad_count else f"{count(bad_count, 'line')} {'is' if bad_count == 1 else 'are'} "
        if bad_count:
            what += f"not a pair of words: line{'' if bad_count == 1 else 's'} {', '.join(map(str, bad))}"
            what += ", ..." if bad_count > len(bad) else ""
        verb = "hold" if name == "the typed pairs" else "holds"
        raise CompareError(f"{name} {verb} no word pairs ({what}). Write {FORMAT_HINT}.")
    return PairList(tuple(pairs), name, bad_count, tuple(bad), repeated)


# One line and its break, with the breaks str.splitlines knows; matched one at a time so that a long
# file is never held as a list of every line (a 10 MB upload of short lines: 1.3 million strings, ~75 MB).
_LINE = re.compile(r"([^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*)(\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]|\Z)")


def _lines(text: str) -> Iterator[str]:
    """``text.splitlines()``, one line at a time.

    >>> list(_lines("a\\r\\nb\\n\\nc")) == "a\\r\\nb\\n\\nc".splitlines(), list(_lines(""))
    (True, [])
    """
    pos, end = 0, len(text)
    while pos < end:
        match = _LINE.match(text, pos)
        assert match is not None  # the pattern matches at every position (both parts may be empty at the end)
        yield match.group(1)
        pos = match.end()


def parse_pairs(
    source: Any, max_bytes: int | None = None, name: str | None = None, max_pairs: int = MAX_PAIRS
) -> PairList:
    """Pairs from a file: a path, bytes or an upload (untrusted: size-capped, binary refused, UTF-8).

    ``max_bytes`` is the upload limit (None: no limit); more than ``max_pairs`` pairs are refused.

    >>> parse_pairs(b"cat\\tgatto\\n", name="en-it.txt").pairs
    (('cat', 'gatto'),)
    >>> parse_pairs(b"%PDF-1.4 ...", name="paper.pdf")
    Traceback (most recent call last):
    ...
    explorer.errors.CompareError: paper.pdf looks like a PDF document, not a list of word pairs. Upload a plain-text file: one pair a line, 'word<TAB>translation' or 'word translation'; lines starting with # are comments.
    """
    label = name or source_name(source) or "the dictionary file"
    data = read_bytes(source, max_bytes, CompareError)
    return parse_pair_text(_decode(data, label), label, max_pairs)


def _decode(data: bytes, label: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CompareError(
                f"{label} starts as UTF-16 text but is not (byte {exc.start:,}); save it as UTF-8."
            ) from exc
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    what = describe_binary(body[:SNIFF_BYTES])
    if what is not None:
        if looks_like_utf16(body[:SNIFF_BYTES]):
            what = "UTF-16 text without a byte-order mark"
        raise CompareError(
            f"{label} looks like {what}, not a list of word pairs. Upload a plain-text file: {FORMAT_HINT}."
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CompareError(
            f"{label} is not UTF-8 text (byte {exc.start:,} cannot be read); save it as UTF-8 and upload it again."
        ) from exc


def as_pairs(pairs: PairList | Iterable[Sequence[str]]) -> tuple[tuple[str, str], ...]:
    """Distinct (word in A, word in B) tuples from a ``PairList`` or any iterable of two-word sequences.

    >>> as_pairs([("a", "b"), ["a", "b"], ("a", "c")])
    (('a', 'b'), ('a', 'c'))
    >>> as_pairs([("a", "b", "c")])
    Traceback (most recent call last):
    ...
    explorer.errors.CompareError: Dictionary pair 1 is ('a', 'b', 'c'); each pair must be two words (a word of A, then a word of B).
    """
    if isinstance(pairs, PairList):
        return pairs.pairs
    if isinstance(pairs, str | bytes):
        raise CompareError("pairs must be a list of (word in A, word in B); parse a text with parse_pair_text first.")
    out: dict[tuple[str, str], None] = {}
    for i, pair in enumerate(pairs, start=1):
        try:
            items = None if isinstance(pair, str | bytes) else tuple(pair)
        except TypeError:  # not iterable
            items = None
        if items is None or len(items) != 2 or not all(isinstance(w, str) and w for w in items):
            shown = repr(pair if items is None else items)[:80]
            raise CompareError(
                f"Dictionary pair {i:,} is {shown}; each pair must be two words (a word of A, then a word of B)."
            )
        out[(items[0], items[1])] = None
    return tuple(out)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
