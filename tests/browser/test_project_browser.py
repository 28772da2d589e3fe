"""The Project page in Chromium: a 2-D WebGL map of the reference vectors, and a 3-D view screenshot."""

from __future__ import annotations

import pytest

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TRACE_TYPES = """() => {
    const g = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    return g && g._fullData ? g._fullData.map(d => d.type) : [];
}"""


def _scroll_to_chart(page) -> None:
    page.locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # let WebGL draw


def test_project_renders_webgl_map(page, app_url):
    page.goto(f"{app_url}/Project?project.method=pca&project.n_words=5000&project.search=bank")
    wait_for_app(page, timeout_ms=240_000)
    assert_healthy(page)
    page.wait_for_function(f"({TRACE_TYPES})().length > 0", timeout=60_000)
    # 5,000 points are drawn with WebGL
    assert set(page.evaluate(TRACE_TYPES)) == {"scattergl"}
    assert "5,000" in page.locator('[data-testid="stMetric"]').first.inner_text()
    _scroll_to_chart(page)
    screenshot(page, "project_2d")


def test_project_3d_view(page, app_url):
    page.goto(f"{app_url}/Project?project.method=pca&project.dims=3&project.n_words=1000")
    wait_for_app(page, timeout_ms=240_000)
    assert_healthy(page)
    page.wait_for_function(f"({TRACE_TYPES})().includes('scatter3d')", timeout=60_000)
    _scroll_to_chart(page)
    screenshot(page, "project_3d")


POINTS_DRAWN = """() => {
    const g = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    return g && g._fullData ? g._fullData.filter(d => d.mode === 'markers').reduce((s, d) => s + d.x.length, 0) : 0;
}"""
X_RANGE = """() => {
    const g = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    return g._fullLayout.xaxis.range.slice();
}"""


def test_project_50k_uploaded_points_render_and_respond(page, app_url, tmp_path):
    import numpy as np

    # 50,000 words in 40 clusters, 16 dimensions, as a word2vec text file (about 7 MB).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 16))[rng.integers(0, 40, 50_000)] * 3 + rng.normal(size=(50_000, 16))
    path = tmp_path / "vectors50k.txt"
    with path.open("w") as f:
        f.write("50000 16\n")
        f.writelines(f"w{i} " + " ".join(f"{v:.3f}" for v in row) + "\n" for i, row in enumerate(X))

    page.goto(f"{app_url}/Project?project.method=pca")
    wait_for_app(page, timeout_ms=240_000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Vector set").first.click()
    page.get_by_role("option", name="Upload a vector file…").click()
    wait_for_app(page)
    page.locator('input[type="file"]').first.set_input_files(str(path))
    wait_for_app(page, timeout_ms=240_000)
    words = page.get_by_role("spinbutton", name="Number of words (most frequent first)")
    words.fill("50000")
    words.press("Enter")
    page.wait_for_function(f"({POINTS_DRAWN})() === 50000", timeout=240_000)
    wait_for_app(page, timeout_ms=240_000)
    assert_healthy(page)
    assert "50,000" in page.locator('[data-testid="stMetric"]').first.inner_text()
    assert set(page.evaluate(TRACE_TYPES)) <= {"scattergl"}
    _scroll_to_chart(page)
    # Still interactive: zooming in from the mode bar redraws with a narrower x range.
    before = page.evaluate(X_RANGE)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.hover()
    chart.locator('button[data-title="Zoom in"]').click()
    page.wait_for_function(
        f"(() => {{ const r = ({X_RANGE})(); return r[1] - r[0] < {0.9 * (before[1] - before[0])}; }})", timeout=30_000
    )
    screenshot(page, "project_50k")


MAP_TEXTS = """() => {
    const g = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    if (!g || !g._fullLayout) return null;
    return {labels: (g._fullLayout.annotations || []).map(a => a.text),
            names: g._fullData.filter(d => d.mode === 'markers').map(d => d.name),
            x: g._fullLayout.xaxis.range.slice()};
}"""


def test_project_labels_content_words_and_names_clusters(page, app_url):
    """The reference set's 2,000 most frequent words: labels are content words, clusters are named by words."""
    from explorer.stopwords import is_stopword

    page.goto(f"{app_url}/Project?project.method=pca&project.n_words=2000&project.colour=cluster&project.k=8")
    wait_for_app(page, timeout_ms=240_000)
    assert_healthy(page)
    page.wait_for_function(f"(() => {{ const m = ({MAP_TEXTS})(); return m && m.labels.length > 5; }})", timeout=60_000)
    texts = page.evaluate(MAP_TEXTS)
    assert not [w for w in texts["labels"] if is_stopword(w)], texts["labels"]
    assert len(texts["names"]) == 8 and not any(n.startswith("cluster ") for n in texts["names"]), texts["names"]
    assert all(len(n.split(", ")) == 3 for n in texts["names"])
    _scroll_to_chart(page)
    screenshot(page, "project_labels_and_named_clusters")


def test_project_semantic_axes_spread_the_words(page, app_url):
    page.goto(f"{app_url}/Project?project.method=axes&project.n_words=3000&project.colour=none")
    wait_for_app(page, timeout_ms=240_000)
    assert_healthy(page)
    page.wait_for_function(f"(() => {{ const m = ({MAP_TEXTS})(); return m && m.names.length > 0; }})", timeout=60_000)
    texts = page.evaluate(MAP_TEXTS)
    assert any("beyond this view" in t for t in texts["labels"]), (
        "the far end words are counted, the words fill the view"
    )
    _scroll_to_chart(page)
    screenshot(page, "project_semantic_axes")
