"""The Context page in Chromium: the preset heatmap beside its static version, then the layer slider."""

from __future__ import annotations

import re

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


def test_a_click_on_the_map_lists_its_neighbours_and_the_layers_are_measured(page, app_url):
    page.goto(f"{app_url}/Context?context.preset=charge&context.how=1")
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Senses by neighbours", timeout=180_000)
    expect(main).to_contain_text("How contextual is “charge”", timeout=180_000)
    wait_for_app(page)
    assert_healthy(page)
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Occurrence (or click").get_by_role("combobox")
    expect(picker).to_have_value(re.compile(r"^#1 "))
    # The occurrence map's markers: the first trace holds the "billing" sentences 1-4; click its third point.
    map_chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="Occurrences on a 2D map")
    map_chart.scroll_into_view_if_needed()
    point = map_chart.locator(".scatterlayer .trace").first.locator("path.point").nth(2)
    point.click(force=True)
    expect(picker).to_have_value(re.compile(r"^#3 "), timeout=60_000)
    wait_for_app(page)
    assert_healthy(page)
    expect(main).to_contain_text("Nearest-neighbour sense accuracy")
    accuracy = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="Nearest-neighbour sense accuracy")
    accuracy.scroll_into_view_if_needed()
    screenshot(page, "context_neighbours_clicked")  # the list of neighbours above the accuracy curve
    # A click on a heatmap cell picks that cell's row.
    heat = page.locator('[data-testid="stPlotlyChart"]').first
    heat.scroll_into_view_if_needed()
    cells = heat.locator(".scatterlayer path.point")
    assert cells.count() == 10 * 10
    cells.nth(10 * 8 + 1).click(force=True)  # row 9 ("on a charge of theft"), column 2
    expect(picker).to_have_value(re.compile(r"^#9 "), timeout=60_000)
    wait_for_app(page)
    assert_healthy(page)
    heat.scroll_into_view_if_needed()
    screenshot(page, "context_heatmap_clicked")  # the clicked cell is outlined; the rest of the heatmap unchanged
    how = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="How contextual")
    how.scroll_into_view_if_needed()
    expect(how).to_be_visible()
    screenshot(page, "context_how_contextual")
