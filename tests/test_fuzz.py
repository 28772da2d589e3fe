"""Fuzzing the upload and parameter paths: random bytes, huge lines, odd encodings and extreme numbers
never raise anything but the documented ValueError subclass, never hang, and always carry a message."""

from __future__ import annotations

import io
import json
import math
import zipfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from explorer import links
from explorer.corpus import Corpus, CorpusError
from explorer.links import LinkError
from explorer.settings import Settings
from explorer.vectors import VectorsError
from explorer.vectors_io import load_vectors

FUZZ = settings(
    max_examples=150,
    deadline=None,  # no wall-clock assertion; the timeout marks below catch a hang
    derandomize=True,  # the same examples on every run, so CI is reproducible
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
EXTENSIONS = [".txt", ".csv", ".tsv", ".jsonl", ".zip"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252", "shift_jis", "koi8-r"]
LIMIT_BYTES = 256 * 1024
LIMIT_TOKENS = 5_000


def _named(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def _read_corpus(data: bytes, name: str) -> None:
    """Read ``data`` as an upload named ``name``; only CorpusError with a message may escape."""
    from explorer import readers

    try:
        columns = readers.list_columns(_named(data, name))
        Corpus.from_file(
            _named(data, name),
            column=columns[0] if columns else None,
            max_bytes=LIMIT_BYTES,
            max_tokens=LIMIT_TOKENS,
        )
    except CorpusError as exc:
        assert str(exc).strip(), "a refusal must say why"


def _zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for member, content in members.items():
            z.writestr(member, content)
    return buf.getvalue()


# ----- uploads: corpora -------------------------------------------------------------------------
@pytest.mark.timeout(120)
@FUZZ
@given(data=st.binary(max_size=4096), ext=st.sampled_from(EXTENSIONS))
@example(data=b"", ext=".txt")
@example(data=b"\x00" * 100, ext=".txt")
@example(data=b"PK\x03\x04garbage", ext=".zip")
@example(data=b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n", ext=".jsonl")
@example(data=b'text\n"' + b"a" * 300_000 + b'"\n', ext=".csv")
@example(data=b"\xff\xfe" + "bank river".encode("utf-16-le"), ext=".txt")
@example(data=b"a\rb\r" * 1000, ext=".txt")
def test_random_bytes_as_an_upload(data: bytes, ext: str) -> None:
    _read_corpus(data, f"upload{ext}")


@pytest.mark.timeout(120)
@FUZZ
@given(text=st.text(max_size=600), encoding=st.sampled_from(ENCODINGS), ext=st.sampled_from(EXTENSIONS[:4]))
def test_any_text_in_any_encoding(text: str, encoding: str, ext: str) -> None:
    data = text.encode(encoding, errors="replace")
    if ext in (".csv", ".tsv"):
        data = b"id,text\n" + data if ext == ".csv" else b"id\ttext\n" + data
    elif ext == ".jsonl":
        data = (json.dumps({"text": text}) + "\n").encode(encoding, errors="replace")
    _read_corpus(data, f"notes{ext}")


@pytest.mark.timeout(120)
@FUZZ
@given(members=st.dictionaries(st.text(min_size=1, max_size=30), st.binary(max_size=512), max_size=4))
def test_zip_archives_with_odd_members(members: dict[str, bytes]) -> None:
    _read_corpus(_zip_of(members), "archive.zip")


@pytest.mark.timeout(120)
def test_huge_lines_and_compressed_bombs_stay_bounded() -> None:
    one_line = b"word " * 400_000  # 2 MB, no line break
    _read_corpus(one_line, "oneline.txt")
    _read_corpus(b"x" * 2_000_000, "nospace.txt")
    bomb = _zip_of({"a.txt": b"bank " * 2_000_000})  # 10 MB of text in a few kB
    _read_corpus(bomb, "bomb.zip")


# ----- uploads: vector files --------------------------------------------------------------------
_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["1e400", "-1e400", "nan", "inf", "1e-400", "0x10", "--1", "", "1,5"]),
)
_VECTOR_LINE = st.tuples(st.text(max_size=12), st.lists(_NUMBERS, max_size=6)).map(lambda t: " ".join([t[0], *t[1]]))


def _load_vectors(data: bytes, name: str, fmt: str | None = None, metadata: bytes | None = None) -> None:
    try:
        load_vectors(io.BytesIO(data), metadata=None if metadata is None else io.BytesIO(metadata), name=name, fmt=fmt)
    except VectorsError as exc:
        assert str(exc).strip(), "a refusal must say why"


@pytest.mark.timeout(120)
@FUZZ
@given(
    data=st.binary(max_size=2048),
    fmt=st.sampled_from([None, "word2vec", "word2vec_binary", "glove", "tsv"]),
)
@example(data=b"1000000000 1000000000\n", fmt="word2vec_binary")
@example(data=b"3 100000000\ncat \x00\x00\x80\x3f", fmt="word2vec_binary")
@example(data=b"99999999999999999999999 3\n", fmt="word2vec_binary")
@example(data=b"\x1f\x8b\x08\x00broken gzip", fmt=None)
def test_random_bytes_as_a_vector_file(data: bytes, fmt: str | None) -> None:
    _load_vectors(data, "vectors.bin" if fmt == "word2vec_binary" else "vectors.txt", fmt)


@pytest.mark.timeout(120)
@FUZZ
@given(
    header=st.one_of(st.none(), st.tuples(st.integers(-5, 10**12), st.integers(-5, 10**9))),
    lines=st.lists(_VECTOR_LINE, max_size=8),
    fmt=st.sampled_from([None, "word2vec", "glove", "tsv"]),
)
@example(header=(2, 2), lines=["cat 1e400 2", "dog 1 2"], fmt=None)
@example(header=None, lines=["cat " + "1 " * 50_000], fmt=None)
def test_vector_text_with_extreme_numbers(header: tuple[int, int] | None, lines: list[str], fmt: str | None) -> None:
    text = "\n".join(([f"{header[0]} {header[1]}"] if header else []) + lines) + "\n"
    _load_vectors(text.encode("utf-8", errors="replace"), "vectors.txt", fmt)


@pytest.mark.timeout(120)
@FUZZ
@given(rows=st.lists(st.lists(_NUMBERS, min_size=1, max_size=4), max_size=6), meta=st.binary(max_size=300))
def test_projector_tsv_with_odd_metadata(rows: list[list[str]], meta: bytes) -> None:
    data = "\n".join("\t".join(r) for r in rows).encode()
    _load_vectors(data, "vectors.tsv", "tsv", metadata=meta)


# ----- link parameters --------------------------------------------------------------------------
PARSERS = {
    "choice": links.choice(["pca", "tsne", "umap"]),
    "int": links.int_in(0, 2**31 - 1),
    "float": links.float_in(-1e6, 1e6),
    "words": links.words(20, 40),
    "text": links.text(500),
    "flag": links.flag(),
    "corpus": links.builtin_name(["support_tickets", "mixed"]),
    "model": links.model_name(Settings.from_env({"EXPLORER_HOSTED": "1"})),
}


def _check_value(kind: str, value: object) -> None:
    if kind == "int":
        assert isinstance(value, int) and 0 <= value <= 2**31 - 1
    elif kind == "float":
        assert isinstance(value, float) and math.isfinite(value) and -1e6 <= value <= 1e6
    elif kind == "words":
        assert isinstance(value, list) and len(value) <= 20 and all(0 < len(w) <= 40 for w in value)
        assert len(set(value)) == len(value)
    elif kind == "text":
        assert isinstance(value, str) and len(value) <= 500 and "\x00" not in value
    elif kind == "flag":
        assert isinstance(value, bool)
    elif kind in ("choice", "corpus"):
        assert value in ("pca", "tsne", "umap", "support_tickets", "mixed")
    elif kind == "model":
        assert value == "bundled"


@pytest.mark.timeout(120)
@FUZZ
@given(raw=st.text(max_size=300), kind=st.sampled_from(sorted(PARSERS)))
@example(raw="1" * 5000, kind="int")
@example(raw="1e308", kind="float")
@example(raw="-0", kind="float")
@example(raw="9" * 400, kind="float")
@example(raw="/etc/passwd", kind="corpus")
@example(raw="../x", kind="model")
@example(raw="http://evil.example/m.bin", kind="model")
@example(raw="a," * 1000, kind="words")
def test_link_parsers_accept_or_refuse_with_a_message(raw: str, kind: str) -> None:
    try:
        value = PARSERS[kind](raw)
    except LinkError as exc:
        assert str(exc).strip()
        return
    _check_value(kind, value)


@pytest.mark.timeout(120)
@FUZZ
@given(number=st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True)))
def test_numbers_of_any_size_in_a_link(number: int | float) -> None:
    for kind in ("int", "float"):
        try:
            value = PARSERS[kind](str(number))
        except LinkError as exc:
            assert str(exc).strip()
            continue
        _check_value(kind, value)
