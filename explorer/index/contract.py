"""The contextual index on disk: folder layout, column names, the manifest, layers and targets.

An index is a folder that users script against, so its shape is fixed here and nowhere else::

    DIR/manifest.json                 written last; an index without it is not an index
    DIR/occurrences/part-00000.parquet  one row per occurrence: word, doc, sentence_id, sentence,
                                      start, end, layer_<n> (fixed-size float16 lists)
    DIR/static/layer_<n>.txt          word2vec text: per word, the mean of its layer_<n> vectors
    DIR/static/counts.tsv             word and occurrence count

Example:
    >>> from explorer.index.contract import Targets, layer_column, parse_layers
    >>> parse_layers("0, 4,6", num_layers=6), parse_layers("all", num_layers=2), layer_column(4)
    ((0, 4, 6), (0, 1, 2), 'layer_4')
    >>> Targets.most_frequent(2).select({"bank": 5, "the": 9, "river": 5})
    ('the', 'bank')
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.errors import IndexBuildError, UnsafeFileError
from explorer.safefiles import read_bytes_capped

FORMAT = "explorer-contextual-index"
VERSION = 1
MANIFEST = "manifest.json"
OCCURRENCES = "occurrences"
STATIC = "static"
COUNTS = "counts.tsv"
ENGINES = ("ray", "in-process")
DEFAULT_MAX_WORDS = 20_000  # the cap on --top and --min-count targets
INDEX_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")

# Columns of occurrences/*.parquet besides the layer_<n> vectors.
TEXT_COLUMNS = ("word", "doc", "sentence_id", "sentence", "start", "end")


def layer_column(layer: int) -> str:
    """The column (and static file stem) of one layer's vectors: ``layer_<n>``, 0 the embedding output."""
    return f"layer_{int(layer)}"


def vector_matrix(column: Any, width: int, dtype: Any = None) -> Any:
    """A fixed-size-list Arrow column (``width`` values per row) -> (rows, width) numpy array.

    >>> import pyarrow as pa
    >>> col = pa.FixedSizeListArray.from_arrays(pa.array([1.0, 2.0, 3.0, 4.0], pa.float16()), 2)
    >>> vector_matrix(col, 2).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    import numpy as np

    array = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    values = array.flatten().to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=dtype).reshape(len(array), width)


def static_file(layer: int) -> str:
    """The path, inside an index folder, of one layer's distilled vectors.

    >>> static_file(6)
    'static/layer_6.txt'
    """
    return f"{STATIC}/{layer_column(layer)}.txt"


def parse_layers(spec: str | Any, num_layers: int) -> tuple[int, ...]:
    """Layers from ``"all"``, ``"0,4,6"`` or a sequence of ints; negatives count from the top (-1 last).

    Raises ``IndexBuildError`` naming the model's range for a layer it does not have.

    >>> parse_layers("-1,0", num_layers=6)
    (0, 6)
    """
    if isinstance(spec, str):
        text = spec.strip().lower()
        if text in ("", "all"):
            return tuple(range(num_layers + 1))
        try:
            wanted = [int(p) for p in text.replace(" ", "").split(",") if p]
        except ValueError as exc:
            raise IndexBuildError(f"Layers must be 'all' or whole numbers separated by commas; got {spec!r}.") from exc
    else:
        wanted = [int(p) for p in spec]
    out = set()
    for layer in wanted:
        resolved = layer + num_layers + 1 if layer < 0 else layer
        if not 0 <= resolved <= num_layers:
            raise IndexBuildError(
                f"Layer {layer} does not exist: the model has layers 0 (the embedding output) to {num_layers}."
            )
        out.add(resolved)
    if not out:
        raise IndexBuildError("Name at least one layer, or 'all'.")
    return tuple(sorted(out))


@dataclass(frozen=True)
class Targets:
    """Which words get vectors: given ``words``, the ``top`` N by count, or all seen ``min_count`` times.

    ``max_words`` caps ``top`` and ``min_count`` (most frequent first; ties alphabetical).
    """

    mode: str
    words: tuple[str, ...] = ()
    top: int | None = None
    min_count: int | None = None
    max_words: int = DEFAULT_MAX_WORDS

    @classmethod
    def of_words(cls, words: str | list[str] | tuple[str, ...]) -> Targets:
        """Targets named by the user ("charge,bank" or a list); lower-cased, duplicates dropped.

        >>> Targets.of_words("Charge, bank,charge").words
        ('charge', 'bank')
        """
        items = words.split(",") if isinstance(words, str) else list(words)
        cleaned = tuple(dict.fromkeys(w.strip().lower() for w in items if w.strip()))
        if not cleaned:
            raise IndexBuildError("--words needs at least one word, such as --words charge,bank.")
        for w in cleaned:
            if any(ch.isspace() for ch in w) or not re.search(r"\w", w):
                raise IndexBuildError(f"{w!r} is not one word; give single words (letters or digits), one per comma.")
        return cls("words", words=cleaned)

    @classmethod
    def most_frequent(cls, n: int, max_words: int = DEFAULT_MAX_WORDS) -> Targets:
        if n < 1:
            raise IndexBuildError(f"--top must be at least 1; got {n}.")
        return cls("top", top=int(n), max_words=max_words)

    @classmethod
    def at_least(cls, k: int, max_words: int = DEFAULT_MAX_WORDS) -> Targets:
        if k < 1:
            raise IndexBuildError(f"--min-count must be at least 1; got {k}.")
        return cls("min_count", min_count=int(k), max_words=max_words)

    def select(self, counts: Mapping[str, int]) -> tuple[str, ...]:
        """The target words, given every token's count in the corpus (given words are kept even at 0).

        >>> Targets.at_least(2).select({"a": 2, "b": 1, "c": 3})
        ('c', 'a')
        """
        if self.mode == "words":
            return self.words
        ranked = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))
        if self.mode == "top":
            ranked = ranked[: min(self.top or 0, self.max_words)]
        else:
            ranked = [(w, c) for w, c in ranked if c >= (self.min_count or 1)][: self.max_words]
        return tuple(w for w, _ in ranked)

    def describe(self) -> dict[str, Any]:
        """The targets as the manifest records them."""
        if self.mode == "words":
            return {"mode": "words", "words": list(self.words)}
        value = self.top if self.mode == "top" else self.min_count
        return {"mode": self.mode, self.mode: value, "max_words": self.max_words}


def check_index_name(name: str) -> str:
    """An index name as a folder name that cannot leave its parent: letters, digits, ``_.-``; no ``..``.

    >>> check_index_name("tickets-2024")
    'tickets-2024'
    >>> check_index_name("../etc")
    Traceback (most recent call last):
    ...
    explorer.errors.IndexBuildError: '../etc' is not an index name: use letters, digits, '_', '.' and '-' (no '..', no folders).
    """
    text = str(name).strip()
    if not INDEX_NAME_RE.fullmatch(text) or ".." in text:
        raise IndexBuildError(
            f"{text[:60]!r} is not an index name: use letters, digits, '_', '.' and '-' (no '..', no folders)."
        )
    return text


# Bounds on what an index folder may hold, checked before a file is read (``explorer.safefiles``).
MAX_MANIFEST_BYTES = 8 * 2**20
MAX_COUNTS_BYTES = 256 * 2**20
MAX_STATIC_BYTES = 2 * 2**30
MAX_SHARD_BYTES = 64 * 2**30  # read by row group, never whole
MAX_SHARDS = 100_000
MAX_LAYERS = 1_000  # transformer layers of a model
MAX_HIDDEN = 65_536  # values per vector
MAX_TEXT = 500  # characters of a title, model name or other label
_LABELS = ("name", "title", "model", "model_source", "pooling", "dtype", "engine", "column", "created")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_manifest(manifest: Any, name: str = "the index") -> dict[str, Any]:
    """The manifest of index ``name`` checked against its schema; ``IndexBuildError`` saying what is wrong.

    Checked once, when an index is listed, so nothing later trusts a value it has not seen:
    format and version, ``num_layers`` and ``hidden_size`` (whole numbers within bounds),
    ``layers`` (whole numbers in 0..num_layers), ``counts`` (whole numbers), labels (short
    strings) and ``shards`` (names inside ``occurrences/``).

    >>> ok = {"format": FORMAT, "version": 1, "num_layers": 2, "hidden_size": 32, "layers": [0, 2], "counts": {}}
    >>> validate_manifest(ok)["layers"]
    [0, 2]
    >>> validate_manifest({**ok, "layers": ["../../etc/passwd"]}, "t")
    Traceback (most recent call last):
    ...
    explorer.errors.IndexBuildError: t/manifest.json is damaged: "layers" must be whole numbers from 0 to 2 (the model's layers); it holds '../../etc/passwd'. Build the index again.
    """

    def bad(what: str) -> IndexBuildError:
        return IndexBuildError(f"{name}/{MANIFEST} is damaged: {what}. Build the index again.")

    def shown(value: Any) -> str:
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."

    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexBuildError(f"{name}/{MANIFEST} is not the manifest of a contextual index.")
    version = manifest.get("version")
    if not _whole(version) or version < 1:
        raise bad(f'"version" must be a whole number (this explorer writes {VERSION}); it is {shown(version)}')
    if version > VERSION:
        raise IndexBuildError(
            f"{name} was written by a newer version (format {version}); update the explorer to read it."
        )
    num_layers = manifest.get("num_layers")
    if not _whole(num_layers) or not 0 <= num_layers <= MAX_LAYERS:
        raise bad(f'"num_layers" must be a whole number from 0 to {MAX_LAYERS:,}; it is {shown(num_layers)}')
    hidden = manifest.get("hidden_size")
    if not _whole(hidden) or not 1 <= hidden <= MAX_HIDDEN:
        raise bad(f'"hidden_size" must be a whole number from 1 to {MAX_HIDDEN:,}; it is {shown(hidden)}')
    layers = manifest.get("layers")
    if not isinstance(layers, list) or not layers:
        raise bad(f'"layers" must be a list of the stored layers; it is {shown(layers)}')
    for layer in layers:
        if not _whole(layer) or not 0 <= layer <= num_layers:
            raise bad(
                f'"layers" must be whole numbers from 0 to {num_layers} (the model\'s layers); it holds {shown(layer)}'
            )
    if len(set(layers)) != len(layers):
        raise bad(f'"layers" names a layer twice ({shown(layers)})')
    counts = manifest.get("counts", {})
    if not isinstance(counts, dict):
        raise bad(f'"counts" must be a table of whole numbers; it is {shown(counts)}')
    for key, value in counts.items():
        if value is not None and (not _whole(value) or value < 0):
            raise bad(f'"counts" must hold whole numbers; {shown(key)} is {shown(value)}')
    for key in _LABELS:
        value = manifest.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
            raise bad(f'"{key}" must be text of at most {MAX_TEXT} characters; it is {shown(value)}')
    shards = manifest.get("shards", [])
    if not isinstance(shards, list) or len(shards) > MAX_SHARDS:
        raise bad(f'"shards" must be a list of Parquet files; it is {shown(shards)}')
    for shard in shards:
        if not isinstance(shard, str) or not re.fullmatch(rf"{OCCURRENCES}/[A-Za-z0-9_.\-]+\.parquet", shard):
            raise bad(f'"shards" must name files in {OCCURRENCES}/; it holds {shown(shard)}')
    for key, kind in (("targets", dict), ("timings", dict), ("inputs", list)):
        if manifest.get(key) is not None and not isinstance(manifest[key], kind):
            raise bad(f'"{key}" must be a {kind.__name__}; it is {shown(manifest[key])}')
    return dict(manifest)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The validated manifest of an index folder; ``IndexBuildError`` when it is missing, unsafe, unreadable or not ours.

    The file is opened through ``explorer.safefiles``: a link out of the folder, a FIFO or an
    oversized file is refused before it is read.
    """
    name = Path(folder).name
    if not os.path.lexists(Path(folder) / MANIFEST):
        raise IndexBuildError(f"{name} is not a complete index: it has no {MANIFEST}.")
    try:
        manifest = json.loads(read_bytes_capped(folder, MANIFEST, MAX_MANIFEST_BYTES).decode("utf-8"))
    except UnsafeFileError as exc:
        raise IndexBuildError(f"The manifest of {name} is not read: {exc}") from exc
    except (OSError, ValueError, RecursionError) as exc:
        raise IndexBuildError(f"The manifest of {name} cannot be read ({_reason(exc)}); build it again.") from exc
    return validate_manifest(manifest, name)


def _reason(exc: BaseException) -> str:
    """An exception as a short clause for a message (at most 160 characters)."""
    text = f"{exc.__class__.__name__}: {exc}"
    return text if len(text) <= 160 else text[:157] + "..."
