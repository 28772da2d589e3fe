"""Training speed and quality at the defaults a user gets, side by side with each method's peer.

Run from the repository root:

    .venv/bin/python benchmarks/bench_train.py                       # every method, ~1M words
    .venv/bin/python benchmarks/bench_train.py --glove-dir ~/GloVe   # with Stanford GloVe as GloVe's peer
    .venv/bin/python benchmarks/bench_train.py --big                 # also the 100M-token run (minutes)

Peers, each on the same tokenised text, in the same run: skip-gram and CBOW against gensim 4's
Word2Vec, subword skip-gram against gensim 4's FastText (sg=1), all with vector_size=100,
window=5, negative=5, min_count=5, sample=1e-3, 5 epochs and workers=2 (the cores of this
machine); ours runs with only those parameters set, every other one at its default (workers
included, which defaults to the cores this process may use). GloVe runs against Stanford GloVe
(C; build https://github.com/stanfordnlp/GloVe with `make` and pass its folder) at window 5,
x_max 10, 15 iterations and 2 threads, the whole pipeline timed (vocabulary, co-occurrence
counting, shuffling, training). PPMI+SVD runs against a plain NumPy/SciPy reference (sparse
counts, PPMI with context smoothing 0.75, `scipy.sparse.linalg.svds`). Quality is WordSim-353
Spearman and Google analogy accuracy (3CosAdd, 30k most frequent words), scored by
``explorer.evaluation`` for every row.

``--big`` builds a synthetic corpus of about 100M tokens by concatenating shuffled copies of the
reference text's sentences, trains skip-gram on it with the command-line trainer
(``python -m explorer.train``, 1 epoch) and reports its peak resident memory and words/s next to
the same command on the 1M-word text. Both tables go to docs/benchmarks.md (sections "train"
and "train-big").
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from scipy.sparse.linalg import svds  # noqa: E402

from benchmarks._report import markdown_table, write_section  # noqa: E402
from explorer.corpus import Corpus  # noqa: E402
from explorer.evaluation import evaluate_analogies, evaluate_word_pairs  # noqa: E402
from explorer.training import make_trainer  # noqa: E402
from explorer.vectors import WordVectors  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CORPORA = ["gutenberg_big.txt", "lee_background.cor", "wikitext2_test.txt", "wikitext2_valid.txt"]
COMMON = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3)
GLOVE = dict(vector_size=100, window=5, min_count=5, x_max=10.0, epochs=15)


def load_corpus(files: list[str]) -> Corpus:
    texts = [(DATA / "corpora" / f).read_text(encoding="utf-8", errors="replace") for f in files]
    return Corpus.from_texts(texts, name="reference text")


def quality(wv: WordVectors) -> tuple[float, float]:
    pairs = evaluate_word_pairs(wv, DATA / "eval" / "wordsim353.tsv")
    try:
        acc = evaluate_analogies(wv, DATA / "eval" / "questions-words.txt", restrict_vocab=30_000).accuracy
    except ValueError:
        acc = float("nan")
    return float(pairs.spearman), float(acc)


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


CPU: dict[int, float] = {}  # id of a run's vectors -> CPU seconds of the run


def timed(fn):  # type: ignore[no-untyped-def]
    start, cpu = time.perf_counter(), cpu_seconds()
    out = fn()
    CPU[id(out)] = cpu_seconds() - cpu
    return out, time.perf_counter() - start


def gensim_vectors(model) -> WordVectors:  # type: ignore[no-untyped-def]
    kv = model.wv
    counts = [kv.get_vecattr(w, "count") for w in kv.index_to_key]
    return WordVectors(kv.index_to_key, kv.vectors, counts=counts, name="gensim")


def run_gensim(corpus: Corpus, method: str, epochs: int, seed: int) -> tuple[WordVectors, float]:
    from gensim.models import FastText, Word2Vec

    sentences = [list(s) for s in corpus.sentences]
    if method == "subword":
        model, sec = timed(lambda: FastText(sentences, sg=1, epochs=epochs, workers=2, seed=seed, **COMMON))
    else:
        sg = 1 if method == "sgns" else 0
        model, sec = timed(lambda: Word2Vec(sentences, sg=sg, epochs=epochs, workers=2, seed=seed, **COMMON))
    wv = gensim_vectors(model)
    CPU[id(wv)] = CPU.pop(id(model))
    return wv, sec


def run_ours(corpus: Corpus, method: str, seed: int, **config: object) -> tuple[WordVectors, float]:
    def train() -> WordVectors:
        trainer = make_trainer(method, corpus, seed=seed, device="cpu", **config)
        trainer.run()
        return trainer.snapshot()

    return timed(train)


def run_stanford_glove(corpus: Corpus, glove_dir: Path, threads: int = 2) -> tuple[WordVectors, float]:
    """Stanford GloVe's four programs on the same tokens, one sentence per line; time of the whole pipeline."""
    build = glove_dir / "build"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        text = work / "corpus.txt"
        text.write_text("\n".join(" ".join(s) for s in corpus.sentences) + "\n", encoding="utf-8")
        g = GLOVE
        steps = [
            ([build / "vocab_count", "-min-count", str(g["min_count"]), "-verbose", "0"], text, work / "vocab.txt"),
            (
                [
                    build / "cooccur",
                    "-memory",
                    "4.0",
                    "-vocab-file",
                    work / "vocab.txt",
                    "-window-size",
                    str(g["window"]),
                    "-verbose",
                    "0",
                ],
                text,
                work / "cooc.bin",
            ),  # fmt: skip
            ([build / "shuffle", "-memory", "4.0", "-verbose", "0"], work / "cooc.bin", work / "cooc.shuf.bin"),
        ]
        start, cpu = time.perf_counter(), cpu_seconds()
        for cmd, stdin, stdout in steps:
            with open(stdin, "rb") as fin, open(stdout, "wb") as fout:
                subprocess.run([str(c) for c in cmd], stdin=fin, stdout=fout, stderr=subprocess.DEVNULL, check=True)
        subprocess.run(
            [str(build / "glove"), "-save-file", str(work / "vectors"), "-threads", str(threads), "-input-file",
             str(work / "cooc.shuf.bin"), "-x-max", str(g["x_max"]), "-iter", str(g["epochs"]), "-vector-size",
             str(g["vector_size"]), "-binary", "0", "-vocab-file", str(work / "vocab.txt"), "-verbose", "0"],
            check=True, capture_output=True,
        )  # fmt: skip
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        lines = (work / "vectors.txt").read_text(encoding="utf-8").splitlines()
    rows = [ln.split(" ") for ln in lines if ln and not ln.startswith("<unk> ")]
    vectors = np.array([[float(x) for x in r[1:]] for r in rows], dtype=np.float32)
    wv = WordVectors([r[0] for r in rows], vectors, name="Stanford GloVe")
    CPU[id(wv)] = cpu
    return wv, seconds


def run_ppmi_reference(corpus: Corpus) -> tuple[WordVectors, float]:
    """PPMI+SVD in plain NumPy/SciPy: uniform window 5 counts, context smoothing 0.75, top-100 SVD, U * sqrt(S)."""

    def train() -> WordVectors:
        vocab = corpus.vocab(min_count=COMMON["min_count"])
        rows, cols = [], []
        for sentence in corpus.sentences:
            ids = [vocab.index[t] for t in sentence if t in vocab.index]
            for i, w in enumerate(ids):
                for j in range(max(0, i - 5), min(len(ids), i + 6)):
                    if j != i:
                        rows.append(w)
                        cols.append(ids[j])
        v = len(vocab)
        m = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(v, v)).tocsr()
        total = m.sum()
        row = np.asarray(m.sum(1)).ravel()
        col = np.asarray(m.sum(0)).ravel() ** 0.75
        coo = m.tocoo()
        pmi = np.log((coo.data / total) / ((row[coo.row] / total) * (col[coo.col] / col.sum())))
        keep = pmi > 0
        ppmi = sp.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=(v, v))
        u, s, _ = svds(ppmi, k=COMMON["vector_size"])
        return WordVectors(vocab.words, (u * np.sqrt(s)).astype(np.float32), name="reference")

    return timed(train)


def compare_table(corpus: Corpus, epochs: int, seed: int, glove_dir: Path | None) -> str:
    rows: list[list[object]] = []

    def add(method: str, peer: str, peer_run: tuple[WordVectors, float], ours_run: tuple[WordVectors, float]) -> None:
        (pw, ps), (ow, os_) = peer_run, ours_run
        (pws, pan), (ows, oan) = quality(pw), quality(ow)
        pc, oc = CPU.get(id(pw), float("nan")), CPU.get(id(ow), float("nan"))
        rows.append([method, peer, f"{ps:.1f}", f"{os_:.1f}", f"**{os_ / ps:.2f}x**", f"{pc:.1f} / {oc:.1f}",
                     f"{ows:.3f} / {oan:.3f}", f"{pws:.3f} / {pan:.3f}"])  # fmt: skip
        print(" | ".join(str(c) for c in rows[-1]), flush=True)

    for method, peer in (("sgns", "gensim Word2Vec sg=1"), ("cbow", "gensim Word2Vec sg=0"),
                         ("subword", "gensim FastText sg=1")):  # fmt: skip
        peer_run = run_gensim(corpus, method, epochs, seed)
        add(method, f"{peer}, workers=2", peer_run, run_ours(corpus, method, seed, epochs=epochs, **COMMON))
    if glove_dir is not None:
        peer_run = run_stanford_glove(corpus, glove_dir)
        add("glove", "Stanford GloVe (C), 2 threads", peer_run, run_ours(corpus, "glove", seed, **GLOVE))
    else:
        print("glove: no --glove-dir, Stanford GloVe not run")
    ppmi_cfg = dict(vector_size=100, window=5, min_count=5)
    add("ppmi_svd", "NumPy/SciPy reference", run_ppmi_reference(corpus), run_ours(corpus, "ppmi_svd", seed, **ppmi_cfg))
    headers = [
        "method",
        "peer",
        "peer s",
        "ours s",
        "ours / peer time",
        "CPU s peer / ours",
        "ours WS-353 / analogy",
        "peer WS-353 / analogy",
    ]
    return markdown_table(headers, rows)


# ----- 100M tokens ---------------------------------------------------------------------------------
def write_big_corpus(corpus: Corpus, path: Path, tokens: int, seed: int) -> int:
    """Shuffled copies of the corpus's sentences, one per line, until ``tokens`` tokens; returns the count."""
    sentences = [" ".join(s) for s in corpus.sentences]
    lengths = [len(s) for s in corpus.sentences]
    rng = random.Random(seed)
    written = 0
    with open(path, "w", encoding="utf-8") as fh:
        while written < tokens:
            order = list(range(len(sentences)))
            rng.shuffle(order)
            for i in order:
                fh.write(sentences[i] + "\n")
                written += lengths[i]
                if written >= tokens:
                    break
    return written


def cli_run(corpus_file: Path, out_dir: Path, min_count: int = 5) -> tuple[float, float | None, int, float, int]:
    """(seconds, peak resident MB or None, tokens, training words/s, vocabulary) of `python -m explorer.train`
    on one file, 1 epoch. The peak is None when this run stayed under an earlier child's (getrusage keeps the
    largest child's high-water mark)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "explorer.train", str(corpus_file), "--method", "sgns", "--epochs", "1",
         "--out", str(out_dir / "vectors.txt"), "--work-dir", str(out_dir / "work"), "--max-tokens", "0", "--min-count", str(min_count), "--force"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode != 0:
        sys.exit(f"the command-line trainer failed:\n{proc.stderr[-2000:]}")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = proc.stdout.splitlines()
    tokens = int(next(ln for ln in lines if ln.startswith("tokens:")).split()[1].replace(",", ""))
    trained = next(ln for ln in lines if ln.startswith("trained in"))  # "trained in S s, R words/s; wrote ..."
    rate = float(trained.split(", ")[1].split()[0].replace(",", ""))
    training = next(
        ln for ln in lines if ln.startswith("training:")
    )  # "training: sgns, N words in the vocabulary, ..."
    vocabulary = int(training.split(", ")[1].split()[0].replace(",", ""))
    return seconds, (peak / 1024 if peak > before else None), tokens, rate, vocabulary


def big_table(corpus: Corpus, seed: int, target_tokens: int) -> str:
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        small = work / "reference.txt"
        write_big_corpus(corpus, small, corpus.token_count, seed)
        big = work / "big.txt"
        write_big_corpus(corpus, big, target_tokens, seed)
        # Copies of the same text make every word frequent: at min_count 5 the large corpus keeps all 31k
        # words where the 1M text keeps 12k. The third run raises min_count by the number of copies, so
        # it trains the 1M text's vocabulary: the cost per token of the storage alone, at equal vocabulary.
        copies = max(1, round(target_tokens / corpus.token_count))
        runs = [
            ("reference text (1M), min_count 5", small, 5),
            (f"{target_tokens // 1_000_000}M tokens, synthetic, min_count 5", big, 5),
            (f"{target_tokens // 1_000_000}M tokens, synthetic, min_count {5 * copies}", big, 5 * copies),
        ]
        for i, (label, path, min_count) in enumerate(runs):
            # one epoch of the 1M text trains for about a second: take the median of three runs
            repeats = [cli_run(path, work / f"run{i}", min_count) for _ in range(3 if path == small else 1)]
            sec, _, tokens, rate, vocabulary = sorted(repeats, key=lambda r: r[3])[len(repeats) // 2]
            peak_mb = max((r[1] for r in repeats if r[1] is not None), default=None)
            peak = "-" if peak_mb is None else f"{peak_mb:,.0f}"
            rows.append([label, f"{tokens:,}", f"{vocabulary:,}", f"{sec:.0f}", f"{rate:,.0f}", peak])
            print(" | ".join(str(c) for c in rows[-1]), flush=True)
            shutil.rmtree(work / f"run{i}", ignore_errors=True)
    headers = [
        "corpus",
        "tokens",
        "vocabulary",
        "seconds (read + train + write)",
        "training words/s",
        "peak resident MB",
    ]
    return markdown_table(headers, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one corpus file and 1 epoch")
    parser.add_argument("--epochs", type=int, default=None, help="epochs of the word2vec-style methods (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--glove-dir", type=Path, default=os.environ.get("STANFORD_GLOVE_DIR"),
                        help="a built checkout of github.com/stanfordnlp/GloVe (or STANFORD_GLOVE_DIR)")  # fmt: skip
    parser.add_argument("--big", action="store_true", help="also the 100M-token skip-gram run")
    parser.add_argument("--big-tokens", type=int, default=100_000_000)
    parser.add_argument("--only-big", action="store_true", help="skip the peer comparison")
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if not (DATA / "corpora").is_dir():
        sys.exit(f"Reference data not found at {DATA}; the benchmark needs ../shared/data.")
    files = CORPORA[:1] if args.quick else CORPORA
    epochs = args.epochs or (1 if args.quick else 5)
    load = os.getloadavg()[0]
    corpus = load_corpus(files)
    print(f"corpus: {corpus.token_count:,} tokens, {len(corpus.sentences):,} sentences")
    if not args.only_big:
        table = compare_table(corpus, epochs, args.seed, args.glove_dir)
        print(table)
        if not args.no_write:
            command = "python benchmarks/bench_train.py" + (" --quick" if args.quick else "")
            body = (
                f"`{command} --glove-dir <built GloVe checkout>`: {corpus.token_count:,} tokens of ../shared/data/"
                f"corpora ({', '.join(files)}), tokenised by `explorer.corpus`. Word2vec-style methods: "
                f"vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, {epochs} epoch(s), gensim "
                "with workers=2, ours with every other parameter at its default (workers: the cores this process "
                "may use, here 2). GloVe: window 5, x_max 10, 15 iterations for both, Stanford GloVe on 2 threads, "
                "its whole pipeline timed. Quality: WordSim-353 Spearman / Google analogy accuracy (3CosAdd, 30k "
                "most frequent words), both scored by `explorer.evaluation`. Times include vocabulary building.\n\n"
                + table
                + "\nOne million words is small: absolute scores are low for every implementation; compare rows "
                "side by side. Ratios below 1 mean ours is faster. CPU s counts every thread of the run (and "
                f"Stanford GloVe's processes); the 1-minute load average was {load:.1f} on {os.cpu_count()} cores "
                "when the run started, and on a busy machine wall times include waiting for other work."
            )
            write_section("train", "Training at the defaults, against each method's peer", body)
    if args.big or args.only_big:
        table = big_table(corpus, args.seed, args.big_tokens)
        print(table)
        if not args.no_write:
            body = (
                "`python benchmarks/bench_train.py --only-big`: skip-gram (1 epoch, every other parameter at its "
                "default) through the command-line trainer `python -m explorer.train`, which streams the file "
                "into an int32 token-id file (memory-mapped) and trains from it. The large corpus is synthetic: "
                "shuffled copies of the reference text's sentences, concatenated. Peak resident memory is the "
                "child process's high-water mark (getrusage; '-' where a run stayed under an earlier one's). The 1M row "
                "is the median of three runs (one epoch of it trains for about a second). Copies "
                "of one text make every word frequent, so at min_count 5 the large corpus has a larger vocabulary "
                "than the 1M text (larger matrices, more cache misses per token); the last row raises min_count by "
                "the number of copies to train the 1M text's vocabulary, which isolates the cost of the storage "
                "itself.\n\n" + table
            )
            write_section("train-big", "Training a 100M-token corpus on one machine", body)


if __name__ == "__main__":
    main()
