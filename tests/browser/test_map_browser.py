"""The Map page in Chromium (``--disable-gpu``): a 50,000-word map draws in WebGL over its density; search, hover
and a click work; a box zooms in and the names follow; the view and the word hold across pages and reloads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
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
def map_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser_maps")
    planted = planted_clusters(N, 16, coarse=12, seed=1)
    vectors = root / "planted.bin"
    save_vectors(WordVectors(planted.keys, planted.matrix), vectors, fmt="word2vec_binary")
    build_map(vectors, root / "maps" / "planted50k", method="pca", progress=None)  # PCA: seconds, not minutes
    return root / "maps"


@pytest.fixture(scope="module")
def map_url(map_folder: Path) -> Iterator[str]:
    with streamlit_app({"EXPLORER_MAP_DIR": str(map_folder)}, log_name="streamlit_map.log") as url:
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
                g.scrollIntoView({block: "center"});  // the chart sits below the controls: bring it into the viewport
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


def _data_to_page(page, xy: list[float]) -> tuple[float, float]:
    """The page pixel of a point given in map units, by plotly's own axis conversions."""
    return tuple(
        page.evaluate(
            """([sel, xy]) => {
                const g = document.querySelector(sel), L = g._fullLayout;
                g.scrollIntoView({block: "center"});
                const box = g.getBoundingClientRect();
                return [box.left + L._size.l + L.xaxis.l2p(xy[0]), box.top + L._size.t + L.yaxis.l2p(xy[1])];
            }""",
            [PLOT, xy],
        )
    )


def _names(page) -> list[str]:
    return page.evaluate("(sel) => (document.querySelector(sel).layout.annotations || []).map(a => a.text)", PLOT)


def _a_fine_region_box(map_folder: Path) -> tuple[list[float], list[float], set[str]]:
    """A box (x range, y range) around a fine region's name holding between 2,000 and 20,000 words (so the view
    is named by fine regions), and the fine names."""
    points = pq.read_table(map_folder / "planted50k" / "points.parquet").to_pandas()
    labels = pq.read_table(map_folder / "planted50k" / "labels.parquet").to_pandas()
    fine = labels[labels["level"] == labels["level"].max()]
    xy = points[["x", "y"]].to_numpy()
    wx, wy = np.ptp(np.quantile(xy, [0.05, 0.95], axis=0), axis=0)
    for _, label in fine.sort_values("size", ascending=False).iterrows():
        for share in (0.15, 0.25, 0.1):
            x = [label.x - wx * share, label.x + wx * share]
            y = [label.y - wy * share, label.y + wy * share]
            inside = int(((xy[:, 0] > x[0]) & (xy[:, 0] < x[1]) & (xy[:, 1] > y[0]) & (xy[:, 1] < y[1])).sum())
            if 2_000 <= inside <= 20_000:
                return x, y, set(fine["label"])
    raise AssertionError("no fine region of the planted map makes a box of 2,000 to 20,000 words")


def _wait_view(page, x: list[float], y: list[float]) -> None:
    """Wait until the chart's axes show the view (x, y) within a thousandth of its span."""
    page.wait_for_function(
        """([sel, x, y]) => {
            const L = document.querySelector(sel)?.layout; if (!L) return false;
            const close = (a, b) => Math.abs(a[0] - b[0]) < 1e-3 * (b[1] - b[0]) && Math.abs(a[1] - b[1]) < 1e-3 * (b[1] - b[0]);
            return close(L.xaxis.range, x) && close(L.yaxis.range, y);
        }""",
        arg=[PLOT, x, y],
        timeout=60_000,
    )


def test_a_box_zooms_in_to_fine_names_and_the_view_and_word_hold_across_pages_and_reloads(
    browser, map_url: str, map_folder: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    main = page.locator('[data-testid="stMain"]')
    try:
        page.goto(f"{map_url}/Map")
        wait_for_app(page)
        page.wait_for_function(
            f"() => document.querySelector('{PLOT}')?._fullData?.[0]?.x?.length === {N}", timeout=120_000
        )
        assert page.evaluate(f"() => document.querySelector('{PLOT}')._fullData[4].type") == "heatmap"
        assert page.locator(f"{PLOT} .heatmaplayer image, {PLOT} image").count() >= 1  # the density, as one image
        whole = _plot_state(page)

        word = main.get_by_label("Neighbours of (or click a word)")
        word.fill(WORD)
        word.press("Enter")
        expect(main).to_contain_text(f"Nearest words to “{WORD}”", timeout=60_000)
        wait_for_app(page)

        x, y, fine = _a_fine_region_box(map_folder)
        page.locator(f'{PLOT} .modebar-btn[data-title="Box Select"]').click(force=True)
        (x0, y0), (x1, y1) = _data_to_page(page, [x[0], y[1]]), _data_to_page(page, [x[1], y[0]])
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
        page.mouse.move(x1, y1, steps=5)
        page.mouse.up()
        zoom = main.get_by_role("button", name="Zoom to selection")
        expect(zoom).to_be_enabled(timeout=60_000)
        wait_for_app(page)
        zoom.click()
        page.wait_for_function(
            "([sel, w]) => document.querySelector(sel)?.layout?.xaxis?.range?.[1] - document.querySelector(sel)?.layout?.xaxis?.range?.[0] < w",
            arg=[PLOT, 0.6 * (whole["x"][1] - whole["x"][0])],
            timeout=60_000,
        )
        wait_for_app(page)
        assert_healthy(page)
        zoomed = _plot_state(page)
        names = _names(page)
        assert set(names) & fine, names  # zoomed into a region: its fine names
        assert set(names) - fine <= {WORD} | set(
            page.evaluate(f"() => document.querySelector('{PLOT}')._fullData[2].text")
        )
        screenshot(page, "map_50k_zoomed_to_box")

        # Another page and back: the view, the word and its neighbours hold.
        page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Analogies", exact=True).click()
        wait_for_app(page)
        page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Map", exact=True).click()
        wait_for_app(page)
        _wait_view(page, zoomed["x"], zoomed["y"])
        expect(main.get_by_label("Neighbours of (or click a word)")).to_have_value(WORD)
        expect(main).to_contain_text(f"Nearest words to “{WORD}”", timeout=60_000)
        link = page.url

        # Leave the app and come back through the browser's history, then reload the link: the same again.
        page.goto("about:blank")
        page.go_back()
        for step in ("back", "reloaded"):
            wait_for_app(page)
            _wait_view(page, zoomed["x"], zoomed["y"])
            expect(main.get_by_label("Neighbours of (or click a word)")).to_have_value(WORD)
            expect(main).to_contain_text(f"Nearest words to “{WORD}”", timeout=60_000)
            assert set(_names(page)) & fine, step
            if step == "back":
                page.reload()
        assert page.url.split("?", 1)[1] == link.split("?", 1)[1]
        screenshot(page, "map_50k_after_reload")

        main.locator('[data-testid="stButton"]').get_by_role("button", name="Zoom out").click()
        _wait_view(page, whole["x"], whole["y"])
        wait_for_app(page)
        screenshot(page, "map_50k_zoomed_out_again")
    finally:
        context.close()
