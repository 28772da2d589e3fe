"""Contextual vectors with a tiny random BERT built offline (tests/conftest.py: ``tiny_bert_dir``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.contextual import (
    ContextError,
    ContextualEmbedder,
    ModelLoadError,
    cosine_matrix,
    find_spans,
    load_presets,
    matrix_csv,
    off_diagonal,
    parse_sentence_lines,
    project_2d,
    sample_sentences,
    sense_separation,
    separation_by_layer,
    static_matrix,
    suggest_groups,
)


@pytest.fixture(scope="module")
def emb(tiny_bert_dir) -> ContextualEmbedder:
    return ContextualEmbedder.load(str(tiny_bert_dir), device="cpu")


def _hidden_states(emb: ContextualEmbedder, sentence: str) -> tuple[list[str], tuple[torch.Tensor, ...]]:
    """Tokens and hidden states of one sentence, straight from the model (no padding)."""
    enc = emb.tokenizer(sentence, return_tensors="pt")
    with torch.inference_mode():
        out = emb.model(**enc, output_hidden_states=True)
    return emb.tokenizer.convert_ids_to_tokens(enc["input_ids"][0]), out.hidden_states


def test_loaded_attributes(emb):
    assert emb.num_layers == 2
    assert emb.hidden_size == 32
    assert emb.max_length == 64
    assert not emb.is_causal
    assert emb.device == torch.device("cpu")
    assert emb.tokenizer.is_fast


def test_shapes_dtype_and_read_only(emb):
    sentences = ["The bank lent money.", "We sat on the river bank.", "A cat sat."]
    occ = emb.occurrences(sentences, "bank")
    assert occ.vectors.shape == (2, emb.hidden_size)
    assert occ.vectors.dtype == np.float32
    assert not occ.vectors.flags.writeable
    assert occ.layer == emb.num_layers
    assert occ.sentence_index == (0, 1)
    assert occ.missing == (2,)
    assert occ.sentences == (sentences[0], sentences[1])
    stack = emb.all_layers(sentences, "bank")
    assert stack.vectors.shape == (emb.num_layers + 1, 2, emb.hidden_size)
    for layer in range(emb.num_layers + 1):
        np.testing.assert_allclose(
            stack.at(layer).vectors, emb.occurrences(sentences, "bank", layer=layer).vectors, atol=1e-5
        )


def test_vectors_match_a_plain_forward_pass(emb):
    sentence = "The bank lent money to my bank."
    tokens, hidden = _hidden_states(emb, sentence)
    positions = [i for i, t in enumerate(tokens) if t == "bank"]
    occ = emb.occurrences(
        [sentence, "a much longer sentence about the river and the water and the dog"], "bank", layer=1
    )
    np.testing.assert_allclose(occ.vectors, hidden[1][0, positions].numpy(), atol=1e-5)


def test_multi_piece_word_pooling(emb):
    sentence = "The banking fee was charged."
    assert emb.word_pieces("banking") == ["bank", "##ing"]
    tokens, hidden = _hidden_states(emb, sentence)
    start = tokens.index("bank")
    assert tokens[start + 1] == "##ing"
    last = hidden[-1][0]
    mean = emb.occurrences([sentence], "banking", pooling="mean").vectors[0]
    first = emb.occurrences([sentence], "banking", pooling="first").vectors[0]
    final = emb.occurrences([sentence], "banking", pooling="last").vectors[0]
    np.testing.assert_allclose(mean, last[start : start + 2].mean(0).numpy(), atol=1e-5)
    np.testing.assert_allclose(first, last[start].numpy(), atol=1e-5)
    np.testing.assert_allclose(final, last[start + 1].numpy(), atol=1e-5)
    assert np.abs(first - final).max() > 1e-3
    assert np.abs(mean - first).max() > 1e-4 and np.abs(mean - final).max() > 1e-4


def test_every_occurrence_in_a_sentence_counts(emb):
    sentence = "The bank by the bank and the bank."
    occ = emb.occurrences([sentence], "bank")
    assert len(occ) == 3
    assert occ.sentence_index == (0, 0, 0)
    assert [sentence[a:b] for a, b in occ.spans] == ["bank"] * 3
    assert occ.spans == tuple(find_spans(sentence, "bank"))
    # Same word, different positions: different contextual vectors.
    assert np.abs(occ.vectors[0] - occ.vectors[1]).max() > 1e-4


def test_whole_word_matching(emb):
    sentences = ["My houseplant is green.", "The house is red.", "A house plant, a house-plant."]
    occ = emb.occurrences(sentences, "house")
    assert occ.missing == (0,)
    assert occ.sentence_index == (1, 2, 2)
    assert find_spans("houses and a greenhouse", "house") == []


def test_case_insensitive(emb):
    sentences = ["The BANK opened.", "Bank holidays.", "the bank"]
    occ = emb.occurrences(sentences, "Bank")
    assert occ.sentence_index == (0, 1, 2)
    assert [s[a:b].lower() for s, (a, b) in zip(occ.sentences, occ.spans, strict=True)] == ["bank"] * 3
    # An uncased model gives the same tokens, hence the same vector, whatever the case.
    pair = emb.occurrences(["the BANK lent money", "the bank lent money"], "bank")
    np.testing.assert_allclose(pair.vectors[0], pair.vectors[1], atol=1e-5)


def test_long_sentence_is_windowed_not_lost(emb):
    filler = "the cat sat on the box and the dog sat in the water " * 12
    long_sentence = filler + "my bank account " + filler + "the river bank"
    assert len(emb.tokenizer(long_sentence)["input_ids"]) > 3 * emb.max_length
    occ = emb.occurrences(["the bank lent money", long_sentence], "bank")
    assert occ.truncated == (1,)
    assert occ.sentence_index == (0, 1, 1)
    assert [long_sentence[a:b] for a, b in occ.spans[1:]] == ["bank", "bank"]
    assert np.isfinite(occ.vectors).all()
    # The window's vector is the vector of the occurrence inside a sentence that fits.
    assert np.abs(occ.vectors[1] - occ.vectors[2]).max() > 1e-4
    vis = emb.visibility(long_sentence, "bank", occurrence=1)
    assert len(vis.tokens) <= emb.max_length
    assert [vis.tokens[i] for i in vis.target] == ["bank"]


def test_batch_size_and_padding_do_not_change_vectors(emb):
    sentences = ["bank", "the bank of the river and the water by the bank", "a bank loan", "my bank"]
    one = emb.occurrences(sentences, "bank", batch_size=1).vectors
    many = emb.occurrences(sentences, "bank", batch_size=32).vectors
    np.testing.assert_allclose(one, many, atol=1e-5)


def test_layer_bounds(emb):
    sentences = ["the bank", "a bank"]
    assert emb.occurrences(sentences, "bank", layer=0).layer == 0
    assert emb.occurrences(sentences, "bank", layer=-1).layer == emb.num_layers
    assert emb.occurrences(sentences, "bank", layer=-(emb.num_layers + 1)).layer == 0
    for bad in (emb.num_layers + 1, -(emb.num_layers + 2)):
        with pytest.raises(ContextError, match="does not exist"):
            emb.occurrences(sentences, "bank", layer=bad)
    with pytest.raises(ContextError):
        emb.all_layers(sentences, "bank").at(emb.num_layers + 1)


def test_layer_zero_is_the_embedding_output(emb):
    enc = emb.tokenizer("the bank", return_tensors="pt")
    with torch.inference_mode():
        expected = emb.model.embeddings(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"])[0, 2]
    np.testing.assert_allclose(emb.occurrences(["the bank"], "bank", layer=0).vectors[0], expected.numpy(), atol=1e-5)


def test_bad_inputs(emb):
    with pytest.raises(ContextError, match="word"):
        emb.occurrences(["the bank"], "  ")
    with pytest.raises(ContextError, match="sentence"):
        emb.occurrences([], "bank")
    with pytest.raises(ContextError, match="pooling"):
        emb.occurrences(["the bank"], "bank", pooling="max")  # type: ignore[arg-type]
    with pytest.raises(ContextError, match="does not occur"):
        emb.visibility("a cat", "bank")
    absent = emb.occurrences(["a cat", "a dog"], "bank")
    assert len(absent) == 0 and absent.vectors.shape == (0, emb.hidden_size) and absent.missing == (0, 1)


def test_static_vectors_hold_only_whole_words(emb):
    wv = emb.static_vectors()
    assert "bank" in wv and "houseplant" in wv
    assert all(k.isalpha() for k in wv.keys)
    assert not any(k.startswith("##") or k.startswith("[") for k in wv.keys)
    table = emb.model.get_input_embeddings().weight.detach().numpy()
    vocab = emb.tokenizer.get_vocab()
    np.testing.assert_allclose(wv["bank"], table[vocab["bank"]], atol=1e-6)
    ids = [vocab[k] for k in wv.keys]
    assert ids == sorted(ids)
    assert len(emb.static_vectors(max_words=5)) == 5


def test_static_vector_is_the_embedding_row(emb):
    table = emb.model.get_input_embeddings().weight.detach().numpy()
    vocab = emb.tokenizer.get_vocab()
    np.testing.assert_allclose(emb.static_vector("BANK"), table[vocab["bank"]], atol=1e-6)
    np.testing.assert_allclose(emb.static_vector("banking"), table[[vocab["bank"], vocab["##ing"]]].mean(0), atol=1e-6)
    assert static_matrix(emb.static_vector("bank"), 4).min() == pytest.approx(1.0)


def test_cosine_matrix_symmetric_with_unit_diagonal():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 8)) + 3.0  # a shared offset: every raw cosine is high
    m = cosine_matrix(x)
    assert m.shape == (6, 6)
    np.testing.assert_allclose(m, m.T)
    np.testing.assert_allclose(np.diag(m), 1.0)
    assert (m <= 1.0).all() and (m >= -1.0).all()
    centered = cosine_matrix(x, center=True)
    np.testing.assert_allclose(np.diag(centered), 1.0)
    np.testing.assert_allclose(centered, centered.T)
    assert off_diagonal(centered).mean() < off_diagonal(m).mean() - 0.3
    assert np.abs(centered - m).max() > 0.1


def test_cosine_matrix_of_real_occurrences(emb):
    occ = emb.occurrences(["the bank lent money", "the river bank", "my bank card", "a bank"], "bank")
    m = cosine_matrix(occ.vectors)
    np.testing.assert_allclose(m, m.T, atol=1e-12)
    np.testing.assert_allclose(np.diag(m), 1.0)
    assert not np.allclose(cosine_matrix(occ.vectors, center=True), m)


def test_sense_separation_and_layers():
    m = np.array([[1, 0.9, 0.1, 0.2], [0.9, 1, 0.3, 0.0], [0.1, 0.3, 1, 0.8], [0.2, 0.0, 0.8, 1]])
    same, cross, score = sense_separation(m, ["a", "a", "b", "b"])
    assert same == pytest.approx(0.85) and cross == pytest.approx(0.15) and score == pytest.approx(0.7)
    assert np.isnan(sense_separation(m, ["a", "a", "a", "a"]).cross)
    with pytest.raises(ContextError):
        sense_separation(m, ["a", "b"])
    rng = np.random.default_rng(1)
    stack = rng.normal(size=(3, 4, 5))
    assert len(separation_by_layer(stack, ["a", "a", "b", "b"])) == 3


def test_suggest_groups_finds_blocks():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=8), rng.normal(size=8)
    x = np.vstack([a + 0.05 * rng.normal(size=8) for _ in range(4)] + [b + 0.05 * rng.normal(size=8) for _ in range(3)])
    groups = suggest_groups(cosine_matrix(x))
    assert len(set(groups[:4])) == 1 and len(set(groups[4:])) == 1 and groups[0] != groups[4]
    assert list(suggest_groups(np.eye(2))) == [0, 0]


def test_project_2d():
    rng = np.random.default_rng(3)
    coords, share = project_2d(rng.normal(size=(5, 7)))
    assert coords.shape == (5, 2) and 0 < share.sum() <= 1.0 + 1e-9 and share[0] >= share[1]
    assert project_2d(np.zeros((0, 3)))[0].shape == (0, 2)


def test_project_2d_keeps_an_axis_without_spread_at_zero():
    # Repeated sentences give repeated vectors: the second axis holds only rounding noise, which a
    # chart would print as "1.5f" (femto) ticks; it must come back as exact zeros.
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(2, 16)).astype(np.float32)
    coords, share = project_2d(np.stack([a] * 5 + [b] * 5))
    assert np.all(coords[:, 1] == 0) and share[1] == 0
    assert share[0] == pytest.approx(1.0) and abs(coords[0, 0] - coords[5, 0]) > 1


def test_occurrence_labels_keep_punctuation_attached():
    from explorer.charts.context import occurrence_labels, short_label

    assert short_label("2", "We sat on the river bank.", (20, 24)) == "#2 …river bank."
    assert short_label("3", "Money in the bank, then home.", (13, 17)) == "#3 …the bank, then…"
    labels = occurrence_labels([0, 0], ["bank by the bank"] * 2, [(0, 4), (12, 16)])
    assert labels == ["#1a bank by the…", "#1b …the bank"]


def test_visibility_masks(emb):
    vis = emb.visibility("the bank lent money", "bank")
    assert vis.tokens[0] == "[CLS]" and vis.tokens[-1] == "[SEP]"
    assert [vis.tokens[i] for i in vis.target] == ["bank"]
    assert vis.encoder.all()
    t = vis.target[-1]
    assert vis.causal[: t + 1].all() and not vis.causal[t + 1 :].any()


def test_model_load_errors(tmp_path, monkeypatch):
    with pytest.raises(ModelLoadError, match="does not exist") as info:
        ContextualEmbedder.load(str(tmp_path / "missing_model"), device="cpu")
    assert "offline" in str(info.value) and "EXPLORER_MODEL" in str(info.value)
    assert isinstance(info.value, ValueError)
    with pytest.raises(ModelLoadError, match="config.json"):
        ContextualEmbedder.load(str(tmp_path), device="cpu")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="could not be loaded"):
        ContextualEmbedder.load("no-such-org-xyz/no-such-model-xyz", device="cpu")


def test_slow_tokenizer_is_refused(emb):
    class SlowTokenizer:  # stands in for a Python tokenizer without character offsets
        is_fast = False

    with pytest.raises(ModelLoadError, match="fast tokenizer"):
        ContextualEmbedder(emb.model, SlowTokenizer(), torch.device("cpu"), "tiny")


def test_presets_are_well_formed():
    presets = load_presets()
    assert {"bank", "charge", "bat", "light", "spring"} <= set(presets)
    for preset in presets.values():
        assert 6 <= len(preset.sentences) <= 10
        assert len(preset.labels) == len(preset.sentences)
        assert len(set(preset.labels)) >= 2
        for sentence in preset.sentences:
            assert find_spans(sentence, preset.word), (preset.name, sentence)
        parsed = parse_sentence_lines(preset.as_lines())
        assert parsed.sentences == preset.sentences and parsed.labels == preset.labels


def test_parse_sentence_lines():
    parsed = parse_sentence_lines("The bank lent money. | money\n\n  The river bank. | river  \n")
    assert parsed.sentences == ("The bank lent money.", "The river bank.")
    assert parsed.labels == ("money", "river")
    plain = parse_sentence_lines("one bank\ntwo bank")
    assert plain.labels is None and plain.unlabeled == ()
    mixed = parse_sentence_lines("one bank | a\ntwo bank\nthree bank | b")
    assert mixed.labels is None and mixed.unlabeled == (2,)
    with pytest.raises(ContextError):
        parse_sentence_lines("  \n ")
    with pytest.raises(ContextError, match="at most"):
        parse_sentence_lines("bank\n" * 5, max_sentences=3)


def test_sample_sentences_is_seeded_and_ordered():
    items = [f"s{i}" for i in range(100)]
    a = sample_sentences(items, 10, seed=4)
    assert a == sample_sentences(items, 10, seed=4)
    assert a != sample_sentences(items, 10, seed=5)
    assert len(a) == 10 and a == sorted(a, key=items.index)
    assert sample_sentences(items[:3], 10) == items[:3]


def test_matrix_csv():
    text = matrix_csv(np.array([[1.0, 0.5], [0.5, 1.0]]), ["1: a", "2: b"], ["A bank.", "B, bank."])
    lines = text.splitlines()
    assert lines[0] == "occurrence,1: a,2: b,sentence"
    assert lines[2].startswith("2: b,0.5000,1.0000,") and '"B, bank."' in lines[2]
