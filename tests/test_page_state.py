"""Declared page state: the declaration itself, and the binding that keeps values across runs, pages and links."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer import links, vectorsets
from explorer.errors import LinkError
from explorer.pagestate import Field, PageState, link_text
from explorer.vectors import WordVectors
from tests.apptest import app_test, give_vectors

SPEC = PageState(
    "demo.",
    (
        Field("demo.method", "pca", parse=links.choice(["pca", "umap"])),
        Field("demo.k", 8, parse=links.int_in(2, 40), link_when=lambda v: v["demo.method"] == "pca"),
        Field("demo.note", "", parse=links.text(50)),
        Field("demo.axis", "man", parse=links.text(50)),
        Field("demo.hidden", 3),
        Field("demo.once", 1, keep=False),
    ),
)


# ----- the declaration (no Streamlit) -------------------------------------------------------------
def test_link_parameters_follow_the_declaration() -> None:
    values = {**SPEC.defaults(), "demo.k": 12}
    assert SPEC.link_params(values) == {"demo.method": "pca", "demo.k": "12", "demo.axis": "man"}
    assert "demo.k" not in SPEC.link_params({**values, "demo.method": "umap"}), "k belongs to pca only"
    # an emptied field whose default is not empty must travel, or the link would reopen the default
    assert SPEC.link_params({**values, "demo.axis": ""})["demo.axis"] == ""


def test_parse_link_keeps_good_values_and_names_refused_ones() -> None:
    values, refused = SPEC.parse_link({"demo.method": "UMAP", "demo.k": "/etc/passwd", "demo.hidden": "9", "x": "1"})
    assert values == {"demo.method": "umap"}
    assert [key for key, _ in refused] == ["demo.k"] and "whole number" in refused[0][1]
    _, refused = SPEC.parse_link({"demo.note": "x" * 5000})
    assert refused and "characters" in refused[0][1]


def test_a_key_declared_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        PageState("x.", (Field("x.a", 1), Field("x.a", 2)))


def test_link_text_round_trips_through_the_parsers() -> None:
    assert links.float_in(0, 1)(link_text(np.float64(0.025))) == 0.025
    assert links.int_in(0, 10)(link_text(np.int64(7))) == 7
    assert links.flag()(link_text(False)) is False


def test_vector_set_ids_name_what_they_are_and_refuse_paths() -> None:
    assert vectorsets.parse_id("reference").travels
    parsed = vectorsets.parse_id(vectorsets.trained_id("glove", "builtin:mixed"))
    assert (parsed.kind, parsed.method, parsed.corpus_source, parsed.travels) == (
        "trained",
        "glove",
        "builtin:mixed",
        False,
    )
    assert vectorsets.parse_id(vectorsets.upload_id("../../etc/passwd")).kind == "upload"
    for bad in ("/etc/passwd", "trained:sgns:../x", "upload:a/b", "http://x", ""):
        with pytest.raises(LinkError):
            vectorsets.parse_id(bad)


# ----- the binding, run by AppTest ----------------------------------------------------------------------
def _bound_page() -> None:
    import streamlit as st

    from explorer import links, ui
    from explorer.pagestate import Field, PageState

    spec = PageState(
        "demo.",
        (
            Field("demo.method", "pca", parse=links.choice(["pca", "umap"])),
            Field("demo.k", 8, parse=links.int_in(2, 40)),
            Field("demo.once", 1, keep=False),
        ),
    )
    binding = ui.bind_page(spec)
    method = st.radio("Method", ["pca", "umap"], key="demo.method")
    if method == "pca":  # a widget that hides with another choice keeps its value
        st.number_input("k", 2, 40, key="demo.k")
    st.number_input("once", 1, 9, key="demo.once")
    binding.save()


def test_a_hidden_widget_keeps_its_value_and_the_link_follows() -> None:
    at = AppTest.from_function(_bound_page, default_timeout=30)
    at.run()
    at.number_input(key="demo.k").set_value(17).run()
    at.radio(key="demo.method").set_value("umap").run()
    assert "demo.k" not in [n.key for n in at.number_input], "k is hidden for umap"
    at.radio(key="demo.method").set_value("pca").run()
    assert at.number_input(key="demo.k").value == 17
    assert at.query_params["demo.k"] in ("17", ["17"]) and at.query_params["demo.method"] in ("pca", ["pca"])


def test_a_link_sets_values_once_and_a_refused_value_warns() -> None:
    at = AppTest.from_function(_bound_page, default_timeout=30)
    at.query_params.update({"demo.method": "umap", "demo.k": "999"})
    at.run()
    assert at.radio(key="demo.method").value == "umap"
    assert any("'demo.k'" in w.value and "ignored" in w.value for w in at.warning)
    at.radio(key="demo.method").set_value("pca").run()
    assert at.radio(key="demo.method").value == "pca", "the old link must not undo the visitor's change"
    assert at.number_input(key="demo.k").value == 8


def test_values_come_back_after_another_page_and_short_lived_ones_reset() -> None:
    at = AppTest.from_function(_bound_page, default_timeout=30)
    at.run()
    at.radio(key="demo.method").set_value("pca").run()
    at.number_input(key="demo.k").set_value(21).run()
    at.number_input(key="demo.once").set_value(5).run()
    # Another page ran: Streamlit has dropped this page's widget values; the kept copies remain.
    back = AppTest.from_function(_bound_page, default_timeout=30)
    for key in ("demo.kept", "demo.link", "ui.current_page", "sidebar.kept"):
        back.session_state[key] = at.session_state[key]
    back.session_state["ui.current_page"] = "elsewhere."
    back.session_state["demo.k"] = 2  # a stale value Streamlit may still hold under the widget's key
    back.run()
    assert back.number_input(key="demo.k").value == 21
    assert back.number_input(key="demo.once").value == 1


# ----- the pages: regressions of what a new user hit -------------------------------------------------
def test_restore_defaults_resets_only_the_current_method() -> None:
    at = app_test("pages/1_Train.py")
    at.run()
    at.number_input(key="train.sgns.window").set_value(9).run()
    at.number_input(key="train.sgns.vector_size").set_value(120).run()
    at.selectbox(key="train.method").set_value("cbow").run()
    at.number_input(key="train.cbow.window").set_value(3).run()
    at.selectbox(key="train.method").set_value("sgns").run()
    assert at.number_input(key="train.sgns.window").value == 9
    next(b for b in at.button if b.label == "Restore defaults").click().run()
    assert (
        at.number_input(key="train.sgns.window").value == 5
        and at.number_input(key="train.sgns.vector_size").value == 50
    )
    at.selectbox(key="train.method").set_value("cbow").run()
    assert at.number_input(key="train.cbow.window").value == 3, "other methods keep their values"


def test_a_project_link_names_its_vector_set_and_says_when_it_cannot_travel(monkeypatch) -> None:
    wv = WordVectors([f"w{i}" for i in range(40)], np.random.default_rng(0).normal(size=(40, 8)), name="ref")
    monkeypatch.setattr("explorer.cache.get_reference_vectors", lambda *a, **k: wv)
    at = app_test("pages/2_Project.py")
    at.query_params.update({"project.vectors": "trained:cbow:builtin:mixed", "project.n_words": "30"})
    at.run()
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "trained with CBOW (negative sampling) on Mixed" in warning and "cannot travel" in warning
    assert at.selectbox(key="project.vectors").value == "reference"
    assert at.query_params["project.vectors"] in ("reference", ["reference"]), "the link now names what is shown"

    own = app_test("pages/2_Project.py")
    give_vectors(own, {"Uploaded: mine.txt": wv})
    own.run()
    assert own.query_params["project.vectors"] in ("Uploaded: mine.txt", ["Uploaded: mine.txt"])


def test_the_sentence_picker_follows_the_preset(monkeypatch, tiny_bert_dir) -> None:
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    at = app_test("pages/4_Context.py", timeout=180)
    at.run()
    picker = at.selectbox(key="context.visible_occurrence")
    assert "bank" in picker.value and all("bank" in o for o in picker.options)
    at.selectbox(key="context.preset").set_value("charge").run()
    picker = at.selectbox(key="context.visible_occurrence")
    assert "charge" in picker.value and all("charge" in o for o in picker.options)
