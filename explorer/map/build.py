"""Build a word map: the library function behind ``python -m explorer.map build``.

:func:`build_map` reads a vector file (any format ``explorer.vectors_io.load_vectors`` reads),
then, on the unit vectors (cosine geometry):

1. neighbours: each word's k nearest words in the original space. Exact below
   ``EXACT_MAX_ROWS`` words (blocked matrix products, ``explorer.projection.knn.knn_graph``),
   approximate above (the app's inverted file, ``explorer.knnengine``, or pynndescent's NN-descent with ``--engine``). Either way the recall@k is measured on a seeded
   sample of up to 2,000 words against exact neighbours and written to the manifest.
2. layout: ``explorer.projection.project`` (UMAP, t-SNE or PCA), with its k-NN overlap (the share
   of each point's 10 neighbours kept on the map, on a sample). UMAP lays out the neighbour graph of
   step 1 (searched 14 wide for it: UMAP's 15 neighbours less the point itself), so no second k-NN
   search runs; 100 epochs above ``LARGE_MAP_ROWS`` words (:func:`layout_epochs`).
3. clusters: seeded k-means at two or more levels (``explorer.map.labels``), named by their
   representative words.
4. files: ``points.parquet``, ``labels.parquet``, ``neighbors.parquet`` and ``manifest.json`` last
   (``explorer.map.contract``), written in a marked work folder and renamed into place by the jobs'
   one safe writer (``explorer.jobfiles``), so a killed job leaves the previous map as it was.

Example (as ``python -m explorer.map build glove.txt --out maps/glove``)::

    from explorer.map.build import build_map
    manifest = build_map("glove.txt", "maps/glove", method="umap")
    manifest["neighbors"]["recall"]  # 1.0 below 50,000 words; measured above
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from explorer.errors import VectorsError
from explorer.jobfiles import JobOutput, check_not_an_input, describe_foreign, foreign_entries
from explorer.linalg import unit_rows
from explorer.map.contract import (
    APPROXIMATE_ENGINES,
    DEFAULT_K,
    EXACT_MAX_ROWS,
    FORMAT,
    LABELS,
    MANIFEST,
    METHODS,
    NEIGHBORS,
    OWN_FILES,
    POINTS,
    RECALL_SAMPLE,
    VERSION,
    MapBuildError,
    cluster_column,
    coordinate_columns,
    default_cluster_counts,
    read_manifest,
)
from explorer.map.labels import cluster_levels, label_table
from explorer.map.neighbors import (
    approximate_neighbors,
    descent_degree,
    exact_neighbors,
    ivf_neighbors,
    measured_recall,
)

PURPOSE = "explorer.map build"
ROW_GROUP_ROWS = 1_000_000
HEARTBEAT_S = 10.0  # a progress line at least this often during a long stage
LARGE_MAP_ROWS = 200_000  # above this many words a map is large: fewer UMAP epochs (see layout_epochs)
LARGE_MAP_EPOCHS = 100
UNIT_BLOCK_ROWS = 65_536  # rows normalised at once (no (n, d) temporary beside the copy)


class Progress:
    """Prints, per stage, the share done and the time left, at most every ``every`` seconds, and at
    least every ``heartbeat`` seconds while a stage with a known total runs (from a daemon thread,
    so a stage whose library reports nothing for minutes still shows it is alive).

    >>> lines = []
    >>> p = Progress(lines.append, every=0.0, heartbeat=0.0)
    >>> p.start("neighbours", total=200)
    >>> p.update(50)
    >>> lines[-1].split(", ")[0]
    '[map] neighbours: 50/200 (25%)'
    """

    def __init__(
        self,
        emit: Callable[[str], None] | None,
        every: float = 2.0,
        heartbeat: float = HEARTBEAT_S,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.emit = emit
        self.clock = clock
        self.every = every
        self.heartbeat = heartbeat
        self.stage = ""
        self.total = 0
        self.done = 0
        self._first: tuple[float, int] | None = None  # (time, count) of the stage's first count
        self.started = self._last = clock()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def say(self, text: str) -> None:
        if self.emit is not None:
            with self._lock:
                self._last = self.clock()
                self.emit(f"[map] {text}")

    def start(self, stage: str, total: int = 0, note: str = "") -> None:
        self.close()
        self.stage, self.total, self.done = stage, int(total), 0
        self._first = None
        self.started = self.clock()
        self.say(f"{stage}: started" + (f" ({note})" if note else ""))
        if self.emit is not None and self.heartbeat > 0 and self.total:
            self._stop = threading.Event()
            self._beat = threading.Thread(target=self._beating, args=(self._stop,), name="map-progress", daemon=True)
            self._beat.start()

    def _beating(self, stop: threading.Event) -> None:
        while not stop.wait(min(1.0, self.heartbeat)):
            if self.clock() - self._last >= self.heartbeat:
                self._report(self.done, final=False)

    def update(self, done: int, final: bool = False) -> None:
        self.done = int(done)
        if self.emit is None or (not final and self.clock() - self._last < self.every):
            return
        self._report(self.done, final)

    def _report(self, done: int, final: bool) -> None:
        now = self.clock()
        elapsed = max(now - self.started, 1e-9)
        if self._first is None and done > 0:
            self._first = (now, done)
        # The rate since the first count came, when there is one: a stage's set-up (UMAP's graph
        # and starting layout, NN-descent's forest) would otherwise stretch every estimate.
        if self._first is not None and done > self._first[1]:
            rate = (done - self._first[1]) / max(now - self._first[0], 1e-9)
        else:
            rate = done / elapsed
        left = (self.total - done) / rate if rate > 0 else math.inf
        eta = "done" if final else (f"ETA {left:,.0f} s" if math.isfinite(left) else "ETA unknown")
        share = 100 * done / self.total if self.total else 100
        self.say(f"{self.stage}: {done:,}/{self.total:,} ({share:.0f}%), {elapsed:,.1f} s, {eta}")

    def finish(self, note: str = "") -> float:
        """End the stage; returns its seconds."""
        self.close()
        seconds = self.clock() - self.started
        self.say(f"{self.stage}: done in {seconds:,.1f} s" + (f" ({note})" if note else ""))
        return round(seconds, 3)

    def close(self) -> None:
        """Stop the heartbeat of the current stage, if any."""
        self._stop.set()
        if self._beat is not None:
            self._beat.join()
            self._beat = None


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ----- the output folder ----------------------------------------------------------------------
def check_replaceable(out: Path, force: bool = False) -> None:
    """Refuse an output that exists and is not a map (or an empty folder), or a map holding files that are not
    its own (unless ``force``): replacing it would delete them."""
    if not os.path.lexists(out):
        return
    if out.is_symlink():
        raise MapBuildError(f"{out} is a symbolic link; give --out a real folder (the job replaces what is there).")
    if not out.is_dir():
        raise MapBuildError(f"{out} is a file; give --out a folder name for the map.")
    if not any(out.iterdir()):
        return
    if not force:
        try:
            read_manifest(out)
        except MapBuildError as exc:
            raise MapBuildError(
                f"{out} already exists and is not a readable word map ({exc}), so the job will not replace it: "
                "it cannot tell which files there are its own. Choose another --out, or pass --force to replace "
                "the folder anyway."
            ) from exc
    foreign = foreign_entries(out, OWN_FILES)
    if foreign and not force:
        raise MapBuildError(describe_foreign(out, foreign))


def map_output(out: str | Path, *, force: bool = False, wait_s: float = 0.0) -> JobOutput:
    """The locked output of one map job: refuses, before and under the lock, an ``out`` it may not replace."""
    return JobOutput(
        out, PURPOSE, wait_s=wait_s, error=MapBuildError, replaceable=lambda path: check_replaceable(path, force)
    )


# ----- reading --------------------------------------------------------------------------------
def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(2**20):
            digest.update(chunk)
    return digest.hexdigest()


def check_source(vectors: str | Path) -> Path:
    """The vector file as a path, or ``MapBuildError`` when it is missing or not a regular file."""
    path = Path(vectors)
    if not path.exists():
        raise MapBuildError(f"The vector file {vectors} does not exist. Check the path.")
    if not path.is_file():
        raise MapBuildError(f"{vectors} is not a file; give the path of a vector file (word2vec, GloVe, .vec, TSV).")
    return path


# ----- writing --------------------------------------------------------------------------------
def write_points(folder: Path, keys: Sequence[str], coords: np.ndarray, levels: Sequence[np.ndarray]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, Any] = {"word": pa.array(keys, pa.string()), "rank": np.arange(len(keys), dtype=np.int32)}
    for j, name in enumerate(coordinate_columns(coords.shape[1])):
        columns[name] = np.ascontiguousarray(coords[:, j], dtype=np.float32)
    for level, labels in enumerate(levels):
        columns[cluster_column(level)] = np.asarray(labels, dtype=np.int32)
    pq.write_table(pa.table(columns), folder / POINTS, compression="zstd", row_group_size=ROW_GROUP_ROWS)


def write_labels(folder: Path, table: dict[str, Any]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {name: (pa.array(v, pa.string()) if name == "label" else v) for name, v in table.items()}
    pq.write_table(pa.table(columns), folder / LABELS, compression="zstd")


def write_neighbors(folder: Path, keys: Sequence[str], indices: np.ndarray, cosines: np.ndarray) -> None:
    """One row per (word, neighbour): word, neighbor, rank (1 nearest), cosine; words taken by index in Arrow,
    so no Python string is made per row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n, k = indices.shape
    words = pa.array(keys, pa.string())
    table = pa.table(
        {
            "word": words.take(pa.array(np.repeat(np.arange(n, dtype=np.int64), k))),
            "neighbor": words.take(pa.array(indices.ravel())),
            "rank": np.tile(np.arange(1, k + 1, dtype=np.int16), n),
            "cosine": cosines.ravel().astype(np.float32),
        }
    )
    pq.write_table(table, folder / NEIGHBORS, compression="zstd", row_group_size=ROW_GROUP_ROWS)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    with open(folder / MANIFEST, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())


# ----- the job ------------------------------------------------------------------------------
def build_map(
    vectors: str | Path,
    out: str | Path,
    *,
    method: str = "umap",
    dims: int = 2,
    limit: int | None = None,
    seed: int = 0,
    k: int = DEFAULT_K,
    clusters: Sequence[int] | None = None,
    force: bool = False,
    wait_s: float = 0.0,
    exact_max_rows: int | None = None,
    engine: str = "ivf",
    address: str | None = None,
    progress: Callable[[str], None] | None = _stderr,
) -> dict[str, Any]:
    """Build the map of the vector file ``vectors`` into the folder ``out``; returns its manifest.

    ``method``: "umap", "tsne" or "pca"; ``dims``: 2 or 3; ``limit``: keep the first N words of the
    file; ``k``: neighbours per word; ``clusters``: k-means sizes per level, coarse first (default
    :func:`explorer.map.contract.default_cluster_counts`); ``force``: replace an ``out`` holding
    files the map did not write; ``wait_s``: how long to wait for another job writing ``out``;
    ``exact_max_rows``: the largest set whose neighbours are searched exactly (default
    ``EXACT_MAX_ROWS``, read when called); ``engine``: the search above it, "ivf" (the app's inverted
    file, ``explorer.knnengine``) or "pynndescent"; ``address``: run the neighbour search as exact blocks
    in Ray tasks on the cluster at this address ("local": a Ray on this machine), at any size. Raises an
    ``ExplorerError`` (``MapBuildError``, ``VectorsError``, ``ProjectionError``) saying what to fix.
    """
    started = time.perf_counter()
    if method not in METHODS:
        raise MapBuildError(f"Unknown method {method!r}; use one of {', '.join(METHODS)}.")
    if dims not in (2, 3):
        raise MapBuildError(f"--dims must be 2 or 3; got {dims}.")
    if limit is not None and limit < 3:
        raise MapBuildError(f"--limit must be at least 3 words; got {limit}.")
    if not 1 <= k <= 1000:
        raise MapBuildError(f"--k must be between 1 and 1000 neighbours; got {k}.")
    if engine not in APPROXIMATE_ENGINES:
        raise MapBuildError(f"Unknown neighbour engine {engine!r}; use one of {', '.join(APPROXIMATE_ENGINES)}.")
    if clusters is not None and (len(clusters) < 2 or any(c < 2 for c in clusters)):
        raise MapBuildError(f"Cluster levels need at least two sizes of 2 or more, coarse first; got {list(clusters)}.")
    source = check_source(vectors)
    check_not_an_input(out, [source], MapBuildError)
    meter = Progress(progress)
    try:
        with map_output(out, force=force, wait_s=wait_s) as output:
            return _build(source, out, output, meter, method=method, dims=dims, limit=limit, seed=seed, k=k,
                          clusters=clusters, force=force, exact_max_rows=exact_max_rows, engine=engine, address=address,
                          started=started)  # fmt: skip
    finally:
        meter.close()


def unit_copy(matrix: np.ndarray) -> np.ndarray:
    """A float32 copy of ``matrix`` with every row at unit length (zero rows stay zero), made a block of
    rows at a time: the peak is the copy plus one block, not the float64 or (n, d) temporaries of a
    whole-matrix normalisation (1M x 300: 1.2 GB, against 3.6 GB)."""
    unit = np.empty(matrix.shape, dtype=np.float32)
    for start in range(0, len(matrix), UNIT_BLOCK_ROWS):
        stop = min(len(matrix), start + UNIT_BLOCK_ROWS)
        unit[start:stop] = unit_rows(np.asarray(matrix[start:stop], dtype=np.float32))
    return unit


def layout_epochs(n: int) -> int:
    """UMAP epochs for a map of ``n`` words: the Project page's (``default_umap_epochs``: 500 below
    5,000, 200 from there, as umap-learn) up to ``LARGE_MAP_ROWS``, ``LARGE_MAP_EPOCHS`` above.

    A seeded layout runs its epochs on one thread and each epoch touches every edge of the graph,
    so the epochs are most of a large map's time (1.7 CPU s an epoch at 1M x 15 neighbours). Measured
    on 100,000 planted words (docs/benchmarks.md, "Map job"), 100 epochs kept the trustworthiness
    (0.996), the k-NN kept and the planted clusters on the map within 0.01 of 200, in 57% of the time.

    >>> layout_epochs(2_000), layout_epochs(100_000), layout_epochs(1_000_000)
    (500, 200, 100)
    """
    from explorer.projection.params import default_umap_epochs

    return default_umap_epochs(n) if n <= LARGE_MAP_ROWS else LARGE_MAP_EPOCHS


def graph_width(method: str, n: int, k: int) -> int:
    """Neighbours per word the neighbour stage finds: the ``k`` the map stores, and for UMAP at least
    the n_neighbors - 1 its layout needs (it lays out the job's graph instead of building its own).

    >>> graph_width("umap", 100_000, 10), graph_width("pca", 100_000, 10), graph_width("umap", 100_000, 20)
    (14, 10, 20)
    """
    from explorer.projection.params import default_n_neighbors

    return max(k, default_n_neighbors(n) - 1) if method == "umap" else k


def _build(
    source: Path,
    out: str | Path,
    output: JobOutput,
    meter: Progress,
    *,
    method: str,
    dims: int,
    limit: int | None,
    seed: int,
    k: int,
    clusters: Sequence[int] | None,
    force: bool,
    exact_max_rows: int | None,
    engine: str,
    address: str | None,
    started: float,
) -> dict[str, Any]:
    from explorer.projection import project
    from explorer.projection.params import check_matrix, default_n_neighbors
    from explorer.vectors_io import load_vectors

    timings: dict[str, float] = {}
    meter.start("read", note=str(source))
    size = source.stat().st_size
    sha = file_sha256(source)
    try:
        wv = load_vectors(source, max_rows=limit)
    except VectorsError as exc:
        raise MapBuildError(f"{source} cannot be read as word vectors: {exc}") from exc
    for notice in wv.notices:
        meter.say(notice)
    keys = list(wv.keys)
    n, d = wv.vectors.shape
    matrix = check_matrix(wv.vectors, dims)  # finite float32, at least 3 rows, or a ProjectionError
    if n <= k:
        raise MapBuildError(f"{source.name} holds {n} words; a map with {k} neighbours per word needs more than {k}.")
    unit = unit_copy(matrix)
    del wv, matrix
    timings["read_s"] = meter.finish(f"{n:,} words x {d} dimensions")

    exact_max_rows = EXACT_MAX_ROWS if exact_max_rows is None else int(exact_max_rows)
    engine = "exact" if n <= exact_max_rows or address else engine
    width = graph_width(method, n, k)
    ray_info = None
    meter.start("neighbours", total=n, note=f"{engine}{' in Ray tasks' if address else ''}, k={width}")
    if address:
        from explorer.map.ray_engine import ray_exact_neighbors

        graph, graph_cosines, ray_info = ray_exact_neighbors(unit, width, address, meter)
    elif engine == "exact":
        graph, graph_cosines = exact_neighbors(unit, width, meter)
    elif engine == "ivf":
        graph, graph_cosines = ivf_neighbors(unit, width, seed, meter)
    else:
        graph, graph_cosines = approximate_neighbors(unit, width, seed, meter)
    meter.update(n, final=True)
    timings["neighbors_s"] = meter.finish()
    indices, cosines = graph[:, :k], graph_cosines[:, :k]  # what neighbors.parquet holds

    sample = min(n, RECALL_SAMPLE)
    meter.start("recall", total=sample, note=f"recall@{k} on {sample:,} words against exact neighbours")
    recall = measured_recall(unit, indices, RECALL_SAMPLE, seed)
    timings["recall_s"] = meter.finish(f"recall@{k} = {recall:.4f}")

    layout_params: dict[str, Any] = {}
    layout_graph = None
    if method == "umap":
        used = default_n_neighbors(n) - 1
        # UMAP's cosine distance is 1 - cos; float32 rounding can put a cosine a hair above 1.
        layout_graph = (graph[:, :used], np.maximum(1.0 - graph_cosines[:, :used], 0.0))
        layout_params["n_epochs"] = layout_epochs(n)
    meter.start(
        "layout",
        total=layout_params.get("n_epochs", 0),
        note=f"{method}, {dims}-D" + (", on the job's neighbour graph; progress in epochs" if layout_graph else ""),
    )
    projection = project(
        unit, method, n_components=dims, seed=seed, knn=layout_graph, progress=lambda done, _total: meter.update(done),
        **layout_params,
    )  # fmt: skip
    coords = np.asarray(projection.coords, dtype=np.float32)
    del layout_graph, graph, graph_cosines
    timings["layout_s"] = meter.finish(f"k-NN overlap on the map {projection.knn_overlap:.3f}")

    sizes = tuple(clusters) if clusters is not None else default_cluster_counts(n)
    sizes = tuple(int(min(c, n)) for c in sizes)
    meter.start("clusters", total=len(sizes) + 1, note=f"k-means at {len(sizes)} levels: {', '.join(map(str, sizes))}")
    levels = cluster_levels(unit, sizes, seed, progress=meter)
    labels = label_table(unit, coords, levels, keys)
    meter.update(len(sizes) + 1, final=True)
    timings["clusters_s"] = meter.finish()

    meter.start("write", total=4)
    folder = output.target
    folder.mkdir()
    write_points(folder, keys, coords, levels)
    meter.update(1)
    write_labels(folder, labels)
    write_neighbors(folder, keys, indices, cosines)
    meter.update(3)
    timings["write_s"] = round(time.perf_counter() - meter.started, 3)
    timings["total_s"] = round(time.perf_counter() - started, 3)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "name": Path(out).name,
        "source": {"name": source.name, "bytes": size, "sha256": sha,
                   "rows": n, "dims": d, "limit": limit},
        "method": method,
        "dims": dims,
        "seed": seed,
        "params": {key: value for key, value in projection.params.items()},
        "layout": {"knn_overlap": round(projection.knn_overlap, 4),
                   "trustworthiness": round(projection.trustworthiness, 4), "k": projection.k,
                   "n_scored": projection.n_scored,
                   "graph": ({"source": f"the job's neighbours ({engine})", "neighbors": used}
                             if method == "umap" else None)},
        "neighbors": {"k": k, "engine": engine, "exact_max_rows": exact_max_rows, "recall": round(recall, 4),
                      "recall_k": k, "recall_sample": sample, "space": "original, cosine", "ray": ray_info,
                      "searched": width,
                      "descent_degree": descent_degree(n, width) if engine == "pynndescent" else None},
        "levels": [{"level": i, "k": int(c), "column": cluster_column(i), "space": "original, k-means on unit vectors"}
                   for i, c in enumerate(sizes)],
        "counts": {"points": n, "labels": len(labels["label"]), "neighbors": int(indices.size)},
        "files": [POINTS, LABELS, NEIGHBORS, MANIFEST],
        "timings": timings,
        "peak_rss_mb": peak_rss_mb(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    write_manifest(folder, manifest)
    check_replaceable(output.out, force)  # again: someone may have put files there while the job ran
    output.commit_folder()
    meter.update(4, final=True)
    meter.finish(f"wrote {Path(out)}")
    return manifest


def peak_rss_mb() -> int | None:
    """This process's peak resident memory so far, in MB (``VmHWM``), or None where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def describe(manifest: dict[str, Any]) -> str:
    """One line saying what a build made.

    >>> describe({"name": "m", "counts": {"points": 5, "labels": 3}, "levels": [{}, {}], "method": "pca",
    ...           "neighbors": {"engine": "exact", "recall": 1.0, "k": 10}, "timings": {"total_s": 1.5}})
    'm: 5 words (pca), 3 labels at 2 levels, neighbours exact recall@10 1.000, 1.5 s'
    """
    nb = manifest["neighbors"]
    return (
        f"{manifest['name']}: {manifest['counts']['points']:,} words ({manifest['method']}), "
        f"{manifest['counts']['labels']:,} labels at {len(manifest['levels'])} levels, neighbours {nb['engine']} "
        f"recall@{nb['k']} {nb['recall']:.3f}, {manifest['timings']['total_s']:.1f} s"
    )
