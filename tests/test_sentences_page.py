"""The Sentences page in AppTest, with a hand-built static vector set and a tiny random BERT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer import cache
from explorer.corpus import tokenize
from explorer.sentences import encode_transformer, load_presets
from explorer.vectors import WordVectors

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "5_Sentences.py")


@pytest.fixture()
def fake_models(monkeypatch, tiny_bert_dir):
    """Patch the cached loaders: random vectors for every preset word, the tiny BERT for the transformer."""
    from transformers import AutoModel, AutoTokenizer

    words = sorted({t for p in load_presets().values() for s in (*p.sentences, p.query) for t in tokenize(s)})
    rng = np.random.default_rng(0)
    wv = WordVectors(words, rng.normal(size=(len(words), 16)).astype(np.float32), name="test vectors")
    model, tok = AutoModel.from_pretrained(tiny_bert_dir).eval(), AutoTokenizer.from_pretrained(tiny_bert_dir)
    calls: list[tuple[str, ...]] = []

    def transformer(model_name, device, sentences):
        calls.append(tuple(sentences))
        return encode_transformer(sentences, model, tok, name="tiny-bert")

    monkeypatch.setattr(cache, "get_reference_vectors", lambda *a, **k: wv)
    monkeypatch.setattr(cache, "get_transformer_sentence_vectors", transformer)
    return calls


def _run(query_params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _figures(at: AppTest) -> list[dict]:
    import json

    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _array(value) -> np.ndarray:
    """A figure's array, whether plain JSON lists or Plotly's typed-array encoding ({dtype, bdata, shape})."""
    if isinstance(value, dict) and "bdata" in value:
        import base64

        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(x) for x in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape).astype(float)
    return np.array(value, dtype=float)


def test_preset_renders_four_heatmaps_matches_and_contributions(fake_models):
    at = _run()
    assert not at.error, [e.value for e in at.error]
    figs = _figures(at)
    kinds = [f["data"][0]["type"] for f in figs]
    assert kinds.count("heatmap") == 4 and "bar" in kinds and "scatter" in kinds
    n = len(load_presets()["support"].sentences)
    for fig in figs[:4]:
        z = _array(fig["data"][0]["z"])
        assert z.shape == (n, n) and np.allclose(np.diag(z), 1.0, atol=1e-4)
    table = at.table[0].value
    assert {"Plain mean", "No stopwords", "TF-IDF weighted", "Transformer"} <= set(table.columns)
    assert len(table) == at.slider(key="sentences.topn").value
    assert fake_models  # the transformer went through the cached loader


def test_query_and_euclidean_toggle_rank_by_distance(fake_models):
    at = _run()
    at.radio(key="sentences.metric").set_value("euclidean")
    at.text_input(key="sentences.query").set_value("The battery of my phone is hot")
    at.slider(key="sentences.topn").set_value(5)
    at.run()
    assert not at.exception and not at.error
    assert any("Euclidean distance (lower is closer)" in c.value for c in at.caption)
    assert any("its own distance scale" in c.value for c in at.caption)  # scales differ per heatmap: say so
    table = at.table[0].value
    assert len(table) == 5
    scores = [float(cell.split("(")[1].split(")")[0]) for cell in table["Plain mean"]]
    assert scores == sorted(scores)
    heat = [f for f in _figures(at) if f["data"][0]["type"] == "heatmap"][0]
    z = _array(heat["data"][0]["z"])
    assert np.allclose(np.diag(z), 0.0) and (z >= 0).all()
    assert at.query_params["sentences.metric"] in ("euclidean", ["euclidean"])


def test_preset_choice_replaces_sentences_and_query(fake_models):
    at = _run()
    at.selectbox(key="sentences.preset").set_value("classic")
    at.run()
    assert not at.exception
    assert "The cat sat on the mat" in at.text_area(key="sentences.text").value
    assert at.text_input(key="sentences.query").value == load_presets()["classic"].query


def test_sentences_with_no_known_words_and_stopword_only_lines_are_reported(fake_models):
    at = _run()
    at.text_area(key="sentences.text").set_value("The cat sat on the mat\nXyzzy plugh\nIt is what it is")
    at.run()
    assert not at.exception and not at.error
    warnings = " ".join(w.value for w in at.warning)
    assert '#2 "Xyzzy plugh"' in warnings and "another vector set" in warnings
    assert '#3 "It is what it is"' in warnings and "only stopwords" in warnings


def test_empty_input_and_a_single_sentence_get_clear_messages(fake_models):
    at = _run()
    at.text_area(key="sentences.text").set_value("   \n  ")
    at.run()
    assert not at.exception
    assert any("one per line" in e.value for e in at.error)
    at.text_area(key="sentences.text").set_value("The cat sat on the mat")
    at.run()
    assert not at.exception and not at.error
    assert any("Only one sentence" in i.value for i in at.info)
    assert [f["data"][0]["type"] for f in _figures(at)].count("bar") == 1


def test_link_restores_the_view_and_refuses_bad_values(fake_models):
    at = _run(
        {
            "sentences.preset": "classic",
            "sentences.text": "A cat sat\nA dog lay\nStocks fell",
            "sentences.metric": "euclidean",
            "sentences.query": "A kitten slept",
        }
    )
    assert at.text_area(key="sentences.text").value == "A cat sat\nA dog lay\nStocks fell"
    assert at.radio(key="sentences.metric").value == "euclidean"
    assert at.text_input(key="sentences.query").value == "A kitten slept"
    assert len(at.table[0].value) == 3

    bad = _run({"sentences.metric": "manhattan", "sentences.preset": "../../etc"})
    assert not bad.error
    refused = " ".join(w.value for w in bad.warning)
    assert "sentences.metric" in refused and "sentences.preset" in refused
    assert bad.radio(key="sentences.metric").value == "cosine"


def test_a_transformer_that_cannot_load_leaves_the_averages_working(fake_models, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("no model files")

    monkeypatch.setattr(cache, "get_transformer_sentence_vectors", broken)
    at = _run()
    assert any("could not be loaded" in e.value and "no model files" in e.value for e in at.error)
    assert [f["data"][0]["type"] for f in _figures(at)].count("heatmap") == 3
    assert "Transformer" not in at.table[0].value.columns


def test_shrinking_the_list_after_picking_a_late_sentence_keeps_working(fake_models):
    at = _run()
    at.selectbox(key="sentences.focus").set_value(at.selectbox(key="sentences.focus").options[8])
    at.radio(key="sentences.focus_method").set_value("transformer")
    at.run()
    assert not at.exception
    at.text_area(key="sentences.text").set_value("The cat sat on the mat\nA dog lay on the rug")
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="sentences.focus").value.startswith("S1: ")


def test_cached_transformer_vectors_and_document_frequencies(monkeypatch, tiny_bert_dir):
    from explorer.contextual import ContextualEmbedder
    from explorer.corpus import Corpus

    embedder = ContextualEmbedder.load(str(tiny_bert_dir), device="cpu")
    loads: list[tuple] = []
    monkeypatch.setattr(cache, "get_embedder", lambda *args: loads.append(args) or embedder)
    key = ("tiny-bert-for-cache-test", "cpu", ("the cat sat", "a dog", "my card was charged"))
    first = cache.get_transformer_sentence_vectors(*key)
    again = cache.get_transformer_sentence_vectors(*key)
    assert len(loads) == 1  # the second call came from the cache
    np.testing.assert_allclose(np.linalg.norm(again.matrix, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first.matrix, again.matrix)
    assert not again.matrix.flags.writeable

    corpus = Corpus.from_texts(["the cat sat", "the dog sat", "a bank"])
    dfs = cache.get_document_frequencies(corpus)
    assert dfs.n_documents == 3 and dfs.df["the"] == 2 and dfs.df["bank"] == 1
    assert cache.get_document_frequencies(corpus) is dfs


def test_many_sentences_without_known_words_give_one_warning_per_method_group(fake_models):
    at = _run()
    unknown = [f"Xyzzy plugh{i}" for i in range(12)]
    at.text_area(key="sentences.text").set_value("\n".join(["The cat sat on the mat", *unknown, "It is what it is"]))
    at.text_input(key="sentences.query").set_value("Frobozz gnusto")
    at.run()
    assert not at.exception and not at.error
    warnings = [w.value for w in at.warning]
    # before: one warning per method and sentence, and one per method for the query
    about_unknown = [w for w in warnings if "no word the vector set" in w and "query" not in w]
    assert len(about_unknown) == 1
    merged = about_unknown[0]
    assert all(label in merged for label in ("Plain mean", "No stopwords", "TF-IDF weighted"))
    assert "12 sentences" in merged and "another vector set" in merged
    listed = [line for line in merged.splitlines() if line.startswith("- ")]
    assert '- #2 "Xyzzy plugh0"' in listed and "more" in listed[-1]  # numbered, long lists shortened
    assert len(listed) <= 11
    stop_only = [w for w in warnings if "only stopwords" in w]
    assert len(stop_only) == 1 and '#14 "It is what it is"' in stop_only[0]
    about_query = [w for w in warnings if "the query" in w]
    assert len(about_query) == 1 and "Frobozz gnusto" in about_query[0] and "Rephrase" in about_query[0]
    assert all(label in about_query[0] for label in ("Plain mean", "No stopwords", "TF-IDF weighted"))
    assert len(warnings) == 3
    assert "Transformer" in at.table[0].value.columns  # the transformer still ranks the sentences


def test_inputs_survive_a_visit_to_another_page(fake_models):
    at = _run()
    at.selectbox(key="sentences.preset").set_value("classic").run()
    at.text_area(key="sentences.text").set_value("A cat sat\nA dog lay\nStocks fell").run()
    at.text_input(key="sentences.query").set_value("A kitten slept")
    at.radio(key="sentences.metric").set_value("euclidean")
    at.slider(key="sentences.topn").set_value(2)
    at.run()
    assert not at.exception
    kept = ("sentences.preset", "sentences.text", "sentences.query", "sentences.metric", "sentences.topn")
    before = {k: at.session_state[k] for k in kept}

    def after_another_page(query_params: dict[str, str] | None = None) -> AppTest:
        # In a browser, Streamlit drops every widget value of this page while another page runs; what is
        # left is the non-widget state (and the sidebar's). Simulate that in a fresh session.
        back = AppTest.from_file(PAGE, default_timeout=120)
        for key, value in at.session_state.items():
            if not key.startswith("sentences.") or key in ("sentences.kept", "sentences.link"):
                back.session_state[key] = value
        assert all(k not in back.session_state for k in kept)
        back.query_params.update(query_params or {})
        back.run()
        assert not back.exception and not back.error
        return back

    back = after_another_page()
    assert {k: back.session_state[k] for k in kept} == before
    assert back.text_area(key="sentences.text").value == "A cat sat\nA dog lay\nStocks fell"
    assert back.radio(key="sentences.metric").value == "euclidean" and len(back.table[0].value) == 2

    linked = after_another_page({"sentences.metric": "cosine"})
    assert linked.text_input(key="sentences.query").value == "A kitten slept"
    assert linked.radio(key="sentences.metric").value == "cosine"  # a link still wins
