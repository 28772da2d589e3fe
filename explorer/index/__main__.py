"""Command line of the index job: ``python -m explorer.index build INPUT... --out DIR [options]``.

``python -m explorer.index analyze DIR [--words W1,W2] [--top N] [--sample N] [--seed S] [--out metrics.csv]``
writes the layer metrics of a built index (``explorer.index.analysis``): one CSV row per layer and
word, word ``*`` for the corpus sample.

Example:
    >>> from explorer.index.__main__ import parser
    >>> args = parser().parse_args(["build", "a.txt", "--out", "idx", "--words", "charge,bank", "--layers", "0,6"])
    >>> args.words, args.layers, args.engine
    ('charge,bank', '0,6', 'ray')
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from explorer.argtypes import seconds
from explorer.errors import ExplorerError, IndexBuildError
from explorer.index.analysis import DEFAULT_SAMPLE, DEFAULT_TOP
from explorer.index.contract import DEFAULT_MAX_WORDS, ENGINES, MANIFEST, Targets, read_manifest

POOLINGS = ("mean", "first", "last")


def parser() -> argparse.ArgumentParser:
    """The ``build`` and ``info`` commands and their options."""
    top = argparse.ArgumentParser(prog="python -m explorer.index", description="Contextual indexes of a corpus.")
    commands = top.add_subparsers(dest="command", required=True)
    build = commands.add_parser(
        "build",
        help="run a corpus through the transformer and write an index folder",
        description="Read a corpus, embed every occurrence of the target words at the chosen layers, and write "
        "DIR/occurrences/*.parquet, DIR/static/layer_<n>.txt, DIR/static/counts.tsv and DIR/manifest.json.",
    )
    build.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders, globs or URIs (s3://, gs://)")
    build.add_argument(
        "--out", required=True, metavar="DIR",
        help="the index folder (replaced when it is an index holding only its own files; never inside an input)",
    )  # fmt: skip
    build.add_argument(
        "--force", action="store_true",
        help="replace the index at --out even when it holds files the index did not write (they are deleted)",
    )  # fmt: skip
    build.add_argument(
        "--wait", type=seconds, default=0.0, metavar="SECONDS",
        help="wait this long for another build writing to --out before giving up (default 0: refuse at once)",
    )  # fmt: skip
    which = build.add_mutually_exclusive_group()
    which.add_argument("--words", metavar="W1,W2", help="index these words")
    which.add_argument("--top", type=int, metavar="N", help="index the N most frequent words")
    which.add_argument("--min-count", type=int, metavar="K", help="index every word seen at least K times (default 5)")
    build.add_argument(
        "--max-words", type=int, default=DEFAULT_MAX_WORDS, metavar="CAP", help="cap on --top/--min-count"
    )
    build.add_argument("--layers", default="all", help="'all' (default) or layer numbers such as 0,4,6")
    build.add_argument("--pooling", default="mean", choices=POOLINGS, help="how a word's subword states are pooled")
    build.add_argument(
        "--keep-per-word", type=int, metavar="N", help="store about N occurrences per word (default all)"
    )
    build.add_argument("--column", help="the text column of .csv/.tsv/.parquet files, or the field of .jsonl")
    build.add_argument("--model", help="a model folder or id (default: the bundled all-MiniLM-L6-v2)")
    build.add_argument("--title", help="what the app calls the corpus (default: the input file names)")
    build.add_argument("--engine", default="ray", choices=ENGINES, help="ray (default) or in-process (no Ray)")
    build.add_argument("--address", help="a Ray cluster address (default: RAY_ADDRESS, else a local Ray)")
    build.add_argument("--actors", type=int, help="model actors (default: one per GPU, else one per core)")
    build.add_argument("--batch-size", type=int, default=32, help="sentences per forward pass (default 32)")
    build.add_argument("--device", help="in-process engine: auto, cpu, cuda or mps")
    build.add_argument("--strict", action="store_true", help="fail on an unreadable input file instead of skipping it")
    build.add_argument("--quiet", action="store_true", help="print no progress")
    info = commands.add_parser("info", help="print an index's manifest")
    info.add_argument("dir", metavar="DIR")
    analyze = commands.add_parser(
        "analyze",
        help="layer metrics of an index: self-similarity, intra-sentence similarity, anisotropy, first-PC variance",
        description="How contextual each stored layer is (Ethayarajh, 2019), from the stored vectors (no model "
        "run): one CSV row per layer and word, word * for the corpus sample.",
    )
    analyze.add_argument("dir", metavar="DIR", help="an index folder written by `build`")
    analyze.add_argument("--words", metavar="W1,W2", help="these words (default: the --top most frequent)")
    analyze.add_argument("--top", type=int, default=DEFAULT_TOP, metavar="N", help=f"default {DEFAULT_TOP}")
    analyze.add_argument(
        "--sample", type=int, default=DEFAULT_SAMPLE, metavar="N",
        help=f"at most N stored occurrences per word, a seeded sample (default {DEFAULT_SAMPLE})",
    )  # fmt: skip
    analyze.add_argument("--seed", type=int, default=0, metavar="S", help="the sample's seed (default 0)")
    analyze.add_argument("--out", metavar="FILE", help="the CSV file, written atomically (default: standard output)")
    analyze.add_argument("--quiet", action="store_true", help="print no progress")
    return top


def _analyze(args: argparse.Namespace) -> int:
    """The ``analyze`` command: 0 on success, 2 with the reason on stderr for a bad folder or option."""
    from pathlib import Path

    from explorer.index.analysis import analyze_index, write_csv_atomically
    from explorer.index.reader import open_index

    folder = Path(args.dir).expanduser()
    try:
        if not (folder / MANIFEST).is_file():
            raise IndexBuildError(
                f"{args.dir} is not an index folder (it holds no {MANIFEST}); build one with "
                "`python -m explorer.index build INPUT... --out DIR`."
            )
        resolved = folder.resolve()
        info = open_index(resolved.parent, resolved.name)
        words = [w for w in args.words.split(",") if w.strip()] if args.words else None
        progress = None if args.quiet else lambda line: print(line, file=sys.stderr, flush=True)
        result = analyze_index(info, words=words, top=args.top, sample=args.sample, seed=args.seed, progress=progress)
        if args.out:
            write_csv_atomically(result.csv(), args.out, index_folder=resolved)
        else:
            sys.stdout.write(result.csv())
    except (ExplorerError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in result.notes:
        print(f"warning: {note}", file=sys.stderr)
    if not args.quiet:
        print(f"{args.out or 'stdout'}: {result.describe()}", file=sys.stderr)
    return 0


def _targets(args: argparse.Namespace) -> Targets:
    if args.words:
        return Targets.of_words(args.words)
    if args.top is not None:
        return Targets.most_frequent(args.top, args.max_words)
    return Targets.at_least(args.min_count if args.min_count is not None else 5, args.max_words)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; 0 on success, 1 with the reason on stderr when the job cannot run (2 for ``analyze``)."""
    args = parser().parse_args(argv)
    if args.command == "analyze":
        return _analyze(args)
    try:
        if args.command == "info":
            print(json.dumps(read_manifest(args.dir), indent=2, ensure_ascii=False))
            return 0
        from explorer.index.build import build_index

        manifest = build_index(
            args.inputs,
            args.out,
            targets=_targets(args),
            layers=args.layers,
            pooling=args.pooling,
            model=args.model,
            engine=args.engine,
            address=args.address,
            actors=args.actors,
            strict=args.strict,
            force=args.force,
            wait_s=args.wait,
            column=args.column,
            keep_per_word=args.keep_per_word,
            title=args.title,
            device=args.device,
            batch_size=args.batch_size,
            progress=None if args.quiet else lambda line: print(line, file=sys.stderr, flush=True),
        )
    except ExplorerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts = manifest["counts"]
    print(
        f"{args.out}: {counts['occurrences']:,} occurrences of {counts['words']:,} words in "
        f"{counts['sentences']:,} sentences ({counts['skipped_files']} file(s) skipped), "
        f"{manifest['timings']['total_s']:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
