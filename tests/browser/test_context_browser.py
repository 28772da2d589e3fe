"""The Context page in Chromium: the preset heatmap beside its static version, then the layer slider."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_context_page_draws_heatmaps_and_moves_the_layer(page, app_url):
    page.goto(f"{app_url}/Context")
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Static lookup: every cell is", timeout=180_000)
    wait_for_app(page)
    assert_healthy(page)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    expect(charts.first).to_be_visible(timeout=60_000)
    assert charts.count() >= 3  # heatmaps, senses per layer, 2D map (and the visibility mask further down)
    expect(main).to_contain_text("Contextual, layer 6")
    screenshot(page, "context_preset_bank")

    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Layer").get_by_role("slider")
    slider.focus()
    slider.press("Home")  # jump to the embedding layer (0)
    expect(main).to_contain_text("Contextual, layer 0", timeout=60_000)
    wait_for_app(page)
    assert_healthy(page)
    screenshot(page, "context_layer0")
