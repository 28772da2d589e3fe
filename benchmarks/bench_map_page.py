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

With ``--deck N``: the same map drawn by deck.gl instead, through ``st.pydeck_chart`` in a minimal
Streamlit script (``DECK_SCRIPT``: an ``OrthographicView`` and one ``ScatterplotLayer`` over a DataFrame
of x, y, colour and word); the time from navigation until the deck's canvas shows the points (a
screenshot of the chart holding coloured pixels), the bytes the browser received over the websocket,
and the server's memory. Both engines' screenshots go to ``test-artifacts/``.

    .venv/bin/python benchmarks/bench_map_page.py                       # 50k, 200k, 1M
    .venv/bin/python benchmarks/bench_map_page.py --chromium 200000 1000000
    .venv/bin/python benchmarks/bench_map_page.py --sizes --chromium 200000 --deck 200000
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

ENGINES = (
    "Plotly `scattergl` (the Map page as it is) against deck.gl (`st.pydeck_chart`, an `OrthographicView` and one "
    "`ScatterplotLayer` over a DataFrame of x, y, colour and word, in a minimal script with no labels or density), "
    "both in Chromium with `--disable-gpu` (software WebGL): seconds from navigation until the points are drawn "
    "(Plotly: its WebGL trace holds every point; deck.gl: a screenshot of the chart holds coloured pixels), the "
    "websocket bytes the browser received for the view, and the server's memory after two visits. pydeck sends "
    "the DataFrame as indented JSON, one object per point; Streamlit gives it no binary path."
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


def chromium_first_draw(folder: Path, n: int, shots: Path | None = None) -> dict[str, float]:
    """Seconds from navigation to the map ``synthetic<n>`` (named in the link) drawn, first and second visit;
    the websocket bytes each visit received; a screenshot of each visit in ``shots``."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS, streamlit_app

    plot = '[data-testid="stPlotlyChart"] .js-plotly-plot'
    app = streamlit_app({"EXPLORER_MAP_DIR": str(folder)}, log_name="streamlit_bench_map.log")
    with app as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        runs = []
        for _ in range(2):  # the first visit also reads the map into the server's cache
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            received = count_received(page)
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
            runs.append((drawn, time.perf_counter() - t0, received[0]))
            if shots is not None:
                shots.mkdir(parents=True, exist_ok=True)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(shots / f"plotly_{n}_visit{len(runs)}.png"))
            rss_mb, hwm_mb = _status_mb(url.pid, "VmRSS"), _status_mb(url.pid, "VmHWM")
            page.context.close()
        browser.close()
    return {
        "cold_draw_s": runs[0][0], "cold_done_s": runs[0][1], "warm_draw_s": runs[1][0], "warm_done_s": runs[1][1],
        "rss_mb": rss_mb, "hwm_mb": hwm_mb, "cold_ws_mb": runs[0][2] / 2**20, "warm_ws_mb": runs[1][2] / 2**20,
    }  # fmt: skip


# The map drawn by deck.gl through st.pydeck_chart: what a deck.gl Map page would send at the least (no labels,
# no density, no search). pydeck writes a DataFrame as one JSON object per point ({"x": .., "y": .., "r": ..}),
# indented by two spaces a level, so x and y are rounded to 3 decimals first (a float32 written as a Python float
# takes 17 digits). pydeck turns every string prop into an accessor ("pixels" -> "@@=pixels"), so radiusUnits
# cannot be set: the radius is given in map units instead (an OrthographicView draws 2**zoom pixels a unit).
DECK_SCRIPT = """
import os

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from explorer.charts.wordmap import HEIGHT, PALETTE, marker_size
from explorer.map import reader
from explorer.map.viewport import robust_span

st.set_page_config(page_title="deck.gl map", layout="wide")


@st.cache_resource
def map_frame(folder: str, name: str) -> tuple[pd.DataFrame, list[float], float]:
    data = reader.read_map(reader.open_map(folder, name))
    rgb = np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in PALETTE], dtype=np.uint8)
    colours = rgb[data.clusters[0] % len(PALETTE)]
    c = data.coords.astype(np.float64)
    frame = pd.DataFrame({
        "x": np.round(c[:, 0], 3), "y": np.round(c[:, 1], 3),
        "r": colours[:, 0], "g": colours[:, 1], "b": colours[:, 2], "word": np.array(data.words, dtype=object),
    })
    (x0, x1), (y0, y1) = robust_span(c[:, 0], 0.001, 0.02), robust_span(c[:, 1], 0.001, 0.02)
    # OrthographicView: zoom is log2 of screen pixels per map unit; fit the span into about 1100 x HEIGHT px.
    zoom = float(np.log2(min(1100 / (x1 - x0), HEIGHT / (y1 - y0))))
    return frame, [(x0 + x1) / 2, (y0 + y1) / 2, 0.0], zoom


frame, target, zoom = map_frame(os.environ["DECK_MAP_DIR"], os.environ["DECK_MAP_NAME"])
layer = pdk.Layer(
    "ScatterplotLayer", data=frame, get_position="[x, y]", get_fill_color="[r, g, b]",
    get_radius=marker_size(len(frame)) / 2 / 2**zoom, pickable=True,
)
deck = pdk.Deck(
    layers=[layer], views=[pdk.View(type="OrthographicView", controller=True, flip_y=False)],
    initial_view_state=pdk.ViewState(target=target, zoom=zoom), map_style=None, tooltip={"text": "{word}"},
)
st.pydeck_chart(deck, height=HEIGHT)
"""


def deck_json_bytes(folder: Path, name: str) -> dict[str, float]:
    """Bytes of the deck.gl JSON spec st.pydeck_chart sends (``Deck.to_json()``), with x and y rounded to 3
    decimals as DECK_SCRIPT does and as float32 written unrounded; and seconds to write it."""
    import pandas as pd
    import pydeck as pdk

    from explorer.map import reader

    data = reader.read_map(reader.open_map(folder, name))
    c = data.coords

    def spec(x: np.ndarray, y: np.ndarray) -> tuple[int, float]:
        frame = pd.DataFrame({"x": x, "y": y, "r": np.zeros(len(c), np.uint8), "g": 0, "b": 0,
                              "word": np.array(data.words, dtype=object)})  # fmt: skip
        t0 = time.perf_counter()
        layer = pdk.Layer("ScatterplotLayer", data=frame, get_position="[x, y]", get_fill_color="[r, g, b]")
        text = pdk.Deck(layers=[layer], map_style=None).to_json()
        return len(text), time.perf_counter() - t0

    rounded, rounded_s = spec(np.round(c[:, 0].astype(np.float64), 3), np.round(c[:, 1].astype(np.float64), 3))
    raw, _ = spec(c[:, 0], c[:, 1])
    return {"deck_json_bytes": rounded, "deck_json_s": rounded_s, "deck_json_raw_bytes": raw}


def coloured_share(png: bytes) -> float:
    """The share of a screenshot's pixels that differ from its most common colour (the background) by more than
    40 in some channel: about zero before the points are drawn."""
    import io

    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(np.int16)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    background = colours[np.argmax(counts)]
    return float(np.mean(np.abs(pixels - background).max(axis=1) > 40))


def deck_first_draw(folder: Path, n: int, shots: Path) -> dict[str, float]:
    """Seconds from navigation until deck.gl has drawn the map ``synthetic<n>`` (the chart's screenshot holds
    coloured pixels, checked about every 0.1 s plus the screenshot's own time), first and second visit; the
    websocket bytes each visit received; the server's memory after the two."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS, streamlit_app

    chart = '[data-testid="stDeckGlJsonChart"]'
    script = folder.parent / "deck_map.py"
    script.write_text(DECK_SCRIPT, encoding="utf-8")
    env = {"DECK_MAP_DIR": str(folder), "DECK_MAP_NAME": f"synthetic{n}", "PYTHONPATH": str(ROOT)}
    shots.mkdir(parents=True, exist_ok=True)
    app = streamlit_app(env, log_name="streamlit_bench_deck.log", script=str(script))
    with app as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        runs = []
        for visit in range(2):
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            received = count_received(page)
            errors = console_errors(page)
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(chart, timeout=300_000)
            chart_s, shots_taken, share = time.perf_counter() - t0, 0, 0.0
            while time.perf_counter() - t0 < 300:
                shots_taken += 1
                share = coloured_share(page.locator(chart).screenshot(timeout=300_000))
                if share > 0.01:
                    break
                time.sleep(0.1)
            else:
                raise TimeoutError(f"no points on the deck.gl chart after 300 s ({share:.1%} coloured)")
            drawn = time.perf_counter() - t0
            page.wait_for_function(
                "() => document.querySelector('[data-testid=\"stApp\"]')"
                "?.getAttribute('data-test-script-state') === 'notRunning'",
                timeout=300_000,
            )
            done = time.perf_counter() - t0
            page.wait_for_timeout(1500)  # let the last frames arrive and paint before the picture
            page.screenshot(path=str(shots / f"deck_{n}_visit{visit + 1}.png"))
            runs.append(
                {
                    "chart": chart_s,
                    "shots": shots_taken,
                    "drawn": drawn,
                    "done": done,
                    "share": share,
                    "ws": received[0],
                    "errors": errors[:3],
                }
            )
            page.context.close()
        rss_mb, hwm_mb = _status_mb(url.pid, "VmRSS"), _status_mb(url.pid, "VmHWM")
        browser.close()
    return {
        "cold_draw_s": runs[0]["drawn"], "cold_done_s": runs[0]["done"], "warm_draw_s": runs[1]["drawn"],
        "warm_done_s": runs[1]["done"], "coloured_share": runs[1]["share"], "cold_ws_mb": runs[0]["ws"] / 2**20,
        "warm_ws_mb": runs[1]["ws"] / 2**20, "rss_mb": rss_mb, "hwm_mb": hwm_mb,
        "cold_chart_s": runs[0]["chart"], "shots": [r["shots"] for r in runs],
        "console_errors": runs[0]["errors"] + runs[1]["errors"],
    }  # fmt: skip


def count_received(page) -> list[int]:  # noqa: ANN001 - a playwright Page
    """A one-item list that counts the bytes of every websocket frame ``page`` receives from now on."""
    received = [0]

    def on_frame(payload: str | bytes) -> None:
        received[0] += len(payload)

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return received


def console_errors(page) -> list[str]:  # noqa: ANN001 - a playwright Page
    """The texts of the errors ``page`` logs to its console from now on."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def _status_mb(pid: int, field: str) -> float:
    """A memory field of /proc/PID/status (VmRSS, VmHWM) in MB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def engines_table(draws: list[tuple[int, dict]], decks: list[tuple[int, dict]]) -> str:
    """The Plotly Map page and the deck.gl script side by side, one row per engine and size."""
    rows = [
        [engine, f"{n:,}", f"{d['cold_draw_s']:.1f}", f"{d['warm_draw_s']:.1f}", f"{d['cold_ws_mb']:.1f}",
         f"{d['cold_ws_mb'] * 2**20 / n:.0f}", f"{d['rss_mb']:,.0f}", f"{d['hwm_mb']:,.0f}"]
        if "failed" not in d
        else [engine, f"{n:,}", f"not drawn: {d['failed']}", "", f"{d['deck_json_bytes'] / 2**20:.1f} (spec)",
              f"{d['deck_json_bytes'] / n:.0f} (spec)", "", ""]
        for engine, runs in (("Plotly scattergl, Map page", draws), ("deck.gl ScatterplotLayer, st.pydeck_chart", decks))
        for n, d in runs
    ]  # fmt: skip
    return markdown_table(
        ["engine", "words", "first visit: drawn s", "next visit: drawn s", "received per view MB",
         "received B / point", "server RSS MB", "server peak RSS MB"],
        rows,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[50_000, 200_000, 1_000_000])
    parser.add_argument("--chromium", type=int, nargs="*", default=[], help="also time the first draw in Chromium")
    parser.add_argument(
        "--deck", type=int, nargs="*", default=[], help="time deck.gl (st.pydeck_chart) drawing the same maps"
    )
    parser.add_argument(
        "--engines-only", action="store_true",
        help="print the Plotly / deck.gl comparison of --chromium and --deck as a table; write no report",
    )  # fmt: skip
    parser.add_argument("--shots", type=Path, default=ROOT / "test-artifacts" / "map-page", help="screenshots here")
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
    rows, draws, decks = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-map-") as tmp:
        maps = Path(tmp) / "maps"
        for n in sorted(set(args.sizes) | set(args.chromium) | set(args.deck)):
            name = f"synthetic{n}"
            write_synthetic_map(maps / name, n)
            if n in args.sizes:
                r = measure(maps, name)
                print(json.dumps(r), flush=True)
                rows.append(r)
        for n in args.chromium:
            d = chromium_first_draw(maps, n, args.shots)
            print(json.dumps({"engine": "plotly", "n": n, **d}), flush=True)
            draws.append((n, d))
        for n in args.deck:
            d = deck_json_bytes(maps, f"synthetic{n}")
            try:
                d.update(deck_first_draw(maps, n, args.shots))
            except Exception as exc:  # noqa: BLE001 - a page that never draws is a result, reported as such
                d["failed"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            print(json.dumps({"engine": "deck", "n": n, **d}), flush=True)
            decks.append((n, d))
    if args.engines_only:
        print(engines_table(draws, decks))
        return
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
    if decks:
        body += "\n" + ENGINES + "\n\n" + engines_table(draws, decks)
    chromium = " ".join(str(n) for n in args.chromium)
    deck = " ".join(str(n) for n in args.deck)
    body += (
        f"\nRun: `.venv/bin/python benchmarks/bench_map_page.py --sizes {sizes}"
        + (f" --chromium {chromium}" if chromium else "")
        + (f" --deck {deck}" if deck else "")
        + "`."
    )
    write_section("map-page", "Map page: bytes sent and time to draw a whole map", body)


if __name__ == "__main__":
    main()
