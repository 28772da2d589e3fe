"""The Sentences page in a real browser: four heatmaps, the query's matches, the metric toggle and the link."""

from __future__ import annotations

import pytest

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _wait_for_charts(page, n: int) -> None:
    page.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot').length >= {n}", timeout=240_000)
    wait_for_app(page)


def test_sentences_page_compares_methods_and_switches_metric(page, app_url):
    page.goto(f"{app_url}/Sentences?sentences.preset=classic")
    wait_for_app(page)
    _wait_for_charts(page, 6)  # four heatmaps, the contributions bar chart, the length chart
    assert_healthy(page)
    main = page.locator('[data-testid="stMain"]')
    for title in ("Plain mean", "No stopwords", "TF-IDF weighted", "Transformer", "Top matches for the query"):
        assert main.get_by_text(title).first.is_visible() or main.get_by_text(title).count() > 0, title
    table = page.locator('[data-testid="stTable"]').first
    assert "A dog lay on the rug" in table.inner_text()
    screenshot(page, "sentences")

    page.get_by_text("Euclidean distance", exact=True).first.click()
    page.wait_for_function("() => window.location.search.includes('sentences.metric=euclidean')", timeout=60_000)
    wait_for_app(page)
    _wait_for_charts(page, 6)
    assert_healthy(page)
    assert "lower is closer" in page.locator('[data-testid="stMain"]').inner_text()
    screenshot(page, "sentences_euclidean")
