"""Vector library: the first open of a large word2vec text file (conversion to the memory-mapped cache) and a reopen.

A seeded synthetic word2vec text file (GloVe-like: 5 decimals per value, about 9 bytes per value)
is written into a fresh data folder's ``vectors/``; then, each in a fresh process:

1. first open: ``explorer.library.open_vectors`` converts it to ``vectors/.cache/...`` and maps it;
2. reopen: the same call maps the cache (the file is not parsed again);
3. with ``--compare``: ``vectors_io.load_vectors`` on the same file (the upload path, no cache);
4. with ``--binary``: the same vectors written as word2vec binary, first open and reopen.

Each child reports its wall time and its peak resident memory (``VmHWM``: ``ru_maxrss`` would carry the
parent's peak over the fork, so it is only printed alongside)
and its resident memory after the imports; the table gives both against the float32 matrix
(rows x dims x 4 bytes). The issue's targets for 400,000 x 300: first open at most 60 s, reopen at
most 3 s, peak memory at most 1.5x the matrix.

    .venv/bin/python benchmarks/bench_library.py --quick        # 100,000 x 300
    .venv/bin/python benchmarks/bench_library.py                # 400,000 x 300 (about 1 GB of text)
    .venv/bin/python benchmarks/bench_library.py --rows 200000 --compare
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

NAME = "synthetic.txt"
BINARY = "synthetic.bin"


def write_word2vec_text(path: Path, rows: int, dims: int, seed: int = 0) -> None:
    """A seeded word2vec text file: a ``rows dims`` header, then ``w<i>`` and ``dims`` values with 5 decimals."""
    rng = np.random.default_rng(seed)
    fmt = " ".join(["%.5f"] * dims)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"{rows} {dims}\n")
        for start in range(0, rows, 10_000):
            block = rng.normal(scale=0.4, size=(min(10_000, rows - start), dims)).astype(np.float32)
            fh.write("".join(f"w{start + i} {fmt % tuple(row)}\n" for i, row in enumerate(block.tolist())))


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))


def child(mode: str, data_dir: str) -> None:
    """One measured open in this process; prints a JSON line."""
    from explorer import library
    from explorer.vectors_io import load_vectors

    base = _status_kb("VmRSS")
    start = time.perf_counter()
    if mode == "upload":
        wv = load_vectors(str(Path(data_dir) / "vectors" / NAME))
    else:
        wv = library.open_vectors(data_dir, BINARY if mode.endswith("-binary") else NAME)
    seconds = time.perf_counter() - start
    # ru_maxrss keeps the parent's peak across fork and exec on Linux (the signal struct's maxrss), so the
    # child's own peak is read from VmHWM, which starts afresh with the new program; both are printed.
    peak = _status_kb("VmHWM")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    query_start = time.perf_counter()
    wv.most_similar(wv.keys[0], topn=10)  # the first query normalises every row (a copy in memory)
    query = time.perf_counter() - query_start
    after_query = _status_kb("VmHWM")  # the mapped pages read and the normalised copy, on top of the open
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_kb": peak,
                "maxrss_kb": maxrss,
                "base_kb": base,
                "rows": len(wv),
                "dim": wv.vector_size,
                "query_s": query,
                "after_query_kb": after_query,
            }
        )
    )


def run_child(mode: str, data_dir: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(data_dir)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 x 300 instead of 400,000 x 300")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--dims", type=int, default=300)
    parser.add_argument("--compare", action="store_true", help="also time vectors_io.load_vectors (the upload path)")
    parser.add_argument("--binary", action="store_true", help="also the same vectors as a word2vec binary file")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md as it is")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    rows = args.rows or (100_000 if args.quick else 400_000)
    with tempfile.TemporaryDirectory(prefix="bench-library-") as tmp:
        data = Path(tmp)
        (data / "vectors").mkdir()
        t0 = time.perf_counter()
        write_word2vec_text(data / "vectors" / NAME, rows, args.dims)
        size = (data / "vectors" / NAME).stat().st_size
        print(f"wrote {size:,} bytes in {time.perf_counter() - t0:.0f} s", flush=True)
        results = [("first open (convert + map)", run_child("first", data))]
        print(results[-1], flush=True)
        results.append(("reopen (map the cache)", run_child("reopen", data)))
        print(results[-1], flush=True)
        if args.compare:
            results.append(("load_vectors (upload path, no cache)", run_child("upload", data)))
            print(results[-1], flush=True)
        if args.binary:
            from explorer.library import open_vectors
            from explorer.vectors_io import save_vectors

            save_vectors(open_vectors(data, NAME), data / "vectors" / BINARY, "word2vec_binary")
            binary_mb = (data / "vectors" / BINARY).stat().st_size / 2**20
            results.append((f"word2vec binary ({binary_mb:,.0f} MB): first open", run_child("first-binary", data)))
            print(results[-1], flush=True)
            results.append(("word2vec binary: reopen", run_child("reopen-binary", data)))
            print(results[-1], flush=True)
    matrix_mb = rows * args.dims * 4 / 2**20
    table = []
    for what, r in results:
        peak, base = r["peak_kb"] / 1024, r["base_kb"] / 1024
        table.append(
            [what, f"{r['seconds']:.1f}", f"{peak:,.0f}", f"{peak - base:,.0f}", f"{peak / matrix_mb:.2f}x",
             f"{(peak - base) / matrix_mb:.2f}x", f"{r['query_s']:.1f}", f"{r['after_query_kb'] / 1024:,.0f}"]
        )  # fmt: skip
    from benchmarks._report import markdown_table, write_section

    command = "python benchmarks/bench_library.py" + (" --quick" if args.quick else "")
    command += f" --rows {args.rows}" if args.rows else ""
    command += " --compare" if args.compare else ""
    command += " --binary" if args.binary else ""
    body = (
        f"A seeded word2vec text file of {rows:,} words x {args.dims} (5 decimals per value, {size / 2**20:,.0f} MB) in "
        f"a library folder; its float32 matrix is {matrix_mb:,.0f} MB. Each row is a fresh process: wall time of the "
        "open, peak resident memory (the child's `VmHWM`; `ru_maxrss` keeps the parent's peak across the fork) and the peak minus the resident memory after the imports "
        "(*added*), each also as a multiple of the matrix; then the time of the first neighbour query and the peak "
        "after it: a library set reads the cache's unit-length rows (mapped pages, shared with every process that "
        "maps the same cache; here still in the page cache from the conversion), the upload path normalises every "
        "row into a float32 copy of its own.\n\n"
        + markdown_table(
            [
                "open",
                "s",
                "peak MB",
                "added MB",
                "peak / matrix",
                "added / matrix",
                "first query s",
                "peak MB after it",
            ],
            table,
        )
        + "\nTargets (issue 24, 400,000 x 300): first open at most 60 s, reopen at most 3 s, peak memory at most 1.5x "
        "the float32 matrix.\n\nMachine: 2 cores, 24 GB.\n\nCommand: `" + command + "`\n"
    )
    print(body)
    if not args.no_write:
        write_section("library", "Vector library: first open and reopen of a large text file", body)


if __name__ == "__main__":
    main()
