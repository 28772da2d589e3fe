"""k-NN engines on one set of 50,000 x 300 clustered vectors: build + query seconds and recall@10.

Data: set A of ``bench_compare.synthetic_pair`` (seeded, one centre per 20 words), at unit
length. Every engine finds each row's 10 nearest other rows by cosine (inner product of unit
rows), on the threads this process may use (2 here). Recall@10 is the share of the exact lists'
entries found, over all rows (the exact lists from ``explorer.compare.knn.cosine_neighbours``).
Engines: exact (blocked products); the IVF of ``explorer.knnengine`` (spherical k-means cells, rows
searched in their nearest cells, float64 re-ranking) at several probe counts; and, when installed,
faiss-cpu (IVF-Flat and HNSW), usearch (HNSW) and pynndescent (NN-descent, as the map job used).
faiss and usearch are not dependencies of the app; install them beside it to measure them:

    pip install --target /tmp/knnbench faiss-cpu==1.15.1 usearch==2.26.6
    PYTHONPATH=/tmp/knnbench .venv/bin/python benchmarks/bench_knn_engines.py --no-write
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks._report import markdown_table, write_section  # noqa: E402

K = 10
ENGINE_CHOICE = (
    "Chosen: the IVF of `explorer.knnengine`. All-pairs search is the Compare case (every word is a query), "
    "so a cell's queries and members meet in one matrix product, which a per-query index (faiss IVF, HNSW, "
    "NN-descent) cannot use; it needs no new package, its lists are re-ranked exactly as the exact path's, "
    "and the probes it needs are measured on the data rather than fixed, so vectors with little cluster "
    "structure get more probes (or the exact search) instead of a silently lower recall."
)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    """Share of the exact lists' entries that ``found`` (n, >= K) holds, rows taken in blocks."""
    hits = 0
    for s in range(0, len(exact), 4096):
        f, e = found[s : s + 4096, :K], exact[s : s + 4096]
        hits += int((f[:, :, None] == e[:, None, :]).any(axis=1).sum())
    return hits / exact.size


def drop_self(found: np.ndarray) -> np.ndarray:
    """(n, K) lists without each row's own index (engines that search the data itself return it)."""
    n = len(found)
    own = found == np.arange(n)[:, None]
    order = np.argsort(own, axis=1, kind="stable")  # the row itself to the end
    return np.take_along_axis(found, order, axis=1)[:, :K]


def run_ours(units: np.ndarray, probes: int | str) -> np.ndarray:
    """The engine as the app runs it ("calibrated": probes chosen for recall 0.99, recall measured on
    1,000 rows), or with a fixed number of probes and no recall check."""
    from explorer.knnengine import cosine_knn

    if probes == "calibrated":
        found = cosine_knn(units, K, exact_max_rows=0)
        print(f"  calibrated: {found.search}", flush=True)
        return found.indices
    return cosine_knn(units, K, exact_max_rows=0, probes=int(probes), sample=0).indices


def run_faiss_ivf(units: np.ndarray, nprobe: int) -> np.ndarray:
    import faiss

    from explorer.knnengine import cell_count

    n, d = units.shape
    cells = cell_count(n)
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, cells, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = 0
    index.train(units)
    index.add(units)
    index.nprobe = nprobe
    return drop_self(index.search(units, K + 1)[1])


def run_faiss_hnsw(units: np.ndarray, ef: int) -> np.ndarray:
    import faiss

    index = faiss.IndexHNSWFlat(units.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 40
    index.add(units)
    index.hnsw.efSearch = ef
    return drop_self(index.search(units, K + 1)[1])


def run_usearch(units: np.ndarray, dtype: str) -> np.ndarray:
    from usearch.index import Index

    from explorer.threads import available_cores

    threads = available_cores()
    index = Index(ndim=units.shape[1], metric="ip", dtype=dtype, connectivity=16, expansion_add=64, expansion_search=64)
    index.add(np.arange(len(units)), units, threads=threads)
    return drop_self(np.asarray(index.search(units, K + 1, threads=threads).keys, dtype=np.int64))


def run_pynndescent(units: np.ndarray, _: int) -> np.ndarray:
    from explorer.map.neighbors import approximate_neighbors

    return approximate_neighbors(units, K)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    load = os.getloadavg()[0]

    from benchmarks.bench_compare import synthetic_pair
    from explorer.compare.knn import cosine_neighbours
    from explorer.linalg import unit_rows

    a, _, _, _ = synthetic_pair(args.n)
    units = np.ascontiguousarray(unit_rows(a.vectors[: args.n]), dtype=np.float32)
    cosine_neighbours(units[:50], K)  # compile the folding loops before timing
    run_ours(units[:2000], 4)
    start, cpu = time.perf_counter(), time.process_time()
    exact = cosine_neighbours(units, K)
    results = [("exact (explorer.compare.knn)", "", time.perf_counter() - start, time.process_time() - cpu, 1.0)]
    print(f"exact: {results[0][2]:.1f} s", flush=True)
    engines = [
        (
            "IVF (explorer.knnengine)",
            run_ours,
            [("probes", "calibrated")] + [("probes", p) for p in (1, 2, 4, 8)],
        ),
        ("faiss IVF-Flat", run_faiss_ivf, [("nprobe", p) for p in (1, 2, 4)]),
        ("faiss HNSW32", run_faiss_hnsw, [("efSearch", 32)]),
        ("usearch HNSW16", run_usearch, [("dtype", t) for t in ("f32", "i8")]),
        ("pynndescent", run_pynndescent, [("n_neighbors", 30)]),
    ]
    for name, run, settings in engines:
        for label, value in settings:
            try:
                start, cpu = time.perf_counter(), time.process_time()
                found = run(units, value)
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            except ImportError as exc:
                print(f"{name}: not installed ({exc})", flush=True)
                break
            results.append((name, f"{label} {value}", seconds, cpu, recall(found, exact)))
            print(
                f"{name} {label} {value}: {seconds:.2f} s, {cpu:.2f} CPU s, recall@10 {results[-1][4]:.4f}", flush=True
            )
    table = markdown_table(
        ["engine", "setting", "build + query, wall s", "CPU s", "recall@10 (all rows)"],
        [[e, s, f"{t:.2f}", f"{c:.2f}", f"{r:.4f}"] for e, s, t, c, r in results],
    )
    print(table)
    if args.no_write:
        return
    body = (
        f"`PYTHONPATH=/tmp/knnbench python benchmarks/bench_knn_engines.py` (load average {load:.1f} at the start, "
        "on 2 cores shared with other work; faiss-cpu 1.15.1 and usearch 2.26.6 installed beside the app for "
        "this run only).\n\n"
        f"{args.n:,} x 300 clustered vectors (set A of the Compare benchmark, at unit length); every engine finds "
        "each row's 10 nearest other rows by cosine, on this process's 2 cores; recall@10 is the share of the "
        "exact lists' entries found, over all rows. *calibrated* is the engine as the app runs it: probes chosen "
        "on 500 rows for recall 0.99, recall then measured on 1,000 others (both included in the time). CPU s "
        "counts all threads.\n\n" + table + "\n\n" + ENGINE_CHOICE
    )
    write_section("knn-engines", "k-NN engines for Compare and neighbour queries", body)


if __name__ == "__main__":
    main()
