"""Memory and time of the worst uploads we can construct, each parsed in a fresh process, hosted and default.

Builds hostile files (gzip bombs of ``a 1`` lines, of distinct words, of 300 zeros per word; one
row of five million values; million-character words; a zip of 1.1 GB of newlines) and reads each
as the app does (``load_vectors`` / ``Corpus.from_file`` with the server's limits, its admission
gate and a time budget) in a new Python process with ``EXPLORER_HOSTED=1`` and without. Each
process resets its peak resident memory (``/proc/self/clear_refs``) after its imports and reports
how much the read added at its peak (VmHWM - VmRSS before), the time, and what the visitor is told.

A last case is a sequence: the process first holds 800 MB (what the app holds with the
transformer loaded), then reads twenty of the densest uploads the hosted limits allow and keeps
every result (as twenty visitors' sessions would): the admission gate must refuse the ones that do
not fit, so the peak stays under the 1,536 MB ceiling.

    .venv/bin/python benchmarks/bench_hostile_uploads.py           # every case, writes docs/benchmarks.md
    .venv/bin/python benchmarks/bench_hostile_uploads.py --quick   # smaller bombs, no doc update
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 2**20


# ----- the files ------------------------------------------------------------------------------------
def _gzip_lines(path: Path, line: bytes, count: int) -> None:
    block = line * 100_000
    with gzip.open(path, "wb", compresslevel=9) as out:
        for _ in range(count // 100_000):
            out.write(block)
        out.write(line * (count % 100_000))


def build(folder: Path, quick: bool) -> dict[str, tuple[Path, str]]:
    """name -> (file, what it is); every file is made here, nothing is downloaded."""
    scale = 10 if quick else 1
    files: dict[str, tuple[Path, str]] = {}

    path = folder / "a1.txt.gz"
    _gzip_lines(path, b"a 1\n", 10_200_000 // scale)
    files["a1_bomb"] = (path, "10.2M lines `a 1` (40.8 MB) gzipped: the issue's upload")

    path = folder / "a1_big.txt.gz"
    _gzip_lines(path, b"a 1\n", 64_000_000 // scale)
    files["a1_bomb_big"] = (path, "64M lines `a 1` (256 MB) gzipped")

    path = folder / "distinct.txt.gz"
    with gzip.open(path, "wb", compresslevel=6) as out:
        for start in range(0, 3_500_000 // scale, 100_000):
            out.write(b"".join(b"w%d 1\n" % i for i in range(start, start + 100_000)))
    files["distinct_words"] = (path, "3.5M distinct words of 1 dim (37 MB) gzipped")

    path = folder / "zeros300.txt.gz"
    zeros = b" 0" * 300 + b"\n"
    with gzip.open(path, "wb", compresslevel=9) as out:
        for start in range(0, 65_000 // scale, 5_000):
            out.write(b"".join(b"w%d" % i + zeros for i in range(start, start + 5_000)))
    files["zeros_300_dims"] = (path, "65,000 words x 300 zeros (39 MB) gzipped: the densest matrix per byte")

    path = folder / "wide.txt"
    path.write_bytes(b"cat" + b" 0" * 5_000_000 + b"\n")
    files["one_wide_row"] = (path, "one row of 5,000,000 values (10 MB)")

    path = folder / "long_words.txt"
    path.write_bytes(b"cat 1 2\n" + b"".join(b"%d" % i + b"x" * 1_000_000 + b" 1 2\n" for i in range(5)))
    files["long_words_vectors"] = (path, "`cat 1 2`, then 5 lines each a 1,000,000-character word and 2 values")

    path = folder / "long_words_corpus.txt"
    path.write_bytes(b"".join(b"line %d " % i + b"x" * 1_000_000 + b" ends here\n" for i in range(5)))
    files["long_words_corpus"] = (path, "corpus: 5 lines holding a 1,000,000-character word")

    path = folder / "newlines.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive, archive.open("a.txt", "w") as fh:
        fh.write(b"hello world\n")
        piece = b"\n" * MB
        for _ in range(1100 // scale):
            fh.write(piece)
    files["newline_zip"] = (path, "corpus: a zip of 1.1 GB of newlines")
    return files


# ----- one read, in its own process -----------------------------------------------------------------
def _status(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


def _reader(kind: str, path: str) -> Callable[[], str]:
    from explorer.admission import WorkGate
    from explorer.corpus import Corpus
    from explorer.settings import get_settings
    from explorer.vectors_io import load_vectors
    from explorer.workbudget import READ_SECONDS, WorkBudget

    settings = get_settings()
    gate = WorkGate(settings.max_memory_bytes)
    held: list[object] = []  # results are kept, as a visitor's session keeps them

    def vectors() -> str:
        wv = load_vectors(
            path,
            max_bytes=settings.max_upload_bytes,
            max_rows=settings.max_upload_rows,
            budget=WorkBudget(READ_SECONDS),
            admit=lambda cost, what: gate.hold("upload", cost, what),
        )
        held.append(wv)
        return f"{len(wv):,} words x {wv.vector_size}; " + " ".join(n[:70] for n in wv.notices)

    def corpus() -> str:
        c = Corpus.from_file(
            path,
            max_bytes=settings.max_upload_bytes,
            max_tokens=settings.max_tokens,
            budget=WorkBudget(READ_SECONDS),
        )
        held.append(c)
        longest = max(len(t) for s in c.sentences for t in s)
        return f"{c.token_count:,} tokens, longest {longest}; " + " ".join(n[:70] for n in c.notices)

    return corpus if kind == "corpus" else vectors


def worker(kind: str, path: str, repeat: int, ballast_mb: int) -> None:
    import numpy as np

    from explorer.errors import ExplorerError

    read = _reader(kind, path)
    ballast = np.ones(ballast_mb * MB // 8) if ballast_mb else None
    _reset_peak()
    before = _status("VmRSS")
    start = time.perf_counter()
    outcomes: list[str] = []
    for _ in range(repeat):
        try:
            outcomes.append(read())
        except ExplorerError as exc:
            outcomes.append("refused: " + str(exc)[:110])
    report = {
        "rss_before_mb": before,
        "peak_mb": _status("VmHWM"),
        "added_mb": _status("VmHWM") - before,
        "seconds": time.perf_counter() - start,
        "outcome": outcomes[0],
        "refused": sum(o.startswith("refused") for o in outcomes),
        "ballast": ballast is not None,
    }
    print(json.dumps(report))


def measure(kind: str, path: Path, hosted: bool, repeat: int = 1, ballast_mb: int = 0) -> dict:
    env = {**os.environ, "EXPLORER_HOSTED": "1" if hosted else "0"}
    cmd = [sys.executable, __file__, "--worker", kind, str(path), str(repeat), str(ballast_mb)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800, cwd=ROOT)
    if done.returncode != 0:
        return {"added_mb": float("nan"), "peak_mb": float("nan"), "seconds": float("nan"), "refused": 0,
                "outcome": "crashed: " + done.stderr.strip().splitlines()[-1][:110]}  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="bombs a tenth the size; docs/benchmarks.md untouched")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, path, repeat, ballast = args.worker
        worker(kind, path, int(repeat), int(ballast))
        return 0

    from benchmarks._report import markdown_table, write_section

    rows: list[list[object]] = []
    worst = {True: 0.0, False: 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        files = build(Path(tmp), args.quick)
        for name, (path, _what) in files.items():
            kind = "corpus" if name in ("long_words_corpus", "newline_zip") else "vectors"
            for hosted in (True, False):
                r = measure(kind, path, hosted)
                worst[hosted] = max(worst[hosted], r["added_mb"])
                mode = "hosted" if hosted else "default"
                rows.append([name, f"{path.stat().st_size:,}", mode, f"{r['added_mb']:.0f}", f"{r['seconds']:.1f}",
                             r["outcome"].replace("|", "/")])  # fmt: skip
                print(rows[-1], flush=True)
        dense = files["zeros_300_dims"][0]
        seq = measure("vectors", dense, hosted=True, repeat=20, ballast_mb=800)
        print(seq, flush=True)
    table = markdown_table(["upload", "bytes", "mode", "added MB (peak)", "s", "what the visitor is told"], rows)
    body = (
        "Each upload is read as the app reads it (`load_vectors` or `Corpus.from_file` with the server's "
        "limits, admission gate and time budget) in a fresh process; *added MB* is the peak resident memory "
        "the read added (VmHWM after, minus VmRSS before, the peak reset after the imports). Files:\n\n"
        + "".join(f"- `{name}`: {what}\n" for name, (_, what) in files.items())
        + "\n"
        + table
        + f"\nWorst single upload: **{worst[True]:.0f} MB** added in hosted mode, **{worst[False]:.0f} MB** in "
        "default mode (the issue measured 400 MB hosted for `a1_bomb` and 4.4 GB default for a 260 KB gzip).\n\n"
        f"Sequence, hosted: with 800 MB already held, twenty `zeros_300_dims` uploads read one after another and "
        f"all kept: {seq['refused']} refused by the admission gate, peak {seq['peak_mb']:.0f} MB "
        f"(ceiling 1,536 MB).\n\n"
        "Machine: 2 cores, 24 GB.\n\nCommand: `.venv/bin/python benchmarks/bench_hostile_uploads.py`"
    )
    print(body)
    if not args.quick:
        write_section("hostile_uploads", "Hostile uploads", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
