"""Rows of numbers out of vector-file bytes, a chunk at a time, into one compact float32 matrix.

A vector file may be hostile: 10 million lines ``a 1`` gzip to 40 kB, and parsing them as a table
made a Python string per line (400 MB). Here the bytes are read in chunks of ``CHUNK_BYTES``
(whole lines): each chunk is split, its numbers are converted by numpy in one call, and its rows
are appended to a matrix grown geometrically, so the only objects that outlive a chunk are the
vocabulary's strings (one per distinct word kept). Duplicate words keep their first vector (as
gensim does); a file that is mostly repeats, a row cap (``max_rows``) and a ``WorkBudget`` stop
the read early with a notice. Words longer than ``MAX_WORD_CHARS`` are dropped and counted.

Example:
    >>> parsed = parse_rows(b"cat 1 2\\ndog 3 4\\ncat 5 6\\n", 0, with_words=True)
    >>> parsed.keys, parsed.matrix.tolist(), parsed.lines
    (['cat', 'dog'], [[1.0, 2.0], [3.0, 4.0]], 3)
    >>> parsed.notices[0][:39]
    "1 repeated word ('cat'): its first vect"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from explorer.errors import VectorsError
from explorer.vectors_io.parsing import MAX_DIMENSIONS, is_number
from explorer.workbudget import WorkBudget

CHUNK_BYTES = 1 << 20  # bytes of whole lines parsed at once: bounds the temporary objects of one step
MAX_WORD_CHARS = 100  # a longer "word" is dropped: nobody's vocabulary holds it, and a browser chokes on it
DUPLICATES_STOP = 100_000  # a file with more repeats than this (and than distinct words) is read no further
BYTES_PER_WORD = 250  # a kept word: its str, the parser's dict entry, the set's index entry and key tuple slot
PARSE_OVERHEAD_BYTES = 32 * 2**20  # one chunk's split fields and their conversion, at most
_SEPARATOR = re.compile(rb"[ \t]")
_MAX_ROW_BYTES = 40 * MAX_DIMENSIONS + 4096  # a row of MAX_DIMENSIONS values written with 39 characters each


def parse_cost_bytes(rows: int, dim: int) -> int:
    """What parsing ``rows`` rows of ``dim`` float32 values may add to memory at its peak, in bytes.

    The matrix twice (the grown one and the set's own copy), each word, and one chunk's temporaries.

    >>> parse_cost_bytes(1000, 100) // 1000
    34604
    """
    return 2 * rows * dim * 4 + rows * BYTES_PER_WORD + PARSE_OVERHEAD_BYTES


def duplicates_notice(count: int, examples: list[str]) -> str:
    """The notice for ``count`` dropped repeats of words already read.

    >>> duplicates_notice(2, ["a", "b"])
    "2 repeated words ('a', 'b'): the first vector of each was kept, later ones dropped."
    """
    shown = ", ".join(repr(d) for d in examples[:5]) + (" …" if count > len(examples[:5]) else "")
    if count == 1:
        return f"1 repeated word ({shown}): its first vector was kept, the later one dropped."
    return f"{count:,} repeated words ({shown}): the first vector of each was kept, later ones dropped."


def long_words_notice(count: int) -> str:
    """The notice for ``count`` rows dropped because their word is longer than ``MAX_WORD_CHARS``.

    >>> long_words_notice(3)[:38]
    '3 rows were dropped: their word is lon'
    """
    rows = "1 row was" if count == 1 else f"{count:,} rows were"
    return f"{rows} dropped: their word is longer than {MAX_WORD_CHARS} characters, which no vocabulary holds."


class KeptWords:
    """The words of a vector file as they are read: a word's first vector wins; words longer than
    ``MAX_WORD_CHARS`` and repeats are dropped and counted for the notices.

    >>> words = KeptWords()
    >>> [words.wanted(w) and words.add(w) is None for w in ("cat", "dog", "cat", "x" * 101)], words.keys
    ([True, True, False, False], ['cat', 'dog'])
    >>> [n[:20] for n in words.notices()]
    ["1 repeated word ('ca", '1 row was dropped: t']
    """

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.index: dict[str, int] = {}
        self.dupes = 0
        self.dupe_examples: list[str] = []
        self.long_words = 0

    def wanted(self, word: str) -> bool:
        """True for a word to keep (then ``add`` it once its row is taken); False, and counted, for a word too
        long or already read."""
        if len(word) > MAX_WORD_CHARS:
            self.long_words += 1
            return False
        if word in self.index:
            self.dupes += 1
            if len(self.dupe_examples) < 5 and word not in self.dupe_examples:
                self.dupe_examples.append(word)
            return False
        return True

    def add(self, word: str) -> None:
        self.index[word] = len(self.keys)
        self.keys.append(word)

    def mostly_repeats(self) -> bool:
        """More repeats than ``DUPLICATES_STOP`` and than distinct words: a file not worth reading on."""
        return self.dupes > DUPLICATES_STOP and self.dupes > len(self.keys)

    def notices(self) -> list[str]:
        """What was dropped, for the user."""
        out = [duplicates_notice(self.dupes, self.dupe_examples)] if self.dupes else []
        return out + ([long_words_notice(self.long_words)] if self.long_words else [])


class GrowingMatrix:
    """A (rows, dim) float32 matrix appended to in blocks, its capacity doubled when full.

    >>> m = GrowingMatrix(2, expected_rows=1)
    >>> m.add(np.ones((3, 2), dtype=np.float32)); m.view().shape
    (3, 2)
    """

    def __init__(self, dim: int, expected_rows: int = 0) -> None:
        self._rows = np.empty((max(16, int(expected_rows)), dim), dtype=np.float32)
        self.n = 0

    def add(self, block: np.ndarray) -> None:
        need = self.n + len(block)
        if need > len(self._rows):
            grown = np.empty((max(need, 2 * len(self._rows)), self._rows.shape[1]), dtype=np.float32)
            grown[: self.n] = self._rows[: self.n]
            self._rows = grown
        self._rows[self.n : need] = block
        self.n = need

    def view(self) -> np.ndarray:
        """The rows added so far (a view: the caller copies what it keeps)."""
        return self._rows[: self.n]


@dataclass
class ParsedRows:
    """What ``parse_rows`` read: kept words (empty without words), their matrix, and how the read went.

    ``lines`` counts the non-blank lines read, repeats and dropped rows included; ``complete`` is
    False when a cap, the repeats or the budget stopped the read before the end.
    """

    keys: list[str]
    matrix: np.ndarray
    lines: int
    notices: list[str] = field(default_factory=list)
    complete: bool = True


def _check_utf8(chunk: bytes, offset: int) -> None:
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf16 = chunk[:4096].count(b"\x00") > len(chunk[:4096]) // 4
        hint = (
            " It looks like UTF-16 text (every other byte is zero): the encoding is the likely cause; save it as UTF-8."
            if utf16
            else " If it is word2vec binary, name it *.bin or choose the binary format."
        )
        raise VectorsError(f"The file is not UTF-8 text (byte {offset + exc.start:,}).{hint}") from exc


def _bad_number(flat: list[bytes], row_lines: list[int], dim: int, with_words: bool) -> VectorsError:
    """The error naming the first value numpy could not read, and its line."""
    for i, token in enumerate(flat):
        value = token.decode("utf-8", errors="replace")
        if not is_number(value):
            where = f"Line {row_lines[i // max(dim, 1)]:,}: {value[:40]!r} is not a number; "
            if with_words:
                return VectorsError(where + "every value after the word must be numeric.")
            return VectorsError(where + "vectors.tsv holds only numbers (the words go in metadata.tsv).")
    return VectorsError("Some values could not be read as numbers; every value after the word must be numeric.")


def parse_rows(
    data: bytes,
    start: int,
    *,
    with_words: bool,
    expected_dim: int | None = None,
    first_line: int = 1,
    max_rows: int | None = None,
    expected_rows: int = 0,
    budget: WorkBudget | None = None,
) -> ParsedRows:
    """Parse lines ``word v1 v2 ...`` (``with_words``; whitespace-separated) or ``v1<TAB>v2...`` from ``start``.

    ``expected_dim`` is the header's width (None: the first row's); ``first_line`` the line
    number at ``start``; ``max_rows`` the most rows kept (the rest are not read, with a notice);
    ``expected_rows`` sizes the first allocation. Raises ``VectorsError`` naming the line of a row
    of the wrong width, a value that is not a number, NaN or infinity.

    >>> parse_rows(b"1\\t2\\n3\\t4\\n", 0, with_words=False, max_rows=1).notices[0][:31]
    'Only the first 1 rows were read'
    """
    sep = None if with_words else b"\t"
    words = KeptWords()
    dim = expected_dim
    first_row_line = 0
    matrix: GrowingMatrix | None = None
    rows_read = 0
    notices: list[str] = []
    stop: str | None = None
    line_no = first_line - 1  # the number of the line before ``pos``
    pos, n = start, len(data)
    while pos < n and stop is None:
        if budget is not None and budget.spent():
            stop = f"The file was not read to the end: {budget.reason()} at line {line_no + 1:,}; the rows before it are kept."
            break
        end = data.find(b"\n", min(pos + CHUNK_BYTES, n))
        end = n if end < 0 else end + 1
        chunk = data[pos:end]
        _check_utf8(chunk, pos)
        lines = chunk.split(b"\n")
        if chunk.endswith(b"\n"):
            lines.pop()
        flat: list[bytes] = []
        row_lines: list[int] = []
        for offset, line in enumerate(lines):
            if len(line) > _MAX_ROW_BYTES:
                first = _SEPARATOR.search(line.lstrip())
                if with_words and (first is None or first.start() > 4 * MAX_WORD_CHARS):
                    words.long_words += 1  # a "word" of more than 400 bytes: dropped without splitting its line
                    rows_read += 1
                    continue
                raise VectorsError(
                    f"Line {line_no + offset + 1:,} is {len(line):,} bytes long, more than a row of "
                    f"{MAX_DIMENSIONS:,} values needs; reduce the vectors, or check that this is a vector file."
                )
            fields = line.split() if with_words else line.rstrip(b"\r\n").split(sep)
            if not fields or (not with_words and not line.strip()):
                continue
            number = line_no + offset + 1
            rows_read += 1
            width = len(fields) - 1 if with_words else len(fields)
            if dim is None:
                if width == 0:
                    raise VectorsError(
                        f"Line {number:,} holds a word but no numbers; each line must be a word and its vector."
                    )
                dim, first_row_line = width, number
            if width != dim:
                if expected_dim is not None:
                    raise VectorsError(
                        f"Line {number:,} has {width} values but the header says {expected_dim} dimensions; "
                        "fix the row or the header."
                    )
                raise VectorsError(
                    f"Line {number:,} has {width} values but line {first_row_line:,} has {dim}; "
                    "every row needs the same number of values."
                )
            if with_words:
                word = fields[0].decode("utf-8")
                if not words.wanted(word):
                    if words.mostly_repeats():
                        stop = (
                            f"The file was not read to the end: by line {number:,} it had repeated words already "
                            f"read {words.dupes:,} times, more than it holds distinct words ({len(words.keys):,}); "
                            "the rows before it are kept. Remove the repeated lines to read the rest."
                        )
                        break
                    continue
            kept = len(words.keys) if with_words else rows_kept(matrix) + len(row_lines)
            if max_rows is not None and kept >= max_rows:
                stop = (
                    f"Only the first {max_rows:,} rows were read: the limit is {max_rows:,} words per upload here. "
                    "Vector files list the most frequent words first, so these "
                    "are the most frequent ones."
                )
                break
            if with_words:
                words.add(word)
                flat.extend(fields[1:])
            else:
                flat.extend(fields)
            row_lines.append(number)
        line_no += len(lines)
        pos = end
        if dim is None:
            continue
        if matrix is None:
            matrix = GrowingMatrix(dim, min(expected_rows, max_rows or expected_rows))
        try:
            values = np.array(flat, dtype=np.float32).reshape(len(row_lines), dim)
        except ValueError:
            raise _bad_number(flat, row_lines, dim, with_words) from None
        finite = np.isfinite(values).all(axis=1)
        if not finite.all():
            bad = row_lines[int(np.nonzero(~finite)[0][0])]
            raise VectorsError(f"Line {bad:,} holds NaN or infinite values; remove or fix that row.")
        matrix.add(values)
    notices.extend(words.notices())
    if stop is not None:
        notices.append(stop)
    out = matrix.view() if matrix is not None else np.zeros((0, dim or 0), dtype=np.float32)
    return ParsedRows(keys=words.keys, matrix=out, lines=rows_read, notices=notices, complete=stop is None)


def rows_kept(matrix: GrowingMatrix | None) -> int:
    """Rows already in ``matrix`` (0 before the first chunk)."""
    return 0 if matrix is None else matrix.n
