"""Peak memory of the hosted maximum maps: t-SNE and UMAP of the reference set in hosted mode.

Each method runs in a fresh process with ``EXPLORER_HOSTED=1`` that loads what the hosted app loads
before a visitor's first map (the bundled transformer, its reference vector set, every Context
preset in the result cache, the UMAP and t-SNE warm-ups), then asks for the map through the app's
own code path (``explorer.cache.get_projection``: result cache, admission gate under the 1,536 MB
ceiling, ``projection.project``). It reports resident memory (VmRSS) after each stage, the peak
(VmHWM, reset just before the map through /proc/self/clear_refs) and what the gate decided. Sizes:
the hosted t-SNE / UMAP maximum (``Settings.max_layout_points``, 10,000) and 20,000 (the hosted
maximum of PCA, which t-SNE and UMAP had before; the children lift the layout cap to measure it).

    .venv/bin/python benchmarks/bench_hosted_maps.py            # 10,000 and 20,000 points; 3-D at 10,000
    .venv/bin/python benchmarks/bench_hosted_maps.py --no-3d    # 2-D only (3-D t-SNE takes minutes)
    .venv/bin/python benchmarks/bench_hosted_maps.py --quick    # 4,000 points, 2-D
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
FINDINGS = (
    "Before this benchmark the gate asked 24,000 bytes a point (458 MB for 20,000) and refused a 20,000-p"
    "oint UMAP at 1,161 MB in use; the maps themselves added 334 MB (t-SNE) and 200 MB (UMAP), most of it"
    " two whole float64 copies in PCA and 2^24-score k-NN blocks. PCA now works in blocks of rows and k-N"
    "N in 2^22-score blocks; most of what is left does not grow with the points, so the gate asks a base "
    "plus a share per point (`admission.projection_cost`: 150 MB + 6,000 B a point). The gate also keeps "
    "100 MB free for work it does not count (`admission.UNSEEN_WORK_RESERVE`: drawing the map, training s"
    "teps, other pages), so a map is admitted while the server holds up to about 1.23 GB: the hosted t-SN"
    "E / UMAP maximum is 10,000 points (`EXPLORER_MAX_LAYOUT_POINTS`), PCA's stays at 20,000. A server th"
    "at one visitor has used on every page holds 1.25-1.35 GB (hosted sweep below); there the next t-SNE "
    "or UMAP map is refused with a message until memory frees."
)


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
    os.environ["EXPLORER_MAX_LAYOUT_POINTS"] = str(points)  # measure sizes above the hosted t-SNE / UMAP cap too
    stages: list[tuple[str, float]] = []
    from explorer import cache
    from explorer import projection as proj
    from explorer.admission import projection_cost
    from explorer.errors import ExplorerError
    from explorer.limits import map_points_cap
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
    n = min(points, map_points_cap(settings, method), len(wv))
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
        "estimate_mb": projection_cost(n) / 2**20,
        "ceiling_mb": (settings.max_memory_bytes or 0) / 2**20,
        "outcome": outcome,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,000 points, 2-D only")
    parser.add_argument("--child", choices=["tsne", "umap"], help=argparse.SUPPRESS)
    parser.add_argument("--points", type=int, default=20_000, help=argparse.SUPPRESS)
    parser.add_argument("--dims", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--no-3d", action="store_true", help="only the 2-D maps (3-D t-SNE takes minutes on 2 cores)")
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.points, args.dims)))
        return
    runs = []
    if args.quick:
        maps = [(m, 2, 4_000) for m in ("tsne", "umap")]
    else:
        maps = [(m, 2, n) for n in (10_000, 20_000) for m in ("tsne", "umap")]
        maps += [] if args.no_3d else [(m, 3, 10_000) for m in ("tsne", "umap")]
    for method, dims, points in maps:
        env = dict(os.environ, EXPLORER_HOSTED="1", PYTHONUNBUFFERED="1")
        cmd = [sys.executable, __file__, "--child", method, "--points", str(points), "--dims", str(dims)]
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if line is None:
            raise SystemExit(f"{method} {dims}-D child failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        run = json.loads(line[len("RESULT ") :])
        runs.append(run)
        print(json.dumps(run, indent=1), flush=True)
    rows = [[stage, f"{rss:,.0f}"] for stage, rss in runs[0]["stages"][:-1]]  # the same in every child
    summary = markdown_table(
        ["map", "points", "RSS before MB", "peak MB", "added at the peak MB", "gate's estimate MB", "outcome"],
        [
            [
                r["method"],
                f"{r['points']:,}",
                f"{r['before_mb']:,.0f}",
                f"{r['peak_mb']:,.0f}",
                f"{r['peak_mb'] - r['before_mb']:,.0f}",
                f"{r['estimate_mb']:,.0f}",
                r["outcome"][:140],
            ]
            for r in runs
        ],
    )
    body = (
        "Each method in a fresh process with `EXPLORER_HOSTED=1` (ceiling "
        f"{CEILING_MB:,} MB) that first loads what the hosted app loads before a visitor's first map "
        "(bundled transformer, reference set, the Context presets, the UMAP and t-SNE warm-ups), then asks "
        "`explorer.cache.get_projection` (result cache, admission gate, projection) for a 2-D map of the "
        "most frequent words of the reference set, or a 3-D one (the children lift `EXPLORER_MAX_LAYOUT_POINTS`, hosted "
        "10,000, to measure 20,000). Peak is VmHWM from /proc, reset just before the map. "
        "The machine: 2 cores, 24 GB, shared with other work (times are indicative only).\n\n"
        + "What a hosted process holds before its first map (first child):\n\n"
        + markdown_table(["stage", "RSS MB"], rows)
        + "\n"
        + summary
        + "\n"
        + FINDINGS
        + "\n"
        + f"\nRun: `.venv/bin/python benchmarks/bench_hosted_maps.py{' --quick' if args.quick else ''}"
        + f"{' --no-3d' if args.no_3d else ''}`."
    )
    write_section("hosted-maps", "Hosted maximum maps: peak memory of t-SNE and UMAP", body)


if __name__ == "__main__":
    main()
