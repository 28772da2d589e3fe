"""Load test: N browser sessions open the Context page at once and wait for its heatmap.

Starts ``streamlit run app.py`` on 127.0.0.1 (never any other host), warms it with one session
(the transformer loads once per process), then for N = 1, 5, 10 opens N Chromium contexts at the
same moment, each on a link to a Context preset, and times navigation to a drawn heatmap. Reports
errors (exception boxes, st.error, page crashes, timeouts; target: none) and the median and p95
times. Sessions use different presets, so the shared result cache is exercised as well as the
model.

    .venv/bin/python benchmarks/bench_load.py            # N = 1, 5, 10
    .venv/bin/python benchmarks/bench_load.py --quick    # N = 1, 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._report import markdown_table, write_section  # noqa: E402

HOST = "127.0.0.1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
PRESETS = ["bank", "charge", "bat", "light", "spring"]
CHART = '[data-testid="stPlotlyChart"] .main-svg'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
SESSION_TIMEOUT_S = 240.0  # one session's bound: open, compute, draw


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def streamlit_server(
    env: dict[str, str] | None = None, log_name: str = "bench_server.log", cpus: str | None = None
) -> Iterator[tuple[str, int]]:
    """Run the app headless on 127.0.0.1 and a free port; yield (url, pid); stop it afterwards.

    ``cpus`` (taskset's list, such as "0") pins the server to those cores.
    """
    port = free_port()
    log_path = ROOT / "test-artifacts" / log_name
    log_path.parent.mkdir(exist_ok=True)
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--server.address", HOST, "--server.port", str(port),
    ]  # fmt: skip
    if cpus is not None:
        cmd = ["taskset", "-c", cpus, *cmd]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=dict(os.environ, **(env or {})), stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://{HOST}:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited early; see {log_path}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not become healthy within 120 s")
                time.sleep(0.3)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@dataclass(frozen=True)
class SessionResult:
    seconds: float | None  # None: no chart (see error)
    error: str | None


async def one_session(browser, url: str, preset: str) -> SessionResult:
    """Open the Context page on a preset link and wait until its heatmap is drawn."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    crashes: list[str] = []
    page.on("pageerror", lambda exc: crashes.append(str(exc)[:200]))
    start = time.perf_counter()
    try:
        await page.goto(f"{url}/Context?context.source=preset&context.preset={preset}", timeout=60_000)
        chart = page.locator(CHART).first
        errors = page.locator(ERRORS).first
        waited = asyncio.ensure_future(chart.wait_for(state="visible", timeout=SESSION_TIMEOUT_S * 1000))
        failed = asyncio.ensure_future(errors.wait_for(state="visible", timeout=SESSION_TIMEOUT_S * 1000))
        done, pending = await asyncio.wait({waited, failed}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        seconds = time.perf_counter() - start
        if failed in done and not failed.exception():
            return SessionResult(None, "error box: " + (await errors.inner_text())[:200])
        if waited.exception():
            return SessionResult(None, f"no chart: {type(waited.exception()).__name__}")
        if crashes:
            return SessionResult(seconds, "page error: " + crashes[0])
        return SessionResult(seconds, None)
    except Exception as exc:  # noqa: BLE001 - every failure is a row in the report
        return SessionResult(None, f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await context.close()


async def run_level(url: str, n: int) -> list[SessionResult]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            return list(await asyncio.gather(*(one_session(browser, url, PRESETS[i % len(PRESETS)]) for i in range(n))))
        finally:
            await browser.close()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 1, 3 only")
    parser.add_argument("--levels", type=int, nargs="*", help="session counts (default 1 5 10)")
    args = parser.parse_args()
    levels = args.levels or ([1, 3] if args.quick else [1, 5, 10])
    levels = [max(1, min(n, 20)) for n in levels]  # bounded: at most 20 browsers at once
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}; nothing measured.")
        return 1

    rows: list[list[object]] = []
    load_before = os.getloadavg()[0]
    with streamlit_server(log_name="bench_load_server.log") as (url, _pid):
        t0 = time.perf_counter()
        warm = asyncio.run(run_level(url, 1))[0]
        cold = time.perf_counter() - t0
        print(f"warm-up (cold start, loads the transformer): {cold:.1f} s, error: {warm.error}")
        for n in levels:
            t0 = time.perf_counter()
            results = asyncio.run(run_level(url, n))
            wall = time.perf_counter() - t0
            times = [r.seconds for r in results if r.seconds is not None and r.error is None]
            errors = [r.error for r in results if r.error]
            row = [
                n,
                len(errors),
                f"{statistics.median(times):.2f}" if times else "-",
                f"{p95(times):.2f}" if times else "-",
                f"{max(times):.2f}" if times else "-",
                f"{wall:.1f}",
            ]
            rows.append(row)
            print(f"N={n}: errors={len(errors)} median={row[2]} s p95={row[3]} s max={row[4]} s wall={row[5]} s")
            for e in errors[:5]:
                print("   ", e)

    load_after = os.getloadavg()[0]
    headers = ["sessions at once", "errors", "median s to chart", "p95 s to chart", "max s", "wall s"]
    table = markdown_table(headers, rows)
    print(table)
    body = (
        "N Chromium sessions open the Context page on a preset link at the same moment (presets rotate "
        "over bank, charge, bat, light, spring) and wait for the similarity heatmap; time is from "
        "navigation to the drawn chart, on a server already warmed by one session "
        f"(cold start with the transformer load: {cold:.1f} s). Errors count exception boxes, st.error, "
        "page crashes and timeouts; the target is none. Machine load average (1 min) "
        f"{load_before:.1f} before and {load_after:.1f} after the run.\n\n"
        + table
        + "\nThe browsers run on the same machine as the server, so the times include their own CPU use.\n"
        "Run: `.venv/bin/python benchmarks/bench_load.py`."
    )
    write_section("load", "Load: concurrent sessions on the Context page", body)
    return 0 if all(r[1] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
