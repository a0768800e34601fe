"""A real app server and a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """``python app.py`` in a subprocess on a free port, restartable."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = {**os.environ, "CYMBAL_DATA_DIR": str(data_dir), "CYMBAL_MODEL": "offline",
                    "CYMBAL_UI_PORT": str(self.port), "GRADIO_ANALYTICS_ENABLED": "False"}
        for key in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "CYMBAL_GOOGLE_API_KEY"):
            self.env.pop(key, None)
        self.log = data_dir / f"ui-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 90) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "app.py")],
                                        env=self.env, stdout=handle, stderr=handle,
                                        cwd=PROJECT_ROOT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"app did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture(scope="session")
def app_server(built_data_dir: Path) -> Iterator[AppServer]:
    server = AppServer(built_data_dir)
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
