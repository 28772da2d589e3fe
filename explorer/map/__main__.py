"""Command line of the map job: ``python -m explorer.map build VECTORS --out DIR [options]``.

Exit status: 0 when the map is written, 2 when the input, an option or the output folder is
refused (the reason on stderr, never a traceback).

Example:
    >>> from explorer.map.__main__ import parser
    >>> args = parser().parse_args(["build", "glove.txt", "--out", "maps/glove", "--method", "pca", "--dims", "3"])
    >>> args.method, args.dims, args.k, args.seed
    ('pca', 3, 10, 0)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from explorer.argtypes import seconds
from explorer.errors import ExplorerError
from explorer.map.contract import (
    APPROXIMATE_ENGINES,
    DEFAULT_K,
    EXACT_MAX_ROWS,
    METHODS,
    parse_cluster_counts,
    read_manifest,
)

REFUSED = 2  # exit status of a refused input or option, as argparse uses for a bad command line


def parser() -> argparse.ArgumentParser:
    """The ``build`` and ``info`` commands and their options."""
    top = argparse.ArgumentParser(prog="python -m explorer.map", description="Word maps of whole vocabularies.")
    commands = top.add_subparsers(dest="command", required=True)
    build = commands.add_parser(
        "build",
        help="lay out a vector file, find each word's neighbours, name its regions",
        description="Read a vector file and write DIR/points.parquet, DIR/labels.parquet, DIR/neighbors.parquet "
        "and DIR/manifest.json (last).",
    )
    build.add_argument("vectors", metavar="VECTORS", help="a vector file: word2vec text or binary, GloVe, .vec, TSV")
    build.add_argument(
        "--out", required=True, metavar="DIR",
        help="the map folder (replaced when it is a map holding only its own files; never the input or around it)",
    )  # fmt: skip
    build.add_argument("--method", default="umap", choices=METHODS, help="layout method (default umap)")
    build.add_argument("--dims", type=int, default=2, choices=(2, 3), help="2 (default) or 3 map dimensions")
    build.add_argument("--limit", type=int, metavar="N", help="map only the first N words of the file")
    build.add_argument("--seed", type=int, default=0, help="seed of the layout, k-means and samples (default 0)")
    build.add_argument("--k", type=int, default=DEFAULT_K, help=f"neighbours stored per word (default {DEFAULT_K})")
    build.add_argument(
        "--clusters", metavar="K0,K1", help="k-means sizes per level, coarse first (default about sqrt(N)/4 and 4x)"
    )
    build.add_argument(
        "--engine", default="ivf", choices=APPROXIMATE_ENGINES,
        help=f"neighbour search above {EXACT_MAX_ROWS:,} words: ivf (default; k-means cells searched exactly) or "
        "pynndescent (NN-descent graph)",
    )  # fmt: skip
    build.add_argument(
        "--address", metavar="ADDR",
        help="run the (exact) neighbour search as Ray tasks on the cluster at ADDR, or 'local' for a Ray on this "
        "machine; the layout runs here",
    )  # fmt: skip
    build.add_argument(
        "--force", action="store_true",
        help="replace --out even when it holds files the map did not write (they are deleted)",
    )  # fmt: skip
    build.add_argument(
        "--wait", type=seconds, default=0.0, metavar="SECONDS",
        help="wait this long for another job writing to --out before giving up (default 0: refuse at once)",
    )  # fmt: skip
    build.add_argument("--quiet", action="store_true", help="print no progress")
    info = commands.add_parser("info", help="print a map's manifest")
    info.add_argument("dir", metavar="DIR")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; 0 on success, 2 with the reason on stderr when the job cannot run."""
    args = parser().parse_args(argv)
    try:
        if args.command == "info":
            print(json.dumps(read_manifest(args.dir), indent=2, ensure_ascii=False))
            return 0
        from explorer.map.build import build_map, describe

        manifest = build_map(
            args.vectors,
            args.out,
            method=args.method,
            dims=args.dims,
            limit=args.limit,
            seed=args.seed,
            engine=args.engine,
            k=args.k,
            clusters=parse_cluster_counts(args.clusters) if args.clusters else None,
            force=args.force,
            wait_s=args.wait,
            address=args.address,
            progress=None if args.quiet else lambda line: print(line, file=sys.stderr, flush=True),
        )
    except ExplorerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return REFUSED
    print(describe(manifest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
