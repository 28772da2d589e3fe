"""Replicas: 1 vs 2 app processes behind nginx, each pinned to its own core, with browserless visitors.

Starts the layout of ``deploy/run_local.py`` (nginx in front, cookie affinity, one store) in hosted
mode twice: one app process pinned to core 0 (this script, its visitors and nginx on core 1), then
two processes pinned to cores 0 and 1 (the visitors on whatever time is left). Per layout:

1. warm-up, on each process directly: the home page (loads the transformer, starts computing the
   Context presets) and the five presets until they come from the result cache;
2. 30 visitors arriving together on the Context presets through the proxy, three rounds; each is a
   websocket client speaking Streamlit's protocol (``benchmarks/_protocol.py``; no browser, so the
   time is the servers'), timed from connecting to the message carrying the heatmap;
3. 6 heavy visitors at once through the proxy: Train (Step x100, clicked the way the browser does,
   by sending the button's trigger), Project (t-SNE of 5,000 words), Context on two corpus samples
   (the model runs), Sentences on 20 lines of their own, Compare (a library set against the
   reference); each timed to its first sign of work and to the end of its run, with the process
   that served it; each process's peak RSS (VmHWM, reset before the step) against the hosted 1,536 MB.

    nice .venv/bin/python benchmarks/bench_replicas.py            # writes the "Replicas" section
    nice .venv/bin/python benchmarks/bench_replicas.py --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._protocol import protocol_visits  # noqa: E402
from benchmarks._report import markdown_table, write_section  # noqa: E402
from benchmarks.bench_load import PRESETS, SIGN_FRAMES, cpu_seconds, fmt, p95, peak_mb, reset_peak  # noqa: E402
from deploy.run_local import MARKER, Layout, local_layout  # noqa: E402

VISITORS = 30
ROUNDS = 3
TARGET_RATIO = 0.6
TARGET_MB = 1536
LIBRARY_FILE = "tickets_sgns.txt"
HEAVY_TIMEOUT_S = 300.0


def preset_plans(n: int) -> list[tuple[str, str]]:
    return [("Context", f"context.source=preset&context.preset={PRESETS[i % len(PRESETS)]}") for i in range(n)]


def _lines(k: int) -> str:
    words = ["refund", "parcel", "invoice", "battery", "charger", "account", "delivery", "screen"]
    return "\n".join(f"My {words[(i + k) % 8]} issue number {i} is still open after {i + k} days" for i in range(20))


HEAVY: list[tuple[str, str, str, str | None]] = [  # role, page, query, button to click
    ("Train x100", "Train", "", r"(x|×)\s?100"),
    ("Project t-SNE 5,000 words", "Project", "project.method=tsne&project.n_words=5000&project.dims=2&project.seed=0",
     None),
    ("Context corpus sample 1", "Context",
     "context.source=corpus&context.corpus_word=charge&context.sample=30&context.seed=11", None),
    ("Context corpus sample 2", "Context",
     "context.source=corpus&context.corpus_word=refund&context.sample=30&context.seed=12", None),
    ("Sentences 20 lines", "Sentences",
     f"sentences.text={urllib.parse.quote(_lines(1))}&sentences.query=refund", None),
    ("Compare library vs reference", "Compare", f"compare.a=library:{LIBRARY_FILE}&compare.b=reference", None),
]  # fmt: skip


@dataclasses.dataclass
class HeavyVisit:
    role: str
    replica: str = ""
    sign: float | None = None  # seconds to the first frame carrying a sign of work (from the click for Train)
    done: float | None = None  # seconds to the end of its run
    error: str | None = None


async def heavy_visit(url: str, role: str, page: str, query: str, click: str | None) -> HeavyVisit:
    """One visitor through the proxy; with ``click``, runs the page, then presses the button whose label
    matches it (a rerun carrying the button's trigger, as the browser sends) and times from there."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    visit = HeavyVisit(role)
    ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    try:
        async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60) as ws:
            visit.replica = ws.response.headers.get(MARKER, "")
            start = time.perf_counter()
            back = BackMsg()
            back.rerun_script.query_string = query
            back.rerun_script.page_name = page
            await ws.send(back.SerializeToString())
            clicked = click is None
            button_id = None
            while True:
                raw = await asyncio.wait_for(ws.recv(), timeout=HEAVY_TIMEOUT_S)
                if clicked and visit.sign is None and any(m in raw for m in SIGN_FRAMES):
                    visit.sign = time.perf_counter() - start
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                kind = msg.WhichOneof("type")
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    element = msg.delta.new_element
                    if element.WhichOneof("type") == "exception":
                        visit.error = f"exception: {element.exception.message[:200]}"
                    elif element.WhichOneof("type") == "button" and click and re.search(click, element.button.label):
                        button_id = button_id or element.button.id
                elif kind == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    if clicked:
                        visit.done = time.perf_counter() - start
                        return visit
                    if button_id is None:
                        visit.error = f"no button matching {click!r}"
                        return visit
                    back = BackMsg()  # by page name: the session's page hash would be the home page's
                    back.rerun_script.query_string = query
                    back.rerun_script.page_name = page
                    back.rerun_script.widget_states.widgets.add(id=button_id, trigger_value=True)
                    clicked = True
                    start = time.perf_counter()  # from the click: the work starts there
                    await ws.send(back.SerializeToString())
    except Exception as exc:  # noqa: BLE001 - a row says what went wrong instead of stopping the run
        visit.error = f"{type(exc).__name__}: {exc}"[:300]
    return visit


async def heavy_visits(url: str) -> list[HeavyVisit]:
    """All heavy visitors at once; connections open in this order, so the proxy deals them in turn."""
    tasks = []
    for role, page, query, click in HEAVY:
        tasks.append(asyncio.ensure_future(heavy_visit(url, role, page, query, click)))
        await asyncio.sleep(0.05)
    return list(await asyncio.gather(*tasks))


def warm(layout: Layout) -> float:
    """Each process directly: the home page, then the presets until all come from its result cache."""
    t0 = time.perf_counter()
    for replica in layout.replicas:
        asyncio.run(protocol_visits(replica.url, [("", "")]))
        for _ in range(20):
            visits = asyncio.run(protocol_visits(replica.url, preset_plans(len(PRESETS))))
            charts = [v.chart for v in visits if v.chart is not None and v.error is None]
            if len(charts) == len(PRESETS) and max(charts) < 1.0:
                break
            time.sleep(2)
    return time.perf_counter() - t0


def served_counts(layout: Layout, since_bytes: int) -> dict[str, int]:
    """Websockets per process in nginx's access log after ``since_bytes`` (logged when they close)."""
    text = layout.access_log.read_bytes()[since_bytes:].decode(errors="replace")
    counts: dict[str, int] = {}
    for line in text.splitlines():
        if '"GET /_stcore/stream' in line:
            name = re.search(r"replica=(\S*)", line).group(1)
            counts[name] = counts.get(name, 0) + 1
    return counts


def measure(processes: int, data_dir: Path) -> dict:
    pin = ["0"] if processes == 1 else ["0", "1"]
    if processes == 1 and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})  # the visitors (and nginx, started from here) off the app's core
    else:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    out: dict = {"processes": processes, "load_before": os.getloadavg()}
    with local_layout(processes, pin=pin, data_dir=data_dir, env={"EXPLORER_HOSTED": "1"}) as layout:
        out["warm_s"] = warm(layout)
        print(f"[{processes}] warm-up {out['warm_s']:.0f} s", flush=True)
        pids = {r.name: r.pid for r in layout.replicas}
        for pid in pids.values():
            reset_peak(pid)
        cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        log_at = layout.access_log.stat().st_size
        visits = []
        for _ in range(ROUNDS):
            visits += asyncio.run(protocol_visits(layout.url, preset_plans(VISITORS)))
        time.sleep(1)
        charts = [v.chart for v in visits if v.chart is not None and v.error is None]
        out["presets"] = {
            "visits": len(visits),
            "errors": [v.error or "no chart" for v in visits if v.error or v.chart is None][:5],
            "median": statistics.median(charts) if charts else None,
            "p95": p95(charts) if charts else None,
            "served": served_counts(layout, log_at),
            "peak_mb": {name: peak_mb(pid) for name, pid in pids.items()},
            "cpu_s": {name: cpu_seconds(pid) - cpu0[name] for name, pid in pids.items()},
        }
        print(f"[{processes}] presets: {out['presets']}", flush=True)
        for pid in pids.values():
            reset_peak(pid)
        heavy = asyncio.run(heavy_visits(layout.url))
        out["heavy"] = [dataclasses.asdict(v) for v in heavy]
        out["heavy_peak_mb"] = {name: peak_mb(pid) for name, pid in pids.items()}
        for v in heavy:
            print(f"[{processes}] heavy: {v}", flush=True)
        print(f"[{processes}] heavy peaks: {out['heavy_peak_mb']}", flush=True)
    out["load_after"] = os.getloadavg()
    return out


async def run_shows(url: str, page: str, query: str, needle: bytes) -> bool:
    """Whether one run of ``page`` sends ``needle`` in any of its messages (a caption, a message)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    seen = False
    async with websockets.connect(url.replace("http://", "ws://", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=60) as ws:  # fmt: skip
        back = BackMsg()
        back.rerun_script.query_string = query
        back.rerun_script.page_name = page
        await ws.send(back.SerializeToString())
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout=HEAVY_TIMEOUT_S)
            seen = seen or needle in raw
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            if msg.WhichOneof("type") == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                return seen


def share_link_step(data_dir: Path, rows: int = 20_000, dims: int = 100, repeats: int = 3) -> dict:
    """A 20,000 x 100 set published to the store the processes share (``ShareStore.put``, what the Share
    button runs in the publishing process), then its link opened on each process, which has never seen
    it, against the same page on the reference set: the Project page (PCA), time to the chart."""
    from benchmarks.bench_share import _synthetic
    from explorer.share import ShareStore
    from explorer.vectorsets import shared_id

    with local_layout(2, pin=["0", "1"], data_dir=data_dir, env={"EXPLORER_HOSTED": "1"}) as layout:
        for replica in layout.replicas:  # the page's own code and the transformer's table, once per process
            asyncio.run(protocol_visits(replica.url, [("Project", "project.vectors=reference&project.method=pca")]))
        wv = _synthetic(rows, dims)
        t0 = time.perf_counter()
        item = ShareStore(layout.store_dir).put(wv, label="Trained: synthetic", owner_key="bench")
        publish_s = time.perf_counter() - t0
        shared = urllib.parse.quote(shared_id(item))
        out: dict = {"rows": rows, "dims": dims, "publish_s": publish_s, "processes": {}}
        for replica in layout.replicas:
            url = replica.url  # each process directly: which one opens the link is the point

            def charts(query: str, n: int, url: str = url) -> list[float | None]:
                return [asyncio.run(protocol_visits(url, [("Project", query)]))[0].chart for _ in range(n)]

            reference = charts("project.vectors=reference&project.method=pca", repeats)
            opened = charts(f"project.vectors={shared}&project.method=pca", 1 + repeats)
            # the page showed the shared set (its caption), not the reference set with a message
            shown = asyncio.run(run_shows(url, "Project", f"project.vectors={shared}&project.method=pca",
                                          b"A shared set"))  # fmt: skip
            out["processes"][replica.name] = {
                "reference": reference, "first": opened[0], "again": opened[1:], "shown": shown,
            }  # fmt: skip
            print(f"[share] {replica.name}: {out['processes'][replica.name]}", flush=True)
    return out


def prepare_data(data_dir: Path) -> None:
    """The server's data folder: one library vector set (skip-gram on the support tickets) for Compare."""
    vectors = data_dir / "vectors"
    vectors.mkdir(parents=True, exist_ok=True)
    target = vectors / LIBRARY_FILE
    if not target.exists():
        subprocess.run(
            [sys.executable, "-m", "explorer.train", str(ROOT / "assets" / "corpora" / "support_tickets.txt"),
             "--method", "sgns", "--out", str(target), "--epochs", "1"],
            cwd=ROOT, check=True,
        )  # fmt: skip


def apart_sentence(heavy: list[dict]) -> str:
    """Whether the visitors of the other process waited for the longest job (the t-SNE): met when every one
    of them finished before it did."""
    longest = max(heavy, key=lambda v: v["done"] or 0.0)
    others = [v for v in heavy if v["replica"] != longest["replica"]]
    if not others:
        return "All were dealt to one process, so this says nothing about waiting across processes."
    slowest = max(v["done"] or float("inf") for v in others)
    met = slowest < (longest["done"] or 0.0)
    return (
        f"None waits behind another process's work: the visitors on {others[0]['replica']} finished within "
        f"{slowest:.1f} s while {longest['role']} ran {longest['done']:.1f} s on {longest['replica']}: "
        f"**{'met' if met else 'not met'}**."
    )


def report(results: list[dict], command: str) -> tuple[str, bool]:
    one, two = results
    ratio = two["presets"]["p95"] / one["presets"]["p95"] if one["presets"]["p95"] and two["presets"]["p95"] else None
    rows = []
    for r in results:
        p = r["presets"]
        rows.append([
            r["processes"], p["visits"], len(p["errors"]), fmt(p["median"]), fmt(p["p95"]),
            f"{p['p95'] / one['presets']['p95']:.2f}x" if p["p95"] and one["presets"]["p95"] else "-",
            ", ".join(f"{k} {v}" for k, v in sorted(p["served"].items())),
            ", ".join(f"{k} {v:.0f}" for k, v in sorted(p["peak_mb"].items())),
            ", ".join(f"{k} {v:.1f}" for k, v in sorted(p["cpu_s"].items())),
        ])  # fmt: skip
    presets = markdown_table(
        ["app processes", "visits (3 rounds of 30)", "errors", "median s to chart", "p95 s to chart",
         "p95 / one process's", "websockets per process", "peak RSS MB per process", "CPU s per process"],
        rows,
    )  # fmt: skip
    heavy_rows = []
    for a, b in zip(one["heavy"], two["heavy"], strict=True):
        heavy_rows.append([a["role"], fmt(a["sign"]), fmt(a["done"]), b["replica"], fmt(b["sign"]), fmt(b["done"]),
                           "; ".join(e for e in (a["error"], b["error"]) if e)])  # fmt: skip
    heavy = markdown_table(
        ["visitor", "1 process: s to first sign", "1 process: s to done", "2 processes: served by",
         "2 processes: s to first sign", "2 processes: s to done", "error"],
        heavy_rows,
    )  # fmt: skip
    peaks = {r["processes"]: r["heavy_peak_mb"] for r in results}
    all_peaks = [v for r in results for v in (*r["heavy_peak_mb"].values(), *r["presets"]["peak_mb"].values())]
    memory_ok = max(all_peaks) < TARGET_MB
    ratio_ok = ratio is not None and ratio <= TARGET_RATIO
    errors = [e for r in results for e in r["presets"]["errors"]] + [
        v["error"] for r in results for v in r["heavy"] if v["error"]
    ]
    by_replica: dict[str, list[str]] = {}
    for v in two["heavy"]:
        by_replica.setdefault(v["replica"], []).append(v["role"])
    done_one = max(v["done"] or 0.0 for v in one["heavy"])
    done_two = max(v["done"] or 0.0 for v in two["heavy"])
    loads = "; ".join(
        f"{r['processes']} process(es): load average {r['load_before'][0]:.1f} before, {r['load_after'][0]:.1f} after"
        for r in results
    )
    body = (
        "Layout of `deploy/run_local.py` (nginx in front, a cookie keeps each browser on one process, one store "
        "folder), hosted mode. 1 process: pinned to core 0, this script, its visitors and nginx on core 1. "
        "2 processes: pinned to cores 0 and 1, the visitors and nginx on the time left. Before measuring, "
        "each process is warmed directly (home page, then the five Context presets until they come from its "
        "result cache). Visitors are browserless websocket clients speaking Streamlit's protocol "
        "(`benchmarks/_protocol.py`), so the times are the servers'; a client without the cookie is dealt to "
        "the next process in turn, as a new browser is.\n\n"
        f"**{VISITORS} visitors arriving together on the Context presets** (rotating over {', '.join(PRESETS)}), "
        f"{ROUNDS} rounds; time from connecting to the message carrying the heatmap. Target: p95 with 2 "
        f"processes at most {TARGET_RATIO}x the p95 with 1.\n\n"
        + presets
        + "\n**6 heavy visitors at once** (Train Step x100 timed from the click, Project t-SNE of 5,000 words, "
        "Context on two corpus samples of 30 sentences, Sentences on 20 lines of their own, Compare of a "
        "library skip-gram set against the reference): first sign = the first message carrying a chart, a "
        "progress bar's or spinner's text or a queue message; done = the end of the run. Served by = the "
        "process nginx dealt the visitor to.\n\n"
        + heavy
        + "\nPeak RSS per process during the heavy step: "
        + "; ".join(
            f"{n} process(es): " + ", ".join(f"{k} {v:.0f} MB" for k, v in sorted(p.items())) for n, p in peaks.items()
        )  # fmt: skip
        + f" (target: each under {TARGET_MB} MB).\n\n"
        "Targets:\n\n"
        f"- p95 time to the chart, 2 processes vs 1: "
        + (f"{ratio:.2f}x, target {TARGET_RATIO}x: **{'met' if ratio_ok else 'not met'}**.\n" if ratio else "-\n")
        + f"- each process under {TARGET_MB} MB: highest peak {max(all_peaks):.0f} MB: "
        f"**{'met' if memory_ok else 'not met'}**.\n"
        f"- heavy visitors: with 2 processes they were split "
        + "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(by_replica.items()))
        + f"; the last finished after {done_two:.1f} s against {done_one:.1f} s on one process. "
        + apart_sentence(two["heavy"])
        + " The dealing is by arrival, not by weight, so two heavy visitors can still land on one process "
        "and share its core.\n"
        + (f"- errors: {'; '.join(errors[:5])}\n" if errors else "- errors: none.\n")
        + f"\nThe machine is shared with other work during the run ({loads}; 2 cores), so absolute times "
        "vary between runs; both layouts ran back to back in one run.\n\n"
        f"Run: `{command}`."
    )
    return body, ratio_ok and memory_ok and not errors


def share_report(share: dict) -> str:
    rows, worst = [], 0.0
    for name, r in share["processes"].items():
        reference = statistics.median(x for x in r["reference"] if x is not None)
        again = statistics.median(x for x in r["again"] if x is not None)
        extra = r["first"] - reference
        worst = max(worst, extra)
        rows.append([name, fmt(reference), fmt(r["first"]), fmt(again), f"{extra:+.2f}", "yes" if r["shown"] else "no"])
    table = markdown_table(
        ["process", "reference set: median s to chart", "shared link, first open on this process: s to chart",
         "shared link again: median s", "first open minus the reference page s", "page showed the shared set"],
        rows,
    )  # fmt: skip
    ok = share["publish_s"] < 2.0 and worst < 2.0 and all(r["shown"] for r in share["processes"].values())
    return (
        f"\n\n**A shared link on a process that never saw the set.** A {share['rows']:,}-word x {share['dims']} set "
        f"published to the store the two processes share (`ShareStore.put`, what the Share button runs in the "
        f"publishing process): {share['publish_s']:.2f} s. Then its Project link (`project.vectors=shared:<id>`, "
        "PCA) opened on each process directly, which had never opened it, against the same page on the reference "
        "set (3 runs each, browserless, time to the chart):\n\n"
        + table
        + f"\nTarget: publishing and opening each under 2 s on top of the page's own time: publish "
        f"{share['publish_s']:.2f} s, first open at most {worst:+.2f} s over the reference page: "
        f"**{'met' if ok else 'not met'}**. Run: `nice .venv/bin/python benchmarks/bench_replicas.py --share-link`."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md as it is")
    parser.add_argument("--from-json", action="store_true", help="report the last run's saved numbers again")
    parser.add_argument(
        "--share-link", action="store_true", help="only the shared-link step, added to the last run's numbers"
    )
    args = parser.parse_args()
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    saved = artifacts / "bench_replicas_results.json"
    data_dir = artifacts / "bench_replicas_data"
    if args.from_json or args.share_link:
        stored = json.loads(saved.read_text())
        results, share = stored["layouts"], stored.get("share_link")
    else:
        prepare_data(data_dir)
        results, share = [measure(n, data_dir) for n in (1, 2)], None
    if args.share_link:
        share = share_link_step(data_dir)
    if not args.from_json:
        saved.write_text(json.dumps({"layouts": results, "share_link": share}, indent=1))
    body, ok = report(results, "nice .venv/bin/python benchmarks/bench_replicas.py")
    if share is not None:
        body += share_report(share)
    print(body)
    if not args.no_write:
        write_section("replicas", "Replicas: 1 vs 2 app processes behind nginx", body)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
