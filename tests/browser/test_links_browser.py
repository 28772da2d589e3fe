"""Shareable links in Chromium: a link picks the corpus, the address bar keeps it, the Copy link box
shows it, and a link naming a server file is refused with a warning."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_link_opens_the_corpus_it_names_and_offers_itself_for_copying(page, app_url):
    page.goto(f"{app_url}/Train?sidebar.corpus=analogy_world")
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text("Copy link to this view", timeout=180_000)
    wait_for_app(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert "sidebar.corpus=analogy_world" in page.url
    sidebar.get_by_text("Copy link to this view").click()
    code = sidebar.locator("code").first
    expect(code).to_contain_text("sidebar.corpus=analogy_world")
    assert code.inner_text().replace("\n", "").startswith("http://127.0.0.1:")
    screenshot(page, "links_copy_box")


def test_a_link_naming_a_server_file_is_refused(page, app_url):
    page.goto(f"{app_url}/?sidebar.corpus=/etc/passwd")
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text("was ignored", timeout=180_000)
    expect(sidebar).to_contain_text("looks like a file path")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert "passwd" not in page.url, "the refused value is replaced by the corpus actually shown"
