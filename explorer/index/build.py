"""Build a contextual index: the library function behind ``python -m explorer.index build``.

:func:`build_index` reads the inputs, counts tokens, picks the target words, runs every sentence
that holds one through the transformer and writes the index folder (see
``explorer.index.contract``). ``engine="ray"`` runs the reading and the model on Ray Data (a local
Ray on this machine's cores, or a cluster at ``address`` / ``RAY_ADDRESS``);
``engine="in-process"`` runs the same stages in this process, without Ray: the reference the Ray
job is tested against, and what the app uses for a small uploaded corpus
(:func:`build_index_from_texts`). Both feed the same ``embed_sentences`` and ``IndexWriter``.

Example (a folder of .txt files, as ``python -m explorer.index build tickets/ --out indexes/tickets --words charge``)::

    from explorer.index.build import build_index
    manifest = build_index(["tickets/"], "indexes/tickets", targets=Targets.of_words("charge"))
    manifest["counts"]["occurrences"]  # every whole-word "charge" in the folder

``build_index_from_texts`` below has a runnable example.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from explorer.contextual.model import POOLINGS
from explorer.errors import IndexBuildError
from explorer.index.contract import ENGINES, FORMAT, VERSION, Targets, parse_layers
from explorer.index.embed import TargetMatcher, embed_sentences, weights_hash
from explorer.index.inputs import FileRead, check_local, expand_inputs, read_local, split_texts
from explorer.index.writer import IndexWriter, open_output
from explorer.jobfiles import check_not_an_input
from explorer.wording import count

ROWS_PER_BATCH = 256  # sentences per model-stage call (one Ray batch); the embedder pads 32 at a time
LISTED_SKIPS = 10  # skipped inputs named in a refusal


class Progress:
    """Prints documents and sentences done, the rate and the time left, at most every ``every`` seconds.

    >>> lines = []
    >>> p = Progress(total=100, emit=lines.append, every=0.0)
    >>> p.update(sentences=50, documents=7)
    >>> lines[-1].split(",")[0]
    '[index] 50/100 sentences (50%)'
    """

    def __init__(self, total: int, emit: Callable[[str], None] | None, every: float = 2.0) -> None:
        self.total = int(total)
        self.emit = emit
        self.every = every
        self.started = time.perf_counter()
        self._last = self.started
        self.done = 0

    def say(self, text: str) -> None:
        if self.emit is not None:
            self.emit(f"[index] {text}")

    def update(self, sentences: int, documents: int, final: bool = False) -> None:
        self.done = sentences
        now = time.perf_counter()
        if self.emit is None or (not final and now - self._last < self.every):
            return
        self._last = now
        elapsed = max(now - self.started, 1e-9)
        rate = sentences / elapsed
        left = (self.total - sentences) / rate if rate > 0 else math.inf
        eta = "done" if final else (f"ETA {left:,.0f} s" if math.isfinite(left) else "ETA unknown")
        share = 100 * sentences / self.total if self.total else 100
        self.say(
            f"{sentences:,}/{self.total:,} sentences ({share:.0f}%), {documents:,} documents, "
            f"{rate:,.1f} sentences/s, {eta}"
        )


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _corpus_title(reads: Sequence[FileRead]) -> str:
    names = [Path(r.label).name for r in reads if r.status == "read"] or ["nothing"]
    return names[0] if len(names) == 1 else f"{names[0]} + {len(names) - 1} more"


def skipped_list(skipped: Sequence[FileRead]) -> str:
    """The skipped inputs and why, one per line, for a refusal.

    >>> print(skipped_list([FileRead("a.bin", 3, "skipped", "a.bin looks like a PNG image, not text")]))
      - a.bin: a.bin looks like a PNG image, not text
    """
    lines = [f"  - {r.label}: {r.reason}" for r in skipped[:LISTED_SKIPS]]
    if len(skipped) > LISTED_SKIPS:
        lines.append(f"  ... and {len(skipped) - LISTED_SKIPS} more")
    return "\n".join(lines)


def nothing_to_index(reads: Sequence[FileRead]) -> str:
    """Why a job found no sentence: every input skipped (each with its reason), or the files read hold none."""
    skipped = [r for r in reads if r.status != "read"]
    if not skipped:
        return "The inputs hold no sentence with a word in it; nothing to index."
    if len(skipped) == len(reads):
        return (
            f"Every input was skipped ({len(skipped)} file(s)), so there is nothing to index:\n{skipped_list(skipped)}"
        )
    return (
        f"The {len(reads) - len(skipped)} file(s) read hold no sentence with a word in it, and "
        f"{len(skipped)} were skipped:\n{skipped_list(skipped)}"
    )


def _local_inputs(inputs: Sequence[str]) -> list[str]:
    """The inputs that name a local file or folder (not a URI or a glob), for the output checks."""
    return [
        str(raw).removeprefix("file://")
        for raw in inputs
        if ("://" not in str(raw) or str(raw).startswith("file://")) and not any(ch in str(raw) for ch in "*?[")
    ]


def _keep_shares(targets: Sequence[str], counts: Counter[str], keep_per_word: int | None) -> dict[str, float]:
    """Per word, the share of its occurrences to store so that about ``keep_per_word`` are kept."""
    if keep_per_word is None:
        return {}
    return {w: min(1.0, keep_per_word / counts[w]) if counts[w] else 1.0 for w in targets}


def _in_process_tables(
    embedder: Any, reads: Sequence[FileRead], matcher: TargetMatcher, layers: Sequence[int], pooling: str,
    batch_size: int, rows_per_batch: int,
) -> tuple[int, Iterator[Any]]:  # fmt: skip
    """(sentences holding a target, their model-stage tables in batches of ``rows_per_batch``)."""
    found = [s for r in reads for s in r.sentences if matcher.has_target(s.text)]

    def tables() -> Iterator[Any]:
        for b in range(0, len(found), rows_per_batch):
            rows = found[b : b + rows_per_batch]
            yield embed_sentences(
                embedder, [s.doc for s in rows], [s.sentence_id for s in rows], [s.text for s in rows],
                matcher, layers, pooling, batch_size,
            )  # fmt: skip

    return len(found), tables()


def build_index(
    inputs: Sequence[str] | str,
    out: str | Path,
    *,
    targets: Targets | None = None,
    layers: str | Sequence[int] = "all",
    pooling: str = "mean",
    model: str | None = None,
    engine: str = "ray",
    address: str | None = None,
    actors: int | None = None,
    strict: bool = False,
    column: str | None = None,
    keep_per_word: int | None = None,
    title: str | None = None,
    device: str | None = None,
    batch_size: int = 32,
    rows_per_batch: int = ROWS_PER_BATCH,
    progress: Callable[[str], None] | None = _stderr,
    embedder: Any = None,
    force: bool = False,
    wait_s: float = 0.0,
    _reads: Sequence[FileRead] | None = None,
) -> dict[str, Any]:
    """Build the index of ``inputs`` (files, folders, globs or URIs) into the folder ``out``; returns its manifest.

    ``targets``: which words (default every word seen at least 5 times, at most 20,000);
    ``layers``: "all" or layer numbers (0 is the embedding output); ``pooling``: how a word's
    subword states become one vector; ``model``: None for the bundled MiniLM, a folder or an id;
    ``keep_per_word``: store about this many occurrences per word (None: all; the distilled
    vectors always average every occurrence); ``strict``: fail on an unreadable file instead of
    listing it as skipped; ``progress``: where progress lines go (None: silent). ``embedder``
    reuses a loaded ``ContextualEmbedder`` (in-process only). ``force``: replace an index folder
    even when it holds files that are not the index's own; ``wait_s``: how long to wait for another
    job writing to ``out``. Raises ``IndexBuildError``.

    Before any work (and before Ray starts) the job refuses an ``out`` that is or holds an input or
    lies inside an input folder, takes the lock on ``out``, and checks every local input's first
    bytes; an input that cannot be read is skipped with its reason (``strict``: refused).
    """
    started = time.perf_counter()
    if engine not in ENGINES:
        raise IndexBuildError(f"Unknown engine {engine!r}; use one of {', '.join(ENGINES)}.")
    if pooling not in POOLINGS:
        raise IndexBuildError(f"Unknown pooling {pooling!r}; use one of {', '.join(POOLINGS)}.")
    if keep_per_word is not None and keep_per_word < 0:
        raise IndexBuildError(f"--keep-per-word must be 0 or more; got {keep_per_word}.")
    if rows_per_batch < 1 or batch_size < 1:
        raise IndexBuildError("Batch sizes must be at least 1.")
    targets = targets or Targets.at_least(5)
    given = [inputs] if isinstance(inputs, str) else list(inputs)
    left_out: list[str] = []
    files = [] if _reads is not None else expand_inputs(given, left_out)
    if engine == "in-process" and any(f.is_remote for f in files):
        raise IndexBuildError("The in-process engine reads local files only; use the Ray engine for URIs.")
    check_not_an_input(out, _local_inputs(given) + [f.location for f in files if not f.is_remote], IndexBuildError)

    say = Progress(0, progress).say
    for note in left_out:
        say(note)
    timings: dict[str, float] = {}
    session = job = None
    output = open_output(out, force=force, wait_s=wait_s)
    try:
        output.__enter__()  # the lock, held until the index is in place
        # Every local input's first bytes are checked before Ray starts or the model loads.
        checked = [check_local(f) for f in files]
        early = [r for r in checked if r is not None]
        if early and strict:
            raise IndexBuildError(
                f"{len(early)} input file(s) could not be read (--strict); the first is {early[0].label}: "
                f"{early[0].reason}"
            )
        if files and len(early) == len(files):
            raise IndexBuildError(nothing_to_index(early))
        t0 = time.perf_counter()
        if engine == "ray":
            from explorer.index.ray_engine import RayJob, RaySession

            session = RaySession(address)
            timings["ray_start_s"] = round(time.perf_counter() - t0, 3)
            t0 = time.perf_counter()
            job = RayJob(session)
            reads, counts = job.read([f for f, r in zip(files, checked, strict=True) if r is None], column)
            reads = early + reads
        else:
            if _reads is not None:
                reads = list(_reads)
            else:
                reads = [r if r is not None else read_local(f, column) for f, r in zip(files, checked, strict=True)]
            counts = Counter()
            for r in reads:
                counts.update(r.counts)
        timings["read_s"] = round(time.perf_counter() - t0, 3)
        skipped = [r for r in reads if r.status != "read"]
        for r in skipped:
            say(f"skipped {r.label}: {r.reason}")
        if skipped and strict:
            first = skipped[0]
            raise IndexBuildError(
                f"{len(skipped)} input file(s) could not be read (--strict); the first is {first.label}: {first.reason}"
            )
        documents = sum(r.documents for r in reads)
        sentences = sum(r.sentence_count for r in reads)
        say(f"read {len(reads) - len(skipped)} file(s): {documents:,} documents, {sentences:,} sentences")
        if not sentences:
            raise IndexBuildError(nothing_to_index(reads))
        target_words = targets.select(counts)
        if not target_words:
            raise IndexBuildError(
                f"No word qualifies as a target ({targets.describe()}); the most frequent word appears "
                f"{max(counts.values())} times. Lower --min-count or name --words."
            )
        keep = _keep_shares(target_words, counts, keep_per_word)
        t0 = time.perf_counter()
        if embedder is None:
            from explorer.contextual import ContextualEmbedder

            say(f"loading the transformer ({model or 'bundled all-MiniLM-L6-v2'})")
            try:
                # The Ray driver only needs the model's shape and hash; the actors load their own copy.
                embedder = ContextualEmbedder.load(model, device="cpu" if engine == "ray" else device)
            except ValueError as exc:
                raise IndexBuildError(str(exc)) from exc
        layer_list = parse_layers(layers, embedder.num_layers)
        weights = weights_hash(embedder.model)
        timings["load_model_s"] = round(time.perf_counter() - t0, 3)
        matcher = TargetMatcher(target_words, keep)
        say(f"{count(len(target_words), 'target word')}; layers {', '.join(map(str, layer_list))}; pooling {pooling}")
        t0 = time.perf_counter()
        plan: dict[str, Any] = {}
        with IndexWriter(output, layer_list, embedder.hidden_size, force=force) as writer:
            if job is not None:
                total, tables = job.embed(
                    model=model, weights=weights, targets=target_words, keep=keep, layers=layer_list,
                    pooling=pooling, batch_size=batch_size, rows_per_batch=rows_per_batch, actors=actors,
                )  # fmt: skip
                plan = job.plan
            else:
                total, tables = _in_process_tables(
                    embedder, reads, matcher, layer_list, pooling, batch_size, rows_per_batch
                )
            meter = Progress(total, progress)
            meter.say(f"embedding {total:,} sentences that hold a target")
            for table in tables:
                if "first_batch_s" not in timings:  # start-up: model actors loading, the first batch
                    timings["first_batch_s"] = round(time.perf_counter() - t0, 3)
                writer.add(table)
                meter.update(writer.sentences, len(writer.docs))
            meter.update(writer.sentences, len(writer.docs), final=True)
            timings["embed_s"] = round(time.perf_counter() - t0, 3)
            found = dict(writer.word_counts())
            if not found:
                raise IndexBuildError(
                    f"None of the {count(len(target_words), 'target word')} occurs in the inputs as a whole word "
                    f"(looked for {', '.join(target_words[:5])}{' …' if len(target_words) > 5 else ''})."
                )
            found_words = len(found)
            missing = [w for w in target_words if w not in found] if targets.mode == "words" else []
            for w in missing:
                say(f"{w!r} does not occur in the inputs")
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "name": Path(out).name,
                "title": title or _corpus_title(reads),
                "model": embedder.name,
                "model_source": model,
                "weights_sha256": weights,
                "num_layers": embedder.num_layers,
                "hidden_size": embedder.hidden_size,
                "max_length": embedder.max_length,
                "layers": list(layer_list),
                "pooling": pooling,
                "dtype": "float16",
                "engine": engine,
                "ray": None if job is None else {"address": session.address, **plan},  # type: ignore[union-attr]
                "targets": {**targets.describe(), "count": len(target_words), "found": found_words, "missing": missing},
                "keep_per_word": keep_per_word,
                "column": column,
                "inputs": [r.describe() for r in reads],
                "counts": {
                    "documents": documents,
                    "sentences": sentences,
                    "sentences_with_targets": writer.sentences,
                    "documents_with_targets": len(writer.docs),
                    "occurrences": writer.occurrences,
                    "occurrences_stored": None,  # filled in by the writer once the last shard is out
                    "words": found_words,
                    "skipped_files": len(skipped),
                    "dropped_occurrences": writer.dropped,
                    "windowed_sentences": writer.windowed,
                },
                "timings": timings,
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            timings["total_s"] = round(time.perf_counter() - started, 3)
            timings["sentences_per_s"] = round(writer.sentences / max(timings["embed_s"], 1e-9), 2)
            manifest = writer.finish(manifest)
        manifest["timings"]["total_s"] = round(time.perf_counter() - started, 3)
        say(f"wrote {Path(out)}: {manifest['counts']['occurrences']:,} occurrences of {found_words:,} words")
        return manifest
    finally:
        try:
            if session is not None:
                session.close()
        finally:
            output.__exit__(None, None, None)


def build_index_from_texts(
    texts: Iterable[str],
    out: str | Path,
    *,
    label: str = "upload.txt",
    embedder: Any = None,
    **options: Any,
) -> dict[str, Any]:
    """Build an index of texts already in memory (an uploaded corpus), in this process, without Ray.

    Each text is a document; ``label`` names them in the ``doc`` column. ``options`` are those of
    :func:`build_index` (``targets``, ``layers``, ``keep_per_word``...).

    Example:
        >>> import os, tempfile
        >>> out = os.path.join(tempfile.mkdtemp(), "idx")
        >>> m = build_index_from_texts(["The bank opened."], out, embedder=emb, targets=Targets.of_words("bank"))
        >>> m["engine"], m["counts"]["occurrences"]
        ('in-process', 1)
    """
    documents, sentences, counts = split_texts(label, list(texts))
    read = FileRead(label, 0, "read", None, documents, len(sentences), tuple(sentences), counts)
    options.setdefault("progress", None)
    return build_index([], out, engine="in-process", embedder=embedder, _reads=[read], **options)
