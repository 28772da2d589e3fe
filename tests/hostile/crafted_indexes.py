"""Crafted contextual indexes: one valid index, and copies of it damaged in every way a hostile or careless folder can be.

The files are written straight from the layout in ``explorer.index.contract`` (no model runs), for
the 2-layer, 32-wide tiny BERT of ``tests/conftest.py``, so a page that loads that model reads
them as its own. Outside the index folder, ``outside/`` holds files that must never be read:
their words and title (``OUTSIDE_WORD``, ``OUTSIDE_TITLE``) appearing anywhere means a link was
followed out.

Each damage is a function ``damage(index_folder, outside_folder)``; two tables name them:
``AT_LISTING`` (the index must be listed as unreadable, with a reason that mentions ``hint``) and
``AT_READ`` (listed, but reading its vectors or occurrences gives a message, or a warning for
non-finite values). The next reader of untrusted files can use the same generator.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HIDDEN = 32
NUM_LAYERS = 2
LAYERS = (0, 1, 2)
WORDS = {"bank": 5, "charge": 3, "river": 2}  # word -> stored occurrences
GOOD_TITLE = "the good corpus"
OUTSIDE_WORD = "exfiltrated"
OUTSIDE_TITLE = "OUTSIDE TITLE"
SHARD = "occurrences/part-00000.parquet"


def _vectors(rows: int, seed: int, width: int = HIDDEN) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(rows, width)).astype(np.float16)


def _fixed(matrix: np.ndarray) -> pa.Array:
    rows, width = matrix.shape
    return pa.FixedSizeListArray.from_arrays(pa.array(matrix.reshape(-1), pa.float16()), width)


def occurrence_table(
    words: dict[str, int] = WORDS, layers: tuple[int, ...] = LAYERS, width: int = HIDDEN, nan_rows: int = 0
) -> pa.Table:
    """One row per stored occurrence, the index's columns; the first ``nan_rows`` rows' vectors are NaN."""
    cols: dict[str, list] = {"word": [], "doc": [], "sentence_id": [], "sentence": [], "start": [], "end": []}
    for word, n in words.items():
        for i in range(n):
            sentence = f"Sentence {i} says {word} here."
            start = sentence.index(word)
            cols["word"].append(word)
            cols["doc"].append("doc.txt")
            cols["sentence_id"].append(len(cols["sentence"]))
            cols["sentence"].append(sentence)
            cols["start"].append(start)
            cols["end"].append(start + len(word))
    rows = len(cols["word"])
    table = pa.table({**cols, "sentence_id": pa.array(cols["sentence_id"], pa.int64())})
    for layer in layers:
        matrix = _vectors(rows, seed=layer, width=width)
        matrix[:nan_rows] = np.nan
        table = table.append_column(f"layer_{layer}", _fixed(matrix))
    return table


def static_text(words: dict[str, int] = WORDS, width: int = HIDDEN, seed: int = 0, non_finite: int = 0) -> str:
    """word2vec text of one vector per word, as ``static/layer_<n>.txt`` holds; the first ``non_finite`` hold NaN/inf."""
    matrix = _vectors(len(words), seed=seed + 10, width=width).astype(np.float32)
    matrix[:non_finite, 0] = np.nan
    matrix[:non_finite, 1] = np.inf
    lines = [f"{len(words)} {width}"]
    lines += [w + " " + " ".join(f"{v:.5f}" for v in row) for w, row in zip(words, matrix, strict=True)]
    return "\n".join(lines) + "\n"


def counts_text(words: dict[str, int] = WORDS) -> str:
    return "word\tcount\n" + "".join(f"{w}\t{n}\n" for w, n in words.items())


def manifest(name: str, title: str = GOOD_TITLE, words: dict[str, int] = WORDS) -> dict:
    """A manifest as ``explorer.index.build`` writes one (the fields the reader uses, and a few more)."""
    total = sum(words.values())
    return {
        "format": "explorer-contextual-index",
        "version": 1,
        "name": name,
        "title": title,
        "model": "tiny-bert",
        "num_layers": NUM_LAYERS,
        "hidden_size": HIDDEN,
        "max_length": 64,
        "layers": list(LAYERS),
        "pooling": "mean",
        "dtype": "float16",
        "engine": "in-process",
        "targets": {"mode": "words", "words": list(words)},
        "inputs": [],
        "counts": {"documents": 1, "sentences": total, "occurrences": total, "occurrences_stored": total,
                   "words": len(words)},
        "shards": [SHARD],
        "timings": {},
        "created": "2026-01-01T00:00:00+00:00",
    }  # fmt: skip


def write_index(folder: Path, title: str = GOOD_TITLE, words: dict[str, int] = WORDS) -> Path:
    """A complete, valid index of ``words`` in ``folder`` (manifest last, as the builder writes it)."""
    (folder / "occurrences").mkdir(parents=True)
    (folder / "static").mkdir()
    pq.write_table(occurrence_table(words), folder / SHARD, row_group_size=4, compression="zstd")
    for layer in LAYERS:
        (folder / "static" / f"layer_{layer}.txt").write_text(static_text(words, seed=layer), encoding="utf-8")
    (folder / "static" / "counts.tsv").write_text(counts_text(words), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps(manifest(folder.name, title, words), indent=2), encoding="utf-8")
    return folder


def write_outside(outside: Path) -> Path:
    """Files outside every index, that a link in an index could lead to: a whole index of an outside word."""
    if not (outside / "manifest.json").exists():
        write_index(outside, title=OUTSIDE_TITLE, words={OUTSIDE_WORD: 4, "bank": 3})
        (outside / "passwd").write_text(f"{OUTSIDE_WORD}\t99\nroot:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    return outside


# ----- the damages ---------------------------------------------------------------------------------
def _edit_manifest(**changes: object) -> Callable[[Path, Path], None]:
    def damage(index: Path, outside: Path) -> None:
        data = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
        data.update(changes)
        (index / "manifest.json").write_text(json.dumps(data), encoding="utf-8")

    return damage


def _replace(relative: str, make: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
    """Remove ``relative`` (file or folder) and put ``make(path, outside)`` in its place."""

    def damage(index: Path, outside: Path) -> None:
        path = index / relative
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        make(path, outside)

    return damage


def _link_to(outside_relative: str) -> Callable[[Path, Path], None]:
    return lambda path, outside: os.symlink(outside / outside_relative, path)


def _fifo(path: Path, outside: Path) -> None:
    os.mkfifo(path)


def _bytes(data: bytes) -> Callable[[Path, Path], None]:
    return lambda path, outside: path.write_bytes(data)


def _truncate(index: Path, outside: Path) -> None:
    path = index / SHARD
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _shard(table: pa.Table) -> Callable[[Path, Path], None]:
    return lambda path, outside: pq.write_table(table, path)


def _oversized_manifest(index: Path, outside: Path) -> None:
    os.truncate(index / "manifest.json", 9 * 2**20)  # sparse: costs no disk, but over the 8 MiB cap


def _layer_name_outside(index: Path, outside: Path) -> None:
    """A manifest whose shards name a path out of the folder."""
    _edit_manifest(shards=["../../outside/occurrences/part-00000.parquet"])(index, outside)


@dataclass(frozen=True)
class Damage:
    """One way to damage an index: what to do to a copy, and a word its refusal message must hold."""

    damage: Callable[[Path, Path], None]
    hint: str


AT_LISTING: dict[str, Damage] = {
    "version-abc": Damage(_edit_manifest(version="abc"), "version"),
    "version-null": Damage(_edit_manifest(version=None), "version"),
    "layers-path": Damage(_edit_manifest(layers=["../../etc/passwd"]), "layers"),
    "layers-beyond-model": Damage(_edit_manifest(layers=[0, 7]), "layers"),
    "hidden-zero": Damage(_edit_manifest(hidden_size=0), "hidden_size"),
    "hidden-999": Damage(_edit_manifest(hidden_size=999), "hidden_size"),
    "hidden-text": Damage(_edit_manifest(hidden_size="32"), "hidden_size"),
    "counts-lots": Damage(_edit_manifest(counts="lots"), "counts"),
    "counts-text-value": Damage(_edit_manifest(counts={"words": "many"}), "counts"),
    "num-layers-six": Damage(_edit_manifest(num_layers="six"), "num_layers"),
    "title-not-text": Damage(_edit_manifest(title={"a": 1}), "title"),
    "title-huge": Damage(_edit_manifest(title="x" * 5000), "title"),
    "shards-outside": Damage(_layer_name_outside, "shards"),
    "manifest-not-json": Damage(_replace("manifest.json", _bytes(b"{not json")), "manifest"),
    "manifest-not-utf8": Damage(_replace("manifest.json", _bytes(b'{"format": "\xff\xfe"}')), "manifest"),
    "manifest-list": Damage(_replace("manifest.json", _bytes(b"[1, 2]")), "manifest"),
    "manifest-deep": Damage(_replace("manifest.json", _bytes(b"[" * 100_000)), "manifest"),
    "manifest-oversized": Damage(_oversized_manifest, "bytes"),
    "newer-version": Damage(_edit_manifest(version=99), "newer"),
    "parquet-corrupt": Damage(_replace(SHARD, _bytes(b"PAR1" + os.urandom(600) + b"PAR1")), "part-00000"),
    "parquet-truncated": Damage(_truncate, "part-00000"),
    "parquet-not-parquet": Damage(_replace(SHARD, _bytes(b"word,doc\nbank,a\n")), "part-00000"),
    "parquet-wrong-schema": Damage(_replace(SHARD, _shard(pa.table({"a": [1, 2, 3]}))), "no column"),
    "parquet-layer-missing": Damage(_replace(SHARD, _shard(occurrence_table(layers=(0, 1)))), "layer_2"),
    "parquet-wrong-width": Damage(_replace(SHARD, _shard(occurrence_table(width=16))), "layer_0"),
    "static-wrong-width": Damage(
        _replace("static/layer_1.txt", _bytes(static_text(width=16).encode())), "16-dimensional"
    ),
    "counts-not-number": Damage(_replace("static/counts.tsv", _bytes(b"word\tcount\nbank\tmany\n")), "count"),
    "counts-not-utf8": Damage(_replace("static/counts.tsv", _bytes(b"word\tcount\nb\xffnk\t5\n")), "UTF-8"),
    "counts-missing": Damage(lambda index, outside: (index / "static" / "counts.tsv").unlink(), "missing"),
    "link-static": Damage(_replace("static", _link_to("static")), "outside"),
    "link-occurrences": Damage(_replace("occurrences", _link_to("occurrences")), "outside"),
    "link-manifest": Damage(_replace("manifest.json", _link_to("manifest.json")), "outside"),
    "link-counts": Damage(_replace("static/counts.tsv", _link_to("passwd")), "outside"),
    "link-static-layer": Damage(_replace("static/layer_2.txt", _link_to("static/layer_2.txt")), "outside"),
    "link-shard": Damage(_replace(SHARD, _link_to(SHARD)), "outside"),
    "link-loop": Damage(_replace("static/counts.tsv", lambda path, outside: os.symlink(path, path)), "counts"),
    "fifo-manifest": Damage(_replace("manifest.json", _fifo), "FIFO"),
    "fifo-counts": Damage(_replace("static/counts.tsv", _fifo), "FIFO"),
    "fifo-static-layer": Damage(_replace("static/layer_0.txt", _fifo), "FIFO"),
    "fifo-shard": Damage(_replace(SHARD, _fifo), "FIFO"),
    "folder-as-counts": Damage(_replace("static/counts.tsv", lambda path, outside: path.mkdir()), "folder"),
    "device-as-counts": Damage(
        _replace("static/counts.tsv", lambda path, outside: os.symlink("/dev/zero", path)), "outside"
    ),  # fmt: skip
}

AT_READ: dict[str, Damage] = {
    "static-not-number": Damage(
        _replace("static/layer_1.txt", _bytes(f"1 {HIDDEN}\nbank {' '.join(['abc'] * HIDDEN)}\n".encode())),
        "layer_1",
    ),
    "static-not-utf8": Damage(
        _replace("static/layer_1.txt", _bytes(f"1 {HIDDEN}\nb\xffnk {' '.join(['1'] * HIDDEN)}\n".encode("latin-1"))),
        "UTF-8",
    ),
    "static-nan": Damage(_replace("static/layer_2.txt", _bytes(static_text(non_finite=2).encode())), "NaN"),
    "parquet-nan": Damage(_replace(SHARD, _shard(occurrence_table(nan_rows=2))), "NaN"),
}


def craft(root: Path, names: list[str] | None = None, good: str = "good") -> Path:
    """``root/indexes`` holding the valid index ``good`` and one damaged copy per name (default: all).

    ``root/outside`` holds the files the damaged indexes link to.
    """
    outside = write_outside(root / "outside")
    folder = root / "indexes"
    write_index(folder / good)
    for name in names if names is not None else [*AT_LISTING, *AT_READ]:
        target = folder / name
        write_index(target, title=f"damaged {name}")
        (AT_LISTING.get(name) or AT_READ[name]).damage(target, outside)
    return folder
