"""Hostile and careless uploads: each is refused with a message, or admitted within a memory and work bound.

The files are made here, so every reader of untrusted files is held to the same cases: a gzip
bomb of ``a 1`` lines, a zip of nothing but newlines, a million-character "word", a file one
byte over the limit, UTF-16 without a byte-order mark, a gzip file cut short, word pairs scored
NaN, plain text named ``.cor`` and a fastText model. Memory is measured with tracemalloc (numpy
reports its buffers to it); work with a fake clock that counts the loop's checks, never wall time.
"""

from __future__ import annotations

import codecs
import gzip
import io
import math
import tracemalloc
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from explorer.admission import WorkGate
from explorer.corpus import Corpus
from explorer.errors import LimitError, ReaderError, VectorsError
from explorer.evaluation import evaluate_word_pairs
from explorer.readers import MAX_TOKEN_CHARS, read_texts
from explorer.settings import Settings
from explorer.vectors import WordVectors
from explorer.vectors_io import load_vectors
from explorer.workbudget import WorkBudget

HOSTED = Settings.from_env({"EXPLORER_HOSTED": "1"})
MB = 2**20


class Upload(io.BytesIO):
    """Like Streamlit's UploadedFile: a BytesIO with .name and .size."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name
        self.size = len(data)


def a_one_bomb(lines: int = 10_200_000) -> bytes:
    """The issue's upload: 10.2 million lines ``a 1`` (40.8 MB) gzipped to about 40 kB."""
    return gzip.compress(b"a 1\n" * lines, compresslevel=9)


def newline_zip(text_first: bytes, newline_bytes: int) -> bytes:
    """A zip holding one .txt: ``text_first``, then ``newline_bytes`` newlines (written in pieces)."""
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("notes.txt", "w") as member,
    ):
        member.write(text_first)
        piece = b"\n" * MB
        for _ in range(newline_bytes // MB):
            member.write(piece)
    return buf.getvalue()


def peak_traced(fn: Callable[[], Any]) -> tuple[Any, int]:
    """(fn(), the peak of memory traced while it ran, in bytes, above what was traced before)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = fn()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return out, peak


class RecordingGate:
    """An ``admit`` that records what each step said it may add, and the peak it really reached."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, int]] = []

    @contextmanager
    def __call__(self, cost_bytes: int, what: str):
        self.steps.append((what, cost_bytes))
        yield


# ----- vector files: the gzip bomb -----------------------------------------------------------------
def test_gzip_bomb_of_repeated_words_stays_small_and_stops_early() -> None:
    packed = a_one_bomb()
    assert len(packed) < 60_000 and len(packed) < HOSTED.max_upload_bytes
    gate = RecordingGate()
    wv, peak = peak_traced(
        lambda: load_vectors(
            Upload(packed, "bomb.txt.gz"),
            max_bytes=HOSTED.max_upload_bytes,
            max_rows=HOSTED.max_upload_rows,
            admit=gate,
        )
    )
    assert wv.keys == ("a",) and wv.vector_size == 1
    notices = " ".join(wv.notices)
    assert "repeated word" in notices and "not read to the end" in notices
    # the unpacked 40.8 MB is held once, then the parse adds one chunk's fields: no 10 million rows or strings
    assert peak < 70 * MB, f"peak {peak / MB:.0f} MB"
    # both steps were charged before they ran, and the charges cover what was really used
    assert [what.split()[0] for what, _ in gate.steps] == ["unpacking", "reading"]
    assert sum(cost for _, cost in gate.steps) >= peak


def test_gzip_bomb_of_distinct_words_is_capped_at_the_hosted_rows() -> None:
    body = b"".join(b"w%d 1\n" % i for i in range(600_000))
    wv, peak = peak_traced(
        lambda: load_vectors(
            Upload(gzip.compress(body), "many.txt.gz"),
            max_bytes=HOSTED.max_upload_bytes,
            max_rows=HOSTED.max_upload_rows,
        )
    )
    assert len(wv) == HOSTED.max_upload_rows == 200_000
    assert any("200,000 words per upload" in n for n in wv.notices)
    assert peak < 80 * MB, f"peak {peak / MB:.0f} MB"


def test_an_upload_the_server_has_no_memory_for_is_refused_before_it_is_parsed() -> None:
    gate = WorkGate(ceiling_bytes=200 * MB, rss=lambda: 190 * MB, relieve=lambda: None)

    def admit(cost_bytes: int, what: str):
        return gate.hold("upload", cost_bytes, what)

    body = ("w0 " + " ".join(["0.5"] * 300) + "\n").encode() * 2000
    with pytest.raises(LimitError, match="near its memory limit") as info:
        load_vectors(Upload(gzip.compress(body), "v.txt.gz"), max_bytes=HOSTED.max_upload_bytes, admit=admit)
    assert "unpacking v.txt" in str(info.value)
    assert gate.running() == 0


def test_many_dims_row_is_refused_before_it_is_split() -> None:
    wide = b"cat " + b"0 " * 5_000_000 + b"\n"  # 10 MB on one line
    _, peak = peak_traced(lambda: pytest.raises(VectorsError, load_vectors, Upload(wide, "wide.txt")))
    assert peak < 60 * MB, f"peak {peak / MB:.0f} MB"


def test_parsed_matrix_is_compact_float32() -> None:
    rows = b"".join(b"w%d %d.5 -1e-3 7\n" % (i, i) for i in range(50_000))
    wv, peak = peak_traced(lambda: load_vectors(Upload(rows, "v.txt")))
    assert wv.vectors.dtype == np.float32 and wv.vectors.shape == (50_000, 3)
    # the text (1 MB), the matrix twice (1.2 MB), 50,000 words and one chunk's fields: not a DataFrame
    assert peak < 40 * MB, f"peak {peak / MB:.0f} MB"


# ----- readers: empty lines, long words -----------------------------------------------------------
def test_newline_zip_is_read_at_byte_speed_and_bounded_by_unpacked_bytes() -> None:
    packed = newline_zip(b"hello world\n", 40 * MB)
    assert len(packed) < 200_000
    result = read_texts(Upload(packed, "empty.zip"), max_bytes=MB)  # may unpack to 10 MB
    texts = [t for t in result.texts if t.strip()]
    assert texts == ["hello world"]
    assert any("unpacks to more than ten times" in n for n in result.all_notices())


def test_newline_zip_is_stopped_by_the_time_budget_with_a_message() -> None:
    packed = newline_zip(b"hello world\n", 64 * MB)
    calls = [0]

    def clock() -> float:  # one second per check: the budget of 30 s ends after about 30 checks
        calls[0] += 1
        return float(calls[0])

    corpus = Corpus.from_file(Upload(packed, "empty.zip"), budget=WorkBudget(seconds=30, clock=clock))
    assert corpus.sentences == (("hello", "world"),)
    message = " ".join(corpus.notices)
    assert "reading stopped after" in message and "mostly empty lines" in message
    assert calls[0] <= 40  # the loop checked its budget a bounded number of times, then stopped


def test_visitor_who_left_stops_the_read() -> None:
    data = b"word " * 10 + b"\n" + b"\n" * (8 * MB)
    budget = WorkBudget(seconds=None, still_wanted=lambda: False, check_every=0.0)
    with pytest.raises(ReaderError, match="visitor left"):
        list(read_texts(Upload(b"\n" * (8 * MB) + data, "a.txt"), budget=budget).texts)


def test_million_character_word_is_dropped_with_a_note() -> None:
    word = b"x" * 1_000_000
    data = b"".join(b"line %d has a " % i + word + b" in it\n" for i in range(5))
    corpus = Corpus.from_file(Upload(data, "long.txt"))
    longest = max(len(t) for s in corpus.sentences for t in s)
    assert longest <= MAX_TOKEN_CHARS
    assert max(len(s) for s in corpus.raw_sentences) < 1_000  # nothing that long reaches the browser
    assert any("without a space" in n and "dropped" in n for n in corpus.notices)
    assert ("line", "0", "has", "a", "in", "it") in corpus.sentences


def test_long_word_in_a_vector_file_is_dropped_with_a_note() -> None:
    data = b"cat 1 2\n" + b"y" * 1_000_000 + b" 3 4\ndog 5 6\n"
    wv = load_vectors(Upload(data, "v.txt"))
    assert wv.keys == ("cat", "dog")
    assert any("longer than" in n for n in wv.notices)


# ----- messages ----------------------------------------------------------------------------------
def test_one_byte_over_the_limit_shows_exact_sizes() -> None:
    limit = HOSTED.max_upload_bytes
    data = b"a" * (limit + 1)
    with pytest.raises(ReaderError) as reader_info:
        Corpus.from_file(Upload(data, "big.txt"), max_bytes=limit)
    with pytest.raises(VectorsError) as vectors_info:
        load_vectors(Upload(data, "big.txt"), max_bytes=limit)
    for message in (str(reader_info.value), str(vectors_info.value)):
        assert f"{limit + 1:,} bytes" in message and f"{limit:,} bytes" in message


def test_utf16_without_a_byte_order_mark_names_the_encoding() -> None:
    text = "The bank approved the loan.\nWe sat by the river.\n".encode("utf-16-le")
    with pytest.raises(ReaderError, match="UTF-16") as info:
        Corpus.from_file(Upload(text, "notes.txt"))
    assert "encoding is the likely cause" in str(info.value)
    with pytest.raises(VectorsError, match="UTF-16"):
        load_vectors(Upload("cat 1 2\ndog 3 4\n".encode("utf-16-le"), "v.txt"), fmt="glove")


@pytest.mark.parametrize("cut", [20, 200, -4])
def test_truncated_gzip_says_it_was_cut_short(cut: int) -> None:
    whole = gzip.compress(b"".join(b"w%d 0.25 0.5\n" % i for i in range(2000)))
    with pytest.raises(VectorsError, match="cut short"):
        load_vectors(Upload(whole[:cut], "v.txt.gz"))
    for head in (1, 3):  # a second member that ends inside its magic number or its header
        with pytest.raises(VectorsError, match="cut short"):
            load_vectors(Upload(whole + whole[:head], "v.txt.gz"))


def test_word_pairs_with_nan_scores_are_skipped_with_a_note() -> None:
    wv = WordVectors(["a", "b", "c", "d"], np.array([[1, 0], [1, 0.1], [0, 1], [0.5, 0.5]]))
    pairs = b"a\tb\t9\na\tc\t1\nb\tc\tnan\nb\td\tinf\nc\td\t5\na\td\t4\n"
    result = evaluate_word_pairs(wv, pairs)
    assert math.isfinite(result.spearman) and result.pairs_used == 4
    assert len(result.notices) == 1 and "NaN or infinite" in result.notices[0] and "line 3" in result.notices[0]


# ----- files people have -------------------------------------------------------------------------
def test_plain_text_under_any_extension_is_read() -> None:
    corpus = Corpus.from_file(Upload(b"The bank approved the loan.\n", "news.cor"))
    assert corpus.sentences == (("the", "bank", "approved", "the", "loan"),)
    assert any("news.cor" in n and "plain text" in n for n in corpus.notices)
    with pytest.raises(ReaderError, match="PNG image"):
        Corpus.from_file(Upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.cor"))


def test_fasttext_model_loads_its_word_vectors(tmp_path: Path) -> None:
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    sentences = [["the", "cat", "sat", "on", "the", "mat", "café"], ["a", "dog", "ran", "über", "the", "park"]] * 20
    model = FastText(vector_size=8, min_count=1, bucket=2000, min_n=2, max_n=4, epochs=2, seed=1)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=2)
    path = tmp_path / "model.bin"
    save_facebook_model(model, str(path))
    wv = load_vectors(Upload(path.read_bytes(), "model.bin"))
    assert set(wv.keys) == set(model.wv.index_to_key)
    for word in wv.keys:  # the vectors fastText itself gives: the word's row and its n-grams, averaged
        np.testing.assert_allclose(wv[word], model.wv[word], atol=1e-5)
    assert any("fastText model" in n and "outside its vocabulary" in n for n in wv.notices)
    with pytest.raises(VectorsError, match="fastText"):
        load_vectors(Upload(path.read_bytes()[:500], "model.bin"))


def test_utf8_bom_is_not_mistaken_for_utf16() -> None:
    data = codecs.BOM_UTF8 + b"plain words here\n"
    assert Corpus.from_file(Upload(data, "a.txt")).sentences == (("plain", "words", "here"),)


# ----- the sidebar uploader --------------------------------------------------------------------------
def _sidebar_script() -> None:
    import streamlit as st

    from explorer import ui

    state = ui.sidebar()
    st.write(f"corpus={state.corpus.source}|words={','.join(sorted(state.corpus.counts)[:20])}")


def _upload_in_sidebar(name: str, data: bytes):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_sidebar_script, default_timeout=60)
    at.run()
    at.sidebar.selectbox(key="sidebar.corpus").select("__upload__").run()
    uploader = at.get("file_uploader")[0]
    assert list(uploader.proto.type) == [], "no extension filter: Streamlit would refuse .cor with a bare message"
    uploader.set_value((name, data, "application/octet-stream")).run()
    return at


def test_sidebar_reads_plain_text_named_cor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    at = _upload_in_sidebar("news.cor", b"The quokka approved the loan.\n\n\nWe sat by the river.\n")
    assert not at.exception and not at.sidebar.error
    assert any("corpus=upload:news.cor" in m.value and "quokka" in m.value for m in at.markdown)


def test_sidebar_explains_a_binary_file_under_a_text_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    at = _upload_in_sidebar("scan.cor", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n" + bytes(range(256)) * 10)
    assert not at.exception
    errors = " ".join(e.value for e in at.sidebar.error)
    assert "scan.cor" in errors and "PDF" in errors and "not text" in errors


def test_an_ended_session_hands_its_heap_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from explorer.ui import vectorsets

    trimmed: list[bool] = []
    monkeypatch.setattr(vectorsets, "trim_heap", lambda: trimmed.append(True))
    state = {vectorsets.SESSION_END_KEY: vectorsets._SessionEnd()}  # what register_vectors keeps in a session
    assert not trimmed
    del state  # Streamlit drops an ended session's state
    gc.collect()
    assert trimmed == [True]


def test_blank_lines_in_jsonl_pass_in_bulk_and_keep_their_line_numbers() -> None:
    calls = [0]

    def clock() -> float:
        calls[0] += 1
        return 0.0

    data = b'{"text": "hi"}\n' + b"\n" * 5_000_000 + b"{oops\n"
    budget = WorkBudget(seconds=None, clock=clock)
    with pytest.raises(ReaderError, match="Line 5,000,002 "):
        list(read_texts(Upload(data, "a.jsonl"), budget=budget).texts)
    assert calls[0] < 1_000  # a check per buffer of blank lines, not one per line (5 million)


def _vector_picker_script() -> None:
    import streamlit as st

    from explorer import ui
    from explorer.ui.vectorsets import vector_set_picker

    wv = vector_set_picker(ui.sidebar(), key="hostile.set")
    st.write(f"set={'none' if wv is None else f'{wv.name}:{len(wv)}'}")


def test_vector_upload_in_the_app_is_gated_bounded_and_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from explorer.ui import vectorsets

    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_MAX_UPLOAD_ROWS", "3")
    calls: list[dict] = []
    real = vectorsets.load_vectors

    def counting(*args: Any, **kwargs: Any) -> WordVectors:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(vectorsets, "load_vectors", counting)
    at = AppTest.from_function(_vector_picker_script, default_timeout=60)
    at.run()
    at.selectbox(key="hostile.set").select(vectorsets.UPLOAD_OPTION).run()
    uploader = next(u for u in at.get("file_uploader") if u.proto.label == "Vector file")
    assert list(uploader.proto.type) == []  # any extension: the content decides
    uploader.set_value(("words.vec.gz", gzip.compress(b"a 1 2\nb 3 4\nc 5 6\nd 7 8\n"), "application/gzip")).run()
    assert not at.exception and not at.error
    assert any("set=words.vec.gz:3" in m.value for m in at.markdown)
    assert any("words per upload" in i.value and "EXPLORER_" not in i.value for i in at.info)
    assert len(calls) == 1 and calls[0]["max_rows"] == 3 and calls[0]["admit"] is not None
    assert calls[0]["budget"] is not None
    at.run()  # a rerun (any widget change) uses the set already read
    assert len(calls) == 1 and any("set=words.vec.gz:3" in m.value for m in at.markdown)
