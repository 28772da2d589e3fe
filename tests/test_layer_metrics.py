"""Layer metrics (Ethayarajh 2019) on constructed vectors, senses by neighbours, and ``explorer.index analyze``."""

from __future__ import annotations

import csv
import io
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer.contextual import metrics, senses
from explorer.contextual.metrics import COLUMNS, CORPUS, OccurrenceSet, layer_metrics
from explorer.errors import ContextError, IndexBuildError
from explorer.index import reader
from explorer.index.__main__ import main as index_main
from explorer.index.analysis import analyze_index, write_csv_atomically
from explorer.index.build import build_index
from explorer.index.contract import Targets
from tests.test_index import KNOWN, write_corpus

ROOT = Path(__file__).resolve().parent.parent


# ----- each metric on vectors with a known answer ---------------------------------------------------
def test_identical_occurrences_have_self_similarity_one_and_no_principal_direction() -> None:
    same = np.tile(np.random.default_rng(1).normal(size=(1, 16)), (5, 1))
    assert metrics.self_similarity(same) == pytest.approx(1.0)
    assert math.isnan(metrics.first_pc_variance(same))  # nothing varies: no share to explain
    assert math.isnan(metrics.self_similarity(same[:1]))  # one occurrence: no pair
    as_index = layer_metrics(0, OccurrenceSet(same.astype(np.float16), ["w"] * 5, list(range(5))))  # float32 path
    assert as_index[0].self_similarity == pytest.approx(1.0, abs=1e-6) and math.isnan(as_index[0].first_pc_variance)


def test_orthogonal_occurrences_have_self_similarity_zero_and_pairs_are_averaged() -> None:
    assert metrics.self_similarity(np.eye(4)) == pytest.approx(0.0)
    x = np.random.default_rng(2).normal(size=(6, 5))
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    pairs = [u[i] @ u[j] for i in range(6) for j in range(6) if i != j]
    assert metrics.self_similarity(x) == pytest.approx(np.mean(pairs))


def test_random_isotropic_vectors_give_a_baseline_near_zero_and_a_shared_direction_raises_it() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 128))
    words = [f"w{i % 400}" for i in range(2000)]
    assert abs(metrics.anisotropy_baseline(x, words, seed=0)) < 0.02
    shifted = x + 3.0  # every vector gains the same component: anisotropic
    assert metrics.anisotropy_baseline(shifted, words, seed=0) > 0.8
    assert metrics.anisotropy_baseline(x, words, seed=5) == metrics.anisotropy_baseline(x, words, seed=5)
    assert math.isnan(metrics.anisotropy_baseline(x[:3], ["a", "a", "a"]))  # one word: no pair of different words


def test_a_rank_one_set_has_first_pc_variance_one_and_isotropic_noise_much_less() -> None:
    rng = np.random.default_rng(4)
    direction = rng.normal(size=32)
    rank_one = rng.normal(size=(20, 1)) * direction + 5.0  # on one line (offset by a constant point)
    assert metrics.first_pc_variance(rank_one) == pytest.approx(1.0)
    assert metrics.first_pc_variance(rng.normal(size=(200, 32))) < 0.15


def test_intra_sentence_similarity_is_the_cosine_to_the_sentence_mean() -> None:
    x = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, 4.0], [5.0, 5.0]])
    means, sizes = metrics.sentence_means(x, [0, 0, 1, 9])
    assert sizes.tolist() == [2, 2, 1, 1]
    assert metrics.intra_sentence_similarity(x[:2], means[:2]) == pytest.approx(math.sqrt(0.5))


def test_adjusted_metrics_subtract_the_baseline_at_every_row() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 8)) + 1.0
    words = [f"w{i % 6}" for i in range(60)]
    sentences = [i // 4 for i in range(60)]
    rows = layer_metrics(2, OccurrenceSet(x, words, sentences))
    assert [r.word for r in rows] == [f"w{i}" for i in range(6)] + [CORPUS]
    baseline = metrics.anisotropy_baseline(x, words, seed=0)
    for r in rows:
        assert r.layer == 2 and r.anisotropy_baseline == pytest.approx(baseline)
        assert r.adjusted_self_similarity == pytest.approx(r.self_similarity - baseline)
        assert r.adjusted_intra_sentence_similarity == pytest.approx(r.intra_sentence_similarity - baseline)
    w0 = [i for i, w in enumerate(words) if w == "w0"]
    assert rows[0].occurrences == 10 and rows[0].self_similarity == pytest.approx(metrics.self_similarity(x[w0]))
    assert rows[-1].self_similarity == pytest.approx(np.mean([r.self_similarity for r in rows[:-1]]))
    few = layer_metrics(2, OccurrenceSet(x[:24], words[:24], sentences[:24]))  # 4 occurrences per word
    assert not math.isnan(few[0].self_similarity) and math.isnan(few[-1].self_similarity)  # under 5: not averaged


def test_rows_outside_the_focus_only_feed_sentence_means() -> None:
    x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    focus = np.array([True, True, False, False])
    rows = layer_metrics(0, OccurrenceSet(x, ["a", "a", "b", "b"], [0, 1, 0, 1], focus), min_occurrences=2)
    assert [r.word for r in rows] == ["a", CORPUS] and rows[0].occurrences == 2
    assert rows[0].intra_sentence_similarity == pytest.approx(math.sqrt(0.5))  # the mate b pulls each sentence mean


def test_stack_metrics_give_one_row_per_layer() -> None:
    stack = np.stack([np.tile([[1.0, 2.0]], (3, 1)), np.random.default_rng(6).normal(size=(3, 2))])
    got = metrics.stack_metrics(stack, baseline=[0.5, 0.25], word="bank")
    assert [r.layer for r in got] == [0, 1] and got[0].self_similarity == pytest.approx(1.0)
    assert got[1].adjusted_self_similarity == pytest.approx(got[1].self_similarity - 0.25)
    assert math.isnan(got[0].intra_sentence_similarity)  # no sentence means given


def test_a_bad_shape_is_a_clear_error() -> None:
    with pytest.raises(ContextError, match="2-D matrix"):
        metrics.self_similarity(np.zeros(3))
    with pytest.raises(ContextError, match="one word per row"):
        metrics.anisotropy_baseline(np.zeros((3, 2)), ["a"])


# ----- senses by neighbours ------------------------------------------------------------------------------
def test_nearest_occurrences_and_the_leave_one_out_accuracy() -> None:
    x = np.array([[1.0, 0.0], [0.9, 0.2], [0.0, 1.0], [0.1, 0.9], [0.8, 0.1]])
    labels = ["money", "money", "river", "river", "river"]
    assert [j for j, _ in senses.nearest_occurrences(x, 0, k=2)] == [4, 1]
    # Occurrence 4 (a "river" label in the money region) is nearest 1, and it is the nearest of 0 and 1:
    # three wrong, only 2 and 3 (each other's nearest) right.
    assert senses.neighbour_accuracy(x, labels) == pytest.approx(2 / 5)
    assert senses.static_accuracy(labels) == pytest.approx((1 + 1 + 2 + 2 + 2) / 4 / 5)
    same = np.tile(x[:1], (5, 1))  # a lookup table: every occurrence the same vector, every cosine tied
    assert senses.neighbour_accuracy(same, labels) == pytest.approx(senses.static_accuracy(labels))
    with pytest.raises(ContextError, match="one label per occurrence"):
        senses.neighbour_accuracy(x, labels[:2])


# ----- the command line on a tiny index --------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory: pytest.TempPathFactory, tiny_bert_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("analyze")
    out = root / "indexes" / "known"
    build_index(
        [str(write_corpus(root / "corpus", binary=False))], out, targets=Targets.of_words("bank,charge,the,a"),
        engine="in-process", model=str(tiny_bert_dir), column="text", progress=None,
    )  # fmt: skip
    return out


def _read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_analyze_writes_one_row_per_layer_and_word(tiny_index: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "metrics.csv"
    code = index_main(["analyze", str(tiny_index), "--words", "bank,charge", "--sample", "5", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    rows = _read_csv(out.read_text(encoding="utf-8"))
    assert tuple(rows[0]) == COLUMNS
    assert [(r["layer"], r["word"]) for r in rows] == [(str(k), w) for k in range(3) for w in ("bank", "charge", "*")]
    bank = [r for r in rows if r["word"] == "bank"]
    assert all(int(r["occurrences"]) == 5 for r in bank)  # a sample of 5 of its 7
    for r in rows:
        assert -1.0 <= float(r["self_similarity"]) <= 1.0 and 0.0 < float(r["first_pc_variance"]) <= 1.0
        adjusted = float(r["self_similarity"]) - float(r["anisotropy_baseline"])
        assert float(r["adjusted_self_similarity"]) == pytest.approx(adjusted, abs=2e-6)
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.csv"]  # no temporary file left beside it
    again = tmp_path / "again.csv"
    index_main(["analyze", str(tiny_index), "--words", "bank,charge", "--sample", "5", "--out", str(again)])
    assert again.read_text() == out.read_text()  # seeded: the same sample and the same numbers


def test_analyze_samples_the_occurrences_the_context_page_shows(tiny_index: Path) -> None:
    info = reader.open_index(tiny_index.parent, tiny_index.name)
    result = analyze_index(info, words=["bank"], sample=4, seed=3)
    shown = reader.sample_occurrences(info, "bank", sample=4, seed=3)
    last = len(info.layers) - 1
    assert result.word_rows("bank")[last].self_similarity == pytest.approx(
        metrics.self_similarity(shown.vectors[last]), abs=1e-5
    )
    assert result.occurrences == 4 and result.context_rows >= 4


def test_analyze_defaults_to_the_most_frequent_words(tiny_index: Path) -> None:
    info = reader.open_index(tiny_index.parent, tiny_index.name)
    result = analyze_index(info, top=2, sample=50)
    counts = reader.word_counts(info)
    assert list(result.words) == sorted(counts, key=lambda w: (-counts[w], w))[:2]
    assert result.word_rows("bank") or "bank" not in result.words
    assert len(result.corpus_rows()) == len(info.layers)


def test_analyze_refuses_a_bad_folder_and_unknown_words_with_status_2(tiny_index: Path, tmp_path: Path, capsys) -> None:
    assert index_main(["analyze", str(tmp_path / "nothing")]) == 2
    assert "is not an index folder" in capsys.readouterr().err
    assert index_main(["analyze", str(tiny_index), "--words", "zebra"]) == 2
    assert "stores no occurrence of zebra" in capsys.readouterr().err
    assert index_main(["analyze", str(tiny_index), "--out", str(tiny_index / "m.csv")]) == 2
    assert "inside the index folder" in capsys.readouterr().err and not (tiny_index / "m.csv").exists()
    assert index_main(["analyze", str(tiny_index), "--sample", "1"]) == 2
    with pytest.raises(IndexBuildError, match="does not exist"):
        write_csv_atomically("x", tmp_path / "no" / "m.csv")


def test_analyze_runs_as_a_command(tiny_index: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "explorer.index", "analyze", str(tiny_index), "--words", "charge", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = _read_csv(proc.stdout)
    assert {r["word"] for r in rows} == {"charge", "*"} and int(rows[0]["occurrences"]) == KNOWN["charge"]
