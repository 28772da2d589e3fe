"""A corpus as a compact token-id array: what the trainers read, for corpora of any size.

``TokenIds`` holds every distinct word once, most frequent first (ties alphabetical, the order
of ``Vocab.build``), and the corpus as one int32 array of word ranks plus the offsets where
sentences start. Because ids are frequency ranks, the training vocabulary at any ``min_count``
or ``max_size`` is a prefix of the word list, and encoding a corpus for training is a filter
``ids < V``: no per-token dictionary lookups, no Python string per token.

A file is read as a stream (``TokenIds.from_file``): texts are tokenised sentence by sentence
with the rules of ``explorer.corpus`` and the ids go to a file in blocks, so memory stays at the
vocabulary plus one block however large the corpus; the array is then memory-mapped. 100M tokens
take 400 MB on disk as int32.

Example:
    >>> from explorer.corpus import Corpus
    >>> t = TokenIds.from_corpus(Corpus.from_texts(["b a b.", "c b"]))
    >>> t.words, t.counts.tolist(), t.ids.tolist(), t.starts.tolist()
    (('b', 'a', 'c'), [3, 1, 1], [0, 1, 0, 2, 0], [0, 3, 5])
"""

from __future__ import annotations

import contextlib
import mmap
import os
import tempfile
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from explorer import readers
from explorer.corpus import Corpus, Vocab, sentence_tokens
from explorer.errors import CorpusError

if TYPE_CHECKING:
    from collections import Counter

# tokens gathered before a block of ids is written out while streaming a file
BLOCK_TOKENS = 1 << 20


@dataclass(frozen=True)
class EncodedStream:
    """The in-vocabulary tokens of a corpus, one id stream, with the sentence starts.

    Attributes:
        ids: (N,) int32 vocabulary ids, sentence after sentence (an array or a memory map).
        starts: (S + 1,) int64 offset of each sentence in ``ids``; sentences left empty after
            dropping rare words are removed, and ``starts[-1] == N``.
    """

    ids: np.ndarray
    starts: np.ndarray

    def __len__(self) -> int:
        return int(self.starts[-1])

    def chunk_end(self, lo: int, size: int) -> int:
        """End of a chunk of about ``size`` tokens from ``lo``, moved forward to a sentence end.

        >>> EncodedStream(np.zeros(6, np.int32), np.array([0, 3, 5, 6])).chunk_end(0, 2)
        3
        """
        n = len(self)
        hi = min(lo + size, n)
        if hi >= n:
            return n
        return int(self.starts[np.searchsorted(self.starts, hi - 1, side="right")])

    def sentence_numbers(self, lo: int, hi: int) -> np.ndarray:
        """(hi - lo,) int64 sentence number of each position in ``lo..hi`` (any increasing numbers).

        >>> EncodedStream(np.zeros(6, np.int32), np.array([0, 3, 5, 6])).sentence_numbers(2, 6).tolist()
        [0, 1, 1, 2]
        """
        return np.searchsorted(self.starts, np.arange(lo, hi, dtype=np.int64), side="right") - 1

    def chunk(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids as int64, sentence numbers) of positions ``lo..hi``, read from the array or the file."""
        return np.asarray(self.ids[lo:hi], dtype=np.int64), self.sentence_numbers(lo, hi)

    def release(self) -> None:
        """Let the kernel drop the pages of a memory-mapped stream read so far (after a pass)."""
        release_pages(self.ids)


def release_pages(ids: np.ndarray) -> None:
    """Drop the resident pages of a read-only memory map: they count as this process's resident
    memory until released, and are read back from the file when touched again."""
    handle = getattr(ids, "_mmap", None)
    if isinstance(ids, np.memmap) and handle is not None and hasattr(mmap, "MADV_DONTNEED"):
        with contextlib.suppress(OSError, ValueError):  # only a hint
            handle.madvise(mmap.MADV_DONTNEED)


@dataclass(frozen=True)
class TokenIds:
    """A tokenised corpus as word ranks (see the module docstring).

    Attributes:
        name: what the UI and the command line show.
        words: every distinct word, most frequent first, ties alphabetical.
        counts: (W,) int64 count of each word.
        ids: (N,) int32 rank of each token's word (an array or a read-only memory map).
        starts: (S + 1,) int64 offset of each sentence's first token; ``starts[-1] == N``.
        notices: what the reader wants the user to know (encoding fallback, limits).
    """

    name: str
    words: tuple[str, ...]
    counts: np.ndarray
    ids: np.ndarray
    starts: np.ndarray
    notices: tuple[str, ...] = ()

    @property
    def token_count(self) -> int:
        return int(self.starts[-1])

    @property
    def sentence_count(self) -> int:
        return len(self.starts) - 1

    # ----- construction -------------------------------------------------------------------
    @classmethod
    def from_corpus(cls, corpus: Corpus) -> TokenIds:
        """The same corpus as ranks; ``vocab`` and encoding agree with ``Corpus.vocab``."""
        words, counts = _ranked(corpus.counts)
        rank = {w: i for i, w in enumerate(words)}
        lengths = np.fromiter((len(s) for s in corpus.sentences), dtype=np.int64, count=len(corpus.sentences))
        ids = np.fromiter((rank[t] for s in corpus.sentences for t in s), dtype=np.int32, count=int(lengths.sum()))
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return cls(corpus.name, words, counts, ids, starts, corpus.notices)

    @classmethod
    def from_texts(
        cls,
        texts: Iterable[str],
        *,
        name: str = "Custom text",
        out_dir: str | Path | None = None,
        max_tokens: int | None = None,
        notices: Iterable[str] = (),
        progress: Callable[[int], None] | None = None,
    ) -> TokenIds:
        """Tokenise a stream of texts; with ``out_dir`` the ids go to ``<out_dir>/ids.int32`` (memory-mapped).

        Without ``out_dir`` the ids are kept in memory. ``progress(tokens_so_far)`` is called
        after each block. Raises ``CorpusError`` when no token is usable.

        >>> TokenIds.from_texts(["One two. Two!"], max_tokens=2).ids.tolist()
        [0, 1]
        """
        provisional: dict[str, int] = {}
        counts = np.zeros(0, dtype=np.int64)
        notes = list(notices)
        sink = _IdSink(out_dir)
        lengths = array("q")  # tokens per sentence, 8 bytes each (a list would hold an object per entry)
        total = 0
        block: list[str] = []

        def flush() -> None:
            # map a block of tokens to provisional ids with C-level loops (map, set difference,
            # bincount): new words are added first, then every token is looked up once
            nonlocal counts
            if not block:
                return
            for word in set(block).difference(provisional):
                provisional[word] = len(provisional)
            ids = np.fromiter(map(provisional.__getitem__, block), dtype=np.int32, count=len(block))
            counts = np.pad(counts, (0, len(provisional) - len(counts)))
            counts += np.bincount(ids, minlength=len(provisional))
            sink.write(ids)
            block.clear()
            if progress is not None:
                progress(total)

        for _, toks in sentence_tokens(texts, max_tokens, notes, ". Raise the limit to use all of the text."):
            block.extend(toks)
            lengths.append(len(toks))
            total += len(toks)
            if len(block) >= BLOCK_TOKENS:
                flush()
        flush()
        if total == 0:
            sink.discard()
            raise CorpusError(
                f"{name!r} has no usable words: it holds no letters or digits to tokenise. "
                "Check that the file is text (and, for CSV or JSONL, that the chosen column holds the text)."
            )
        # renumber provisional ids (first seen) as frequency ranks, block by block
        first_seen = tuple(provisional)
        count_arr, count_list = counts, counts.tolist()
        order = sorted(range(len(first_seen)), key=lambda i: (-count_list[i], first_seen[i]))
        to_rank = np.empty(len(order), dtype=np.int32)
        to_rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int32)
        ids = sink.finish(to_rank)
        words = tuple(first_seen[i] for i in order)
        ranked_counts = count_arr[order]
        ranked_counts.flags.writeable = False
        starts = np.concatenate([[0], np.cumsum(np.frombuffer(lengths, dtype=np.int64))]).astype(np.int64)
        if progress is not None:
            progress(total)
        return cls(name, words, ranked_counts, ids, starts, tuple(notes))

    @classmethod
    def from_file(
        cls,
        path_or_file: str | Path | IO[bytes],
        *,
        column: str | None = None,
        out_dir: str | Path | None = None,
        max_tokens: int | None = None,
        max_bytes: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> TokenIds:
        """Stream a .txt, .csv/.tsv, .jsonl or .zip file (``explorer.readers``) into token ids."""
        result = readers.read_texts(path_or_file, column=column, max_bytes=max_bytes)
        try:
            out = cls.from_texts(
                result.texts,
                name=result.name,
                out_dir=out_dir,
                max_tokens=max_tokens,
                notices=result.notices,
                progress=progress,
            )
        finally:
            close = getattr(result.texts, "close", None)
            if close is not None:
                close()
        late = result.all_notices()[len(result.notices) :]
        return out if not late else TokenIds(out.name, out.words, out.counts, out.ids, out.starts, out.notices + late)

    # ----- training views -----------------------------------------------------------------
    def vocab(self, min_count: int = 1, max_size: int | None = None) -> Vocab:
        """The training vocabulary, as ``Corpus.vocab`` builds it (a prefix of ``words``).

        >>> TokenIds.from_texts(["a a b c"]).vocab(min_count=2).words
        ('a',)
        """
        if min_count < 1:
            raise CorpusError(f"min_count must be at least 1 (got {min_count}).")
        size = int(np.searchsorted(-self.counts, -min_count, side="right"))
        if max_size is not None:
            size = min(size, max_size)
        if size == 0:
            top = int(self.counts[0])
            raise CorpusError(
                f"min_count={min_count} leaves no word in {self.name!r}: the most frequent word "
                f"appears {top} times. Lower min_count to {top} or less."
            )
        words = self.words[:size]
        counts = self.counts[:size].copy()
        counts.flags.writeable = False
        return Vocab(words=words, counts=counts, index={w: i for i, w in enumerate(words)})

    def encode(self, vocab_size: int, out_dir: str | Path | None = None) -> EncodedStream:
        """The tokens of the first ``vocab_size`` words, in order; sentences left empty dropped.

        A memory-mapped corpus is filtered block by block into ``<out_dir>/encoded.int32`` (or a
        file beside its ids), so the whole array is never in memory twice.

        >>> t = TokenIds.from_texts(["a a b. b", "a c c c"])
        >>> t.words, t.encode(2).ids.tolist(), t.encode(2).starts.tolist()
        (('a', 'c', 'b'), [0, 0, 0, 1, 1, 1], [0, 2, 6])
        """
        if vocab_size >= len(self.words):
            return EncodedStream(self.ids, self.starts)
        if not isinstance(self.ids, np.memmap):
            keep = self.ids < vocab_size
            kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
            return EncodedStream(self.ids[keep], _nonempty(kept_before[self.starts]))
        folder = Path(out_dir) if out_dir is not None else Path(self.ids.filename).parent
        sink = _IdSink(folder, file_name="encoded.int32")
        starts = np.empty(len(self.starts), dtype=np.int64)
        kept = 0
        step = BLOCK_TOKENS
        for lo in range(0, self.token_count, step):
            hi = min(lo + step, self.token_count)
            block = np.asarray(self.ids[lo:hi])
            keep = block < vocab_size
            # new offsets of the sentence starts that fall in this block
            s_lo, s_hi = np.searchsorted(self.starts, [lo, hi], side="left")
            before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
            starts[s_lo:s_hi] = kept + before[self.starts[s_lo:s_hi] - lo]
            sink.write(block[keep])
            kept += int(keep.sum())
        starts[-1] = kept
        release_pages(self.ids)
        return EncodedStream(sink.finish(None), _nonempty(starts))


def _nonempty(starts: np.ndarray) -> np.ndarray:
    """Sentence offsets without the sentences that became empty."""
    keep = np.ones(len(starts), dtype=bool)
    keep[1:] = starts[1:] != starts[:-1]
    return starts[keep]


def _ranked(counts: Counter[str]) -> tuple[tuple[str, ...], np.ndarray]:
    items = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))
    arr = np.fromiter((c for _, c in items), dtype=np.int64, count=len(items))
    arr.flags.writeable = False
    return tuple(w for w, _ in items), arr


class _IdSink:
    """Collects int32 ids in memory, or in a file under ``folder`` that is memory-mapped at the end."""

    def __init__(self, folder: str | Path | None, file_name: str = "ids.int32") -> None:
        self.parts: list[np.ndarray] = []
        self.path: Path | None = None
        self.fh = None
        if folder is not None:
            Path(folder).mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".ids-", dir=folder)
            self.fh = os.fdopen(fd, "wb")
            self.tmp = Path(tmp)
            self.path = Path(folder) / file_name

    def write(self, ids: list[int] | np.ndarray) -> None:
        arr = np.asarray(ids, dtype=np.int32)
        if self.fh is not None:
            self.fh.write(arr.tobytes())
        else:
            self.parts.append(arr)

    def discard(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.tmp.unlink(missing_ok=True)

    def finish(self, mapping: np.ndarray | None) -> np.ndarray:
        """The ids, renumbered through ``mapping`` (old id -> new id) when given."""
        if self.fh is None:
            ids = np.concatenate(self.parts) if self.parts else np.zeros(0, dtype=np.int32)
            return mapping[ids] if mapping is not None else ids
        self.fh.close()
        if mapping is not None:
            data = np.memmap(self.tmp, dtype=np.int32, mode="r+")
            for lo in range(0, len(data), BLOCK_TOKENS):
                data[lo : lo + BLOCK_TOKENS] = mapping[data[lo : lo + BLOCK_TOKENS]]
            data.flush()
            del data
        os.replace(self.tmp, self.path)
        if self.path.stat().st_size == 0:
            return np.zeros(0, dtype=np.int32)
        return np.memmap(self.path, dtype=np.int32, mode="r")
