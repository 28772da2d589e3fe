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
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.errors import IndexBuildError

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


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of an index folder; ``IndexBuildError`` when it is missing, unreadable or not ours."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexBuildError(f"{Path(folder).name} is not a complete index: it has no {MANIFEST}.") from exc
    except (OSError, ValueError) as exc:
        raise IndexBuildError(f"The manifest of {Path(folder).name} cannot be read ({exc}); build it again.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexBuildError(f"{Path(folder).name}/{MANIFEST} is not the manifest of a contextual index.")
    if int(manifest.get("version", 0)) > VERSION:
        raise IndexBuildError(
            f"{Path(folder).name} was written by a newer version (format {manifest.get('version')}); "
            "update the explorer to read it."
        )
    return manifest
