"""Writing an index folder atomically: shards, distilled vectors and counts in a hidden temporary folder,
the manifest last, then one rename.

A job that is killed or fails leaves no folder that looks complete: the temporary folder is named
``.<name>.tmp-<host>-<pid>-<token>`` (hidden, and never listed by the reader), a failure removes
it, and the next job on the same output removes those whose process is gone. A finished index
replaces the previous one at ``DIR`` only when that one is an index too (or an empty folder), so
a mistyped ``--out`` never deletes someone's files.

Example:
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from explorer.index.writer import IndexWriter
    >>> out = Path(tempfile.mkdtemp()) / "demo"
    >>> with IndexWriter(out, layers=(0,), hidden_size=2) as writer:
    ...     _ = writer.finish({"format": "explorer-contextual-index", "version": 1})
    >>> sorted(p.name for p in out.iterdir())
    ['manifest.json', 'occurrences', 'static']
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
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
    vector_matrix,
)
from explorer.index.embed import DOC_TALLY, OCCURRENCE, WORD_SUM, sum_column

SHARD_ROWS = 50_000  # occurrences per Parquet shard
ROW_GROUP_ROWS = 2_048  # rows per row group: a word's rows can be found from the row-group statistics


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(out: Path) -> None:
    """Remove what earlier jobs on ``out`` left behind: temporary folders of dead processes, old copies."""
    host = socket.gethostname()
    for path in out.parent.glob(f".{out.name}.*"):
        rest = path.name[len(out.name) + 2 :]
        if rest.startswith("old-"):
            shutil.rmtree(path, ignore_errors=True)
        elif rest.startswith("tmp-"):
            parts = rest[4:].rsplit("-", 2)
            if len(parts) == 3 and parts[0] == host and parts[1].isdigit() and not _process_alive(int(parts[1])):
                shutil.rmtree(path, ignore_errors=True)


def check_replaceable(out: Path) -> None:
    """Refuse an output folder that exists and is neither empty nor an index (its files are not ours)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise IndexBuildError(f"{out} is a file; give --out a folder name for the index.")
    if not any(out.iterdir()):
        return
    try:
        read_manifest(out)
    except IndexBuildError as exc:
        raise IndexBuildError(
            f"{out} already exists and is not a contextual index, so the job will not replace it. "
            "Choose another --out, or remove the folder yourself."
        ) from exc


class IndexWriter:
    """Collects the model stage's tables (see ``explorer.index.embed``) and writes the index folder.

    Use it as a context manager: leaving the block with an exception removes the temporary folder.
    """

    def __init__(
        self,
        out: str | Path,
        layers: Sequence[int],
        hidden_size: int,
        shard_rows: int = SHARD_ROWS,
        row_group_rows: int = ROW_GROUP_ROWS,
    ) -> None:
        self.out = Path(out).absolute()
        self.layers = tuple(int(x) for x in layers)
        self.hidden_size = int(hidden_size)
        self.shard_rows = int(shard_rows)
        self.row_group_rows = int(row_group_rows)
        check_replaceable(self.out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(self.out)
        token = secrets.token_hex(4)
        self.temp = self.out.parent / f".{self.out.name}.tmp-{socket.gethostname()}-{os.getpid()}-{token}"
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
        if exc_type is not None or not self.finished:
            self.abort()

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
        check_replaceable(self.out)
        old = None
        if self.out.exists():
            old = self.out.parent / f".{self.out.name}.old-{secrets.token_hex(4)}"
            os.rename(self.out, old)
        os.rename(self.temp, self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Remove the temporary folder (nothing of this job stays behind)."""
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.temp)
