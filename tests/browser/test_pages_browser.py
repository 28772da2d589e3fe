"""Every page opens in Chromium without an exception element and is not blank; screenshots are saved."""

from __future__ import annotations

import pytest

from explorer.pages_index import PAGES
from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = pytest.mark.browser

ROUTES = [("home", "")] + [(p.title.lower(), p.path.split("_", 1)[1].removesuffix(".py")) for p in PAGES]


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[r[0] for r in ROUTES])
def test_page_opens_cleanly(page, app_url, name, route):
    page.goto(f"{app_url}/{route}")
    wait_for_app(page)
    assert_healthy(page)
    screenshot(page, f"page_{name}")


def test_home_links_lead_to_pages(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("link", name="Train").first.click()
    wait_for_app(page)
    assert "/Train" in page.url
    assert_healthy(page)
