"""The Train page in Chromium: Step x100 trains, and the loss curve and word map render."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app
from tests.conftest import streamlit_app

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


@pytest.fixture(scope="module")
def hosted_app_url():
    """The app in hosted mode with a 5-second training limit, so a 100-epoch run reaches it at once."""
    with streamlit_app({"EXPLORER_HOSTED": "1", "EXPLORER_MAX_TRAIN_SECONDS": "5"}, log_name="streamlit_train_limit.log") as url:  # fmt: skip
        yield url


def test_live_training_at_the_time_limit_says_so_and_gives_the_page_back(browser, hosted_app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{hosted_app_url}/Train?train.method=sgns&train.sgns.epochs=100")
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    expect(page.get_by_role("button", name="Start")).to_be_enabled(timeout=120_000)
    page.get_by_role("button", name="Start").click()
    # The pace soon says the run needs more than the limit, while it trains.
    expect(main).to_contain_text("This run needs about", timeout=60_000)
    screenshot(page, "train_limit_forecast")
    expect(main).to_contain_text("Training stopped at the time limit", timeout=60_000)
    wait_for_app(page)
    assert_healthy(page)
    expect(main).to_contain_text("Stopped at")
    expect(page.get_by_role("button", name="Reset", exact=True)).to_be_enabled()
    expect(page.get_by_role("button", name="Keep a snapshot")).to_be_enabled()
    # Another rerun (a widget changed) keeps the message.
    page.get_by_role("button", name="Keep a snapshot").click()
    wait_for_app(page)
    expect(main).to_contain_text("Training stopped at the time limit")
    assert "EXPLORER_" not in main.inner_text(), "a hosted visitor is never told to change the server's settings"
    screenshot(page, "train_time_limit")
    page.get_by_role("button", name="Reset", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Start")).to_be_enabled()
    expect(main).not_to_contain_text("Training stopped at the time limit")
    context.close()
