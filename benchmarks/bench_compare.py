"""Compare: time of ``explorer.compare.compare`` for two 300-d vector sets sharing 10k, 50k and 100k words.

Neighbours come from the app's k-NN engine (``explorer.knnengine``): exact up to its exact size,
an inverted file (IVF) above it, with recall@10 measured on 1,000 sampled words. 50k also runs
with the exact search forced (``--exact-at``), so both times and both mean overlaps are side by side.

Data: synthetic, seeded. Set A: the shared words plus 5% of its own, 300-d, clustered (one
centre per 20 words, plus noise), so that neighbourhoods mean something. Set B: A's shared
vectors times a known random rotation plus Gaussian noise, 1% of the shared words moved to
another cluster (the planted changes), and 5% words of its own. For each size, in a fresh
process: wall and CPU seconds of ``compare(a, b, k=10)`` (neighbours in both sets, then the
alignment), the alignment alone, the products' floor (the multiply-adds of the neighbour search
at this machine's measured float32 matrix-product rate), residual, rotation error, mean
overlap, planted words found at the top of ``most_changed``, and the process's peak memory.
Peer, at the smallest size: the neighbours of one set by the symmetric tiles of
``explorer.compare.knn`` against full strips with ``torch.mm`` + ``torch.topk`` (twice the
products), both re-ranked in float64, which must give the same lists.

    .venv/bin/python benchmarks/bench_compare.py            # 10k, 50k, 100k shared words
    .venv/bin/python benchmarks/bench_compare.py --quick    # 2k and 20k
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks._report import markdown_table, write_section  # noqa: E402
from explorer.knnengine import EXACT_MAX_ROWS  # noqa: E402

DIM = 300
K = 10
NOISE = 0.1  # B's noise, per coordinate, against A's within-cluster spread of 0.5
PLANTED = 0.01  # share of shared words moved to another cluster in B
OWN = 0.05  # share of words each set has on its own
SIZES = [10_000, 50_000, 100_000]
QUICK_SIZES = [2_000, 20_000]
EXACT_AT = [50_000]  # sizes also run with the exact search forced
QUICK_EXACT_AT = [20_000]


def synthetic_pair(n: int, seed: int = 0):
    """(A, B, the rotation used, positions of the planted words among the shared ones)."""
    from explorer.vectors import WordVectors

    rng = np.random.default_rng(seed)
    own = int(n * OWN)
    clusters = max(2, (n + own) // 20)
    centres = rng.standard_normal((clusters, DIM), dtype=np.float32)
    labels = rng.integers(clusters, size=n + own)
    a_vec = centres[labels] + 0.5 * rng.standard_normal((n + own, DIM), dtype=np.float32)  # (n + own, DIM)
    q, r = np.linalg.qr(rng.standard_normal((DIM, DIM)))
    rotation = (q * np.sign(np.diag(r))).astype(np.float32)
    b_vec = a_vec[:n] @ rotation + NOISE * rng.standard_normal((n, DIM), dtype=np.float32)
    planted = np.sort(rng.choice(n, size=max(1, int(n * PLANTED)), replace=False))
    moved = centres[rng.integers(clusters, size=len(planted))] + 0.5 * rng.standard_normal(
        (len(planted), DIM), dtype=np.float32
    )
    b_vec[planted] = moved @ rotation
    b_own = (
        centres[rng.integers(clusters, size=own)] + 0.5 * rng.standard_normal((own, DIM), dtype=np.float32)
    ) @ rotation
    shared = [f"w{i}" for i in range(n)]
    a = WordVectors(shared + [f"a{i}" for i in range(own)], a_vec, name="A")
    b = WordVectors(shared + [f"b{i}" for i in range(own)], np.vstack([b_vec, b_own]), name="B")
    return a, b, rotation.astype(np.float64), planted


def matmul_rate() -> float:
    """Float32 multiply-adds per CPU second (all threads) of torch.mm on neighbour-search tiles.

    CPU time, unlike wall time, hardly changes when other work shares the cores.
    """
    import torch

    x = torch.randn(4096, DIM)
    out = torch.empty(2048, 2048)
    torch.mm(x[:2048], x[2048:].T, out=out)
    start, reps = time.process_time(), 30
    for _ in range(reps):
        torch.mm(x[:2048], x[2048:].T, out=out)
    return reps * 2048 * 2048 * DIM / (time.process_time() - start)


def one_size(n: int, peer: bool, exact: bool = False) -> dict[str, object]:
    """Everything for one size, in this process (run as a child, so peak memory is this size's).

    ``exact``: the engine's exact size raised above n, so the search is exact.
    """
    from explorer import knnengine
    from explorer.compare import compare, cosine_neighbours
    from explorer.compare.knn import EXTRA, _neighbours_torch, _rerank
    from explorer.linalg import centre_unit_rows, procrustes_fit, unit_rows

    cosine_neighbours(np.eye(4, dtype=np.float32), 2)  # load (or compile) the folding loops first
    knnengine.cosine_knn(np.eye(30, 4, dtype=np.float32) + 1, 2, exact_max_rows=0)  # and the IVF's
    if exact:
        knnengine.EXACT_MAX_ROWS = n
    a, b, rotation, planted = synthetic_pair(n)
    rate = matmul_rate()
    wall, cpu = time.perf_counter(), time.process_time()
    c = compare(a, b, k=K, device="cpu")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    start = time.perf_counter()
    units_a, _ = centre_unit_rows(a.vectors[c.rows_a])
    units_b, _ = centre_unit_rows(b.vectors[c.rows_b])
    procrustes_fit(units_b, units_a)
    align = time.perf_counter() - start
    del units_a, units_b
    top = set(c.most_changed(len(planted)))
    found = len(top & {c.words[i] for i in planted})
    out: dict[str, object] = {
        "n": n,
        "search": [c.search_a.describe(), c.search_b.describe()],
        "recall": [c.search_a.recall, c.search_b.recall],
        "probes": [c.search_a.probes, c.search_b.probes],
        "cells": c.search_a.cells,
        "wall": wall,
        "cpu": cpu,
        "align": align,
        "floor": 2 * (n * n / 2) * DIM / rate,  # CPU s: two sets, half of the n x n cosines each
        "rate": rate,
        "residual": c.residual,
        "rotation_error": float(np.abs(c.rotation - rotation.T).max()),
        "overlap": float(c.overlap.mean()),
        "found": found,
        "planted": len(planted),
        "only": (c.only_a, c.only_b),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if peer:
        import torch

        rows = np.ascontiguousarray(unit_rows(a.vectors[c.rows_a]))
        start = time.perf_counter()
        tiles = cosine_neighbours(rows, K)
        out["tiles"] = time.perf_counter() - start
        start = time.perf_counter()
        strips = _rerank(rows, _neighbours_torch(rows, K + EXTRA, torch.device("cpu")), K)
        out["strips"] = time.perf_counter() - start
        out["same"] = bool((tiles == strips).all())
    return out


def _neighbours_cell(r: dict) -> str:
    """How the run's neighbours were found: exact (forced or by size), or the IVF with both recalls."""
    if r["forced_exact"]:
        return "exact (forced)"
    if r["search"][0] == r["search"][1] == "exact":
        return "exact"
    recall = " / ".join(f"{x:.3f}" for x in r["recall"])
    probes = " / ".join(str(p) for p in r["probes"])
    return f"IVF, {probes} of {r['cells']} cells, recall@10 {recall}"


def target_text(results: list[dict]) -> str:
    """What the runs say about the target: Compare of 50k shared words in at most 5 s on 2 cores,
    its mean overlap within 0.02 of the exact one."""
    runs = {(r["n"], r["forced_exact"]): r for r in results}
    fast, exact = runs.get((50_000, False)), runs.get((50_000, True))
    if fast is None or exact is None:
        return ""
    gap = fast["overlap"] - exact["overlap"]
    close = abs(gap) <= 0.02
    idle = fast["cpu"] / 2  # both cores busy the whole time: the wall time on 2 idle cores, at best
    met = fast["wall"] <= 5 and close
    verdict = "met" if met else "not met"
    text = (
        f"\n**Target (Compare of 50,000 shared words x 300 in at most 5 s on 2 cores, mean overlap within 0.02 "
        f"of the exact computation): {verdict} in this run.** With the engine, compare took {fast['wall']:.1f} s "
        f"wall ({fast['cpu']:.1f} CPU-seconds: at best {idle:.1f} s on 2 idle cores, if both were busy throughout); "
        "with the exact search "
        f"forced, {exact['wall']:.1f} s wall ({exact['cpu']:.1f} CPU-seconds). Mean overlap {fast['overlap']:.4f} "
        f"against the exact {exact['overlap']:.4f}: a difference of {gap:+.4f}, "
        f"{'within' if close else 'outside'} 0.02.\n"
    )
    if not met and close and fast["wall"] > 5 >= idle:
        text += (
            "The wall time missed 5 s while other work shared the 2 cores (see the load average above); the "
            "CPU-seconds it used fit in 5 s of both cores.\n"
        )
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2k and 20k shared words (20k also exact)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one size
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--exact", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.peer, args.exact)))
        return

    load = os.getloadavg()[0]
    sizes = QUICK_SIZES if args.quick else SIZES
    runs = [(n, False) for n in sizes] + [(n, True) for n in (QUICK_EXACT_AT if args.quick else EXACT_AT)]
    runs.sort(key=lambda run: (run[0], run[1]))
    results = []
    for i, (n, exact) in enumerate(runs):
        cmd = [sys.executable, __file__, "--one", str(n)] + (["--peer"] if i == 0 else [])
        cmd += ["--exact"] if exact else []
        text = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT).stdout
        results.append(json.loads(text.strip().splitlines()[-1]) | {"forced_exact": exact})
        r = results[-1]
        print(
            f"{n:,} shared words ({r['search'][0]} / {r['search'][1]}): {r['wall']:.1f} s wall, "
            f"{r['cpu']:.1f} s CPU, mean overlap {r['overlap']:.4f}, residual {r['residual']:.3f}",
            flush=True,
        )

    rows = [
        [
            f"{r['n']:,}",
            _neighbours_cell(r),
            f"{r['only'][0]:,} / {r['only'][1]:,}",
            f"{r['wall']:.1f}",
            f"{r['cpu']:.1f}",
            f"{r['align']:.2f}",
            f"{r['floor']:.1f}",
            f"{r['residual']:.3f}",
            f"{r['rotation_error']:.1e}",
            f"{r['overlap']:.3f}",
            f"{r['found']} / {r['planted']}",
            f"{r['peak_mb']:,.0f}",
        ]
        for r in results
    ]
    headers = [
        "shared words",
        "neighbours",
        "only A / only B",
        "compare, wall s",
        "CPU s",
        "alignment s",
        "products' floor, CPU s",
        "residual",
        "max rotation error",
        "mean overlap",
        "planted found",
        "peak MB",
    ]
    table = markdown_table(headers, rows)
    first = results[0]
    peer_table = markdown_table(
        ["shared words", "neighbours of one set", "wall s", "same lists"],
        [
            [
                f"{first['n']:,}",
                "symmetric tiles + compiled fold + float64 re-ranking (explorer.compare.knn)",
                f"{first['tiles']:.2f}",
                "",
            ],
            [
                f"{first['n']:,}",
                "full strips, torch.mm + torch.topk (same float64 re-ranking)",
                f"{first['strips']:.2f}",
                "yes" if first["same"] else "no",
            ],
        ],
    )
    print(table)
    print(peer_table)
    if args.no_write:
        return
    target = target_text(results)
    command = "python benchmarks/bench_compare.py" + (" --quick" if args.quick else "")
    body = (
        f"`{command}` (load average {load:.1f} at the start, on 2 cores shared with other work).\n\n"
        "Synthetic data, seeded: set A is 300-d clustered vectors (one centre per 20 words, spread 0.5), "
        f"set B is A's shared vectors times a known random rotation plus noise ({NOISE} per coordinate), with "
        f"{PLANTED:.0%} of the shared words moved to another cluster (planted changes); each set has {OWN:.0%} "
        "words of its own. `compare(a, b, k=10)` finds the 10 nearest shared neighbours of every word in "
        "both sets through the app's k-NN engine (`explorer.knnengine`), then aligns B onto A (Procrustes over "
        f"the centred unit rows). Up to {EXACT_MAX_ROWS:,} words the search is exact (float32 tiles of 2048 x "
        "2048 cosines on and above the diagonal, folded by a compiled loop into running lists of 12 candidates "
        "per word, re-ranked by float64 cosines); above, an inverted file: spherical k-means cells (about "
        "sqrt(n)), each word searched exactly among the members of its nearest cells, as many cells as a "
        "calibration sample of 500 words says reach recall@10 0.99, the candidates re-ranked by the same "
        "float64 cosines; recall@10 is then measured on 1,000 other sampled words (A's, then B's, in the "
        "neighbours column). Rows marked *exact (forced)* raise the exact size above n: the exact computation "
        "beside it. The products' floor is the multiply-adds of an exact search divided by the float32 "
        "matrix-product rate measured in the same process. Each size runs in its "
        "own process; peak MB is that process's maximum resident memory. Max rotation error is the largest "
        "entry of |R - R_true^T|; planted found counts planted words among the top `most_changed` of the same "
        "length.\n\n"
        + table
        + target
        + "\nThe exact neighbour search grows as n^2 and is nearly all of its run's cost; the IVF's grows as "
        "about n^1.5, and the alignment (its own column) as n. CPU s counts both cores, so it exceeds wall time "
        "only when this run had them to itself. In the exact search the symmetric tiles halve the products of a "
        "plain strip search:\n\n" + peer_table
    )
    write_section("compare", "Compare: alignment and neighbour agreement of two vector sets", body)


if __name__ == "__main__":
    main()
