"""Hosted mode on the newer views: the Context page's "How contextual" and "Senses by neighbours",
Compare's dictionary mode and the Share action. Every input is bounded by a hosted limit that its widget
states, refusals name no server setting, bad input is a message, and heavy steps are admitted by the gate."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

from explorer.errors import LimitError
from explorer.settings import Settings
from explorer.vectors import WordVectors
from tests.apptest import app_test, give_vectors
from tests.test_index_page import index_dir  # noqa: F401 - the module's index folder fixture

HOSTED = Settings.from_env({"EXPLORER_HOSTED": "1"})
SERVER_ADVICE = re.compile(r"EXPLORER_|raise the limit|\(setting", re.IGNORECASE)
COMPARE, CONTEXT = "pages/6_Compare.py", "pages/4_Context.py"
N, DIM = 120, 16


@pytest.fixture()
def hosted(monkeypatch):
    monkeypatch.setenv("EXPLORER_HOSTED", "1")


def _shown(at) -> list[str]:
    elements = [*at.error, *at.warning, *at.info, *at.caption, *at.success]
    return [str(e.value) for e in elements]


def _no_server_advice(at) -> None:
    assert not at.exception, at.exception
    said = [m for m in _shown(at) if SERVER_ADVICE.search(m)]
    assert not said, said


def _languages() -> tuple[WordVectors, WordVectors]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, DIM)).astype(np.float32)
    rotation = np.linalg.qr(rng.normal(size=(DIM, DIM)))[0]
    y = (x @ rotation + 0.05 * rng.normal(size=x.shape)).astype(np.float32)
    counts = np.arange(2 * N, N, -1)
    return (
        WordVectors([f"en{i}" for i in range(N)], x, counts=counts, name="english"),
        WordVectors([f"it{i}" for i in range(N)], y, counts=counts, name="italian"),
    )


class _Upload(io.BytesIO):
    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name, self.size = name, len(data)


def _compare(monkeypatch, **state: object):
    monkeypatch.setattr("explorer.cache.get_reference_vectors", lambda *a, **k: _languages()[0])
    at = app_test(COMPARE)
    a, b = _languages()
    give_vectors(at, {"upload:en.txt": a, "upload:it.txt": b}, active="upload:en.txt")
    at.session_state["compare.b"] = "upload:it.txt"
    at.session_state["compare.align"] = "dictionary"
    for key, value in state.items():
        at.session_state[f"compare.{key}"] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _typed(n: int) -> str:
    return "\n".join(f"en{i}\tit{i}" for i in range(n))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "Upload a file of word pairs or type some pairs"),
        ("en1 it1\n", "Too few pairs to align"),
        ("cat gatto\ndog cane\n", "None of the 2 dictionary pairs"),
        ("lonely\n", "hold no word pairs"),
    ],
)
def test_hosted_bad_dictionaries_are_messages(hosted, monkeypatch, text, said) -> None:
    at = _compare(monkeypatch, pairs_text=text)
    _no_server_advice(at)
    assert any(said in m for m in _shown(at)), _shown(at)


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "looks like a PNG image"),
        (b"en1 it1\n" * (HOSTED.max_upload_bytes // 8 + 1), f"({HOSTED.max_upload_mb} MB)"),
    ],
)
def test_hosted_binary_or_oversized_pair_file_is_a_message(hosted, monkeypatch, data, said) -> None:
    at = _compare(monkeypatch, **{"pairs_file.kept": _Upload(data, "pairs.txt")})
    _no_server_advice(at)
    assert any(said in m for m in _shown(at)), _shown(at)


def test_hosted_dictionary_widgets_state_their_limits(hosted, monkeypatch) -> None:
    at = _compare(monkeypatch, pairs_text=_typed(100))
    _no_server_advice(at)
    uploader = at.get("file_uploader")[0]
    assert uploader.proto.max_upload_size_mb == HOSTED.max_upload_mb
    assert f"up to {HOSTED.max_upload_mb} MB" in uploader.proto.help
    assert f"{HOSTED.max_dictionary_pairs:,} pairs" in uploader.proto.help
    typed = at.text_area(key="compare.pairs_text")
    assert (
        f"{typed.proto.max_chars:,} characters" in typed.help and f"{HOSTED.max_dictionary_pairs:,} pairs" in typed.help
    )
    holdout = at.slider(key="compare.holdout")
    assert holdout.max == 0.9 and "at most 90%" in holdout.help
    k = at.number_input(key="compare.k")
    assert f"At most {k.max:.0f}" in k.help


def test_hosted_pair_file_over_the_pair_limit_is_refused_without_a_setting_name(hosted, monkeypatch) -> None:
    n = HOSTED.max_dictionary_pairs + 1
    assert HOSTED.max_dictionary_pairs < Settings().max_dictionary_pairs
    data = "".join(f"en{i % N}\tit{i}\n" for i in range(n)).encode()
    assert len(data) < HOSTED.max_upload_bytes  # within the size limit: the pair count is what refuses it
    at = _compare(monkeypatch, **{"pairs_file.kept": _Upload(data, "long.txt")})
    _no_server_advice(at)
    errors = [str(e.value) for e in at.error]
    assert any(f"more than {HOSTED.max_dictionary_pairs:,} word pairs" in e for e in errors), errors
    assert not at.dataframe, "nothing was aligned"


def test_the_pair_limit_names_its_setting_on_ones_own_server() -> None:
    from explorer.compare.dictionary_views import read_dictionary
    from explorer.errors import CompareError

    with pytest.raises(CompareError, match="EXPLORER_MAX_DICTIONARY_PAIRS"):
        read_dictionary(b"a x\nb y\nc z\n", None, None, max_pairs=2)
    with pytest.raises(CompareError, match="hold 4 word pairs together; at most 3"):
        read_dictionary(b"a x\nb y\n", "c z\nd w\n", None, max_pairs=3)
    assert len(read_dictionary(b"a x\nb y\n", "a x\nc z\n", None, max_pairs=3)) == 3  # repeats count once


def test_dictionary_alignment_is_admitted_by_the_gate(monkeypatch) -> None:
    """CSLS's hub scores hold (512, candidates) tables: the alignment asks the gate first, and a refusal is a
    message on the page, not a traceback."""
    from explorer import cache
    from explorer.admission import WorkGate
    from explorer.compare.dictionary import alignment_cost_bytes

    asked: list[tuple[str, int, str]] = []

    class Recording(WorkGate):
        def enter(self, lane, cost_bytes, what, size=1.0):
            asked.append((lane, cost_bytes, what))
            return super().enter(lane, cost_bytes, what, size)

    a, b = _languages()
    monkeypatch.setattr(cache, "_gate", lambda: Recording(None))
    cache._dictionary_comparison.clear()
    pairs = [(f"en{i}", f"it{i}") for i in range(100)]
    c = cache.get_comparison(a, b, 5, pairs, 0.2, 0)
    assert c.dictionary is not None
    assert asked == [("projection", alignment_cost_bytes(a, b), "aligning italian onto english by a dictionary")]

    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    full = WorkGate(HOSTED.max_memory_bytes, rss=lambda: HOSTED.max_memory_bytes, setting_hint="")
    monkeypatch.setattr(cache, "_gate", lambda: full)
    cache._dictionary_comparison.clear()
    at = _compare(monkeypatch, pairs_text=_typed(100))
    _no_server_advice(at)
    errors = [str(e.value) for e in at.error]
    assert any("These two sets cannot be compared" in e and "memory limit" in e for e in errors), errors
    cache._dictionary_comparison.clear()


def test_the_alignment_cost_grows_with_the_candidates() -> None:
    from explorer.compare.dictionary import RETRIEVAL_WORDS, alignment_cost_bytes

    def words(n: int, d: int = 300) -> WordVectors:
        return WordVectors([f"w{i}" for i in range(n)], np.zeros((n, d), dtype=np.float32))

    small, big = alignment_cost_bytes(words(1_000), words(1_000)), alignment_cost_bytes(words(20_000), words(20_000))
    assert small < big
    # the candidates stop at RETRIEVAL_WORDS: a larger set costs no more
    assert alignment_cost_bytes(words(RETRIEVAL_WORDS + 5_000), words(RETRIEVAL_WORDS + 5_000)) == big


# ----- the Context page's layer views -------------------------------------------------------------------
@pytest.fixture()
def hosted_context(monkeypatch, tiny_bert_dir):
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    monkeypatch.setenv("EXPLORER_DEVICE", "cpu")
    at = app_test(CONTEXT)
    at.run()
    _no_server_advice(at)
    assert not at.error, [e.value for e in at.error]
    return at


def test_hosted_neighbours_and_corpus_sample_state_their_bounds(hosted_context) -> None:
    at = hosted_context
    k = at.number_input(key="context.neighbours_k")
    occurrences = len(at.selectbox(key="context.picked").options)
    assert f"At most {k.max:.0f}" in k.help and f"the {occurrences - 1} other occurrences" in k.help
    how = at.toggle(key="context.how")
    limit = min(HOSTED.max_sentences, 64)
    assert f"at most {limit} sentences of the sidebar's corpus (this server's limit" in how.help
    how.set_value(True).run()
    _no_server_advice(at)
    assert not at.error, [e.value for e in at.error]
    sample = next(c.value for c in at.caption if c.value.startswith("Sample:"))
    said = int(re.search(r"every word of (\d+) sentences", sample).group(1))
    assert 2 <= said <= HOSTED.max_sentences


def test_hosted_an_occurrence_picked_then_the_word_changed_is_no_traceback(hosted_context) -> None:
    at = hosted_context
    at.toggle(key="context.how").set_value(True).run()
    picked = at.selectbox(key="context.picked")
    picked.set_value(picked.options[-1]).run()
    at.number_input(key="context.neighbours_k").set_value(20).run()  # more than the other occurrences
    at.session_state["context.map"] = {"selection": {"points": [{"curve_number": 1, "point_index": 2}]}}
    at.run()  # a click on the occurrence map picks once
    _no_server_advice(at)
    # a click that names a point the next word's map no longer has picks nothing
    at.session_state["context.map"] = {"selection": {"points": [{"curve_number": 7, "point_index": 99}]}}
    at.radio(key="context.source").set_value("custom").run()
    at.text_input(key="context.word").set_value("river").run()
    _no_server_advice(at)
    assert not at.error, [e.value for e in at.error]
    names = at.selectbox(key="context.picked").options
    assert at.session_state["context.picked"] in names
    lines = next(m.value for m in at.markdown if m.value.startswith("1. cosine"))
    assert lines.count("\n") == len(names) - 2, "every other occurrence, not 20"
    at.text_input(key="context.word").set_value("zebra").run()  # in no sentence
    _no_server_advice(at)
    assert any("zebra" in str(m.value) for m in [*at.warning, *at.error, *at.info])


def test_the_context_page_keeps_room_under_the_page_limit() -> None:
    lines = len((Path(__file__).resolve().parent.parent / CONTEXT).read_text(encoding="utf-8").splitlines())
    assert lines <= 220, f"{CONTEXT} has {lines} lines: its sections belong in explorer/ui/"


# ----- Share ------------------------------------------------------------------------------------------------
def _own(name: str, n: int, dim: int = 8):
    from explorer.ui.vectorsets import SessionVectorSet

    vectors = WordVectors([f"{name}{i}" for i in range(n)], np.random.default_rng(n).normal(size=(n, dim)), name=name)
    return SessionVectorSet(f"upload:{name}.txt", f"Uploaded: {name}.txt", vectors)


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"EXPLORER_SHARE_MAX_PER_SESSION": "1"}, "the most one browser session may share"),
        ({"EXPLORER_SHARE_MAX_TOTAL_MB": "1"}, "The shared store is full"),
    ],
)
def test_hosted_a_shared_store_limit_reached_is_a_sentence(monkeypatch, tmp_path, env, said) -> None:
    from tests.test_share_pages import _button

    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_SHARE_STORE", str(tmp_path / "shared"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("explorer.cache.get_reference_vectors", lambda *a, **k: _languages()[0])
    sets = {s.id: s for s in (_own("first", 2000, 100), _own("second", 2000, 100))}
    at = app_test("pages/2_Project.py")
    at.session_state["vectors.sets"] = sets
    at.session_state["vectors.active"] = "upload:first.txt"
    at.run()
    _button(at, "Share").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.selectbox(key="project.vectors").set_value("upload:second.txt").run()
    _button(at, "Share").click().run()
    _no_server_advice(at)
    errors = [str(e.value) for e in at.error]
    assert any(e.startswith("The set was not shared") and said in e for e in errors), errors
    assert at.session_state["project.vectors"] == "upload:second.txt"


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        (
            LimitError("Too many sentences: at most 40 (setting EXPLORER_MAX_SENTENCES). Send fewer."),
            "Too many sentences: at most 40. Send fewer.",
        ),
        (OSError(2, "No such file or directory", "/srv/private/indexes/x/occurrences"), "No such file or directory"),
    ],
)
def test_hosted_how_contextual_failures_name_no_setting_and_no_server_path(hosted_context, monkeypatch, failure, said):
    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr("explorer.cache.get_sentence_words", fail)
    at = hosted_context
    at.toggle(key="context.how").set_value(True).run()
    _no_server_advice(at)
    errors = [str(e.value) for e in at.error]
    assert any(e.startswith("The layers could not be measured") and said in e for e in errors), errors
    assert not [e for e in errors if "/srv/private" in e]


def test_a_long_pair_file_is_read_line_by_line_within_a_bounded_memory() -> None:
    """A hosted upload of up to 10 MB of short lines: the file is never held as a list of every line."""
    import tracemalloc

    from explorer.compare.pairfile import parse_pairs
    from explorer.errors import CompareError

    data = b"".join(b"w%d\tt%d\n" % (i % 15_000, i) for i in range(600_000))  # about 8 MB, 600,000 lines
    tracemalloc.start()
    try:
        with pytest.raises(CompareError, match="more than 20,000 word pairs"):
            parse_pairs(data, len(data), "long.txt", max_pairs=20_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * len(data), f"{peak / 2**20:.0f} MB for a {len(data) / 2**20:.0f} MB file"
    lines = "a\tb\r\nc d\n\n# note\re f\u2028g h"
    assert parse_pairs(lines.encode(), name="x").pairs == (("a", "b"), ("c", "d"), ("e", "f"), ("g", "h"))


def test_hosted_index_source_states_its_sample_and_cluster_bounds(monkeypatch, tiny_bert_dir, index_dir) -> None:  # noqa: F811
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    monkeypatch.setenv("EXPLORER_INDEX_DIR", str(index_dir))
    at = app_test(CONTEXT)
    at.run()
    at.radio(key="context.source").set_value("index").run()
    at.text_input(key="context.index_word").set_value("bank").run()
    at.number_input(key="context.index_k").set_value(10).run()  # more clusters than some words have occurrences
    at.toggle(key="context.how").set_value(True).run()
    _no_server_advice(at)
    assert not at.error, [e.value for e in at.error]
    sample, k = at.number_input(key="context.index_sample"), at.number_input(key="context.index_k")
    assert f"at most {sample.max:.0f}" in sample.help and f"at most {k.max:.0f}" in k.help
    assert "stored occurrences of each of the index's 100 most frequent words" in at.toggle(key="context.how").help
