"""Exports, drag mode and live redraws, clicked in Chromium as a visitor would.

- the Context heatmap's HTML download holds the row and column labels, its PNG and SVG are real images;
- the Project map drags a selection box by default, and its SVG keeps the tick labels and axis titles;
- live training redraws the page more than once while it runs (no wall-clock assertion).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAYOUT_OF_FIRST_CHART = """() => {
    const g = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    return g && g._fullLayout ? {dragmode: g._fullLayout.dragmode, ticks: g._fullLayout.yaxis._vals.length} : null;
}"""


def _download(page, key: str) -> bytes:
    """Click the download button with widget key ``key`` and return the file it gives."""
    button = page.locator(f".st-key-{key.replace('.', '-')} button").first
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    path = info.value.path()
    assert path is not None, f"the {key} download failed: {info.value.failure()}"
    with open(path, "rb") as f:
        return f.read()


def test_context_heatmap_exports_keep_labels_and_are_real_images(page, app_url):
    page.goto(f"{app_url}/Context?context.source=preset&context.preset=bank")
    wait_for_app(page, timeout_ms=240_000)
    assert_healthy(page)
    page.locator(".st-key-context-heatmap-downloads").wait_for(timeout=60_000)
    html = _download(page, "context.heatmap.html").decode("utf-8")
    labels = set(re.findall(r'"(#\d+[a-z]? [^"]*bank[^"]*)"', html))  # "…" is written \u2026 in the JSON
    assert len(labels) >= 8, f"the row and column labels travel with the exported heatmap: {labels}"
    assert 'src="https://cdn.plot.ly' not in html  # plotly.js is inlined: the file opens offline
    png = _download(page, "context.heatmap.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    svg = _download(page, "context.heatmap.svg").decode("utf-8")
    assert svg.lstrip().startswith("<svg") and "#1" in svg and "bank" in svg  # the labels are drawn
    csv = _download(page, "context.heatmap.csv").decode("utf-8")
    assert csv.count("\n") >= 5 and "bank" in csv
    screenshot(page, "context_exports")


def test_project_map_drags_a_selection_and_exports_its_ticks(page, app_url):
    page.goto(f"{app_url}/Project?project.method=pca&project.n_words=300")
    wait_for_app(page, timeout_ms=240_000)
    assert_healthy(page)
    page.wait_for_function(f"({LAYOUT_OF_FIRST_CHART})() !== null", timeout=60_000)
    layout = page.evaluate(LAYOUT_OF_FIRST_CHART)
    assert layout["dragmode"] == "select", "dragging draws a selection box without a toolbar step"
    svg = _download(page, "project.chart.svg").decode("utf-8")
    assert svg.lstrip().startswith("<svg")
    assert "PC1 (" in svg and "PC2 (" in svg  # the axis titles
    tick_texts = re.findall(r'class="ytick"[^>]*>\s*<text[^>]*>([^<]+)<', svg)
    assert len(tick_texts) >= 3 and all(re.fullmatch(r"[−\-]?\d+(\.\d+)?", t) for t in tick_texts)
    html = _download(page, "project.chart.html").decode("utf-8")
    assert '"automargin":true' in html.replace(" ", "")  # room for every tick label in the file


PROGRESS_LINE = """() => [...document.querySelectorAll('[data-testid="stProgress"]')].map(e => e.innerText).join(' ')"""


def test_live_training_redraws_while_it_runs(page, app_url):
    # enough epochs for several seconds of training on an idle machine (about 1.5M words/s), so a redraw
    # once a second shows at least three frames
    page.goto(f"{app_url}/Train?sidebar.corpus=mixed&train.method=sgns&train.sgns.epochs=15")
    wait_for_app(page, timeout_ms=240_000)
    page.get_by_role("button", name="Start").click()
    seen: list[str] = []
    for _ in range(1200):  # polls, not a time limit: the run ends by itself
        line = page.evaluate(PROGRESS_LINE)
        if line and (not seen or seen[-1] != line):
            seen.append(line)
        if "done" in line:
            break
        page.wait_for_timeout(100)
    steps = [int(m.group(1)) for line in seen if (m := re.search(r"step (\d+)", line))]
    assert "done" in seen[-1], seen[-3:]
    assert len(set(steps)) >= 3, f"the progress line redrew only {len(set(steps))} times: {seen}"
    assert steps == sorted(steps)  # each redraw shows more training, never an older frame
    # live mode ended: the page reruns as a whole and Start replaces Stop (the rerun follows the
    # last redraw, so wait for it rather than reading the page at once)
    expect(page.get_by_role("button", name="Start")).to_have_count(1, timeout=60_000)
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    wait_for_app(page)
    assert_healthy(page)
