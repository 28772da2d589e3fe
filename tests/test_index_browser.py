"""The Context page's corpus-index source in Chromium, on a server started with EXPLORER_INDEX_DIR."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from explorer.index.build import build_index
from explorer.index.contract import Targets
from tests.browser_helpers import assert_healthy, screenshot, wait_for_app
from tests.conftest import streamlit_app
from tests.test_index import KNOWN, write_corpus

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def index_app_url(tmp_path_factory: pytest.TempPathFactory, tiny_bert_dir: Path):
    """``streamlit run app.py`` with the tiny BERT and a folder holding one index of the known corpus."""
    root = tmp_path_factory.mktemp("browser_indexes")
    build_index(
        [str(write_corpus(root / "corpus"))], root / "indexes" / "known", targets=Targets.of_words("bank,charge"),
        engine="in-process", model=str(tiny_bert_dir), column="text", title="the known corpus", progress=None,
    )  # fmt: skip
    env = {"EXPLORER_MODEL": str(tiny_bert_dir), "EXPLORER_INDEX_DIR": str(root / "indexes")}
    with streamlit_app(env, log_name="streamlit_index.log") as url:
        yield url


def test_the_index_source_in_the_browser(browser, index_app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{index_app_url}/Context?context.source=index&context.index=known&context.index_word=bank")
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text(f"occurs {KNOWN['bank']} times in the known corpus", timeout=120_000)
    expect(main).to_contain_text("Static lookup: every cell is")
    assert_healthy(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2
    screenshot(page, "context_index_bank")
    page.goto(f"{index_app_url}/Context?context.source=index&context.index=..%2Fetc&context.index_word=bank")
    wait_for_app(page)
    assert_healthy(page)  # a path in the link is refused; the page still opens on the folder's own index
    expect(main).to_contain_text("the known corpus")
    context.close()
