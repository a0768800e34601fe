"""A real app server and a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

import pytest

from benchmarks.app_load import AppProcess
from config.settings import PROJECT_ROOT

T = TypeVar("T")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def app_process(data_dir: Path) -> AppProcess:
    """``python app.py`` offline on a free localhost port, logging beside the data."""
    return AppProcess(data_dir, data_dir / f"ui-{uuid.uuid4().hex[:8]}.log")


@pytest.fixture(scope="module")
def app_server(built_data_dir: Path) -> Iterator[AppProcess]:
    """The app for the UI tests, stopped after them: while it runs, its read lock on the
    warehouse keeps later tests' ``cymbal setup`` from updating it."""
    server = app_process(built_data_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped on purpose: Playwright's sync API keeps an event loop running in the
    main thread while it is open, which would break every later test using asyncio.run."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: run scripts/install_browser.sh")
        pytest.skip("chromium is not installed (scripts/install_browser.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser, app_server):  # noqa: ANN001 - playwright types
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(app_server.url)
    tab.wait_for_selector("#question textarea")
    yield tab
    context.close()


def screenshot(page, name: str) -> Path:  # noqa: ANN001
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from a test: in a thread of its own, because Playwright's
    sync API keeps an event loop running in this one while a browser is open."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def latest_code(data_dir: Path, campaign_id: int, action: str) -> str:
    """The code the Campaigns tab shows as an image, as the marketer reads it off the screen."""
    with closing(sqlite3.connect(data_dir / "app.db")) as db:
        return db.execute("SELECT code FROM send_confirmations WHERE campaign_id = ? AND "
                          "action = ? ORDER BY rowid DESC LIMIT 1",
                          (campaign_id, action)).fetchone()[0]


def confirm_in_page(page, button: str, campaign_id: int, action: str,  # noqa: ANN001
                    data_dir: Path, done: re.Pattern[str], shot: str) -> None:
    """Press ``button``, read the code shown as an image (screenshot ``shot``), type it and
    confirm."""
    page.click(button)
    image = page.locator("#campaign-code-image img")
    image.wait_for()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    code = latest_code(data_dir, campaign_id, action)
    assert code not in page.locator("#campaign-message").inner_text()
    assert code not in page.content()  # only the picture holds it
    screenshot(page, shot)
    page.fill("#campaign-code textarea, #campaign-code input", code)
    page.click("#campaign-confirm")
    page.locator("#campaign-message").get_by_text(done).wait_for()
