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
