"""Evaluation files: Google-format analogy questions and tab-separated word pairs, read like gensim reads them.

Example:
    >>> from explorer.evaluation.files import read_analogies, read_word_pairs
    >>> read_analogies(b": capitals\\nparis france rome italy\\n").sections
    (('capitals', (('paris', 'france', 'rome', 'italy'),)),)
    >>> read_word_pairs(b"tiger\\tcat\\t7.35\\n")
    ([('tiger', 'cat', 7.35)], 0)
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from explorer.errors import VectorsError
from explorer.sources import Source, read_bytes, source_name

ASSETS = Path(__file__).resolve().parent.parent.parent / "assets" / "analogies"
BUILTIN_ANALOGY_FILES: dict[str, tuple[str, str]] = {
    "world": ("Analogy world: capitals, nationalities, family, animals", "world.txt"),
    "support": ("Support-ticket words: past tense and plurals", "support.txt"),
}
BUILTIN_PAIR_FILES: dict[str, tuple[str, str]] = {
    "pairs": ("Word relatedness pairs for the built-in corpora", "word_pairs.tsv"),
}


def builtin_path(name: str) -> Path:
    """Path of a built-in analogy or word-pair file by its short name ("world", "support", "pairs").

    >>> builtin_path("world").name
    'world.txt'
    """
    table = {**BUILTIN_ANALOGY_FILES, **BUILTIN_PAIR_FILES}
    if name not in table:
        raise VectorsError(f"No built-in evaluation file {name!r}; choose one of {', '.join(table)}.")
    return ASSETS / table[name][1]


def _read_text(source: Source, max_bytes: int | None) -> tuple[str, str]:
    name = source_name(source) or "the file"
    data = read_bytes(source, max_bytes, VectorsError)
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError as exc:
        raise VectorsError(f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8.") from exc


@dataclass(frozen=True)
class AnalogySet:
    """A parsed Google-format analogy file: sections of (a, b, c, d) questions, as written."""

    sections: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...]
    invalid_lines: int = 0

    @property
    def questions(self) -> int:
        return sum(len(q) for _, q in self.sections)


def read_analogies(source: Source, max_bytes: int | None = None) -> AnalogySet:
    """Parse ``: section`` headers and ``a b c d`` lines; other lines are counted as invalid (as in gensim).

    ``source`` is a path, bytes or an upload; ``max_bytes`` its upload limit (None: no limit).

    >>> read_analogies(b": capitals\\nparis france rome italy\\n").sections[0][0]
    'capitals'
    """
    text, name = _read_text(source, max_bytes)
    sections: list[tuple[str, list[tuple[str, str, str, str]]]] = []
    invalid = 0
    lines = text.split("\n")  # b"\n"-terminated lines, as gensim reads them
    if lines and lines[-1] == "":
        lines.pop()
    for line_no, line in enumerate(lines, start=1):
        if line.startswith(": "):
            sections.append((line.lstrip(": ").strip(), []))
            continue
        if not sections:
            if not line.strip():
                continue
            raise VectorsError(
                f"Line {line_no} of {name} comes before any ': section' header; start the file with a line "
                "such as ': capital-common-countries'."
            )
        parts = line.split()
        if len(parts) != 4:
            invalid += 1
            continue
        sections[-1][1].append((parts[0], parts[1], parts[2], parts[3]))
    if not any(q for _, q in sections):
        raise VectorsError(
            f"{name} holds no analogy questions; it needs ': section' lines followed by lines of four words "
            "'a b c d' (a : b :: c : d)."
        )
    return AnalogySet(tuple((s, tuple(q)) for s, q in sections), invalid)


def read_word_pairs(
    source: Source, delimiter: str = "\t", max_bytes: int | None = None, notes: list[str] | None = None
) -> tuple[list[tuple[str, str, float]], int]:
    """Parse ``word1<TAB>word2<TAB>score`` lines, skipping ``#`` comments; returns (pairs, invalid lines).

    ``max_bytes`` is the upload limit of ``source`` (None: no limit). Lines whose score is NaN or
    infinite are skipped and counted as invalid (one would make every correlation NaN); a
    sentence saying so goes to ``notes``.

    >>> notes = []
    >>> read_word_pairs(b"a\\tb\\tnan\\nc\\td\\t2\\n", notes=notes)
    ([('c', 'd', 2.0)], 1)
    >>> notes[0].split(";")[0]
    '1 line of the file has a score that is NaN or infinite (the first is line 1)'

    >>> read_word_pairs(b"# c\\ntiger\\tcat\\t7.35\\n")
    ([('tiger', 'cat', 7.35)], 0)
    """
    text, name = _read_text(source, max_bytes)
    pairs: list[tuple[str, str, float]] = []
    invalid = 0
    nonfinite: list[int] = []
    for line_no, line in enumerate(io.StringIO(text, newline=None), start=1):  # universal newlines, as gensim's
        if not line or line.startswith("#"):
            continue
        parts = line.split(delimiter)
        if len(parts) != 3:
            invalid += 1
            continue
        try:
            score = float(parts[2])
        except ValueError:
            invalid += 1
            continue
        if not math.isfinite(score):
            invalid += 1
            nonfinite.append(line_no)
            continue
        pairs.append((parts[0], parts[1], score))
    if nonfinite and notes is not None:
        lines = "1 line" if len(nonfinite) == 1 else f"{len(nonfinite):,} lines"
        notes.append(
            f"{lines} of {name} {'has a score' if len(nonfinite) == 1 else 'have scores'} that is NaN or infinite "
            f"(the first is line {nonfinite[0]:,}); {'it was' if len(nonfinite) == 1 else 'they were'} skipped. "
            "Fix or remove those scores to use them."
        )
    if not pairs:
        raise VectorsError(
            f"{name} holds no word pairs; each line should be 'word1<TAB>word2<TAB>score' (lines starting with "
            "# are comments)."
        )
    return pairs, invalid
