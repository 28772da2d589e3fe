"""Load test: many visitors at once, in hosted and in default mode, with the server's time split.

Starts ``streamlit run app.py`` on 127.0.0.1 (never any other host) pinned to core 0, with this
script and its Chromium on core 1, so browser rendering never counts as server time. Per mode
(``EXPLORER_HOSTED=1``, then the defaults):

1. warm-up: one visitor opens the home page (loads the transformer, computes the Context
   presets in the background) and a Context preset;
2. Context presets: 1 visitor, then N at once (presets rotate over bank, charge, bat, light,
   spring), each timed from navigation to the drawn heatmap;
3. a mix of 6 visitors at once: Train (x100), Project (t-SNE of 5,000 words), two Context pages
   on corpus samples (the model runs) and two Sentences pages on sentences of their own, each
   timed to the first sign of work (a spinner, a progress bar, a "Busy" or "reading" message,
   or the result) and to the end of its script run.

Errors count exception boxes, st.error, page crashes and timeouts. After each step it reads the
server's peak resident memory (VmHWM, reset between steps through /proc/<pid>/clear_refs) and
its CPU time, and the server's own record of every script run (``EXPLORER_TIMINGS_LOG``, see
``explorer.timings``): where its wall time went (transformer, charts, Streamlit's element
calls, the rest). Run it alone: `.venv/bin/python benchmarks/bench_load.py`.

    .venv/bin/python benchmarks/bench_load.py             # 1 and 10 visitors, and the mix of 6
    .venv/bin/python benchmarks/bench_load.py --quick     # 1 and 3 visitors, and the mix
    .venv/bin/python benchmarks/bench_load.py --modes hosted
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._protocol import protocol_visits  # noqa: E402
from benchmarks._report import markdown_table, write_section  # noqa: E402

HOST = "127.0.0.1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
PRESETS = ["bank", "charge", "bat", "light", "spring"]
CHART = '[data-testid="stPlotlyChart"] .main-svg'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
SESSION_TIMEOUT_S = 300.0  # one session's bound: open, compute, draw
SIGN = (
    '[data-testid="stSpinner"], [data-testid="stProgress"], [data-testid="stPlotlyChart"], '
    '[data-testid="stAlert"]:has-text("Busy"), [data-testid="stAlert"]:has-text("reading your sentences")'
)  # the first sign of work a visitor sees: a spinner, a progress bar, a queue message or the result
TARGET_MB = 1536
SERVER_CORE, BROWSER_CORE = "0", 1
CHART_FRAME = b'"layout":'  # in the Plotly spec a chart element carries: the frame that brings a chart
# What the frames of a first sign of work carry: a chart, a queue or "reading" message, a spinner's or
# a progress bar's text ("Running t-SNE on ...", "Training 100 steps...").
SIGN_FRAMES = (CHART_FRAME, b"Busy:", b"reading your sentences", b"Running ", b"Training ")


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
class Visit:
    role: str
    sign: float | None  # seconds to the first sign of work (None: none seen)
    done: float | None  # seconds to the chart / the end of the run (None: see error)
    error: str | None
    socket: float | None = None  # seconds to the page's websocket: the browser has loaded and started the app
    sent: float | None = None  # seconds to the first frame that carries a chart: the server's answer arrived
    sign_sent: float | None = None  # seconds to the first frame that carries a sign of work


async def _first_of(page, selectors: list[str], timeout_s: float) -> str:
    """Wait until one of ``selectors`` is visible; return it (raises on timeout)."""
    tasks = {
        asyncio.ensure_future(page.locator(sel).first.wait_for(state="visible", timeout=timeout_s * 1000)): sel
        for sel in selectors
    }
    try:
        while tasks:
            done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                sel = tasks.pop(task)
                if not task.exception():
                    return sel
        raise TimeoutError(f"none of {selectors} within {timeout_s:.0f} s")
    finally:
        for task in tasks:
            task.cancel()


async def _idle(page, timeout_s: float) -> None:
    """Wait until the script run has ended (Streamlit's script state) and nothing is loading."""
    await page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stSpinner"], [data-testid="stSkeleton"]');
        }""",
        timeout=timeout_s * 1000,
    )


async def _errors(page, crashes: list[str]) -> str | None:
    boxes = page.locator(ERRORS)
    if await boxes.count():
        return "error box: " + (await boxes.first.inner_text())[:200]
    return ("page error: " + crashes[0]) if crashes else None


async def visit(context, url: str, role: str, link: str, click: str | None = None, until: str = "idle") -> Visit:
    """One visitor: open ``link`` in a tab of its own (its own Streamlit session; then click the button
    named ``click``) and time the first sign of work and the end: the first drawn chart
    (``until="chart"``) or the end of the script run ("idle")."""
    page = await context.new_page()
    crashes: list[str] = []
    page.on("pageerror", lambda exc: crashes.append(str(exc)[:200]))
    marks: dict[str, float] = {}

    def on_socket(ws) -> None:
        marks.setdefault("socket", time.perf_counter())

        def on_frame(payload) -> None:
            if not isinstance(payload, bytes):
                return
            if "sent" not in marks and CHART_FRAME in payload:
                marks["sent"] = time.perf_counter()
            if "sign_sent" not in marks and any(m in payload for m in SIGN_FRAMES):
                marks["sign_sent"] = time.perf_counter()

        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    try:
        start = time.perf_counter()
        await page.goto(f"{url}{link}", timeout=120_000)
        if click is not None:
            button = page.get_by_role("button", name=re.compile(click)).first
            await button.wait_for(timeout=SESSION_TIMEOUT_S * 1000)
            await _idle(page, SESSION_TIMEOUT_S)
            start = time.perf_counter()  # from the click: the work starts there
            await button.click()
        sign = None
        if until != "home":
            if await _first_of(page, [SIGN, ERRORS], SESSION_TIMEOUT_S) == ERRORS:
                return Visit(role, time.perf_counter() - start, None, await _errors(page, crashes))
            sign = time.perf_counter() - start
        if until == "chart":
            if await _first_of(page, [CHART, ERRORS], SESSION_TIMEOUT_S) == ERRORS:
                return Visit(role, sign, None, await _errors(page, crashes))
            drawn = time.perf_counter() - start
            since = {k: v - start for k, v in marks.items()}
            return Visit(
                role,
                sign,
                drawn,
                await _errors(page, crashes),
                since.get("socket"),
                since.get("sent"),
                since.get("sign_sent"),
            )
        await page.wait_for_timeout(300)
        await _idle(page, SESSION_TIMEOUT_S)
        done = time.perf_counter() - start
        socket = None if click is not None else marks.get("socket", start) - start  # a click comes after it
        sign_sent = marks["sign_sent"] - start if marks.get("sign_sent", start - 1) >= start else None
        return Visit(role, sign, done, await _errors(page, crashes), socket, None, sign_sent)
    except Exception as exc:  # noqa: BLE001 - every failure is a row in the report
        return Visit(role, None, None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await page.close()


Plan = tuple[str, str, str | None, str]  # role, link, button to click, until ("chart", "idle", "home")


async def run_visits(url: str, plans: list[Plan], primed: list[float] | None = None) -> list[Visit]:
    """All ``plans`` at the same moment, each in its own tab (its own Streamlit session) of one browser
    context whose cache already holds the app's scripts, like a returning visitor's browser: the
    browser's own start-up (one core for every tab) then weighs less on what is measured."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1400, "height": 1000})
            primer = await context.new_page()
            for path in dict.fromkeys(link.split("?")[0] for _role, link, _click, _until in plans):
                with contextlib.suppress(Exception):  # priming only: a slow page here is not a result
                    await primer.goto(f"{url}{path}", timeout=120_000)
                    await _idle(primer, 120)
            await primer.close()
            if primed is not None:
                primed.append(time.monotonic())  # the timed visits start here
            return list(await asyncio.gather(*(visit(context, url, *plan) for plan in plans)))
        finally:
            await browser.close()


def context_plans(n: int) -> list[Plan]:
    return [
        (
            f"Context {PRESETS[i % len(PRESETS)]}",
            f"/Context?context.source=preset&context.preset={PRESETS[i % len(PRESETS)]}",
            None,
            "chart",
        )
        for i in range(n)
    ]


def mixed_plans() -> list[Plan]:
    def lines(k: int) -> str:
        words = ["refund", "parcel", "invoice", "battery", "charger", "account", "delivery", "screen"]
        text = "\n".join(
            f"My {words[(i + k) % 8]} issue number {i} is still open after {i + k} days" for i in range(20)
        )
        return urllib.parse.quote(text)

    return [
        ("Train x100", "/Train", r"(x|×)\s?100", "idle"),
        (
            "Project t-SNE 5,000 words",
            "/Project?project.method=tsne&project.n_words=5000&project.dims=2&project.seed=0",
            None,
            "idle",
        ),
        (
            "Context corpus sample 1",
            "/Context?context.source=corpus&context.corpus_word=charge&context.sample=30&context.seed=11",
            None,
            "idle",
        ),
        (
            "Context corpus sample 2",
            "/Context?context.source=corpus&context.corpus_word=refund&context.sample=30&context.seed=12",
            None,
            "idle",
        ),
        ("Sentences 20 lines A", f"/Sentences?sentences.text={lines(1)}&sentences.query=refund", None, "idle"),
        ("Sentences 20 lines B", f"/Sentences?sentences.text={lines(2)}&sentences.query=battery", None, "idle"),
    ]


# ----- the server's side: memory, CPU, its record of script runs --------------------------------
def reset_peak(pid: int) -> None:
    """Reset the process's VmHWM to its current RSS (Linux: write 5 to clear_refs)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/clear_refs", "w") as fh:
        fh.write("5")


def peak_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runs_between(log: Path, t0: float, t1: float, page: str | None = None) -> list[dict]:
    """The server's run records that started in [t0, t1] (both processes read the same monotonic clock)."""
    if not log.exists():
        return []
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return [r for r in rows if t0 <= r["start"] <= t1 and (page is None or r["page"] == page)]


SPLIT = ("transformer", "charts", "streamlit", "other")


def split_row(runs: list[dict]) -> list[str]:
    """Mean seconds per run: wall, each category, the exact queued / model seconds of its transformer requests,
    and the longest time from a run's start to its first sign of work (spinner, progress, message, chart)."""
    if not runs:
        return ["0"] + ["-"] * (len(SPLIT) + 4)
    mean = lambda key: sum(r.get(key) or 0.0 for r in runs) / len(runs)  # noqa: E731
    signs = [r["first_sign"] for r in runs if r.get("first_sign") is not None]
    return [
        str(len(runs)),
        f"{mean('wall'):.2f}",
        *(f"{mean(k):.2f}" for k in SPLIT),
        f"{mean('exact_queued'):.2f}",
        f"{mean('exact_model'):.2f}",
        f"{max(signs):.2f}" if signs else "-",
    ]


def summary(mode: str, r: dict) -> str:
    """One paragraph per mode: where a Context run's server time goes, alone and with many, against what
    the visitors waited, and the mix's first signs on the server."""
    one, many = r["split"][0], r["split"][-1]
    ctx_many = r["context"][-1]
    wall = float(one[3])
    share = {name: float(one[4 + i]) / wall if wall else 0.0 for i, name in enumerate(SPLIT)}
    mix_signs = [row[-1] for row in r["mixed_split"] if row[-1] != "-"]
    return (
        f"- {mode}: one visitor's warm Context run takes {wall:.2f} s of server time: "
        f"{share['charts']:.0%} building the Plotly figures, {share['streamlit']:.0%} in Streamlit's element "
        f"calls, {share['other']:.0%} the rest, {float(one[4]):.2f} s on the transformer (the preset comes "
        f"from the result cache). With {many[1]} at once the runs share one core: {float(many[3]):.2f} s each "
        f"on average, the slowest first sign {many[-1]} s after its run started. The visitors waited mostly on "
        f"the browser: the app started after {ctx_many[3]} s (median) and the heatmap was drawn after "
        f"{ctx_many[7]} s, against {ctx_many[5]} s (p95) for the server's answer. In the mix of six, every "
        f"page's first sign left the server within {max(float(x) for x in mix_signs):.2f} s of its run's "
        "start." + protocol_summary(r.get("protocol", [])) + "\n"
    )


def protocol_summary(rows: list[list[object]]) -> str:
    """A sentence on the browserless visitors: the server's time to the chart, alone and with many."""
    if len(rows) < 2:
        return ""
    one, many = rows[0], rows[-1]
    return (
        f" Without browsers, one visitor had the heatmap {one[4]} s after connecting (median) and {many[1]} at "
        f"once within {many[5]} s (p95), {many[6]} the one visitor's median: {many[1]} page runs in a row on "
        "one core; added to a visitor's own page load in their browser, that is the wait many visitors add."
    )


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def protocol_rows(mode: str, url: str, pid: int, levels: list[int], rounds: int = 3) -> list[list[object]]:
    """The Context presets again, each visitor a websocket client with no browser (``benchmarks/_protocol``):
    1 and N at once, ``rounds`` times each level, so the times are the server's alone."""
    rows, one = [], None
    for n in levels:
        reset_peak(pid)
        cpu0 = cpu_seconds(pid)
        visits = []
        for _ in range(rounds):
            plans = [("Context", link.split("?", 1)[1]) for _, link, _, _ in context_plans(n)]
            visits += asyncio.run(protocol_visits(url, plans))
        charts = [v.chart for v in visits if v.chart is not None and v.error is None]
        errors = [v.error for v in visits if v.error or v.chart is None]
        med, p = (statistics.median(charts), p95(charts)) if charts else (None, None)
        if n == 1:
            one = med
        ratio = f"{p / one:.1f}x" if p is not None and one else "-"
        rows.append([mode, n, len(visits), len(errors), fmt(med), fmt(p), ratio, f"{peak_mb(pid):.0f}",
                     f"{cpu_seconds(pid) - cpu0:.1f}"])  # fmt: skip
        print(f"[{mode}] protocol N={n}: {rows[-1]}", flush=True)
        for e in errors[:3]:
            print("    ", e, flush=True)
    return rows


def run_mode(mode: str, levels: list[int]) -> dict:
    """Every step in one mode; returns the rows of the report."""
    log = ROOT / "test-artifacts" / f"bench_load_timings_{mode}.jsonl"
    log.unlink(missing_ok=True)
    env = {"EXPLORER_TIMINGS_LOG": str(log), "EXPLORER_HOSTED": "1" if mode == "hosted" else "0"}
    out: dict = {"context": [], "split": [], "mixed": [], "mixed_split": [], "visits": [], "protocol": []}
    with streamlit_server(env, log_name=f"bench_load_server_{mode}.log", cpus=SERVER_CORE) as (url, pid):
        t0 = time.perf_counter()
        warm = asyncio.run(run_visits(url, [("home", "/", None, "home")]))[0]
        warm_ctx = asyncio.run(run_visits(url, context_plans(1)))[0]
        time.sleep(3)  # the presets finish computing in the background
        out["cold"] = time.perf_counter() - t0
        print(f"[{mode}] warm-up {out['cold']:.1f} s, errors: {warm.error} {warm_ctx.error}", flush=True)
        one = one_sent = None
        for n in levels:
            reset_peak(pid)
            cpu0, m0 = cpu_seconds(pid), time.monotonic()
            t = time.perf_counter()
            primed: list[float] = []
            results = asyncio.run(run_visits(url, context_plans(n), primed))
            m0 = primed[0] if primed else m0
            wall = time.perf_counter() - t
            cpu, m1 = cpu_seconds(pid) - cpu0, time.monotonic()
            times = [r.done for r in results if r.done is not None and r.error is None]
            errors = [r.error for r in results if r.error]
            sockets = [r.socket for r in results if r.socket is not None]
            # the server's answer: from the app's connection to the frame that brings the chart
            sent = [r.sent - r.socket for r in results if r.sent is not None and r.socket is not None]
            out["visits"] += [{"mode": mode, "visitors": n, **dataclasses.asdict(r)} for r in results]
            med, p = (statistics.median(times), p95(times)) if times else (None, None)
            sent_p95 = p95(sent) if sent else None
            if n == 1:
                one, one_sent = med, (statistics.median(sent) if sent else None)
            ratio = f"{p / one:.1f}x" if p is not None and one else "-"
            ratio_sent = f"{sent_p95 / one_sent:.1f}x" if sent_p95 is not None and one_sent else "-"
            peak = peak_mb(pid)
            out["context"].append(
                [
                    mode,
                    n,
                    len(errors),
                    fmt(statistics.median(sockets) if sockets else None),
                    fmt(statistics.median(sent) if sent else None),
                    fmt(sent_p95),
                    ratio_sent,
                    fmt(med),
                    fmt(p),
                    ratio,
                    f"{peak:.0f}",
                    f"{cpu:.1f}",
                    f"{wall:.1f}",
                ]
            )
            out["split"].append([mode, n, *split_row(runs_between(log, m0, m1, "4_Context.py"))])
            print(f"[{mode}] context N={n}: {out['context'][-1]}", flush=True)
            for e in errors[:5]:
                print("    ", e, flush=True)
        out["protocol"] = protocol_rows(mode, url, pid, levels)
        reset_peak(pid)
        m0 = time.monotonic()
        primed = []
        results = asyncio.run(run_visits(url, mixed_plans(), primed))
        m0 = primed[0] if primed else m0
        m1 = time.monotonic()
        out["mixed_peak"] = peak_mb(pid)
        out["visits"] += [{"mode": mode, "visitors": "mix", **dataclasses.asdict(r)} for r in results]
        for r in results:
            after_start = None if r.sign_sent is None else r.sign_sent - (r.socket or 0.0)
            out["mixed"].append(
                [
                    mode,
                    r.role,
                    fmt(r.socket),
                    fmt(r.sign_sent),
                    fmt(after_start),
                    fmt(r.sign),
                    fmt(r.done),
                    r.error or "",
                ]
            )
            print(f"[{mode}] mixed: {out['mixed'][-1]}", flush=True)
        for page in ("1_Train.py", "2_Project.py", "4_Context.py", "5_Sentences.py"):
            out["mixed_split"].append([mode, page, *split_row(runs_between(log, m0, m1, page))])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 3 visitors on the presets")
    parser.add_argument("--visitors", type=int, default=10, help="visitors at once on the presets (default 10)")
    parser.add_argument("--modes", nargs="*", default=["hosted", "default"], choices=["hosted", "default"])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md as it is")
    parser.add_argument("--from-json", action="store_true", help="report the last run's saved numbers again")
    args = parser.parse_args()
    levels = [1, 3] if args.quick else [1, max(1, min(args.visitors, 20))]
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}; nothing measured.")
        return 1
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {BROWSER_CORE})  # this script and the Chromium it starts stay off the server's core
    saved = ROOT / "test-artifacts" / "bench_load_results.json"
    if args.from_json:  # write the section again from the last run's numbers, without measuring
        stored = json.loads(saved.read_text())
        results, levels = stored["results"], stored["levels"]
    else:
        results = {mode: run_mode(mode, levels) for mode in args.modes}
        saved.write_text(json.dumps({"results": results, "levels": levels}))

    ctx = markdown_table(
        [
            "mode",
            "visitors at once",
            "errors",
            "median s to app started",
            "server answer median s",
            "server answer p95 s",
            "answer p95 / one visitor",
            "median s to chart drawn",
            "p95 s drawn",
            "p95 drawn / one visitor",
            "server peak RSS MB",
            "server CPU s (with the priming tab)",
            "wall s",
        ],
        [row for r in results.values() for row in r["context"]],
    )
    split_headers = [
        "mode",
        "runs",
        "mean wall s",
        "transformer",
        "charts",
        "Streamlit elements",
        "other",
        "queued (exact)",
        "model (exact)",
        "first sign, slowest run s",
    ]
    split = markdown_table(
        ["mode", "visitors"] + split_headers[1:], [row for r in results.values() for row in r["split"]]
    )
    mixed = markdown_table(
        [
            "mode",
            "visitor",
            "s to app started",
            "s to first sign sent",
            "first sign sent after app start s",
            "s to first sign drawn",
            "s to done",
            "error",
        ],
        [row for r in results.values() for row in r["mixed"]],
    )
    protocol = markdown_table(
        ["mode", "visitors at once", "visits (3 rounds)", "errors", "median s to chart", "p95 s to chart",
         "p95 / one visitor's median", "server peak RSS MB", "server CPU s"],
        [row for r in results.values() for row in r.get("protocol", [])],
    )  # fmt: skip
    mixed_split = markdown_table(
        ["mode", "page"] + split_headers[1:], [row for r in results.values() for row in r["mixed_split"]]
    )
    peaks = ", ".join(f"{m} {r['mixed_peak']:.0f} MB" for m, r in results.items())
    reading = "".join(summary(mode, r) for mode, r in results.items())
    ok = all(row[2] == 0 for r in results.values() for row in r["context"]) and all(
        not row[-1] for r in results.values() for row in r["mixed"]
    )
    print(ctx, split, mixed, mixed_split, f"mix peaks: {peaks}", sep="\n")
    body = (
        "Server `streamlit run app.py` pinned to core 0 (`taskset -c 0`), this script and its headless Chromium "
        "on core 1, so browser rendering is not server time. Per mode: a warm-up visit to the home page "
        "(loads the transformer and computes the Context presets in the background) and one preset, then "
        f"the Context presets with 1 and {levels[-1]} visitors at once (presets rotate over {', '.join(PRESETS)}), "
        "timed from navigation to the drawn heatmap; then 6 visitors at once on a mix of pages. Errors count "
        "exception boxes, st.error, page crashes and timeouts. Peak RSS is the server's VmHWM, reset before "
        f"each step; the target is under {TARGET_MB} MB in hosted mode.\n\n"
        + ctx
        + "\nApp started = the page's websocket opened (the browser has loaded and started the app); server "
        "answer = from then to the arrival of the first websocket frame carrying the chart (the server's queueing "
        "and work for that visitor); chart drawn = from navigation to the heatmap visible. All browsers share core 1, so the drawn times of many visitors also measure one core rendering "
        "every page at once.\n\nWhere the server's time went, mean seconds per Context script run, from the server's own record "
        "(`EXPLORER_TIMINGS_LOG`, `explorer/timings.py`: sections timed in the run's own thread; transformer = "
        "waiting for admission and for the request queue, the model's rounds, tokenising; charts = building the "
        "Plotly figures (`explorer.charts`); Streamlit elements = every `st.*` element call, which serialises "
        "figures and tables for the browser; other = the rest: `explorer` computations, cached lookups, the "
        "page's own lines). Queued and model are the exact seconds its transformer requests waited and ran; first "
        "sign is the longest time, over the runs, from a run's start on the server to its first spinner, progress "
        "bar, waiting message or chart.\n\n"
        + split
        + "\nThe same presets with no browser at all: each visitor is a websocket client speaking Streamlit's "
        "protocol (`benchmarks/_protocol.py`: it asks for the page run as a browser does and reads the messages "
        "without rendering them), 1 and then "
        f"{levels[-1]} at once, three rounds each; time from opening the connection to the message carrying "
        "the heatmap. This is the server's time alone, as visitors on their own machines would see it apart from "
        "the network and their browser's drawing.\n\n"
        + protocol
        + "\nSix visitors at once: Train (x100, timed from the click), Project (t-SNE of 5,000 words), Context on "
        "two corpus samples of 30 sentences (the model runs), Sentences on 20 lines of their own each. First "
        'sign = a spinner, a progress bar, a queue or "reading" message, or the result (target: 2 s): sent = '
        "the first websocket frame carrying one arrived, drawn = visible in the page; from navigation, and from "
        "the moment the app had started in the browser (Train: from the click); done = the end of the script "
        "run. Every tab shares one browser context (its cache holds the app's scripts, as a returning "
        f"visitor's would) and core 1. Server peak RSS during the mix: {peaks}.\n\n"
        + mixed
        + "\nServer time per script run during the mix:\n\n"
        + mixed_split
        + "\nReading these numbers:\n\n"
        + reading
        + "\nRun: `.venv/bin/python benchmarks/bench_load.py`."
    )
    if not args.no_write:
        write_section("load", "Load: many visitors at once, hosted and default", body)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
