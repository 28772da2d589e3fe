"""The shared store: round trips on a folder and on memory://, atomic writes, limits, expiry and ids."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import numpy as np
import pytest

from explorer.errors import LimitError, LinkError
from explorer.share import store as share_store
from explorer.share.store import (
    DAY,
    STALE_SECONDS,
    SharedSetExpired,
    SharedSetMissing,
    ShareError,
    ShareLimitError,
    ShareLimits,
    ShareStore,
    check_id,
)
from explorer.vectors import WordVectors

ROOT = Path(__file__).resolve().parent.parent


def _set(n: int = 200, dim: int = 16, seed: int = 0, counts: bool = True) -> WordVectors:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n - 2)] + ["café", "naïve"]
    return WordVectors(
        words, rng.normal(size=(n, dim)).astype(np.float32), counts=np.arange(n, 0, -1) if counts else None, name="s"
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["folder", "memory"])
def url(request, tmp_path) -> str:
    return str(tmp_path / "shared") if request.param == "folder" else f"memory://share-{uuid.uuid4().hex}"


def test_round_trip_keeps_words_vectors_counts_neighbours_and_provenance(url) -> None:
    wv = _set()
    store = ShareStore(url)
    provenance = {"kind": "trained", "method": "sgns", "seed": 3, "steps": 40, "corpus": {"name": "Tickets"}}
    item = store.put(wv, label="Trained: SGNS on Tickets", provenance=provenance, owner_key="k")
    assert check_id(item) == item and len(item) == 24
    again = ShareStore(url)  # another process names the same store
    shared = again.get(item)
    assert shared.vectors.keys == wv.keys
    assert np.array_equal(np.asarray(shared.vectors.vectors), wv.vectors)
    assert np.array_equal(shared.vectors.counts, wv.counts)
    assert shared.vectors.most_similar("w5", topn=10) == wv.most_similar("w5", topn=10)
    assert shared.manifest["provenance"] == provenance
    assert shared.manifest["label"] == shared.vectors.name == "Trained: SGNS on Tickets"
    assert shared.manifest["owner"] != "k"  # only a digest of the session's key is kept
    assert [i.id for i in again.list()] == [item]


def test_a_set_without_counts_round_trips(url) -> None:
    store = ShareStore(url)
    shared = store.get(store.put(_set(counts=False), label="x"))
    assert shared.vectors.counts is None and len(shared.vectors) == 200


def test_the_item_is_npy_and_a_vocabulary_the_library_reads_too(tmp_path) -> None:
    from explorer import library

    wv = _set()
    store = ShareStore(tmp_path / "shared")
    item = store.put(wv, label="x")
    folder = tmp_path / "shared" / item
    assert np.array_equal(np.load(folder / "vectors.npy", allow_pickle=False), wv.vectors)
    assert (folder / "vectors.vocab.txt").read_text(encoding="utf-8").splitlines() == list(wv.keys)
    (tmp_path / "data" / "vectors").mkdir(parents=True)
    for name in ("vectors.npy", "vectors.vocab.txt"):
        (tmp_path / "data" / "vectors" / name).write_bytes((folder / name).read_bytes())
    opened = library.open_vectors(tmp_path / "data", "vectors.npy")
    assert opened.keys == wv.keys and np.allclose(opened.vectors, wv.vectors)


def test_a_folder_store_maps_the_matrix_read_only(tmp_path) -> None:
    store = ShareStore(tmp_path / "shared")
    shared = store.get(store.put(_set(), label="x"))
    assert isinstance(shared.vectors.vectors, np.memmap) and not shared.vectors.vectors.flags.writeable


# ----- atomic writes -------------------------------------------------------------------------------
KILLED_WRITER = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    from explorer.share.store import ShareStore
    from explorer.vectors import WordVectors
    store = ShareStore(sys.argv[1])
    kill_at = sys.argv[2]  # the file whose rename the writer dies before
    real_replace = os.replace
    def dying_replace(src, dst):
        if os.path.basename(dst) == kill_at:
            os._exit(9)  # killed: no cleanup, no exception handler runs
        real_replace(src, dst)
    os.replace = dying_replace
    store.put(WordVectors(["a", "b", "c"], np.eye(3)), label="half")
    """
)


@pytest.mark.parametrize("kill_at", ["vectors.npy", "manifest.json"])
def test_a_writer_killed_before_its_rename_leaves_no_item(tmp_path, kill_at) -> None:
    folder = tmp_path / "shared"
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(folder), kill_at], cwd=ROOT, check=False)
    assert done.returncode == 9
    clock = Clock()
    clock.now = __import__("time").time()
    store = ShareStore(folder, clock=clock)
    assert store.list() == []
    leftovers = [p for p in folder.rglob("*") if p.is_file()]
    assert leftovers, "the killed writer wrote its files under a temporary name"
    item_folders = [p.name for p in folder.iterdir() if share_store.ID_RE.fullmatch(p.name)]
    for name in item_folders:  # killed between moves: the data is there, the manifest never came
        assert not store.exists(name)
        with pytest.raises(SharedSetMissing):
            store.get(name)
    clock.now += STALE_SECONDS + 60  # housekeeping removes a dead writer's leftovers once they are stale
    assert store.list() == []
    assert not [p for p in folder.rglob("*") if p.is_file()]


def test_an_object_store_writer_stopped_before_the_manifest_leaves_no_item(monkeypatch) -> None:
    store = ShareStore(f"memory://share-{uuid.uuid4().hex}")
    real_mv = store.fs.mv

    def failing_mv(src, dst, **kwargs):
        if dst.endswith("manifest.json"):
            raise KeyboardInterrupt  # the writer stops here
        return real_mv(src, dst, **kwargs)

    monkeypatch.setattr(store.fs, "mv", failing_mv)
    with pytest.raises(KeyboardInterrupt):
        store.put(_set(), label="half")
    assert store.list() == []


# ----- limits ---------------------------------------------------------------------------------------
def test_an_item_over_the_size_limit_is_refused_saying_how_to_get_under(url) -> None:
    store = ShareStore(url, ShareLimits(max_item_bytes=10_000))
    with pytest.raises(ShareLimitError) as err:
        store.put(_set(), label="x")
    text = str(err.value)
    assert "a shared set may take at most 0.0 MB" in text
    assert "EXPLORER_SHARE_MAX_ITEM_MB" in text and "smaller vocabulary" in text
    assert isinstance(err.value, LimitError)
    assert store.list() == []


def test_a_full_store_is_refused_saying_how_to_get_under(url) -> None:
    store = ShareStore(url)
    first = store.put(_set(), label="x")
    size = store.list()[0].bytes
    full = ShareStore(url, ShareLimits(max_total_bytes=int(size * 1.5)))
    with pytest.raises(ShareLimitError) as err:
        full.put(_set(seed=1), label="y")
    assert "store is full" in str(err.value) and "EXPLORER_SHARE_MAX_TOTAL_MB" in str(err.value)
    assert "Delete a set you shared" in str(err.value)
    full.delete(first)
    assert full.exists(full.put(_set(seed=1), label="y"))


def test_one_session_may_share_only_so_many(url) -> None:
    store = ShareStore(url, ShareLimits(max_items_per_owner=2))
    mine = [store.put(_set(n=20), label="x", owner_key="alice") for _ in range(2)]
    with pytest.raises(ShareLimitError) as err:
        store.put(_set(n=20), label="x", owner_key="alice")
    assert "shared 2 sets" in str(err.value) and "EXPLORER_SHARE_MAX_PER_SESSION" in str(err.value)
    assert "Delete one you shared" in str(err.value)
    store.put(_set(n=20), label="x", owner_key="bob")  # another session is not counted against alice
    store.delete(mine[0], owner_key="alice")
    store.put(_set(n=20), label="x", owner_key="alice")
    assert len(store.owned_by("alice")) == 2


def test_expired_items_are_gone_and_use_keeps_an_item(url) -> None:
    clock = Clock()
    store = ShareStore(url, ShareLimits(expire_days=30), clock=clock)
    idle = store.put(_set(n=20), label="idle")
    used = store.put(_set(n=20), label="used")
    clock.now += 20 * DAY
    store.get(used)  # opened: its clock starts again
    clock.now += 15 * DAY
    with pytest.raises(SharedSetExpired, match="expired"):
        store.get(idle)
    assert not store.exists(idle)
    assert [i.id for i in store.list()] == [used]
    clock.now += 31 * DAY
    assert store.list() == []  # housekeeping on list removes it
    assert not store.exists(used)


# ----- ids ------------------------------------------------------------------------------------------
class Untouchable:
    """A file system that fails the test on any use: a bad id must be refused before any lookup."""

    protocol = ("memory",)

    def __getattr__(self, name):
        raise AssertionError(f"the store was asked {name} for a bad id")


@pytest.mark.parametrize(
    "bad",
    ["..", "../" + "a" * 21, "a" * 11 + "/" + "a" * 12, "a" * 23, "a" * 25, "a" * 22 + "..", "", "/etc/passwd",
     "a" * 23 + "\x00", "a" * 23 + ".", "%2e%2e%2fetc%2fpasswdaaa", None, 42],
)  # fmt: skip
def test_bad_ids_are_refused_before_any_lookup(bad, tmp_path) -> None:
    store = ShareStore(tmp_path / "shared")
    store.fs = Untouchable()
    for call in (store.get, store.exists, store.delete):
        with pytest.raises(LinkError, match="not the id of a shared set"):
            call(bad)


def test_a_missing_id_says_what_happened(url) -> None:
    store = ShareStore(url)
    absent = share_store.new_id()
    assert not store.exists(absent)
    with pytest.raises(SharedSetMissing, match="deleted it, it expired") as err:
        store.get(absent)
    assert "share the set again" in str(err.value)
    with pytest.raises(SharedSetMissing):
        store.delete(absent)


def test_only_the_publishing_session_may_delete(url) -> None:
    store = ShareStore(url)
    item = store.put(_set(n=20), label="x", owner_key="alice")
    with pytest.raises(ShareError, match="only that session can delete it"):
        store.delete(item, owner_key="mallory")
    assert store.exists(item)
    store.delete(item, owner_key="alice")
    assert not store.exists(item)
    with pytest.raises(SharedSetMissing):
        store.get(item)


def test_a_damaged_or_linked_out_item_is_a_message(tmp_path) -> None:
    store = ShareStore(tmp_path / "shared")
    item = store.put(_set(n=20), label="x")
    manifest = tmp_path / "shared" / item / "manifest.json"
    manifest.write_text("{not json")
    with pytest.raises(ShareError, match="damaged manifest"):
        store.get(item)
    other = store.put(_set(n=20), label="y")
    vocab = tmp_path / "shared" / other / "vectors.vocab.txt"
    vocab.unlink()
    os.symlink("/etc/hostname", vocab)
    with pytest.raises(ShareError, match="leads outside"):
        store.get(other)
    assert [i.id for i in store.list()] == [other]  # a damaged manifest is never counted as an item


def test_an_oversized_set_is_refused_before_it_is_copied(monkeypatch, tmp_path) -> None:
    def no_copy(array):
        raise AssertionError("the set was serialised before the size limit was checked")

    monkeypatch.setattr(share_store, "_npy_bytes", no_copy)
    with pytest.raises(ShareLimitError, match="EXPLORER_SHARE_MAX_ITEM_MB"):
        ShareStore(tmp_path / "s", ShareLimits(max_item_bytes=1000)).put(_set(), label="x")


def test_housekeeping_never_removes_what_the_store_did_not_write(tmp_path) -> None:
    folder = tmp_path / "shared"
    clock = Clock()
    clock.now = __import__("time").time() + 10 * STALE_SECONDS
    store = ShareStore(folder, clock=clock)
    foreign = folder / ("F" * 24)  # named like an item, holding an operator's file
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "vectors.npy").write_bytes(b"not ours")
    (folder / ("L" * 24)).symlink_to(outside, target_is_directory=True)
    leftover = folder / ("K" * 24)  # a killed writer's item folder: only the store's own files
    leftover.mkdir()
    (leftover / "vectors.npy").write_bytes(b"half")
    assert store.list() == []
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert (outside / "vectors.npy").exists() and (folder / ("L" * 24)).is_symlink()
    assert not leftover.exists()


def test_repeated_words_in_a_stored_vocabulary_are_a_message(tmp_path) -> None:
    store = ShareStore(tmp_path / "shared")
    item = store.put(_set(n=20), label="x")
    vocab = tmp_path / "shared" / item / "vectors.vocab.txt"
    vocab.write_text("w0\n" * 20)
    with pytest.raises(ShareError, match="damaged"):
        store.get(item)


def test_limits_see_another_process_puts_within_a_minute(url) -> None:
    clock = Clock()
    here = ShareStore(url, clock=clock)
    first = here.put(_set(), label="x")
    one = here.list()[0].bytes
    limited = ShareStore(url, ShareLimits(max_total_bytes=int(one * 2.5)), clock=clock)
    limited.list()
    ShareStore(url, clock=clock).put(_set(seed=2), label="another process")
    limited.put(_set(seed=3), label="mine")  # its listing is fresh: it does not see the other put yet (soft limit)
    clock.now += share_store.LISTING_SECONDS + 1
    with pytest.raises(ShareLimitError, match="store is full"):
        limited.put(_set(seed=4), label="one too many")
    assert len(limited.list()) == 3 and first in [i.id for i in limited.list()]
