"""The Map page on a small prebuilt map (built by the map job into a temporary EXPLORER_MAP_DIR)."""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from explorer.charts import labels as lab
from explorer.charts.wordmap import FOCUS_COLOUR, PLOT_PX
from explorer.errors import LinkError
from explorer.map import reader
from explorer.map import viewport as vp
from explorer.map.build import build_map
from explorer.map.contract import MANIFEST, POINTS, MapBuildError
from explorer.map.density import density_grid
from explorer.map.synthetic import planted_clusters
from explorer.vectors import WordVectors
from explorer.vectors_io import save_vectors
from tests.apptest import app_test, give_vectors

PAGE = "pages/7_Map.py"
N = 1_500


@pytest.fixture(scope="module")
def map_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A map folder holding ``small`` (a PCA map of planted clusters), ``dims7`` (a manifest out of its schema)
    and ``cut`` (a truncated points file)."""
    root = tmp_path_factory.mktemp("app_maps")
    planted = planted_clusters(N, 16, coarse=6, seed=2)
    vectors = root / "planted.bin"
    save_vectors(WordVectors(planted.keys, planted.matrix), vectors, fmt="word2vec_binary")
    folder = root / "maps"
    build_map(vectors, folder / "small", method="pca", seed=1, progress=None)
    shutil.copytree(folder / "small", folder / "dims7")
    manifest = json.loads((folder / "dims7" / MANIFEST).read_text())
    (folder / "dims7" / MANIFEST).write_text(json.dumps({**manifest, "dims": 7}))
    shutil.copytree(folder / "small", folder / "cut")
    data = (folder / "cut" / POINTS).read_bytes()
    (folder / "cut" / POINTS).write_bytes(data[: len(data) // 3])
    return folder


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, map_dir: Path) -> Path:
    monkeypatch.setenv("EXPLORER_MAP_DIR", str(map_dir))
    return map_dir / "small"


def _spec(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def _typed(value: dict) -> np.ndarray:
    """A plotly typed array (``{"dtype": "f4", "bdata": base64}``) as numpy."""
    return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))


def _no_failure(at) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def _opened(env: Path):
    at = app_test(PAGE)
    at.run()
    _no_failure(at)
    assert at.selectbox(key="map.name").value == "small"
    return at


def test_every_word_is_one_webgl_trace_of_float32_typed_arrays(env: Path) -> None:
    at = _opened(env)
    trace = _spec(at)["data"][0]
    points = pq.read_table(env / POINTS).to_pandas()
    assert trace["type"] == "scattergl"
    assert trace["x"]["dtype"] == "f4" and trace["y"]["dtype"] == "f4"  # binary, not JSON lists of numbers
    np.testing.assert_array_equal(_typed(trace["x"]), points["x"].to_numpy(np.float32))
    np.testing.assert_array_equal(_typed(trace["y"]), points["y"].to_numpy(np.float32))
    assert trace["text"] == points["word"].tolist()
    np.testing.assert_array_equal(_typed(trace["marker"]["color"]), points["cluster_0"].to_numpy())
    assert all(len(t.get("x") or []) == 0 for t in _spec(at)["data"][1:])  # nothing focused yet


def _assert_no_overlap(layout: dict) -> None:
    """Recompute every annotation's box in pixels from its point, offset and font: none overlaps another."""
    notes = layout["annotations"]
    (x0, x1), (y0, y1) = layout["xaxis"]["range"], layout["yaxis"]["range"]
    sx, sy = PLOT_PX[0] / (x1 - x0), PLOT_PX[1] / (y1 - y0)
    boxes = []
    for a in notes:
        w, h = lab.label_size([a["text"]], a["font"]["size"])[0]
        cx, cy = (a["x"] - x0) * sx + a["ax"], (a["y"] - y0) * sy - a["ay"]
        boxes.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    assert not lab.boxes_overlap(np.array(boxes))


def test_coarse_region_names_are_drawn_and_never_overlap(env: Path) -> None:
    at = _opened(env)
    layout = _spec(at)["layout"]
    labels = pq.read_table(env / "labels.parquet").to_pandas()
    coarse = set(labels.loc[labels["level"] == 0, "label"])
    notes = layout["annotations"]
    assert len(notes) >= len(coarse) // 2 and {a["text"] for a in notes} <= coarse
    _assert_no_overlap(layout)


def test_search_zooms_to_the_word_and_rings_it(env: Path) -> None:
    at = _opened(env)
    whole = _spec(at)["layout"]["xaxis"]["range"]
    points = pq.read_table(env / POINTS).to_pandas().set_index("word")
    at.text_input(key="map.search").set_value("W77").run()  # another letter case finds it too
    _no_failure(at)
    spec = _spec(at)
    (x0, x1), (y0, y1) = spec["layout"]["xaxis"]["range"], spec["layout"]["yaxis"]["range"]
    x, y = points.loc["w77", ["x", "y"]]
    assert x0 < x < x1 and y0 < y < y1
    assert (x1 - x0) < 0.2 * (whole[1] - whole[0])
    ring = spec["data"][3]
    assert ring["text"] == ["w77"] and np.isclose(ring["x"][0], x)
    named = [a for a in spec["layout"]["annotations"] if a["text"] == "w77"]
    assert len(named) == 1 and named[0]["font"]["color"] == FOCUS_COLOUR  # named once, in the ring's colour
    assert len(spec["layout"]["annotations"]) >= 2  # zoomed in: words (or fine regions) in view are named too
    _assert_no_overlap(spec["layout"])
    assert at.query_params["map.search"] == "W77"


def test_a_missing_word_gets_near_spellings(env: Path) -> None:
    at = _opened(env)
    at.text_input(key="map.search").set_value("w77x").run()
    _no_failure(at)
    assert any("is not in the map small" in w.value and "w77" in w.value for w in at.warning)


def test_a_clicked_word_shows_its_neighbours_from_the_file_and_lines_to_them(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _opened(env)
    words = pq.read_table(env / POINTS).column("word").to_pylist()
    row = 40
    # Streamlit hands the page what the browser selected; a click on the dot of row 40 of trace 0:
    monkeypatch.setattr("explorer.map.views.chart_points", lambda state: [{"curve_number": 0, "point_index": row}])
    at.run()
    _no_failure(at)
    assert at.text_input(key="map.word").value == words[row]
    table = at.dataframe[0].value
    stored = pq.read_table(env / "neighbors.parquet").to_pandas()
    stored = stored[stored["word"] == words[row]].sort_values("rank")
    assert table["neighbour"].tolist() == stored["neighbor"].tolist()
    np.testing.assert_allclose(table["cosine"], stored["cosine"], atol=1e-4)
    spec = _spec(at)
    assert spec["data"][2]["text"] == stored["neighbor"].tolist()
    assert len(spec["data"][1]["x"]) == 3 * len(stored)  # one segment per neighbour, from the clicked word
    named = {a["text"] for a in spec["layout"]["annotations"]}
    assert {words[row], *stored["neighbor"]} <= named  # the word and every neighbour named on the map
    _assert_no_overlap(spec["layout"])
    assert at.query_params["map.word"] == words[row]


def test_a_click_on_the_ring_of_a_searched_word_selects_that_word(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _opened(env)
    at.text_input(key="map.search").set_value("w77").run()
    ring = _spec(at)["data"][3]
    # The ring is drawn over the map's trace, so the browser reports a click on it as trace 3, point 0:
    click = [{"curve_number": 3, "point_index": 0, "customdata": ring["customdata"][0]}]
    monkeypatch.setattr("explorer.map.views.chart_points", lambda state: click)
    at.run()
    _no_failure(at)
    assert at.text_input(key="map.word").value == "w77"
    assert any(s.value == "Nearest words to “w77”" for s in at.subheader)


def test_a_box_selection_lists_the_words_with_a_csv(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _opened(env)
    words = pq.read_table(env / POINTS).column("word").to_pylist()
    picked = [3, 9, 27, 81]
    fake = [{"curve_number": 0, "point_index": r} for r in picked] + [{"curve_number": 3, "point_index": 0}]
    monkeypatch.setattr("explorer.map.views.chart_points", lambda state: fake)
    at.run()
    _no_failure(at)
    assert any(s.value == "4 words selected" for s in at.subheader)
    assert at.dataframe[0].value["word"].tolist() == [words[r] for r in picked]
    assert at.get("download_button")


def test_damaged_maps_are_listed_as_unreadable_with_their_reason(env: Path) -> None:
    at = _opened(env)
    warnings = {w.value.split("**")[1]: w.value for w in at.warning}
    assert set(warnings) == {"dims7", "cut"}
    assert '"dims" must be 2 or 3' in warnings["dims7"]
    assert "points.parquet is damaged" in warnings["cut"]
    assert [o.split(":")[0] for o in at.selectbox(key="map.name").options] == ["small"]


def test_a_link_to_a_missing_map_says_so_and_opens_a_listed_one(env: Path) -> None:
    at = app_test(PAGE)
    at.query_params["map.name"] = "../small"
    at.run()
    _no_failure(at)
    assert any("no word map named '../small'" in w.value for w in at.warning)
    assert at.selectbox(key="map.name").value == "small"


def test_without_a_map_folder_the_page_says_how_to_build_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXPLORER_MAP_DIR", raising=False)
    at = app_test(PAGE)
    at.run()
    _no_failure(at)
    assert any("python -m explorer.map build" in i.value and "EXPLORER_MAP_DIR=maps" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_map_names_are_plain_folder_names_never_paths(map_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    shutil.copytree(map_dir / "small", outside)
    os.symlink(outside, map_dir / "linked")
    try:
        for bad in ("../maps/small", str(map_dir / "small"), "linked", "small/..", "nothere"):
            with pytest.raises(MapBuildError):
                reader.map_path(map_dir, bad)
            with pytest.raises(LinkError):
                reader.link_parser(map_dir)(bad)
        assert "linked" not in reader.map_names(map_dir)
        assert reader.link_parser(map_dir)(" small ") == "small"
    finally:
        os.unlink(map_dir / "linked")


def test_read_map_matches_the_files(env: Path) -> None:
    data = reader.read_map(reader.open_map(env.parent, "small"))
    points = pq.read_table(env / POINTS).to_pandas()
    assert list(data.words) == points["word"].tolist() and data.coords.dtype == np.float32
    assert data.neighbor_rows.shape == (N, 10) and (data.neighbor_rows >= 0).all()
    assert not data.coords.flags.writeable  # shared by every visitor: read-only


def test_a_hosted_server_shows_its_prebuilt_maps(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    at = _opened(env)
    assert _spec(at)["data"][0]["type"] == "scattergl"
    assert not [b for b in at.get("button") if "Build" in b.label]  # only the maps the operator built are shown
    assert {w.value.split("**")[1] for w in at.warning} == {"dims7", "cut"}


def test_a_map_whose_files_disagree_with_its_manifest_is_refused_with_a_message(
    map_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "maps"
    shutil.copytree(map_dir / "small", folder / "miscounted")
    manifest = json.loads((folder / "miscounted" / MANIFEST).read_text())
    manifest["counts"]["points"] = N - 1
    (folder / "miscounted" / MANIFEST).write_text(json.dumps(manifest))
    monkeypatch.setenv("EXPLORER_MAP_DIR", str(folder))
    at = app_test(PAGE)
    at.run()
    assert not at.exception, at.exception
    assert any(f"holds {N:,} words but the manifest says {N - 1:,}" in e.value for e in at.error)
    assert not at.get("plotly_chart")


def test_the_map_folder_setting_is_read_from_the_environment() -> None:
    from explorer.settings import Settings

    assert Settings.from_env({}).map_dir is None
    assert Settings.from_env({"EXPLORER_MAP_DIR": " /srv/maps "}).map_dir == "/srv/maps"


# ----- density underlay and the view the names follow ------------------------------------------------------
def _labels(env: Path):
    return pq.read_table(env / "labels.parquet").to_pandas()


def test_the_density_underlay_is_one_log_scaled_image_of_the_whole_map(env: Path) -> None:
    at = _opened(env)
    heat = _spec(at)["data"][4]
    assert heat["type"] == "heatmap" and heat["hoverinfo"] == "skip"  # hover and clicks still land on words
    ny, nx = (int(v) for v in str(heat["z"]["shape"]).split(","))  # plotly writes a 2-D typed array's shape as text
    levels = _typed(heat["z"])
    assert heat["z"]["dtype"] == "u1" and levels.size == ny * nx <= 40_000  # a small image, whatever the words
    points = pq.read_table(env / POINTS).to_pandas()
    x_edges = heat["x0"] - heat["dx"] / 2 + heat["dx"] * np.arange(nx + 1)
    y_edges = heat["y0"] - heat["dy"] / 2 + heat["dy"] * np.arange(ny + 1)
    counts, _, _ = np.histogram2d(points["y"], points["x"], bins=(y_edges, x_edges))
    grid = levels.reshape(ny, nx)
    assert ((grid > 0) == (counts > 0)).all()  # shaded exactly where words are
    assert grid[counts == counts.max()].min() == 255
    order = np.argsort(counts[counts > 0], kind="stable")
    assert (np.diff(grid[counts > 0][order].astype(int)) >= 0).all()  # more words, never lighter
    assert counts.sum() >= 0.99 * len(points)  # nearly every word counted


def test_density_grid_is_log_scaled() -> None:
    xy = np.array([[0.1, 0.1]] * 99 + [[0.9, 0.9]])
    g = density_grid(xy, (0.0, 1.0), (0.0, 1.0), cells=(2, 2))
    assert g.counts_max == 99 and g.levels[0, 0] == 255 and g.levels[1, 1] == 1 + round(254 * np.log(2) / np.log(100))
    assert g.levels[0, 1] == 0 and g.levels[1, 0] == 0


def _zoomed_to_box(at, monkeypatch: pytest.MonkeyPatch, box) -> dict:
    monkeypatch.setattr("explorer.map.viewport.selection_box", lambda state: box)
    at.run()
    button = next(b for b in at.get("button") if b.label == "Zoom to selection")
    assert not button.disabled
    assert "first" not in button.help and "the names follow it" in button.help  # says what it does, now it can
    button.click().run()
    _no_failure(at)
    monkeypatch.setattr("explorer.map.viewport.selection_box", lambda state: None)  # the new chart has no box
    return _spec(at)


def test_zoom_to_a_box_names_its_fine_regions_then_its_words(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _opened(env)
    idle = next(b for b in at.get("button") if b.label == "Zoom to selection")
    assert idle.disabled and "Drag a box or lasso" in idle.help  # no box drawn yet
    data = reader.read_map(reader.open_map(env.parent, "small"))
    fine = _labels(env)[lambda t: t["level"] == 1]
    anchor = fine.sort_values("size").iloc[-1]
    whole = vp.whole_view(data)
    wx, wy = whole.span
    monkeypatch.setattr(vp, "WORDS_MAX_POINTS", 20)  # this small map: a quarter of it is "zoomed into a region"
    box = ((anchor.x - wx / 4, anchor.x + wx / 4), (anchor.y - wy / 4, anchor.y + wy / 4))
    spec = _zoomed_to_box(at, monkeypatch, box)
    assert spec["layout"]["xaxis"]["range"] == pytest.approx(list(box[0]))
    assert spec["layout"]["yaxis"]["range"] == pytest.approx(list(box[1]))
    names = {a["text"] for a in spec["layout"]["annotations"]}
    assert names and names <= set(fine["label"]) and anchor.label in names
    assert len(spec["data"]) == 4  # zoomed in, no density shading: the dots themselves read
    _assert_no_overlap(spec["layout"])
    assert vp.parse_view(at.query_params["map.view"]) == pytest.approx(list(box[0]) + list(box[1]))

    small = ((anchor.x - wx / 40, anchor.x + wx / 40), (anchor.y - wy / 40, anchor.y + wy / 40))
    spec = _zoomed_to_box(at, monkeypatch, small)
    view = vp.View(*small[0], *small[1])
    in_view = np.flatnonzero(view.contains(data.coords))
    words = {a["text"] for a in spec["layout"]["annotations"]} - set(fine["label"])
    assert words and words <= {data.words[r] for r in in_view}  # zoomed in further: the words themselves
    assert data.words[in_view[0]] in words  # the most frequent word in view is named first
    _assert_no_overlap(spec["layout"])


def test_the_search_box_s_example_is_a_word_of_the_map(env: Path) -> None:
    at = _opened(env)
    example = at.text_input(key="map.search").placeholder
    data = reader.read_map(reader.open_map(env.parent, "small"))
    assert example in data.row_of


def test_the_only_zoom_out_button_is_the_page_s(env: Path) -> None:
    at = _opened(env)
    config = json.loads(at.get("plotly_chart")[0].proto.config)
    assert {"zoomIn2d", "zoomOut2d"} <= set(config["modeBarButtonsToRemove"])  # Plotly's picture-only zoom buttons
    assert config["scrollZoom"] is True
    assert [b.label for b in at.get("button")].count("Zoom out") == 1


def test_zoom_out_brings_back_the_whole_map_and_its_coarse_names(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _opened(env)
    whole = _spec(at)["layout"]
    at.text_input(key="map.search").set_value("w5").run()
    assert _spec(at)["layout"]["xaxis"]["range"] != whole["xaxis"]["range"]
    out = next(b for b in at.get("button") if b.label == "Zoom out")
    out.click().run()
    _no_failure(at)
    layout = _spec(at)["layout"]
    assert layout["xaxis"]["range"] == whole["xaxis"]["range"] and layout["yaxis"]["range"] == whole["yaxis"]["range"]
    coarse = set(_labels(env).query("level == 0")["label"])
    assert {a["text"] for a in layout["annotations"]} - {"w5"} <= coarse
    assert "map.view" not in at.query_params
    at.run()  # the search text is still there, but it was applied once: the view stays whole
    assert _spec(at)["layout"]["xaxis"]["range"] == whole["xaxis"]["range"]


def test_picking_a_region_flies_to_it(env: Path) -> None:
    at = _opened(env)
    data = reader.read_map(reader.open_map(env.parent, "small"))
    options = at.selectbox(key="map.region").options
    assert len(options) == 1 + len(_labels(env))  # every region of both levels, after an empty choice
    coarse = _labels(env).query("level == 0").sort_values("size", ascending=False).iloc[0]
    at.selectbox(key="map.region").set_value(f"0:{coarse.cluster}").run()
    _no_failure(at)
    layout = _spec(at)["layout"]
    view = vp.View(*layout["xaxis"]["range"], *layout["yaxis"]["range"])
    members = data.clusters[0] == coarse.cluster
    assert view.contains(data.coords[members]).mean() >= 0.9  # the region fills the view
    assert view.contains(data.coords).mean() < 0.9
    _assert_no_overlap(layout)


def test_a_link_with_a_view_opens_at_that_view(env: Path) -> None:
    at = app_test(PAGE)
    at.query_params["map.view"] = "0.0,0.5,-0.25,0.25"
    at.query_params["map.search"] = "w77"  # a searched word that came with its view does not move it
    at.run()
    _no_failure(at)
    layout = _spec(at)["layout"]
    assert layout["xaxis"]["range"] == [0.0, 0.5] and layout["yaxis"]["range"] == [-0.25, 0.25]
    bad = app_test(PAGE)
    bad.query_params["map.view"] = "1,0,0,1"
    bad.run()
    _no_failure(bad)
    assert any("is not a view" in w.value for w in bad.warning)


def test_a_link_with_only_a_search_flies_to_the_word(env: Path) -> None:
    at = app_test(PAGE)
    at.query_params["map.search"] = "w77"
    at.run()
    _no_failure(at)
    points = pq.read_table(env / POINTS).to_pandas().set_index("word")
    layout = _spec(at)["layout"]
    view = vp.View(*layout["xaxis"]["range"], *layout["yaxis"]["range"])
    assert view.contains(points.loc[["w77"], ["x", "y"]].to_numpy())[0]
    assert view.span[0] < 0.2 * vp.whole_view(reader.read_map(reader.open_map(env.parent, "small"))).span[0]


def test_label_stage_follows_the_points_in_view(env: Path) -> None:
    data = reader.read_map(reader.open_map(env.parent, "small"))
    whole = vp.whole_view(data)
    assert vp.label_stage(data, whole) == vp.COARSE
    assert vp.label_stage(data, vp.word_view(data, 0)) == vp.WORDS
    x, y = (float(v) for v in data.coords[0])
    wx, wy = whole.span
    big = vp.View(x - wx / 3, x + wx / 3, y - wy / 3, y + wy / 3)
    inside = int(big.contains(data.coords).sum())
    assert inside < N / 2
    assert vp.label_stage(data, big) == (vp.WORDS if inside <= vp.WORDS_MAX_POINTS else vp.FINE)
    offered = vp.label_candidates(data, vp.word_view(data, 0), pinned=[5, 0], focus=0)
    assert offered.texts[:2] == [data.words[0], data.words[5]] and offered.kinds[0] == "focus" and offered.must == 2


# ----- building a map from the page ------------------------------------------------------------------------
def _planted(n: int, seed: int = 3) -> WordVectors:
    planted = planted_clusters(n, 16, coarse=4, seed=seed)
    return WordVectors(planted.keys, planted.matrix, name=f"planted{n}")


def _build_form(at, sets: dict[str, WordVectors]):
    give_vectors(at, sets)
    at.run()
    _no_failure(at)
    at.toggle(key="map.build.open").set_value(True).run()
    _no_failure(at)
    return at


def _click_build(at, name: str, replace: bool = False):
    at.text_input(key="map.build.name").set_value(name)
    at.selectbox(key="map.build.method").set_value("pca")
    at.checkbox(key="map.build.replace").set_value(replace)
    next(b for b in at.button if b.label == "Build the map").click().run()
    return at


@pytest.fixture()
def build_dir(map_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A map folder of its own (the module's maps stay as they are): the map ``small`` and a foreign folder."""
    folder = tmp_path / "maps"
    shutil.copytree(map_dir / "small", folder / "small")
    (folder / "notes").mkdir()
    (folder / "notes" / "todo.txt").write_text("keep me")
    monkeypatch.setenv("EXPLORER_MAP_DIR", str(folder))
    return folder


def test_a_vector_set_is_built_into_a_map_from_the_page_and_the_build_outlives_the_session(build_dir: Path) -> None:
    import time

    from explorer import cache

    at = _build_form(app_test(PAGE), {"planted": _planted(300)})
    assert at.selectbox(key="map.build.set").value == "planted"  # the visitor's own set is offered first
    _click_build(at, "fresh")
    _no_failure(at)
    job = cache.map_jobs().get("fresh")
    assert job is not None and job.workdir is not None and (job.workdir / "planted300.bin").is_file()
    # Another session (the visitor came back from another page, or reloaded) finds the running job:
    later = app_test(PAGE)
    statuses: list[str] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        later.run()
        _no_failure(later)
        statuses += [str(p.proto.text) for p in later.get("progress")]
        if later.selectbox(key="map.name").value == "fresh":
            break
        time.sleep(0.5)
    assert later.selectbox(key="map.name").value == "fresh"  # the new map is listed and shown
    assert job.state == "done" and not job.workdir.exists()  # the job's own input folder is gone
    assert any("Building map **fresh**" in s for s in statuses) or job.share == 1.0
    assert any("Map **fresh**" in s.value for s in later.success)
    success = next(s.value for s in later.success if "Map **fresh**" in s.value)
    assert success.count("fresh") == 1 and "recall" not in success  # one plain sentence, not the job's summary line
    at.run()  # the session that pressed Build sees its job end: the form closes and the new map is shown
    _no_failure(at)
    assert at.selectbox(key="map.name").value == "fresh"
    assert at.toggle(key="map.build.open").value is False
    manifest = json.loads((build_dir / "fresh" / MANIFEST).read_text())
    assert manifest["counts"]["points"] == 300 and manifest["method"] == "pca"
    assert manifest["source"]["name"] == "planted300.bin"  # the map names the set it was made from
    assert sorted(_spec(later)["data"][0]["text"]) == sorted(_planted(300).keys)
    assert (build_dir / "notes" / "todo.txt").read_text() == "keep me"


def test_a_bad_build_request_gets_a_clear_message_and_starts_nothing(build_dir: Path) -> None:
    from explorer import cache

    at = _build_form(app_test(PAGE), {"tiny": _planted(300).subset(_planted(300).keys[:5]), "planted": _planted(300)})
    at.selectbox(key="map.build.set").set_value("tiny").run()
    _click_build(at, "tiny-map")
    assert any("holds 5 words" in e.value and "Pick a bigger set" in e.value for e in at.error)
    at.selectbox(key="map.build.set").set_value("planted").run()
    cases = {
        "notes": "that is not a map, so it is left alone",  # a folder the job did not write
        "small": "exists already",  # a map: replaced only when asked
        "../up": "is not a map name",
    }
    for name, said in cases.items():
        _click_build(at, name)
        assert not at.exception, at.exception
        assert any(said in e.value for e in at.error), (name, [e.value for e in at.error])
        assert cache.map_jobs().get(name) is None
    assert (build_dir / "notes" / "todo.txt").read_text() == "keep me"


def test_a_hosted_server_offers_no_build_and_says_so(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from explorer.ui.map_build import HOSTED_NOTE

    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    at = _opened(env)
    assert not [t for t in at.toggle if t.key == "map.build.open"]
    assert any(c.value == HOSTED_NOTE for c in at.caption)
    said = " ".join(e.value for kind in ("markdown", "caption", "info", "warning") for e in at.get(kind))
    assert "Built from" in said  # the map's own description is still there, in the About expander
    for internal in ("EXPLORER_", "python -m", "--out"):  # no setting or command a visitor cannot use
        assert internal not in said, internal


def test_the_build_form_names_the_layouts_as_the_page_does(build_dir: Path) -> None:
    at = _build_form(app_test(PAGE), {"planted": _planted(300)})
    assert at.selectbox(key="map.build.method").options == ["UMAP", "t-SNE", "PCA"]
    assert at.selectbox(key="map.build.method").value == "pca"
    said = " ".join(e.value for kind in ("markdown", "caption", "info") for e in at.get(kind))
    assert "EXPLORER_MAP_DIR" not in said  # this server has a map folder: no setting to set


def _wait_for_map(at, name: str, timeout_s: float = 240) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        at.run()
        _no_failure(at)
        if any(box.key == "map.name" and box.value == name for box in at.selectbox):
            return
        time.sleep(0.5)
    raise AssertionError(f"the map {name} did not appear")


def test_a_library_file_is_mapped_from_its_own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from explorer import cache

    data_dir = tmp_path / "data"
    (data_dir / "vectors").mkdir(parents=True)
    save_vectors(_planted(200, seed=5), data_dir / "vectors" / "shelf.txt", fmt="word2vec")
    monkeypatch.delenv("EXPLORER_MAP_DIR", raising=False)
    monkeypatch.setenv("EXPLORER_DATA_DIR", str(data_dir))  # maps go to <data>/maps
    at = app_test(PAGE)
    at.run()
    _no_failure(at)
    at.toggle(key="map.build.open").set_value(True).run()
    at.selectbox(key="map.build.set").set_value("library:shelf.txt").run()
    _no_failure(at)
    assert at.text_input(key="map.build.name").value == "shelf"  # named after the set
    _click_build(at, "shelf")
    _no_failure(at)
    job = cache.map_jobs().get("shelf")
    assert job is not None and job.workdir is None  # nothing copied: the job reads the library file itself
    _wait_for_map(at, "shelf")
    manifest = json.loads((data_dir / "maps" / "shelf" / MANIFEST).read_text())
    assert manifest["source"]["name"] == "shelf.txt" and manifest["counts"]["points"] == 200


def test_a_failed_or_stopped_job_says_why_and_leaves_no_map(tmp_path: Path) -> None:
    from explorer.map.jobs import FAILED, STOPPED, BuildRequest, MapJobs

    jobs = MapJobs()
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("this is not\na vector file at all\n")
    failed = jobs.start(tmp_path / "maps", BuildRequest("broken", "garbage.txt", None, garbage))
    assert failed.wait(120) == FAILED
    assert "garbage.txt cannot be read as word vectors" in failed.error and "Traceback" not in failed.status
    stopped = jobs.start(tmp_path / "maps", BuildRequest("halted", "planted", _planted(300), method="tsne"))
    stopped.stop()
    assert stopped.wait(120) == STOPPED and "stopped after" in stopped.status
    assert not (tmp_path / "maps" / "broken").exists() and not (tmp_path / "maps" / "halted").exists()
    assert not stopped.workdir.exists()  # its input folder went with it


def test_opening_another_map_shows_it_whole(build_dir: Path) -> None:
    shutil.copytree(build_dir / "small", build_dir / "twin")
    at = app_test(PAGE)
    at.run()
    whole = _spec(at)["layout"]["xaxis"]["range"]
    at.text_input(key="map.search").set_value("w77").run()
    assert _spec(at)["layout"]["xaxis"]["range"] != whole
    at.selectbox(key="map.name").set_value("twin").run()
    _no_failure(at)
    assert _spec(at)["layout"]["xaxis"]["range"] == whole and "map.view" not in at.query_params
