"""The Train page in Chromium: Step x100 trains, and the loss curve and word map render."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_train_x100_draws_the_loss_curve_and_the_map(page, app_url: str) -> None:
    page.goto(f"{app_url}/Train")
    wait_for_app(page)
    expect(page.get_by_role("button", name="Step ×100")).to_be_enabled(timeout=120_000)
    assert_healthy(page)
    page.get_by_role("button", name="Step ×100").click()
    page.wait_for_selector("text=running mean", timeout=120_000)  # the loss chart's legend
    wait_for_app(page)
    assert_healthy(page)
    main = page.locator('[data-testid="stMain"]').first
    charts = main.locator('[data-testid="stPlotlyChart"]')
    assert charts.count() >= 2
    assert page.locator("text=Word map (PCA").count() >= 1
    assert page.locator("text=Loss").count() >= 1
    # the map labels the frequent words it has room for (not all 50: they would pile up); the rest on hover
    labels = main.locator(".js-plotly-plot .annotation-text").count()  # placed apart (explorer.charts.labels)
    assert 10 <= labels <= 26
    assert page.locator("text=more words (hover)").count() >= 1
    screenshot(page, "train_after_x100")
