"""Train word vectors from the command line, for corpora too big for a browser upload.

    python -m explorer.train CORPUS [CORPUS ...] --method sgns --out vectors.txt [--epochs 5]
        [--vector-size 100] [--window 5] [--min-count 5] [--workers N] [--column text]
        [--set name=value ...] [--format word2vec|word2vec_binary|glove|tsv]
        [--work-dir DIR] [--max-tokens N] [--force] [--wait SECONDS]

The files (.txt, .csv/.tsv, .jsonl, .zip, or any file whose bytes are text) are streamed into an
int32 token-id file under ``--work-dir`` (a temporary folder by default, removed at the end) and
the trainer reads that memory-mapped file, so memory grows with the vocabulary, not with the
corpus. Every file is checked before reading starts; one that cannot be read is skipped and
listed with the reason. A progress line shows tokens read, then the share trained, words/s and
the time left. ``--set`` passes any other parameter of the method (``--set negative=10 --set
sample=1e-4``). The vectors are written through the jobs' one safe writer (``explorer.jobfiles``):
an ``--out`` that is an input is refused, an existing one is replaced only with ``--force``, a
lock beside it keeps a second run off it, and the file appears in one rename when complete.
Exit status 2 on bad input, with the reason on stderr.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "c.txt").write_text("my card was charged twice. my phone will not charge.\\n" * 50)
    >>> main([str(folder / "c.txt"), "--out", str(folder / "v.txt"), "--min-count", "1",
    ...       "--vector-size", "8", "--epochs", "1", "--quiet"])  # doctest: +ELLIPSIS
    tokens: 500 in 100 sentences, 9 distinct words (read in ... s)
    training: sgns, 9 words in the vocabulary, SGNSConfig(vector_size=8, ...)
    trained in ... s, ... words/s; wrote 9 x 8 vectors to .../v.txt
    0
    >>> (folder / "v.txt").read_text().split("\\n")[0]
    '9 8'
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TextIO

from explorer.argtypes import limit_or_zero, positive_int, seconds
from explorer.errors import ExplorerError, ReaderError
from explorer.jobfiles import JobOutput, check_not_an_input
from explorer.plaintext import input_problem, read_any_texts, reason_of
from explorer.tokens import TokenIds
from explorer.training import METHODS, config_class, make_trainer
from explorer.vectors_io import save_vectors
from explorer.vectors_io.projector import metadata_name

LISTED_SKIPS = 10  # skipped files named in a refusal


def _parse_value(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m explorer.train", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "corpus", nargs="+", type=Path, help="text files (.txt, .csv, .tsv, .jsonl, .zip, or any plain-text file)"
    )
    p.add_argument("--method", default="sgns", choices=sorted(METHODS), help="training method (default sgns)")
    p.add_argument("--out", required=True, type=Path, help="where to write the vectors (never one of the inputs)")
    p.add_argument("--force", action="store_true", help="replace --out when it exists")
    p.add_argument(
        "--wait", type=seconds, default=0.0, metavar="SECONDS",
        help="wait this long for another run writing to --out before giving up (default 0: refuse at once)",
    )  # fmt: skip
    p.add_argument("--format", default="word2vec", choices=["word2vec", "word2vec_binary", "glove", "tsv"])
    p.add_argument("--epochs", type=positive_int, help="passes over the corpus (the method's default if unset)")
    p.add_argument("--vector-size", type=positive_int)
    p.add_argument("--window", type=positive_int)
    p.add_argument("--min-count", type=positive_int)
    p.add_argument("--workers", type=positive_int, help="worker threads (default: the cores this process may use)")
    p.add_argument("--seed", type=int)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="any other parameter")
    p.add_argument("--column", help="text column of CSV/TSV files or field of JSONL files")
    p.add_argument("--work-dir", type=Path, help="folder for the token-id file (default: a temporary folder)")
    p.add_argument(
        "--max-tokens", type=limit_or_zero, default=0, help="stop reading after this many tokens (0: no limit)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress line")
    return p


def _config(args: argparse.Namespace) -> dict[str, object]:
    known = {f.name for f in fields(config_class(args.method))}
    config: dict[str, object] = {}
    for name in ("epochs", "vector_size", "window", "min_count", "workers", "seed"):
        value = getattr(args, name)
        if value is not None and name in known:
            config[name] = value
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            raise ExplorerError(f"--set takes NAME=VALUE (got {item!r}), for example --set negative=10.")
        config[name.strip().replace("-", "_")] = _parse_value(value.strip())
    return config


def _skipped_list(skipped: Sequence[tuple[Path, str]]) -> str:
    lines = [f"  - {path}: {reason}" for path, reason in skipped[:LISTED_SKIPS]]
    if len(skipped) > LISTED_SKIPS:
        lines.append(f"  ... and {len(skipped) - LISTED_SKIPS} more")
    return "\n".join(lines)


def check_inputs(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(files that look readable, (file, reason) of those that do not), from each file's first bytes.

    Raises ``ExplorerError`` listing every reason when no file is readable.
    """
    readable: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        problem = input_problem(path)
        if problem is None:
            readable.append(path)
        else:
            skipped.append((path, problem))
    if not readable:
        raise ExplorerError(f"No input can be read, so there is nothing to train on:\n{_skipped_list(skipped)}")
    return readable, skipped


def check_output(out: Path, fmt: str, inputs: Sequence[Path], force: bool) -> None:
    """Refuse an --out that is an input, a folder, or (without ``force``) a file that exists, before any work."""
    check_not_an_input(out, inputs)
    targets = [out, out.with_name(metadata_name(out))] if fmt == "tsv" else [out]
    for target in targets:
        check_not_an_input(target, inputs)
        if target.is_dir():
            raise ExplorerError(f"--out {target} is a folder; give a file name for the vectors.")
        if os.path.lexists(target) and not force:
            raise ExplorerError(f"{target} already exists; pass --force to replace it, or choose another --out.")


def _texts(
    paths: Sequence[Path], column: str | None, notices: list[str], skipped: list[tuple[Path, str]]
) -> Iterator[str]:
    """The texts of every file; a file that fails while it is read is listed in ``skipped`` (or, when some of
    it was read, in ``notices``) and the next one is read."""
    for path in paths:
        try:
            result = read_any_texts(path, column=column)
        except ReaderError as exc:
            skipped.append((path, reason_of(exc)))
            continue
        notices.extend(result.notices)
        texts = 0
        try:
            for text in result.texts:
                texts += 1
                yield text
        except ReaderError as exc:
            if texts:
                notices.append(f"{path}: reading stopped after {texts:,} texts ({reason_of(exc)}); those were used.")
            else:
                skipped.append((path, reason_of(exc)))
        notices.extend(result.late_notices)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return (
        f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        if seconds >= 3600
        else f"{seconds // 60}:{seconds % 60:02d}"
    )


class _ProgressLine:
    """One line on stderr, rewritten in place (plain lines when stderr is not a terminal)."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream, self.quiet = stream, quiet
        self.tty = stream.isatty()
        self.last = 0.0

    def show(self, text: str, final: bool = False) -> None:
        now = time.perf_counter()
        if self.quiet or (not final and now - self.last < (0.2 if self.tty else 10.0)):
            return
        self.last = now
        self.stream.write(("\r" + text.ljust(78)) if self.tty else text + "\n")
        if final and self.tty:
            self.stream.write("\n")
        self.stream.flush()


def _bar(fraction: float, width: int = 24) -> str:
    filled = int(round(fraction * width))
    return "[" + "#" * filled + "." * (width - filled) + "]"


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    config = _config(args)
    line = _ProgressLine(err, args.quiet)
    check_output(args.out, args.format, args.corpus, args.force)
    files, skipped = check_inputs(args.corpus)
    if args.work_dir is not None:
        args.work_dir.mkdir(parents=True, exist_ok=True)
    with (
        JobOutput(args.out, "explorer.train", wait_s=args.wait) as job,
        tempfile.TemporaryDirectory(dir=args.work_dir, prefix="explorer-train-") as work,
    ):
        check_output(args.out, args.format, args.corpus, args.force)  # again, under the lock
        notices: list[str] = []
        start = time.perf_counter()
        try:
            tokens = TokenIds.from_texts(
                _texts(files, args.column, notices, skipped),
                name=", ".join(p.name for p in files),
                out_dir=work,
                max_tokens=args.max_tokens or None,
                progress=lambda n: line.show(
                    f"reading: {n:,} tokens ({n / max(time.perf_counter() - start, 1e-9):,.0f}/s)"
                ),
            )
        except ExplorerError as exc:
            if skipped:
                raise ExplorerError(f"{exc}\nSkipped:\n{_skipped_list(skipped)}") from exc
            raise
        read_s = time.perf_counter() - start
        line.show(f"reading: {tokens.token_count:,} tokens in {read_s:.1f} s", final=True)
        if skipped:
            print(f"skipped {len(skipped)} file(s) that could not be read:\n{_skipped_list(skipped)}", file=err)
        for note in notices + list(tokens.notices):
            print(f"note: {note}", file=err)
        print(f"tokens: {tokens.token_count:,} in {tokens.sentence_count:,} sentences, "
              f"{len(tokens.words):,} distinct words (read in {read_s:.1f} s)", file=out)  # fmt: skip
        trainer = make_trainer(args.method, tokens, **config)
        print(f"training: {trainer.method}, {len(trainer.vocab):,} words in the vocabulary, {trainer.config}", file=out)
        t0 = time.perf_counter()
        while not trainer.done:
            trainer.step(1)
            elapsed = time.perf_counter() - t0
            p = trainer.progress
            left = elapsed * (1 - p) / p if p > 0 else 0.0
            rate = getattr(trainer, "words_done", 0) / elapsed if elapsed > 0 else 0.0
            speed = f", {rate:,.0f} words/s" if rate else ""
            line.show(f"training: {_bar(p)} {p:5.1%}{speed}, {_duration(left)} left")
        train_s = time.perf_counter() - t0
        line.show(f"training: {_bar(1.0)} 100.0% in {_duration(train_s)}", final=True)
        wv = trainer.snapshot()
        save_vectors(wv, job.target, fmt=args.format)
        check_output(args.out, args.format, args.corpus, args.force)  # a file may have appeared meanwhile
        job.commit_files()
        words = getattr(trainer, "words_done", 0)
        rate = f", {words / train_s:,.0f} words/s" if words and train_s > 0 else ""
        print(f"trained in {train_s:.1f} s{rate}; wrote {len(wv):,} x {wv.vector_size} vectors to {args.out}", file=out)
        del trainer, tokens  # release the memory maps before the folder goes
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except ExplorerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder that cannot be written, a full disk
        print(
            f"error: {exc.strerror or exc} ({exc.filename or 'a file'}). Check the paths and free space.",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
