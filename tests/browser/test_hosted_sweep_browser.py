"""Hosted mode in Chromium, every page at its advertised maxima: one visitor, then three at once.

No page may show an exception box; a request the server cannot serve must be a message. The server's
peak resident memory over the sweep (VmHWM of the Streamlit process) is written to
test-artifacts/hosted_sweep_memory.json (docs/benchmarks.md quotes it) and must stay inside the
hosted ceiling.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from explorer.limits import map_points_cap
from explorer.settings import Settings
from tests.browser_helpers import ARTIFACTS, screenshot, wait_for_app
from tests.conftest import AppURL, streamlit_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTED = Settings.from_env({"EXPLORER_HOSTED": "1"})
MAP_TIMEOUT_MS = 420_000  # a 20,000-point t-SNE behind another visitor's map, on two busy cores
SENTENCES = "\n".join(
    f"Parcel {i} arrived late and the refund took {i % 9 + 2} days." for i in range(HOSTED.max_sentences)
)
SENTENCES_URL = "/Sentences?sentences.text=" + urllib.parse.quote(SENTENCES)


def _map_url(method: str, seed: int) -> str:
    n = map_points_cap(HOSTED, method)  # the most the page offers for this method
    return f"/Project?project.vectors=reference&project.method={method}&project.n_words={n}&project.seed={seed}"


def _context_url(seed: int) -> str:
    return f"/Context?context.source=corpus&context.corpus_word=the&context.sample={HOSTED.max_sentences}&context.seed={seed}"


def _memory_mb(pid: int) -> dict[str, float]:
    with open(f"/proc/{pid}/status") as fh:
        fields = {k: v for k, _, v in (line.partition(":") for line in fh)}
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


@pytest.fixture(scope="module")
def hosted_app() -> Iterator[AppURL]:
    with streamlit_app({"EXPLORER_HOSTED": "1"}, log_name="streamlit_hosted_sweep.log") as url:
        yield url


def _main(page: Page):
    return page.locator('[data-testid="stMain"]')


def _checked(page: Page, name: str, refusals: list[str]) -> str:
    """No exception box; collect the page's error messages (a refusal must be one); screenshot; main text."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"{name}: {exceptions.first.inner_text()[:600]}"
    errors = page.locator('[data-testid="stAlertContentError"]')
    refusals += [f"{name}: {errors.nth(i).inner_text()}" for i in range(errors.count())]
    screenshot(page, f"hosted_sweep_{name}")
    return _main(page).inner_text()


def _visit(page: Page, url: str, name: str, refusals: list[str], timeout_ms: int = 240_000) -> str:
    page.goto(url)
    wait_for_app(page, timeout_ms=timeout_ms)
    return _checked(page, name, refusals)


def _train_x100(page: Page, name: str, refusals: list[str]) -> None:
    button = page.get_by_role("button", name="Step ×100")
    expect(button).to_be_enabled(timeout=120_000)
    button.click()
    page.wait_for_timeout(1000)
    wait_for_app(page, timeout_ms=240_000)
    _checked(page, name, refusals)


def _sidebar_to(page: Page, title: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=title, exact=True).click()
    page.wait_for_timeout(1000)
    wait_for_app(page, timeout_ms=240_000)


def test_hosted_sweep_every_page_at_its_maxima_one_visitor_then_three(browser, hosted_app: AppURL) -> None:
    refusals: list[str] = []
    memory: dict[str, dict[str, float]] = {"server started": _memory_mb(hosted_app.pid)}
    started = time.monotonic()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)

    # ----- one visitor ------------------------------------------------------------------------
    _visit(page, hosted_app, "home", refusals)
    expect(_main(page).get_by_text("layers, ready")).to_be_visible(timeout=180_000)  # the transformer loaded
    memory["home, transformer loaded"] = _memory_mb(hosted_app.pid)
    for method in ("pca", "tsne", "umap"):
        text = _visit(page, hosted_app + _map_url(method, 0), f"project_{method}", refusals, MAP_TIMEOUT_MS)
        # the advertised maximum is reached by one visitor: the map is drawn with every point
        n = map_points_cap(HOSTED, method)
        assert f"{n:,}" in page.locator('[data-testid="stMetric"]').first.inner_text(), text[:800]
        expect(_main(page).locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
        memory[f"after a {n:,}-point {method} (Project)"] = _memory_mb(hosted_app.pid)
    text = _visit(page, hosted_app + _context_url(0), "context_max", refusals)
    assert f"a random sample of {HOSTED.max_sentences}" in text
    expect(_main(page).locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=120_000)
    memory[f"after Context, {HOSTED.max_sentences} sentences"] = _memory_mb(hosted_app.pid)
    text = _visit(page, hosted_app + SENTENCES_URL, "sentences_max", refusals)
    expect(_main(page).locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=120_000)
    memory[f"after Sentences, {HOSTED.max_sentences} sentences"] = _memory_mb(hosted_app.pid)
    _visit(page, hosted_app + "/Train", "train", refusals)
    _train_x100(page, "train_x100", refusals)
    memory["after Train, x100"] = _memory_mb(hosted_app.pid)
    _sidebar_to(page, "Compare")
    expect(_main(page).get_by_text("Most changed and most stable words")).to_be_visible(timeout=120_000)
    _checked(page, "compare", refusals)
    memory["after Compare (trained vs reference)"] = _memory_mb(hosted_app.pid)
    _sidebar_to(page, "Analogies")
    _checked(page, "analogies", refusals)
    assert not refusals, f"one visitor at the advertised maxima was refused: {refusals}"
    memory["one visitor, every page"] = _memory_mb(hosted_app.pid)
    context.close()

    # ----- three visitors at once ---------------------------------------------------------------
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(3)]
    pages = [c.new_page() for c in contexts]
    plans = [_map_url("umap", 1), _map_url("tsne", 1), _context_url(1)]  # new seeds: nothing comes from the cache
    for visitor, url in zip(pages, plans, strict=True):
        visitor.goto(hosted_app + url)  # returns once loaded; the three scripts then run side by side
    for i, visitor in enumerate(pages):
        wait_for_app(visitor, timeout_ms=MAP_TIMEOUT_MS)
        text = _checked(visitor, f"three_at_once_{i + 1}", refusals)
        drawn = _main(visitor).locator('[data-testid="stPlotlyChart"]').count() > 0
        said = visitor.locator('[data-testid="stAlertContentError"]').count() > 0
        assert drawn or said, f"visitor {i + 1} got neither a chart nor a message: {text[:600]}"
    pages[2].goto(hosted_app + "/Train")  # the third visitor trains while the second map may still run
    wait_for_app(pages[2])
    _train_x100(pages[2], "three_at_once_train", refusals)
    memory["three visitors at once"] = _memory_mb(hosted_app.pid)
    for c in contexts:
        c.close()

    peak = max(m["VmHWM"] for m in memory.values())
    report = {
        "peak_mb": round(peak),
        "ceiling_mb": (HOSTED.max_memory_bytes or 0) // 2**20,
        "seconds": round(time.monotonic() - started),
        "steps": {k: {f: round(v) for f, v in m.items()} for k, m in memory.items()},
        "refusals": refusals,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "hosted_sweep_memory.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))
    one_visitor = memory["one visitor, every page"]["VmHWM"]
    assert one_visitor <= report["ceiling_mb"], f"one visitor took the server past its memory ceiling: {report}"
    # Three at once: the gate admits heavy work (maps, transformer requests, uploads) only below the ceiling,
    # but what it does not count (a training starting beside a map, figures being drawn for three pages) has
    # carried this sweep 8% past the soft ceiling in some runs (1,382-1,667 MB, docs/benchmarks.md). The
    # bound here catches a regression of that, not the ceiling itself.
    assert peak <= report["ceiling_mb"] * 1.25, f"three visitors took the server far past its ceiling: {report}"
