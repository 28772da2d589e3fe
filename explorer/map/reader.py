"""Reading prebuilt word maps from one configured folder (``EXPLORER_MAP_DIR``), with pyarrow only.

The app names a map by its folder name inside that folder; :func:`map_path` turns a name into a
path only when it is a plain name of a folder holding a manifest there, so a link can never point
the app at another path. Hidden folders (a job still writing) and folders without a manifest are
not maps.

Every file of a map is untrusted: it is opened through ``explorer.safefiles`` (inside the map
folder, a regular file, size-checked), the manifest is validated by ``explorer.map.contract`` when
the map is listed (:func:`scan_maps` returns the unreadable ones with their reason), and every later
read error, pyarrow's included, becomes a ``MapBuildError`` with a sentence, never a traceback.

Example:
    >>> map_path("/srv/maps", "../../etc")
    Traceback (most recent call last):
    ...
    explorer.map.contract.MapBuildError: '../../etc' is not a map name: use letters, digits, '_', '.' and '-' (no '..', no folders).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.errors import ExplorerError, UnsafeFileError
from explorer.listing import Listing, Unreadable, name_parser, scan
from explorer.map.contract import (
    LABEL_COLUMNS,
    LABELS,
    MANIFEST,
    NEIGHBOR_COLUMNS,
    NEIGHBORS,
    POINTS,
    MapBuildError,
    cluster_column,
    method_title,
    read_manifest,
)
from explorer.safefiles import open_capped, safe_path

NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
MAX_TABLE_BYTES = 16 * 2**30  # one Parquet file of a map: 10M neighbour rows of long words stay far below


@dataclass(frozen=True)
class MapInfo:
    """One map whose manifest is valid: its name (folder name), folder, manifest and the manifest's mtime."""

    name: str
    path: Path
    manifest: dict[str, Any]
    mtime: float

    @property
    def points(self) -> int:
        return int(self.manifest["counts"]["points"])

    @property
    def levels(self) -> int:
        return len(self.manifest["levels"])

    def describe(self) -> str:
        """One line for a picker: name, size, method and source.

        >>> m = {"counts": {"points": 50000}, "method": "umap", "source": {"name": "glove.txt"}, "levels": []}
        >>> MapInfo("glove", Path("glove"), m, 0.0).describe()
        'glove: 50,000 words, UMAP of glove.txt'
        >>> MapInfo("glove", Path("glove"), {**m, "method": "tsne"}, 0.0).describe()
        'glove: 50,000 words, t-SNE of glove.txt'
        """
        return f"{self.name}: {self.points:,} words, {method_title(self.manifest['method'])} of {self.manifest['source']['name']}"


UnreadableMap = Unreadable  # a folder with a manifest that cannot be read as a map, and why
MapListing = Listing  # Listing[MapInfo]: the maps of a folder, readable and not


@dataclass(frozen=True)
class LevelLabels:
    """The labels of one cluster level: cluster ids (m,), where each sits (m, 2), its text, its size (m,)."""

    clusters: np.ndarray
    xy: np.ndarray
    texts: tuple[str, ...]
    sizes: np.ndarray

    def name_of(self, cluster: int) -> str:
        """The label of ``cluster`` ("" when the map has none for it)."""
        hits = np.flatnonzero(self.clusters == cluster)
        return self.texts[int(hits[0])] if len(hits) else ""


@dataclass(frozen=True)
class MapData:
    """A map's contents, read-only, indexed by word row (file order of ``points.parquet``).

    ``coords``: (n, 2) float32; ``clusters``: one (n,) int32 array per level, coarse first;
    ``labels``: one ``LevelLabels`` per level; ``neighbor_rows`` and
    ``neighbor_cosines``: (n, k) int32 rows (-1 where a word has fewer) and float32 cosines,
    nearest first.
    """

    info: MapInfo
    words: tuple[str, ...]
    row_of: dict[str, int]
    coords: np.ndarray
    clusters: tuple[np.ndarray, ...]
    labels: tuple[LevelLabels, ...]
    neighbor_rows: np.ndarray
    neighbor_cosines: np.ndarray

    def __len__(self) -> int:
        return len(self.words)


def check_map_name(name: str) -> str:
    """A map name as a folder name that cannot leave its parent; ``MapBuildError`` otherwise."""
    text = str(name).strip()
    if not NAME_RE.fullmatch(text) or ".." in text:
        raise MapBuildError(
            f"{text[:60]!r} is not a map name: use letters, digits, '_', '.' and '-' (no '..', no folders)."
        )
    return text


def map_path(folder: str | Path, name: str) -> Path:
    """The folder of map ``name`` directly inside ``folder`` (no link leading elsewhere), holding a manifest."""
    plain = check_map_name(name)
    root = Path(folder).resolve()
    path = (root / plain).resolve()
    if path.parent != root or not path.is_dir() or not os.path.lexists(path / MANIFEST):
        raise MapBuildError(f"There is no map named {plain!r} here. Pick one of the maps listed.")
    return path


def map_names(folder: str | Path | None) -> list[str]:
    """Names of the folders in ``folder`` that hold a manifest (none when unset or missing), sorted.

    >>> map_names(None)
    []
    """
    if not folder or not Path(folder).is_dir():
        return []
    names = []
    for child in sorted(Path(folder).iterdir()):
        if child.name.startswith("."):
            continue
        with contextlib.suppress(MapBuildError, OSError):
            names.append(map_path(folder, child.name).name)
    return names


def manifest_mtime(folder: str | Path, name: str) -> float:
    """When the map's manifest last changed: part of every cache key, so a rebuilt map is read again."""
    path = map_path(folder, name)
    try:
        return safe_path(path, MANIFEST).stat().st_mtime
    except (UnsafeFileError, OSError) as exc:
        raise MapBuildError(f"The manifest of {name} is not read: {exc}") from exc


@contextlib.contextmanager
def _unreadable(name: str, relative: str) -> Iterator[None]:
    """Turn whatever reading ``relative`` raises (pyarrow's errors, OSError, a bad value) into MapBuildError."""
    try:
        yield
    except MapBuildError:
        raise
    except ExplorerError as exc:  # UnsafeFileError
        raise MapBuildError(f"The map {name} cannot be read: {exc}") from exc
    except Exception as exc:  # pyarrow raises ArrowInvalid, ArrowTypeError, OSError, ... from damaged files
        raise MapBuildError(
            f"The map {name} cannot be read: {relative} is damaged ({type(exc).__name__}: {str(exc)[:200]}). "
            "Build the map again."
        ) from exc


def _schema_names(info_path: Path, name: str, relative: str) -> list[str]:
    import pyarrow.parquet as pq

    with _unreadable(name, relative), open_capped(info_path, relative, MAX_TABLE_BYTES) as fh:
        return list(pq.read_schema(fh).names)


def open_map(folder: str | Path, name: str) -> MapInfo:
    """The map ``name`` of ``folder`` with its validated manifest; ``MapBuildError`` when it cannot be read.

    Besides the manifest, the three Parquet files are checked without reading them whole: present,
    safe, and their footers name the contract's columns.
    """
    path = map_path(folder, name)
    manifest = read_manifest(path)
    levels = len(manifest["levels"])
    need = {
        POINTS: ("word", "x", "y", *(cluster_column(i) for i in range(levels))),
        LABELS: LABEL_COLUMNS,
        NEIGHBORS: NEIGHBOR_COLUMNS,
    }
    for relative, columns in need.items():
        present = _schema_names(path, name, relative)
        missing = [c for c in columns if c not in present]
        if missing:
            raise MapBuildError(
                f"The map {name} cannot be read: {relative} lacks the column(s) {', '.join(missing)}. Build it again."
            )
    return MapInfo(path.name, path, manifest, manifest_mtime(folder, name))


def scan_maps(folder: str | Path | None, opener: Callable[[str], MapInfo] | None = None) -> MapListing:
    """Every map in ``folder``, readable or not; ``opener(name)`` opens one (default :func:`open_map`)."""
    return scan(map_names(folder), opener or (lambda name: open_map(folder, name)))  # type: ignore[arg-type]


def link_parser(folder: str | Path | None) -> Callable[[str], str]:
    """A page-state parser: the name of a map present in ``folder``, else ``LinkError`` (never a path).

    >>> link_parser(None)("glove")
    Traceback (most recent call last):
    ...
    explorer.errors.LinkError: no word map named 'glove' on this server (EXPLORER_MAP_DIR).
    """

    return name_parser(folder, map_path, "no word map named %r on this server (EXPLORER_MAP_DIR).")


def _read_table(info: MapInfo, relative: str, columns: tuple[str, ...]) -> Any:
    import pyarrow.parquet as pq

    with _unreadable(info.name, relative), open_capped(info.path, relative, MAX_TABLE_BYTES) as fh:
        return pq.read_table(fh, columns=list(columns))


def _numbers(table: Any, column: str, dtype: type, info: MapInfo, relative: str) -> np.ndarray:
    with _unreadable(info.name, relative):
        values = table.column(column).to_numpy(zero_copy_only=False)
        if values.dtype == object or not np.issubdtype(values.dtype, np.number):
            raise MapBuildError(f"The map {info.name} cannot be read: {relative} column {column} is not numeric.")
        out = values.astype(dtype)
    if not np.all(np.isfinite(out)):
        raise MapBuildError(f"The map {info.name} cannot be read: {relative} column {column} holds a missing or infinite value.")  # fmt: skip
    return out


def _words(table: Any, column: str, info: MapInfo, relative: str) -> list[str]:
    with _unreadable(info.name, relative):
        words = table.column(column).to_pylist()
    if any(not isinstance(w, str) for w in words):
        raise MapBuildError(f"The map {info.name} cannot be read: {relative} column {column} holds a value that is not text.")  # fmt: skip
    return words


def _readonly(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


def read_map(info: MapInfo) -> MapData:
    """Everything the map page draws, read once: points, labels and neighbours, checked against the manifest."""
    import pyarrow as pa
    import pyarrow.compute as pc

    levels = info.levels
    cluster_cols = tuple(cluster_column(i) for i in range(levels))
    points = _read_table(info, POINTS, ("word", "x", "y", *cluster_cols))
    words = _words(points, "word", info, POINTS)
    if len(words) != info.points:
        raise MapBuildError(
            f"The map {info.name} cannot be read: {POINTS} holds {len(words):,} words but the manifest says "
            f"{info.points:,}. Build it again."
        )
    row_of = {w: i for i, w in enumerate(words)}
    if len(row_of) != len(words):
        raise MapBuildError(f"The map {info.name} cannot be read: {POINTS} lists a word twice. Build it again.")
    coords = np.column_stack([_numbers(points, c, np.float32, info, POINTS) for c in ("x", "y")])
    clusters = tuple(_numbers(points, c, np.int32, info, POINTS) for c in cluster_cols)
    for column, values in zip(cluster_cols, clusters, strict=True):
        if len(values) and values.min() < 0:
            raise MapBuildError(f"The map {info.name} cannot be read: {POINTS} column {column} holds a negative cluster.")  # fmt: skip

    table = _read_table(info, LABELS, LABEL_COLUMNS)
    level = _numbers(table, "level", np.int64, info, LABELS)
    label_cluster = _numbers(table, "cluster", np.int64, info, LABELS)
    label_xy = np.column_stack([_numbers(table, c, np.float64, info, LABELS) for c in ("x", "y")])
    texts = _words(table, "label", info, LABELS)
    sizes = _numbers(table, "size", np.int64, info, LABELS)
    labels = tuple(
        LevelLabels(
            label_cluster[level == i],
            label_xy[level == i],
            tuple(t for t, keep in zip(texts, level == i, strict=True) if keep),
            sizes[level == i],
        )
        for i in range(levels)
    )

    table = _read_table(info, NEIGHBORS, NEIGHBOR_COLUMNS)
    k = int(info.manifest["neighbors"]["k"])
    with _unreadable(info.name, NEIGHBORS):
        vocabulary = pa.array(words, type=pa.string())
        source = pc.index_in(table.column("word").cast(pa.string()), value_set=vocabulary)
        target = pc.index_in(table.column("neighbor").cast(pa.string()), value_set=vocabulary)
        known = pc.and_(pc.is_valid(source), pc.is_valid(target))
        source = source.filter(known).to_numpy(zero_copy_only=False).astype(np.int64)
        target = target.filter(known).to_numpy(zero_copy_only=False).astype(np.int32)
        rank = table.column("rank").filter(known).to_numpy(zero_copy_only=False).astype(np.int64)
        cosine = table.column("cosine").filter(known).to_numpy(zero_copy_only=False).astype(np.float32)
    ok = (rank >= 1) & (rank <= k) & np.isfinite(cosine)  # a row out of the contract is left out, not trusted
    neighbor_rows = np.full((len(words), k), -1, dtype=np.int32)
    neighbor_cosines = np.full((len(words), k), np.nan, dtype=np.float32)
    neighbor_rows[source[ok], rank[ok] - 1] = target[ok]
    neighbor_cosines[source[ok], rank[ok] - 1] = cosine[ok]
    _readonly(
        coords,
        *clusters,
        neighbor_rows,
        neighbor_cosines,
        *(a for lv in labels for a in (lv.clusters, lv.xy, lv.sizes)),
    )
    return MapData(info, tuple(words), row_of, coords, clusters, labels, neighbor_rows, neighbor_cosines)
