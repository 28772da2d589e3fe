"""The Analogies page in Chromium: a linked question, an example, a typo, and a batch evaluation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "analogy.a=man&analogy.b=woman&analogy.c=king&analogy.expected=queen"


def _main(page):
    return page.locator('[data-testid="stMain"], section.main').first


def test_linked_question_shows_answers_and_offsets(page, app_url):
    page.goto(f"{app_url}/Analogies?{QUESTION}")
    wait_for_app(page)
    main = _main(page)
    # The reference vectors come from the bundled transformer: a cold server needs a while.
    expect(main.get_by_text("man : woman :: king :")).to_be_visible(timeout=180_000)
    expect(main.locator('[data-testid="stPlotlyChart"]')).to_have_count(2, timeout=60_000)
    expect(main).to_contain_text("Rank of “queen”")
    expect(main).to_contain_text("Relation consistency")
    assert_healthy(page)
    screenshot(page, "analogies_question")

    # 3CosMul through the radio; the address follows.
    main.get_by_text("3CosMul", exact=True).first.click()
    wait_for_app(page)
    expect(main.get_by_text("Top answers (3CosMul)")).to_be_visible(timeout=60_000)
    assert "analogy.method=3cosmul" in page.url
    assert_healthy(page)


def test_example_typo_and_batch_evaluation(page, app_url):
    page.goto(f"{app_url}/Analogies")
    wait_for_app(page)
    main = _main(page)
    # The first visit opens on an example the reference vectors can answer.
    expect(main.locator('[data-testid="stPlotlyChart"]')).to_have_count(2, timeout=180_000)

    main.locator('[data-testid="stSelectbox"]').filter(has_text="Example").click()
    page.get_by_role("option", name="paris : france :: berlin : ?", exact=False).first.click()
    wait_for_app(page)
    expect(main.get_by_text("paris : france :: berlin :")).to_be_visible(timeout=60_000)

    # A word that is not in the vocabulary: a message with close spellings, not a traceback.
    page.goto(f"{app_url}/Analogies?analogy.a=man&analogy.b=wommann&analogy.c=king")
    wait_for_app(page)
    expect(main.locator('[data-testid="stAlert"]').filter(has_text="Did you mean")).to_be_visible(timeout=180_000)
    assert_healthy(page)

    main.get_by_role("tab", name="Evaluate on a test set").click()
    main.get_by_role("button", name="Evaluate").click()
    wait_for_app(page)
    expect(main.get_by_text("3CosMul accuracy")).to_be_visible(timeout=120_000)
    expect(main.locator('[data-testid="stDataFrame"]').last).to_be_visible()
    assert_healthy(page)
    screenshot(page, "analogies_batch")
