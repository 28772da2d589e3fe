"""Layer metrics of a whole index (``python -m explorer.index analyze DIR``): how contextual each layer is.

The metrics are those of ``explorer.contextual.metrics`` (Ethayarajh, 2019), computed from the
stored occurrences, no model run: for each analysed word a seeded sample of its stored
occurrences (drawn as the Context page draws them: in (doc, sentence, position) order, the same
seed giving the same sample), and for the intra-sentence similarity the mean vector of every
stored occurrence of each sampled sentence (an index stores only its target words, so a
sentence's mean is over the words it indexed; sentences with fewer than two count for nothing).

Memory: the word, doc and sentence columns of every shard, then one layer at a time the vectors
of the sampled occurrences and their sentence mates.

Example:
    >>> from explorer.index.analysis import rebase
    >>> from explorer.contextual.metrics import MetricsRow
    >>> row = MetricsRow(0, "bank", 3, 0.75, 0.5, float("nan"), float("nan"), float("nan"), 0.2)
    >>> got = rebase([row], [MetricsRow(0, "*", 9, 0.6, 0.4, 0.25, 0.35, 0.15, 0.1)])[0]
    >>> got.anisotropy_baseline, got.adjusted_self_similarity, got.adjusted_intra_sentence_similarity
    (0.25, 0.5, 0.25)
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from explorer.contextual.metrics import BASELINE_PAIRS, CORPUS, MetricsRow, OccurrenceSet, layer_metrics, metrics_csv
from explorer.errors import IndexBuildError
from explorer.index.contract import MAX_SHARD_BYTES, layer_column, vector_matrix
from explorer.index.reader import IndexInfo, _hidden, _open, _shards, _unreadable, word_counts

# The reader's guarded openers: every file of an index is untrusted (explorer.index.reader).
from explorer.wording import count

DEFAULT_TOP = 1000
DEFAULT_SAMPLE = 50


@dataclass(frozen=True)
class IndexMetrics:
    """The metrics table of an index and what it was computed from.

    Attributes:
        rows: per layer, one row per analysed word then the ``*`` row (layer order).
        words: the analysed words.
        sample, seed: at most ``sample`` stored occurrences per word, drawn with ``seed``.
        occurrences: sampled occurrences (all words).
        context_rows: stored occurrences read for the sentence means (the sample's sentence mates included).
        sentences: sentences the sample falls in.
        layers: the layers measured (those the index stores).
        seconds: time to compute, reading included.
        notes: what was left out and why (vectors with NaN or infinite values).
    """

    rows: tuple[MetricsRow, ...]
    words: tuple[str, ...]
    sample: int
    seed: int
    occurrences: int
    context_rows: int
    sentences: int
    layers: tuple[int, ...]
    seconds: float
    notes: tuple[str, ...] = ()

    def corpus_rows(self) -> list[MetricsRow]:
        """The ``*`` rows, one per layer."""
        return [r for r in self.rows if r.word == CORPUS]

    def word_rows(self, word: str) -> list[MetricsRow]:
        """The rows of one word, one per layer."""
        return [r for r in self.rows if r.word == word]

    def csv(self) -> str:
        """The table as CSV (``explorer.contextual.metrics.COLUMNS``)."""
        return metrics_csv(self.rows)

    def describe(self) -> str:
        """One sentence: the sample's sizes, for a page caption or the command's summary."""
        return (
            f"{count(len(self.words), 'word')}, at most {self.sample:,} stored occurrences each (seed {self.seed}): "
            f"{self.occurrences:,} occurrences in {self.sentences:,} sentences, {self.context_rows:,} stored "
            f"occurrences read for the sentence means, layers {', '.join(map(str, self.layers))}; "
            f"{self.seconds:.1f} s."
        )


def rebase(rows: Sequence[MetricsRow], corpus: Sequence[MetricsRow]) -> list[MetricsRow]:
    """``rows`` with the anisotropy baseline (and the adjusted values) of the ``corpus`` row of their layer."""
    baseline = {r.layer: r.anisotropy_baseline for r in corpus}
    out = []
    for r in rows:
        b = baseline.get(r.layer, math.nan)
        out.append(
            replace(
                r,
                anisotropy_baseline=b,
                adjusted_self_similarity=r.self_similarity - b,
                adjusted_intra_sentence_similarity=r.intra_sentence_similarity - b,
            )
        )
    return out


@dataclass(frozen=True)
class _Rows:
    """Pass 1: where every stored occurrence is, and its word and sentence, in global row order."""

    shard: np.ndarray  # (n,) shard number
    row: np.ndarray  # (n,) row inside the shard
    word: np.ndarray  # (n,) word code
    names: list[str]  # word code -> word
    sentence: np.ndarray  # (n,) sentence key (doc rank << 32 | sentence id)
    order: np.ndarray  # (n,) the rows in (doc, sentence, start) order


def _read_rows(info: IndexInfo, shards: list[str]) -> _Rows:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = []
    for shard in shards:
        with _open(info, shard, MAX_SHARD_BYTES) as fh, _unreadable(info, shard):
            tables.append(pq.read_table(fh, columns=["word", "doc", "sentence_id", "start"]))
    sizes = [t.num_rows for t in tables]
    if not sum(sizes):
        raise IndexBuildError(f"The index {info.name} stores no occurrence vectors; build it again with target words.")
    with _unreadable(info, "occurrences"):
        table = pa.concat_tables(tables)
        words = table.column("word").combine_chunks().dictionary_encode()
        docs = table.column("doc").combine_chunks().dictionary_encode()
        doc_names = docs.dictionary.to_pylist()
        doc_rank = np.empty(len(doc_names), dtype=np.int64)
        doc_rank[np.argsort(np.asarray(doc_names, dtype=object), kind="stable")] = np.arange(len(doc_names))
        doc_code = doc_rank[docs.indices.to_numpy(zero_copy_only=False)]
        sid = table.column("sentence_id").to_numpy().astype(np.int64)
        start = table.column("start").to_numpy().astype(np.int64)
    order = np.lexsort((start, sid, doc_code))
    return _Rows(
        shard=np.repeat(np.arange(len(shards)), sizes),
        row=np.concatenate([np.arange(s) for s in sizes]),
        word=words.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        names=[str(w) for w in words.dictionary.to_pylist()],
        sentence=(doc_code << 32) | (sid & 0xFFFFFFFF),
        order=order,
    )


def _choose_words(info: IndexInfo, rows: _Rows, words: Sequence[str] | None, top: int) -> list[str]:
    stored = set(rows.names)
    if words:
        wanted = list(dict.fromkeys(w.strip().lower() for w in words if w.strip()))
        missing = [w for w in wanted if w not in stored]
        if missing:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            raise IndexBuildError(
                f"The index {info.name} stores no occurrence of {shown}; `python -m explorer.index info DIR` "
                "lists what it holds (its counts are in static/counts.tsv)."
            )
        return wanted
    counts = word_counts(info)
    ranked = sorted(stored, key=lambda w: (-counts.get(w, 0), w))
    return ranked[: max(1, int(top))]


def analyze_index(
    info: IndexInfo,
    words: Sequence[str] | None = None,
    top: int = DEFAULT_TOP,
    sample: int = DEFAULT_SAMPLE,
    seed: int = 0,
    baseline_pairs: int = BASELINE_PAIRS,
    progress: Callable[[str], None] | None = None,
) -> IndexMetrics:
    """Layer metrics of ``words`` (default: the ``top`` most frequent indexed words) at every stored layer.

    Each word contributes at most ``sample`` of its stored occurrences, drawn with ``seed`` in
    (doc, sentence, position) order, so a word's sample does not depend on the other words. A
    word the index does not store raises ``IndexBuildError`` naming it; a damaged shard raises
    ``IndexBuildError`` naming the file.
    """
    import pyarrow.parquet as pq

    if int(sample) < 2:
        raise IndexBuildError(f"--sample must be at least 2 (self-similarity needs two occurrences); got {sample}.")
    began = time.perf_counter()
    say = progress or (lambda _line: None)
    shards = _shards(info)
    rows = _read_rows(info, shards)
    chosen = _choose_words(info, rows, words, top)
    code_of = {w: k for k, w in enumerate(rows.names)}
    by_word_sorted = rows.order[np.argsort(rows.word[rows.order], kind="stable")]  # grouped by word, in text order
    bounds = np.searchsorted(rows.word[by_word_sorted], np.arange(len(rows.names) + 1))
    focus_parts = []
    for w in chosen:
        code = code_of[w]
        mine = by_word_sorted[bounds[code] : bounds[code + 1]]
        rng = np.random.default_rng(int(seed))  # per word: a word's sample never depends on the others
        if len(mine) > sample:
            mine = mine[np.sort(rng.choice(len(mine), size=int(sample), replace=False))]
        focus_parts.append(mine)
    focus_rows = np.concatenate(focus_parts) if focus_parts else np.zeros(0, np.int64)
    needed = np.flatnonzero(np.isin(rows.sentence, np.unique(rows.sentence[focus_rows])))
    focus = np.isin(needed, focus_rows)
    say(f"[analyze] {len(chosen):,} words, {int(focus.sum()):,} sampled occurrences, {len(needed):,} rows to read")
    hidden = _hidden(info)
    out: list[MetricsRow] = []
    notes: list[str] = []
    for layer in info.layers:
        column = layer_column(layer)
        vectors = np.zeros((len(needed), hidden), dtype=np.float32)
        for s, shard in enumerate(shards):
            here = np.flatnonzero(rows.shard[needed] == s)
            if not len(here):
                continue
            with _open(info, shard, MAX_SHARD_BYTES) as fh, _unreadable(info, shard):
                table = pq.read_table(fh, columns=[column]).take(rows.row[needed[here]])
                vectors[here] = vector_matrix(table.column(column), hidden, np.float32)
        finite = np.isfinite(vectors).all(axis=1)
        if not finite.all():
            notes.append(
                f"Layer {layer}: {int((~finite).sum()):,} stored occurrences with NaN or infinite values were left out; "
                "the index may be damaged: build it again."
            )
        occurrences = OccurrenceSet(
            vectors[finite],
            [rows.names[c] for c in rows.word[needed[finite]]],
            rows.sentence[needed[finite]],
            focus[finite],
        )
        out.extend(layer_metrics(layer, occurrences, chosen, baseline_pairs, seed))
        say(f"[analyze] layer {layer} done, {time.perf_counter() - began:.1f} s")
    return IndexMetrics(
        rows=tuple(out),
        words=tuple(chosen),
        sample=int(sample),
        seed=int(seed),
        occurrences=int(focus.sum()),
        context_rows=len(needed),
        sentences=len(np.unique(rows.sentence[focus_rows])),
        layers=info.layers,
        seconds=time.perf_counter() - began,
        notes=tuple(notes),
    )


def write_csv_atomically(text: str, out: str | os.PathLike[str], index_folder: Path | None = None) -> Path:
    """Write ``text`` to ``out`` through a temporary file in the same folder and one rename.

    A reader never sees half a file, and a failed write leaves ``out`` as it was. Refuses a
    path inside ``index_folder`` (an index holding files it did not write is refused by the next
    build) and a folder.
    """
    target = Path(out).expanduser().resolve()
    if index_folder is not None and target.is_relative_to(Path(index_folder).resolve()):
        raise IndexBuildError(f"{out} is inside the index folder; write the table somewhere else.")
    if target.is_dir():
        raise IndexBuildError(f"{out} is a folder; give a file name such as metrics.csv.")
    if not target.parent.is_dir():
        raise IndexBuildError(f"The folder of {out} does not exist; create it or give another path.")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)  # our own temporary file only
        raise
    return target
