"""Live training on the Train page, in Chromium: training speed against the Step buttons, redraw rate, ETA.

Starts the app headless, opens the Train page on the mixed corpus (skip-gram, the page's defaults)
and measures, in a fresh browser session each, over three alternating rounds:

- stepping: two presses of Step x100, wall time from click to idle, progress gained per second;
- live: Start, then the progress gained per second over the same wall time, the number of
  redraws per second (changes of the progress line), and the ETA shown once 10% is done against
  the time the run then really took.

Run: .venv/bin/python benchmarks/bench_live.py [--epochs N]
(needs Debian's chromium; writes its section of docs/benchmarks.md)

``--epochs`` (default 20) sets the run's length: at the page's default of 3 epochs skip-gram on the
mixed corpus finishes in about 3 s, where the ETA's whole seconds ("about 1 s left") alone are
off by more than 25%; 20 epochs make a run of about 20 s, long enough to judge the estimate.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._report import markdown_table, write_section  # noqa: E402
from benchmarks.bench_load import streamlit_server  # noqa: E402

PROGRESS = re.compile(r"(\d+)% · .*?(?:about ([\d,]+) s left|under 1 s left|done)")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
# A visitor's browser runs on the visitor's machine: keep Chromium's rendering off the server's core.
SPLIT_CORES = (os.cpu_count() or 1) >= 2 and len(os.sched_getaffinity(0)) >= 2


def _progress(page) -> tuple[float, float | None, str]:
    """(fraction done, ETA in s or None, the line) read from the page's progress bar."""
    text = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"stProgress\"]')].map(e => e.innerText).join(' ')"
    )
    m = PROGRESS.search(text)
    if not m:
        return 0.0, None, text
    eta = None if m.group(2) is None else float(m.group(2).replace(",", ""))
    return int(m.group(1)) / 100.0, eta, text


EPOCHS = 20


def _open(browser, url: str):
    from tests.browser_helpers import wait_for_app

    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{url}/Train?sidebar.corpus=mixed&train.method=sgns&train.sgns.epochs={EPOCHS}")
    wait_for_app(page)
    page.get_by_role("button", name="Step ×100").wait_for(timeout=180_000)
    return page, wait_for_app


ROUNDS = 3  # stepping and live alternate, so a burst of other work on the machine hits both


def _stepping(browser, url: str) -> tuple[float, float]:
    """Two presses of Step x100: (wall seconds, fraction of the run done)."""
    page, wait = _open(browser, url)
    t0 = time.perf_counter()
    for _ in range(2):
        page.get_by_role("button", name="Step ×100").click()
        wait(page)
    seconds = time.perf_counter() - t0
    fraction, _, _ = _progress(page)
    page.context.close()
    return seconds, fraction


def _live(browser, url: str, window: float) -> dict[str, float]:
    """Start, then watch the progress line to the end: progress over ``window`` s, redraws per s, ETA error."""
    page, _ = _open(browser, url)
    page.get_by_role("button", name="Start").click()
    t0, lines, eta_at_10, live_fraction = time.perf_counter(), [], None, 0.0
    while time.perf_counter() - t0 < 240:
        fraction, eta, line = _progress(page)
        now = time.perf_counter() - t0
        if not lines or lines[-1][1] != line:
            lines.append((now, line))
        if now <= window:
            live_fraction = fraction
        if eta_at_10 is None and fraction >= 0.10 and eta is not None:
            eta_at_10 = (now, eta)
        if "done" in line:
            break
        time.sleep(0.1)
    total = time.perf_counter() - t0
    page.context.close()
    changes = [t for t, _ in lines if t > 1.0]  # after the first frame
    redraws = (len(changes) - 1) / (changes[-1] - changes[0]) if len(changes) > 2 else float("nan")
    eta_error = float("nan")
    if eta_at_10 is not None:
        eta_error = (eta_at_10[1] - (total - eta_at_10[0])) / (total - eta_at_10[0])
    return {"fraction": live_fraction, "redraws": redraws, "eta_error": eta_error, "total": total}


def main() -> None:
    global EPOCHS
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"epochs of the run (default {EPOCHS})")
    parser.add_argument("--quick", action="store_true", help="one round instead of three")
    args = parser.parse_args()
    EPOCHS = args.epochs
    rounds_wanted = 1 if args.quick else ROUNDS

    rounds = []
    with streamlit_server(log_name="bench_live_server.log", cpus="0" if SPLIT_CORES else None) as (url, _):
        if SPLIT_CORES:
            os.sched_setaffinity(0, {1})  # this script and the Chromium it starts on core 1
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=ARGS
            )
            for _ in range(rounds_wanted):
                step_seconds, step_fraction = _stepping(browser, url)
                live = _live(browser, url, step_seconds)
                rounds.append((step_seconds, step_fraction, live))
            browser.close()

    rows, ratios, redraws = [], [], []
    for i, (step_seconds, step_fraction, live) in enumerate(rounds, start=1):
        step_rate, live_rate = step_fraction / step_seconds, live["fraction"] / step_seconds
        ratios.append(live_rate / step_rate)
        redraws.append(live["redraws"])
        rows.append([f"{i}: Step x100 twice", f"{step_seconds:.1f}", f"{100 * step_rate:.2f}", "–", "–", "–"])
        rows.append([
            f"{i}: Live (Start)", f"{step_seconds:.1f}", f"{100 * live_rate:.2f}", f"{live['redraws']:.2f}",
            f"{live['eta_error']:+.0%}", f"{live_rate / step_rate:.0%}",
        ])  # fmt: skip
    table = markdown_table(
        ["round: mode", "wall s", "% of the run per s", "redraws per s", "ETA error at 10%", "live / stepping"], rows
    )
    body = (
        f"Skip-gram on the mixed corpus at the page's defaults but {EPOCHS} epochs, one visitor in Chromium"
        + (" (server on core 0, Chromium on core 1, as a visitor's browser runs elsewhere)" if SPLIT_CORES else "")
        + f". {rounds_wanted} round{'s' if rounds_wanted > 1 else ''}, each two presses of Step x100 and then a live run from a fresh page, so that other "
        "work on the shared machine falls on both. Live mode trains in a worker thread while the page asks for "
        "a redraw once a second; the ETA error compares the time left shown once 10% was done with the time "
        "the run then took (negative: it said too little).\n\n"
        f"{table}\nMedian live / stepping speed: **{statistics.median(ratios):.0%}**; median redraws per second: "
        f"**{statistics.median(redraws):.2f}** (the Start help promises about one).\n\n"
        f"Command: `.venv/bin/python benchmarks/bench_live.py --epochs {EPOCHS}`."
    )
    print(body)
    write_section("live", "Live training on the Train page", body)


if __name__ == "__main__":
    main()
