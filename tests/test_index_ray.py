"""The index job on Ray Data (a local Ray with two CPUs, the tiny BERT): the same index as the in-process engine.

One local Ray serves the whole session and one Ray build is shared by the checks, so this module
costs one Ray start and one actor pool.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from explorer.errors import IndexBuildError
from explorer.index.build import build_index
from explorer.index.contract import Targets, vector_matrix
from explorer.vectors_io import load_vectors
from tests.test_index import KNOWN, leftovers, occurrence_table, write_corpus

LAYERS = (0, 1, 2)
OPTIONS = dict(targets=Targets.at_least(1), keep_per_word=3, column="text", progress=None)


@pytest.fixture(scope="session")
def local_ray():
    """One local Ray with two CPUs for the session, shut down at its end."""
    import ray

    from explorer.index.ray_engine import start_local_ray

    start_local_ray(num_cpus=2)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def strict_attempt(tmp_path_factory: pytest.TempPathFactory, tiny_bert_dir: Path, local_ray) -> tuple[Path, str]:
    """A --strict Ray job on the corpus with an undecodable file (it fails while reading, before any actor
    starts, and warms the Ray workers for the build below): (its output folder, its error)."""
    root = tmp_path_factory.mktemp("ray_strict")
    corpus = write_corpus(root / "corpus")
    out = root / "strict"
    with pytest.raises(IndexBuildError, match="--strict") as failed:
        build_index([str(corpus)], out, engine="ray", model=str(tiny_bert_dir), strict=True, **OPTIONS)
    return out, str(failed.value)


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory, tiny_bert_dir: Path, local_ray, strict_attempt
) -> tuple[Path, Path, dict, dict]:
    """The corpus with known occurrences indexed by each engine: (ray dir, in-process dir, their manifests)."""
    root = tmp_path_factory.mktemp("ray_index")
    corpus = write_corpus(root / "corpus")
    ray_out, local_out = root / "by_ray", root / "in_process"
    ray_manifest = build_index([str(corpus)], ray_out, engine="ray", model=str(tiny_bert_dir), actors=2, **OPTIONS)
    local_manifest = build_index([str(corpus)], local_out, engine="in-process", model=str(tiny_bert_dir), **OPTIONS)
    return ray_out, local_out, ray_manifest, local_manifest


def test_ray_and_in_process_give_the_same_counts(both) -> None:
    ray_out, local_out, ray_m, local_m = both
    assert ray_m["engine"] == "ray" and local_m["engine"] == "in-process"
    assert ray_m["ray"]["actors"] == 2 and ray_m["weights_sha256"] == local_m["weights_sha256"]
    assert ray_m["counts"] == local_m["counts"]
    assert ray_m["counts"]["skipped_files"] == 1 and ray_m["counts"]["windowed_sentences"] == 1
    assert (ray_out / "static" / "counts.tsv").read_text() == (local_out / "static" / "counts.tsv").read_text()
    counts = dict(line.split("\t") for line in (ray_out / "static" / "counts.tsv").read_text().splitlines()[1:])
    assert {w: int(counts[w]) for w in KNOWN} == KNOWN


def test_ray_and_in_process_store_the_same_occurrences_and_vectors(both) -> None:
    ray_out, local_out, ray_m, _ = both
    a, b = occurrence_table(ray_out), occurrence_table(local_out)
    keys = ["word", "doc", "sentence_id", "sentence", "start", "end"]
    assert a.select(keys).to_pylist() == b.select(keys).to_pylist()  # the same hashed sample of every word
    assert a.num_rows == ray_m["counts"]["occurrences_stored"] < ray_m["counts"]["occurrences"]
    for layer in LAYERS:
        x = vector_matrix(a.column(f"layer_{layer}"), 32, np.float32)
        y = vector_matrix(b.column(f"layer_{layer}"), 32, np.float32)
        np.testing.assert_allclose(x, y, rtol=1e-3, atol=1e-3)  # float16 rounding of float32 vectors
        wa = load_vectors(ray_out / "static" / f"layer_{layer}.txt")
        wb = load_vectors(local_out / "static" / f"layer_{layer}.txt")
        assert wa.keys == wb.keys
        np.testing.assert_allclose(wa.vectors, wb.vectors, rtol=1e-5, atol=1e-5)


def test_the_undecodable_file_is_listed_not_lost(both) -> None:
    ray_out, _, ray_m, _ = both
    listed = {Path(i["path"]).name: i for i in ray_m["inputs"]}
    assert listed["e.txt"]["status"] == "skipped" and "binary" in listed["e.txt"]["reason"]
    assert (
        listed["e.txt"]["bytes"] == (ray_out.parent / "corpus" / "e.txt").stat().st_size
        and listed["d.parquet"]["status"] == "read"
    )
    assert json.loads((ray_out / "manifest.json").read_text())["inputs"] == ray_m["inputs"]


def test_strict_fails_on_ray_and_leaves_nothing(strict_attempt) -> None:
    out, error = strict_attempt
    assert "e.txt" in error
    assert not out.exists() and leftovers(out) == []
