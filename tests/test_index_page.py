"""AppTests of the corpus-index features: the Context page's index source, links, vector pickers, uploads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer.corpus import Corpus
from explorer.index.build import build_index
from explorer.index.contract import Targets
from tests.apptest import app_test
from tests.test_index import KNOWN, write_corpus

PAGE = "pages/4_Context.py"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, tiny_bert_dir: Path) -> Path:
    """A folder of indexes (EXPLORER_INDEX_DIR) holding one: the known words at every layer of the tiny BERT."""
    root = tmp_path_factory.mktemp("app_indexes")
    corpus = write_corpus(root / "corpus")
    folder = root / "indexes"
    build_index(
        [str(corpus)], folder / "known", targets=Targets.of_words("bank,charge,charged"), engine="in-process",
        model=str(tiny_bert_dir), column="text", title="the known corpus", progress=None,
    )  # fmt: skip
    return folder


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, tiny_bert_dir: Path, index_dir: Path) -> Path:
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    monkeypatch.setenv("EXPLORER_INDEX_DIR", str(index_dir))
    return index_dir


def _heatmap(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def _no_failure(at) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_the_index_source_draws_the_views_from_stored_vectors(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_test(PAGE)
    at.run()
    _no_failure(at)

    def no_model_run(*args, **kwargs):
        raise AssertionError("the index source must not run the model")

    monkeypatch.setattr("explorer.cache.get_context_layers", no_model_run)
    at.radio(key="context.source").set_value("index").run()
    _no_failure(at)
    assert at.selectbox(key="context.index").value == "known"
    at.text_input(key="context.index_word").set_value("Bank").run()
    _no_failure(at)
    assert any(f"occurs {KNOWN['bank']} times" in c.value and "the known corpus" in c.value for c in at.caption)
    assert len(_heatmap(at)["data"][0]["x"]) == KNOWN["bank"]
    at.number_input(key="context.index_sample").set_value(4).run()
    first = _heatmap(at)["data"][0]["y"]
    assert len(first) == 4
    at.number_input(key="context.index_seed").set_value(5).run()
    _no_failure(at)
    assert _heatmap(at)["data"][0]["y"] != first  # another seed, another sample
    at.slider(key="context.layer").set_value(0).run()
    at.number_input(key="context.index_k").set_value(2).run()
    _no_failure(at)
    assert any(e.label.startswith("2 sense clusters at layer 0") for e in at.expander)
    assert at.query_params["context.index"] == "known" and at.query_params["context.index_k"] == "2"


def test_a_link_names_an_index_only_by_a_name_in_the_folder(env: Path) -> None:
    at = app_test(PAGE)
    at.query_params.update(
        {"context.source": "index", "context.index": "../indexes/known", "context.index_word": "charge"}
    )
    at.run()
    assert not at.exception
    assert any("context.index" in w.value for w in at.warning)  # the path was refused, and said so
    at = app_test(PAGE)
    at.query_params.update({"context.source": "index", "context.index": "known", "context.index_word": "charge"})
    at.run()
    _no_failure(at)
    assert len(_heatmap(at)["data"][0]["x"]) == KNOWN["charge"]


def test_without_a_folder_the_source_says_how_to_enable_it(
    monkeypatch: pytest.MonkeyPatch, tiny_bert_dir: Path
) -> None:
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    monkeypatch.delenv("EXPLORER_INDEX_DIR", raising=False)
    at = app_test(PAGE)
    at.run()
    at.radio(key="context.source").set_value("index").run()
    assert not at.exception
    assert any("EXPLORER_INDEX_DIR" in i.value for i in at.info)


def test_vector_pickers_offer_each_stored_layer(env: Path) -> None:
    at = app_test("pages/3_Analogies.py")
    at.run()
    _no_failure(at)
    picker = at.selectbox(key="analogy.vectors")
    offered = [o for o in picker.options if "averaged over the known corpus" in o]  # the options' labels
    assert [o.split(" layer ")[1].split(",")[0] for o in offered] == ["0", "1", "2"]
    picker.set_value("index:known:layer_2").run()
    assert not at.exception  # the page's own question (king : man ...) is not among the 3 indexed words
    assert any("layer 2, averaged over the known corpus" in c.value and "3 words, 32" in c.value for c in at.caption)
    assert at.query_params["analogy.vectors"] == "index:known:layer_2"


def test_an_uploaded_corpus_builds_a_session_index(monkeypatch: pytest.MonkeyPatch, tiny_bert_dir: Path) -> None:
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    monkeypatch.delenv("EXPLORER_INDEX_DIR", raising=False)
    upload = Corpus.from_texts(
        ["The bank approved the loan.", "We sat on the river bank.", "My bank charged a fee."],
        name="notes.txt",
        source="upload:notes.txt",
    )
    at = app_test(PAGE)
    at.session_state["sidebar.corpus"] = "__upload__"
    at.session_state["sidebar.uploaded_corpus"] = ("fingerprint", upload)
    at.session_state["context.source"] = "index"
    at.run()
    assert not at.exception
    at.button(key="context.build_index").click().run()
    _no_failure(at)
    assert at.selectbox(key="context.index").value == "__session__"
    at.text_input(key="context.index_word").set_value("bank").run()
    _no_failure(at)
    assert len(_heatmap(at)["data"][0]["x"]) == 3
    assert "context.index" not in at.query_params  # a session's own index never travels in a link


def test_a_word_the_index_lacks_gets_near_spellings(env: Path) -> None:
    at = app_test(PAGE)
    at.run()
    at.radio(key="context.source").set_value("index").run()
    assert not at.exception
    assert at.text_input(key="context.index_word").value in ("bank", "charge", "charged")
    at.text_input(key="context.index_word").set_value("chargd").run()
    assert not at.exception
    note = next(w.value for w in at.warning if "is not in" in w.value)
    assert "Did you mean: charged" in note or "Did you mean: charge" in note
    assert "Frequent words it holds:" in note
