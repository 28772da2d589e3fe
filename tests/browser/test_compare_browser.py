"""The Compare page in Chromium: train a little, then compare the trained set with the reference
table and with a snapshot of the same run, as a person clicks through it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TRAINED = "Trained: Skip-gram (negative sampling) on Support tickets"
SNAPSHOT = "Trained, run 1, after epoch 1: Skip-gram (negative sampling) on Support tickets"


def _main(page: Page):
    return page.locator('[data-testid="stMain"]')


def _picker(page: Page, label: str):
    return _main(page).locator('[data-testid="stSelectbox"]').filter(has_text=label).first.get_by_role("combobox")


def _full_screenshot(page: Page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main area, so grow the window to its height first."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 100, 8000)})
    page.wait_for_timeout(1500)  # plotly redraws at the new size
    screenshot(page, name)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.wait_for_timeout(500)


def _choose(page: Page, label: str, option: str) -> None:
    _main(page).locator('[data-testid="stSelectbox"]').filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).first.click()
    wait_for_app(page)


def test_compare_a_trained_set_with_the_reference_and_with_a_snapshot(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/Train")
    wait_for_app(page)
    expect(page.get_by_role("button", name="Step ×100")).to_be_enabled(timeout=120_000)
    page.get_by_role("button", name="Step ×20").click()  # one epoch of the default corpus: a snapshot at its end
    wait_for_app(page)
    page.get_by_role("button", name="Step ×20").click()
    wait_for_app(page)
    expect(_main(page).get_by_text("snapshots of this run after epoch 1")).to_be_visible(timeout=60_000)
    assert_healthy(page)
    screenshot(page, "compare_train_snapshots")

    # The same session, through the sidebar: A opens on the set trained last, B on the reference table.
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Compare", exact=True).click()
    wait_for_app(page)
    expect(_main(page).get_by_text("Most changed and most stable words")).to_be_visible(timeout=120_000)
    assert_healthy(page)
    main = _main(page)
    expect(_picker(page, "Set A")).to_have_value(TRAINED)
    expect(_picker(page, "Set B")).to_have_value("Transformer input embeddings (reference)")
    assert "compare.a=trained" in page.url
    # 50 trained dimensions against 384: aligned approximately (said so), on one map with the tables
    expect(main.get_by_text("the alignment is approximate", exact=False)).to_be_visible()
    expect(main.locator('[data-testid="stPlotlyChart"]')).to_have_count(2, timeout=120_000)  # map and bars
    assert main.locator('[data-testid="stDataFrame"]').count() >= 3
    expect(main.get_by_text("names set A, but cannot rebuild it")).to_be_visible()
    _full_screenshot(page, "compare_trained_vs_reference")

    # B = the snapshot at the end of epoch 1: same words and dimensions, so one aligned map
    _choose(page, "Set B", SNAPSHOT)
    expect(main.get_by_text("One map of both sets")).to_be_visible()
    expect(main.locator('[data-testid="stPlotlyChart"]')).to_have_count(2, timeout=120_000)
    assert_healthy(page)
    assert main.locator(".js-plotly-plot .scatterlayer .trace").count() >= 3  # A, B and the lines
    assert main.locator('[data-testid="stDataFrame"]').count() >= 3
    expect(main.get_by_text("neighbours in common").first).to_be_visible()
    _full_screenshot(page, "compare_trained_vs_snapshot")

    # a click on a point of the map chooses its word for the side-by-side neighbours
    assert _picker(page, "Word").input_value() == ""
    point = main.locator(".js-plotly-plot .scatterlayer .trace").first.locator("path.point").first
    point.scroll_into_view_if_needed()
    point.click(force=True)
    wait_for_app(page)
    expect(_picker(page, "Word")).not_to_have_value("", timeout=60_000)
    word = _picker(page, "Word").input_value()
    expect(main.get_by_text(f"{word}: ", exact=False).first).to_be_visible()
    assert f"compare.word={word}" in page.url
    assert_healthy(page)
