"""The vector library (EXPLORER_DATA_DIR/vectors): every format, the memory-mapped cache, unsafe names, the pickers."""

from __future__ import annotations

import json
import mmap
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from explorer import library, vectorsets
from explorer.errors import LinkError, VectorsError
from explorer.library import LibraryError, convert, store
from explorer.linalg import unit_rows
from explorer.settings import Settings
from explorer.vectors import WordVectors
from explorer.vectors_io import save_vectors
from tests.apptest import app_test, give_vectors
from tests.test_project_page import LABEL, synthetic

ROWS, DIM = 40, 6


def _vectors() -> WordVectors:
    rng = np.random.default_rng(1)
    return WordVectors([f"word{i}" for i in range(ROWS)], rng.normal(size=(ROWS, DIM)).astype(np.float32))


def _write_every_format(folder: Path, wv: WordVectors) -> list[str]:
    """One file per format the library reads, all holding ``wv``; returns their names."""
    save_vectors(wv, folder / "w2v.txt", "word2vec")
    save_vectors(wv, folder / "glove.txt", "glove")
    save_vectors(wv, folder / "fasttext.vec", "word2vec")
    save_vectors(wv, folder / "w2v.bin", "word2vec_binary")
    save_vectors(wv, folder / "proj.tsv", "tsv")  # and proj.metadata.tsv beside it
    save_vectors(wv, folder / "zipped.txt.gz", "word2vec")
    np.save(folder / "matrix.npy", wv.vectors.astype(np.float64))
    (folder / "matrix.vocab.txt").write_text("\n".join(wv.keys) + "\n", encoding="utf-8")
    words = pa.array(list(wv.keys))
    listed = pa.array(wv.vectors.tolist(), type=pa.list_(pa.float32()))
    fixed = pa.FixedSizeListArray.from_arrays(pa.array(wv.vectors.ravel()), DIM)
    pq.write_table(pa.table({"word": words, "vector": listed}), folder / "hf.parquet")
    pq.write_table(pa.table({"id": pa.array(range(ROWS)), "text": words, "embedding": fixed}), folder / "atlas.parquet")
    return ["atlas.parquet", "fasttext.vec", "glove.txt", "hf.parquet", "matrix.npy", "proj.tsv", "w2v.bin", "w2v.txt", "zipped.txt.gz"]  # fmt: skip


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    (tmp_path / "data" / "vectors").mkdir(parents=True)
    return tmp_path / "data"


def _mapped(array: np.ndarray) -> bool:
    """Whether ``array`` is a view of a file mapping (no copy in memory)."""
    base = array
    while base is not None:
        if isinstance(base, mmap.mmap):
            return True
        base = getattr(base, "base", None)
    return False


# ----- formats and the cache ------------------------------------------------------------------------
def test_every_format_opens_and_round_trips(data: Path) -> None:
    wv = _vectors()
    names = _write_every_format(data / "vectors", wv)
    listing = library.scan_library(data)
    assert [f.name for f in listing.readable] == names  # companions (vocab, metadata) are not sets
    assert listing.unreadable == ()
    for name in names:
        opened = library.open_vectors(data, name)
        assert opened.keys == wv.keys, name
        np.testing.assert_array_equal(opened.vectors, wv.vectors, err_msg=name)
        assert opened.name == name
        assert _mapped(opened.vectors) and not opened.vectors.flags.writeable, name
        assert _mapped(opened.unit_vectors), name  # neighbour queries read the cache's unit rows, no copy
        np.testing.assert_array_equal(opened.unit_vectors, unit_rows(wv.vectors), err_msg=name)


def test_reopen_maps_the_cache_without_parsing(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wv = _vectors()
    save_vectors(wv, data / "vectors" / "w2v.txt", "word2vec")
    calls = []
    real_parse = convert.parse_rows
    monkeypatch.setattr(convert, "parse_rows", lambda *a, **k: calls.append(1) or real_parse(*a, **k))
    first = library.open_vectors(data, "w2v.txt")
    assert calls, "the first open parses the file"
    info = (data / "vectors" / "w2v.txt").stat()
    folder = data / "vectors" / ".cache" / f"w2v.txt-{info.st_size}-{info.st_mtime_ns}"
    assert sorted(p.name for p in folder.iterdir()) == ["matrix.f32", "meta.json", "unit.f32", "words.txt"]
    assert json.loads((folder / "meta.json").read_text())["rows"] == ROWS
    assert not [p for p in folder.parent.iterdir() if ".tmp-" in p.name]  # the work folder was renamed
    calls.clear()

    def no_conversion(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached file is not converted again")

    monkeypatch.setattr(store, "_convert", no_conversion)
    again = library.open_vectors(data, "w2v.txt")
    assert calls == []
    assert again.keys == first.keys
    np.testing.assert_array_equal(again.vectors, first.vectors)
    assert library.check_file(data, "w2v.txt").converted


def test_a_changed_file_is_converted_again(data: Path) -> None:
    path = data / "vectors" / "w2v.txt"
    save_vectors(_vectors(), path, "word2vec")
    before = library.open_vectors(data, "w2v.txt")
    changed = WordVectors(["alpha", "beta"], np.array([[1, 2], [3, 4]], dtype=np.float32))
    save_vectors(changed, path, "word2vec")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # a new mtime, surely
    after = library.open_vectors(data, "w2v.txt")
    assert before.keys != after.keys == ("alpha", "beta")
    np.testing.assert_array_equal(after.vectors, changed.vectors)
    assert len([p for p in (data / "vectors" / ".cache").iterdir()]) == 2


def test_word_vectors_keep_a_read_only_memmap_without_copying(tmp_path: Path) -> None:
    path = tmp_path / "m.f32"
    np.arange(12, dtype="<f4").tofile(path)
    mapped = np.memmap(path, dtype="<f4", mode="r", shape=(4, 3))
    wv = WordVectors(["a", "b", "c", "d"], mapped)
    assert np.shares_memory(wv.vectors, mapped) and not wv.vectors.flags.writeable
    assert wv.top(2).vectors.base is not None and np.shares_memory(wv.top(2).vectors, mapped)
    unit_path = tmp_path / "u.f32"
    unit_rows(np.asarray(mapped)).tofile(unit_path)
    unit = np.memmap(unit_path, dtype="<f4", mode="r", shape=(4, 3))
    with_unit = WordVectors(["a", "b", "c", "d"], mapped, unit_vectors=unit)
    assert with_unit.unit_vectors is unit and np.shares_memory(with_unit.top(2).unit_vectors, unit)
    assert with_unit.most_similar("d", topn=1)[0][0] == "c"
    with pytest.raises(VectorsError, match="read-only float32 memory map"):
        WordVectors(["a", "b", "c", "d"], mapped, unit_vectors=np.ones((4, 3), dtype=np.float32))
    owned = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert not np.shares_memory(WordVectors(["a", "b"], owned).vectors, owned)  # arrays in memory are still copied


def test_duplicates_and_notices_travel_through_the_cache(data: Path) -> None:
    (data / "vectors" / "dupes.txt").write_text("cat 1 0\ndog 0 1\ncat 5 5\n", encoding="utf-8")
    first = library.open_vectors(data, "dupes.txt")
    again = library.open_vectors(data, "dupes.txt")
    assert first.keys == again.keys == ("cat", "dog")
    assert first.vectors[0].tolist() == [1.0, 0.0]
    assert any("repeated word" in n for n in first.notices) and again.notices == first.notices


# ----- unsafe names and damaged files ---------------------------------------------------------------
def test_names_with_dots_absolute_paths_and_links_out_are_refused(data: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("1 2\nsecret 1 2\n", encoding="utf-8")
    os.symlink(outside, data / "vectors" / "out.txt")
    (data / "vectors" / "inside.txt").write_text("1 2\ncat 1 2\n", encoding="utf-8")
    for bad in ("../outside.txt", str(outside), "sub/inside.txt", "..", ""):
        with pytest.raises(LibraryError, match="file name only"):
            library.open_vectors(data, bad)
    with pytest.raises(LibraryError, match="outside its folder") as refused:
        library.open_vectors(data, "out.txt")
    assert str(tmp_path) not in str(refused.value)
    listing = library.scan_library(data)
    assert [f.name for f in listing.readable] == ["inside.txt"]
    assert "outside its folder" in (listing.reason("out.txt") or "")
    with pytest.raises(LinkError):
        vectorsets.parse_id("library:../outside.txt")
    with pytest.raises(LinkError):
        vectorsets.parse_id("library:/etc/passwd")
    assert vectorsets.parse_id("library:inside.txt").travels


def test_damaged_files_are_listed_as_unreadable_with_their_reason(data: Path) -> None:
    folder = data / "vectors"
    (folder / "letters.txt").write_text("2 2\ncat 1 x\ndog 0 1\n", encoding="utf-8")
    (folder / "lonely.npy").write_bytes(b"")
    np.save(folder / "novocab.npy", np.ones((2, 2), dtype=np.float32))
    np.save(folder / "ints.npy", np.ones((2, 2), dtype=np.int64))
    (folder / "ints.vocab.txt").write_text("a\nb\n", encoding="utf-8")
    (folder / "junk.parquet").write_bytes(b"PAR1 this is not parquet")
    pq.write_table(pa.table({"word": ["a"], "count": [3]}), folder / "novector.parquet")
    (folder / "noheader.bin").write_bytes(b"\x00\x01\x02 not word2vec")
    save_vectors(_vectors(), folder / "good.txt", "word2vec")
    listing = library.scan_library(data)
    assert [f.name for f in listing.readable] == ["good.txt"]
    reasons = {u.name: u.reason for u in listing.unreadable}
    assert "Line 2" in reasons["letters.txt"] and "not a number" in reasons["letters.txt"]
    assert "not a .npy array" in reasons["lonely.npy"]
    assert "novocab.vocab.txt" in reasons["novocab.npy"]
    assert "2-D float matrix" in reasons["ints.npy"]
    assert "not a readable Parquet file" in reasons["junk.parquet"]
    assert "needs a word column" in reasons["novector.parquet"]
    assert "not word2vec binary" in reasons["noheader.bin"]
    for reason in reasons.values():
        assert "Traceback" not in reason and str(data) not in reason


def test_damage_past_the_first_bytes_gives_a_message_when_opened(data: Path) -> None:
    rows = "".join(f"w{i} 1 2\n" for i in range(20_000))
    (data / "vectors" / "late.txt").write_text(f"20001 2\n{rows}broken 1 oops\n", encoding="utf-8")
    assert [f.name for f in library.scan_library(data).readable] == ["late.txt"]  # the head is fine
    with pytest.raises(LibraryError, match=r"late.txt could not be read as word vectors: Line 20,002"):
        library.open_vectors(data, "late.txt")
    assert not [p for p in (data / "vectors" / ".cache").iterdir()]  # no half-written cache is left


def test_settings_data_dir_and_its_indexes_and_maps() -> None:
    s = Settings.from_env({"EXPLORER_DATA_DIR": "/srv/explorer"})
    assert s.data_dir == "/srv/explorer" and s.index_dir == os.path.join("/srv/explorer", "indexes")
    assert s.map_dir == os.path.join("/srv/explorer", "maps")
    s = Settings.from_env(
        {"EXPLORER_DATA_DIR": "/srv/explorer", "EXPLORER_INDEX_DIR": "/elsewhere", "EXPLORER_MAP_DIR": "/maps"}
    )
    assert s.index_dir == "/elsewhere" and s.map_dir == "/maps"
    empty = Settings.from_env({})
    assert empty.data_dir is None and empty.index_dir is None and empty.map_dir is None


# ----- the pickers ----------------------------------------------------------------------------------
PAGE = "pages/2_Project.py"


@pytest.fixture()
def served(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder whose library holds the Project page's synthetic set as word2vec text, and a link out."""
    save_vectors(synthetic(), data / "vectors" / "topics.txt", "word2vec")
    (tmp_path / "secret.txt").write_text("1 2\nsecret 1 2\n", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", data / "vectors" / "linked.txt")
    monkeypatch.setenv("EXPLORER_DATA_DIR", str(data))
    monkeypatch.delenv("EXPLORER_INDEX_DIR", raising=False)

    # a link the library cannot serve falls back to the reference set: a small stand-in, no transformer
    monkeypatch.setattr("explorer.cache.get_reference_vectors", lambda *args, **kwargs: _vectors())
    return data


def _drawn(at) -> None:  # noqa: ANN001
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("plotly_chart")) == 1


def test_the_project_page_offers_and_draws_a_library_set(served: Path) -> None:
    at = app_test(PAGE)
    give_vectors(at, {LABEL: synthetic()})
    at.run()
    _drawn(at)
    picker = at.selectbox(key="project.vectors")
    assert "Library: topics.txt" in picker.options and "Library: linked.txt" not in picker.options
    picker.set_value("library:topics.txt").run()
    _drawn(at)
    assert any("**topics.txt**" in c.value and f"{len(synthetic()):,} words" in c.value for c in at.caption)
    assert at.query_params["project.vectors"] == "library:topics.txt"
    unreadable = [e for e in at.expander if "vector library cannot be opened" in e.label]
    assert len(unreadable) == 1 and unreadable[0].label.startswith("1 file")
    assert any("linked.txt" in c.value and "outside its folder" in c.value for c in unreadable[0].caption)


def test_a_link_opens_a_library_set(served: Path) -> None:
    at = app_test(PAGE)
    at.query_params["project.vectors"] = "library:topics.txt"
    at.run()
    _drawn(at)
    assert at.selectbox(key="project.vectors").value == "library:topics.txt"


@pytest.mark.parametrize(
    ("link", "said"),
    [
        ("library:missing.txt", "library file missing.txt"),
        ("library:linked.txt", "leads outside its folder"),
        ("library:../topics.txt", "project.vectors"),
    ],
)
def test_a_link_to_a_missing_or_unsafe_library_file_gets_a_message(served: Path, link: str, said: str) -> None:
    at = app_test(PAGE)
    give_vectors(at, {LABEL: synthetic()})
    at.query_params["project.vectors"] = link
    at.run()
    assert not at.exception, at.exception
    told = " ".join(m.value for m in [*at.warning, *at.caption, *at.error])
    assert said in told, told
    assert "secret" not in told and str(served) not in told


def test_binary_and_gzipped_files_stream_across_block_boundaries(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert, "BLOCK_BYTES", 97)  # many refills, records cut at every possible place
    rng = np.random.default_rng(3)
    wv = WordVectors([f"wörd{i}" for i in range(300)], rng.normal(size=(300, 7)).astype(np.float32))
    save_vectors(wv, data / "vectors" / "big.bin", "word2vec_binary")
    save_vectors(wv, data / "vectors" / "big.bin.gz", "word2vec_binary")
    save_vectors(wv, data / "vectors" / "big.txt.gz", "word2vec")
    for name in ("big.bin", "big.bin.gz", "big.txt.gz"):
        opened = library.open_vectors(data, name)
        assert opened.keys == wv.keys, name
        np.testing.assert_array_equal(opened.vectors, wv.vectors, err_msg=name)
    whole = (data / "vectors" / "big.bin").read_bytes()
    (data / "vectors" / "cut.bin").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(LibraryError, match="file ends after"):
        library.open_vectors(data, "cut.bin")
    (data / "vectors" / "longer.bin").write_bytes(whole + b"extra 1234")
    with pytest.raises(LibraryError, match="more data after them"):
        library.open_vectors(data, "longer.bin")
    (data / "vectors" / "cut.txt.gz").write_bytes((data / "vectors" / "big.txt.gz").read_bytes()[:300])
    with pytest.raises(LibraryError, match="cut short"):
        library.open_vectors(data, "cut.txt.gz")
    zipped = bytearray((data / "vectors" / "big.txt.gz").read_bytes())
    zipped[200:260] = bytes(60)  # the deflate stream damaged in the middle
    (data / "vectors" / "damaged.txt.gz").write_bytes(bytes(zipped))
    with pytest.raises(LibraryError, match="damaged.txt.gz could not be read"):
        library.open_vectors(data, "damaged.txt.gz")


def test_a_fasttext_model_opens_with_its_word_vectors(data: Path) -> None:
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    sentences = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "in", "the", "park"]] * 10
    model = FastText(vector_size=8, min_count=1, bucket=500, min_n=2, max_n=3, epochs=1, seed=1)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=1)
    save_facebook_model(model, str(data / "vectors" / "model.bin"))
    assert [f.name for f in library.scan_library(data).readable] == ["model.bin"]
    wv = library.open_vectors(data, "model.bin")
    assert set(wv.keys) == set(model.wv.index_to_key)
    np.testing.assert_allclose(wv["cat"], model.wv["cat"], atol=1e-5)


def test_a_mapped_set_is_hashed_for_cache_keys_without_a_copy(tmp_path: Path) -> None:
    import tracemalloc

    from explorer.bytecache import content_digest

    path = tmp_path / "m.f32"
    np.arange(2_000_000, dtype="<f4").tofile(path)  # 8 MB
    mapped = np.memmap(path, dtype="<f4", mode="r", shape=(20_000, 100))
    tracemalloc.start()
    digest = content_digest(mapped)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1_000_000, peak  # a bytes copy of the matrix would be 8 MB
    assert digest == content_digest(np.array(mapped)) != content_digest(np.array(mapped)[:, :99])


def _open_in_a_process(args: tuple[str, str]) -> tuple[tuple[str, ...], list[float]]:
    wv = library.open_vectors(*args)
    return wv.keys, wv.vectors[-1].tolist()


def test_two_processes_converting_at_once_both_get_the_set_and_one_cache(data: Path) -> None:
    import multiprocessing

    rng = np.random.default_rng(5)
    wv = WordVectors([f"w{i}" for i in range(20_000)], rng.normal(size=(20_000, 20)).astype(np.float32))
    save_vectors(wv, data / "vectors" / "shared.txt", "word2vec")
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_open_in_a_process, [(str(data), "shared.txt")] * 2)
    for keys, last in results:
        assert keys == wv.keys and last == wv.vectors[-1].tolist()
    assert len(list((data / "vectors" / ".cache").iterdir())) == 1  # one cache folder, no work folder left
