"""Writing an index folder atomically: shards, distilled vectors and counts in a marked work folder,
the manifest last, then one rename, all through the jobs' one safe writer (``explorer.jobfiles``).

A job holds a lock on ``DIR`` (``.<name>.lock`` beside it) from its start, so a second build to
the same ``--out`` waits or is refused. The index is built in ``.<name>.tmp-<host>-<pid>-<token>/``
(hidden, never listed by the reader), which holds the job's marker; a failure removes it, and the
next job on the same output removes only marked folders whose process is gone. A finished index
replaces the previous one at ``DIR`` only when that one is an index (or an empty folder) holding
nothing but its own files (those its manifest names); anything else in it is refused unless
``force``, so a mistyped ``--out`` never deletes someone's files.

Example:
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from explorer.index.writer import IndexWriter
    >>> out = Path(tempfile.mkdtemp()) / "demo"
    >>> with IndexWriter(out, layers=(0,), hidden_size=2) as writer:
    ...     _ = writer.finish({"format": "explorer-contextual-index", "version": 1, "layers": [0]})
    >>> sorted(p.name for p in out.iterdir()), sorted(p.name for p in out.parent.iterdir())
    (['manifest.json', 'occurrences', 'static'], ['demo'])
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from explorer.errors import IndexBuildError
from explorer.index.contract import (
    COUNTS,
    MANIFEST,
    OCCURRENCES,
    STATIC,
    TEXT_COLUMNS,
    layer_column,
    read_manifest,
    static_file,
    vector_matrix,
)
from explorer.index.embed import DOC_TALLY, OCCURRENCE, WORD_SUM, sum_column
from explorer.jobfiles import JobOutput, describe_foreign, foreign_entries

SHARD_ROWS = 50_000  # occurrences per Parquet shard
ROW_GROUP_ROWS = 2_048  # rows per row group: a word's rows can be found from the row-group statistics
PURPOSE = "explorer.index build"


def own_files(manifest: dict[str, Any]) -> set[str]:
    """The files of an index, as its manifest names them: the manifest, its shards, counts and layer files.

    >>> sorted(own_files({"shards": ["occurrences/part-00000.parquet"], "layers": [2]}))
    ['manifest.json', 'occurrences/', 'occurrences/part-00000.parquet', 'static/', 'static/counts.tsv', 'static/layer_2.txt']
    """
    files = {MANIFEST, f"{OCCURRENCES}/", f"{STATIC}/", f"{STATIC}/{COUNTS}"}
    shards = manifest.get("shards")
    if isinstance(shards, list):
        files.update(s for s in shards if isinstance(s, str) and s.startswith(f"{OCCURRENCES}/"))
    layers = manifest.get("layers")
    if isinstance(layers, list):
        files.update(static_file(x) for x in layers if isinstance(x, int) and not isinstance(x, bool))
    return files


def check_replaceable(out: Path, force: bool = False) -> None:
    """Refuse an output that exists and is not an index (or an empty folder), or an index holding files that
    are not its own (unless ``force``): replacing it would delete them."""
    if not os.path.lexists(out):
        return
    if out.is_symlink():
        raise IndexBuildError(f"{out} is a symbolic link; give --out a real folder (the job replaces what is there).")
    if not out.is_dir():
        raise IndexBuildError(f"{out} is a file; give --out a folder name for the index.")
    if not any(out.iterdir()):
        return
    try:
        manifest = read_manifest(out)
    except IndexBuildError as exc:
        raise IndexBuildError(
            f"{out} already exists and is not a readable contextual index ({exc}), so the job will not replace "
            "it: it cannot tell which files there are its own. Choose another --out, or remove the folder yourself."
        ) from exc
    foreign = foreign_entries(out, own_files(manifest))
    if foreign and not force:
        raise IndexBuildError(describe_foreign(out, foreign))


def open_output(out: str | Path, *, force: bool = False, wait_s: float = 0.0) -> JobOutput:
    """The locked output of one index job, to enter before any work; refuses (under the lock) an output
    that may not be replaced."""
    return JobOutput(
        out, PURPOSE, wait_s=wait_s, error=IndexBuildError, replaceable=lambda path: check_replaceable(path, force)
    )


class IndexWriter:
    """Collects the model stage's tables (see ``explorer.index.embed``) and writes the index folder.

    ``output`` is the folder (then the writer takes the lock itself) or an entered ``open_output``
    that the caller holds for the whole job. Use it as a context manager: leaving the block with an
    exception removes the work folder.
    """

    def __init__(
        self,
        output: str | Path | JobOutput,
        layers: Sequence[int],
        hidden_size: int,
        shard_rows: int = SHARD_ROWS,
        row_group_rows: int = ROW_GROUP_ROWS,
        *,
        force: bool = False,
    ) -> None:
        self._owned: JobOutput | None = None
        if not isinstance(output, JobOutput):
            self._owned = open_output(output, force=force).__enter__()
            output = self._owned
        self.output = output
        self.out = output.out
        self.force = force
        self.layers = tuple(int(x) for x in layers)
        self.hidden_size = int(hidden_size)
        self.shard_rows = int(shard_rows)
        self.row_group_rows = int(row_group_rows)
        self.temp = output.target
        (self.temp / OCCURRENCES).mkdir(parents=True)
        (self.temp / STATIC).mkdir()
        self._buffer: list[Any] = []
        self._buffered = 0
        self.shards: list[str] = []
        self._sums: dict[str, np.ndarray] = {}  # word -> (L, H) float64
        self._counts: dict[str, int] = {}
        self.docs: set[str] = set()
        self.sentences = 0
        self.stored = 0
        self.dropped = 0
        self.windowed = 0
        self.finished = False

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is not None or not self.finished:
                self.abort()
        finally:
            if self._owned is not None:
                self._owned.__exit__(exc_type, exc, tb)

    # ----- collecting -----------------------------------------------------------------------
    def add(self, table: Any) -> int:
        """Take one table of the model stage; returns how many sentences it covered."""
        import pyarrow.compute as pc

        kind = table.column("kind")
        occ = table.filter(pc.equal(kind, OCCURRENCE))
        if occ.num_rows:
            self._buffer.append(occ.select([*TEXT_COLUMNS, *(layer_column(x) for x in self.layers)]))
            self._buffered += occ.num_rows
            if self._buffered >= self.shard_rows:
                self._flush()
        sums = table.filter(pc.equal(kind, WORD_SUM))
        if sums.num_rows:
            words = sums.column("word").to_pylist()
            n = sums.column("n").to_numpy()
            # (L, W, H): each layer's per-word sums of this table.
            stacked = np.stack(
                [vector_matrix(sums.column(sum_column(x)), self.hidden_size, np.float64) for x in self.layers]
            )
            for j, word in enumerate(words):
                if word in self._sums:
                    self._sums[word] += stacked[:, j]
                    self._counts[word] += int(n[j])
                else:
                    self._sums[word] = stacked[:, j].copy()
                    self._counts[word] = int(n[j])
        tally = table.filter(pc.equal(kind, DOC_TALLY))
        covered = int(pc.sum(tally.column("n")).as_py() or 0) if tally.num_rows else 0
        if tally.num_rows:
            self.docs.update(tally.column("doc").to_pylist())
            self.dropped += int(pc.sum(tally.column("dropped")).as_py() or 0)
            self.windowed += int(pc.sum(tally.column("windowed")).as_py() or 0)
        self.sentences += covered
        return covered

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        if not self._buffer:
            return
        table = pa.concat_tables(self._buffer)
        order = pc.sort_indices(
            table,
            sort_keys=[
                ("word", "ascending"),
                ("doc", "ascending"),
                ("sentence_id", "ascending"),
                ("start", "ascending"),
            ],
        )
        name = f"{OCCURRENCES}/part-{len(self.shards):05d}.parquet"
        pq.write_table(table.take(order), self.temp / name, row_group_size=self.row_group_rows, compression="zstd")
        self.shards.append(name)
        self.stored += table.num_rows
        self._buffer, self._buffered = [], 0

    # ----- finishing ------------------------------------------------------------------------
    @property
    def occurrences(self) -> int:
        """Occurrences embedded so far (stored or not)."""
        return sum(self._counts.values())

    def word_counts(self) -> list[tuple[str, int]]:
        """(word, occurrences) of every word found, most frequent first (ties alphabetical)."""
        return sorted(self._counts.items(), key=lambda wc: (-wc[1], wc[0]))

    def _write_static(self) -> None:
        from explorer.vectors import WordVectors
        from explorer.vectors_io import save_vectors

        ranked = self.word_counts()
        with open(self.temp / STATIC / COUNTS, "w", encoding="utf-8") as fh:
            fh.write("word\tcount\n")
            fh.writelines(f"{w}\t{c}\n" for w, c in ranked)
        if not ranked:
            return
        words = [w for w, _ in ranked]
        counts = np.array([c for _, c in ranked], dtype=np.float64)
        for li, layer in enumerate(self.layers):
            means = np.stack([self._sums[w][li] for w in words]) / counts[:, None]  # (W, H)
            wv = WordVectors(words, means.astype(np.float32), counts=counts.astype(np.int64), name=layer_column(layer))
            save_vectors(wv, self.temp / STATIC / f"{layer_column(layer)}.txt", fmt="word2vec")

    def finish(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write the last shard, the distilled vectors, the counts and ``manifest`` (last), then rename into place."""
        started = time.perf_counter()
        self._flush()
        self._write_static()
        manifest = dict(manifest)
        manifest["shards"] = list(self.shards)
        manifest["counts"] = {**manifest.get("counts", {}), "occurrences_stored": self.stored}
        timings = dict(manifest.get("timings", {}))
        timings["write_s"] = round(timings.get("write_s", 0.0) + time.perf_counter() - started, 3)
        manifest["timings"] = timings
        with open(self.temp / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        self._swap()
        self.finished = True
        return manifest

    def _swap(self) -> None:
        check_replaceable(self.out, self.force)  # again: a user may have put files there while the job ran
        self.output.commit_folder()

    def abort(self) -> None:
        """Remove what this job wrote (its work folder goes when the output is closed)."""
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.temp)
