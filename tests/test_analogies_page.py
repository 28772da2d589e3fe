"""AppTest of the Analogies page with a small hand-built vector set (no transformer is loaded)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer import evaluation
from explorer.vectors import WordVectors
from tests.apptest import app_test, give_vectors

PAGE = "pages/3_Analogies.py"
LABEL = "Hand-built"


def _world_vectors() -> WordVectors:
    """Vectors for the words of the built-in world analogy file: each section a noisy shared offset."""
    rng = np.random.default_rng(0)
    dim = 24
    vecs: dict[str, np.ndarray] = {}
    for _, questions in evaluation.read_analogies(evaluation.builtin_path("world")).sections:
        offset = rng.normal(size=dim) * 1.5
        for a, b, c, d in questions:
            for x, y in ((a, b), (c, d)):
                vecs.setdefault(x, rng.normal(size=dim))
                vecs.setdefault(y, vecs[x] + offset + rng.normal(size=dim) * 0.3)
    for w in ("throne", "palace", "city", "town", "village", "country", "nation"):
        vecs.setdefault(w, rng.normal(size=dim))
    keys = list(vecs)
    return WordVectors(keys, np.array([vecs[k] for k in keys], dtype=np.float32), name=LABEL)


@pytest.fixture()
def page(monkeypatch):
    def no_reference(*args, **kwargs):  # the test never needs the transformer
        raise AssertionError("the reference vectors should not be loaded in this test")

    monkeypatch.setattr("explorer.cache.get_reference_vectors", no_reference)
    at = app_test(PAGE)
    give_vectors(at, {LABEL: _world_vectors()})
    at.run()
    assert not at.exception, at.exception
    return at


def _errors(at) -> list[str]:
    return [e.value for e in at.error]


def _answers(at) -> list[str]:
    return list(at.dataframe[0].value["word"])


def test_first_view_answers_the_first_example_the_vectors_know(page) -> None:
    first = evaluation.opening_example(_world_vectors(), evaluation.load_presets())
    assert page.selectbox(key="analogy.a").value == first.a and page.selectbox(key="analogy.c").value == first.c
    assert not _errors(page) and _answers(page)[0] == first.expected  # the first view is a success
    assert page.query_params["analogy.a"] == first.a  # the opening question travels in the link too
    # Cleared words stay cleared (no refill on the next run), and the page asks for them.
    page.selectbox(key="analogy.a").set_value(None).run()
    assert not page.exception and page.selectbox(key="analogy.a").value is None
    assert any("three words" in i.value for i in page.info)


def test_first_view_asks_for_words_when_no_example_fits(monkeypatch) -> None:
    odd = WordVectors(["alpha", "beta", "gamma"], np.eye(3, dtype=np.float32), name="Odd")
    monkeypatch.setattr("explorer.cache.get_reference_vectors", lambda *a, **k: odd)
    at = app_test(PAGE)
    give_vectors(at, {"Odd": odd})
    at.run()
    assert not at.exception and not _errors(at)
    assert any("three words" in i.value for i in at.info)


def test_query_shows_answers_rank_consistency_and_picture(page) -> None:
    at = page
    for key, word in zip(("a", "b", "c"), ("man", "woman", "king"), strict=True):
        at.selectbox(key=f"analogy.{key}").set_value(word)
    at.selectbox(key="analogy.expected").set_value("queen")
    at.run()
    assert not at.exception and not _errors(at), _errors(at)
    answers = _answers(at)
    assert answers[0] == "queen" and len(answers) == 10
    assert not {"man", "woman", "king"} & set(answers)
    metrics = {m.label: m for m in at.metric}
    assert metrics["Rank of “queen”"].value == "#1"
    consistency = float(metrics["Relation consistency (b − a vs queen − c)"].value)
    assert consistency > 0.5
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(figs) == 2
    picture = figs[1]
    notes = picture["layout"]["annotations"]
    assert sum(n.get("text") == "" for n in notes) == 2  # the two offset arrows
    assert {"man (a)", "king (c)", "queen (d)"} <= {n.get("text") for n in notes}  # and the words, placed apart
    # 3CosMul, top 3, no exclusion: the link follows the widgets.
    at.radio(key="analogy.method").set_value("3cosmul")
    at.slider(key="analogy.topn").set_value(3)
    at.toggle(key="analogy.exclude").set_value(False)
    at.run()
    assert not at.exception and len(_answers(at)) == 3
    assert at.query_params["analogy.method"] == "3cosmul"
    assert at.query_params["analogy.a"] == "man" and at.query_params["analogy.exclude"] == "0"


def test_preset_fills_the_words(page) -> None:
    at = page
    at.selectbox(key="analogy.preset").set_value("paris : france :: berlin : ?").run()
    assert not at.exception
    assert at.selectbox(key="analogy.c").value == "berlin"
    assert _answers(at)[0] == "germany"


def _fresh(monkeypatch, **state):
    monkeypatch.setattr("explorer.cache.get_reference_vectors", lambda *a, **k: _world_vectors())
    at = app_test(PAGE)
    give_vectors(at, {LABEL: _world_vectors()})
    for key, value in state.items():
        at.session_state[f"analogy.{key}"] = value
    return at


def test_unknown_word_suggests_spellings(monkeypatch) -> None:
    # A typed word outside the vocabulary (AppTest cannot type a new option, so it starts in the state).
    at = _fresh(monkeypatch, a="man", b="wommann", c="king")
    at.run()
    assert not at.exception
    assert any("'wommann'" in e and "Did you mean 'woman'" in e for e in _errors(at)), _errors(at)


def test_capitalised_words_are_answered_in_the_vocabulary_spelling(monkeypatch) -> None:
    at = _fresh(monkeypatch, a="Man", b="WOMAN ", c="King")
    at.run()
    assert not at.exception and not _errors(at), _errors(at)
    assert _answers(at)[0] == "queen"
    assert any("'king' is used instead" in w.value for w in at.warning)


def test_preset_that_does_not_fit_the_vector_set_names_the_sets_it_suits(page) -> None:
    at = page
    preset = next(p for p in evaluation.load_presets() if p.a not in _world_vectors())
    at.selectbox(key="analogy.preset").set_value(preset.label).run()
    assert not at.exception
    assert any(f"'{preset.a}'" in e for e in _errors(at)), _errors(at)
    assert any(preset.fits in c.value for c in at.caption)


def test_repeated_words_warn(page) -> None:
    at = page
    for key, word in zip(("a", "b", "c"), ("man", "man", "king"), strict=True):
        at.selectbox(key=f"analogy.{key}").set_value(word)
    at.run()
    assert not at.exception and not _errors(at)
    assert any("used twice" in w.value for w in at.warning)
    assert _answers(at)


def test_link_restores_the_question(monkeypatch) -> None:
    at = _fresh(monkeypatch)
    for key, value in {"a": "france", "b": "paris", "c": "germany", "method": "3cosmul", "topn": "4"}.items():
        at.query_params[f"analogy.{key}"] = value
    at.query_params["analogy.exclude"] = "maybe"
    at.run()
    assert not at.exception
    assert _answers(at)[0] == "berlin" and len(_answers(at)) == 4
    assert at.radio(key="analogy.method").value == "3cosmul"
    assert any("analogy.exclude" in w.value for w in at.warning)  # a bad value is refused, not fatal


def test_batch_evaluation_shows_per_section_table(page) -> None:
    at = page
    at.button(key="analogy.evaluate").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    table = at.dataframe[-1].value
    sections = [s for s, _ in evaluation.read_analogies(evaluation.builtin_path("world")).sections]
    assert list(table["section"]) == [*sections, "all sections"]
    assert {"3CosAdd", "3CosMul", "evaluated", "skipped"} <= set(table.columns)
    assert table["3CosAdd"].iloc[-1] > 0.5
    labels = {m.label for m in at.metric}
    assert {"3CosAdd accuracy", "3CosMul accuracy", "Questions skipped"} <= labels
    bars = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert [t["name"] for t in bars["data"]] == ["3CosAdd", "3CosMul"]


def test_batch_word_pairs(page) -> None:
    at = page
    at.radio(key="analogy.batch_kind").set_value("pairs").run()
    at.button(key="analogy.evaluate").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    labels = {m.label: m.value for m in at.metric}
    assert "Spearman ρ" in labels and -1 <= float(labels["Spearman ρ"]) <= 1
    assert int(labels["Pairs used"]) >= 3


def test_example_box_lets_go_of_an_example_once_another_question_is_asked(page) -> None:
    at = page
    at.selectbox(key="analogy.preset").set_value("paris : france :: berlin : ?").run()
    assert at.selectbox(key="analogy.preset").value == "paris : france :: berlin : ?"
    at.selectbox(key="analogy.a").set_value("man").run()
    assert not at.exception
    assert at.selectbox(key="analogy.preset").value is None, "the box no longer shows the old question"
    assert at.selectbox(key="analogy.a").value == "man" and at.selectbox(key="analogy.c").value == "berlin"


def test_an_uploaded_test_file_survives_switching_the_kind_back_and_forth(page) -> None:
    at = page
    text = evaluation.builtin_path("world").read_bytes()
    at.selectbox(key="analogy.batch_file_analogies").set_value("upload").run()
    at.get("file_uploader")[0].set_value(("mine.txt", text, "text/plain")).run()
    assert not at.exception
    at.radio(key="analogy.batch_kind").set_value("pairs").run()
    at.radio(key="analogy.batch_kind").set_value("analogies").run()
    assert not at.exception
    assert any("mine.txt" in c.value and "uploaded earlier" in c.value for c in at.caption)
    assert not any("Upload a file to evaluate it" in i.value for i in at.info)
    at.button(key="analogy.evaluate").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    assert "3CosAdd accuracy" in {m.label for m in at.metric}
