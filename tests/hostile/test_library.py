"""Hostile vector libraries: links out, FIFOs, folders, planted caches and lying headers are refused or contained.

A file outside the data folder holds ``OUTSIDE_WORD``; it must never reach a set, a listing or a
message. The library is read through ``explorer.safefiles`` like the index folder
(``tests/hostile/test_indexes.py``); these are the library's own cases.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from explorer import library
from explorer.library import LibraryError
from explorer.vectors import WordVectors
from explorer.vectors_io import save_vectors
from tests.hostile.crafted_indexes import OUTSIDE_WORD


@pytest.fixture()
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """(data folder with an empty vectors/, an outside folder holding a vector file of ``OUTSIDE_WORD``)."""
    data, outside = tmp_path / "data", tmp_path / "outside"
    (data / "vectors").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text(f"1 2\n{OUTSIDE_WORD} 1 2\n", encoding="utf-8")
    return data, outside


def _listing_text(data: Path) -> str:
    listing = library.scan_library(data)
    return " ".join([*(f.name for f in listing.readable), *(f"{u.name}: {u.reason}" for u in listing.unreadable)])


@pytest.mark.timeout(30)
def test_links_out_fifos_and_folders_are_listed_as_unreadable_and_never_read(folders: tuple[Path, Path]) -> None:
    data, outside = folders
    vectors = data / "vectors"
    os.symlink(outside / "secret.txt", vectors / "linked.txt")
    os.symlink(outside, vectors / "linked_dir.txt")
    os.mkfifo(vectors / "pipe.txt")  # opening it for reading would block forever
    (vectors / "folder.vec").mkdir()
    np.save(vectors / "m.npy", np.ones((1, 2), dtype=np.float32))
    os.symlink(outside / "secret.txt", vectors / "m.vocab.txt")  # the vocabulary of a good matrix leads out
    save_vectors(WordVectors(["cat"], np.ones((1, 2))), vectors / "good.txt", "word2vec")
    listing = library.scan_library(data)
    assert [f.name for f in listing.readable] == ["good.txt"]
    assert "outside its folder" in (listing.reason("linked.txt") or "")
    assert "FIFO" in (listing.reason("pipe.txt") or "")
    assert "a folder" in (listing.reason("folder.vec") or "")
    assert "m.vocab.txt" in (listing.reason("m.npy") or "")
    for name in ("linked.txt", "pipe.txt", "folder.vec", "m.npy", "linked_dir.txt"):
        with pytest.raises(LibraryError) as refused:
            library.open_vectors(data, name)
        assert OUTSIDE_WORD not in str(refused.value) and str(outside) not in str(refused.value)
    assert OUTSIDE_WORD not in _listing_text(data) and str(outside) not in _listing_text(data)


def test_a_cache_folder_that_is_a_link_out_is_never_written_through(folders: tuple[Path, Path]) -> None:
    data, outside = folders
    os.symlink(outside, data / "vectors" / ".cache")
    save_vectors(WordVectors(["cat", "dog"], np.eye(2)), data / "vectors" / "pets.txt", "word2vec")
    before = sorted(p.name for p in outside.iterdir())
    wv = library.open_vectors(data, "pets.txt")
    assert wv.keys == ("cat", "dog")
    assert any("converted again on every open" in n for n in wv.notices)
    assert sorted(p.name for p in outside.iterdir()) == before  # nothing was written outside


def test_a_planted_cache_with_a_matrix_linked_out_is_never_mapped(folders: tuple[Path, Path]) -> None:
    data, outside = folders
    path = data / "vectors" / "pets.txt"
    save_vectors(WordVectors(["cat", "dog"], np.eye(2)), path, "word2vec")
    info = path.stat()
    planted = data / "vectors" / ".cache" / library.cache_key("pets.txt", info)
    planted.mkdir(parents=True)
    (outside / "matrix.f32").write_bytes(np.full((2, 2), 7, dtype="<f4").tobytes())
    os.symlink(outside / "matrix.f32", planted / "matrix.f32")
    (planted / "words.txt").write_text("cat\ndog\n", encoding="utf-8")
    (outside / "unit.f32").write_bytes(np.full((2, 2), 7, dtype="<f4").tobytes())
    os.symlink(outside / "unit.f32", planted / "unit.f32")
    (planted / "meta.json").write_text('{"version": 2, "rows": 2, "dim": 2, "notices": []}', encoding="utf-8")
    wv = library.open_vectors(data, "pets.txt")
    np.testing.assert_array_equal(wv.vectors, np.eye(2, dtype=np.float32))  # parsed from the file, not the link


def test_lying_headers_allocate_nothing_and_get_a_message(folders: tuple[Path, Path]) -> None:
    data, _ = folders
    vectors = data / "vectors"
    (vectors / "huge.txt").write_text("400000000 300\n" + "cat " + " ".join(["1"] * 300) + "\n", encoding="utf-8")
    with pytest.raises(LibraryError, match="header says 400,000,000 words but the file holds 1"):
        library.open_vectors(data, "huge.txt")
    header = np.lib.format.header_data_from_array_1_0(np.ones((1, 300), dtype=np.float32))
    header["shape"] = (10**9, 300)
    with open(vectors / "huge.npy", "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, header)
        fh.write(np.ones(300, dtype=np.float32).tobytes())
    (vectors / "huge.vocab.txt").write_text("cat\n", encoding="utf-8")
    assert "truncated" in (library.scan_library(data).reason("huge.npy") or "")
    ragged = pa.array([[1.0, 2.0], [3.0]], type=pa.list_(pa.float32()))
    pq.write_table(pa.table({"word": ["a", "b"], "vector": ragged}), vectors / "ragged.parquet")
    with pytest.raises(LibraryError, match="different lengths"):
        library.open_vectors(data, "ragged.parquet")
    nan = pa.array([[1.0, float("nan")]], type=pa.list_(pa.float32()))
    pq.write_table(pa.table({"word": ["a"], "vector": nan}), vectors / "nan.parquet")
    with pytest.raises(LibraryError, match="NaN or infinite"):
        library.open_vectors(data, "nan.parquet")
    assert not [p for p in (vectors / ".cache").iterdir()]  # failed conversions leave no folder behind
