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


# gensim's English/Italian test vectors (20 words each, 300-d, two words in common) and pairs for all but "mango"
EN_IT_PAIRS = """one uno
two due
three tre
four quattro
five cinque
six sei
seven sette
eight otto
nine nove
ten dieci
dog cane
pig maiale
cat gatto
fish cavallo
birds uccelli
apple mela
orange arancione
grape acino
banana banana"""


def _upload_set(page: Page, label: str, path: str, nth: int) -> None:
    _choose(page, label, "Upload a vector file…")
    uploader = _main(page).locator('[data-testid="stFileUploader"]').filter(has_text="Vector file").nth(nth)
    uploader.locator('input[type="file"]').set_input_files(path)
    wait_for_app(page)


def test_align_two_languages_by_a_typed_dictionary(page: Page, app_url: str) -> None:
    from gensim.test.utils import datapath

    page.goto(f"{app_url}/Compare")
    wait_for_app(page)
    _upload_set(page, "Set A", datapath("EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt"), 0)
    _upload_set(page, "Set B", datapath("IT.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt"), 1)
    main = _main(page)
    expect(main.get_by_text("share only 2 words", exact=False)).to_be_visible(timeout=60_000)  # banana and mango

    main.get_by_text("A dictionary of word pairs", exact=True).click()
    wait_for_app(page)
    expect(main.get_by_text("Upload a file of word pairs or type some pairs")).to_be_visible()
    typed = main.get_by_role("textbox", name="Or type pairs")
    typed.fill(EN_IT_PAIRS)
    typed.press("Control+Enter")
    wait_for_app(page)
    assert_healthy(page)
    expect(main.get_by_text("Dictionary alignment", exact=True)).to_be_visible(timeout=60_000)
    expect(main.get_by_text("words of A trained the rotation", exact=False)).to_be_visible()
    expect(main.locator('[data-testid="stPlotlyChart"]')).to_have_count(2, timeout=120_000)  # map and bars
    assert main.locator(".js-plotly-plot .scatterlayer .trace").count() >= 3  # A, B and the pair lines
    legend = main.locator(".js-plotly-plot .legendtext").evaluate_all("els => els.map(e => e.textContent)")
    assert "dictionary pair" in legend
    assert "compare.align=dictionary" in page.url and "compare.holdout=0.2" in page.url

    word = main.get_by_role("textbox", name="Translate a word of A")
    word.fill("ten")
    word.press("Enter")
    wait_for_app(page)
    expect(main.get_by_text("ten", exact=False).first).to_be_visible()
    expect(main.get_by_text("the dictionary gives: dieci", exact=False)).to_be_visible(timeout=60_000)
    assert "compare.translate=ten" in page.url
    assert_healthy(page)
    _full_screenshot(page, "compare_dictionary_en_it")
