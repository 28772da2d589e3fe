"""Vector-file readers and writers: round trips, gensim compatibility, and malformed files."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pytest

from explorer.settings import Settings
from explorer.vectors import VectorsError, WordVectors
from explorer.vectors_io import (
    GZIP_EXPANSION,
    MAX_DIMENSIONS,
    detect_format,
    load_vectors,
    save_vectors,
    to_projector_tsv,
)

FORMATS = ["word2vec", "word2vec_binary", "glove", "tsv"]


class Upload(io.BytesIO):
    """Like Streamlit's UploadedFile: a BytesIO with a name."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


@pytest.fixture()
def wv() -> WordVectors:
    rng = np.random.default_rng(0)
    keys = ["the", "king", "queen", "café", "naïve", "x-ray", "don't", "über"]
    return WordVectors(keys, rng.normal(size=(len(keys), 7)).astype(np.float32), name="sample")


def _same(a: WordVectors, b: WordVectors) -> None:
    assert a.keys == b.keys
    np.testing.assert_array_equal(a.vectors, b.vectors)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_path(wv: WordVectors, fmt: str, tmp_path: Path) -> None:
    path = tmp_path / ("vectors.tsv" if fmt == "tsv" else f"v.{fmt}")
    save_vectors(wv, path, fmt=fmt)
    back = load_vectors(path)  # format detected from name and content
    _same(wv, back)
    assert not back.notices
    again = load_vectors(path, fmt=fmt)
    _same(wv, again)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_file_objects(wv: WordVectors, fmt: str) -> None:
    buf = io.BytesIO()
    save_vectors(wv, buf, fmt=fmt)
    name = {"word2vec": "w.txt", "word2vec_binary": "w.bin", "glove": "glove.6B.50d.txt", "tsv": "vectors.tsv"}[fmt]
    meta = Upload(to_projector_tsv(wv)[1].encode(), "metadata.tsv") if fmt == "tsv" else None
    back = load_vectors(Upload(buf.getvalue(), name), metadata=meta)
    _same(wv, back)
    assert back.name == name
    # content detection works without a helpful name too
    unnamed = load_vectors(io.BytesIO(buf.getvalue()), metadata=meta)
    _same(wv, unnamed)


@pytest.mark.parametrize("fmt", FORMATS)
def test_gzip_accepted(wv: WordVectors, fmt: str, tmp_path: Path) -> None:
    path = tmp_path / ("vectors.tsv.gz" if fmt == "tsv" else f"v.{fmt}.gz")
    save_vectors(wv, path, fmt=fmt)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    _same(wv, load_vectors(path, fmt=fmt))
    upload = Upload(path.read_bytes(), path.name)
    meta = io.BytesIO(to_projector_tsv(wv)[1].encode()) if fmt == "tsv" else None
    _same(wv, load_vectors(upload, metadata=meta))


def test_detect_format() -> None:
    assert detect_format(b"2 2\na 1 2\nb 3 4\n") == "word2vec"
    assert detect_format(b"a 1 2\nb 3 4\n") == "glove"
    assert detect_format(b"1\t2\n3\t4\n") == "tsv"
    assert detect_format(b"2 2\na \x00\x00\x80?\x00\x00\x80?\n") == "word2vec_binary"
    assert detect_format(b"anything", name="model.bin") == "word2vec_binary"


def test_projector_tsv_and_counts(tmp_path: Path) -> None:
    wv = WordVectors(["a", "b", "c"], np.arange(6, dtype=np.float32).reshape(3, 2), counts=[9, 5, 1])
    vectors, meta = to_projector_tsv(wv)
    assert vectors.splitlines() == ["0\t1", "2\t3", "4\t5"]
    assert meta.splitlines() == ["word\tcount", "a\t9", "b\t5", "c\t1"]
    back = load_vectors(io.BytesIO(vectors.encode()), metadata=io.BytesIO(meta.encode()), fmt="tsv")
    assert back.keys == wv.keys and back.counts.tolist() == [9, 5, 1]
    # saving tsv to a path writes metadata.tsv beside it, and loading finds it
    save_vectors(wv, tmp_path / "vectors.tsv", fmt="tsv")
    assert (tmp_path / "metadata.tsv").read_text().startswith("word\tcount")
    assert load_vectors(tmp_path / "vectors.tsv").keys == wv.keys


def test_tsv_single_column_metadata_and_missing_metadata() -> None:
    vec = b"1\t0\n0\t1\n"
    assert load_vectors(io.BytesIO(vec), metadata=io.BytesIO(b"left\nright\n"), fmt="tsv").keys == (
        "left",
        "right",
    )
    rows = load_vectors(io.BytesIO(vec), fmt="tsv")
    assert rows.keys == ("0", "1")
    assert any("metadata" in n for n in rows.notices)


# ----- gensim compatibility ---------------------------------------------------------------------
@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_our_files(wv: WordVectors, binary: bool, tmp_path: Path) -> None:
    from gensim.models import KeyedVectors

    path = tmp_path / "ours.bin"
    save_vectors(wv, path, fmt="word2vec_binary" if binary else "word2vec")
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert tuple(kv.index_to_key) == wv.keys
    np.testing.assert_array_equal(kv.vectors, wv.vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_gensim_files(wv: WordVectors, binary: bool, tmp_path: Path) -> None:
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=wv.vector_size)
    kv.add_vectors(list(wv.keys), np.asarray(wv.vectors))
    path = tmp_path / "gensim.out"
    kv.save_word2vec_format(str(path), binary=binary)
    back = load_vectors(path)
    assert back.keys == wv.keys
    if binary:
        np.testing.assert_array_equal(back.vectors, wv.vectors)
    else:  # gensim writes str(float32), which round-trips float32 exactly as well
        np.testing.assert_allclose(back.vectors, wv.vectors, rtol=1e-6)
    glove = tmp_path / "glove.txt"
    kv.save_word2vec_format(str(glove), binary=False, write_header=False)
    assert load_vectors(glove).keys == wv.keys


# ----- malformed files --------------------------------------------------------------------------
def _load(data: bytes, **kw) -> WordVectors:
    return load_vectors(io.BytesIO(data), **kw)


@pytest.mark.parametrize(
    ("data", "fmt", "needles"),
    [
        (b"", None, ["empty"]),
        (b"\n  \n", None, ["empty"]),
        (b"a 1 2 3\nb 1 2\n", "glove", ["Line 2", "2 values", "line 1 has 3"]),
        (b"2 3\na 1 2 3\nb 1 2\n", "word2vec", ["Line 3", "2 values", "header says 3"]),
        (b"3 2\na 1 2\nb 1 2\n", "word2vec", ["header says 3", "2 vector lines"]),
        (b"1 2\na 1 2\nb 1 2\n", "word2vec", ["header says 1", "2 vector lines"]),
        (b"2 2\na 1 2\nb 1 oops\n", "word2vec", ["Line 3", "'oops'", "not a number"]),
        (b"a 1 2\nb nan 2\n", "glove", ["Line 2", "NaN"]),
        (b"a\nb\n", "glove", ["Line 1", "no numbers"]),
        (b"1\t2\n3\n", "tsv", ["Line 2", "1 values", "line 1 has 2"]),
        (b"1\t2\nx\t4\n", "tsv", ["Line 2", "'x'", "not a number"]),
        (b"hello world\n", "word2vec", ["not a word2vec header"]),
        (b"0 5\n", "word2vec", ["0 words"]),
    ],
)
def test_malformed_text_files(data: bytes, fmt: str | None, needles: list[str]) -> None:
    with pytest.raises(VectorsError) as info:
        _load(data, fmt=fmt)
    for needle in needles:
        assert needle in str(info.value)


def test_malformed_binary_files(wv: WordVectors) -> None:
    buf = io.BytesIO()
    save_vectors(wv, buf, fmt="word2vec_binary")
    good = buf.getvalue()
    with pytest.raises(VectorsError, match="ends after 7"):
        _load(good[:-10], fmt="word2vec_binary")
    lying = good.replace(b"8 7\n", b"9 7\n", 1)
    with pytest.raises(VectorsError, match="header says 9 words"):
        _load(lying, fmt="word2vec_binary")
    more = good.replace(b"8 7\n", b"7 7\n", 1)
    with pytest.raises(VectorsError, match="more data"):
        _load(more, fmt="word2vec_binary")
    with pytest.raises(VectorsError, match="not a word2vec header"):
        _load(b"\x00\x01\x02 junk", fmt="word2vec_binary")


def test_metadata_must_match_rows() -> None:
    vec = io.BytesIO(b"1\t0\n0\t1\n")
    with pytest.raises(VectorsError, match="3 lines but vectors.tsv has 2 rows"):
        load_vectors(vec, metadata=io.BytesIO(b"a\nb\nc\n"), fmt="tsv")
    with pytest.raises(VectorsError, match="1 rows after its header line"):
        load_vectors(vec, metadata=io.BytesIO(b"word\tcount\na\t1\n"), fmt="tsv")


def test_duplicate_words_keep_first_with_notice() -> None:
    wv = _load(b"a 1 0\nb 0 1\na 5 5\n")
    assert wv.keys == ("a", "b")
    np.testing.assert_array_equal(wv["a"], [1, 0])
    assert len(wv.notices) == 1 and "'a'" in wv.notices[0] and "first" in wv.notices[0]


def test_bad_format_name_and_unsaveable_words(tmp_path: Path) -> None:
    with pytest.raises(VectorsError, match="Unknown vector format"):
        _load(b"a 1\n", fmt="fasttext")
    spaced = WordVectors(["new york", "b"], np.eye(2))
    with pytest.raises(VectorsError, match="whitespace"):
        save_vectors(spaced, tmp_path / "x.txt", fmt="word2vec")
    save_vectors(spaced, tmp_path / "vectors.tsv", fmt="tsv")  # tsv can hold labels with spaces
    assert load_vectors(tmp_path / "vectors.tsv").keys == ("new york", "b")
    with pytest.raises(VectorsError, match="No file"):
        load_vectors(tmp_path / "missing.txt")
    with pytest.raises(VectorsError, match="gzip"):
        _load(gzip.compress(b"a 1 2\n")[:-6])


# ----- hostile files: gzip bombs, very wide rows, text that is not vectors ------------------------
def test_gzip_bomb_is_refused_with_a_limit() -> None:
    row = b"cat " + b" ".join([b"0.5"] * 50) + b"\n"
    unpacked = row * 20_000  # about 3 MB of text that compresses to a few kB
    packed = gzip.compress(unpacked)
    assert len(packed) * 50 < len(unpacked)
    with pytest.raises(VectorsError) as info:
        load_vectors(Upload(packed, "bomb.txt.gz"), max_bytes=len(unpacked) // (3 * GZIP_EXPANSION))
    message = str(info.value)
    assert "gzip" in message and "unpacks to more than" in message
    assert "uncompressed" in message and "smaller" in message
    # the same file under a limit it fits reads normally
    wv = load_vectors(Upload(packed, "ok.txt.gz"), max_bytes=len(unpacked) // GZIP_EXPANSION + 1)
    assert wv.vector_size == 50 and len(wv) == 1 and len(wv.notices) == 1  # 19,999 duplicates of 'cat'


def test_gzip_limit_follows_the_upload_limit() -> None:
    limit = Settings.from_env({"EXPLORER_MAX_UPLOAD_MB": "1"}).max_upload_bytes  # so gzip may unpack to 4 MB
    big = b"".join(b"w%d 0.25 0.5\n" % i for i in range(400_000))  # > 4 MB unpacked
    assert len(big) > 4 * 2**20
    with pytest.raises(VectorsError, match="unpacks to more than 4 MB"):
        load_vectors(Upload(gzip.compress(big), "v.txt.gz"), max_bytes=limit)
    small = big[: big.index(b"\n", 2**20) + 1]
    assert len(load_vectors(Upload(gzip.compress(small), "v.txt.gz"), max_bytes=limit)) > 1000
    assert len(load_vectors(Upload(gzip.compress(big), "v.txt.gz"))) == 400_000  # no limit unless one is passed


def test_a_file_over_the_upload_limit_is_refused_with_the_shared_message() -> None:
    data = b"cat 1 0\n" * 200_000  # 1.5 MB
    with pytest.raises(VectorsError, match="is 1.5 MB; the limit is 1 MB .*EXPLORER_MAX_UPLOAD_MB"):
        load_vectors(Upload(data, "v.txt"), max_bytes=2**20)


def test_concatenated_gzip_members_are_read_whole() -> None:
    data = gzip.compress(b"a 1 2\n") + gzip.compress(b"b 3 4\n")
    assert load_vectors(Upload(data, "two.txt.gz")).keys == ("a", "b")


@pytest.mark.parametrize(
    ("make", "fmt", "needle"),
    [
        (lambda w: "cat " + " ".join(["1"] * w) + "\n", None, "Line 1 has"),
        (lambda w: "1 3\ncat " + " ".join(["1"] * w) + "\n", None, "Line 2 has"),
        (lambda w: f"2 {w}\ncat 1 2\n", "word2vec", "header says"),
        (lambda w: "\t".join(["1"] * w) + "\n", "tsv", "Line 1 has"),
    ],
)
def test_rows_wider_than_the_bound_are_refused_before_parsing(make, fmt: str | None, needle: str) -> None:
    width = 20 * MAX_DIMENSIONS  # reading such a row cell by cell would take minutes
    with pytest.raises(VectorsError) as info:
        _load(make(width).encode(), fmt=fmt)
    message = str(info.value)
    assert needle in message and f"{width:,}" in message and f"{MAX_DIMENSIONS:,}" in message
    assert "fewer dimensions" in message


def test_binary_header_wider_than_the_bound_is_refused() -> None:
    with pytest.raises(VectorsError, match="more than the"):
        _load(f"1 {MAX_DIMENSIONS + 1}\n".encode() + b"cat " + b"\x00" * 8, fmt="word2vec_binary")


def test_a_row_at_the_bound_still_loads() -> None:
    wv = _load(("cat " + " ".join(["0.5"] * MAX_DIMENSIONS) + "\n").encode())
    assert wv.vector_size == MAX_DIMENSIONS


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"The cat is on the mat.\nIt was a sunny day, and the dog slept.\n", None),
        (b"It is what it is\n", "glove"),
        (b"\n\n2 3\nthe cat sat\n", None),
    ],
)
def test_prose_is_not_mistaken_for_vectors(data: bytes, fmt: str | None) -> None:
    with pytest.raises(VectorsError) as info:
        _load(data, fmt=fmt)
    message = str(info.value)
    assert "does not look like a word-vector file" in message
    assert "'word v1 v2" in message and "'count dim' header" in message
    first = next(ln for ln in data.decode().splitlines() if ln.strip() and not ln[0].isdigit())
    assert first[:20] in message
    assert "is not a number" not in message
