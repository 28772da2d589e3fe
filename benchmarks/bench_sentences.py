"""Sentences per second for each way of making sentence vectors, on 10k real English sentences.

Run from the repository root:

    .venv/bin/python benchmarks/bench_sentences.py            # 10,000 sentences
    .venv/bin/python benchmarks/bench_sentences.py --quick    # 2,000 sentences

The averaged methods use the bundled transformer's input-embedding rows (the app's reference
static vectors) and document frequencies counted over the same sentences. Peers run on the same
sentences in the same process: a plain per-sentence NumPy loop for averaging, and
sentence-transformers' own ``encode`` for the transformer (which also checks that both give the
same vectors).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks._report import markdown_table, write_section  # noqa: E402
from explorer.contextual import ContextualEmbedder  # noqa: E402
from explorer.corpus import split_sentences, tokenize  # noqa: E402
from explorer.sentences import DocumentFrequencies, encode_average, encode_with_embedder  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "corpora"
SOURCES = ("lee_background.cor", "wikitext2_valid.txt", "gutenberg_big.txt")


def load_sentences(n: int) -> list[str]:
    """The first ``n`` sentences of 3 to 60 tokens from the reference corpora (Lee news first)."""
    out: list[str] = []
    for name in SOURCES:
        with open(DATA / name, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                for s in split_sentences(line.replace(" @-@ ", "-").replace("<unk>", "")):
                    if 3 <= len(tokenize(s)) <= 60:
                        out.append(s)
                        if len(out) == n:
                            return out
    raise SystemExit(f"only {len(out)} sentences found in {DATA}; need {n}")


def timed(fn, repeats: int = 1):
    """(best seconds, last result) over ``repeats`` runs."""
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def naive_mean(sentences: list[str], wv) -> np.ndarray:
    """The textbook loop: look up each token, np.mean per sentence."""
    out = np.zeros((len(sentences), wv.vector_size), dtype=np.float32)
    for i, s in enumerate(sentences):
        rows = [wv.vectors[wv.key_to_index[t]] for t in tokenize(s) if t in wv.key_to_index]
        if rows:
            out[i] = np.mean(rows, axis=0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 sentences instead of 10,000")
    parser.add_argument("--n", type=int, default=None, help="number of sentences (overrides --quick)")
    parser.add_argument(
        "--transformer-n",
        type=int,
        default=None,
        help="sentences for the transformer and its peer (default: all on a GPU, 1,000 on a CPU, 500 with --quick)",
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    n = args.n or (2_000 if args.quick else 10_000)

    sentences = load_sentences(n)
    tokens = sum(len(tokenize(s)) for s in sentences)
    embedder = ContextualEmbedder.load(None, device="auto")
    wv = embedder.static_vectors()
    print(f"{n:,} sentences, {tokens:,} tokens; {wv!r}; transformer on {embedder.device}")

    rows: list[list[object]] = []
    df_s, df = timed(lambda: DocumentFrequencies.from_documents(tokenize(s) for s in sentences), repeats=1)
    rows.append(["document frequencies (TF-IDF setup)", f"{n / df_s:,.0f}", f"{df_s:.2f}", "counted once per corpus"])

    naive_s, naive = timed(lambda: naive_mean(sentences, wv), repeats=2)
    results = {}
    for method in ("mean", "no_stopwords", "tfidf"):
        secs, res = timed(lambda m=method: encode_average(sentences, wv, m, document_frequencies=df), repeats=2)
        results[method] = res
        note = f"{naive_s / secs:.1f}x the naive loop" if method == "mean" else ""
        if method == "mean":
            ok = np.abs(res.matrix - naive).max()
            note += f" (max diff {ok:.1e}; includes per-word contributions)"
        rows.append([f"averaged: {method}", f"{n / secs:,.0f}", f"{secs:.2f}", note])
    rows.append(["peer: naive NumPy loop, plain mean", f"{n / naive_s:,.0f}", f"{naive_s:.2f}", "vectors only"])

    on_cpu = embedder.device.type == "cpu"
    n_tr = min(n, args.transformer_n or ((500 if args.quick else 1_000) if on_cpu else n))
    subset = sentences[:n_tr]
    tr_s, tr = timed(lambda: encode_with_embedder(subset, embedder, batch_size=args.batch_size))
    rows.append(
        [
            f"transformer (batch {args.batch_size}, sorted by length)",
            f"{n_tr / tr_s:,.0f}",
            f"{tr_s:.2f}",
            f"{embedder.device}, first {n_tr:,} sentences",
        ]
    )
    try:
        from sentence_transformers import SentenceTransformer

        st_model = SentenceTransformer(str(embedder.model.name_or_path), device=str(embedder.device))
        st_model.max_seq_length = embedder.max_length
        st_s, st_vecs = timed(lambda: st_model.encode(subset, batch_size=args.batch_size, normalize_embeddings=True))
        diff = float(np.abs(np.asarray(st_vecs) - tr.matrix).max())
        rows.append(
            [
                "peer: sentence-transformers encode",
                f"{n_tr / st_s:,.0f}",
                f"{st_s:.2f}",
                f"ours is {st_s / tr_s:.2f}x its speed; max diff {diff:.1e}",
            ]
        )
    except Exception as exc:  # noqa: BLE001 - the peer is optional
        rows.append(["peer: sentence-transformers encode", "–", "–", f"not run: {exc}"])

    headers = ["method", "sentences/s", "seconds", "notes"]
    table = markdown_table(headers, rows)
    print(table)
    if not args.no_write:
        body = (
            f"{n:,} sentences ({tokens:,} tokens) from `../shared/data/corpora` ({', '.join(SOURCES)}, in that "
            f"order, 3-60 tokens each). Static vectors: the bundled MiniLM's input-embedding rows "
            f"({len(wv):,} words, {wv.vector_size} dimensions); TF-IDF document frequencies counted over the same "
            f"sentences. Averaging times include tokenising and the per-word contribution shares. The transformer "
            f"and its peer ran on the first {n_tr:,} sentences ({embedder.device}; on a CPU the whole 10k takes "
            f"minutes, `--transformer-n 10000` runs them all). Command: "
            f"`.venv/bin/python benchmarks/bench_sentences.py{' --quick' if args.quick else ''}`.\n\n" + table
        )
        write_section("sentences", "Sentence vectors (Sentences page)", body)


if __name__ == "__main__":
    main()
