"""The map job end to end (``python -m explorer.map build``) on a seeded synthetic set with planted clusters."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import adjusted_rand_score

from explorer.linalg import unit_rows
from explorer.map import build as build_module
from explorer.map.__main__ import main
from explorer.map.build import build_map
from explorer.map.contract import (
    LABEL_COLUMNS,
    NEIGHBOR_COLUMNS,
    MapBuildError,
    default_cluster_counts,
    points_columns,
    read_manifest,
)
from explorer.map.synthetic import PlantedSet, planted_clusters
from explorer.vectors import WordVectors
from explorer.vectors_io import save_vectors

N, DIM, K = 4_000, 32, 10
PLANTED = default_cluster_counts(N)[0]  # 16 planted coarse clusters, as many as the job's coarse level


@pytest.fixture(scope="module")
def planted() -> PlantedSet:
    return planted_clusters(N, DIM, coarse=PLANTED, fine_per=4, seed=3)


@pytest.fixture(scope="module")
def vectors_file(planted: PlantedSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("vectors") / "planted.bin"
    save_vectors(WordVectors(planted.keys, planted.matrix), path, fmt="word2vec_binary")
    return path


@pytest.fixture(scope="module")
def built(vectors_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("maps") / "planted"
    assert main(["build", str(vectors_file), "--out", str(out), "--method", "umap", "--seed", "1", "--quiet"]) == 0
    return out


def exact_top(unit: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The test's own brute force: (indices, cosines) of each row's k most similar other rows."""
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    idx = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(sims, idx, axis=1)


def test_the_map_folder_holds_the_contract_files_and_columns(built: Path, planted: PlantedSet) -> None:
    assert sorted(p.name for p in built.iterdir()) == [
        "labels.parquet", "manifest.json", "neighbors.parquet", "points.parquet",
    ]  # fmt: skip
    assert [p.name for p in built.parent.iterdir()] == ["planted"]  # no work folder, no lock left
    points = pq.read_table(built / "points.parquet")
    assert tuple(points.column_names) == points_columns(2, 2)
    assert points.column("word").to_pylist() == planted.keys
    assert points.column("rank").to_pylist() == list(range(N))
    xy = np.column_stack([points.column("x").to_numpy(), points.column("y").to_numpy()])
    assert np.isfinite(xy).all() and xy.std(axis=0).min() > 0
    labels = pq.read_table(built / "labels.parquet")
    assert tuple(labels.column_names) == LABEL_COLUMNS
    frame = labels.to_pandas()
    assert sorted(frame.level.unique()) == [0, 1]
    coarse_k, fine_k = default_cluster_counts(N)
    assert (frame.level == 0).sum() <= coarse_k and (frame.level == 1).sum() <= fine_k
    assert (frame.level == 1).sum() > (frame.level == 0).sum()
    for level in (0, 1):
        rows = frame[frame.level == level]
        assert rows["size"].sum() == N
        assert rows.label.is_unique
        members = points.column(f"cluster_{level}").to_numpy()
        for _, row in rows.iterrows():
            mine = np.flatnonzero(members == row.cluster)
            assert len(mine) == row["size"]
            # the label sits on one of the cluster's own points, and names three of its words
            assert np.isclose(xy[mine], [row.x, row.y]).all(axis=1).any()
            words = row.label.split(" · ")
            assert len(words) == 3 and {planted.keys.index(w) for w in words} <= set(mine.tolist())


def test_neighbors_are_the_exact_top_k_with_their_cosines(built: Path, planted: PlantedSet) -> None:
    table = pq.read_table(built / "neighbors.parquet")
    assert tuple(table.column_names) == NEIGHBOR_COLUMNS and table.num_rows == N * K
    frame = table.to_pandas()
    unit = unit_rows(planted.matrix)
    want_idx, want_cos = exact_top(unit, K)
    row_of = {w: i for i, w in enumerate(planted.keys)}
    got_idx = np.array([row_of[w] for w in frame.neighbor]).reshape(N, K)
    assert frame.word.to_numpy().reshape(N, K)[:, 0].tolist() == planted.keys
    assert frame["rank"].to_numpy().reshape(N, K)[0].tolist() == list(range(1, K + 1))
    np.testing.assert_allclose(frame.cosine.to_numpy().reshape(N, K), want_cos, atol=1e-4)
    # the same neighbours up to ties at float32 rounding: every stored one is as near as the k-th exact one
    got_cos = np.take_along_axis(unit @ unit.T, got_idx, axis=1)
    assert (got_cos >= want_cos[:, -1:] - 1e-5).all()
    assert (got_idx != np.arange(N)[:, None]).all()
    assert (np.diff(frame.cosine.to_numpy().reshape(N, K), axis=1) <= 1e-6).all()


def test_the_manifest_records_source_recall_and_timings(built: Path, vectors_file: Path) -> None:
    manifest = read_manifest(built)
    source = manifest["source"]
    assert source["sha256"] == hashlib.sha256(vectors_file.read_bytes()).hexdigest()
    assert (source["name"], source["bytes"], source["rows"], source["dims"]) == (
        "planted.bin", vectors_file.stat().st_size, N, DIM,
    )  # fmt: skip
    assert manifest["method"] == "umap" and manifest["seed"] == 1 and manifest["params"]["n_neighbors"] == 15
    neighbors = manifest["neighbors"]
    assert neighbors["engine"] == "exact" and neighbors["recall"] == 1.0 and neighbors["recall_sample"] == 2_000
    assert [level["k"] for level in manifest["levels"]] == list(default_cluster_counts(N))
    assert manifest["counts"]["points"] == N and manifest["counts"]["neighbors"] == N * K
    assert set(manifest["timings"]) >= {"read_s", "neighbors_s", "recall_s", "layout_s", "clusters_s", "total_s"}
    assert 0.0 < manifest["layout"]["knn_overlap"] <= 1.0


def test_coarse_clusters_recover_the_planted_clusters(built: Path, planted: PlantedSet) -> None:
    found = pq.read_table(built / "points.parquet").column("cluster_0").to_numpy()
    assert adjusted_rand_score(planted.coarse, found) >= 0.8
    fine = pq.read_table(built / "points.parquet").column("cluster_1").to_numpy()
    assert adjusted_rand_score(planted.fine, fine) >= 0.5  # sub-clusters overlap more; reported, loosely held


def test_a_job_killed_mid_build_leaves_the_previous_map(
    built: Path, vectors_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "map"
    shutil.copytree(built, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("killed while writing the neighbours")

    monkeypatch.setattr(build_module, "write_neighbors", killed)
    with pytest.raises(KeyboardInterrupt):
        build_map(vectors_file, out, method="pca", progress=None)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map"]  # the work folder and the lock are gone


def test_a_rebuild_replaces_its_own_map_but_not_foreign_files_without_force(
    built: Path, vectors_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "map"
    shutil.copytree(built, out)
    assert main(["build", str(vectors_file), "--out", str(out), "--method", "pca", "--dims", "3", "--quiet"]) == 0
    assert read_manifest(out)["method"] == "pca"
    assert "z" in pq.read_table(out / "points.parquet").column_names
    (out / "notes.txt").write_text("mine")
    assert main(["build", str(vectors_file), "--out", str(out), "--method", "pca", "--quiet"]) == 2
    assert "notes.txt" in capsys.readouterr().err and (out / "notes.txt").exists()
    assert main(["build", str(vectors_file), "--out", str(out), "--method", "pca", "--quiet", "--force"]) == 0
    assert not (out / "notes.txt").exists() and read_manifest(out)["dims"] == 2


def test_limit_maps_the_first_words_of_the_file(vectors_file: Path, planted: PlantedSet, tmp_path: Path) -> None:
    manifest = build_map(vectors_file, tmp_path / "m", method="pca", limit=500, clusters=(3, 9), progress=None)
    assert manifest["source"]["rows"] == 500 and manifest["source"]["limit"] == 500
    assert pq.read_table(tmp_path / "m" / "points.parquet").column("word").to_pylist() == planted.keys[:500]
    assert sorted(pq.read_table(tmp_path / "m" / "labels.parquet").column("level").unique().to_pylist()) == [0, 1]


def _junk(folder: Path) -> Path:
    path = folder / "junk.bin"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    return path


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing", "does not exist"),
        ("junk", "junk.bin"),
        ("out_is_input", "is one of the inputs"),
        ("input_inside_out", "is inside --out"),
        ("out_is_a_file", "is a file"),
        ("bad_clusters", "--clusters needs at least two levels"),
    ],
)
def test_a_bad_input_gets_a_clear_message_and_status_2(
    case: str, expected: str, vectors_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vectors, out, extra = str(vectors_file), str(tmp_path / "map"), []
    if case == "missing":
        vectors = str(tmp_path / "nowhere.bin")
    elif case == "junk":
        vectors = str(_junk(tmp_path))
    elif case == "out_is_input":
        vectors = out = str(shutil.copy(vectors_file, tmp_path / "v.bin"))
    elif case == "input_inside_out":
        (tmp_path / "map").mkdir()
        vectors = str(shutil.copy(vectors_file, tmp_path / "map" / "v.bin"))
    elif case == "out_is_a_file":
        Path(out).write_text("a file")
    else:
        extra = ["--clusters", "8"]
    before = sorted(os.listdir(tmp_path))
    assert main(["build", vectors, "--out", out, "--method", "pca", "--quiet", *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == before  # nothing written, nothing removed


def test_options_are_checked_before_any_work(vectors_file: Path, tmp_path: Path) -> None:
    for options, said in [
        ({"method": "mds"}, "Unknown method"),
        ({"dims": 4}, "--dims must be 2 or 3"),
        ({"k": 0}, "--k must be"),
        ({"limit": 2}, "--limit must be"),
    ]:
        with pytest.raises(MapBuildError, match=said):
            build_map(vectors_file, tmp_path / "m", progress=None, **options)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("engine", ["ivf", "pynndescent"])
def test_above_the_exact_size_neighbours_are_approximate_with_measured_recall(
    planted: PlantedSet, vectors_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    monkeypatch.setattr(build_module, "EXACT_MAX_ROWS", 1_000)
    lines: list[str] = []
    manifest = build_map(vectors_file, tmp_path / "m", method="pca", limit=3_000, engine=engine, progress=lines.append)
    assert manifest["neighbors"]["engine"] == engine and manifest["neighbors"]["exact_max_rows"] == 1_000
    if engine == "pynndescent":
        assert manifest["neighbors"]["descent_degree"] == 30  # 3,000 words: not a large graph
    recall = manifest["neighbors"]["recall"]
    assert 0.9 <= recall <= 1.0
    # the test's own recall over every word agrees with the job's sampled one
    unit = unit_rows(planted.matrix[:3_000])
    want_idx, want_cos = exact_top(unit, K)
    frame = pq.read_table(tmp_path / "m" / "neighbors.parquet").to_pandas()
    row_of = {w: i for i, w in enumerate(planted.keys)}
    got_idx = np.array([row_of[w] for w in frame.neighbor]).reshape(3_000, K)
    got_cos = np.take_along_axis(unit @ unit.T, got_idx, axis=1)
    own = float((got_cos >= want_cos[:, -1:] - 1e-5).mean())
    assert own >= 0.9 and abs(own - recall) < 0.05
    assert any(f"neighbours: started ({engine}" in line for line in lines)
    assert any("recall@10 =" in line for line in lines)


def test_the_default_engine_above_the_exact_size_is_the_app_s_inverted_file(
    vectors_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_module, "EXACT_MAX_ROWS", 1_000)
    manifest = build_map(vectors_file, tmp_path / "m", method="pca", limit=2_000, progress=None)
    assert manifest["neighbors"]["engine"] == "ivf" and manifest["neighbors"]["recall"] >= 0.9
    with pytest.raises(MapBuildError, match="Unknown neighbour engine 'faiss'"):
        build_map(vectors_file, tmp_path / "n", method="pca", engine="faiss", progress=None)


def test_a_process_killed_mid_build_leaves_the_previous_map_and_the_next_run_clears_its_work_folder(
    built: Path, vectors_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "map"
    shutil.copytree(built, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    command = [sys.executable, "-m", "explorer.map", "build", str(vectors_file), "--out", str(out), "--method", "umap"]
    job = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert job.stderr is not None
    for line in job.stderr:  # kill -9 once the job is laying out (its work folder exists by then)
        if "layout: started" in line:
            job.send_signal(signal.SIGKILL)
            break
    job.wait(timeout=120)
    assert job.returncode == -signal.SIGKILL
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith(".map.tmp-")]
    assert len(left) == 1  # the killed job's marked work folder
    assert main(["build", str(vectors_file), "--out", str(out), "--method", "pca", "--quiet"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map"] and read_manifest(out)["method"] == "pca"


def test_a_region_is_named_by_central_frequent_content_words_and_labelled_on_its_own_point() -> None:
    from explorer.map.labels import label_table

    keys = ["the", "paris", "rome", "madrid", "lyon", "cat", "dog", "of", "horse"]
    X = np.array(
        [[1, 0], [0.99, 0.12], [0.99, -0.1], [0.98, 0.15], [0.98, -0.15], [0, 1], [0.1, 0.99], [0.05, 1], [-0.1, 0.99]],
        dtype=np.float32,
    )
    coarse = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1])
    coords = np.array([[0, 0], [1, 0], [2, 0], [3, 0], [9, 9], [0, 5], [1, 5], [2, 5], [3, 5]], dtype=np.float32)
    table = label_table(unit_rows(X), coords, [coarse, coarse], keys)
    # "the" and "of" are stopwords; rome is a little more central than paris, which the file ranks first
    assert table["label"][:2] == ["paris · rome · madrid", "cat · dog · horse"]
    assert table["size"].tolist()[:2] == [5, 4] and table["level"].tolist() == [0, 0, 1, 1]
    # the label sits on the member nearest the median position (2, 0), not on the mean pulled towards (9, 9)
    assert (table["x"][0], table["y"][0]) == (2.0, 0.0)


def test_info_prints_the_manifest_and_refuses_a_damaged_one(
    built: Path, vectors_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    assert main(["info", str(built)]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["points"] == N
    damaged = tmp_path / "damaged"
    shutil.copytree(built, damaged)
    manifest = json.loads((damaged / "manifest.json").read_text())
    (damaged / "manifest.json").write_text(json.dumps({**manifest, "dims": 7}))
    assert main(["info", str(damaged)]) == 2
    assert '"dims" must be 2 or 3' in capsys.readouterr().err
    with pytest.raises(MapBuildError, match="not a readable word map"):  # nor is it replaced without --force
        build_map(vectors_file, damaged, method="pca", progress=None)
    assert json.loads((damaged / "manifest.json").read_text())["dims"] == 7


def test_the_layout_lays_out_the_jobs_own_neighbour_graph(
    planted: PlantedSet, vectors_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import umap

    from explorer.projection import methods

    def second_search(*args: object, **kwargs: object) -> None:
        raise AssertionError("the layout searched the neighbours again")

    given: dict[str, object] = {}
    real_init = umap.UMAP.__init__

    def spy(self: umap.UMAP, *args: object, **kwargs: object) -> None:
        given.update(kwargs)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(methods, "umap_knn", second_search)
    monkeypatch.setattr(umap.UMAP, "__init__", spy)
    lines: list[str] = []
    n = 2_000
    manifest = build_map(vectors_file, tmp_path / "m", method="umap", limit=n, clusters=(4, 16), progress=lines.append)
    indices, distances = given["precomputed_knn"]  # type: ignore[misc]
    assert indices.shape == distances.shape == (n, 15)
    assert (indices[:, 0] == np.arange(n)).all() and (distances[:, 0] == 0).all()
    # the stored neighbours are the graph's first K, with distance 1 - cosine
    frame = pq.read_table(tmp_path / "m" / "neighbors.parquet").to_pandas()
    row_of = {w: i for i, w in enumerate(planted.keys[:n])}
    stored = np.array([row_of[w] for w in frame.neighbor]).reshape(n, K)
    np.testing.assert_array_equal(indices[:, 1 : K + 1], stored)
    np.testing.assert_allclose(distances[:, 1 : K + 1], 1 - frame.cosine.to_numpy().reshape(n, K), atol=1e-6)
    # and the graph's other neighbours are the next nearest words, exactly
    unit = unit_rows(planted.matrix[:n])
    want_idx, want_cos = exact_top(unit, 14)
    got_cos = np.take_along_axis(unit @ unit.T, indices[:, 1:], axis=1)
    assert (got_cos >= want_cos[:, -1:] - 1e-5).all()
    assert manifest["layout"]["graph"] == {"source": "the job's neighbours (exact)", "neighbors": 14}
    assert manifest["neighbors"]["searched"] == 14 and manifest["neighbors"]["k"] == K
    assert manifest["params"]["n_epochs"] == 500 and manifest["params"]["init"] == "spectral"
    assert manifest["peak_rss_mb"] > 0
    assert any("on the job's neighbour graph" in line for line in lines)


def test_other_methods_search_only_the_neighbours_the_map_stores(vectors_file: Path, tmp_path: Path) -> None:
    manifest = build_map(vectors_file, tmp_path / "m", method="pca", limit=500, clusters=(3, 9), k=5, progress=None)
    assert manifest["neighbors"]["searched"] == 5 and manifest["layout"]["graph"] is None


def test_a_long_stage_keeps_reporting_its_share_and_time_left() -> None:
    import threading

    lines: list[str] = []
    said = threading.Event()

    def emit(line: str) -> None:
        lines.append(line)
        if "3/10" in line:
            said.set()

    meter = build_module.Progress(emit, every=1e9, heartbeat=0.05)  # updates alone would print nothing
    meter.start("layout", total=10)
    meter.update(3)
    assert said.wait(30)
    meter.finish()
    beats = [line for line in lines if "layout: 3/10 (30%)" in line]
    assert beats and "ETA" in beats[0]
    count = len(lines)
    said.clear()
    assert not said.wait(0.3) and len(lines) == count  # finished: no more lines


def test_nn_descent_progress_lines_become_shares_of_the_stage() -> None:
    from explorer.map.neighbors import FOREST_SHARE, _DescentProgress

    class Recorder:
        def __init__(self) -> None:
            self.done: list[int] = []

        def update(self, done: int) -> None:
            self.done.append(done)

    seen = Recorder()
    reader = _DescentProgress(1_000, seen)
    for line in ["Mon Dec  7 11:14:02 2026 Building RP forest with 12 trees", "x NN descent for 20 iterations",
                 "\t 1  /  20", "\t 11  /  20", "\tStopping threshold met -- exiting after 11 iterations"]:  # fmt: skip
        reader.line(line)
    assert seen.done == [int(1_000 * FOREST_SHARE), int(1_000 * FOREST_SHARE), int(1_000 * (FOREST_SHARE + 0.45)),
                         1_000]  # fmt: skip


def test_the_recall_check_searches_in_tiles_and_finds_the_exact_neighbours(
    planted: PlantedSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from explorer.map import neighbors

    unit = unit_rows(planted.matrix[:1_500])
    want_idx, want_cos = exact_top(unit, K)
    monkeypatch.setattr(neighbors, "TILE_SCORES", 3_000)  # many row and column tiles
    rows = np.array([1_499, 0, 700, 3])
    got_idx, got_cos = neighbors.exact_top(unit, rows, K)
    np.testing.assert_allclose(got_cos, want_cos[rows], atol=1e-5)
    cos_of_got = np.take_along_axis((unit @ unit.T)[rows], got_idx, axis=1)
    np.testing.assert_allclose(cos_of_got, got_cos, atol=1e-5)  # each index comes with its own cosine
    assert (got_idx != rows[:, None]).all()  # a word is not its own neighbour
    assert neighbors.measured_recall(unit, want_idx) == 1.0
    assert neighbors.measured_recall(unit, np.roll(want_idx, 1, axis=0)) < 0.2


def test_names_of_large_clusters_are_scored_in_blocks_with_the_same_result(
    planted: PlantedSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    import explorer.clustering as clustering

    unit = unit_rows(planted.matrix)
    labels = planted.coarse
    whole = clustering.cluster_names(unit, labels, planted.keys)
    monkeypatch.setattr(clustering, "NAME_BLOCK_ROWS", 37)
    assert clustering.cluster_names(unit, labels, planted.keys, unit=True) == whole


def test_a_large_map_is_laid_out_in_fewer_epochs(
    vectors_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_module, "LARGE_MAP_ROWS", 1_000)  # 1,500 words count as a large map here
    manifest = build_map(vectors_file, tmp_path / "m", method="umap", limit=1_500, clusters=(3, 9), progress=None)
    assert manifest["params"]["n_epochs"] == build_module.LARGE_MAP_EPOCHS < build_module.layout_epochs(1_000)


def test_time_left_is_estimated_from_the_rate_since_the_first_count() -> None:
    now = [0.0]
    lines: list[str] = []
    meter = build_module.Progress(lines.append, every=0.0, heartbeat=0.0, clock=lambda: now[0])
    meter.start("layout", total=100)
    now[0] = 100.0  # 100 s of set-up (UMAP's graph and start) before the first epoch is counted
    meter.update(1)
    now[0] = 110.0  # then 10 epochs in 10 s
    meter.update(11)
    assert lines[-1] == "[map] layout: 11/100 (11%), 110.0 s, ETA 89 s"  # not 890 s from 11 epochs in 110 s
