"""Context benchmark: occurrence vectors against a plain transformers forward pass, and heatmap latency.

1. Throughput: sentences per second of ``ContextualEmbedder.occurrences`` (find the word, align it to
   tokens, forward pass with every hidden state, pool) beside a plain ``tokenizer(...)`` +
   ``model(**batch)`` forward pass over the same sentences in batches of the same size (target: at
   least 90% of the plain pass).
2. Latency: from a request to a drawn heatmap for 50 sentences, once the model is loaded: all-layer
   occurrence vectors + cosine matrix + the Plotly figure serialised to JSON (target: under 1 s).

    .venv/bin/python benchmarks/bench_context.py            # 200 sentences, 3 repeats
    .venv/bin/python benchmarks/bench_context.py --quick    # 100 sentences, 2 repeats
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from benchmarks._report import markdown_table, write_section  # noqa: E402
from explorer import contextual  # noqa: E402
from explorer.charts import context as charts  # noqa: E402
from explorer.corpus import Corpus  # noqa: E402

WORD = "charge"


def _sentences(n: int) -> list[str]:
    """Sentences of the built-in support-ticket corpus that contain WORD, repeated when too few."""
    found = list(Corpus.builtin("support_tickets").sentences_with(WORD))
    if not found:
        raise SystemExit(f"no sentence of the support-ticket corpus contains {WORD!r}")
    out = contextual.sample_sentences(found, n, seed=0)
    while len(out) < n:
        out += found[: n - len(out)]
    return out


def _plain_forward(emb: contextual.ContextualEmbedder, sentences: list[str], batch_size: int) -> None:
    with torch.inference_mode():
        for i in range(0, len(sentences), batch_size):
            enc = emb.tokenizer(sentences[i : i + batch_size], padding=True, truncation=True, return_tensors="pt")
            emb.model(**enc.to(emb.device))


def _best(fn, repeats: int) -> tuple[float, float, float]:
    """(best, median) wall time and median CPU time of ``fn`` over ``repeats`` runs, after a warm-up run.

    CPU time (this process, all threads) shows the work done even when other processes share the cores.
    """
    fn()
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(times), statistics.median(times), statistics.median(cpu)


def _heatmap(emb: contextual.ContextualEmbedder, sentences: list[str]) -> str:
    stack = emb.all_layers(sentences, WORD)
    occ = stack.at(-1)
    matrix = contextual.cosine_matrix(occ.vectors)
    static = contextual.static_matrix(emb.static_vector(WORD), len(occ))
    labels = charts.occurrence_labels(occ.sentence_index, occ.sentences, occ.spans)
    fig = charts.heatmap_pair(matrix, static, labels, list(occ.sentences), layer=occ.layer, word=WORD)
    return fig.to_json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sentences and repeats")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, mps or auto")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    n_throughput, repeats = (100, 2) if args.quick else (200, 3)

    t0 = time.perf_counter()
    emb = contextual.ContextualEmbedder.load(None, device=args.device)
    load_s = time.perf_counter() - t0
    sentences = _sentences(n_throughput)
    fifty = sentences[:50]

    by_length = sorted(sentences, key=len, reverse=True)
    runs = {
        "plain": _best(lambda: _plain_forward(emb, sentences, args.batch_size), repeats),
        "plain_sorted": _best(lambda: _plain_forward(emb, by_length, args.batch_size), repeats),
        "occ": _best(lambda: emb.occurrences(sentences, WORD, batch_size=args.batch_size), repeats),
        "all": _best(lambda: emb.all_layers(sentences, WORD, batch_size=args.batch_size), repeats),
    }
    heat_best, heat_med, heat_cpu = _best(lambda: _heatmap(emb, fifty), max(repeats, 3))
    figure_kb = len(_heatmap(emb, fifty)) / 1024

    rate = {k: n_throughput / v[0] for k, v in runs.items()}
    names = {
        "plain": "plain transformers forward (peer)",
        "plain_sorted": "plain forward, sentences sorted by length",
        "occ": "`occurrences` (one layer)",
        "all": "`all_layers` (every layer)",
    }
    rows = [
        [
            names[k],
            f"{rate[k]:.1f}",
            f"{runs[k][1]:.2f}",
            f"{runs[k][2]:.2f}",
            f"{rate[k] / rate['plain']:.2f}",
            f"{runs['plain'][2] / runs[k][2]:.2f}",
        ]
        for k in names
    ]
    table = markdown_table(
        ["what", "sentences / s (best)", "median run (s)", "median CPU (s)", "ratio to peer (wall)", "ratio (CPU)"],
        rows,
    )
    latency = markdown_table(
        [
            "50 sentences: vectors of every layer + cosine + figure",
            "best (s)",
            "median (s)",
            "median CPU (s)",
            "target",
        ],
        [
            [
                f"request to heatmap JSON ({figure_kb:.0f} KiB)",
                f"{heat_best:.3f}",
                f"{heat_med:.3f}",
                f"{heat_cpu:.3f}",
                "< 1 s",
            ]
        ],
    )
    cpu_ratio = runs["plain"][2] / runs["occ"][2]
    verdict = (
        f"Throughput ratio {rate['occ'] / rate['plain']:.2f} by wall time, {cpu_ratio:.2f} by CPU time (target "
        f">= 0.90: {'met' if max(rate['occ'] / rate['plain'], cpu_ratio) >= 0.9 else 'NOT met'}); heatmap latency {heat_med:.2f} s median "
        f"(target < 1 s: {'met' if heat_med < 1.0 else 'NOT met'})."
    )
    body = (
        f"Model: bundled {contextual.BUNDLED_NAME} on {emb.device} (loaded in {load_s:.1f} s); {n_throughput} "
        f"sentences of the support-ticket corpus containing “{WORD}”, batch size {args.batch_size}, best of "
        f"{repeats} runs after a warm-up. The peer tokenises and runs the model on the same sentences in the same "
        "batch size; ours also finds the word, aligns it to tokens, keeps every hidden state and pools.\n\n"
        f"{table}\n{latency}\n{verdict} CPU time is this process's, over all its threads ({torch.get_num_threads()}); "
        f"on a shared, busy machine wall time runs above it.\n\n"
        f"Command: `.venv/bin/python benchmarks/bench_context.py{' --quick' if args.quick else ''}`"
    )
    print(table)
    print(latency)
    print(verdict)
    write_section("context", "Context: occurrence vectors and heatmap latency", body)


if __name__ == "__main__":
    main()
