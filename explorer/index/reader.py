"""Reading contextual indexes from one configured folder, with pyarrow only (never Ray, never the model).

The app names an index by its folder name inside ``EXPLORER_INDEX_DIR``; :func:`index_path`
turns a name into a path only when it is a plain name of a complete index in that folder, so a
link or an upload can never point the app at another path. Folders without a manifest (a job
still running, or one that was killed) and hidden temporary folders are not indexes.

Example:
    >>> from explorer.index.reader import index_path
    >>> index_path("/srv/indexes", "../../etc")
    Traceback (most recent call last):
    ...
    explorer.errors.IndexNotFoundError: '../../etc' is not an index name: use letters, digits, '_', '.' and '-' (no '..', no folders).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.errors import IndexBuildError, IndexNotFoundError, LinkError
from explorer.index.contract import (
    COUNTS,
    MANIFEST,
    OCCURRENCES,
    STATIC,
    check_index_name,
    layer_column,
    read_manifest,
    static_file,
    vector_matrix,
)
from explorer.linalg import readonly
from explorer.vectors import WordVectors


@dataclass(frozen=True)
class IndexInfo:
    """One complete index: its name (folder name), folder, manifest and the manifest's mtime."""

    name: str
    path: Path
    manifest: dict[str, Any]
    mtime: float

    @property
    def title(self) -> str:
        return str(self.manifest.get("title") or self.name)

    @property
    def model(self) -> str:
        return str(self.manifest.get("model", "?"))

    @property
    def layers(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.manifest.get("layers", ()))

    @property
    def num_layers(self) -> int:
        return int(self.manifest.get("num_layers", max(self.layers, default=0)))

    @property
    def counts(self) -> dict[str, Any]:
        return dict(self.manifest.get("counts", {}))

    def vectors_label(self, layer: int) -> str:
        """How a picker names one layer's distilled vectors.

        >>> IndexInfo("t", Path("t"), {"model": "all-MiniLM-L6-v2", "title": "tickets"}, 0.0).vectors_label(4)
        'all-MiniLM-L6-v2 layer 4, averaged over tickets'
        """
        return f"{self.model} layer {layer}, averaged over {self.title}"

    def describe(self) -> str:
        """One line for a picker: the title, the model and the size."""
        c = self.counts
        return (
            f"{self.name}: {self.title} ({self.model}, {c.get('words', 0):,} words, "
            f"{c.get('occurrences', 0):,} occurrences)"
        )


def index_path(folder: str | Path, name: str) -> Path:
    """The folder of index ``name`` inside ``folder``; ``IndexNotFoundError`` for anything else.

    The name must be a plain folder name, the folder must sit directly in ``folder`` (symbolic
    links that lead elsewhere are refused) and hold a manifest.
    """
    try:
        plain = check_index_name(name)
    except IndexBuildError as exc:
        raise IndexNotFoundError(str(exc)) from exc
    root = Path(folder).resolve()
    path = (root / plain).resolve()
    if path.parent != root or not (path / MANIFEST).is_file():
        raise IndexNotFoundError(f"There is no index named {plain!r} here. Pick one of the indexes listed.")
    return path


def index_names(folder: str | Path | None) -> list[str]:
    """Names of the complete indexes in ``folder`` (none when it is unset or missing), sorted.

    >>> index_names(None)
    []
    """
    if not folder or not Path(folder).is_dir():
        return []
    names = []
    for child in sorted(Path(folder).iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        try:
            index_path(folder, child.name)
        except IndexNotFoundError:
            continue
        names.append(child.name)
    return names


def open_index(folder: str | Path, name: str) -> IndexInfo:
    """The index ``name`` of ``folder`` with its manifest; ``IndexBuildError`` when it cannot be read."""
    path = index_path(folder, name)
    manifest = read_manifest(path)
    return IndexInfo(path.name, path, manifest, (path / MANIFEST).stat().st_mtime)


def list_indexes(folder: str | Path | None) -> list[IndexInfo]:
    """Every readable index in ``folder`` (unreadable manifests are left out)."""
    out = []
    for name in index_names(folder):
        try:
            out.append(open_index(folder, name))  # type: ignore[arg-type]
        except IndexBuildError:
            continue
    return out


def manifest_mtime(folder: str | Path, name: str) -> float:
    """When the index's manifest last changed: part of every cache key, so a rebuilt index is read again."""
    return (index_path(folder, name) / MANIFEST).stat().st_mtime


def link_parser(folder: str | Path | None) -> Callable[[str], str]:
    """A page-state parser: the name of an index present in ``folder``, else ``LinkError`` (never a path).

    >>> link_parser(None)("tickets")
    Traceback (most recent call last):
    ...
    explorer.errors.LinkError: no corpus index named 'tickets' on this server (EXPLORER_INDEX_DIR).
    """

    def parse(raw: str) -> str:
        text = str(raw).strip()
        if folder:
            try:
                return index_path(folder, text).name
            except IndexNotFoundError:
                pass
        raise LinkError(f"no corpus index named {text[:60]!r} on this server (EXPLORER_INDEX_DIR).")

    return parse


def word_counts(info: IndexInfo) -> dict[str, int]:
    """Occurrences of every indexed word (``static/counts.tsv``)."""
    counts: dict[str, int] = {}
    with open(info.path / STATIC / COUNTS, encoding="utf-8") as fh:
        next(fh, None)  # header
        for line in fh:
            word, _, n = line.rstrip("\n").partition("\t")
            if word:
                counts[word] = int(n)
    return counts


@dataclass(frozen=True)
class OccurrenceSample:
    """A seeded sample of one word's stored occurrences, in (doc, sentence, position) order.

    Attributes:
        word: the word (lower-case).
        total: its occurrences in the corpus (all of them, stored or not).
        stored: its occurrences stored in the index, the population the sample is drawn from.
        layers: the stored layers; ``vectors[k]`` is layer ``layers[k]``.
        docs, sentence_ids, sentences, spans: per sampled occurrence.
        vectors: (len(layers), n, hidden) float32, read-only.
    """

    word: str
    total: int
    stored: int
    layers: tuple[int, ...]
    docs: tuple[str, ...]
    sentence_ids: tuple[int, ...]
    sentences: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray

    def __len__(self) -> int:
        return len(self.docs)


def _shards(info: IndexInfo) -> list[Path]:
    return sorted((info.path / OCCURRENCES).glob("*.parquet"))


def sample_occurrences(info: IndexInfo, word: str, sample: int = 50, seed: int = 0) -> OccurrenceSample:
    """Up to ``sample`` stored occurrences of ``word``, drawn with ``seed`` from all of them.

    The occurrences are put in (doc, sentence, position) order before drawing, so the same seed
    gives the same sample from any build of the same corpus. Row-group statistics let pyarrow
    skip the parts of each shard that hold other words.
    """
    import pyarrow.parquet as pq

    w = word.strip().lower()
    if not w:
        raise IndexBuildError("Type a word to look up in the index.")
    total = word_counts(info).get(w, 0)
    where = [("word", "=", w)]
    # Pass 1: where each occurrence is (shard, row among the shard's matches) and its sort key.
    keys: list[tuple[str, int, int, int, int]] = []
    for s, shard in enumerate(_shards(info)):
        t = pq.read_table(shard, columns=["doc", "sentence_id", "start"], filters=where)
        docs, sids, starts = (t.column(c).to_pylist() for c in ("doc", "sentence_id", "start"))
        keys.extend((d, i, st, s, r) for r, (d, i, st) in enumerate(zip(docs, sids, starts, strict=True)))
    keys.sort()
    rng = np.random.default_rng(int(seed))
    chosen = sorted(rng.choice(len(keys), size=int(sample), replace=False)) if len(keys) > sample else range(len(keys))
    picked = [keys[i] for i in chosen]
    # Pass 2: read the vectors of the shards that hold a picked occurrence.
    layers = info.layers
    hidden = int(info.manifest.get("hidden_size", 0))
    rows: dict[tuple[int, int], tuple[str, int, str, int, int, np.ndarray]] = {}
    shards = _shards(info)
    for s in sorted({k[3] for k in picked}):
        columns = ["doc", "sentence_id", "sentence", "start", "end", *(layer_column(x) for x in layers)]
        t = pq.read_table(shards[s], columns=columns, filters=where)
        wanted = [k[4] for k in picked if k[3] == s]
        t = t.take(wanted)
        stack = np.stack([vector_matrix(t.column(layer_column(x)), hidden, np.float32) for x in layers], axis=1)
        for j, r in enumerate(wanted):
            rows[(s, r)] = (
                t.column("doc")[j].as_py(), t.column("sentence_id")[j].as_py(), t.column("sentence")[j].as_py(),
                t.column("start")[j].as_py(), t.column("end")[j].as_py(), stack[j],
            )  # fmt: skip
    ordered = [rows[(k[3], k[4])] for k in picked]
    vectors = (
        np.stack([o[5] for o in ordered], axis=1) if ordered else np.zeros((len(layers), 0, hidden), np.float32)
    )  # (L, n, H)
    return OccurrenceSample(
        word=w,
        total=total,
        stored=len(keys),
        layers=layers,
        docs=tuple(o[0] for o in ordered),
        sentence_ids=tuple(int(o[1]) for o in ordered),
        sentences=tuple(o[2] for o in ordered),
        spans=tuple((int(o[3]), int(o[4])) for o in ordered),
        vectors=readonly(vectors),
    )


def distilled_vectors(info: IndexInfo, layer: int) -> WordVectors:
    """The mean vector of every indexed word at ``layer`` (``static/layer_<n>.txt``), with its counts."""
    from explorer.vectors_io import load_vectors

    if int(layer) not in info.layers:
        raise IndexBuildError(
            f"{info.name} stores layers {', '.join(map(str, info.layers))}, not layer {layer}; pick one of those."
        )
    wv = load_vectors(info.path / static_file(layer), fmt="word2vec")
    counts = word_counts(info)
    return WordVectors(
        wv.keys, wv.vectors, counts=[counts.get(k, 0) for k in wv.keys], name=info.vectors_label(int(layer))
    )
