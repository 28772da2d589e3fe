"""Helpers for the real-browser tests: wait for a Streamlit page to settle, check it, screenshot it."""

from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def wait_for_app(page, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has run the script to its end and the main area shows something.

    Streamlit marks the app root with ``data-test-script-state``: "initial" before the first
    run, "running" while the script executes, "notRunning" once it has finished; elements that
    are still loading show as skeletons.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const main = document.querySelector('[data-testid="stMain"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && main && main.innerText.trim().length > 20
                && !document.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]');
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(300)


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
