"""Reading contextual indexes from one configured folder, with pyarrow only (never Ray, never the model).

The app names an index by its folder name inside ``EXPLORER_INDEX_DIR``; :func:`index_path`
turns a name into a path only when it is a plain name of a complete index in that folder, so a
link or an upload can never point the app at another path. Folders without a manifest (a job
still running, or one that was killed) and hidden temporary folders are not indexes.

Every file of an index is untrusted: it is opened through ``explorer.safefiles`` (inside the index
folder, a regular file, size-checked), the manifest is validated once when the index is listed
(:func:`scan_indexes` returns the unreadable ones with their reason), and any later read error,
pyarrow's included, becomes an ``IndexBuildError`` with a sentence, never a traceback.

Example:
    >>> from explorer.index.reader import index_path
    >>> index_path("/srv/indexes", "../../etc")
    Traceback (most recent call last):
    ...
    explorer.errors.IndexNotFoundError: '../../etc' is not an index name: use letters, digits, '_', '.' and '-' (no '..', no folders).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from explorer.errors import ExplorerError, IndexBuildError, IndexNotFoundError, UnsafeFileError
from explorer.index.contract import (
    COUNTS,
    MANIFEST,
    MAX_COUNTS_BYTES,
    MAX_SHARD_BYTES,
    MAX_SHARDS,
    MAX_STATIC_BYTES,
    OCCURRENCES,
    STATIC,
    TEXT_COLUMNS,
    check_index_name,
    layer_column,
    read_manifest,
    static_file,
    vector_matrix,
)
from explorer.linalg import readonly
from explorer.listing import Listing, Unreadable, name_parser, scan
from explorer.safefiles import list_files, open_capped, read_bytes_capped, read_text_capped, safe_path
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
            f"{self.name}: {self.title} ({self.model}, {c.get('words') or 0:,} words, "
            f"{c.get('occurrences') or 0:,} occurrences)"
        )


def index_path(folder: str | Path, name: str) -> Path:
    """The folder of index ``name`` inside ``folder``; ``IndexNotFoundError`` for anything else.

    The name must be a plain folder name, the folder must sit directly in ``folder`` (symbolic
    links that lead elsewhere are refused) and hold a manifest (of any kind: a damaged one is
    refused, with its reason, when the index is opened).
    """
    try:
        plain = check_index_name(name)
    except IndexBuildError as exc:
        raise IndexNotFoundError(str(exc)) from exc
    root = Path(folder).resolve()
    path = (root / plain).resolve()
    if path.parent != root or not path.is_dir() or not os.path.lexists(path / MANIFEST):
        raise IndexNotFoundError(f"There is no index named {plain!r} here. Pick one of the indexes listed.")
    return path


def index_names(folder: str | Path | None) -> list[str]:
    """Names of the folders in ``folder`` that hold a manifest (none when it is unset or missing), sorted.

    Readable or not: :func:`scan_indexes` tells them apart.

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
    """The index ``name`` of ``folder`` with its validated manifest; ``IndexBuildError`` when it cannot be read.

    Besides the manifest, every file the index needs is checked without reading it whole: each
    stored layer's distilled vectors (present, safe, as wide as ``hidden_size``), the counts (parsed),
    and each Parquet shard's schema (its footer: every stored layer, as wide as ``hidden_size``).
    """
    import pyarrow.parquet as pq

    path = index_path(folder, name)
    manifest = read_manifest(path)
    info = IndexInfo(path.name, path, manifest, _mtime(path))
    with _unreadable(info, MANIFEST):
        word_counts(info)  # small; parsed whole, so a bad line is found now
        for layer in info.layers:
            _check_static_header(info, layer)
        for shard in _shards(info):
            with _open(info, shard, MAX_SHARD_BYTES) as fh, _unreadable(info, shard):
                _check_schema(info, shard, pq.read_schema(fh))
    return info


UnreadableIndex = Unreadable  # a folder that holds a manifest but cannot be read, and why
IndexListing = Listing  # Listing[IndexInfo]: the indexes of a folder, readable and not


def scan_indexes(folder: str | Path | None, opener: Callable[[str], IndexInfo] | None = None) -> IndexListing:
    """Every index in ``folder``, readable or not; ``opener(name)`` opens one (default :func:`open_index`).

    The app passes its cached opener, so a manifest is validated once per version.
    """
    return scan(index_names(folder), opener or (lambda name: open_index(folder, name)))  # type: ignore[arg-type]


def list_indexes(folder: str | Path | None) -> list[IndexInfo]:
    """Every readable index in ``folder`` (see :func:`list_unreadable` for the others)."""
    return list(scan_indexes(folder).readable)


def list_unreadable(folder: str | Path | None) -> list[UnreadableIndex]:
    """Every index in ``folder`` that cannot be read, with the reason."""
    return list(scan_indexes(folder).unreadable)


def _mtime(path: Path) -> float:
    try:
        return safe_path(path, MANIFEST).stat().st_mtime
    except (UnsafeFileError, OSError) as exc:
        raise IndexBuildError(f"The manifest of {path.name} is not read: {exc}") from exc


def manifest_mtime(folder: str | Path, name: str) -> float:
    """When the index's manifest last changed: part of every cache key, so a rebuilt index is read again."""
    return _mtime(index_path(folder, name))


@contextlib.contextmanager
def _unreadable(info: IndexInfo, relative: str) -> Iterator[None]:
    """Turn whatever reading ``relative`` raises (pyarrow's errors, OSError, a bad value) into IndexBuildError."""
    try:
        yield
    except IndexBuildError:
        raise
    except ExplorerError as exc:  # UnsafeFileError, VectorsError
        raise IndexBuildError(f"The index {info.name} cannot be read: {exc}") from exc
    except Exception as exc:  # pyarrow raises ArrowInvalid, ArrowTypeError, OSError, ... from damaged files
        text = f"{exc.__class__.__name__}: {exc}"
        text = text if len(text) <= 200 else text[:197] + "..."
        raise IndexBuildError(
            f"{info.name}/{relative} cannot be read ({text}); the index is damaged: build it again."
        ) from exc


def _open(info: IndexInfo, relative: str, max_bytes: int) -> BinaryIO:
    try:
        return open_capped(info.path, relative, max_bytes)
    except UnsafeFileError as exc:
        raise IndexBuildError(f"The index {info.name} cannot be read: {exc}") from exc


def _hidden(info: IndexInfo) -> int:
    return int(info.manifest["hidden_size"])


def _check_static_header(info: IndexInfo, layer: int) -> None:
    """The distilled-vector file of ``layer`` exists, is safe and says it is ``hidden_size`` wide."""
    relative = static_file(layer)
    with _open(info, relative, MAX_STATIC_BYTES) as fh:
        header = fh.readline(200).decode("utf-8", "replace").split()
    if len(header) != 2 or not all(p.isdigit() for p in header):
        raise IndexBuildError(f"{info.name}/{relative} does not start with a 'words dimensions' line; build it again.")
    if int(header[1]) != _hidden(info):
        raise IndexBuildError(
            f"{info.name}/{relative} holds {header[1]}-dimensional vectors but the manifest says "
            f"hidden_size {_hidden(info)}; the index is damaged: build it again."
        )


def _check_schema(info: IndexInfo, shard: str, schema: Any, text_columns: tuple[str, ...] = TEXT_COLUMNS) -> None:
    """A shard holds ``text_columns`` and every stored layer as ``hidden_size``-wide float lists."""
    import pyarrow as pa

    names = set(schema.names)
    missing = [c for c in text_columns if c not in names]
    missing += [layer_column(x) for x in info.layers if layer_column(x) not in names]
    if missing:
        raise IndexBuildError(
            f"{info.name}/{shard} has no column {', '.join(missing)}, which the manifest names; "
            "the index is damaged: build it again."
        )
    for layer in info.layers:
        kind = schema.field(layer_column(layer)).type
        ok = pa.types.is_fixed_size_list(kind) and pa.types.is_floating(kind.value_type)
        if not ok or kind.list_size != _hidden(info):
            raise IndexBuildError(
                f"{info.name}/{shard}: column {layer_column(layer)} holds {kind}, not {_hidden(info)} floats per row "
                f"(the manifest's hidden_size); the index is damaged: build it again."
            )


def link_parser(folder: str | Path | None) -> Callable[[str], str]:
    """A page-state parser: the name of an index present in ``folder``, else ``LinkError`` (never a path).

    >>> link_parser(None)("tickets")
    Traceback (most recent call last):
    ...
    explorer.errors.LinkError: no corpus index named 'tickets' on this server (EXPLORER_INDEX_DIR).
    """

    return name_parser(folder, index_path, "no corpus index named %r on this server (EXPLORER_INDEX_DIR).")


def word_counts(info: IndexInfo) -> dict[str, int]:
    """Occurrences of every indexed word (``static/counts.tsv``); ``IndexBuildError`` naming a bad line."""
    relative = f"{STATIC}/{COUNTS}"
    try:
        text = read_text_capped(info.path, relative, MAX_COUNTS_BYTES)
    except UnsafeFileError as exc:
        raise IndexBuildError(f"The index {info.name} cannot be read: {exc}") from exc
    counts: dict[str, int] = {}
    for number, line in enumerate(text.split("\n")[1:], start=2):  # line 1 is the header
        word, _, n = line.rstrip("\r").partition("\t")
        if not word:
            continue
        if not n.strip().isdigit():
            raise IndexBuildError(
                f"Line {number:,} of {info.name}/{relative}: {n[:40]!r} is not a count (a whole number); "
                "the index is damaged: build it again."
            )
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
        notes: sentences for the reader about what was left out (non-finite vectors).
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
    notes: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.docs)


def _shards(info: IndexInfo) -> list[str]:
    """Paths, inside the index, of its Parquet shards (each checked again when opened)."""
    try:
        shards = list_files(info.path, OCCURRENCES, "*.parquet")
    except UnsafeFileError as exc:
        raise IndexBuildError(f"The index {info.name} cannot be read: {exc}") from exc
    if len(shards) > MAX_SHARDS:
        raise IndexBuildError(
            f"{info.name}/{OCCURRENCES} holds {len(shards):,} files; at most {MAX_SHARDS:,} are read."
        )
    return shards


def sample_occurrences(info: IndexInfo, word: str, sample: int = 50, seed: int = 0) -> OccurrenceSample:
    """Up to ``sample`` stored occurrences of ``word``, drawn with ``seed`` from all of them.

    The occurrences are put in (doc, sentence, position) order before drawing, so the same seed
    gives the same sample from any build of the same corpus. Row-group statistics let pyarrow
    skip the parts of each shard that hold other words. Sampled occurrences whose vectors hold
    NaN or infinite values are left out, and ``notes`` says how many. A damaged shard raises
    ``IndexBuildError`` naming it.
    """
    import pyarrow.parquet as pq

    w = word.strip().lower()
    if not w:
        raise IndexBuildError("Type a word to look up in the index.")
    total = word_counts(info).get(w, 0)
    where = [("word", "=", w)]
    shards = _shards(info)
    # Pass 1: where each occurrence is (shard, row among the shard's matches) and its sort key.
    keys: list[tuple[str, int, int, int, int]] = []
    for s, shard in enumerate(shards):
        with _open(info, shard, MAX_SHARD_BYTES) as fh, _unreadable(info, shard):
            t = pq.read_table(fh, columns=["doc", "sentence_id", "start"], filters=where)
            docs, sids, starts = (t.column(c).to_pylist() for c in ("doc", "sentence_id", "start"))
            keys.extend(
                (str(d), int(i), int(st), s, r) for r, (d, i, st) in enumerate(zip(docs, sids, starts, strict=True))
            )
    keys.sort()
    rng = np.random.default_rng(int(seed))
    chosen = sorted(rng.choice(len(keys), size=int(sample), replace=False)) if len(keys) > sample else range(len(keys))
    picked = [keys[i] for i in chosen]
    # Pass 2: read the vectors of the shards that hold a picked occurrence.
    layers = info.layers
    hidden = _hidden(info)
    rows: dict[tuple[int, int], tuple[str, int, str, int, int, np.ndarray]] = {}
    for s in sorted({k[3] for k in picked}):
        columns = ["doc", "sentence_id", "sentence", "start", "end", *(layer_column(x) for x in layers)]
        with _open(info, shards[s], MAX_SHARD_BYTES) as fh, _unreadable(info, shards[s]):
            t = pq.read_table(fh, columns=columns, filters=where)
            _check_schema(info, shards[s], t.schema, ())
            wanted = [k[4] for k in picked if k[3] == s]
            t = t.take(wanted)
            stack = np.stack([vector_matrix(t.column(layer_column(x)), hidden, np.float32) for x in layers], axis=1)
            for j, r in enumerate(wanted):
                rows[(s, r)] = (
                    str(t.column("doc")[j].as_py()), int(t.column("sentence_id")[j].as_py()),
                    str(t.column("sentence")[j].as_py()), int(t.column("start")[j].as_py()),
                    int(t.column("end")[j].as_py()), stack[j],
                )  # fmt: skip
    ordered = [rows[(k[3], k[4])] for k in picked]
    finite = [o for o in ordered if np.isfinite(o[5]).all()]
    notes = ()
    if len(finite) < len(ordered):
        bad = len(ordered) - len(finite)
        notes = (
            f"{bad:,} of the {len(ordered):,} sampled occurrences of “{w}” have NaN or infinite values in "
            f"{info.name}'s stored vectors and were left out; the index may be damaged: build it again.",
        )
        ordered = finite
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
        notes=notes,
    )


def _parse_static(info: IndexInfo, relative: str, data: bytes) -> tuple[list[str], np.ndarray]:
    """(words, (n, hidden) float32) of a distilled-vector file (word2vec text); non-finite values kept."""
    import pandas as pd

    hidden = _hidden(info)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # 1e39 overflows float32 to inf: counted below
            frame = pd.read_csv(
                io.BytesIO(data), sep=" ", header=None, skiprows=1, quoting=csv.QUOTE_NONE, engine="c",
                dtype={0: str}, keep_default_na=False, na_filter=False, index_col=False, encoding="utf-8",
            )  # fmt: skip
            if frame.shape[1] != hidden + 1:
                raise IndexBuildError(
                    f"{info.name}/{relative} holds {frame.shape[1] - 1}-dimensional vectors but the manifest says "
                    f"hidden_size {hidden}; the index is damaged: build it again."
                )
            matrix = frame.iloc[:, 1:].to_numpy(dtype=np.float32)
    except pd.errors.EmptyDataError:
        return [], np.zeros((0, hidden), np.float32)
    except UnicodeDecodeError as exc:
        raise IndexBuildError(
            f"{info.name}/{relative} is not UTF-8 text; the index is damaged: build it again."
        ) from exc
    except (ValueError, TypeError, pd.errors.ParserError) as exc:
        if isinstance(exc, ExplorerError):
            raise
        raise IndexBuildError(
            f"{info.name}/{relative} is not word vectors (a word and {hidden} numbers per line): "
            f"{str(exc)[:120]}; the index is damaged: build it again."
        ) from exc
    return frame.iloc[:, 0].astype(str).tolist(), matrix


def distilled_vectors(info: IndexInfo, layer: int) -> WordVectors:
    """The mean vector of every indexed word at ``layer`` (``static/layer_<n>.txt``), with its counts.

    Words whose vector holds NaN or infinite values are left out, and the set's ``notices`` say how
    many; a damaged file raises ``IndexBuildError`` naming it.
    """
    if int(layer) not in info.layers:
        raise IndexBuildError(
            f"{info.name} stores layers {', '.join(map(str, info.layers))}, not layer {layer}; pick one of those."
        )
    relative = static_file(int(layer))
    try:
        data = read_bytes_capped(info.path, relative, MAX_STATIC_BYTES)
    except UnsafeFileError as exc:
        raise IndexBuildError(f"The index {info.name} cannot be read: {exc}") from exc
    words, matrix = _parse_static(info, relative, data)
    notices: list[str] = []
    finite = np.isfinite(matrix).all(axis=1)
    if not finite.all():
        bad = int((~finite).sum())
        notices.append(
            f"{bad:,} of the {len(words):,} words of {info.name} layer {layer} have NaN or infinite values in the "
            "index and were left out; the index may be damaged: build it again."
        )
        words = [w for w, ok in zip(words, finite, strict=True) if ok]
        matrix = matrix[finite]
    counts = word_counts(info)
    with _unreadable(info, relative):
        return WordVectors(
            words,
            matrix,
            counts=[counts.get(k, 0) for k in words],
            name=info.vectors_label(int(layer)),
            notices=notices,
        )
