"""Projections: shapes, seeds, faithfulness on clustered data, validation, semantic axes, neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.manifold import trustworthiness

from explorer import projection as proj
from explorer.clustering import GroupsError, group_labels, kmeans_labels, parse_groups
from explorer.linalg import pca, unit_rows
from explorer.neighbours import nearest_neighbours
from explorer.projection import ProjectionError, project
from explorer.vectors import WordVectors

METHODS = ["pca", "tsne", "umap"]


def blobs(n_per: int = 30, centers: int = 5, dim: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Well-separated Gaussian blobs: random centre directions far apart, small spread."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centers, dim)) * 4
    labels = np.repeat(np.arange(centers), n_per)
    X = c[labels] + rng.normal(size=(len(labels), dim))
    return X.astype(np.float32), labels


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return blobs()


@pytest.fixture(scope="module")
def maps(data) -> dict[tuple[str, int], proj.Projection]:
    X, _ = data
    return {(m, d): project(X, m, n_components=d, seed=0) for m in METHODS for d in (2, 3)}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dims", [2, 3])
def test_shape_and_record(maps, data, method, dims) -> None:
    p = maps[(method, dims)]
    assert p.coords.shape == (len(data[0]), dims)
    assert p.coords.dtype == np.float32
    assert np.isfinite(p.coords).all()
    assert not p.coords.flags.writeable
    assert p.method == method and p.params["seed"] == 0 and p.params["n_components"] == dims
    assert p.seconds >= 0
    assert 0 <= p.knn_overlap <= 1 and p.trustworthiness <= 1


@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_map(maps, data, method) -> None:
    again = project(data[0], method, n_components=2, seed=0)
    np.testing.assert_allclose(again.coords, maps[(method, 2)].coords, rtol=1e-5, atol=1e-5)


def test_different_seed_changes_tsne(maps, data) -> None:
    other = project(data[0], "tsne", seed=7, init="random")
    assert not np.allclose(other.coords, maps[("tsne", 2)].coords)


@pytest.mark.parametrize("method", METHODS)
def test_faithful_on_clustered_data(maps, data, method) -> None:
    X, labels = data
    p = maps[(method, 2)]
    assert p.trustworthiness > 0.85
    # neighbours in the blobs are random within a blob, so only the neighbourhood method keeps many
    assert p.knn_overlap > (0.1 if method == "pca" else 0.2)
    # the clusters stay apart on the map: each point's map neighbours share its label
    nn = proj.knn_graph(p.coords, 5)[0]
    assert (labels[nn] == labels[:, None]).mean() > 0.95


def test_neighbour_methods_beat_pca_on_neighbours(maps) -> None:
    assert maps[("tsne", 2)].knn_overlap > maps[("pca", 2)].knn_overlap
    assert maps[("umap", 2)].knn_overlap > maps[("pca", 2)].knn_overlap


def test_trustworthiness_matches_sklearn(maps, data) -> None:
    X, _ = data
    p = maps[("umap", 2)]
    expected = trustworthiness(X, p.coords, n_neighbors=p.k, metric="cosine")
    assert p.trustworthiness == pytest.approx(expected, abs=1e-3)


def test_sampled_score_is_close_to_full() -> None:
    X, _ = blobs(n_per=80)
    Y = pca(X, 2)[0]
    full = proj.faithfulness(X, Y, sample=10_000)
    sampled = proj.faithfulness(X, Y, sample=150)
    assert sampled["n_scored"] == 150 and full["n_scored"] == len(X)
    assert sampled["trustworthiness"] == pytest.approx(full["trustworthiness"], abs=0.05)
    assert sampled["knn_overlap"] == pytest.approx(full["knn_overlap"], abs=0.1)


def test_identity_map_is_perfect() -> None:
    X, _ = blobs(n_per=10, dim=3)
    unit = unit_rows(X)
    scores = proj.faithfulness(X, unit)  # Euclidean order on unit vectors == cosine order
    assert scores["knn_overlap"] > 0.99 and scores["trustworthiness"] > 0.999


def test_pca_explained_variance_and_sign() -> None:
    X, _ = blobs()
    p = project(X, "pca", normalize=False)
    ev = p.explained_variance
    assert len(ev) == 2 and ev[0] >= ev[1] > 0 and sum(ev) <= 1
    flipped = project(-X, "pca", normalize=False)
    # sign fixing: the same data, negated, gives the same map up to the data's own sign flip
    np.testing.assert_allclose(np.abs(flipped.coords), np.abs(p.coords), atol=1e-3)


def test_pca_keeps_its_orientation_when_the_vectors_change_a_little() -> None:
    from explorer.linalg import pca

    for seed in range(20):
        rng = np.random.default_rng(seed)
        # each principal axis loads two features almost equally with opposite signs, so which
        # loading is largest (the usual sign rule) is decided by noise
        t, u = rng.exponential(size=(2, 80)) * [[3.0], [1.5]]
        X = np.stack([t, -t, u, -u], axis=1) + 0.05 * rng.normal(size=(80, 4))
        retrained = X + 0.05 * rng.normal(size=X.shape)  # the same run trained again
        a, b = pca(X, 2)[0], pca(retrained, 2)[0]
        for axis in range(2):
            assert np.corrcoef(a[:, axis], b[:, axis])[0, 1] > 0.9, (seed, axis)


def test_tsne_default_perplexity_scales_with_points() -> None:
    X, _ = blobs(n_per=4)  # 20 points
    p = project(X, "tsne")
    assert p.params["perplexity"] == pytest.approx(19 / 3)
    assert p.params["learning_rate"] == "auto" and p.params["init"] == "pca"
    assert proj.validate_params("tsne", 10_000)["perplexity"] == 30


def test_umap_defaults() -> None:
    params = proj.validate_params("umap", 500)
    assert params["n_neighbors"] == 15 and params["metric"] == "cosine" and params["min_dist"] == pytest.approx(0.1)
    assert proj.validate_params("umap", 6)["n_neighbors"] == 5


# ----- validation -------------------------------------------------------------------------------
def test_perplexity_too_large() -> None:
    X, _ = blobs(n_per=4)
    with pytest.raises(ProjectionError, match=r"perplexity 30 is too large for 20 points.*at most 6\.3"):
        project(X, "tsne", perplexity=30)


def test_too_few_points() -> None:
    with pytest.raises(ProjectionError, match="at least 3 points"):
        project(np.ones((2, 5), dtype=np.float32), "pca")


def test_nan_rows_are_named() -> None:
    X, _ = blobs(n_per=4)
    X = X.copy()
    X[3, 0] = np.nan
    X[11, 2] = np.inf
    with pytest.raises(ProjectionError, match=r"2 row\(s\).*rows 3, 11"):
        project(X, "pca")


@pytest.mark.parametrize("dims", [1, 4, 0])
def test_n_components_must_be_2_or_3(dims) -> None:
    with pytest.raises(ProjectionError, match="n_components must be 2 or 3"):
        project(blobs(n_per=4)[0], "pca", n_components=dims)


def test_unknown_method() -> None:
    with pytest.raises(ProjectionError, match="Unknown method 'mds'"):
        project(blobs(n_per=4)[0], "mds")
    with pytest.raises(ProjectionError, match="semantic_axes"):
        project(blobs(n_per=4)[0], "axes")


def test_unknown_parameter() -> None:
    with pytest.raises(ProjectionError, match=r"Unknown parameter\(s\) for UMAP: perplexity"):
        project(blobs(n_per=4)[0], "umap", perplexity=5)


@pytest.mark.parametrize(
    ("method", "params", "message"),
    [
        ("tsne", {"perplexity": "lots"}, "perplexity must be a number"),
        ("tsne", {"init": "magic"}, "init must be"),
        ("tsne", {"learning_rate": -1}, "learning_rate must be between"),
        ("tsne", {"n_iter": 10.5}, "n_iter must be between"),
        ("umap", {"n_neighbors": 50}, "n_neighbors 50 is too large for 20 points"),
        ("umap", {"min_dist": 2}, "min_dist must be between"),
        ("umap", {"metric": "manhattan"}, "metric must be"),
    ],
)
def test_bad_parameter_values(method, params, message) -> None:
    with pytest.raises(ProjectionError, match=message):
        project(blobs(n_per=4)[0], method, **params)


def test_bad_seed() -> None:
    with pytest.raises(ProjectionError, match="seed"):
        project(blobs(n_per=4)[0], "pca", seed=-1)


def test_projection_error_is_a_value_error() -> None:
    assert issubclass(ProjectionError, ValueError)


# ----- semantic axes ----------------------------------------------------------------------------
def _gender_size_vectors() -> WordVectors:
    rng = np.random.default_rng(0)
    dim = 16
    gender, size, base = rng.normal(size=(3, dim))
    words = {
        "man": base - gender,
        "woman": base + gender,
        "king": base - gender + 0.3 * rng.normal(size=dim),
        "queen": base + gender + 0.3 * rng.normal(size=dim),
        "small": base - size,
        "big": base + size,
        "mouse": base - size + 0.3 * rng.normal(size=dim),
        "elephant": base + size + 0.3 * rng.normal(size=dim),
    }
    return WordVectors(list(words), np.array(list(words.values()), dtype=np.float32))


def test_semantic_axes_put_words_on_the_expected_side() -> None:
    wv = _gender_size_vectors()
    p = semantic = proj.semantic_axes(wv, [("man", "woman"), ("small", "big")])
    x = dict(zip(wv.keys, p.coords[:, 0], strict=True))
    y = dict(zip(wv.keys, p.coords[:, 1], strict=True))
    assert x["man"] < 0 < x["woman"] and x["king"] < 0 < x["queen"]
    assert y["small"] < 0 < y["big"] and y["mouse"] < 0 < y["elephant"]
    assert semantic.method == "axes" and semantic.params["axes"] == [["man", "woman"], ["small", "big"]]


def test_semantic_axes_place_other_points() -> None:
    wv = _gender_size_vectors()
    points = wv.subset(["king", "queen", "mouse"])
    p = proj.semantic_axes(wv, [("man", "woman"), ("small", "big"), ("king", "queen")], points=points)
    assert p.coords.shape == (3, 3)


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("man", "woman")], "2 or 3 word pairs"),
        ([("man", "man"), ("small", "big")], "same word at both ends"),
        ([("man", "wman"), ("small", "big")], "'wman' is not in"),
        ([("man", ""), ("small", "big")], "empty"),
        ([("man", "woman", "x"), ("small", "big")], "exactly two words"),
    ],
)
def test_semantic_axes_errors(pairs, message) -> None:
    with pytest.raises(ProjectionError, match=message):
        proj.semantic_axes(_gender_size_vectors(), pairs)


# ----- neighbours on the raw vectors ------------------------------------------------------------
def test_knn_on_raw_cosine_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 20)).astype(np.float32) * rng.uniform(0.1, 10, size=(120, 1)).astype(np.float32)
    wv = WordVectors([f"w{i}" for i in range(len(X))], X)
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    brute = np.argsort(-sims, axis=1, kind="stable")[:, :7]
    np.testing.assert_array_equal(proj.cosine_knn(X, 7), brute)
    np.testing.assert_array_equal(proj.cosine_knn(X, 7, rows=np.array([5, 0, 77])), brute[[5, 0, 77]])
    got = nearest_neighbours(wv, ["w0", "w5"], topn=7)
    for w in ("w0", "w5"):
        i = int(w[1:])
        assert [n for n, _ in got[w]] == [f"w{j}" for j in brute[i]]
        np.testing.assert_allclose([s for _, s in got[w]], sims[i, brute[i]], rtol=1e-5)


def test_knn_graph_is_exact_across_blocks() -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 12))
    d = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    brute = np.argsort(d, axis=1, kind="stable")[:, :9]
    # a block of 7 rows: 43 blocks, the last one short
    idx, dist = proj.knn_graph(X, 9, max_block=7 * len(X))
    np.testing.assert_array_equal(idx, brute)
    np.testing.assert_allclose(dist, np.take_along_axis(d, brute, axis=1), rtol=1e-4, atol=1e-4)
    assert not (idx == np.arange(len(X))[:, None]).any()
    assert dist.dtype == np.float64  # float64 input is ranked in float64
    # The distances are the exact ones from the differences, not the |a|^2 + |b|^2 - 2ab of the
    # threaded product (whose rounding varies between processes): in float32 the expansion is
    # off by about 1e-5, the differences agree with float64 to the last bit of float32.
    X32 = (X * 100).astype(np.float32)
    idx32, dist32 = proj.knn_graph(X32, 9)
    exact = np.sqrt(((X32[idx32].astype(np.float64) - X32[:, None, :]) ** 2).sum(axis=2))
    np.testing.assert_allclose(dist32, exact, rtol=1.2e-7, atol=0)
    # a subset of query rows, in any order, against all rows
    rows = np.array([299, 3, 150, 3])
    sub_idx, sub_dist = proj.knn_graph(X, 9, rows=rows, max_block=2 * len(X))
    np.testing.assert_array_equal(sub_idx, brute[rows])
    np.testing.assert_allclose(sub_dist, dist[rows])
    with pytest.raises(ProjectionError, match="k must be between 1 and 299"):
        proj.knn_graph(X, 300)


def test_umap_knn_puts_self_first_and_uses_cosine_distance() -> None:
    rng = np.random.default_rng(6)
    X = rng.normal(size=(80, 10)).astype(np.float32) * rng.uniform(0.5, 5, size=(80, 1)).astype(np.float32)
    idx, dist = proj.umap_knn(X, 6, "cosine")
    assert idx.shape == dist.shape == (80, 6)
    np.testing.assert_array_equal(idx[:, 0], np.arange(80))
    assert (dist[:, 0] == 0).all() and (np.diff(dist, axis=1) >= -1e-6).all()
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    cos = np.take_along_axis(unit @ unit.T, idx, axis=1)
    np.testing.assert_allclose(dist[:, 1:], 1 - cos[:, 1:], atol=1e-5)
    np.testing.assert_array_equal(idx[:, 1:], proj.cosine_knn(X, 5))
    e_idx, e_dist = proj.umap_knn(X, 6, "euclidean")
    np.testing.assert_allclose(e_dist[:, 1], np.linalg.norm(X - X[e_idx[:, 1]], axis=1), rtol=1e-4, atol=1e-4)
    assert not np.array_equal(e_idx, idx)  # scaled rows: euclidean and cosine neighbours differ


def test_umap_epochs_default_by_size_and_explicit_value_kept() -> None:
    assert proj.validate_params("umap", 4999)["n_epochs"] == 500
    assert proj.validate_params("umap", 5000)["n_epochs"] == 200
    assert proj.validate_params("umap", 100, {"n_epochs": 37})["n_epochs"] == 37


def test_neighbours_among_a_subset_and_unknown_words() -> None:
    wv = _gender_size_vectors()
    got = nearest_neighbours(wv, ["king", "nobody"], topn=3, among=["queen", "mouse", "king"])
    assert list(got) == ["king"]
    assert {w for w, _ in got["king"]} <= {"queen", "mouse"}


# ----- choosing words, search, groups, clusters, export -----------------------------------------
def _words() -> WordVectors:
    keys = ["the", "payment", "pay", "refund", "invoice", "box", "parcel", "shipment"]
    return WordVectors(keys, np.random.default_rng(0).normal(size=(len(keys), 6)).astype(np.float32))


def test_choose_words_by_count_regex_and_list() -> None:
    wv = _words()
    assert proj.choose_words(wv, 3).keys == ("the", "payment", "pay")
    assert proj.choose_words(wv, 10, pattern="^pa").keys == ("payment", "pay", "parcel")
    assert proj.choose_words(wv, 10, include=["box", "nope", "pay"]).keys == ("box", "pay")
    assert proj.choose_words(wv, 2, always=["box"]).keys == ("the", "payment", "box")


def test_choose_words_errors() -> None:
    with pytest.raises(ProjectionError, match="not a valid regular expression"):
        proj.choose_words(_words(), 10, pattern="(unclosed")
    with pytest.raises(ProjectionError, match="No word .* matches"):
        proj.choose_words(_words(), 10, pattern="^zzz")
    with pytest.raises(ProjectionError, match="None of the listed words"):
        proj.choose_words(_words(), 10, include=["nope"])


def test_search_matches() -> None:
    keys = ["pay", "payment", "repay", "box"]
    assert proj.search_matches(keys, "PAY") == [0, 1, 2]
    assert proj.search_matches(keys, '"pay"') == [0]
    assert proj.search_matches(keys, "  ") == []


def test_groups_parse_and_label() -> None:
    groups = parse_groups("# comment\nbilling: refund, invoice fee\n\nshipping: box;parcel\nbilling: pay")
    assert groups == {"billing": ["refund", "invoice", "fee", "pay"], "shipping": ["box", "parcel"]}
    assert group_labels(["box", "pay", "the"], groups) == ["shipping", "billing", "other"]


@pytest.mark.parametrize(
    ("text", "message"), [("billing refund", "Line 1"), (": refund", "Line 1"), ("a: ", "no words")]
)
def test_groups_errors(text, message) -> None:
    with pytest.raises(GroupsError, match=message):
        parse_groups(text)


def test_kmeans_finds_the_blobs() -> None:
    X, labels = blobs()
    found = kmeans_labels(X, 5, seed=0)
    np.testing.assert_array_equal(found, kmeans_labels(X, 5, seed=0))
    # each true blob maps to one cluster
    for c in range(5):
        assert len(set(found[labels == c])) == 1
    with pytest.raises(ValueError, match="k must be between"):
        kmeans_labels(X, 0)


def test_coordinates_csv_and_hash() -> None:
    wv = _words()
    p = project(wv.vectors, "pca", n_components=3)
    nbs = nearest_neighbours(wv, wv.keys, topn=2)
    lines = proj.coordinates_csv(wv.keys, p, ["g"] * len(wv), nbs).splitlines()
    assert lines[0] == "word,x,y,z,group,neighbours"
    assert len(lines) == len(wv) + 1 and lines[1].startswith("the,")
    assert lines[1].count(";") == 1  # two neighbours
    a = proj.content_hash(wv.vectors)
    assert a == proj.content_hash(wv.vectors.copy()) and a != proj.content_hash(wv.vectors[:-1])


def test_charts_use_webgl_for_large_sets() -> None:
    from explorer.charts.export import figure_html
    from explorer.charts.projection import projection_figure

    rng = np.random.default_rng(0)
    big = rng.normal(size=(1500, 2)).astype(np.float32)
    keys = [f"w{i}" for i in range(1500)]
    fig = projection_figure(
        keys, big, colour_labels=["cluster 1"] * 700 + ["cluster 2"] * 800, highlight=[3], focus=[5, 6]
    )
    types = {t.type for t in fig.data}
    assert types == {"scattergl"}
    group_traces = [t for t in fig.data if t.name in ("cluster 1", "cluster 2")]
    assert sum(len(t.x) for t in group_traces) == 1500  # every word once; matches and focus drawn over them
    names = [t.name for t in fig.data]
    assert "search matches" in names and "selected word" in names
    small = projection_figure(keys[:20], big[:20])
    assert {t.type for t in small.data} == {"scatter"}
    three = projection_figure(keys[:20], rng.normal(size=(20, 3)))
    assert {t.type for t in three.data} == {"scatter3d"}
    assert "<html>" in figure_html(small).lower()


def test_labels_spread_over_the_map_most_frequent_first() -> None:
    from explorer.charts.projection import projection_figure, spread_labels

    rng = np.random.default_rng(2)
    # The 200 most frequent words sit in one tight clump, the rest spread out.
    coords = np.concatenate([rng.normal(size=(200, 2)) * 0.01, rng.uniform(-50, 50, size=(3000, 2))])
    chosen = spread_labels(coords, 30)
    assert chosen[0] == 0 and len(chosen) == 30
    assert sum(i < 200 for i in chosen) == 1  # one label for the clump, not 30 on top of each other
    gaps = [np.linalg.norm(coords[a] - coords[b]) for k, a in enumerate(chosen) for b in chosen[:k]]
    assert min(gaps) >= 0.04 * 100 - 1e-9
    assert chosen == sorted(chosen)  # the most frequent candidate wins each spot
    assert spread_labels(coords, 0) == [] and spread_labels(coords[:0], 5) == []
    assert spread_labels(np.zeros((5, 2)), 3) == [0]  # all in one spot: one label
    fig = projection_figure([f"w{i}" for i in range(len(coords))], coords)
    labelled = [int(a.text[1:]) for a in fig.layout.annotations]
    assert len(labelled) >= 20 and sum(i < 200 for i in labelled) <= 2  # the map, not the clump, is labelled


def test_selected_rows_from_chart_events() -> None:
    from explorer.charts.projection import selected_rows

    points = [{"customdata": {"0": 5}}, {"customdata": [2]}, {"customdata": 5}, {"customdata": [99]}, {"x": 1}]
    assert selected_rows(points, 10) == [5, 2]


def test_a_2d_map_selects_on_drag_and_a_3d_map_orbits() -> None:
    """The Project page says "drag a box or lasso": dragging must select, not pan."""
    from explorer.charts.projection import projection_figure

    keys = ["a", "b", "c"]
    assert projection_figure(keys, np.zeros((3, 2))).layout.dragmode == "select"
    assert projection_figure(keys, np.zeros((3, 3))).layout.dragmode == "orbit"


def _group_graph(n: int, group: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A k-NN graph that links each point only to ``m`` others of its own block of ``group`` points:
    (indices, distances, block of each point)."""
    rng = np.random.default_rng(seed)
    blocks = np.arange(n) // group
    indices = np.empty((n, m), dtype=np.int64)
    for i in range(n):
        mates = np.flatnonzero(blocks == blocks[i])
        indices[i] = rng.choice(mates[mates != i], size=m, replace=False)
    distances = np.sort(rng.uniform(0.05, 0.2, size=(n, m)), axis=1).astype(np.float32)
    return indices, distances, blocks


def test_umap_lays_out_a_given_neighbour_graph_instead_of_its_own() -> None:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    # Structureless vectors, but a graph of six groups: the map must show the graph's groups.
    n, group = 600, 100
    X = np.random.default_rng(1).normal(size=(n, 16)).astype(np.float32)
    indices, distances, blocks = _group_graph(n, group, 20)
    epochs: list[tuple[int, int]] = []
    p = project(X, "umap", seed=0, knn=(indices, distances), progress=lambda done, total: epochs.append((done, total)))
    found = KMeans(n_clusters=6, n_init=3, random_state=0).fit_predict(p.coords)
    assert adjusted_rand_score(blocks, found) > 0.9
    own = project(X, "umap", seed=0)  # its own graph of the same vectors has no groups to show
    assert adjusted_rand_score(blocks, KMeans(n_clusters=6, n_init=3, random_state=0).fit_predict(own.coords)) < 0.2
    # the layout's epochs were reported, from the first to the last
    total = p.params["n_epochs"]
    assert epochs[0] == (0, total) and epochs[-1] == (total, total)
    assert all(a[0] <= b[0] for a, b in zip(epochs, epochs[1:], strict=False))


def test_a_bad_neighbour_graph_gets_a_clear_message() -> None:
    X = np.random.default_rng(2).normal(size=(50, 8)).astype(np.float32)
    indices, distances, _ = _group_graph(50, 25, 14)
    for graph, said in [
        ((indices[:, :5], distances[:, :5]), "at least 14 neighbours"),
        ((indices[:40], distances[:40]), "each of the 50 points"),
        ((indices + 50, distances), "outside 0..49"),
        ((np.tile(np.arange(50)[:, None], (1, 14)), distances), "its own neighbour"),
        ((indices, -distances), "not negative"),
        ((indices.astype(np.float32), distances), "whole numbers"),
        ("not a graph", "a pair"),
    ]:
        with pytest.raises(ProjectionError, match=said):
            project(X, "umap", knn=graph)


def test_large_umap_maps_start_from_pca_and_small_ones_from_the_spectral_layout() -> None:
    assert proj.validate_params("umap", 100_000)["init"] == "spectral"
    assert proj.validate_params("umap", 1_000_000)["init"] == "pca"
    assert proj.validate_params("umap", 100, {"init": "pca"})["init"] == "pca"
    with pytest.raises(ProjectionError, match="init must be one of"):
        proj.validate_params("umap", 100, {"init": "tsvd"})
    # a PCA start gives a map as good as the spectral one on separated blobs
    X, labels = blobs()
    p = project(X, "umap", seed=0, init="pca")
    assert p.params["init"] == "pca" and p.knn_overlap > 0.5


def test_unit_rows_are_not_copied_for_the_layout() -> None:
    from explorer.projection.knn import unit_float32

    U = unit_rows(np.random.default_rng(3).normal(size=(20, 5))).astype(np.float32)
    assert unit_float32(U) is U
    X = U * 3
    np.testing.assert_allclose(unit_float32(X), U, atol=1e-6)
