"""The sidebar's upload flow in Chromium: choose "Upload your own…", upload a CSV, pick its column."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = pytest.mark.browser

ROWS = 40
CSV = b"id,notes,review\n" + b"".join(
    b"%d,short note %d,The charger broke and the battery died in week %d.\n" % (i, i, i) for i in range(ROWS)
)
NOTE_TOKENS = 3 * ROWS  # "short note N"
REVIEW_TOKENS = 10 * ROWS  # "the charger broke and the battery died in week N"


def _choose_upload(page) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text("tokens", timeout=120_000)
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Corpus").first.click()
    page.get_by_role("option", name="Upload your own…").click()
    wait_for_app(page)
    expect(sidebar.locator('[data-testid="stFileUploader"]')).to_be_visible()


def _summary(page):
    return page.locator('[data-testid="stSidebar"]').get_by_text(re.compile(r"tokens, .* distinct words")).first


def test_upload_csv_and_pick_the_column(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    expect(_summary(page)).to_contain_text("Support tickets", timeout=120_000)  # a cold server is slow
    _choose_upload(page)

    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(
        {"name": "reviews.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    wait_for_app(page)
    column = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Text column")
    expect(column.get_by_role("combobox")).to_have_value("review", timeout=60_000)  # guessed from its name
    expect(_summary(page)).to_contain_text(f"reviews.csv: {REVIEW_TOKENS:,} tokens", timeout=60_000)

    column.click()
    page.get_by_role("option", name="notes").click()
    wait_for_app(page)
    expect(_summary(page)).to_contain_text(f"reviews.csv: {NOTE_TOKENS:,} tokens", timeout=60_000)
    expect(_summary(page)).to_contain_text(f"{ROWS:,} sentences")
    assert_healthy(page)
    screenshot(page, "upload_csv_column")


def test_bad_upload_shows_a_message_not_a_traceback(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    _choose_upload(page)
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(
        {"name": "scan.txt", "mimeType": "text/plain", "buffer": b"%PDF-1.7\n\x00\x01binary"}
    )
    wait_for_app(page)
    error = page.locator('[data-testid="stSidebar"] [data-testid="stAlert"]').filter(has_text="looks like a PDF")
    expect(error).to_be_visible(timeout=60_000)
    expect(_summary(page)).to_contain_text("Support tickets")  # the pages keep a usable corpus
    assert_healthy(page)
    screenshot(page, "upload_bad_file")


def test_plain_text_with_any_extension_is_read(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    _choose_upload(page)
    text = b"The quokka approved the loan.\nWe sat by the river bank.\n"
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(
        {"name": "news.cor", "mimeType": "application/octet-stream", "buffer": text}
    )
    wait_for_app(page)
    expect(_summary(page)).to_contain_text("news.cor: 11 tokens", timeout=60_000)  # not "files are not allowed"
    assert_healthy(page)
