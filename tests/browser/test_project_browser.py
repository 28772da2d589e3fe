"""The Project page in Chromium: a 2-D WebGL map of the reference vectors, and a 3-D view screenshot."""

from __future__ import annotations

import pytest

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def test_project_renders_webgl_map(page, app_url):
    page.goto(f"{app_url}/Project?project.method=pca&project.n_words=5000&project.search=bank")
    wait_for_app(page, timeout_ms=240_000)
    assert_healthy(page)
    page.wait_for_selector(CHART, timeout=60_000)
    # 5,000 points are drawn with WebGL (Scattergl renders into a gl canvas)
    assert page.locator(f"{CHART} canvas.gl-canvas-context, {CHART} .gl-container canvas").count() >= 1
    assert "5,000" in page.locator('[data-testid="stMetric"]').first.inner_text()
    screenshot(page, "project_2d")


def test_project_3d_view(page, app_url):
    page.goto(f"{app_url}/Project?project.method=pca&project.dims=3&project.n_words=1000")
    wait_for_app(page, timeout_ms=240_000)
    assert_healthy(page)
    page.wait_for_selector(f"{CHART} .gl-container, {CHART} canvas", timeout=60_000)
    page.wait_for_timeout(1500)  # let WebGL draw the scene
    assert page.locator(f"{CHART} .scene, {CHART} .gl-container").count() >= 1
    screenshot(page, "project_3d")
