"""Page state in Chromium, driven by real clicks: switch a choice and back, leave the page and return,
reload the link. Values set straight into session state (AppTest) never showed these bugs: the browser
showed a widget's minimum while the server held another value."""

from __future__ import annotations

import re
import time
from urllib.parse import unquote

import pytest
from playwright.sync_api import Page, expect

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SGNS_DEFAULTS = {
    "Dimensions": "50",
    "Window": "5",
    "Min count": "3",
    "Negative samples": "5",
    "Subsampling": "0.0010",
    "Epochs": "5",
    "Learning rate": "0.0250",
}


def _main(page: Page):
    return page.locator('[data-testid="stMain"]')


def _choose(page: Page, label: str, option: str, where=None) -> None:
    """Open the selectbox labelled ``label`` and click ``option``, as a person does, and wait until the box
    shows it (a click that lands while the previous rerun is still redrawing the box is lost: a person
    would see the old choice and click again, and so does this)."""
    box = (where or _main(page)).locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    for _ in range(3):
        box.click()
        page.get_by_role("option", name=option, exact=True).first.click()
        wait_for_app(page)
        try:
            expect(box.locator("input")).to_have_value(option, timeout=10_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
    expect(box.locator("input")).to_have_value(option)


def _number_inputs(page: Page) -> dict[str, str]:
    """What the browser shows in every number input of the main area, by label."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-testid="stMain"] [data-testid="stNumberInput"]')]
            .map(e => [e.querySelector('label')?.innerText.trim(), e.querySelector('input')?.value]))"""
    )


def _shows(page: Page, expected: dict[str, str], timeout_s: float = 30.0) -> dict[str, str]:
    """Wait until the number inputs show ``expected`` (a rerun may still be on its way); returns what they show."""
    deadline = time.monotonic() + timeout_s
    while True:
        shown = _number_inputs(page)
        if all(shown.get(k) == v for k, v in expected.items()) or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(200)


def _go(page: Page, title: str) -> None:
    """Leave for another page through the sidebar's navigation, as a person does."""
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=title, exact=True).click()
    wait_for_app(page)


def _open_train(page: Page, app_url: str) -> None:
    """Open the Train page and wait until its Step buttons can be pressed."""
    page.goto(f"{app_url}/Train")
    wait_for_app(page)
    expect(page.get_by_role("button", name="Step ×1", exact=True)).to_be_enabled(timeout=120_000)


def _param(page: Page, key: str) -> str | None:
    match = re.search(rf"[?&]{re.escape(key)}=([^&]*)", page.url)
    return unquote(match.group(1)) if match else None


def test_train_parameters_survive_switching_methods_and_can_be_restored(page: Page, app_url: str) -> None:
    _open_train(page, app_url)
    shown = _shows(page, SGNS_DEFAULTS)
    assert {k: shown[k] for k in SGNS_DEFAULTS} == SGNS_DEFAULTS
    for method in ("CBOW (negative sampling)", "GloVe", "Skip-gram (negative sampling)"):
        _choose(page, "Method", method)
    assert_healthy(page)
    shown = _shows(page, SGNS_DEFAULTS)
    assert {k: shown[k] for k in SGNS_DEFAULTS} == SGNS_DEFAULTS, "parameters must not fall to their minimums"
    assert _param(page, "train.sgns.vector_size") == "50" and _param(page, "train.glove.window") is None

    # A changed value survives a switch to another method and back, and Restore defaults resets it.
    box = _main(page).locator('[data-testid="stNumberInput"]').filter(has_text="Window").locator("input")
    box.fill("8")
    box.press("Enter")
    wait_for_app(page)
    _choose(page, "Method", "GloVe")
    assert _shows(page, {"Window": "10"})["Window"] == "10"  # GloVe's own default
    _choose(page, "Method", "Skip-gram (negative sampling)")
    assert _shows(page, {"Window": "8"})["Window"] == "8"
    _main(page).get_by_role("button", name="Restore defaults").click()
    wait_for_app(page)
    assert _shows(page, {"Window": "5"})["Window"] == "5" and _param(page, "train.sgns.window") == "5"
    screenshot(page, "state_train_methods")


def test_the_n_gram_tab_stays_open_after_training_and_typing(page: Page, app_url: str) -> None:
    _open_train(page, app_url)
    page.get_by_role("tab", name="Character n-grams").click()
    wait_for_app(page)
    page.get_by_role("button", name="Step ×20").click()
    wait_for_app(page)
    word = _main(page).get_by_label("A word")
    word.fill("overcharged")
    word.press("Enter")
    wait_for_app(page)
    expect(page.get_by_role("tab", name="Character n-grams")).to_have_attribute("aria-selected", "true")
    expect(_main(page)).to_contain_text("n-grams of “<overcharged>”")


def test_project_settings_survive_a_visit_to_another_page(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/Project")
    wait_for_app(page)
    expect(_main(page).locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=180_000)
    _choose(page, "Method", "UMAP")
    expect(_main(page).locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=180_000)
    search = _main(page).get_by_role("textbox", name="Search (highlights matches)")
    search.fill("king")
    search.press("Enter")
    wait_for_app(page)
    link_before = page.url.split("?", 1)[1]
    assert "project.method=umap" in link_before and "project.search=king" in link_before

    _go(page, "Analogies")
    _go(page, "Project")
    expect(_main(page).locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=180_000)
    assert_healthy(page)
    expect(_main(page).get_by_role("combobox", name="Method")).to_have_value("UMAP")
    expect(search).to_have_value("king")
    assert page.url.split("?", 1)[1] == link_before, "the address bar keeps the view, not the defaults"

    # The same link in a fresh browser session opens the same view.
    fresh = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    fresh.goto(page.url)
    wait_for_app(fresh)
    expect(fresh.locator('[data-testid="stMain"] [data-testid="stPlotlyChart"]').first).to_be_visible(timeout=180_000)
    expect(
        fresh.locator('[data-testid="stMain"]').get_by_role("textbox", name="Search (highlights matches)")
    ).to_have_value("king")
    fresh.context.close()


def test_a_project_link_on_trained_vectors_says_they_cannot_travel(page: Page, app_url: str) -> None:
    _open_train(page, app_url)
    page.get_by_role("button", name="Step ×20").click()
    wait_for_app(page)
    _go(page, "Project")
    expect(_main(page).locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=180_000)
    expect(_main(page).get_by_role("combobox", name="Vector set")).to_have_value(re.compile("^Trained: Skip-gram"))
    assert _param(page, "project.vectors") == "trained:sgns:builtin:support_tickets"

    fresh = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    fresh.goto(page.url)
    wait_for_app(fresh)
    main = fresh.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("cannot travel in a link", timeout=180_000)
    expect(main).to_contain_text("Skip-gram (negative sampling) on Support tickets")
    expect(main.get_by_role("link", name="Open the Train page with that method and corpus")).to_be_visible()
    screenshot(fresh, "state_project_link_trained")
    fresh.context.close()


def test_context_own_sentences_survive_a_visit_to_another_page(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/Context")
    wait_for_app(page)
    main = _main(page)
    expect(main).to_contain_text("Static lookup", timeout=180_000)
    main.get_by_text("My own sentences").click()
    wait_for_app(page)
    word = main.get_by_role("textbox", name="Word", exact=True)
    word.fill("spring")
    word.press("Enter")
    wait_for_app(page)
    text = "The spring water was cold. | water\nIn spring the trees bloom. | season\nA spring in the sofa broke. | coil"
    area = main.locator("textarea").first
    area.fill(text)
    area.press("Control+Enter")
    wait_for_app(page)
    expect(main).to_contain_text("over 3 occurrences", timeout=120_000)

    _go(page, "Sentences")
    _go(page, "Context")
    expect(main).to_contain_text("over 3 occurrences", timeout=180_000)
    expect(main.get_by_role("textbox", name="Word", exact=True)).to_have_value("spring")
    expect(main.locator("textarea").first).to_have_value(text)
    # the "Sentence" picker names this word's sentences, not the preset's
    expect(main.get_by_role("combobox", name="Sentence", exact=True)).to_have_value(re.compile("spring"))
    assert_healthy(page)
    screenshot(page, "state_context_own_sentences")
