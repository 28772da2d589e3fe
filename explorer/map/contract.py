"""The word map on disk: folder layout, columns, the manifest and its schema, cluster sizes.

A map folder is what the map page (and any script) reads, so its shape is fixed here and nowhere else::

    DIR/points.parquet     one row per word: word, rank (file order, 0 first), x, y (, z),
                           cluster_0 (coarse) .. cluster_<L> (fine)
    DIR/labels.parquet     one row per cluster and level: level, cluster, x, y (where the label sits:
                           the member nearest the median of its members on the map), label, size
    DIR/neighbors.parquet  each word's k nearest words in the original space: word, neighbor,
                           rank (1 nearest), cosine
    DIR/manifest.json      written last; a folder without it is not a map

Example:
    >>> from explorer.map.contract import cluster_column, default_cluster_counts
    >>> cluster_column(1), default_cluster_counts(4_000), default_cluster_counts(1_000_000)
    ('cluster_1', (16, 64), (30, 120))
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from explorer.errors import ExplorerError, UnsafeFileError
from explorer.safefiles import read_bytes_capped

FORMAT = "explorer-word-map"
VERSION = 1
MANIFEST = "manifest.json"
POINTS = "points.parquet"
LABELS = "labels.parquet"
NEIGHBORS = "neighbors.parquet"
OWN_FILES = frozenset({MANIFEST, POINTS, LABELS, NEIGHBORS})
METHODS = ("umap", "tsne", "pca")
METHOD_TITLES = {"umap": "UMAP", "tsne": "t-SNE", "pca": "PCA"}  # as the Project page names them


def method_title(method: object) -> str:
    """A layout method as people write it: ``tsne`` -> "t-SNE"; an unknown one as it is, upper-cased."""
    return METHOD_TITLES.get(str(method), str(method).upper())


ENGINES = ("exact", "ivf", "pynndescent")
APPROXIMATE_ENGINES = ("ivf", "pynndescent")  # what --engine may choose above the exact size
DEFAULT_K = 10
EXACT_MAX_ROWS = 50_000  # above this many words, neighbours are approximate (IVF by default; recall measured)
RECALL_SAMPLE = 2_000  # words whose neighbours are checked against exact ones
COARSE_MIN, COARSE_MAX = 4, 30
FINE_PER_COARSE = 4

LABEL_COLUMNS = ("level", "cluster", "x", "y", "label", "size")
NEIGHBOR_COLUMNS = ("word", "neighbor", "rank", "cosine")
MAX_MANIFEST_BYTES = 4 * 2**20
MAX_TEXT = 500


class MapBuildError(ExplorerError):
    """A map cannot be built or read: a bad input, option or output folder, said in words."""


def cluster_column(level: int) -> str:
    """The column of ``points.parquet`` holding each word's cluster at ``level`` (0 coarse)."""
    return f"cluster_{int(level)}"


def coordinate_columns(dims: int) -> tuple[str, ...]:
    """``("x", "y")`` or ``("x", "y", "z")``.

    >>> coordinate_columns(3)
    ('x', 'y', 'z')
    """
    return ("x", "y", "z")[: int(dims)]


def points_columns(dims: int, levels: int) -> tuple[str, ...]:
    """The columns of ``points.parquet`` for a map of ``dims`` dimensions and ``levels`` cluster levels.

    >>> points_columns(2, 2)
    ('word', 'rank', 'x', 'y', 'cluster_0', 'cluster_1')
    """
    return ("word", "rank", *coordinate_columns(dims), *(cluster_column(i) for i in range(levels)))


def default_cluster_counts(n: int) -> tuple[int, int]:
    """(coarse, fine) k-means sizes for ``n`` words: coarse about sqrt(n)/4 within [4, 30], fine 4x coarse;
    both at most ``n``.

    >>> default_cluster_counts(20_000), default_cluster_counts(50)
    ((30, 120), (4, 16))
    """
    coarse = int(min(COARSE_MAX, max(COARSE_MIN, round(math.sqrt(max(n, 0)) / 4))))
    coarse = min(coarse, max(1, n))
    return coarse, min(max(1, n), FINE_PER_COARSE * coarse)


def parse_cluster_counts(text: str) -> tuple[int, ...]:
    """Cluster sizes per level from ``"16,64"`` (coarse first, each at least 2, growing); ``MapBuildError`` otherwise.

    >>> parse_cluster_counts("8, 32")
    (8, 32)
    >>> parse_cluster_counts("8")
    Traceback (most recent call last):
    ...
    explorer.map.contract.MapBuildError: --clusters needs at least two levels, coarse first, e.g. 16,64; got '8'.
    """
    try:
        counts = tuple(int(p) for p in str(text).replace(" ", "").split(",") if p)
    except ValueError:
        counts = ()
    if len(counts) < 2 or any(c < 2 for c in counts) or list(counts) != sorted(counts):
        raise MapBuildError(f"--clusters needs at least two levels, coarse first, e.g. 16,64; got {text!r}.")
    return counts


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_manifest(manifest: Any, name: str = "the map") -> dict[str, Any]:
    """The manifest of map ``name`` checked against its schema; ``MapBuildError`` saying what is wrong.

    >>> ok = {"format": FORMAT, "version": 1, "method": "umap", "dims": 2, "levels": [{"level": 0, "k": 4},
    ...       {"level": 1, "k": 16}], "counts": {"points": 100}, "neighbors": {"k": 10, "engine": "exact",
    ...       "recall": 1.0}, "source": {"name": "v.bin", "rows": 100, "dims": 8, "bytes": 5, "sha256": "ab"}}
    >>> validate_manifest(ok)["dims"]
    2
    >>> validate_manifest({**ok, "dims": 7}, "m")
    Traceback (most recent call last):
    ...
    explorer.map.contract.MapBuildError: m/manifest.json is damaged: "dims" must be 2 or 3; it is 7. Build the map again.
    """

    def bad(what: str) -> MapBuildError:
        return MapBuildError(f"{name}/{MANIFEST} is damaged: {what}. Build the map again.")

    def shown(value: Any) -> str:
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."

    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise MapBuildError(f"{name}/{MANIFEST} is not the manifest of a word map.")
    version = manifest.get("version")
    if not _whole(version) or version < 1:
        raise bad(f'"version" must be a whole number (this explorer writes {VERSION}); it is {shown(version)}')
    if version > VERSION:
        raise MapBuildError(
            f"{name} was written by a newer version (format {version}); update the explorer to read it."
        )
    if manifest.get("method") not in METHODS:
        raise bad(f'"method" must be one of {", ".join(METHODS)}; it is {shown(manifest.get("method"))}')
    if manifest.get("dims") not in (2, 3) or not _whole(manifest.get("dims")):
        raise bad(f'"dims" must be 2 or 3; it is {shown(manifest.get("dims"))}')
    levels = manifest.get("levels")
    if not isinstance(levels, list) or len(levels) < 2:
        raise bad(f'"levels" must list at least two cluster levels; it is {shown(levels)}')
    for i, level in enumerate(levels):
        if not isinstance(level, dict) or level.get("level") != i or not _whole(level.get("k")) or level["k"] < 1:
            raise bad(f'"levels" entry {i} must be {{"level": {i}, "k": a whole number}}; it is {shown(level)}')
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not _whole(counts.get("points")) or counts["points"] < 1:
        raise bad(f'"counts" must hold the number of points; it is {shown(counts)}')
    for key, value in counts.items():
        if not _whole(value) or value < 0:
            raise bad(f'"counts" must hold whole numbers; {shown(key)} is {shown(value)}')
    neighbors = manifest.get("neighbors")
    if (
        not isinstance(neighbors, dict)
        or not _whole(neighbors.get("k"))
        or neighbors.get("engine") not in ENGINES
        or not (_number(neighbors.get("recall")) and 0.0 <= neighbors["recall"] <= 1.0)
    ):
        raise bad(
            f'"neighbors" must give k, the engine ({" or ".join(ENGINES)}) and its recall; it is {shown(neighbors)}'
        )
    source = manifest.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("name"), str) or len(source["name"]) > MAX_TEXT:
        raise bad(f'"source" must name the vector file; it is {shown(source)}')
    for key in ("rows", "dims", "bytes"):
        if not _whole(source.get(key)) or source[key] < 0:
            raise bad(f'"source" must give {key} as a whole number; it is {shown(source.get(key))}')
    for key in ("timings", "params"):
        if manifest.get(key) is not None and not isinstance(manifest[key], dict):
            raise bad(f'"{key}" must be a table; it is {shown(manifest[key])}')
    return dict(manifest)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The validated manifest of a map folder; ``MapBuildError`` when it is missing, unsafe, unreadable or not a map's.

    Opened through ``explorer.safefiles``: a link out of the folder, a FIFO or an oversized file is refused.
    """
    name = Path(folder).name
    if not os.path.lexists(Path(folder) / MANIFEST):
        raise MapBuildError(f"{name} is not a complete map: it has no {MANIFEST}.")
    try:
        manifest = json.loads(read_bytes_capped(folder, MANIFEST, MAX_MANIFEST_BYTES).decode("utf-8"))
    except UnsafeFileError as exc:
        raise MapBuildError(f"The manifest of {name} is not read: {exc}") from exc
    except (OSError, ValueError, RecursionError) as exc:
        raise MapBuildError(
            f"The manifest of {name} cannot be read ({type(exc).__name__}: {exc}); build it again."
        ) from exc
    return validate_manifest(manifest, name)
