"""The map job's neighbour search as Ray tasks (``--address``), on a local Ray with two CPUs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from explorer.map.__main__ import main
from explorer.map.build import build_map
from explorer.map.synthetic import planted_clusters
from explorer.vectors import WordVectors
from explorer.vectors_io import save_vectors

N, K = 1_500, 10


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray with two CPUs (or the one a previous module started, left running for it)."""
    import ray

    from explorer.index.ray_engine import start_local_ray

    started = not ray.is_initialized()
    if started:
        start_local_ray(num_cpus=2)
    yield ray
    if started:
        ray.shutdown()


def test_ray_tasks_find_the_same_neighbours_as_the_in_process_search(tmp_path: Path, local_ray) -> None:
    planted = planted_clusters(N, 24, coarse=6, seed=5)
    source = tmp_path / "planted.bin"
    save_vectors(WordVectors(planted.keys, planted.matrix), source, fmt="word2vec_binary")
    lines: list[str] = []
    on_ray = build_map(source, tmp_path / "ray", method="pca", address="local", progress=lines.append)
    here = build_map(source, tmp_path / "here", method="pca", progress=None)
    assert on_ray["neighbors"]["engine"] == "exact" and on_ray["neighbors"]["recall"] == 1.0
    assert on_ray["neighbors"]["ray"]["tasks"] >= 4 and here["neighbors"]["ray"] is None
    ray_table = pq.read_table(tmp_path / "ray" / "neighbors.parquet").to_pandas()
    here_table = pq.read_table(tmp_path / "here" / "neighbors.parquet").to_pandas()
    assert ray_table.word.tolist() == here_table.word.tolist()
    np.testing.assert_allclose(ray_table.cosine, here_table.cosine, atol=1e-5)
    assert (ray_table.neighbor == here_table.neighbor).mean() > 0.99  # the same up to ties
    assert any("in Ray tasks" in line for line in lines)


def test_the_command_line_takes_an_address(tmp_path: Path, local_ray) -> None:
    planted = planted_clusters(300, 8, coarse=4, seed=2)
    source = tmp_path / "small.bin"
    save_vectors(WordVectors(planted.keys, planted.matrix), source, fmt="word2vec_binary")
    out = tmp_path / "map"
    assert main(["build", str(source), "--out", str(out), "--method", "pca", "--address", "local", "--quiet"]) == 0
    assert pq.read_table(out / "neighbors.parquet").num_rows == 300 * K
