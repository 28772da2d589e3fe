"""Training speed and quality, side by side with gensim 4 on the same tokenised text.

Run from the repository root:

    .venv/bin/python benchmarks/bench_train.py            # all ~1M words, 5 epochs
    .venv/bin/python benchmarks/bench_train.py --quick    # one corpus file, 1 epoch

Skip-gram and CBOW run with vector_size=100, window=5, negative=5, min_count=5, sample=1e-3 and
the same epochs in both libraries, gensim with workers=2 and ours with workers=2 (two worker
threads, each running torch on one thread, like gensim's) and workers=1. Quality is WordSim-353
Spearman and Google analogy accuracy (3CosAdd, 30k most frequent words), scored by
``explorer.evaluation`` for both. PPMI+SVD and GloVe (no gensim peer) are reported on the same
text. The table goes to docs/benchmarks.md (section "train").
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from benchmarks._report import markdown_table, write_section  # noqa: E402
from explorer.corpus import Corpus  # noqa: E402
from explorer.evaluation import evaluate_analogies, evaluate_word_pairs  # noqa: E402
from explorer.training import make_trainer  # noqa: E402
from explorer.vectors import WordVectors  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CORPORA = ["gutenberg_big.txt", "lee_background.cor", "wikitext2_test.txt", "wikitext2_valid.txt"]
COMMON = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3)


def load_corpus(files: list[str]) -> Corpus:
    texts = [(DATA / "corpora" / f).read_text(encoding="utf-8", errors="replace") for f in files]
    return Corpus.from_texts(texts, name="shared corpora")


def quality(wv: WordVectors) -> tuple[float, float, int]:
    pairs = evaluate_word_pairs(wv, DATA / "eval" / "wordsim353.tsv")
    try:
        analogies = evaluate_analogies(wv, DATA / "eval" / "questions-words.txt", restrict_vocab=30_000)
        acc, n = analogies.accuracy, analogies.total
    except ValueError:
        acc, n = float("nan"), 0
    return float(pairs.spearman), float(acc), int(n)


def run_gensim(corpus: Corpus, sg: int, epochs: int, seed: int) -> tuple[WordVectors, float]:
    from gensim.models import Word2Vec

    sentences = [list(s) for s in corpus.sentences]
    start = time.perf_counter()
    model = Word2Vec(sentences, sg=sg, epochs=epochs, workers=2, seed=seed, **COMMON)
    seconds = time.perf_counter() - start
    kv = model.wv
    counts = [kv.get_vecattr(w, "count") for w in kv.index_to_key]
    return WordVectors(kv.index_to_key, kv.vectors, counts=counts, name="gensim"), seconds


def run_ours(corpus: Corpus, method: str, workers: int, seed: int, **config: object) -> tuple[WordVectors, float]:
    start = time.perf_counter()
    trainer = make_trainer(method, corpus, seed=seed, workers=workers, device="cpu", **config)
    trainer.run()
    seconds = time.perf_counter() - start
    return trainer.snapshot(), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one corpus file (~470k words) and 1 epoch")
    parser.add_argument("--epochs", type=int, default=None, help="epochs of skip-gram and CBOW (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if not (DATA / "corpora").is_dir():
        sys.exit(f"Reference data not found at {DATA}; the benchmark needs ../shared/data.")
    files = CORPORA[:1] if args.quick else CORPORA
    epochs = args.epochs or (1 if args.quick else 5)
    torch.set_num_threads(2)

    start = time.perf_counter()
    corpus = load_corpus(files)
    print(f"corpus: {corpus.token_count:,} tokens, {len(corpus.sentences):,} sentences "
          f"(tokenised in {time.perf_counter() - start:.1f} s)")  # fmt: skip
    words = corpus.token_count * epochs

    rows: list[list[object]] = []

    def add(method: str, impl: str, wv: WordVectors, seconds: float, trained_words: int | None) -> None:
        ws, acc, n = quality(wv)
        speed = f"{trained_words / seconds:,.0f}" if trained_words else "–"
        rows.append([method, impl, f"{seconds:.1f}", speed, f"{ws:.3f}", f"{acc:.3f} ({n:,} q.)", f"{len(wv):,}"])
        print(" | ".join(str(c) for c in rows[-1]), flush=True)

    for method, sg in (("sgns", 1), ("cbow", 0)):
        wv, sec = run_gensim(corpus, sg, epochs, args.seed)
        add(method, "gensim 4, workers=2", wv, sec, words)
        torch.set_num_threads(2)
        wv, sec = run_ours(corpus, method, 2, args.seed, epochs=epochs, **COMMON)
        add(method, "explorer, workers=2", wv, sec, words)
        wv, sec = run_ours(corpus, method, 1, args.seed, epochs=epochs, **COMMON)
        add(method, "explorer, workers=1", wv, sec, words)

    wv, sec = run_ours(corpus, "ppmi_svd", 1, args.seed, vector_size=100, window=5, min_count=5)
    add("ppmi_svd", "explorer, workers=1", wv, sec, None)
    glove_epochs = 5 if args.quick else 15
    wv, sec = run_ours(corpus, "glove", 1, args.seed, vector_size=100, window=10, min_count=5, epochs=glove_epochs)
    add(f"glove ({glove_epochs} epochs)", "explorer, workers=1", wv, sec, None)

    headers = ["method", "implementation", "seconds", "words/s", "WordSim-353 ρ", "analogy acc.", "vocabulary"]
    table = markdown_table(headers, rows)
    print(table)
    if args.no_write:
        return
    command = "python benchmarks/bench_train.py" + (" --quick" if args.quick else "")
    body = (
        f"`{command}`: {corpus.token_count:,} tokens of ../shared/data/corpora ({', '.join(files)}), "
        f"tokenised by `explorer.corpus`; skip-gram and CBOW with vector_size=100, window=5, negative=5, "
        f"min_count=5, sample=1e-3, {epochs} epoch(s) in both libraries. Quality: WordSim-353 Spearman, "
        "Google analogies (3CosAdd, 30k most frequent words), both scored by `explorer.evaluation`. "
        "words/s counts corpus tokens times epochs over wall time (vocabulary building included for both).\n\n"
        + table
        + "\nNotes: `workers=N` runs N worker threads, each with torch on one CPU thread, updating the "
        "shared rows without locks as gensim's workers do. On a machine whose cores are busy with other "
        "work, two workers can be slower than one; the trainers default to `workers=1`. One million "
        "words is small: the absolute scores are low for every implementation, compare them side by side."
    )
    write_section("train", "Training: explorer.training vs gensim", body)


if __name__ == "__main__":
    main()
