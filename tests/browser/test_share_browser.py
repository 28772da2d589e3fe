"""Sharing in Chromium across two server processes: a vector file uploaded and shared on one process opens,
from its link, on the other (the same words and neighbours, with its provenance); once deleted, the link
falls back to the reference set with a message."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app
from tests.conftest import streamlit_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WORDS = 300
WORD = "word7"


@pytest.fixture(scope="module")
def two_apps(tmp_path_factory):
    """Two app processes naming one store folder, as behind a proxy."""
    store = tmp_path_factory.mktemp("share") / "shared"
    env = {"EXPLORER_SHARE_STORE": str(store)}
    with streamlit_app(env, "streamlit_share_a.log") as first, streamlit_app(env, "streamlit_share_b.log") as second:
        yield first, second


def _vector_file(tmp_path):
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(6, 12)) * 3
    matrix = centres[np.arange(WORDS) % 6] + rng.normal(size=(WORDS, 12))
    path = tmp_path / "lecture.txt"
    path.write_text(
        f"{WORDS} 12\n"
        + "".join(f"word{i} " + " ".join(f"{v:.4f}" for v in row) + "\n" for i, row in enumerate(matrix))
    )
    return path


def _neighbours_text(page) -> str:
    table = page.locator('[data-testid="stDataFrame"]').last
    table.scroll_into_view_if_needed()
    expect(table).to_be_visible(timeout=60_000)
    page.wait_for_timeout(500)
    return table.inner_text()


def test_a_set_shared_on_one_process_opens_on_the_other(two_apps, browser, tmp_path) -> None:
    first_url, second_url = two_apps
    maker = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    maker.goto(f"{first_url}/Project?project.method=pca")
    wait_for_app(maker, timeout_ms=240_000)
    maker.locator('[data-testid="stSelectbox"]').filter(has_text="Vector set").first.click()
    maker.get_by_role("option", name="Upload a vector file…").click()
    wait_for_app(maker)
    maker.locator('input[type="file"]').first.set_input_files(str(_vector_file(tmp_path)))
    wait_for_app(maker, timeout_ms=240_000)
    maker.get_by_role("button", name="Share").click()
    wait_for_app(maker, timeout_ms=120_000)
    expect(maker.locator('[data-testid="stMain"]')).to_contain_text("now names the shared copy", timeout=60_000)
    shared = parse_qs(urlparse(maker.url).query)["project.vectors"][0]
    assert re.fullmatch(r"shared:[A-Za-z0-9_-]{24}", shared), maker.url
    assert_healthy(maker)
    screenshot(maker, "share_shared_on_first_process")

    box = maker.get_by_role("combobox", name="Show neighbours of word")
    box.click()
    box.type(WORD)
    maker.get_by_role("option", name=WORD, exact=True).click()
    wait_for_app(maker, timeout_ms=120_000)
    query = urlparse(maker.url).query
    assert parse_qs(query)["project.neighbour_of"] == [WORD]
    visitor = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    visitor.goto(f"{second_url}/Project?{query}")  # the maker's link, on the other process
    wait_for_app(visitor, timeout_ms=240_000)
    main = visitor.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("A shared set", timeout=120_000)
    expect(main).to_contain_text("An uploaded vector file, lecture.txt: 300 words, 12 dimensions")
    assert "does not hold" not in main.inner_text()
    expect(visitor.locator('[data-testid="stMetric"]').first).to_contain_text("300")
    assert_healthy(visitor)
    screenshot(visitor, "share_opened_on_second_process")
    assert _neighbours_text(visitor) == _neighbours_text(maker)

    maker.get_by_role("button", name="Delete the shared copy").click()
    wait_for_app(maker)
    expect(maker.locator('[data-testid="stMain"]')).to_contain_text("The shared copy is deleted", timeout=60_000)
    late = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    late.goto(f"{second_url}/Project?{query}")
    wait_for_app(late, timeout_ms=240_000)
    expect(late.locator('[data-testid="stMain"]')).to_contain_text("does not hold", timeout=120_000)
    expect(late.get_by_role("combobox", name="Vector set")).to_have_value(re.compile("reference"))
    assert_healthy(late)
    screenshot(late, "share_deleted_link")
    for p in (maker, visitor, late):
        p.context.close()
