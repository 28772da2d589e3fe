"""AppTest of the Compare page's "align by a dictionary" mode: two sets with no word in common."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from explorer.vectors import WordVectors
from tests.apptest import app_test, give_vectors

PAGE = "pages/6_Compare.py"
ID_A, ID_B = "upload:english.txt", "upload:italian.txt"
N, DIM = 120, 16


def _languages(noise: float = 0.05) -> tuple[WordVectors, WordVectors]:
    """A: words en0..; B: words it0.. (none shared), B's rows A's rotated with a little noise."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, DIM)).astype(np.float32)
    rotation = np.linalg.qr(rng.normal(size=(DIM, DIM)))[0]
    y = (x @ rotation + noise * rng.normal(size=x.shape)).astype(np.float32)
    counts = np.arange(2 * N, N, -1)
    a = WordVectors([f"en{i}" for i in range(N)], x, counts=counts, name="english")
    b = WordVectors([f"it{i}" for i in range(N)], y, counts=counts, name="italian")
    return a, b


def _typed(n: int = 100) -> str:
    return "\n".join(f"en{i}\tit{i}" for i in range(n))


@pytest.fixture()
def no_reference(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the reference vectors should not be loaded in this test")

    monkeypatch.setattr("explorer.cache.get_reference_vectors", refuse)


def _page(**state: object):
    at = app_test(PAGE)
    give_vectors(at, {ID_A: _languages()[0], ID_B: _languages()[1]}, active=ID_A)
    at.session_state["compare.b"] = ID_B
    at.session_state["compare.align"] = "dictionary"
    for key, value in state.items():
        at.session_state[f"compare.{key}"] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(elements) -> str:
    return "\n".join(e.value for e in elements)


class _Upload(io.BytesIO):
    """What a file uploader hands the page: bytes with a name and a size."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name, self.size = name, len(data)


def test_shared_words_mode_cannot_align_languages_and_the_dictionary_can(no_reference) -> None:
    at = _page(align="shared")
    assert "share no words" in _texts(at.error)
    at.radio(key="compare.align").set_value("dictionary").run()
    assert not at.exception and not at.error
    assert "Upload a file of word pairs or type some pairs" in _texts(at.info)
    at.text_area(key="compare.pairs_text").set_value(_typed()).run()
    assert not at.exception and not at.error
    assert len(at.dataframe) == 5, "precision, translations, most changed, most stable, neighbours"
    precision = at.dataframe[0].value
    assert list(precision["retrieval"]) == ["CSLS", "cosine"]
    assert list(precision["precision@1"]) == [1.0, 1.0] and list(precision["held-out words"]) == [20, 20]
    columns = json.loads(at.dataframe[0].proto.columns)  # precision reads as a percentage, not "1" or "0"
    assert all(columns[f"precision@{n}"]["type_config"]["format"] == "percent" for n in (1, 5)), columns
    translations = at.dataframe[1].value
    held = translations["CSLS"].iloc[0]
    assert held.startswith("it") and translations["in the dictionary"].iloc[0] == "CSLS, cosine"
    markdown = _texts(at.markdown)
    assert "**80** words of A trained the rotation" in markdown and "**20** were held out" in markdown
    assert "**100** dictionary pairs one to one (20 other words in A, 20 in B)" in markdown
    assert "translated into all 120 words of B" in _texts(at.caption)


def test_the_map_joins_pairs_and_the_tables_name_both_words(no_reference) -> None:
    at = _page(pairs_text=_typed(), n_words=30)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name") for t in figure["data"]]
    assert names[:3] == ["A", "B", "dictionary pair"]
    assert figure["data"][1]["hovertext"][0].startswith("it0 (B")
    assert len(figure["data"][2]["x"]) == 3 * len(figure["data"][0]["x"]), "a line for every pair on the map"
    changed = at.dataframe[2].value
    assert {"word", "B word", "held out"} <= set(changed.columns)
    assert all(b == "it" + a[2:] for a, b in zip(changed["word"], changed["B word"], strict=True))
    assert changed["held out"].sum() >= 1
    neighbours = at.dataframe[4].value
    assert neighbours["B neighbour"].str.startswith("it").all() and neighbours["A neighbour"].str.startswith("en").all()


def test_translating_a_typed_word(no_reference) -> None:
    at = _page(pairs_text=_typed(50))
    at.text_input(key="compare.translate").set_value("en110").run()  # a word no pair mentions
    assert not at.exception
    translations = at.dataframe[1].value
    assert translations["CSLS"].iloc[0] == "it110" and translations["cosine"].iloc[0] == "it110"
    assert "**en110** is not in the dictionary" in _texts(at.markdown)
    at.text_input(key="compare.translate").set_value("it3").run()
    assert "Translations are looked up for words of set A" in _texts(at.error)


def test_holdout_and_seed_change_the_split(no_reference) -> None:
    at = _page(pairs_text=_typed(), holdout=0.5, dict_seed=4)
    assert at.dataframe[0].value["held-out words"].iloc[0] == 50
    first = at.dataframe[1].value
    at.number_input(key="compare.dict_seed").set_value(5).run()
    assert not at.exception and not at.dataframe[1].value.equals(first), "another held-out word is translated first"
    at.slider(key="compare.holdout").set_value(0.0).run()
    assert "no precision to report" in _texts(at.warning)
    assert at.dataframe[0].value["precision@1"].isna().all()


def test_bad_dictionaries_get_messages(no_reference) -> None:
    at = _page(pairs_text="cat gatto\ndog cane\n")
    assert "None of the 2 dictionary pairs has its first word in 'english'" in _texts(at.error)
    at = _page(pairs_text=_typed(30) + "\nthree words here\nlonely\n")
    assert "2 lines of the typed pairs are not a pair of words (lines 31, 32)" in _texts(at.warning)
    assert len(at.dataframe) >= 4, "the good pairs are used"
    at = _page(pairs_text="en1 it1\n")
    assert "Too few pairs to align" in _texts(at.error)


def test_an_uploaded_dictionary_is_read_and_a_binary_one_refused(no_reference) -> None:
    at = _page(**{"pairs_file.kept": _Upload(_typed().encode(), "en-it.txt")})
    assert not at.error and at.dataframe[0].value["held-out words"].iloc[0] == 20
    assert "Using **en-it.txt**" in _texts(at.caption)
    at = _page(**{"pairs_file.kept": _Upload(b"\x89PNG\r\n\x1a\n\x00\x00", "pairs.txt")})
    assert "pairs.txt looks like a PNG image, not a list of word pairs" in _texts(at.error)


def test_dictionary_mode_travels_in_a_link(no_reference) -> None:
    at = _page(pairs_text=_typed(), holdout=0.3, dict_seed=2, translate="en5")
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert params["compare.align"] == "dictionary" and params["compare.holdout"] == "0.3"
    assert params["compare.dict_seed"] == "2" and params["compare.translate"] == "en5"
    assert "compare.pairs_text" not in params
    shared = _page(align="shared")
    assert "compare.holdout" not in {k for k in shared.query_params}
