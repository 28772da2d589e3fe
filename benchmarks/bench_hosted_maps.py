"""Peak memory of the hosted maximum map: a 20,000-point t-SNE and UMAP of the reference set, hosted mode.

Each method runs in a fresh process with ``EXPLORER_HOSTED=1`` that loads what the hosted app loads
before a visitor's first map (the bundled transformer, its reference vector set, every Context
preset in the result cache, the UMAP and t-SNE warm-ups), then asks for the map through the app's
own code path (``explorer.cache.get_projection``: result cache, admission gate under the 1,536 MB
ceiling, ``projection.project``). It reports resident memory (VmRSS) after each stage, the peak
(VmHWM, reset just before the map through /proc/self/clear_refs) and what the gate decided.

    .venv/bin/python benchmarks/bench_hosted_maps.py            # 20,000 points (the hosted maximum)
    .venv/bin/python benchmarks/bench_hosted_maps.py --quick    # 5,000 points
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._report import markdown_table, write_section  # noqa: E402

CEILING_MB = 1536


def _mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> bool:
    """Start VmHWM again from the current RSS (Linux: writing 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def child(method: str, points: int, dims: int) -> dict[str, object]:
    """Run in a fresh hosted process: load what the app loads, then one map through the cache layer."""
    os.environ["EXPLORER_HOSTED"] = "1"
    stages: list[tuple[str, float]] = []
    from explorer import cache
    from explorer import projection as proj
    from explorer.admission import BYTES_PER_PROJECTED_POINT
    from explorer.errors import ExplorerError
    from explorer.settings import get_settings

    settings = get_settings()
    stages.append(("imports (explorer.cache, hosted)", _mb("VmRSS")))
    cache.get_embedder(None, "cpu")
    wv = cache.get_reference_vectors(None, "cpu")
    stages.append((f"transformer and reference set ({len(wv):,} words)", _mb("VmRSS")))
    cache.warm_context_presets(None, "cpu")
    stages.append(("Context presets in the result cache", _mb("VmRSS")))
    cache.start_umap_warmup().join()
    cache.start_tsne_warmup().join()
    stages.append(("UMAP and t-SNE warm-ups", _mb("VmRSS")))
    n = min(points, settings.max_points, len(wv))
    chosen = proj.choose_words(wv, n)
    before = _mb("VmRSS")
    reset = _reset_peak()
    start = time.perf_counter()
    outcome = "ok"
    try:
        result = cache.get_projection(chosen.vectors, method, dims, 0, {})
        outcome = f"ok in {time.perf_counter() - start:.0f} s (k-NN kept {result.knn_overlap:.0%})"
    except ExplorerError as exc:
        outcome = f"refused: {exc}"
    peak = _mb("VmHWM")
    stages.append(("after the map", _mb("VmRSS")))
    return {
        "method": f"{method} {dims}-D",
        "points": n,
        "stages": stages,
        "before_mb": before,
        "peak_mb": peak if reset else float("nan"),
        "estimate_mb": n * BYTES_PER_PROJECTED_POINT / 2**20,
        "ceiling_mb": (settings.max_memory_bytes or 0) / 2**20,
        "outcome": outcome,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 points instead of 20,000")
    parser.add_argument("--child", choices=["tsne", "umap"], help=argparse.SUPPRESS)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--dims", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--no-3d", action="store_true", help="only the 2-D maps (3-D t-SNE takes minutes on 2 cores)")
    args = parser.parse_args()
    points = 5_000 if args.quick else args.points
    if args.child:
        print("RESULT " + json.dumps(child(args.child, points, args.dims)))
        return
    rows, runs = [], []
    maps = [(m, d) for d in ((2,) if args.no_3d else (2, 3)) for m in ("tsne", "umap")]
    for method, dims in maps:
        env = dict(os.environ, EXPLORER_HOSTED="1", PYTHONUNBUFFERED="1")
        cmd = [sys.executable, __file__, "--child", method, "--points", str(points), "--dims", str(dims)]
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if line is None:
            raise SystemExit(f"{method} {dims}-D child failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        run = json.loads(line[len("RESULT ") :])
        runs.append(run)
        for stage, rss in run["stages"]:
            rows.append([method, stage, f"{rss:,.0f}", ""])
        rows[-1][3] = run["outcome"][:160]
        print(json.dumps(run, indent=1), flush=True)
    summary = markdown_table(
        ["method", "points", "RSS before the map MB", "peak MB", "added at the peak MB", "gate's estimate MB"],
        [
            [
                r["method"],
                f"{r['points']:,}",
                f"{r['before_mb']:,.0f}",
                f"{r['peak_mb']:,.0f}",
                f"{r['peak_mb'] - r['before_mb']:,.0f}",
                f"{r['estimate_mb']:,.0f}",
            ]
            for r in runs
        ],
    )
    body = (
        "Each method in a fresh process with `EXPLORER_HOSTED=1` (ceiling "
        f"{CEILING_MB:,} MB) that first loads what the hosted app loads before a visitor's first map "
        "(bundled transformer, reference set, the Context presets, the UMAP and t-SNE warm-ups), then asks "
        "`explorer.cache.get_projection` (result cache, admission gate, projection) for a 2-D map of the "
        "most frequent words of the reference set. Peak is VmHWM from /proc, reset just before the map. "
        "The machine: 2 cores, 24 GB, shared with other work (times are indicative only).\n\n"
        + markdown_table(["method", "stage", "RSS MB", "outcome"], rows)
        + "\n"
        + summary
        + f"\nRun: `.venv/bin/python benchmarks/bench_hosted_maps.py{' --quick' if args.quick else ''}"
        + f"{' --no-3d' if args.no_3d else ''}`."
    )
    write_section("hosted-maps", f"Hosted maximum maps: peak memory of a {points:,}-point t-SNE and UMAP", body)


if __name__ == "__main__":
    main()
