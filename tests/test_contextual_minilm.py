"""The bundled MiniLM: real senses separate in the last layer, and its static vectors are usable."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.contextual import ContextualEmbedder, cosine_matrix, load_presets, sense_separation, suggest_groups


@pytest.fixture(scope="module")
def minilm() -> ContextualEmbedder:
    return ContextualEmbedder.load(None, device="cpu")


@pytest.mark.slow
def test_bundled_model_attributes(minilm):
    assert minilm.num_layers == 6 and minilm.hidden_size == 384 and minilm.max_length == 512
    assert not minilm.is_causal
    wv = minilm.static_vectors()
    assert len(wv) > 10_000 and wv.vector_size == 384
    assert "bank" in wv and "river" in wv and not any(k.startswith("##") for k in wv.keys)
    assert minilm.name in wv.name


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bank", "charge"])
def test_same_sense_pairs_are_closer_in_the_last_layer(minilm, name):
    preset = load_presets()[name]
    stack = minilm.all_layers(list(preset.sentences), preset.word)
    assert len(stack) == len(preset.sentences) and stack.missing == ()
    last = cosine_matrix(stack.at(-1).vectors)
    same, cross, score = sense_separation(last, preset.labels)
    assert same > cross + 0.05, (same, cross)
    # The static row cannot tell the senses apart at all; the last layer clearly can, and more than layer 0.
    first = sense_separation(cosine_matrix(stack.at(0).vectors), preset.labels)
    assert score > first.score


@pytest.mark.slow
def test_suggested_groups_recover_the_bank_senses(minilm):
    preset = load_presets()["bank"]
    occ = minilm.occurrences(list(preset.sentences), preset.word)
    groups = suggest_groups(cosine_matrix(occ.vectors, center=True), n_groups=2)
    labels = np.array(preset.labels)
    agreement = max(np.mean((groups == 0) == (labels == "money")), np.mean((groups == 0) == (labels == "river")))
    assert agreement >= 0.75
