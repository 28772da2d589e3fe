"""Tokenising, vocabularies and the built-in corpora (their promised size and structure)."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from explorer import corpus as corpus_mod
from explorer.corpus import (
    BUILTIN_DIR,
    Corpus,
    CorpusError,
    Vocab,
    builtin_info,
    builtin_names,
    split_sentences,
    tokenize,
)

ROOT = Path(__file__).resolve().parent.parent
BILLING = {"refund", "invoice", "card", "fee", "subscription", "billed", "price", "payment", "plan", "trial"}
DEVICE = {"battery", "charger", "cable", "screen", "power", "phone", "plug", "unplug", "outlet", "overnight"}
SHIPPING = {"package", "delivery", "courier", "tracking", "shipped", "reshipped", "parcel", "carrier"}


@cache
def builtin(name: str) -> Corpus:
    return Corpus.builtin(name)


# ----- tokenize / split_sentences ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Don't charge the e-mail account twice!", ["don't", "charge", "the", "e-mail", "account", "twice"]),
        ("Don’t stop", ["don't", "stop"]),  # curly apostrophe becomes straight
        ("snake_case and CamelCase", ["snake", "case", "and", "camelcase"]),
        ("Paid $12.50 on 3/4", ["paid", "12", "50", "on", "3", "4"]),
        ("Café naïve 東京 Straße", ["café", "naïve", "東京", "straße"]),
        ("-- 'quoted' --", ["quoted"]),
        ("...!?", []),
        ("", []),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_split_sentences() -> None:
    text = "First one. Second one!  Third?\nFourth line\n\n  \nFifth... end"
    assert split_sentences(text) == ["First one.", "Second one!", "Third?", "Fourth line", "Fifth...", "end"]
    assert split_sentences("  \n\n ") == []
    assert split_sentences("3.14 is pi") == ["3.14 is pi"]  # no space after the dot: not a sentence end


# ----- Corpus.from_texts ---------------------------------------------------------------------


def test_from_texts_counts_and_aligns_raw_sentences() -> None:
    c = Corpus.from_texts(["The bank approved the loan. We sat on the river bank.", "", "!!!"])
    assert c.sentences == (("the", "bank", "approved", "the", "loan"), ("we", "sat", "on", "the", "river", "bank"))
    assert c.raw_sentences == ("The bank approved the loan.", "We sat on the river bank.")
    assert c.token_count == 11 and c.counts["the"] == 3 and c.vocab_size == 8
    assert list(c.sentences_with("BANK")) == list(c.raw_sentences)
    assert not c.is_builtin and c.source == "texts"


def test_from_texts_accepts_a_generator_and_stops_at_max_tokens() -> None:
    consumed = 0

    def texts():
        nonlocal consumed
        for _ in range(10_000):
            consumed += 1
            yield "one two three four"

    c = Corpus.from_texts(texts(), max_tokens=10)
    assert c.token_count == 8  # two whole sentences; the third would pass the limit
    assert consumed <= 3
    assert any("EXPLORER_MAX_TOKENS" in n for n in c.notices)


def test_from_texts_without_tokens_raises_a_clear_error() -> None:
    with pytest.raises(CorpusError, match="no usable words"):
        Corpus.from_texts(["...", "  ", "!!!"], name="notes")
    with pytest.raises(CorpusError, match="no usable words"):
        Corpus.from_texts([])


def test_corpus_is_immutable() -> None:
    c = Corpus.from_texts(["a b"])
    with pytest.raises(AttributeError):
        c.name = "other"  # type: ignore[misc]


# ----- Vocab ---------------------------------------------------------------------------------


def test_vocab_min_count_max_size_and_order() -> None:
    counts = Counter({"the": 50, "bank": 7, "river": 7, "loan": 3, "rare": 1})
    v = Vocab.build(counts, min_count=2)
    assert v.words == ("the", "bank", "river", "loan")  # by count, ties alphabetical
    assert [v.index[w] for w in v.words] == list(range(len(v)))
    assert v.counts.tolist() == [counts[w] for w in v.words]
    assert "rare" not in v and "bank" in v
    assert v.total == 67
    assert Vocab.build(counts, min_count=2, max_size=2).words == ("the", "bank")
    assert len(Vocab.build(counts, min_count=100)) == 0
    with pytest.raises(ValueError):
        v.counts[0] = 1  # read-only
    with pytest.raises(CorpusError, match="min_count"):
        Vocab.build(counts, min_count=0)


def test_vocab_encode_drops_unknown_words() -> None:
    v = Vocab.build(Counter({"a": 3, "b": 2}))
    ids = v.encode(["b", "zzz", "a", "b"])
    assert ids.dtype == np.int64 and ids.tolist() == [1, 0, 1]


def test_keep_probabilities() -> None:
    counts = Counter({f"w{i}": c for i, c in enumerate([10_000, 3_000, 500, 50, 5, 1])})
    v = Vocab.build(counts)
    p = v.keep_probabilities(1e-3)
    assert p.shape == (len(v),)
    assert np.all(p > 0) and np.all(p <= 1)
    assert np.all(np.diff(p) >= 0)  # words come most frequent first, and frequent words are kept less
    assert p[0] < 0.5 and p[-1] == 1.0
    assert np.all(v.keep_probabilities(0) == 1.0)
    assert np.all(v.keep_probabilities(1e-5) <= p)  # a smaller sample drops more


def test_corpus_vocab_with_too_high_min_count_says_what_to_do() -> None:
    c = Corpus.from_texts(["a a a b b c"])
    assert c.vocab(min_count=2).words == ("a", "b")
    with pytest.raises(CorpusError, match="Lower min_count to 3"):
        c.vocab(min_count=4)


# ----- built-in corpora ----------------------------------------------------------------------


def test_builtin_names_order_and_catalog() -> None:
    names = builtin_names()
    assert names[:3] == ["support_tickets", "analogy_world", "mixed"]  # display order; the default first
    catalog = json.loads((BUILTIN_DIR / "catalog.json").read_text("utf-8"))
    assert list(catalog) == names
    for name in names:
        info = builtin_info(name)
        assert info["title"] and len(info["description"]) > 20
        assert (BUILTIN_DIR / info["file"]).is_file()


def test_unknown_builtin_name_lists_the_choices() -> None:
    with pytest.raises(CorpusError, match="No built-in corpus named 'nope'.*support_tickets"):
        Corpus.builtin("nope")


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [("support_tickets", 40_000, 80_000), ("analogy_world", 100_000, 200_000), ("mixed", 200_000, 400_000)],
)
def test_builtin_corpora_load_with_the_promised_size(name: str, low: int, high: int) -> None:
    c = builtin(name)
    assert low <= c.token_count <= high
    assert c.is_builtin and c.source == f"builtin:{name}" and c.name == builtin_info(name)["title"]
    assert len(c.sentences) == len(c.raw_sentences) and all(c.sentences)
    assert c.vocab_size > 300


def test_builtin_assets_stay_small() -> None:
    total = sum(p.stat().st_size for p in BUILTIN_DIR.iterdir())
    assert total < 6 * 1024 * 1024


def test_support_tickets_use_charge_in_billing_and_device_senses() -> None:
    c = builtin("support_tickets")
    charge = [set(s) for s in c.sentences if {"charge", "charged", "charging"} & set(s)]
    billing = [s for s in charge if s & BILLING and not s & DEVICE]
    device = [s for s in charge if s & DEVICE and not s & BILLING]
    assert len(billing) > 100 and len(device) > 100
    bare = [s for s in charge if "charge" in s]  # the bare word itself, in both senses
    assert sum(bool(s & BILLING) for s in bare) > 50 and sum(bool(s & DEVICE) for s in bare) > 50


def test_support_ticket_topics_separate() -> None:
    """Each ticket (a line) keeps to one topic, so topic words co-occur within a topic only."""
    c = builtin("support_tickets")
    path = BUILTIN_DIR / builtin_info("support_tickets")["file"]
    lines = [set(tokenize(line)) for line in path.read_text("utf-8").splitlines()]
    assert len(lines) > 2000
    topics = {"billing": BILLING, "device": DEVICE, "shipping": SHIPPING}
    hits = {t: sum(bool(line & words) for line in lines) for t, words in topics.items()}
    assert min(hits.values()) > len(lines) / 5  # every topic is well represented
    for a in topics:
        for b in topics:
            if a < b:
                both = sum(bool(line & topics[a]) and bool(line & topics[b]) for line in lines)
                assert both < 0.1 * min(hits[a], hits[b]), (a, b, both)
    assert c.counts["charge"] > 100


def test_analogy_world_has_every_word_of_its_analogies() -> None:
    c = builtin("analogy_world")
    words = "king queen man woman prince princess boy girl father mother paris france berlin germany".split()
    words += "rome italy madrid spain tokyo japan dog dogs cat cats eagle eagles shark sharks".split()
    assert all(c.counts[w] >= 50 for w in words), [w for w in words if c.counts[w] < 50]


def test_analogy_world_analogies_emerge_after_a_short_skipgram() -> None:
    """A few seconds of gensim skip-gram on the corpus answers its headline analogies."""
    from gensim.models import Word2Vec

    c = builtin("analogy_world")
    model = Word2Vec(
        [list(s) for s in c.sentences], sg=1, vector_size=50, window=5, min_count=2, epochs=5, workers=1, seed=7
    )

    def top(a: str, b: str, c_: str, topn: int = 3) -> list[str]:
        return [w for w, _ in model.wv.most_similar(positive=[a, c_], negative=[b], topn=topn)]

    assert "queen" in top("king", "man", "woman")
    assert "berlin" in top("paris", "france", "germany")
    assert "madrid" in top("rome", "italy", "spain")
    assert "princess" in top("prince", "boy", "girl")
    # animal groups: a bird is nearer another bird than a fish or a farm animal
    assert model.wv.similarity("eagle", "sparrow") > model.wv.similarity("eagle", "shark")
    assert model.wv.similarity("shark", "eel") > model.wv.similarity("shark", "cow")


def test_mixed_covers_many_domains_and_the_other_styles() -> None:
    c = builtin("mixed")
    for w in ["recipe", "stadium", "forecast", "mortgage", "passport", "telescope", "guitar", "soil"]:
        assert c.counts[w] > 20, w
    for w in ["refund", "battery", "tracking", "king", "paris", "eagles"]:
        assert c.counts[w] > 20, w
    assert c.vocab_size > 1000
    assert len(list(c.sentences_with("bank"))) > 50  # money and river senses both appear
    assert any("river" in s for s in c.sentences_with("bank"))
    assert any("loan" in s or "account" in s for s in c.sentences_with("bank"))


def test_generator_reproduces_the_committed_files() -> None:
    spec = importlib.util.spec_from_file_location("make_corpora", ROOT / "scripts" / "make_corpora.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    files = module.build()
    for name, text in files.items():
        assert (BUILTIN_DIR / name).read_text("utf-8") == text, f"{name} is stale: run scripts/make_corpora.py"
    assert json.loads(files["catalog.json"]) == corpus_mod._catalog()
