"""Charts a reader can read: labels that never overlap, ordered heatmaps, honest loss lines, exports."""

from __future__ import annotations

import csv
import io

import numpy as np
import plotly.graph_objects as go
import pytest

from explorer.charts import labels as lab
from explorer.charts.context import MAX_LABEL_CHARS, heatmap_pair, occurrence_labels, short_label
from explorer.charts.export import figure_csv
from explorer.charts.image import figure_image, image_export_problem
from explorer.charts.projection import projection_figure
from explorer.charts.train import MAP_PLOT_PX, loss_figure, running_mean, word_map_figure
from explorer.contextual.views import SERIATION_ABOVE, seriation


def _crowd(n: int = 80, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Points packed into a small corner of a 600 x 400 plot, with words of mixed lengths."""
    rng = np.random.default_rng(seed)
    points = rng.normal(loc=(300, 200), scale=25, size=(n, 2))
    words = [("berlin", "rome", "paris", "king", "queen", "prince", "refund")[i % 7] + str(i) for i in range(n)]
    return points, words


def test_crowded_labels_never_overlap_and_stay_in_the_plot() -> None:
    points, words = _crowd()
    sizes = lab.label_size(words, 11)
    pins = [3, 4, 5]
    spots = lab.place_labels(points, sizes, order=pins + list(range(len(words))), bounds=(600, 400), must=pins)
    boxes = lab.label_boxes(points, sizes, spots)
    assert len(spots) >= 20  # a crowded map still gets many labels
    assert not lab.boxes_overlap(boxes)
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 600).all() and (boxes[:, 3] <= 400).all()
    assert {s.index for s in spots} >= set(pins)  # pinned words always get their label
    assert any(s.leader for s in spots)  # some had to move away from their point: a leader line shows where
    again = lab.place_labels(points, sizes, order=pins + list(range(len(words))), bounds=(600, 400), must=pins)
    assert again == spots  # deterministic


def test_boxes_overlap_detects_a_clash() -> None:
    assert lab.boxes_overlap(np.array([[0, 0, 10, 10], [5, 5, 15, 15]]))
    assert not lab.boxes_overlap(np.array([[0, 0, 10, 10], [10, 0, 20, 10]]))  # touching is fine


def test_train_map_labels_berlin_rome_paris_and_king_queen_apart() -> None:
    words = ["berlin", "rome", "paris", "king", "queen", "the", "city"]
    xy = np.array([[0.50, 0.50], [0.51, 0.50], [0.50, 0.51], [-0.5, -0.5], [-0.5, -0.49], [0.0, 0.9], [0.9, 0.0]])
    fig = word_map_figure(words, xy, pinned=["berlin", "rome", "paris", "king", "queen"], extent=1.0)
    notes = {a.text: a for a in fig.layout.annotations}
    assert {"berlin", "rome", "paris", "king", "queen"} <= set(notes)
    # Recompute the label boxes in pixels from the annotations: none overlaps another.
    px = MAP_PLOT_PX[1] / 2.0  # pixels per data unit: the word map's plot area over its [-1, 1] range
    boxes = []
    for a in notes.values():
        w, h = lab.label_size([a.text], a.font.size)[0]
        cx, cy = (a.x + 1) * px + a.ax, (a.y + 1) * px - a.ay
        boxes.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    assert not lab.boxes_overlap(np.array(boxes))


def test_project_groups_are_large_labelled_markers_with_a_legend_each() -> None:
    keys = [f"w{i}" for i in range(300)] + ["refund", "invoice", "fee", "box", "parcel"]
    rng = np.random.default_rng(1)
    coords = rng.normal(size=(len(keys), 2)).astype(np.float32)
    groups = ["other"] * 300 + ["billing"] * 3 + ["shipping"] * 2
    fig = projection_figure(keys, coords, colour_labels=groups, emphasise_groups=True, n_labels=10)
    by_name = {t.name: t for t in fig.data}
    assert {"billing", "shipping", "other"} <= set(by_name) and by_name["billing"].showlegend is not False
    assert by_name["billing"].marker.size > by_name["other"].marker.size
    labelled = {a.text for a in fig.layout.annotations}
    assert {"refund", "invoice", "fee", "box", "parcel"} <= labelled
    assert fig.layout.dragmode == "select"


def test_semantic_axes_name_their_end_words() -> None:
    keys = ["man", "woman", "bad", "good", "king", "queen"]
    coords = np.array([[-1, 0], [1, 0], [0, -1], [0, 1], [-0.5, 0.2], [0.5, 0.2]], dtype=np.float32)
    fig = projection_figure(keys, coords, axis_ends=[("man", "woman"), ("bad", "good")], axis_titles=["man → woman", "bad → good"])  # fmt: skip
    texts = [a.text for a in fig.layout.annotations]
    for word in ("man", "woman", "bad", "good"):
        assert word in texts  # the point is labelled
        assert any(word in t and "<b>" in t for t in texts)  # and the axis end says it
    assert "axis end words" in [t.name for t in fig.data]


def test_seriation_turns_a_shuffled_block_matrix_into_blocks() -> None:
    rng = np.random.default_rng(3)
    sense = np.repeat([0, 1, 2], [15, 20, 12])
    centres = np.eye(3, 16) * 3
    vectors = centres[sense] + rng.normal(scale=0.3, size=(len(sense), 16))
    shuffle = rng.permutation(len(sense))
    vectors, sense = vectors[shuffle], sense[shuffle]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    order = seriation(unit @ unit.T)
    assert sorted(order.tolist()) == list(range(len(sense)))
    runs = 1 + int(np.count_nonzero(np.diff(sense[order])))
    assert runs == 3  # each sense is one contiguous block
    assert len(sense) > SERIATION_ABOVE


def test_seriation_applies_past_forty_occurrences_in_the_layer_view() -> None:
    from explorer.contextual.occurrences import AllLayers
    from explorer.contextual.views import layer_view

    rng = np.random.default_rng(0)
    for n, expected in ((12, False), (45, True)):
        sentences = tuple(f"the bank number {i}" for i in range(n))
        stack = AllLayers("bank", sentences, tuple(range(n)), ((4, 8),) * n, rng.normal(size=(2, n, 8)).astype(np.float32))  # fmt: skip
        view = layer_view(stack, 1, static_vector=np.ones(8))
        assert view.seriated is expected and sorted(view.order) == list(range(n))
        assert view.order != tuple(range(n)) or not expected


def test_short_labels_keep_the_word_and_a_few_words_around_it() -> None:
    sentence = "I walked along the bank of the river at dawn."
    assert short_label("3", sentence, (19, 23)) == "#3 …the bank of the…"
    long = "Supercalifragilisticexpialidocious bank extraordinarilylongwordhere"
    assert len(short_label("9", long, (35, 39))) <= len("#9 ") + MAX_LABEL_CHARS
    assert occurrence_labels([0, 1], ["a bank", "the bank"], [(2, 6), (4, 8)]) == ["#1 a bank", "#2 the bank"]


def test_context_heatmap_grows_with_the_occurrences_and_shows_the_order() -> None:
    def fig(n: int, order=None) -> go.Figure:
        labels = [f"#{i + 1} …the bank of…" for i in range(n)]
        return heatmap_pair(
            np.eye(n), np.ones((n, n)), labels, [f"sentence {i}" for i in range(n)], layer=1, order=order
        )

    small, big = fig(10), fig(60)
    assert big.layout.height > small.layout.height + 500
    assert list(big.layout.xaxis.ticktext[:2]) == ["#1", "#3"]  # narrow columns: numbers only, every second
    ordered = fig(3, order=[2, 0, 1])
    assert list(ordered.data[0].y) == ["#3 …the bank of…", "#1 …the bank of…", "#2 …the bank of…"]
    assert ordered.data[0].customdata[0][0][0] == "sentence 2"  # hover follows the order


def test_running_mean_runs_through_a_falling_curve_not_above_it() -> None:
    steps = np.arange(40)
    rng = np.random.default_rng(0)
    loss = 0.5 + 0.5 * np.exp(-steps / 4) + rng.normal(scale=0.01, size=len(steps))
    line = running_mean(loss)
    trailing = np.array([loss[max(0, i - 9) : i + 1].mean() for i in range(len(loss))])
    assert abs(np.mean(line - loss)) < 0.01  # no bias: as many points above the line as below
    assert np.mean(trailing - loss) > 5 * abs(np.mean(line - loss))  # the old trailing mean sat above
    stages = ["count"] * 3 + ["svd"] * 3
    assert running_mean([9, 9, 9, 1, 1, 1], stages=stages).tolist() == [9, 9, 9, 1, 1, 1]  # never across stages


def test_ppmi_loss_line_joins_its_points() -> None:
    from explorer.corpus import Corpus
    from explorer.training import make_trainer
    from explorer.training.views import loss_series

    trainer = make_trainer("ppmi_svd", Corpus.builtin("analogy_world"), vector_size=10, seed=1)
    trainer.step(12)
    series = loss_series(trainer)
    assert series.x and not series.smooth and "joined" in series.caption
    fig = loss_figure(series.x, series.loss, smooth=series.smooth, stages=series.stages)
    assert list(fig.data[1].y) == pytest.approx(series.loss)  # the line goes through every point


def test_figure_csv_reads_scatter_and_heatmap_traces() -> None:
    fig = go.Figure(go.Scatter(x=[1.0, 2.0], y=[3.0, 4.0], text=["king<br>queen", "b"], name="words"))
    fig.add_trace(go.Scatter(x=[0, 1, None], y=[0, 1, None], mode="lines", name="link"))
    rows = list(csv.reader(io.StringIO(figure_csv(fig))))
    assert rows[0] == ["trace", "label", "x", "y"] and rows[1] == ["words", "king queen", "1.0", "3.0"]
    assert len(rows) == 5  # the gap of the line trace is left out
    heat = list(csv.reader(io.StringIO(figure_csv(go.Figure(go.Heatmap(z=[[1, 2]], x=["a", "b"], y=["r"]))))))
    assert heat[:2] == [["heatmap", "a", "b"], ["r", "1.0", "2.0"]]


def test_image_export_gives_real_png_and_svg() -> None:
    assert image_export_problem() is None, "the test machine has kaleido and Chromium"
    fig = heatmap_pair(np.eye(2), np.ones((2, 2)), ["#1 …the bank", "#2 river bank"], ["a", "b"], layer=2)
    png = figure_image(fig, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    svg = figure_image(fig, "svg").decode("utf-8")
    assert svg.lstrip().startswith("<svg") and "river bank" in svg  # labels are in the picture


def test_image_export_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from explorer.charts import image

    monkeypatch.setenv("BROWSER_PATH", "/nowhere/chrome")
    monkeypatch.setattr(image.shutil, "which", lambda name: None)
    problem = image.image_export_problem()
    assert problem is not None and "Chromium" in problem
    with pytest.raises(image.ImageExportError, match="Chromium"):
        image.figure_image(go.Figure(), "png")


def test_live_charts_built_without_validation_are_valid_plotly() -> None:
    """The loss chart and word map skip plotly's validation for speed; their dicts must still be valid."""
    words = [f"w{i}" for i in range(30)]
    xy = np.random.default_rng(0).normal(size=(30, 2))
    for fig in (
        word_map_figure(words, xy, pinned=["w3"], extent=3.0),
        loss_figure([1, 2, 3], [3.0, 2.0, 1.0], smooth=True, stages=["train"] * 3),
    ):
        checked = go.Figure(fig.to_dict())  # validates every property; raises on a wrong one
        assert checked.to_plotly_json()["layout"]["height"] == fig.layout.height
        assert checked.layout.template.layout.paper_bgcolor == "white"


def test_project_labels_content_words_not_stopwords() -> None:
    """The most frequent words of real text are stopwords; the map labels content words, as the Train map does."""
    from explorer.stopwords import is_stopword

    stop = ["the", "of", "and", "to", "a", "in", "is", "it", "that", "for", "was", "on", "with", "as", "by"]
    keys = stop + [f"topic{i}" for i in range(200)]
    coords = np.random.default_rng(3).normal(size=(len(keys), 2)).astype(np.float32)
    labelled = {a.text for a in projection_figure(keys, coords, n_labels=20).layout.annotations}
    assert labelled and not any(is_stopword(w) for w in labelled)
    with_stop = {a.text for a in projection_figure(keys, coords, n_labels=20, label_stopwords=True).layout.annotations}
    assert any(is_stopword(w) for w in with_stop)
    three_d = projection_figure(keys, np.c_[coords, coords[:, :1]], n_labels=20)
    texts = [w for t in three_d.data if t.mode == "text" for w in t.text]
    assert texts and not any(is_stopword(w) for w in texts)


def test_semantic_axes_scale_to_the_words_not_to_their_far_end_words() -> None:
    """3,000 words near the middle and four end words far out: the view spans the words, not the ends."""
    rng = np.random.default_rng(0)
    words = rng.normal(scale=0.05, size=(3000, 2))
    ends = np.array([[-0.6, 0], [0.6, 0], [0, -0.6], [0, 0.6]])
    keys = ["man", "woman", "bad", "good"] + [f"w{i}" for i in range(3000)]
    fig = projection_figure(keys, np.vstack([ends, words]), axis_ends=[("man", "woman"), ("bad", "good")])
    for axis, column in ((fig.layout.xaxis, 0), (fig.layout.yaxis, 1)):
        lo, hi = axis.range
        inside = np.mean((words[:, column] >= lo) & (words[:, column] <= hi))
        assert hi - lo < 0.5 and inside > 0.97  # was 1.3 wide, the words in its middle tenth
    notes = [a.text for a in fig.layout.annotations if "beyond this view" in (a.text or "")]
    assert notes and notes[0].split()[0].replace(",", "").isdigit()


def test_3d_map_ranges_hold_every_point_with_room_to_spare() -> None:
    from explorer.charts.projection import SCENE_PAD

    coords = np.random.default_rng(2).normal(size=(20, 3)).astype(np.float32)
    fig = projection_figure([f"w{i}" for i in range(20)], coords)
    for j, axis in enumerate((fig.layout.scene.xaxis, fig.layout.scene.yaxis, fig.layout.scene.zaxis)):
        lo, hi = axis.range
        span = float(coords[:, j].max() - coords[:, j].min())
        assert lo <= coords[:, j].min() - 0.9 * SCENE_PAD * span and hi >= coords[:, j].max() + 0.9 * SCENE_PAD * span
        assert axis.title.text == f"component {j + 1}"


def test_clusters_are_named_by_their_most_central_content_words() -> None:
    from explorer.clustering import cluster_names, kmeans_labels
    from explorer.mapview import colour_by

    rng = np.random.default_rng(0)
    topics = (["paris", "berlin", "rome", "madrid"], ["cat", "dog", "hamster", "parrot"])
    keys: list[str] = []
    rows = []
    for topic, stopword in zip(topics, ("the", "of"), strict=True):
        centre = rng.normal(size=16) * 4
        keys.append(stopword)  # a stopword right at the cluster's centre: the most central word
        rows.append(centre)
        for w in topic:
            keys.append(w)
            rows.append(centre + rng.normal(size=16) * 0.3)
    X = np.array(rows, dtype=np.float32)
    labels = kmeans_labels(X, 2)
    names = cluster_names(X, labels, keys)
    words = [set(n.split(", ")) for n in names]
    assert [len(w) for w in words] == [3, 3], names
    assert all(any(w <= set(topic) for topic in topics) for w in words), names  # no "the", no "of"
    coloured = colour_by("cluster", keys, clusters=labels, vectors=X).labels
    assert coloured is not None and set(coloured) == set(names)
    assert colour_by("cluster", keys, clusters=labels).labels[0].startswith("cluster ")  # without vectors: numbered


def test_a_fifty_occurrence_heatmap_numbers_every_column_in_readable_type() -> None:
    from explorer.charts.context import MATRIX_PANEL_PX, X_LABEL_ROOM_PX

    labels = [f"#{i + 1} …the bank of the river…" for i in range(50)]
    fig = heatmap_pair(np.eye(50), np.ones((50, 50)), labels, labels, layer=1)
    x = fig.layout.xaxis
    assert list(x.ticktext) == [f"#{i + 1}" for i in range(50)] and list(x.tickvals) == labels
    assert x.tickfont.size >= 10 and x.tickangle == -90
    assert len(x.ticktext) * X_LABEL_ROOM_PX <= MATRIX_PANEL_PX  # each rotated number has a line's room
    many = [f"#{i + 1} bank" for i in range(150)]
    wide = heatmap_pair(np.eye(150), np.ones((150, 150)), many, many, layer=1)
    assert len(wide.layout.xaxis.ticktext) * X_LABEL_ROOM_PX <= MATRIX_PANEL_PX  # thinned, never piled up


def test_long_titles_wrap_inside_the_chart() -> None:
    from explorer.charts.compare import joint_map_figure
    from explorer.charts.titles import line_chars

    replay = "Word map at step 120 (a kept snapshot, turned to match the current map)"
    fig = word_map_figure([f"w{i}" for i in range(5)], np.random.default_rng(0).normal(size=(5, 2)), title=replay)
    text = fig.layout.title.text
    assert "<br>" in text and text.replace("<br>", " ") == replay  # every word kept, on two lines
    assert all(len(line) <= line_chars(MAP_PLOT_PX[0]) for line in text.split("<br>"))
    assert fig.layout.margin.t >= 2 * 17  # room for both lines

    long_a = "trained:sgns:upload:customer-support-conversations-2024-q3-all-regions.txt@run2.step400"
    coords = np.random.default_rng(1).normal(size=(6, 2))
    joint = joint_map_figure([f"w{i}" for i in range(6)], coords, coords, long_a, "reference (all-MiniLM-L6-v2 input embeddings)", title="PCA of A and of B rotated onto A")  # fmt: skip
    lines = joint.layout.title.text.split("<br>")
    assert lines[0] == "PCA of A and of B rotated onto A"
    widest = max(len(line.replace("<sup>", "").replace("</sup>", "")) for line in lines[1:])
    assert widest <= line_chars(900, 12) and "…" in joint.layout.title.text  # the long name is shortened
    assert any(long_a in h for h in joint.data[0].hovertext)  # and whole in the hover


def test_exported_files_carry_a_title_naming_the_set_and_method() -> None:
    from explorer.charts.export import figure_html, with_title

    fig = projection_figure(["king", "queen", "man"], np.eye(3)[:, :2])
    assert not fig.layout.title.text  # the page says what the map is
    title = "UMAP of reference vectors: 2,000 words, 2-D"
    assert with_title(fig, title).layout.title.text == title and not fig.layout.title.text  # a copy
    assert title in figure_html(fig, title=title)
    svg = figure_image(fig, "svg", title=title).decode("utf-8")
    assert "UMAP of reference vectors" in svg
