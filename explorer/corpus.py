"""Corpora: text in, tokenised sentences and word counts out.

A ``Corpus`` is immutable: tokenised sentences (tuples of lower-cased tokens), the raw sentence
strings they came from, and notices about how the text was read (encoding fallbacks, limits).
Reading files of every supported format lives in ``explorer.readers``; this module turns text
into tokens and counts, and serves the built-in corpora in ``assets/corpora``.

Example:
    >>> from explorer.corpus import Corpus
    >>> c = Corpus.from_texts(["The bank approved the loan.", "We sat on the river bank."])
    >>> c.token_count, c.counts["bank"]
    (11, 2)
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import IO

import numpy as np

from explorer import readers
from explorer.errors import CorpusError
from explorer.workbudget import WorkBudget

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
BUILTIN_DIR = ASSETS_DIR / "corpora"
CATALOG_FILE = BUILTIN_DIR / "catalog.json"

# A token is a run of letters or digits, with inner apostrophes or hyphens kept
# ("don't", "e-mail"); underscores and punctuation split tokens.
_TOKEN_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# Sentence ends: . ! ? followed by whitespace, or a line break.
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+|\n+")


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of ``text``.

    >>> tokenize("Don't charge the e-mail account twice!")
    ["don't", 'charge', 'the', 'e-mail', 'account', 'twice']
    """
    # the typographic apostrophe becomes ' before matching: the same tokens, no per-token pass
    return _TOKEN_RE.findall(text.lower().replace("’", "'"))


def split_sentences(text: str) -> list[str]:
    """Split a text into sentences on line breaks and on . ! ? followed by space.

    >>> split_sentences("The bank approved it. We sat by the river!\\nNew line")
    ['The bank approved it.', 'We sat by the river!', 'New line']
    """
    return [s.strip() for s in _SENTENCE_SPLIT_RE.split(text) if s and s.strip()]


def sentence_tokens(
    texts: Iterable[str], max_tokens: int | None = None, notes: list[str] | None = None, hint: str = "."
) -> Iterator[tuple[str, list[str]]]:
    """(sentence, its tokens) for every sentence with a token, until ``max_tokens`` would be passed.

    At the limit a notice ending in ``hint`` goes to ``notes`` and the stream stops.

    >>> notes = []
    >>> [t for _, t in sentence_tokens(["a b. c d e. f"], max_tokens=4, notes=notes)], notes
    ([['a', 'b']], ['Only the first 2 tokens were read: the limit is 4 tokens.'])
    """
    total = 0
    for text in texts:
        for raw in split_sentences(text):
            toks = tokenize(raw)
            if not toks:
                continue
            if max_tokens is not None and total + len(toks) > max_tokens:
                if notes is not None:
                    notes.append(f"Only the first {total:,} tokens were read: the limit is {max_tokens:,} tokens{hint}")
                return
            total += len(toks)
            yield raw, toks


@dataclass(frozen=True)
class Vocab:
    """Words kept for training, most frequent first, with their counts.

    >>> v = Vocab.build(Counter({"a": 5, "b": 2, "c": 1}), min_count=2)
    >>> v.words, v.index["b"]
    (('a', 'b'), 1)
    """

    words: tuple[str, ...]
    counts: np.ndarray  # (V,) int64, aligned with words
    index: dict[str, int] = field(repr=False)

    @classmethod
    def build(cls, counts: Counter[str], min_count: int = 1, max_size: int | None = None) -> Vocab:
        """Keep words seen at least ``min_count`` times, the ``max_size`` most frequent at most.

        Ties in frequency break alphabetically so the order is deterministic.

        >>> Vocab.build(Counter({"b": 2, "a": 2, "c": 1}), max_size=2).words
        ('a', 'b')
        """
        if min_count < 1:
            raise CorpusError(f"min_count must be at least 1 (got {min_count}).")
        items = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
        if max_size is not None:
            items = items[:max_size]
        words = tuple(w for w, _ in items)
        arr = np.fromiter((c for _, c in items), dtype=np.int64, count=len(items))
        arr.flags.writeable = False
        return cls(words=words, counts=arr, index={w: i for i, w in enumerate(words)})

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    @property
    def total(self) -> int:
        """Number of corpus tokens that are in the vocabulary."""
        return int(self.counts.sum())

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """Ids of the in-vocabulary tokens, out-of-vocabulary ones dropped: shape (n,), int64.

        >>> Vocab.build(Counter({"a": 2, "b": 1})).encode(["b", "zzz", "a"]).tolist()
        [1, 0]
        """
        index = self.index
        return np.fromiter((index[t] for t in tokens if t in index), dtype=np.int64)

    def keep_probabilities(self, sample: float) -> np.ndarray:
        """Probability of keeping each word under word2vec's frequent-word subsampling.

        With threshold t = sample * total, a word of count c is kept with probability
        (sqrt(c / t) + 1) * t / c, capped at 1 (the formula of word2vec.c and gensim).
        ``sample <= 0`` keeps everything.

        >>> Vocab.build(Counter({"the": 1000, "bank": 10})).keep_probabilities(1e-3).round(3).tolist()
        [0.033, 0.419]
        """
        if sample <= 0 or len(self) == 0:
            return np.ones(len(self), dtype=np.float64)
        threshold = sample * self.total
        c = self.counts.astype(np.float64)
        return np.minimum(1.0, (np.sqrt(c / threshold) + 1.0) * threshold / c)


@dataclass(frozen=True)
class Corpus:
    """An immutable tokenised corpus.

    Attributes:
        name: what the UI shows ("Support tickets", "notes.csv").
        sentences: tokenised sentences, each a tuple of lower-cased tokens, none empty.
        raw_sentences: the sentence text each token tuple came from, aligned with ``sentences``.
        source: "builtin:<id>" or "upload:<file name>" or "texts".
        notices: things the reader wants the user to know (encoding fallback, truncation).
    """

    name: str
    sentences: tuple[tuple[str, ...], ...]
    raw_sentences: tuple[str, ...]
    source: str = "texts"
    notices: tuple[str, ...] = ()

    # ----- construction -------------------------------------------------------------------
    @classmethod
    def from_texts(
        cls,
        texts: Iterable[str],
        *,
        name: str = "Custom text",
        source: str = "texts",
        notices: Iterable[str] = (),
        max_tokens: int | None = None,
    ) -> Corpus:
        """Tokenise documents into sentences; raise ``CorpusError`` when no token is usable.

        ``max_tokens`` stops reading once that many tokens are in, with a notice.

        >>> c = Corpus.from_texts(["One two. Three four five.", "six"], max_tokens=4)
        >>> c.sentences, "EXPLORER_MAX_TOKENS" in c.notices[0]
        ((('one', 'two'),), True)
        """
        sentences: list[tuple[str, ...]] = []
        raws: list[str] = []
        notes = list(notices)
        # one string object per distinct word: a token then costs one pointer, not a new string
        canonical: dict[str, str] = {}
        hint = (
            " (setting EXPLORER_MAX_TOKENS). Upload a smaller file to use all of it, or train on the whole "
            "file with `python -m explorer.train FILE --out vectors.txt` and load the vectors."
        )
        for raw, toks in sentence_tokens(texts, max_tokens, notes, hint):
            sentences.append(tuple([canonical.setdefault(t, t) for t in toks]))
            raws.append(raw)
        return cls._checked(name, sentences, raws, source, notes)

    @classmethod
    def _checked(
        cls, name: str, sentences: list[tuple[str, ...]], raws: list[str], source: str, notes: list[str]
    ) -> Corpus:
        if not sentences:
            raise CorpusError(
                f"{name!r} has no usable words: it holds no letters or digits to tokenise. "
                "Check that the file is text in a language with words (and, for CSV or JSONL, that "
                "the chosen column holds the text)."
            )
        return cls(
            name=name, sentences=tuple(sentences), raw_sentences=tuple(raws), source=source, notices=tuple(notes)
        )

    @classmethod
    def from_file(
        cls,
        path_or_file: str | Path | IO[bytes],
        column: str | None = None,
        *,
        name: str | None = None,
        max_bytes: int | None = None,
        max_tokens: int | None = None,
        budget: WorkBudget | None = None,
    ) -> Corpus:
        """Read a .txt, .csv, .tsv, .jsonl or .zip file, or plain text under another name (a path or an open binary file).

        ``column`` picks the text column of a CSV/TSV or the field of a JSONL file.
        ``max_bytes`` (the upload limit) and ``max_tokens`` bound the read; None means no limit,
        so a server passes its settings (``Settings.max_upload_bytes``, ``Settings.max_tokens``);
        ``budget`` stops a read that runs too long or whose visitor left (see ``readers.read_texts``).
        Raises ``CorpusError`` (a ``ReaderError`` for unreadable files) with a fix-it message.

        >>> import io
        >>> upload = io.BytesIO(b"id,text\\n1,The card was charged.\\n"); upload.name = "tickets.csv"
        >>> Corpus.from_file(upload, max_bytes=10_000).sentences
        (('the', 'card', 'was', 'charged'),)
        """
        result = readers.read_texts(path_or_file, column=column, max_bytes=max_bytes, name=name, budget=budget)
        corpus = cls.from_texts(
            result.texts,
            name=result.name,
            source=f"upload:{result.name}",
            notices=result.notices,
            max_tokens=max_tokens,
        )
        close = getattr(result.texts, "close", None)
        if close is not None:
            close()  # release the file now, even when the token limit stopped the read early
        late = result.all_notices()[len(result.notices) :]
        return replace(corpus, notices=corpus.notices + late) if late else corpus

    @classmethod
    def builtin(cls, name: str) -> Corpus:
        """One of the corpora shipped in ``assets/corpora`` (see ``builtin_names()``).

        >>> Corpus.builtin("support_tickets").is_builtin
        True
        """
        catalog = _catalog()
        if name not in catalog:
            raise CorpusError(f"No built-in corpus named {name!r}; choose one of {', '.join(catalog)}.")
        path = BUILTIN_DIR / catalog[name]["file"]
        with open(path, encoding="utf-8") as fh:
            return cls.from_texts(fh, name=catalog[name]["title"], source=f"builtin:{name}")

    # ----- derived views ------------------------------------------------------------------
    @cached_property
    def counts(self) -> Counter[str]:
        """Token frequencies."""
        c: Counter[str] = Counter()
        for s in self.sentences:
            c.update(s)
        return c

    @property
    def token_count(self) -> int:
        """Number of tokens in all sentences."""
        return sum(self.counts.values())

    @property
    def vocab_size(self) -> int:
        """Number of distinct tokens."""
        return len(self.counts)

    @property
    def is_builtin(self) -> bool:
        return self.source.startswith("builtin:")

    def vocab(self, min_count: int = 1, max_size: int | None = None) -> Vocab:
        """The training vocabulary; raises ``CorpusError`` if ``min_count`` leaves no word.

        >>> Corpus.from_texts(["a a b"]).vocab(min_count=2).words
        ('a',)
        """
        vocab = Vocab.build(self.counts, min_count=min_count, max_size=max_size)
        if len(vocab) == 0:
            top = max(self.counts.values())
            raise CorpusError(
                f"min_count={min_count} leaves no word in {self.name!r}: the most frequent word "
                f"appears {top} times. Lower min_count to {top} or less."
            )
        return vocab

    def sentences_with(self, word: str) -> Iterator[str]:
        """Raw sentences that contain ``word`` as a token (case-insensitive).

        >>> list(Corpus.from_texts(["The Bank closed.", "A river."]).sentences_with("bank"))
        ['The Bank closed.']
        """
        word = word.lower()
        for toks, raw in zip(self.sentences, self.raw_sentences, strict=True):
            if word in toks:
                yield raw


def _catalog() -> dict[str, dict[str, str]]:
    with open(CATALOG_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def builtin_names() -> list[str]:
    """Ids of the built-in corpora, in display order.

    >>> "support_tickets" in builtin_names()
    True
    """
    return list(_catalog())


def builtin_info(name: str) -> dict[str, str]:
    """Title, description and file of one built-in corpus.

    >>> sorted(builtin_info("support_tickets"))[:2]
    ['description', 'file']
    """
    return dict(_catalog()[name])
