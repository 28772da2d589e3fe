"""The Map page in Chromium (``--disable-gpu``): a 50,000-word map draws in WebGL; search, hover and a click work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from explorer.map.build import build_map
from explorer.map.synthetic import planted_clusters
from explorer.vectors import WordVectors
from explorer.vectors_io import save_vectors
from tests.browser_helpers import assert_healthy, screenshot, wait_for_app
from tests.conftest import streamlit_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

N = 50_000
WORD = "w123"
PLOT = '[data-testid="stPlotlyChart"] .js-plotly-plot'


@pytest.fixture(scope="module")
def map_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser_maps")
    planted = planted_clusters(N, 16, coarse=12, seed=1)
    vectors = root / "planted.bin"
    save_vectors(WordVectors(planted.keys, planted.matrix), vectors, fmt="word2vec_binary")
    build_map(vectors, root / "maps" / "planted50k", method="pca", progress=None)  # PCA: seconds, not minutes
    with streamlit_app({"EXPLORER_MAP_DIR": str(root / "maps")}, log_name="streamlit_map.log") as url:
        yield url


def _plot_state(page) -> dict:
    return page.evaluate(
        """(sel) => {
            const g = document.querySelector(sel);
            return {points: g._fullData[0].x.length, type: g._fullData[0].type,
                    typed: g._fullData[0].x instanceof Float32Array,
                    x: Array.from(g.layout.xaxis.range), y: Array.from(g.layout.yaxis.range)};
        }""",
        PLOT,
    )


def _word_pixel(page, word: str) -> tuple[float, float]:
    """Where ``word``'s dot is drawn on the page, from plotly's own axis conversions."""
    return tuple(
        page.evaluate(
            """([sel, word]) => {
                const g = document.querySelector(sel);
                const d = g._fullData[0], i = d.text.indexOf(word), L = g._fullLayout, box = g.getBoundingClientRect();
                return [box.left + L._size.l + L.xaxis.l2p(d.x[i]), box.top + L._size.t + L.yaxis.l2p(d.y[i])];
            }""",
            [PLOT, word],
        )
    )


def test_a_50k_map_draws_in_webgl_and_search_zooms_to_a_word(browser, map_url: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{map_url}/Map")
        wait_for_app(page)
        main = page.locator('[data-testid="stMain"]')
        expect(main).to_contain_text("Words on the map", timeout=120_000)
        expect(page.locator(PLOT)).to_be_visible(timeout=120_000)
        wait_for_app(page)
        assert_healthy(page)
        page.wait_for_function(f"() => document.querySelector('{PLOT}')?._fullData?.[0]?.x?.length === {N}")
        assert page.locator(f"{PLOT} canvas").count() >= 1  # WebGL draws on canvases, with no GPU
        whole = _plot_state(page)
        assert whole["type"] == "scattergl" and whole["points"] == N and whole["typed"]
        assert page.locator(f"{PLOT} .annotation").count() >= 4  # the coarse region names
        screenshot(page, "map_50k_zoomed_out")

        search = page.get_by_label("Search a word (the map zooms to it)")
        search.fill(WORD)
        search.press("Enter")
        page.wait_for_function(
            "([sel, w]) => document.querySelector(sel)?._fullData?.[3]?.text?.[0] === w", arg=[PLOT, WORD]
        )
        wait_for_app(page)
        assert_healthy(page)
        zoomed = _plot_state(page)
        assert zoomed["points"] == N
        assert (zoomed["x"][1] - zoomed["x"][0]) < 0.2 * (whole["x"][1] - whole["x"][0])
        x, y = _word_pixel(page, WORD)
        page.mouse.move(x, y)
        expect(page.locator(f"{PLOT} .hoverlayer")).to_contain_text(WORD, timeout=10_000)
        screenshot(page, "map_50k_search_w123")

        page.mouse.click(x, y)  # a click selects the word: its neighbours from the map's file, lines drawn to them
        expect(main).to_contain_text(f"Nearest words to “{WORD}”", timeout=60_000)
        wait_for_app(page)
        assert_healthy(page)
        page.wait_for_function(
            "(sel) => document.querySelector(sel)?._fullData?.[2]?.text?.length === 10", arg=PLOT, timeout=30_000
        )
        screenshot(page, "map_50k_clicked_w123")
    finally:
        context.close()
