"""Analogy and word-similarity scores of the app's vector sets, and the speed of the batched evaluator.

Run from the repository root:

    .venv/bin/python benchmarks/bench_analogies.py                    # gensim timed on every 4th question
    .venv/bin/python benchmarks/bench_analogies.py --gensim-every 1   # gensim on all 19,544 (10 min when busy)
    .venv/bin/python benchmarks/bench_analogies.py --quick            # smaller corpus, 1 epoch, every 10th

Quality: Google analogies (19,544 questions, 30k most frequent words, 3CosAdd and 3CosMul) and
WordSim-353 / SimLex-999 Spearman of (1) the bundled transformer's input-embedding rows
(``ContextualEmbedder.static_vectors()``), (2) skip-gram trained by ``explorer.training`` on the
reference corpora in ../shared/data/corpora, and (3) gensim's skip-gram on the same tokens, as
a yardstick. Speed: one full evaluation of the 19,544 questions on a 30,000-word vocabulary by
``explorer.evaluation`` against gensim's ``KeyedVectors.evaluate_word_analogies`` on the same
vectors, with the accuracies of both (they must agree). Writes the "analogies" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarks._report import markdown_table, write_section  # noqa: E402
from explorer.corpus import Corpus  # noqa: E402
from explorer.evaluation import AnalogySet, evaluate_analogies, evaluate_word_pairs, read_analogies  # noqa: E402
from explorer.vectors import WordVectors  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
QUESTIONS = DATA / "eval" / "questions-words.txt"
PAIRS = {"WordSim-353": DATA / "eval" / "wordsim353.tsv", "SimLex-999": DATA / "eval" / "simlex999.txt"}
CORPORA = ["gutenberg_big.txt", "lee_background.cor", "wikitext2_test.txt", "wikitext2_valid.txt"]
SGNS = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3)


def _keyed(wv: WordVectors):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=wv.vector_size)
    kv.add_vectors(list(wv.keys), np.asarray(wv.vectors))
    return kv


def reference_vectors() -> tuple[WordVectors, str]:
    from explorer.contextual import ContextualEmbedder

    wv = ContextualEmbedder.load(device="cpu").static_vectors()
    return wv, "bundled MiniLM input embeddings (whole-word rows)"


def trained_vectors(corpus: Corpus, epochs: int, max_seconds: float) -> tuple[WordVectors, str]:
    from explorer.training import make_trainer

    trainer = make_trainer("sgns", corpus, epochs=epochs, seed=1, device="cpu", **SGNS)
    start = time.perf_counter()
    trainer.run(max_seconds=max_seconds)
    seconds = time.perf_counter() - start
    done = (
        f"{epochs} epoch(s)"
        if trainer.done
        else f"{trainer.progress:.0%} of {epochs} epoch(s), capped at {max_seconds:.0f} s"
    )
    return trainer.snapshot(), f"explorer skip-gram on the reference corpora ({done}, {seconds:.0f} s)"


def gensim_vectors(corpus: Corpus, epochs: int) -> tuple[WordVectors, str]:
    from gensim.models import Word2Vec

    start = time.perf_counter()
    model = Word2Vec([list(s) for s in corpus.sentences], sg=1, epochs=epochs, workers=2, seed=1, **SGNS)
    seconds = time.perf_counter() - start
    kv = model.wv
    wv = WordVectors(kv.index_to_key, kv.vectors, counts=[kv.get_vecattr(w, "count") for w in kv.index_to_key])
    return wv, f"gensim skip-gram, same tokens ({epochs} epochs, {seconds:.0f} s; yardstick)"


def quality_row(label: str, wv: WordVectors, questions: AnalogySet) -> list[object]:
    add = evaluate_analogies(wv, questions, restrict_vocab=30_000, method="3cosadd")
    mul = evaluate_analogies(wv, questions, restrict_vocab=30_000, method="3cosmul")
    cells: list[object] = [label, f"{len(wv):,} × {wv.vector_size}", f"{add.accuracy:.3f}", f"{mul.accuracy:.3f}"]
    cells.append(f"{add.total:,} / {add.questions:,}")
    for path in PAIRS.values():
        r = evaluate_word_pairs(wv, path)
        cells.append(f"{r.spearman:.3f} ({r.oov_ratio:.0%} OOV)")
    return cells


def timing_vectors(questions: AnalogySet, dim: int = 300, size: int = 30_000) -> WordVectors:
    """A 30,000-word set holding every question word (lower-cased), so all 19,544 questions count."""
    rng = np.random.default_rng(0)
    words = sorted({w.lower() for _, qs in questions.sections for q in qs for w in q})
    keys = words + [f"filler{i}" for i in range(size - len(words))]
    base = rng.normal(size=(len(keys), dim)).astype(np.float32)
    # A shared offset per section, so that part of the answers are right and the comparison means something.
    index = {k: i for i, k in enumerate(keys)}
    for _, qs in questions.sections:
        offset = rng.normal(size=dim).astype(np.float32)
        for a, b, _c, _d in qs:
            base[index[b.lower()]] = base[index[a.lower()]] + offset + rng.normal(size=dim).astype(np.float32) * 0.8
    order = rng.permutation(len(keys))  # question words spread through the frequency order
    return WordVectors([keys[i] for i in order], base[order], name="synthetic 30k × 300")


def subset(questions: AnalogySet, every: int) -> AnalogySet:
    return AnalogySet(tuple((name, qs[::every]) for name, qs in questions.sections))


def timing_rows(wv: WordVectors, questions: AnalogySet, gensim_every: int, path_for_gensim: Path) -> list[list[object]]:
    rows: list[list[object]] = []
    start = time.perf_counter()
    add = evaluate_analogies(wv, questions, restrict_vocab=30_000)
    ours_add = time.perf_counter() - start
    start = time.perf_counter()
    mul = evaluate_analogies(wv, questions, restrict_vocab=30_000, method="3cosmul")
    ours_mul = time.perf_counter() - start
    rows.append([wv.name, "explorer 3CosAdd", f"{add.total:,}", f"{ours_add:.1f}", f"{add.accuracy:.4f}"])
    rows.append([wv.name, "explorer 3CosMul", f"{mul.total:,}", f"{ours_mul:.1f}", f"{mul.accuracy:.4f}"])

    sample = questions if gensim_every == 1 else subset(questions, gensim_every)
    path_for_gensim.write_text(
        "".join(f": {name}\n" + "".join(" ".join(q) + "\n" for q in qs) for name, qs in sample.sections)
    )
    kv = _keyed(wv)
    start = time.perf_counter()
    score, sections = kv.evaluate_word_analogies(str(path_for_gensim), restrict_vocab=30_000)
    theirs = time.perf_counter() - start
    n_gensim = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
    ours_sample = add if gensim_every == 1 else evaluate_analogies(wv, sample, restrict_vocab=30_000)
    agree = (
        "identical"
        if ours_sample.correct == len(sections[-1]["correct"])
        else (f"differs: {ours_sample.correct} vs {len(sections[-1]['correct'])}")
    )
    if gensim_every == 1:
        rows.append(
            [wv.name, "gensim evaluate_word_analogies", f"{n_gensim:,}", f"{theirs:.1f}", f"{score:.4f} ({agree})"]
        )
        speedup = theirs / ours_add
    else:
        per_q = theirs / max(n_gensim, 1)
        est = per_q * add.total
        rows.append(
            [wv.name, f"gensim evaluate_word_analogies (every {gensim_every}th question, ×{gensim_every} estimate)",
             f"{n_gensim:,}", f"{est:.1f} (est.)", f"{score:.4f} ({agree})"]
        )  # fmt: skip
        speedup = est / ours_add
    rows.append([wv.name, "speed-up, 3CosAdd", "", f"{speedup:.1f}×", ""])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one corpus file, 1 epoch, gensim timed on a sample")
    parser.add_argument(
        "--gensim-every",
        type=int,
        default=None,
        help="time gensim on every Nth question and scale up (default 4, or 10 with --quick; 1 = all 19,544)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    gensim_every = args.gensim_every or (10 if args.quick else 4)
    if not QUESTIONS.is_file():
        sys.exit(f"Reference data not found at {DATA}; the benchmark needs ../shared/data.")
    torch.set_num_threads(2)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    questions = read_analogies(QUESTIONS)
    print(f"{questions.questions:,} questions in {len(questions.sections)} sections; load average {load:.1f}")

    # ----- speed ------------------------------------------------------------------------------
    synthetic = timing_vectors(questions)
    tmp = ROOT / "test-artifacts"
    tmp.mkdir(exist_ok=True)
    timing = timing_rows(synthetic, questions, gensim_every, tmp / "bench_analogies_questions.txt")
    for row in timing:
        print(" | ".join(str(c) for c in row), flush=True)

    # ----- quality ----------------------------------------------------------------------------
    files = ["lee_background.cor", "wikitext2_test.txt"] if args.quick else CORPORA
    texts = [(DATA / "corpora" / f).read_text(encoding="utf-8", errors="replace") for f in files]
    corpus = Corpus.from_texts(texts, name="reference corpora")
    print(f"corpus: {corpus.token_count:,} tokens ({', '.join(files)})", flush=True)
    sets = [reference_vectors()]
    epochs = 1 if args.quick else 5
    sets.append(trained_vectors(corpus, epochs=epochs, max_seconds=60 if args.quick else 240))
    sets.append(gensim_vectors(corpus, epochs=epochs))
    quality: list[list[object]] = []
    for wv, label in sets:
        quality.append(quality_row(label, wv, questions))
        print(" | ".join(str(c) for c in quality[-1]), flush=True)

    q_headers = ["vector set", "words × dim", "3CosAdd", "3CosMul", "questions used", *[f"{n} ρ" for n in PAIRS]]
    t_headers = ["vectors", "evaluator", "questions", "seconds", "accuracy"]
    q_table = markdown_table(q_headers, quality)
    t_table = markdown_table(t_headers, timing)
    print(q_table)
    print(t_table)
    if args.no_write:
        return
    command = "python benchmarks/bench_analogies.py" + (" --quick" if args.quick else "")
    if args.gensim_every is not None:
        command += f" --gensim-every {args.gensim_every}"
    body = (
        f"`{command}` (load average {load:.1f} at the start on 2 cores).\n\n"
        "**Quality.** Google analogies: 19,544 questions, 30k most frequent words, questions with an unknown "
        "word skipped (gensim's rules); 3CosMul with ε = 1e-3. WordSim-353 / SimLex-999: Spearman ρ, pairs "
        f"with an unknown word skipped. Corpus: {corpus.token_count:,} tokens of ../shared/data/corpora "
        f"({', '.join(files)}); skip-gram with vector_size=100, window=5, negative=5, min_count=5.\n\n"
        + q_table
        + "\n**Speed.** One evaluation of all 19,544 questions on a 30,000-word, 300-d vector set that holds every "
        "question word. `explorer.evaluation` builds one cosine table for the ~900 distinct question words and "
        "scores questions in chunks of 512 with torch; gensim runs one `most_similar` per question. The "
        "accuracies must agree (same semantics: upper-casing, restrict_vocab, the three question words "
        "excluded, best of the top 5).\n\n"
        + t_table
        + "\nThe 10 s target for the full set assumes an idle 2-core machine; on a shared machine wall time "
        "rises with the load average above, and the speed-up against gensim in the same run is the robust number."
    )
    write_section("analogies", "Analogies: accuracy, word similarity and evaluator speed", body)


if __name__ == "__main__":
    main()
