"""Compare: time of ``explorer.compare.compare`` for two 300-d vector sets sharing 10k, 50k and 100k words.

Data: synthetic, seeded. Set A: the shared words plus 5% of its own, 300-d, clustered (one
centre per 20 words, plus noise), so that neighbourhoods mean something. Set B: A's shared
vectors times a known random rotation plus Gaussian noise, 1% of the shared words moved to
another cluster (the planted changes), and 5% words of its own. For each size, in a fresh
process: wall and CPU seconds of ``compare(a, b, k=10)`` (exact neighbours in both sets, then the
alignment), the alignment alone, the products' floor (the multiply-adds of the neighbour search
at this machine's measured float32 matrix-product rate), residual, rotation error, mean
overlap, planted words found at the top of ``most_changed``, and the process's peak memory.
Peer, at the smallest size: the neighbours of one set by the symmetric tiles of
``explorer.compare.knn`` against full strips with ``torch.mm`` + ``torch.topk`` (twice the
products), both re-ranked in float64, which must give the same lists.

    .venv/bin/python benchmarks/bench_compare.py            # 10k, 50k, 100k shared words
    .venv/bin/python benchmarks/bench_compare.py --quick    # 2k and 10k
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

DIM = 300
K = 10
NOISE = 0.1  # B's noise, per coordinate, against A's within-cluster spread of 0.5
PLANTED = 0.01  # share of shared words moved to another cluster in B
OWN = 0.05  # share of words each set has on its own
SIZES = [10_000, 50_000, 100_000]
QUICK_SIZES = [2_000, 10_000]


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


def one_size(n: int, peer: bool) -> dict[str, object]:
    """Everything for one size, in this process (run as a child, so peak memory is this size's)."""
    from explorer.compare import compare, cosine_neighbours
    from explorer.compare.knn import EXTRA, _neighbours_torch, _rerank
    from explorer.linalg import centre_unit_rows, procrustes_fit, unit_rows

    cosine_neighbours(np.eye(4, dtype=np.float32), 2)  # load (or compile) the folding loops first
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2k and 10k shared words")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one size
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.peer)))
        return

    load = os.getloadavg()[0]
    sizes = QUICK_SIZES if args.quick else SIZES
    results = []
    for i, n in enumerate(sizes):
        cmd = [sys.executable, __file__, "--one", str(n)] + (["--peer"] if i == 0 else [])
        text = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT).stdout
        results.append(json.loads(text.strip().splitlines()[-1]))
        r = results[-1]
        print(
            f"{n:,} shared words: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, residual {r['residual']:.3f}",
            flush=True,
        )

    rows = [
        [
            f"{r['n']:,}",
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
    rate = np.median([r["rate"] for r in results]) / 1e9
    by_size = {r["n"]: r for r in results}
    target = ""
    if 50_000 in by_size:
        r = by_size[50_000]
        target = (
            f"\n**Target (under 5 s at 50k on 2 cores): not met.** At 50k, compare took {r['wall']:.1f} s wall and "
            f"{r['cpu']:.1f} CPU-seconds here; on 2 idle cores that is about {r['cpu'] / 2:.0f} s. The exact "
            "neighbour search needs 2 sets x 50,000^2 / 2 x 300 = 7.5e11 multiply-adds even with the symmetric "
            f"tiles; at the {rate:.0f} G multiply-adds per CPU-second that float32 matrix products reach on these "
            f"cores, the products alone take {r['floor']:.0f} CPU-seconds ({r['floor'] / 2:.0f} s on both cores), "
            "before any top-k work. Under 5 s needs approximate neighbours, fewer dimensions (PCA to 100 first "
            "would cut the products threefold), or a GPU (`compare(..., device='auto')` uses CUDA when present).\n"
        )
    command = "python benchmarks/bench_compare.py" + (" --quick" if args.quick else "")
    body = (
        f"`{command}` (load average {load:.1f} at the start, on 2 cores shared with other work).\n\n"
        "Synthetic data, seeded: set A is 300-d clustered vectors (one centre per 20 words, spread 0.5), "
        f"set B is A's shared vectors times a known random rotation plus noise ({NOISE} per coordinate), with "
        f"{PLANTED:.0%} of the shared words moved to another cluster (planted changes); each set has {OWN:.0%} "
        "words of its own. `compare(a, b, k=10)` finds the exact 10 nearest shared neighbours of every word in "
        "both sets (float32 tiles of 2048 x 2048 cosines on and above the diagonal, folded by a compiled loop "
        "into running lists of 12 candidates per word, re-ranked by float64 cosines), then aligns B onto A "
        "(Procrustes over the centred unit rows). The products' floor is the multiply-adds of that search "
        "divided by the float32 matrix-product rate measured in the same process. Each size runs in its "
        "own process; peak MB is that process's maximum resident memory. Max rotation error is the largest "
        "entry of |R - R_true^T|; planted found counts planted words among the top `most_changed` of the same "
        "length.\n\n"
        + table
        + target
        + "\nThe neighbour search is nearly all of the cost and grows as n^2; the alignment (its own column) "
        "grows as n. CPU s counts both cores, so it exceeds wall time only when this run had them to itself. "
        "The symmetric tiles halve the products of a plain strip search:\n\n" + peer_table
    )
    write_section("compare", "Compare: alignment and neighbour agreement of two vector sets", body)


if __name__ == "__main__":
    main()
