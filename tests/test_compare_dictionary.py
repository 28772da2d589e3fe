"""explorer.compare with a dictionary: Procrustes on word pairs, held-out precision, CSLS, the pair-file parser."""

from __future__ import annotations

import doctest
import gzip
import io
from pathlib import Path

import numpy as np
import pytest

from explorer import linalg
from explorer.charts.compare import joint_map_figure
from explorer.compare import (
    agreement_csv,
    aligned_csv,
    aligned_rows,
    compare,
    dictionary,
    dictionary_views,
    pairfile,
    side_by_side,
)
from explorer.compare.dictionary import align, split_pairs
from explorer.compare.pairfile import PairList, as_pairs, parse_pair_text, parse_pairs
from explorer.errors import CompareError
from explorer.vectors import WordVectors

# gensim's own English/Italian test vectors and its 15 training pairs (gensim/test/test_translation_matrix.py)
EN_IT_TRAIN = [
    ("one", "uno"), ("two", "due"), ("three", "tre"), ("four", "quattro"), ("five", "cinque"), ("seven", "sette"),
    ("eight", "otto"), ("dog", "cane"), ("pig", "maiale"), ("fish", "cavallo"), ("birds", "uccelli"),
    ("apple", "mela"), ("orange", "arancione"), ("grape", "acino"), ("banana", "banana"),
]  # fmt: skip


def rotation_matrix(dim: int, seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


def rotated_pair(n: int = 200, dim: int = 12, paired: int = 150, seed: int = 0):
    """A: words x0..; B: words y0.. (no word in common), B's rows = A's rows times Q; pairs for the first ``paired``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim))
    q = rotation_matrix(dim, seed + 1)
    a = WordVectors([f"x{i}" for i in range(n)], x, name="A")
    b = WordVectors([f"y{i}" for i in range(n)], x @ q, name="B")
    return a, b, q, [(f"x{i}", f"y{i}") for i in range(paired)]


def hub_pair(seed: int = 0, clusters: int = 10, per: int = 30, dim: int = 40, spread: float = 0.5, noise: float = 0.5):
    """A: clustered words; B: their rotated, noisy translations plus one noise-free hub per cluster (its centre).

    Each hub is closer by cosine to many of its cluster's A words than their own noisy
    translations are, and it is near all of them: a hub in Conneau et al.'s sense.
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = np.repeat(centres, per, axis=0) + spread * rng.normal(size=(clusters * per, dim))
    q = rotation_matrix(dim, seed + 1)
    y = x @ q + noise * rng.normal(size=x.shape)
    n = len(x)
    a = WordVectors([f"a{i}" for i in range(n)], x, name="A")
    b = WordVectors([f"hub{i}" for i in range(clusters)] + [f"b{i}" for i in range(n)], np.vstack([centres @ q, y]), name="B")  # fmt: skip
    return a, b, [(f"a{i}", f"b{i}") for i in range(n)]


@pytest.fixture(scope="module")
def en_it() -> tuple[WordVectors, WordVectors]:
    from gensim.test.utils import datapath

    from explorer.vectors_io import load_vectors

    en = load_vectors(datapath("EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt"))
    it = load_vectors(datapath("IT.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt"))
    return en, it


# ----- alignment ---------------------------------------------------------------------------------------
def test_recovers_a_planted_rotation_between_disjoint_vocabularies() -> None:
    a, b, q, pairs = rotated_pair()
    assert not set(a.keys) & set(b.keys)
    c = compare(a, b, k=5, pairs=pairs, holdout=0.2, seed=3)
    d = c.dictionary
    # B_n R = A_n with B_n = A_n Q, so R = Q^T (the sets' centres are rotations of each other too)
    assert np.abs(c.rotation - q.T).max() < 1e-5
    assert c.residual < 1e-5 and np.allclose(c.cosine, 1.0, atol=1e-5)
    assert d.precision == {"csls": (1.0, 1.0), "cosine": (1.0, 1.0)} and d.tested == 30
    # words no pair mentions are translated too, by both retrievals
    for retrieval in ("csls", "cosine"):
        assert c.translate("x180", 3, retrieval)[0][0] == "y180"
    # the existing tables and exports work on the pairs
    assert len(c) == 150 and c.words[:2] == ("x0", "x1") and c.words_b[:2] == ("y0", "y1")
    assert float(c.overlap.min()) == 1.0 and c.table(1)[0]["word_b"] == f"y{c.table(1)[0]['word'][1:]}"
    assert agreement_csv(c).splitlines()[0] == "rank,word,overlap,cosine,word_b,held_out"
    rows = aligned_rows(c, ["x3", "x4"])
    assert np.allclose(rows.a, rows.b, atol=1e-5) and rows.labels()[0] == ("x3", "x4", "y3", "y4")
    assert aligned_csv(rows).splitlines()[3].startswith("y3,B,")
    side = side_by_side(c, "x3", k=4)
    assert [r["a_word"] for r in side] == [f"x{r['b_word'][1:]}" for r in side]  # same neighbours, B's names
    assert all(r["a_in_b"] and r["b_in_a"] for r in side)


def test_csls_beats_cosine_on_a_planted_hub() -> None:
    a, b, pairs = hub_pair()
    c = compare(a, b, pairs=pairs, holdout=0.3, seed=0)
    d = c.dictionary
    held = [s for s, _ in d.test_pairs]
    hubs = {r: sum(d.translate(w, 1, r)[0][0].startswith("hub") for w in held) for r in ("cosine", "csls")}
    assert hubs["cosine"] >= len(held) // 5, "the planted hubs win many queries by cosine"
    assert hubs["csls"] <= hubs["cosine"] // 5, "CSLS demotes them"
    assert d.precision["csls"][0] > d.precision["cosine"][0] + 0.15
    assert d.precision["csls"][1] >= d.precision["cosine"][1]
    # what demotes them: the hubs' mean cosine to their nearest A words is higher than almost any other word's
    assert d.hub[:10].mean() > np.quantile(d.hub[10:], 0.95)


def test_held_out_pairs_never_leak_into_training() -> None:
    a, b, _, _ = rotated_pair(n=120)
    # several translations per word: x_i -> y_i and y_(i+1)
    pairs = [(f"x{i}", f"y{i}") for i in range(100)] + [(f"x{i}", f"y{i + 1}") for i in range(100)]
    d = align(a, b, pairs, holdout=0.25, seed=7)
    train_src = {s for s, _ in d.train_pairs}
    test_src = {s for s, _ in d.test_pairs}
    assert not train_src & test_src, "a source word trains or tests, never both"
    assert len(test_src) == 25 and len(train_src) == 75
    assert sorted(d.train_pairs + d.test_pairs) == sorted(pairs)
    assert all(len([p for p in d.test_pairs if p[0] == s]) == 2 for s in test_src), "all pairs of a held-out word"
    # the rotation is the Procrustes fit of the training pairs alone ...
    rows = lambda wv, ws: np.array([wv.key_to_index[w] for w in ws])  # noqa: E731
    src, tgt = zip(*d.train_pairs, strict=True)
    own, _ = linalg.procrustes_fit(
        dictionary._prepared(b, rows(b, tgt), d.mean_b), dictionary._prepared(a, rows(a, src), d.mean_a)
    )
    assert np.array_equal(own, d.rotation)
    # ... so garbling every held-out pair changes the precision and not the rotation
    garbled = [(s, "y119") if s in test_src else (s, t) for s, t in pairs]  # same words, same order
    d2 = align(a, b, garbled, holdout=0.25, seed=7)
    assert set(d2.test_pairs) == {(s, "y119") for s in test_src}
    assert np.array_equal(d2.rotation, d.rotation) and d2.precision["cosine"][1] < d.precision["cosine"][1]
    # the split is seeded: the same seed holds out the same words, another seed others
    assert align(a, b, pairs, holdout=0.25, seed=7).test_pairs == d.test_pairs
    assert {s for s, _ in align(a, b, pairs, holdout=0.25, seed=8).test_pairs} != test_src


def test_split_rounds_the_share_of_source_words() -> None:
    pairs = [(f"s{i}", f"t{i}") for i in range(10)] + [("s0", "u0")]
    train, test = split_pairs(pairs, 0.2, seed=0)
    assert len({s for s, _ in test}) == 2 and len(train) + len(test) == 11
    assert split_pairs(pairs, 0.0, seed=0) == (tuple(pairs), ())


def test_gensim_en_it_test_holds_through_compare(en_it) -> None:
    """gensim's test_translate_nn: trained on its 15 pairs, "ten" -> "dieci" and "cat" -> "gatto" are in the top 5."""
    en, it = en_it
    c = compare(en, it, pairs=EN_IT_TRAIN, holdout=0.0)
    assert len(c.dictionary.train_pairs) == 15 and not c.dictionary.test_pairs
    for retrieval in ("csls", "cosine"):
        assert "dieci" in [w for w, _ in c.translate("ten", 5, retrieval)]
        assert "gatto" in [w for w, _ in c.translate("cat", 5, retrieval)]
    precision, tested, untested = c.dictionary.precision_on([("ten", "dieci"), ("cat", "gatto")])
    assert (tested, untested) == (2, 0) and precision["csls"][1] == precision["cosine"][1] == 1.0
    assert any("no precision to report" in n for n in c.notes)
    assert any("15 training words in 300 dimensions" in n for n in c.notes)


def test_translate_scores_and_refusals() -> None:
    a, b, _, pairs = rotated_pair()
    c = compare(a, b, pairs=pairs)
    got = c.translate("x5", 4, "cosine")
    assert len(got) == 4 and got[0] == ("y5", pytest.approx(1.0, abs=1e-5))
    assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
    # CSLS score of the best answer: 2 cos - r_B(x) - r_A(y), each r a mean of 10 cosines below 1
    assert c.translate("x5", 1)[0][1] > 0
    with pytest.raises(CompareError, match="words of set A"):
        c.translate("y5")
    with pytest.raises(CompareError, match="Unknown retrieval"):
        c.translate("x5", retrieval="nearest")
    with pytest.raises(CompareError, match="at least 1"):
        c.translate("x5", 0)
    shared = compare(a, WordVectors(a.keys, a.vectors, name="copy"), k=3)
    with pytest.raises(CompareError, match="need an alignment by a dictionary"):
        shared.translate("x1")


def test_a_dictionary_with_no_pair_in_both_sets_gets_a_clear_message() -> None:
    a, b, _, pairs = rotated_pair()
    with pytest.raises(CompareError, match="None of the 2 dictionary pairs has its first word in 'A'") as err:
        compare(a, b, pairs=[("cat", "gatto"), ("dog", "cane")])
    assert "such as 'x0'" in str(err.value)
    with pytest.raises(CompareError, match="With the columns swapped, 150 pairs would match"):
        compare(a, b, pairs=[(t, s) for s, t in pairs])
    with pytest.raises(CompareError, match="Ignoring letter case, 150 pairs would match"):
        compare(a, b, pairs=[(s.upper(), t) for s, t in pairs])


def test_too_few_pairs_and_bad_arguments_are_refused() -> None:
    a, b, _, _ = rotated_pair()
    with pytest.raises(CompareError, match="Too few pairs to align: the dictionary has 1 word"):
        compare(a, b, pairs=[("x1", "y1"), ("x1", "y2")])
    with pytest.raises(CompareError, match="holding out 50% leaves 1"):
        compare(a, b, pairs=[("x1", "y1"), ("x2", "y2"), ("x3", "y3")], holdout=0.5)
    for holdout in (-0.1, 0.95, "0.2", True):
        with pytest.raises(CompareError, match="held-out share"):
            compare(a, b, pairs=[("x1", "y1"), ("x2", "y2")], holdout=holdout)
    with pytest.raises(CompareError, match="seed"):
        compare(a, b, pairs=[("x1", "y1"), ("x2", "y2")], seed=-1)
    with pytest.raises(CompareError, match="each pair must be two words"):
        compare(a, b, pairs=[("x1", "y1", "z1")])


def test_pairs_missing_from_a_set_are_left_out_and_counted() -> None:
    a, b, _, pairs = rotated_pair()
    c = compare(a, b, pairs=[*pairs, ("nope", "y1"), ("x1", "nada"), ("nope", "nada")], holdout=0.2)
    d = c.dictionary
    assert (d.pairs_given, d.missing_a, d.missing_b) == (153, 2, 1)
    assert (
        "3 pairs of 153 left out: 2 with a first word 'A' lacks (such as 'nope') and 1 with a second word 'B' lacks "
        "(such as 'nada')." in c.notes
    )  # the words are named, so a typo in the dictionary can be found


def test_left_out_words_are_named_up_to_five() -> None:
    a, b, _, pairs = rotated_pair()
    typos = [(f"typo{i}", "y1") for i in range(7)]
    c = compare(a, b, pairs=[*pairs, *typos], holdout=0.2)
    note = next(n for n in c.notes if "left out" in n)
    assert "(such as 'typo0', 'typo1', 'typo2', 'typo3', 'typo4', …)" in note and "typo5" not in note


def test_nan_rows_are_refused() -> None:
    a, b, _, pairs = rotated_pair()
    y = b.vectors.copy()
    y[4] = np.nan
    with pytest.raises(CompareError, match="NaN or infinite values in 1 word the alignment uses \\('y4'\\)"):
        compare(a, WordVectors(b.keys, y, name="B"), pairs=pairs)


def test_dictionary_comparison_survives_pickling() -> None:
    import pickle

    a, b, _, pairs = rotated_pair()
    c = compare(a, b, pairs=pairs)
    again = pickle.loads(pickle.dumps(c))
    assert again.translate("x7", 2) == c.translate("x7", 2) and again.precision == c.precision


def test_the_map_joins_dictionary_pairs_and_labels_b_with_b_words() -> None:
    a, b, _, pairs = rotated_pair()
    c = compare(a, b, pairs=pairs)
    words = c.words[:6]
    options = dictionary_views.map_options(c, words, (2,))
    fig = joint_map_figure(words, np.zeros((6, 2)), np.ones((6, 2)), "A", "B", **options)
    assert [t.name for t in fig.data] == ["A", "B", "dictionary pair"]
    assert list(fig.data[1].hovertext)[0] == "y0 (B: B)" and list(fig.data[1].customdata)[0] == "x0"
    assert len(fig.data[2].x) == 6 * 3, "one line (two ends and a gap) per pair on the map"
    labels = {ann.text for ann in fig.layout.annotations}
    assert {"x2", "y2"} <= labels and "x3" not in labels


# ----- the pair-file parser ------------------------------------------------------------------------------
def test_parser_counts_and_reports_bad_lines() -> None:
    text = "# en -> it\n\ncat\tgatto\ndog  cane\ncat micio\nthree words here\nlonely\ncat\tgatto\n a\t\n"
    pl = parse_pair_text(text, "en-it.txt")
    assert pl.pairs == (("cat", "gatto"), ("dog", "cane"), ("cat", "micio"))
    assert (pl.bad_lines, pl.first_bad, pl.repeated) == (3, (6, 7, 9), 1)
    notes = pl.notes()
    assert notes[0].startswith("3 lines of en-it.txt are not a pair of words (lines 6, 7, 9) and were skipped")
    assert notes[1] == "1 repeated pair was kept once."
    many = parse_pair_text("bad\n" * 8 + "a b\n")
    assert many.first_bad == (1, 2, 3, 4, 5) and "(lines 1, 2, 3, 4, 5, ...)" in many.notes()[0]
    # a tab separates the sides when present, so a side with a space is a bad line
    with pytest.raises(CompareError, match="holds no word pairs"):
        parse_pair_text("new york\tnuova york\n", "f.txt")


def test_parser_refuses_what_is_not_a_dictionary() -> None:
    with pytest.raises(CompareError, match="the typed pairs hold no word pairs \\(it is empty\\)"):
        parse_pair_text("# only a comment\n\n")
    with pytest.raises(CompareError, match="2 lines are not a pair of words: lines 1, 2"):
        parse_pair_text("a\nb c d\n")
    with pytest.raises(CompareError, match="paper.pdf looks like a PDF document, not a list of word pairs"):
        parse_pairs(b"%PDF-1.7\n...", name="paper.pdf")
    with pytest.raises(CompareError, match="looks like binary data"):
        parse_pairs(b"cat\tgatto\n\x00\x01\x02", name="x.txt")
    with pytest.raises(CompareError, match="UTF-16 text without a byte-order mark"):
        parse_pairs("cat\tgatto\n".encode("utf-16-le"), name="x.txt")
    with pytest.raises(CompareError, match="is not UTF-8 text"):
        parse_pairs("caf\xe9 coffee\n".encode("latin-1"), name="x.txt")
    with pytest.raises(CompareError, match="the limit is"):
        parse_pairs(b"cat gatto\n" * 1000, max_bytes=100, name="big.txt")
    with pytest.raises(CompareError, match="more than 3 word pairs"):
        parse_pair_text("a b\nc d\ne f\ng h\n", "f.txt", max_pairs=3)
    with pytest.raises(CompareError, match="pair 2 is \\('b',\\)"):
        as_pairs([("a", "b"), ("b",)])


def test_parser_reads_utf16_gzip_uploads_and_paths(tmp_path: Path) -> None:
    assert parse_pairs("città\tcity\n".encode("utf-16"), name="u.txt").pairs == (("città", "city"),)
    assert parse_pairs(b"\xef\xbb\xbfcane dog\n", name="bom.txt").pairs == (("cane", "dog"),)
    assert parse_pairs(gzip.compress(b"a b\n"), max_bytes=1000, name="z.gz").pairs == (("a", "b"),)
    path = tmp_path / "pairs.tsv"
    path.write_bytes(b"one\tuno\n")
    assert parse_pairs(path).name == "pairs.tsv"
    upload = io.BytesIO(b"one uno\n")
    upload.name = "up.txt"  # type: ignore[attr-defined]
    assert parse_pairs(upload).pairs == (("one", "uno"),)


def test_file_and_typed_pairs_are_merged() -> None:
    pl = dictionary_views.read_dictionary(b"cat\tgatto\nbad\n", "dog cane\ncat gatto\n", None)
    assert isinstance(pl, PairList) and pl.pairs == (("cat", "gatto"), ("dog", "cane"))
    assert pl.bad_lines == 1 and pl.repeated == 1
    with pytest.raises(CompareError, match="at most 100,000 are read"):
        dictionary_views.read_dictionary(None, "a b\n" * 40_000, None)


def test_compare_accepts_a_pair_list() -> None:
    a, b, _, pairs = rotated_pair()
    text = "\n".join(f"{s}\t{t}" for s, t in pairs)
    assert compare(a, b, pairs=parse_pair_text(text)).dictionary.train_pairs == compare(a, b, pairs=pairs).dictionary.train_pairs  # fmt: skip


@pytest.mark.parametrize("module", [dictionary, dictionary_views, pairfile])
def test_docstring_examples_run(module) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
