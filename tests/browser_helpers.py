"""Helpers for the real-browser tests: wait for a Streamlit page to settle, check it, screenshot it."""

from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def wait_for_app(page, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has rendered and is no longer running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMainBlockContainer"], [data-testid="block-container"]', timeout=timeout_ms)
    # The status widget shows "Running..." while the script executes.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(500)


def assert_healthy(page) -> None:
    """No exception element, and the main area holds some text."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    main_text = page.locator('[data-testid="stMain"], section.main').first.inner_text()
    assert len(main_text.strip()) > 20, "the page looks blank"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
