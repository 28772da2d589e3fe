"""Bytes to lines of text: the encoding decided from the first bytes, binary files refused, long lines cut.

UTF-8 (with or without BOM) and UTF-16 with a BOM (little or big endian) are read as such;
anything else that is not UTF-8 is read as Latin-1 with a notice. A UTF-8 file with a few stray
bytes far into it keeps UTF-8 and reads just those lines as Latin-1 (``TextSource.stray_notice``).

Example:
    >>> import io
    >>> from explorer.readers.encoding import TextSource
    >>> source = TextSource(io.BytesIO("Café\\r\\nbar\\n".encode("utf-16")), "a.txt", max_bytes=None)
    >>> source.encoding, list(source.lines())
    ('utf-16', ['Café', 'bar'])
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import IO

from explorer.errors import ReaderError
from explorer.readers.formats import SUPPORTED
from explorer.sources import CappedReader, looks_like_utf16
from explorer.workbudget import WorkBudget

SNIFF_BYTES = 64 * 1024  # the encoding and the binary check look at this much of the start
MAX_LINE_BYTES = 1024 * 1024  # a .txt line longer than this is cut at a space into pieces

_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (or a Word/Excel file, which are zip archives)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file"),
    (b"SQLite format 3", "an SQLite database"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
)
_CONTROL_BYTES = frozenset(range(0, 9)) | frozenset(range(14, 32)) | {127}


def describe_binary(head: bytes) -> str | None:
    """What a byte string looks like if it is not text, else None.

    >>> describe_binary(b"%PDF-1.7 ..."), describe_binary(b"plain words")
    ('a PDF document', None)
    """
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if b"\x00" in head:
        return "binary data (it contains NUL bytes)"
    sample = head[:4096]
    if sample and sum(b in _CONTROL_BYTES for b in sample) > 0.05 * len(sample):
        return "binary data (it is full of control characters)"
    return None


def cut_at_space(data: bytes) -> tuple[bytes, bytes]:
    """Split a long line at its last space (or, with none in the second half, at a character start).

    >>> cut_at_space(b"one two three")
    (b'one two', b' three')
    """
    cut = max(data.rfind(b" "), data.rfind(b"\t"), data.rfind(b"\r"))
    if cut < len(data) // 2:
        cut = len(data)
        while cut > 0 and 0x80 <= data[cut - 1] < 0xC0:  # back over UTF-8 continuation bytes
            cut -= 1
        if cut > 0 and data[cut - 1] >= 0xC0:  # a lead byte whose character was cut off
            cut -= 1
        if cut == 0:
            cut = len(data)
    return data[:cut], data[cut:]


class TextSource:
    """A binary stream decoded to lines; the encoding is decided from the first ``SNIFF_BYTES``.

    Raises ``ReaderError`` for an empty or binary file, and (while reading) once more than
    ``max_bytes`` have been read. ``notices`` says when the file was read as Latin-1.
    """

    def __init__(
        self,
        stream: IO[bytes],
        label: str,
        *,
        max_bytes: int | None,
        budget: WorkBudget | None = None,
        late: list[str] | None = None,
        stop_after_bytes: int | None = None,
    ) -> None:
        self.label = label
        self.budget = budget
        self.late = late if late is not None else []
        self.stop_after_bytes = stop_after_bytes
        self.blank_lines = 0  # skipped in bulk
        self.lines_read = 0  # handed on
        self.line_number = 0  # the 1-based number of the line handed on last (blank lines skipped count)
        self.stopped: str | None = None  # why the read ended early (a budget, a byte bound)
        head = stream.read(SNIFF_BYTES)
        complete = len(head) < SNIFF_BYTES  # the whole file is in ``head``
        notices: list[str] = []
        if head.startswith(codecs.BOM_UTF8):
            self.encoding, body = "utf-8", head[len(codecs.BOM_UTF8) :]
            head = body
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self.encoding, body = "utf-16", head[2:]
        else:
            self.encoding, body = "utf-8", head
        if not body.strip(b" \t\r\n\x00" if self.encoding == "utf-16" else b" \t\r\n") and complete:
            blank = ": it holds only blank lines" if body else ""
            raise ReaderError(f"{label} is empty{blank}. Choose a file that holds some text.")
        if self.encoding == "utf-8":
            what = describe_binary(body)
            if what is not None and looks_like_utf16(body):
                raise ReaderError(
                    f"{label} looks like UTF-16 text saved without a byte-order mark (every other byte is zero): the "
                    "encoding is the likely cause. Save it as UTF-8 (or as UTF-16 with a byte-order mark) and upload "
                    "it again."
                )
            if what is not None:
                hint = " If it is UTF-16 text, save it with a byte-order mark or as UTF-8." if "NUL" in what else ""
                raise ReaderError(f"{label} looks like {what}, not text. Upload a plain-text {SUPPORTED} file.{hint}")
            try:
                codecs.getincrementaldecoder("utf-8")().decode(body, final=complete)
            except UnicodeDecodeError:
                self.encoding = "latin-1"
                notices.append(
                    f"{label} is not UTF-8 text, so it was read as Latin-1 (ISO-8859-1). If accented letters "
                    "look wrong, save the file as UTF-8 and upload it again."
                )
        self.notices = tuple(notices)
        self.stray_bytes_line: int | None = None  # first line that was not UTF-8 in a UTF-8 file
        self._capped = CappedReader(stream, name=label, max_bytes=max_bytes, error=ReaderError, head=head)
        self._buffered = io.BufferedReader(self._capped, buffer_size=SNIFF_BYTES)

    @property
    def bytes_read(self) -> int:
        """Bytes taken from the stream so far (some may still sit in the read buffer)."""
        return self._capped.bytes_read

    def _over_bounds(self, lineno: int) -> bool:
        """Whether the read must stop here (the time budget is spent, the visitor left, the byte bound is
        passed); the first time, say why: in ``late`` when some text was read, else as an error."""
        if self.stopped is not None:
            return True
        if self.stop_after_bytes is not None and self.bytes_read > self.stop_after_bytes:
            self.stopped = "bytes"
            return True
        if self.budget is None or not self.budget.spent():
            return False
        mostly_blank = self.blank_lines > 10 * max(1, self.lines_read)
        why = (
            f"the file is mostly empty lines ({self.blank_lines:,} of them so far); remove them and upload it again"
            if mostly_blank
            else "upload a smaller file, or train on the whole file with `python -m explorer.train`"
        )
        self.stopped = f"{self.label}: {self.budget.reason()} at line {lineno:,}; {why}."
        if self.lines_read == 0:
            raise ReaderError(self.stopped[0].upper() + self.stopped[1:] + " Nothing was read before that point.")
        self.late.append(self.stopped[0].upper() + self.stopped[1:] + " The text before that point is used.")
        return True

    def _skip_blank_run(self, lineno: int) -> int:
        """Consume blank lines (and the spaces that start the next line) a buffer at a time, at C speed;
        the number of line ends passed. 100 million empty lines cost a read, not 100 million loop turns."""
        passed = 0
        while True:
            head = self._buffered.peek(1)
            if not head:
                return passed
            rest = head.lstrip(b" \t\r\n")
            n = len(head) - len(rest)
            if n == 0:
                return passed
            newlines = head.count(b"\n", 0, n)
            passed += newlines
            self.blank_lines += newlines
            self._buffered.read(n)
            if rest or self._over_bounds(lineno + passed + 1):
                return passed

    def lines(self, *, csv_mode: bool = False, cut_long: bool = False, skip_blank: bool = False) -> Iterator[str]:
        """Decoded lines. ``csv_mode`` keeps line ends for the csv module; ``cut_long`` cuts
        lines longer than ``MAX_LINE_BYTES`` at a space so one huge line never sits in memory;
        ``skip_blank`` passes over blank lines in bulk (and a line's leading spaces). The read
        stops early, with a notice in ``late``, when the budget is spent or ``stop_after_bytes``
        are read.

        >>> list(TextSource(io.BytesIO(b"a,b\\r\\nc\\n"), "x.csv", max_bytes=None).lines(csv_mode=True))
        ['a,b\\r\\n', 'c\\n']
        """
        if self.encoding == "utf-16":
            text = io.TextIOWrapper(
                self._buffered, encoding="utf-16", errors="replace", newline="" if csv_mode else None
            )
            limit = MAX_LINE_BYTES if cut_long else -1
            count = 0
            while line := text.readline(limit):
                count += 1
                if count % 1024 == 0 and self._over_bounds(count):
                    return
                if skip_blank and not line.strip():
                    self.blank_lines += 1
                    continue
                self.lines_read += 1
                self.line_number = count
                yield line if csv_mode else line.rstrip("\r\n")
            return
        lineno = 0
        carry = b""
        while True:
            if skip_blank and not carry:
                lineno += self._skip_blank_run(lineno)
            if (lineno % 256 == 0 or skip_blank) and self._over_bounds(lineno + 1):
                return
            chunk = self._buffered.readline(MAX_LINE_BYTES if cut_long else -1)
            if not chunk and not carry:
                return
            data = carry + chunk
            carry = b""
            if cut_long and len(chunk) >= MAX_LINE_BYTES and not chunk.endswith(b"\n"):
                data, carry = cut_at_space(data)
            else:
                lineno += 1
            self.lines_read += 1
            self.line_number = lineno
            yield self._decode(data, lineno) if csv_mode else self._decode(data, lineno).rstrip("\r\n")

    def _decode(self, data: bytes, lineno: int) -> str:
        if self.encoding == "latin-1":
            return data.decode("latin-1")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            if self.stray_bytes_line is None:
                self.stray_bytes_line = max(lineno, 1)
            return data.decode("latin-1")

    def stray_notice(self) -> str | None:
        """A notice when some lines of a UTF-8 file were not UTF-8 (complete once the lines are read).

        >>> source = TextSource(io.BytesIO(b"x" * SNIFF_BYTES + b"\\ncaf\\xe9\\n"), "a.txt", max_bytes=None)
        >>> _ = list(source.lines())
        >>> source.stray_notice().split(";")[0]
        'a.txt is mostly UTF-8, but some lines (the first is line 2) are not'
        """
        if self.stray_bytes_line is None:
            return None
        return (
            f"{self.label} is mostly UTF-8, but some lines (the first is line {self.stray_bytes_line:,}) are not; "
            "those were read as Latin-1. Save the file as UTF-8 to be sure every letter is right."
        )
