"""Texts of plain-text files and of the .txt members of a zip archive, one line at a time.

Example:
    >>> import io
    >>> from explorer.readers.encoding import TextSource
    >>> from explorer.readers.text import txt_texts
    >>> list(txt_texts(TextSource(io.BytesIO(b"one\\r\\ntwo\\n"), "a.txt", max_bytes=None), []))
    ['one', 'two']
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from explorer.errors import ReaderError
from explorer.readers.encoding import TextSource
from explorer.workbudget import WorkBudget

ZIP_EXPANSION = 10  # a zip archive's members are read until they unpack to this many times the upload limit
ZIP_MIN_UNPACKED = 2**20  # ... or to this many bytes, whichever is more (a tiny limit still reads a first file)


def txt_texts(source: TextSource, late: list[str]) -> Iterator[str]:
    """Every line of a text source (long lines cut into pieces); a stray-bytes notice goes to ``late``.

    >>> import io
    >>> list(txt_texts(TextSource(io.BytesIO(b"one\\rtwo\\n"), "a.txt", max_bytes=None), []))
    ['one\\ntwo']
    """
    for line in source.lines(cut_long=True, skip_blank=True):
        yield line.replace("\r", "\n")
    if (note := source.stray_notice()) is not None:
        late.append(note)


def zip_texts(
    stream: IO[bytes], label: str, max_bytes: int | None, late: list[str], budget: WorkBudget | None = None
) -> tuple[Iterator[str], tuple[str, ...]]:
    """The lines of the .txt members of a zip archive, in name order, and notices about ignored members.

    Hidden files and macOS resource forks are skipped silently; other non-.txt members are named in
    a notice. Members that cannot be read, and the stop once the text unpacks to more than
    ``ZIP_EXPANSION`` times ``max_bytes`` (counted in unpacked bytes, blank lines included), are
    reported in ``late`` while the texts are consumed; ``budget`` bounds the time of the whole read.

    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as archive:
    ...     archive.writestr("b.txt", "second"); archive.writestr("a.txt", "first"); archive.writestr("x.png", "")
    >>> texts, notices = zip_texts(buf, "notes.zip", None, [])
    >>> list(texts), notices
    (['first', 'second'], ('notes.zip: 1 file that is not .txt was ignored (x.png).',))
    """
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise ReaderError(
            f"{label} is not a valid zip archive (it may be damaged or only partly uploaded). Zip the .txt "
            "files again and upload the new archive."
        ) from exc
    members = [i for i in archive.infolist() if not i.is_dir()]
    hidden = [i for i in members if i.filename.startswith("__MACOSX/") or Path(i.filename).name.startswith(".")]
    members = [i for i in members if i not in hidden]
    texts = sorted((i for i in members if Path(i.filename).suffix.lower() == ".txt"), key=lambda i: i.filename)
    others = [i.filename for i in members if Path(i.filename).suffix.lower() != ".txt"]
    if not texts:
        inside = ", ".join(others[:10]) + (" …" if len(others) > 10 else "") if others else "nothing"
        raise ReaderError(f"{label} holds no .txt files (inside: {inside}). Put the text in .txt files and zip those.")
    encrypted = [i.filename for i in texts if i.flag_bits & 0x1]
    if encrypted:
        raise ReaderError(f"{label} is password-protected ({encrypted[0]}). Zip the files again without a password.")
    notices: list[str] = []
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        count = "1 file that is not .txt was" if len(others) == 1 else f"{len(others)} files that are not .txt were"
        notices.append(f"{label}: {count} ignored ({shown}).")
    return _member_texts(archive, texts, label, max_bytes, late, budget), tuple(notices)


def _member_texts(
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    label: str,
    max_bytes: int | None,
    late: list[str],
    budget: WorkBudget | None,
) -> Iterator[str]:
    unpacked = 0
    bound = None if max_bytes is None else max(ZIP_EXPANSION * max_bytes, ZIP_MIN_UNPACKED)
    for info in members:
        member_label = f"{label}/{info.filename}"
        try:
            with archive.open(info) as fh:
                try:
                    source = TextSource(
                        fh,
                        member_label,
                        max_bytes=None,
                        budget=budget,
                        late=late,
                        stop_after_bytes=None if bound is None else bound - unpacked,
                    )
                except ReaderError as exc:
                    reason = str(exc).split(". ")[0].replace(member_label, "it")
                    late.append(f"Skipped {info.filename} in {label}: {reason}.")
                    continue
                late.extend(source.notices)
                for line in source.lines(cut_long=True, skip_blank=True):
                    yield line.replace("\r", "\n")
                if (note := source.stray_notice()) is not None:
                    late.append(note)
                unpacked += source.bytes_read
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ReaderError(f"{member_label} is damaged and cannot be unpacked ({exc}). Zip it again.") from exc
        if source.stopped is not None and source.stopped != "bytes":
            return  # the budget ended the read; its notice is in ``late``
        if bound is not None and unpacked > bound:
            late.append(
                f"{label} unpacks to more than ten times the upload limit ({unpacked:,} bytes read); the rest was not "
                "read."
            )
            return
