"""WordVectors: container behaviour, neighbours, and analogies on hand-built geometry."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import evaluation
from explorer.vectors import UnknownWordError, VectorsError, WordVectors

# Axes: 0 royalty, 1 gender (+ male / - female), 2 person, 3 fruit, 4 noise-ish.
GEOMETRY = {
    "king": [1.0, 1.0, 1.0, 0.0, 0.1],
    "queen": [1.0, -1.0, 1.0, 0.0, 0.1],
    "man": [0.0, 1.0, 1.0, 0.0, -0.1],
    "woman": [0.0, -1.0, 1.0, 0.0, -0.1],
    "prince": [0.9, 1.0, 0.8, 0.0, 0.4],
    "apple": [0.0, 0.0, 0.0, 1.0, 0.0],
    "banana": [0.0, 0.1, 0.0, 1.0, 0.2],
    "throne": [1.0, 0.0, 0.2, 0.0, 0.0],
}


@pytest.fixture()
def royal() -> WordVectors:
    return WordVectors(list(GEOMETRY), np.array(list(GEOMETRY.values()), dtype=np.float32), name="royal")


def _keyed(wv: WordVectors):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=wv.vector_size)
    kv.add_vectors(list(wv.keys), np.asarray(wv.vectors))
    return kv


# ----- container ---------------------------------------------------------------------------------
def test_container_basics(royal: WordVectors) -> None:
    assert len(royal) == 8 and royal.vector_size == 5
    assert "king" in royal and "emperor" not in royal
    assert not royal.vectors.flags.writeable and not royal.unit_vectors.flags.writeable
    np.testing.assert_allclose(np.linalg.norm(royal.unit_vectors, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(royal["queen"], royal.get_vector("queen"))
    assert royal.top(3).keys == ("king", "queen", "man")
    assert royal.subset(["apple", "nope", "king", "apple"]).keys == ("apple", "king")
    assert royal.similarity("king", "queen") == pytest.approx(royal.similarity("queen", "king"))
    assert royal.notices == ()


def test_unknown_words_are_key_errors_with_suggestions(royal: WordVectors) -> None:
    with pytest.raises(UnknownWordError) as info:
        royal.get_vector("quen")
    assert isinstance(info.value, KeyError) and isinstance(info.value, VectorsError)
    assert "'queen'" in str(info.value) and "Did you mean" in str(info.value)
    with pytest.raises(KeyError):
        royal.most_similar("kingg")


def test_constructor_rejects_bad_input() -> None:
    with pytest.raises(VectorsError, match="appears twice"):
        WordVectors(["a", "a"], np.eye(2))
    with pytest.raises(VectorsError, match="2 words but 3 vector rows"):
        WordVectors(["a", "b"], np.eye(3))
    with pytest.raises(VectorsError, match="2-D"):
        WordVectors(["a"], np.ones(3))


def test_most_similar_excludes_query_and_matches_gensim(royal: WordVectors) -> None:
    ours = royal.most_similar(positive=["king", "woman"], negative=["man"], topn=4)
    theirs = _keyed(royal).most_similar(positive=["king", "woman"], negative=["man"], topn=4)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    assert not {"king", "woman", "man"} & {w for w, _ in ours}


# ----- analogies ---------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_king_queen_man_woman(royal: WordVectors, method: str) -> None:
    # king : queen :: man : ?  ->  woman ; and the mirrored forms
    assert royal.analogy("king", "queen", "man", method=method)[0][0] == "woman"
    assert royal.analogy("man", "woman", "king", method=method)[0][0] == "queen"
    assert royal.analogy("queen", "king", "woman", method=method)[0][0] == "man"
    answers = royal.analogy("man", "woman", "king", method=method, topn=3)
    scores = [s for _, s in answers]
    assert scores == sorted(scores, reverse=True) and len(answers) == 3
    assert not {"man", "woman", "king"} & {w for w, _ in answers}


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_exclusion_off_lets_an_input_win(method: str) -> None:
    # The offset from a to b is tiny, so b - a + c is essentially c: with exclusion off, c wins.
    wv = WordVectors(
        ["cat", "cats", "dog", "dogs", "car"],
        np.array([[1, 0, 0], [1, 0.02, 0], [0, 1, 0], [0.05, 1, 0.3], [0, 0, 1]], dtype=np.float32),
    )
    off = wv.analogy("cat", "cats", "dog", method=method, exclude_inputs=False, topn=5)
    on = wv.analogy("cat", "cats", "dog", method=method, exclude_inputs=True, topn=5)
    assert off[0][0] == "dog"
    assert on[0][0] == "dogs"
    assert len(off) == 5 and len(on) == 2  # only two non-input words exist
    assert not {"cat", "cats", "dog"} & {w for w, _ in on}
    # Removing the inputs from the unrestricted list gives the restricted one.
    assert [w for w, _ in off if w not in {"cat", "cats", "dog"}] == [w for w, _ in on]


def test_equivalent_call_forms_agree(royal: WordVectors) -> None:
    a, b, c = "man", "woman", "king"
    ours = royal.analogy(a, b, c, topn=5)
    via_most_similar = royal.most_similar(positive=[b, c], negative=[a], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in via_most_similar]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in via_most_similar], atol=1e-6)
    assert royal.analogy(a, b, c, method="3CosAdd") == ours  # method names are case-insensitive
    # 3CosMul with gensim's epsilon ranks and scores exactly as most_similar_cosmul.
    mul = royal.analogy(a, b, c, method="3cosmul", topn=5, epsilon=1e-6)
    theirs = _keyed(royal).most_similar_cosmul(positive=[b, c], negative=[a], topn=5)
    assert [w for w, _ in mul] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in mul], [s for _, s in theirs], rtol=1e-4)


def test_analogy_scores_and_restrict_vocab(royal: WordVectors) -> None:
    scores = royal.analogy_scores("man", "woman", "king")
    assert scores.shape == (len(royal),)
    assert np.all(scores <= 1 + 1e-6) and np.all(scores >= -1 - 1e-6)
    restricted = royal.analogy("man", "woman", "king", restrict_vocab=3, topn=5)
    assert {w for w, _ in restricted} <= {"king", "queen", "man"} - {"king", "man"}
    assert royal.analogy("man", "woman", "king", topn=0) == []
    mul = royal.analogy_scores("man", "woman", "king", method="3cosmul")
    assert np.all(mul >= 0)


def test_answer_rank(royal: WordVectors) -> None:
    ranked = royal.analogy("man", "woman", "king", topn=10)
    for pos, (word, score) in enumerate(ranked, start=1):
        r = evaluation.answer_rank(royal, "man", "woman", "king", word)
        assert r.rank == pos and r.score == pytest.approx(score)
        assert r.candidates == len(royal) - 3
    with pytest.raises(VectorsError, match="exclude input words"):
        evaluation.answer_rank(royal, "man", "woman", "king", "man")
    assert evaluation.answer_rank(royal, "man", "woman", "king", "man", exclude_inputs=False).rank >= 1
    with pytest.raises(UnknownWordError):
        evaluation.answer_rank(royal, "man", "woman", "king", "empress")


def test_relation_consistency(royal: WordVectors) -> None:
    parallel = royal.relation_consistency("man", "woman", "king", "queen")
    unrelated = royal.relation_consistency("man", "woman", "apple", "banana")
    assert parallel > 0.9
    assert abs(unrelated) < parallel - 0.5
    assert royal.relation_consistency("man", "woman", "queen", "king") < -0.9  # the reverse relation
    with pytest.raises(VectorsError, match="no offset"):
        royal.relation_consistency("man", "man", "king", "queen")


def test_bad_analogy_input(royal: WordVectors) -> None:
    with pytest.raises(VectorsError, match="empty"):
        royal.analogy("", "queen", "man")
    with pytest.raises(VectorsError, match="empty"):
        royal.analogy("king", "   ", "man")
    with pytest.raises(UnknownWordError, match="Did you mean 'queen'"):
        royal.analogy("king", "queeen", "man")
    with pytest.raises(VectorsError, match="Unknown analogy method"):
        royal.analogy("king", "queen", "man", method="pairdirection")
    notices = evaluation.check_analogy_words(royal, ["king", "king", "man"])
    assert len(notices) == 1 and "twice" in notices[0]
    assert evaluation.check_analogy_words(royal, ["king", "queen", "man", "woman"]) == []
    with pytest.raises(UnknownWordError):
        evaluation.check_analogy_words(royal, ["king", "queen", "man", "wommann"])
