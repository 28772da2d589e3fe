"""Map page: bytes sent for the figure, time to read a map and build its figure, first draw in Chromium.

Data: synthetic maps written through the map job's own writers (``explorer.map.build.write_*``,
``explorer.map.contract``): n words ``w0..`` (2 to 7 characters, like real vocabularies' 5 to 9),
2-D positions in 30 Gaussian regions, 30 coarse and 120 fine clusters, 10 neighbours per word.
For each size: seconds to read the folder (``explorer.map.reader.read_map``), to build the figure
(``explorer.charts.wordmap.map_figure``) and to serialise it as Streamlit does
(``plotly.io.to_json(fig, validate=False)``), and the bytes of that JSON, per point too, against
the same coordinates written as JSON lists of numbers. With ``--chromium N``: the app serves an
N-word map and Chromium (``--disable-gpu``) opens the Map page; the time from navigation to the
WebGL trace holding every point, and the script finished.

    .venv/bin/python benchmarks/bench_map_page.py                       # 50k, 200k, 1M
    .venv/bin/python benchmarks/bench_map_page.py --chromium 200000 1000000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks._report import markdown_table, write_section  # noqa: E402

COARSE, FINE, K = 30, 120, 10
FINDINGS = (
    "Typed arrays cut x and y from 39.8 to 10.7 bytes a point (the base64 of 8 bytes); what is left is "
    "mostly the words for the hover (about 10 bytes a point here; more with real words) and the colour "
    "(1.3). A 1M-word map is 22 MB of figure JSON, sent again on every rerun of the page (a search, a "
    "click). Building the figure takes a fraction of a second at 1M because the words go to plotly as a "
    "numpy object array: as a list, plotly checks each item (1 s at 1M). The issue's target, every one of "
    "1,000,000 points drawn at most 15 s after the page opens, is compared with the Chromium table above: "
    "the first visit after a start also reads the map's Parquet files (about 4.4 s at 1M)."
)


def write_synthetic_map(folder: Path, n: int, seed: int = 0) -> None:
    """A complete map folder of ``n`` words, through the map job's writers (manifest last)."""
    from explorer.map.build import write_labels, write_manifest, write_neighbors, write_points
    from explorer.map.contract import FORMAT, VERSION

    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=10, size=(COARSE, 2))
    coarse = rng.integers(0, COARSE, size=n)
    fine = coarse * (FINE // COARSE) + rng.integers(0, FINE // COARSE, size=n)
    coords = (centres[coarse] + rng.normal(size=(n, 2))).astype(np.float32)
    keys = [f"w{i}" for i in range(n)]
    folder.mkdir(parents=True)
    write_points(folder, keys, coords, [coarse, fine])
    table: dict[str, list] = {"level": [], "cluster": [], "x": [], "y": [], "label": [], "size": []}
    for level, ids, count in ((0, coarse, COARSE), (1, fine, FINE)):
        for c in range(count):
            members = np.flatnonzero(ids == c)
            if not len(members):
                continue
            x, y = np.median(coords[members], axis=0)
            table["level"].append(level)
            table["cluster"].append(c)
            table["x"].append(float(x))
            table["y"].append(float(y))
            table["label"].append(" · ".join(keys[m] for m in members[:3]))
            table["size"].append(len(members))
    write_labels(folder, table)
    indices = rng.integers(0, n, size=(n, K)).astype(np.int64)
    cosines = np.sort(rng.uniform(0.3, 0.9, size=(n, K)).astype(np.float32), axis=1)[:, ::-1]
    write_neighbors(folder, keys, indices, cosines)
    write_manifest(
        folder,
        {
            "format": FORMAT, "version": VERSION, "method": "pca", "dims": 2,
            "levels": [{"level": 0, "k": COARSE}, {"level": 1, "k": FINE}],
            "counts": {"points": n, "labels": len(table["level"]), "neighbors": n * K},
            "neighbors": {"k": K, "engine": "exact", "recall": 1.0},
            "source": {"name": "synthetic", "rows": n, "dims": 2, "bytes": 0, "sha256": ""},
        },
    )  # fmt: skip


def measure(folder: Path, name: str) -> dict[str, float]:
    import plotly.io as pio

    from explorer.charts.wordmap import map_figure
    from explorer.map import reader

    t0 = time.perf_counter()
    data = reader.read_map(reader.open_map(folder, name))
    t1 = time.perf_counter()
    fig = map_figure(data)
    t2 = time.perf_counter()
    spec = pio.to_json(fig, validate=False)
    t3 = time.perf_counter()
    density = measure_density(data)
    as_lists = len(json.dumps(data.coords[:, 0].tolist())) + len(json.dumps(data.coords[:, 1].tolist()))
    trace = json.loads(spec)["data"][0]
    typed_xy = len(json.dumps(trace["x"])) + len(json.dumps(trace["y"]))
    words = len(json.dumps(trace["text"]))
    return {
        "n": len(data), "read_s": t1 - t0, "figure_s": t2 - t1, "json_s": t3 - t2, "bytes": len(spec),
        "xy_typed": typed_xy, "xy_lists": as_lists, "words": words, **density,
    }  # fmt: skip


def measure_density(data) -> dict[str, float]:  # noqa: ANN001 - explorer.map.reader.MapData
    """The density shading of a whole map: seconds to count it (best of 5, computed afresh each time, as the
    first visit after a start does; later runs of the page reuse it) and the bytes of its heatmap trace."""
    import plotly.io as pio

    from explorer.charts.wordmap import density_trace
    from explorer.map.density import cells_for, density_grid
    from explorer.map.viewport import robust_span

    c = data.coords
    x, y = robust_span(c[:, 0], 0.001, 0.02), robust_span(c[:, 1], 0.001, 0.02)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        grid = density_grid(c, x, y, cells=cells_for(len(c)))
        times.append(time.perf_counter() - t0)
    import plotly.graph_objects as go

    spec = json.loads(pio.to_json(go.Figure([density_trace(data)]), validate=False))  # in a figure: a typed array
    trace = json.dumps(spec["data"][0])
    return {"density_s": min(times), "density_bytes": len(trace), "density_cells": int(grid.levels.size)}


def chromium_first_draw(folder: Path, n: int) -> dict[str, float]:
    """Seconds from navigation to the map ``synthetic<n>`` (named in the link) drawn, first and second visit."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS, streamlit_app

    plot = '[data-testid="stPlotlyChart"] .js-plotly-plot'
    app = streamlit_app({"EXPLORER_MAP_DIR": str(folder)}, log_name="streamlit_bench_map.log")
    with app as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        runs = []
        for _ in range(2):  # the first visit also reads the map into the server's cache
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            t0 = time.perf_counter()
            page.goto(f"{url}/Map?map.name=synthetic{n}")
            page.wait_for_function(
                f"() => document.querySelector('{plot}')?._fullData?.[0]?.x?.length === {n}", timeout=300_000
            )
            drawn = time.perf_counter() - t0
            page.wait_for_function(
                "() => document.querySelector('[data-testid=\"stApp\"]')"
                "?.getAttribute('data-test-script-state') === 'notRunning'",
                timeout=300_000,
            )
            runs.append((drawn, time.perf_counter() - t0))
            rss_mb = _status_mb(url.pid, "VmRSS")
            page.context.close()
        browser.close()
    return {
        "cold_draw_s": runs[0][0], "cold_done_s": runs[0][1], "warm_draw_s": runs[1][0], "warm_done_s": runs[1][1],
        "rss_mb": rss_mb,
    }  # fmt: skip


def _status_mb(pid: int, field: str) -> float:
    """A memory field of /proc/PID/status (VmRSS, VmHWM) in MB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000, 1_000_000])
    parser.add_argument("--chromium", type=int, nargs="*", default=[], help="also time the first draw in Chromium")
    parser.add_argument(
        "--density-only", action="store_true", help="print the density shading's cost per size; write no report"
    )
    args = parser.parse_args()
    if args.density_only:
        from explorer.map import reader

        with tempfile.TemporaryDirectory(prefix="bench-map-") as tmp:
            for n in args.sizes:
                write_synthetic_map(Path(tmp) / f"synthetic{n}", n)
                data = reader.read_map(reader.open_map(tmp, f"synthetic{n}"))
                print(json.dumps({"n": n, **measure_density(data)}), flush=True)
        return
    rows, draws = [], []
    with tempfile.TemporaryDirectory(prefix="bench-map-") as tmp:
        maps = Path(tmp) / "maps"
        for n in sorted(set(args.sizes) | set(args.chromium)):
            name = f"synthetic{n}"
            write_synthetic_map(maps / name, n)
            if n in args.sizes:
                r = measure(maps, name)
                print(json.dumps(r), flush=True)
                rows.append(r)
        for n in args.chromium:
            d = chromium_first_draw(maps, n)
            print(json.dumps(d), flush=True)
            draws.append((n, d))
    table = markdown_table(
        ["words", "read map s", "build figure s", "to JSON s", "figure JSON MB", "bytes / point",
         "x, y as typed arrays (B/pt)", "x, y as JSON lists (B/pt)", "words for hover (B/pt)", "density s",
         "density KB"],
        [
            [f"{r['n']:,}", f"{r['read_s']:.2f}", f"{r['figure_s']:.2f}", f"{r['json_s']:.2f}",
             f"{r['bytes'] / 2**20:.1f}", f"{r['bytes'] / r['n']:.1f}", f"{r['xy_typed'] / r['n']:.1f}",
             f"{r['xy_lists'] / r['n']:.1f}", f"{r['words'] / r['n']:.1f}", f"{r['density_s']:.3f}",
             f"{r['density_bytes'] / 1024:.0f}"]
            for r in rows
        ],
    )  # fmt: skip
    body = (
        "What the Map page sends for a whole map: one `go.Scattergl` trace with float32 x and y and a uint8 "
        'colour per point, which plotly writes as base64 typed arrays (`{"dtype": "f4", "bdata": ...}`), '
        "the words as a JSON list for the hover, and the region names as annotations. Synthetic maps written "
        "through the map job's writers (30 coarse and 120 fine regions, 10 neighbours a word, words `w0..`). "
        "The machine: 2 cores, 24 GB, shared with other work (times are indicative only).\n\n" + table
    )
    if draws:
        body += (
            "\nChromium (`--disable-gpu`, software WebGL) opening the Map page (a link naming the map): seconds from "
            "navigation until the WebGL trace holds every point, and until the page's script finished; the first "
            "visit also reads the map into the server's cache, the second finds it there.\n\n"
            + markdown_table(
                [
                    "words",
                    "first visit: drawn s",
                    "first visit: done s",
                    "next visit: drawn s",
                    "next visit: done s",
                    "server RSS after two visits MB",
                ],  # fmt: skip
                [
                    [
                        f"{n:,}",
                        f"{d['cold_draw_s']:.1f}",
                        f"{d['cold_done_s']:.1f}",
                        f"{d['warm_draw_s']:.1f}",
                        f"{d['warm_done_s']:.1f}",
                        f"{d['rss_mb']:,.0f}",
                    ]
                    for n, d in draws
                ],
            )  # fmt: skip
        )
    sizes = " ".join(str(s) for s in args.sizes)
    body += "\n" + FINDINGS + "\n"
    chromium = " ".join(str(n) for n in args.chromium)
    body += f"\nRun: `.venv/bin/python benchmarks/bench_map_page.py --sizes {sizes}" + (
        f" --chromium {chromium}`." if chromium else "`."
    )
    write_section("map-page", "Map page: bytes sent and time to draw a whole map", body)


if __name__ == "__main__":
    main()
