"""The shared store: vector sets published by a visitor's explicit Share, found again by id on any process.

One small interface over a folder or any fsspec URL (``s3://bucket/prefix``, ``gs://...``,
``memory://name`` in tests): :meth:`ShareStore.put`, :meth:`~ShareStore.get`,
:meth:`~ShareStore.exists`, :meth:`~ShareStore.delete` and :meth:`~ShareStore.list` (housekeeping).

An item is a folder named by its id, holding:

- ``vectors.npy``: the matrix, float32, (words x dimensions), C order, no pickled objects;
- ``vectors.vocab.txt``: the words, UTF-8, one per line, in row order (the same pair the vector
  library reads as ``.npy`` + ``.vocab.txt``, so an item can be copied into a library folder);
- ``counts.npy`` (optional): int64 frequency of each word, when the set has counts;
- ``manifest.json`` (``FORMAT``, version 1): id, creation time, label, words, dimensions, bytes,
  the SHA-256 of ``vectors.npy``, the provenance (method, parameters, seed, steps, corpus name and
  size; never the corpus text) and a digest of the publishing session's key (never the key);
- ``used``: the last time the item was opened (seconds since the epoch), written at most hourly.

Writes are atomic: everything is written under ``.incoming/<id>.<start>.<token>/`` first, then the
data files are moved into ``<id>/`` and the manifest last. An item exists exactly when its
manifest does, so a writer killed at any point leaves no half item visible (its leftovers are
removed by housekeeping after ``STALE_SECONDS``). On a local folder each move is a rename; on an
object store the manifest arrives in one PUT.

Ids are ``secrets.token_urlsafe(ID_BYTES)`` (144 random bits) and every id is checked against
``ID_RE`` before any lookup: ``..``, ``/`` and everything else are refused with ``LinkError``.

Example:
    >>> import numpy as np
    >>> from explorer.vectors import WordVectors
    >>> store = ShareStore("memory://doc-share")
    >>> item = store.put(WordVectors(["a", "b"], np.eye(2)), label="tiny", provenance={"kind": "upload"})
    >>> shared = store.get(item)
    >>> shared.vectors.keys, shared.manifest["label"], store.exists(item)
    (('a', 'b'), 'tiny', True)
    >>> store.delete(item); store.exists(item)
    False
    >>> store.get("../etc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    explorer.errors.LinkError: ...
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explorer.errors import ExplorerError, LimitError, LinkError, UnsafeFileError
from explorer.safefiles import open_capped
from explorer.vectors import WordVectors

FORMAT = "embedding-explorer-shared-set"
VERSION = 1
ID_BYTES = 18  # secrets.token_urlsafe(18): 24 characters, 144 random bits
ID_RE = re.compile(r"[A-Za-z0-9_-]{24}")
MATRIX, VOCAB, COUNTS, MANIFEST, USED = "vectors.npy", "vectors.vocab.txt", "counts.npy", "manifest.json", "used"
INCOMING = ".incoming"
OWN_FILES = {MATRIX, VOCAB, COUNTS, MANIFEST, USED}  # all an item's folder (or a writer's work folder) may hold
STALE_SECONDS = 3600  # leftovers of a writer older than this are a killed writer's, not a running one's
USED_EVERY = 3600  # the last-use stamp is rewritten at most this often
LISTING_SECONDS = 60  # put() checks the limits against a listing at most this old (plus this process's own changes)
MAX_MANIFEST_BYTES = 1 << 20
MAX_WORD_BYTES = 4 * 100 + 1  # a word is at most 100 characters (vectors_io.rows.MAX_WORD_CHARS), UTF-8
DAY = 86_400.0


class ShareError(ExplorerError):
    """A shared set cannot be published, opened or deleted; the message says why and what to do."""


class SharedSetMissing(ShareError):
    """No shared set has this id here (never shared, deleted or expired)."""


class SharedSetExpired(SharedSetMissing):
    """The set was here but went unused past the store's expiry, so it was removed."""


class ShareLimitError(ShareError, LimitError):
    """Publishing would pass one of the store's limits; the message names it and how to get under it."""


@dataclass(frozen=True)
class ShareLimits:
    """The hosted limits of a store (None: no limit). Sizes are bytes."""

    max_item_bytes: int | None = None
    max_total_bytes: int | None = None
    expire_days: float | None = None
    max_items_per_owner: int | None = None


@dataclass(frozen=True)
class SharedItem:
    """One item of the store as housekeeping sees it."""

    id: str
    bytes: int
    created: float
    last_used: float
    owner: str | None
    label: str


@dataclass(frozen=True)
class SharedSet:
    """An opened shared set: its vectors and its manifest (label, provenance...)."""

    id: str
    vectors: WordVectors
    manifest: Mapping[str, Any] = field(default_factory=dict)


def new_id() -> str:
    """A fresh, unguessable id.

    >>> bool(ID_RE.fullmatch(new_id()))
    True
    """
    return secrets.token_urlsafe(ID_BYTES)


def check_id(raw: object) -> str:
    """``raw`` when it has the shape of an id; ``LinkError`` otherwise, before anything is looked up.

    >>> check_id("../../etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    explorer.errors.LinkError: ...
    """
    if isinstance(raw, str) and ID_RE.fullmatch(raw):
        return raw
    shown = repr(raw)[:40]
    raise LinkError(
        f"{shown} is not the id of a shared set (24 letters, digits, '-' or '_'); copy the whole link again."
    )


def owner_digest(owner_key: str) -> str:
    """What the manifest keeps of the publishing session's secret key: a digest, never the key."""
    return hashlib.sha256(f"explorer-share-owner:{owner_key}".encode()).hexdigest()


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


class ShareStore:
    """Shared vector sets under ``url`` (a folder path or an fsspec URL), held to ``limits``.

    ``clock`` gives the time (seconds since the epoch); tests pass their own to age items.
    """

    def __init__(
        self, url: str | os.PathLike[str], limits: ShareLimits | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        import fsspec

        self.url = str(url)
        self.limits = limits or ShareLimits()
        self.clock = clock
        self.fs, root = fsspec.core.url_to_fs(self.url)
        self.local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,))
        self.root = str(Path(root).resolve()) if self.local else root.rstrip("/")
        self.fs.makedirs(self.root, exist_ok=True)
        # The last listing (time, items), so a put does not read every manifest of a large object store each
        # time; this process's own puts and deletes are applied to it. Another process's puts show within a
        # minute, so the total size is a soft limit across processes (the per-session count is exact: a
        # session stays on one process behind a proxy with affinity).
        self._listing: tuple[float, list[SharedItem]] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ShareStore({self.url!r})"

    # ----- paths ---------------------------------------------------------------------------------
    def _path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def _read(self, item_id: str, name: str, max_bytes: int) -> bytes:
        """The bytes of one file of an item, at most ``max_bytes``; FileNotFoundError when absent.

        A local folder is read through ``safefiles`` (regular files only, no link that leads out).
        """
        if self.local:
            try:
                with open_capped(self.root, f"{item_id}/{name}", max_bytes) as fh:
                    return fh.read()
            except UnsafeFileError as exc:
                if not os.path.lexists(self._path(item_id, name)):
                    raise FileNotFoundError(name) from exc
                raise ShareError(f"The shared set {item_id} cannot be read: {exc}") from exc
        path = self._path(item_id, name)
        size = self.fs.size(path)
        if size is not None and size > max_bytes:
            raise ShareError(f"The shared set {item_id} cannot be read: {name} is {size:,} bytes, over {max_bytes:,}.")
        return self.fs.cat_file(path)

    # ----- the interface -------------------------------------------------------------------------
    def exists(self, item_id: str) -> bool:
        """Whether an item with this id is here (its manifest is; checks the id's shape first)."""
        path = self._path(check_id(item_id), MANIFEST)  # the id is checked before the store is touched
        return self.fs.exists(path)

    def put(
        self,
        vectors: WordVectors,
        *,
        label: str,
        provenance: Mapping[str, Any] | None = None,
        owner_key: str | None = None,
    ) -> str:
        """Publish ``vectors``; returns the new id. ``ShareLimitError`` when a limit would be passed.

        ``owner_key``: the publishing session's secret, needed later to delete the item and used to
        count its items; only its digest is stored.
        """
        words = list(vectors.keys)
        if any("\n" in w or "\r" in w for w in words):
            raise ShareError("A word of this set holds a line break, which the shared format cannot keep; rename it.")
        vocab = ("\n".join(words) + "\n").encode("utf-8")
        header = 256  # a .npy header is at most this long here
        estimate = (
            vectors.vectors.size * 4 + header + len(vocab) + (len(words) * 8 + header) * (vectors.counts is not None)
        )
        owner = owner_digest(owner_key) if owner_key else None
        self._check_limits(estimate, owner)  # before any copy is made: an oversized set is refused for free
        matrix_bytes = _npy_bytes(np.ascontiguousarray(vectors.vectors, dtype="<f4"))
        counts = None if vectors.counts is None else _npy_bytes(np.ascontiguousarray(vectors.counts, dtype="<i8"))
        size = len(matrix_bytes) + len(vocab) + (len(counts) if counts is not None else 0)
        item_id = new_id()
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "id": item_id,
            "created": self.clock(),
            "label": str(label)[:200],
            "words": len(words),
            "dimensions": int(vectors.vector_size),
            "bytes": size,
            "sha256": hashlib.sha256(matrix_bytes).hexdigest(),
            "files": [MATRIX, VOCAB] + ([COUNTS] if counts is not None else []),
            "provenance": dict(provenance or {}),
            "owner": owner,
        }
        files = {MATRIX: matrix_bytes, VOCAB: vocab} | ({COUNTS: counts} if counts is not None else {})
        work = self._path(INCOMING, f"{item_id}.{int(self.clock())}.{secrets.token_hex(4)}")
        self.fs.makedirs(work, exist_ok=True)
        for name, data in files.items():
            self.fs.pipe_file(f"{work}/{name}", data)
        self.fs.pipe_file(f"{work}/{MANIFEST}", json.dumps(manifest, indent=1, default=str).encode())
        self._commit(work, item_id, list(files))
        item = SharedItem(
            item_id, size, float(manifest["created"]), float(manifest["created"]), owner, manifest["label"]
        )
        with self._lock:
            if self._listing is not None:
                self._listing[1].append(item)
        return item_id

    def _commit(self, work: str, item_id: str, names: list[str]) -> None:
        """Move the written files into ``<id>/``, the manifest last: the item appears in one step."""
        final = self._path(item_id)
        self.fs.makedirs(final, exist_ok=True)
        for name in [*names, MANIFEST]:
            if self.local:
                os.replace(f"{work}/{name}", f"{final}/{name}")  # a rename: atomic on one file system
            else:
                self.fs.mv(f"{work}/{name}", f"{final}/{name}")
        with contextlib.suppress(FileNotFoundError):  # an object store has no empty folders to remove
            self.fs.rm(work, recursive=True)

    def note_use(self, item_id: str) -> dict[str, Any]:
        """Check that ``item_id`` is here and not expired, stamp its use (at most hourly); returns its manifest.

        ``SharedSetMissing`` when it is not here; an expired item is removed and said to have expired.
        """
        manifest = self._manifest(check_id(item_id))
        last_used = self._last_used(item_id, manifest)
        if self._expired(last_used):
            with contextlib.suppress(SharedSetMissing):  # another process may be removing it too
                self._remove(item_id)
            raise SharedSetExpired(
                f"The shared set {item_id} expired: it was not opened for {self.limits.expire_days:g} days, so the "
                "store let it go. Ask whoever sent the link to share the set again."
            )
        if self.clock() - last_used > USED_EVERY:
            self._touch(item_id)
        return manifest

    def get(self, item_id: str) -> SharedSet:
        """The shared set ``item_id``; ``SharedSetMissing`` when it is not here, deleted or expired."""
        manifest = self.note_use(item_id)
        rows, dim = int(manifest["words"]), int(manifest["dimensions"])
        try:
            matrix = self._matrix(item_id, rows, dim)
            text = self._read(item_id, VOCAB, rows * MAX_WORD_BYTES + 1).decode("utf-8")
            counts = None
            if COUNTS in manifest.get("files", ()):
                counts = np.load(io.BytesIO(self._read(item_id, COUNTS, rows * 8 + 1024)), allow_pickle=False)
        except FileNotFoundError as exc:
            raise SharedSetMissing(f"The shared set {item_id} was deleted while it was being opened.") from exc
        except (ValueError, UnicodeDecodeError, OSError) as exc:
            raise ShareError(f"The shared set {item_id} is damaged and cannot be opened ({exc}).") from exc
        words = text.split("\n")
        if words and words[-1] == "":
            words.pop()
        if len(words) != rows:
            raise ShareError(f"The shared set {item_id} is damaged: {len(words):,} words for {rows:,} rows.")
        try:
            wv = WordVectors(words, matrix, counts=counts, name=str(manifest.get("label") or f"Shared {item_id}"))
        except ExplorerError as exc:  # repeated words, counts of another length: not what put() writes
            raise ShareError(f"The shared set {item_id} is damaged and cannot be opened ({exc}).") from exc
        return SharedSet(item_id, wv, manifest)

    def delete(self, item_id: str, *, owner_key: str | None = None) -> None:
        """Remove an item. With ``owner_key``, only when that key published it (``ShareError`` otherwise)."""
        check_id(item_id)
        if owner_key is not None:
            manifest = self._manifest(item_id)
            if manifest.get("owner") != owner_digest(owner_key):
                raise ShareError(
                    f"The shared set {item_id} was shared from another browser session; only that session can delete it."
                )
        self._remove(item_id)

    def list(self) -> list[SharedItem]:
        """Every item, oldest first; expired items and killed writers' leftovers are removed on the way."""
        items: list[SharedItem] = []
        now = self.clock()
        for entry in self._entries():
            name = entry.rsplit("/", 1)[-1]
            if not ID_RE.fullmatch(name):
                continue  # not ours (a stray file, the incoming folder): never touched
            try:
                manifest = self._manifest(name)
            except SharedSetMissing:
                if now - self._modified(entry, now) > STALE_SECONDS:
                    self._remove_leftover(entry)  # a writer killed between its moves: no manifest came
                continue
            except ShareError:
                continue  # damaged: kept for an operator to look at, never counted as free space
            last_used = self._last_used(name, manifest)
            if self._expired(last_used):
                with contextlib.suppress(SharedSetMissing):
                    self._remove(name)
                continue
            items.append(
                SharedItem(
                    name,
                    int(manifest.get("bytes", 0)),
                    float(manifest.get("created", 0)),
                    last_used,
                    manifest.get("owner"),
                    str(manifest.get("label", "")),
                )
            )
        self._sweep_incoming(now)
        items.sort(key=lambda i: i.created)
        with self._lock:
            self._listing = (now, list(items))
        return items

    def _recent_listing(self) -> list[SharedItem]:
        """The items as listed at most ``LISTING_SECONDS`` ago by this object, with its own changes since."""
        with self._lock:
            listing = self._listing
        if listing is not None and 0 <= self.clock() - listing[0] <= LISTING_SECONDS:
            return list(listing[1])
        return self.list()

    def owned_by(self, owner_key: str) -> list[SharedItem]:
        """The items the session holding ``owner_key`` published and that are still here."""
        digest = owner_digest(owner_key)
        return [i for i in self.list() if i.owner == digest]

    # ----- limits and housekeeping ---------------------------------------------------------------
    def _check_limits(self, size: int, owner: str | None) -> None:
        limits = self.limits
        if limits.max_item_bytes is not None and size > limits.max_item_bytes:
            raise ShareLimitError(
                f"This set takes {_mb(size)} stored; a shared set may take at most {_mb(limits.max_item_bytes)} "
                "(setting EXPLORER_SHARE_MAX_ITEM_MB). Share a smaller set: train with a smaller vocabulary "
                "(a higher min_count) or fewer dimensions, or upload a file with fewer words."
            )
        items = self._recent_listing()  # housekeeping first: expired items free their room
        if owner is not None and limits.max_items_per_owner is not None:
            mine = [i for i in items if i.owner == owner]
            if len(mine) >= limits.max_items_per_owner:
                raise ShareLimitError(
                    f"You have shared {len(mine)} sets, the most one browser session may share "
                    "(setting EXPLORER_SHARE_MAX_PER_SESSION). Delete one you shared (open its link and press "
                    "Delete the shared copy) to share another."
                )
        if limits.max_total_bytes is not None:
            used = sum(i.bytes for i in items)
            if used + size > limits.max_total_bytes:
                days = f" or after {limits.expire_days:g} days unused" if limits.expire_days else ""
                raise ShareLimitError(
                    f"The shared store is full: it holds {_mb(used)} of its {_mb(limits.max_total_bytes)} "
                    f"(setting EXPLORER_SHARE_MAX_TOTAL_MB) and this set needs {_mb(size)}. Delete a set you shared, "
                    f"share a smaller set, or try again once older sets are let go (when deleted{days})."
                )

    def _expired(self, last_used: float) -> bool:
        days = self.limits.expire_days
        return days is not None and self.clock() - last_used > days * DAY

    def _entries(self) -> list[str]:
        try:
            return [str(e) for e in self.fs.ls(self.root, detail=False)]
        except FileNotFoundError:
            return []

    def _modified(self, path: str, default: float) -> float:
        try:
            return self.fs.modified(path).timestamp()
        except (NotImplementedError, OSError, AttributeError):
            return default

    def _sweep_incoming(self, now: float) -> None:
        """Remove the work folders of writers that started over ``STALE_SECONDS`` ago (killed: never finished)."""
        try:
            work = [str(e) for e in self.fs.ls(self._path(INCOMING), detail=False)]
        except FileNotFoundError:
            return
        for entry in work:
            parts = entry.rsplit("/", 1)[-1].split(".")
            dead = len(parts) == 3 and ID_RE.fullmatch(parts[0]) and parts[1].isdigit()
            if dead and now - int(parts[1]) > STALE_SECONDS:
                self._remove_leftover(entry)

    def _remove_leftover(self, folder: str) -> None:
        """Remove a dead writer's folder, only when it is a real folder holding nothing but an item's own files:
        housekeeping never deletes what a writer of this store did not create (a link, a foreign file)."""
        try:
            if self.local and os.path.islink(folder):
                return
            names = [str(e).rsplit("/", 1)[-1] for e in self.fs.ls(folder, detail=False)]
            if all(n in OWN_FILES for n in names):
                self.fs.rm(folder, recursive=True)
        except OSError:
            pass  # another process removed it first, or the store is read-only: try again next time

    def _remove(self, item_id: str) -> None:
        """Manifest first (the item is gone at once), then its files."""
        with self._lock:
            if self._listing is not None:
                self._listing = (self._listing[0], [i for i in self._listing[1] if i.id != item_id])
        try:
            self.fs.rm(self._path(item_id, MANIFEST))
        except FileNotFoundError as exc:
            raise SharedSetMissing(_missing_text(item_id)) from exc
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self._path(item_id), recursive=True)

    def _manifest(self, item_id: str) -> dict[str, Any]:
        try:
            raw = self._read(item_id, MANIFEST, MAX_MANIFEST_BYTES)
        except FileNotFoundError as exc:
            raise SharedSetMissing(_missing_text(item_id)) from exc
        try:
            manifest = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ShareError(f"The shared set {item_id} has a damaged manifest ({exc}).") from exc
        ok = (
            isinstance(manifest, dict)
            and manifest.get("format") == FORMAT
            and manifest.get("version") == VERSION
            and manifest.get("id") == item_id
            and all(isinstance(manifest.get(k), int) and manifest[k] > 0 for k in ("words", "dimensions"))
            and isinstance(manifest.get("bytes"), int)
        )
        if not ok:
            raise ShareError(f"The shared set {item_id} has a manifest this app does not read ({FORMAT} v{VERSION}).")
        return manifest

    def _last_used(self, item_id: str, manifest: Mapping[str, Any]) -> float:
        created = float(manifest.get("created", 0))
        try:
            return max(created, float(self._read(item_id, USED, 64).decode()))
        except (FileNotFoundError, ValueError, ShareError):
            return created

    def _touch(self, item_id: str) -> None:
        with contextlib.suppress(OSError):  # a read-only store still serves; the item expires by its creation
            self.fs.pipe_file(self._path(item_id, USED), f"{self.clock():.0f}".encode())

    def _matrix(self, item_id: str, rows: int, dim: int) -> np.ndarray:
        """The matrix: on a local folder a read-only mapping (every process shares its pages), else read whole."""
        expected = rows * dim * 4
        if not self.local:
            data = self._read(item_id, MATRIX, expected + 4096)
            matrix = np.load(io.BytesIO(data), allow_pickle=False)
        else:
            from numpy.lib import format as npy

            with open_capped(self.root, f"{item_id}/{MATRIX}", expected + 4096) as fh:
                version = npy.read_magic(fh)
                read_header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
                shape, fortran, dtype = read_header(fh)  # a literal header only: never unpickles anything
                if shape != (rows, dim) or fortran or dtype != np.dtype("<f4"):
                    raise ValueError(f"{MATRIX} holds a {shape} {dtype} array, not {rows} x {dim} float32")
                offset = fh.tell()
                if os.fstat(fh.fileno()).st_size - offset < expected:
                    raise ValueError(f"{MATRIX} is truncated")
                matrix = np.memmap(fh, dtype="<f4", mode="r", offset=offset, shape=(rows, dim))
        if matrix.shape != (rows, dim) or matrix.dtype != np.dtype("<f4"):
            raise ValueError(f"{MATRIX} holds a {matrix.shape} {matrix.dtype} array, not {rows} x {dim} float32")
        return matrix


def _missing_text(item_id: str) -> str:
    return (
        f"No shared set has the id {item_id} on this server: the session that shared it deleted it, it expired "
        "after going unused, or the link was cut short. Ask whoever sent the link to share the set again."
    )


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()
