"""Memory of the running app: resident set size of the Streamlit process at each step of a visit.

Starts ``streamlit run app.py`` on 127.0.0.1 (pinned to core 0; this script and Chromium on
core 1), then drives one Chromium session through the app: the home page (which loads the
bundled transformer), a training on the Train page (the x100 step button), and a 10,000-point
UMAP on the Project page. After each step it reads VmRSS (now) and VmHWM (peak so far) of the
server from /proc. The target is to stay inside 1.5 GB, the memory of a small free hosting tier.
It runs in default mode and in hosted mode (``EXPLORER_HOSTED=1``: memory ceiling, fewer malloc
arenas, byte-bounded caches). Run it alone: ``.venv/bin/python benchmarks/bench_memory.py``, with no other heavy work on the machine.

    .venv/bin/python benchmarks/bench_memory.py            # 10,000-point UMAP
    .venv/bin/python benchmarks/bench_memory.py --quick    # 2,000-point UMAP
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._report import markdown_table, write_section  # noqa: E402
from benchmarks.bench_load import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

TARGET_MB = 1536
STEP_TIMEOUT_MS = 600_000  # a 10k-point UMAP on two busy cores can take minutes


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB, from /proc/<pid>/status."""
    fields: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(rest.split()[0]) / 1024  # kB -> MB
    return fields["VmRSS"], fields["VmHWM"]


def settle(page, timeout_ms: int = STEP_TIMEOUT_MS) -> None:
    """Wait until the app has drawn and its script is no longer running."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_timeout(800)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(500)


def problems(page) -> str | None:
    """The first exception or error box on the page, if any."""
    boxes = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    return boxes.first.inner_text()[:200] if boxes.count() else None


def step_home(page, url: str) -> str | None:
    page.goto(url, timeout=60_000)
    settle(page)
    page.get_by_text("layers, ready").first.wait_for(timeout=STEP_TIMEOUT_MS)
    return problems(page)


def step_train(page, url: str) -> str | None:
    if not (ROOT / "pages" / "1_Train.py").exists():
        return "not measured: pages/1_Train.py is not there"
    page.goto(f"{url}/Train", timeout=60_000)
    settle(page)
    button = page.get_by_role("button", name=re.compile(r"(x|×)\s?100"))
    try:
        button.first.wait_for(timeout=STEP_TIMEOUT_MS)
    except Exception:  # noqa: BLE001 - reported as a row
        return "not measured: no x100 button on the Train page"
    button.first.click()
    page.wait_for_timeout(1500)
    settle(page)
    return problems(page)


def step_project(page, url: str, n_points: int) -> str | None:
    if not (ROOT / "pages" / "2_Project.py").exists():
        return "not measured: pages/2_Project.py is not there"
    link = f"{url}/Project?project.method=umap&project.n_words={n_points}&project.dims=2&project.seed=0"
    page.goto(link, timeout=60_000)
    settle(page)
    run = page.get_by_role("button", name=re.compile(r"^(Project|Run|Compute)", re.I))
    if run.count():
        run.first.click()
        settle(page)
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=STEP_TIMEOUT_MS)
    shown = page.get_by_label(re.compile("Number of words")).first.input_value().replace(",", "")
    if shown != str(n_points):
        return f"the page projected {shown} words, not {n_points:,}"
    return problems(page)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 2,000-point UMAP instead of 10,000")
    args = parser.parse_args()
    n_points = 2_000 if args.quick else 10_000
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}; nothing measured.")
        return 1
    from playwright.sync_api import sync_playwright

    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})  # this script and its Chromium stay off the server's core
    rows: list[list[object]] = []
    peaks: dict[str, float] = {}
    for mode in ("default", "hosted"):
        peak = 0.0
        env = {"EXPLORER_HOSTED": "1" if mode == "hosted" else "0"}
        with (
            streamlit_server(env, log_name=f"bench_memory_server_{mode}.log", cpus="0") as (url, pid),
            sync_playwright() as pw,
        ):
            time.sleep(2)
            rss, hwm = memory_mb(pid)
            rows.append([mode, "server started", f"{rss:.0f}", f"{hwm:.0f}", ""])
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            steps = [
                ("home page, bundled transformer loaded", step_home, ()),
                ("after a training (Train page, x100)", step_train, ()),
                (f"after a {n_points:,}-point UMAP (Project page)", step_project, (n_points,)),
            ]
            for label, run, extra in steps:
                t0 = time.perf_counter()
                try:
                    note = run(page, url, *extra)
                except Exception as exc:  # noqa: BLE001 - a failed step is a row in the report
                    note = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
                rss, hwm = memory_mb(pid)
                peak = max(peak, hwm)
                rows.append(
                    [mode, label, f"{rss:.0f}", f"{hwm:.0f}", note or f"ok in {time.perf_counter() - t0:.0f} s"]
                )
                print(rows[-1], flush=True)
            browser.close()
        peaks[mode] = peak
    peak = max(peaks.values())

    table = markdown_table(["mode", "step", "RSS MB", "peak RSS MB", "note"], rows)
    verdict = "inside" if peak <= TARGET_MB else "over"
    print(table)
    print(f"peaks {peaks}: {verdict} the {TARGET_MB} MB target")
    body = (
        "Resident memory of the `streamlit run app.py` process (VmRSS now, VmHWM peak so far, from "
        "/proc), in default and in hosted mode, while one browser session visits the home page (which loads "
        "the bundled transformer), "
        f"trains on the Train page (x100) and projects {n_points:,} points with UMAP on the Project page. "
        f"Target: inside {TARGET_MB} MB (a small free hosting tier).\n\n"
        + table
        + f"\nPeak: **{peaks['default']:.0f} MB** in default mode, **{peaks['hosted']:.0f} MB** hosted; {verdict} "
        "the target. Server on core 0, browser on core 1. "
        "Run: `.venv/bin/python benchmarks/bench_memory.py`."
    )
    write_section("memory", "Memory of the running app", body)
    return 0 if peak <= TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
