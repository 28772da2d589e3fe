"""Analogy evaluation and word-pair correlation agree with gensim on the same vectors."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest

from explorer import evaluation
from explorer.evaluation import AnalogySet, read_analogies
from explorer.vectors import VectorsError, WordVectors


def _keyed(wv: WordVectors):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=wv.vector_size)
    kv.add_vectors(list(wv.keys), np.asarray(wv.vectors))
    return kv


def _structured(seed: int = 0, dim: int = 40, pairs: int = 30, noise: float = 1.6, fillers: int = 400):
    """Vectors where y_i ~ x_i + r (per relation), with noise so that only some analogies come out right."""
    rng = np.random.default_rng(seed)
    keys: list[str] = []
    rows: list[np.ndarray] = []
    questions: list[str] = []
    for rel in ("gender", "plural", "capital"):
        offset = rng.normal(size=dim) * 1.5
        xs = [f"{rel}_x{i}" for i in range(pairs)]
        ys = [f"{rel}_y{i}" for i in range(pairs)]
        base = rng.normal(size=(pairs, dim))
        for x, y, v in zip(xs, ys, base, strict=True):
            keys += [x, y]
            rows += [v, v + offset + rng.normal(size=dim) * noise]
        questions.append(f": {rel}")
        for i in range(pairs):
            for j in range(i + 1, min(pairs, i + 6)):
                questions.append(f"{xs[i]} {ys[i]} {xs[j]} {ys[j]}")
    # Upper-case twins placed late: case-insensitive lookups must keep the first (lower-case) row.
    for i in range(5):
        keys.append(f"GENDER_Y{i}".lower().upper())
        rows.append(rng.normal(size=dim))
    for i in range(fillers):
        keys.append(f"filler{i}")
        rows.append(rng.normal(size=dim))
    questions.append(": unknown-words")
    questions.append("gender_x0 gender_y0 nowhere_x nowhere_y")
    questions.append("gender_x0 gender_y0 gender_x1 gender_y1")
    questions.append("not four words")
    wv = WordVectors(keys, np.array(rows, dtype=np.float32), name="structured")
    return wv, "\n".join(questions) + "\n"


def _gensim_counts(sections: list[dict]) -> dict[str, tuple[int, int]]:
    return {s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections}


def _ours_counts(result: evaluation.AnalogyResult) -> dict[str, tuple[int, int]]:
    out = {s.section: (s.correct, s.total) for s in result.sections}
    out["Total accuracy"] = (result.correct, result.total)
    return out


@pytest.mark.parametrize("restrict_vocab", [300000, 150])
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_analogies_match_gensim_structured(tmp_path: Path, restrict_vocab: int, case_insensitive: bool) -> None:
    wv, text = _structured()
    path = tmp_path / "questions.txt"
    path.write_text(text)
    score, sections = _keyed(wv).evaluate_word_analogies(
        str(path), restrict_vocab=restrict_vocab, case_insensitive=case_insensitive
    )
    ours = evaluation.evaluate_analogies(wv, path, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive)
    assert _ours_counts(ours) == _gensim_counts(sections)
    assert ours.accuracy == pytest.approx(score)
    if restrict_vocab == 300000:
        assert 0.1 < ours.accuracy < 0.95  # a real mix of right and wrong answers
        assert ours.skipped == 1 and ours.invalid_lines == 1
    else:
        assert ours.skipped > 1
    assert ours.questions == ours.total + ours.skipped
    assert ours.method == "3cosadd"


def test_analogies_match_gensim_on_questions_words(shared_data: Path, tmp_path: Path) -> None:
    """A slice of the Google test set, with vectors built so each relation is a noisy shared offset."""
    full = read_analogies(shared_data / "eval" / "questions-words.txt")
    rng = np.random.default_rng(1)
    dim = 50
    vecs: dict[str, np.ndarray] = {}
    lines: list[str] = []
    for name, questions in full.sections:
        offset = rng.normal(size=dim)
        lines.append(f": {name}")
        for a, b, c, d in questions[:120]:
            for x, y in ((a, b), (c, d)):
                xl, yl = x.lower(), y.lower()
                if xl not in vecs:
                    vecs[xl] = rng.normal(size=dim)
                if yl not in vecs:
                    vecs[yl] = vecs[xl] + offset + rng.normal(size=dim) * 0.7
            lines.append(f"{a} {b} {c} {d}")
    keys = sorted(vecs)
    # Leave some words out so that questions get skipped, as with real vectors.
    keys = [k for i, k in enumerate(keys) if i % 17]
    wv = WordVectors(keys, np.array([vecs[k] for k in keys], dtype=np.float32))
    path = tmp_path / "slice.txt"
    path.write_text("\n".join(lines) + "\n")
    score, sections = _keyed(wv).evaluate_word_analogies(str(path), restrict_vocab=30000)
    ours = evaluation.evaluate_analogies(wv, path, restrict_vocab=30000)
    assert _ours_counts(ours) == _gensim_counts(sections)
    assert ours.accuracy == pytest.approx(score)
    assert len(ours.sections) == len(full.sections) == 14
    assert ours.skipped > 0 and ours.total > 1000


def test_evaluation_chunking_does_not_change_results(tmp_path: Path) -> None:
    wv, text = _structured(seed=3)
    data = read_analogies(text.encode())
    whole = evaluation.evaluate_analogies(wv, data, chunk_size=100000)
    for chunk in (1, 7, 64):
        assert evaluation.evaluate_analogies(wv, data, chunk_size=chunk) == whole
    cosmul = [evaluation.evaluate_analogies(wv, data, method="3cosmul", chunk_size=c) for c in (5, 4096)]
    assert cosmul[0] == cosmul[1]


def test_batched_3cosmul_agrees_with_single_queries() -> None:
    wv, text = _structured(seed=4)
    data = read_analogies(text.encode())
    result = evaluation.evaluate_analogies(wv, data, method="3cosmul")
    correct = total = 0
    for _, questions in data.sections:
        for a, b, c, d in questions:
            if not all(w in wv for w in (a, b, c, d)):
                continue
            total += 1
            correct += wv.analogy(a, b, c, method="3cosmul", topn=1)[0][0] == d
    assert (result.correct, result.total) == (correct, total)
    assert result.method == "3cosmul" and 0 < result.accuracy < 1


def test_analogy_file_errors() -> None:
    wv, _ = _structured()
    with pytest.raises(VectorsError, match="before any ': section' header"):
        read_analogies(b"a b c d\n")
    with pytest.raises(VectorsError, match="no analogy questions"):
        read_analogies(b": empty\n\n")
    with pytest.raises(VectorsError, match="None of the 1 questions"):
        evaluation.evaluate_analogies(wv, b": s\nq r s t\n")
    with pytest.raises(VectorsError, match="Unknown analogy method"):
        evaluation.evaluate_analogies(wv, b": s\nq r s t\n", method="3cosdiv")
    with pytest.raises(VectorsError, match="UTF-8"):
        read_analogies(b": s\n\xff\xfe\n")
    parsed = read_analogies(io.BytesIO(b": one\na b c d\n\n: two\nbad line\ne f g h\n"))
    assert isinstance(parsed, AnalogySet)
    assert [name for name, _ in parsed.sections] == ["one", "two"]
    assert parsed.questions == 2 and parsed.invalid_lines == 2


def test_section_without_known_words_has_nan_accuracy() -> None:
    wv, _ = _structured()
    result = evaluation.evaluate_analogies(
        wv, b": known\ngender_x0 gender_y0 gender_x1 gender_y1\n: unknown\nq r s t\n"
    )
    assert result.sections[1].total == 0 and math.isnan(result.sections[1].accuracy)
    rows = evaluation.method_comparison(
        [
            result,
            evaluation.evaluate_analogies(
                wv, b": k\ngender_x0 gender_y0 gender_x1 gender_y1\n: u\nq r s t\n", method="3cosmul"
            ),
        ]
    )
    assert [r["section"] for r in rows] == ["known", "unknown", "all sections"]
    assert set(rows[0]) >= {"3CosAdd", "3CosMul", "evaluated", "skipped"}


# ----- word pairs -------------------------------------------------------------------------------
def _pair_vectors(path: Path, share: float, seed: int = 0) -> WordVectors:
    """Vectors for a share of the words of a pair file, with similarity loosely tied to the human score."""
    rng = np.random.default_rng(seed)
    words: dict[str, np.ndarray] = {}
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            continue
        a, b, score = line.split("\t")
        for w in (a.lower(), b.lower()):
            words.setdefault(w, rng.normal(size=30))
        words[b.lower()] = words[b.lower()] + words[a.lower()] * float(score) / 10
    keys = [w for i, w in enumerate(sorted(words)) if rng.random() < share]
    return WordVectors(keys, np.array([words[k] for k in keys], dtype=np.float32))


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_word_pairs_match_gensim(shared_data: Path, name: str) -> None:
    path = shared_data / "eval" / name
    wv = _pair_vectors(path, share=0.8)
    pearson, spearman, oov_pct = _keyed(wv).evaluate_word_pairs(str(path))
    ours = evaluation.evaluate_word_pairs(wv, path)
    assert ours.spearman == pytest.approx(spearman[0], abs=1e-5)
    assert ours.pearson == pytest.approx(pearson[0], abs=1e-5)
    assert ours.spearman_pvalue == pytest.approx(spearman[1], rel=1e-3, abs=1e-12)
    assert 100 * ours.oov_ratio == pytest.approx(oov_pct)
    assert 0 < ours.oov_ratio < 1 and ours.pairs_used > 100
    assert ours.spearman > 0.1  # the built-in tie to the human scores shows


def test_word_pairs_restrict_vocab_and_case(shared_data: Path) -> None:
    path = shared_data / "eval" / "wordsim353.tsv"
    wv = _pair_vectors(path, share=1.0, seed=2)
    upper = WordVectors([k.upper() for k in wv.keys], wv.vectors)
    kv = _keyed(upper)
    for restrict in (300000, 200):
        pearson, spearman, oov_pct = kv.evaluate_word_pairs(str(path), restrict_vocab=restrict)
        ours = evaluation.evaluate_word_pairs(upper, path, restrict_vocab=restrict)
        assert ours.spearman == pytest.approx(spearman[0], abs=1e-5)
        assert 100 * ours.oov_ratio == pytest.approx(oov_pct)
    with pytest.raises(VectorsError, match="None of the"):
        evaluation.evaluate_word_pairs(upper, path, case_insensitive=False)


def test_word_pair_file_errors() -> None:
    wv = WordVectors(["a", "b", "c"], np.eye(3))
    with pytest.raises(VectorsError, match="no word pairs"):
        evaluation.evaluate_word_pairs(wv, b"# only a comment\nnot a pair\n")
    with pytest.raises(VectorsError, match="at least 3"):
        evaluation.evaluate_word_pairs(wv, b"a\tb\t1\n")
    pairs, invalid = evaluation.read_word_pairs(b"a\tb\t1\na\tb\tx\na b 3\n")
    assert pairs == [("a", "b", 1.0)] and invalid == 2


# ----- offset picture and charts ----------------------------------------------------------------
def test_offset_plane_and_charts() -> None:
    from explorer.charts import analogy as charts

    wv, _ = _structured(seed=5)
    plane = evaluation.offset_plane(wv, "gender_x0", "gender_y0", "gender_x1", "gender_y1", ["filler1", "gender_x0"])
    assert plane.words == ("gender_x0", "gender_y0", "gender_x1", "gender_y1", "filler1")
    assert plane.roles[-1] == "neighbour" and plane.coords.shape == (5, 2)
    assert 0 < plane.explained <= 1
    first = plane.coords[1] - plane.coords[0]
    second = plane.coords[3] - plane.coords[2]
    assert np.all(first >= 0)  # axes oriented so that a -> b points right and up
    cos = first @ second / (np.linalg.norm(first) * np.linalg.norm(second))
    assert cos > 0.3  # the shared offset survives the projection
    fig = charts.offset_picture(plane.words, plane.coords, plane.roles, plane.explained)
    assert sum(a.text == "" for a in fig.layout.annotations) == 2  # the two arrows, beside the word labels
    bar = charts.answers_bar([("b", 0.9), ("c", 0.5)], expected="c", method_label="3CosAdd")
    assert list(bar.data[0].y) == ["c", "b"] and bar.data[0].marker.color[0] == charts.EXPECTED_COLOR
    rows = [{"section": "s1", "3CosAdd": 0.5, "3CosMul": math.nan}]
    grouped = charts.method_comparison_bar(rows)
    assert [t.name for t in grouped.data] == ["3CosAdd", "3CosMul"] and grouped.data[1].y == (None,)


def test_offset_picture_legend_names_each_pair_in_its_own_colour() -> None:
    from explorer.charts import analogy as charts

    coords = np.array([[0.0, 0.0], [0.1, 1.0], [1.0, 0.0], [1.1, 1.0], [0.5, 0.5]])
    fig = charts.offset_picture(["king", "queen", "man", "woman", "girl"], coords, ["a", "b", "c", "d", "neighbour"])
    named = {t.name: t for t in fig.data}
    assert set(named) == {"other answers", "a → b", "c → d"}
    assert named["a → b"].marker.color != named["c → d"].marker.color
    assert list(named["c → d"].text) == ["man (c)", "woman (d)"]
    labels = {a.text: a for a in fig.layout.annotations if a.text}
    assert set(labels) == {"king (a)", "queen (b)", "man (c)", "woman (d)", "girl"}
    # the arrow rises from c up to d: c's label is not placed up along the arrow (ay < 0 is up)
    assert labels["man (c)"].ay >= 0


def test_typed_words_find_their_spelling_in_another_letter_case() -> None:
    wv = WordVectors(["king", "wing", "ing", "Paris"], np.eye(4), name="small")
    words, notices = evaluation.resolve_words(wv, ["King", " wing ", "paris", "zzz", None, "  "])
    assert words == ["king", "wing", "Paris", "zzz", None, None]
    assert len(notices) == 2 and "'king' is used instead" in notices[0]
    # an unknown word suggests the same word in another case before near spellings
    assert "Did you mean 'king'" in wv.unknown_word_message("KING")


def test_opening_example_prefers_one_the_vectors_answer_right() -> None:
    wv = WordVectors(
        ["man", "woman", "king", "queen", "paris", "france", "berlin", "germany"],
        np.array(
            [
                [1, 0, 1, 0],
                [0, 1, 1, 0],
                [1, 0, 3, 0],
                [0, 1, 3, 0],
                [0, 0, 0, 1],
                [0, 0, 1, 1],
                [1, 1, 0, 1],
                [0, 0, 5, 1],
            ]
        ),
    )
    wrong = evaluation.Preset("paris : france :: berlin : ?", "paris", "france", "berlin", "germany", "any")
    right = evaluation.Preset("man : woman :: king : ?", "man", "woman", "king", "queen", "any")
    unknown = evaluation.Preset("cat : cats :: dog : ?", "cat", "cats", "dog", "dogs", "any")
    assert wv.analogy("paris", "france", "berlin", topn=1)[0][0] != "germany"
    assert evaluation.opening_example(wv, [unknown, wrong, right]) == right
    assert evaluation.opening_example(wv, [unknown, wrong]) == wrong  # none is right: the first it knows
    assert evaluation.opening_example(wv, [unknown]) is None


def test_builtin_files_and_presets() -> None:
    presets = evaluation.load_presets()
    assert {p.label for p in presets} >= {"king : queen :: man : ?", "paris : france :: berlin : ?"}
    for name in evaluation.BUILTIN_ANALOGY_FILES:
        parsed = read_analogies(evaluation.builtin_path(name))
        assert parsed.questions > 50 and parsed.invalid_lines == 0
    pairs, invalid = evaluation.read_word_pairs(evaluation.builtin_path("pairs"))
    assert len(pairs) > 30 and invalid == 0
    with pytest.raises(VectorsError, match="No built-in"):
        evaluation.builtin_path("nope")
