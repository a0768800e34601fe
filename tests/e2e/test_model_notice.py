"""Which model answers, said in plain words in the page (issue 17, item 9: the page said only
"Model: Offline (offline)", with the reason in a tooltip).

A real app with no model credentials and the default ``CYMBAL_MODEL=auto``, in a real
headless Chromium.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.app_load import AppProcess
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.slow
HEADLINE = "No model credentials are configured, so the built-in offline model answers"


@pytest.fixture(scope="module")
def auto_app(built_data_dir: Path) -> Iterator[AppProcess]:
    """The app as a fresh install runs it: model "auto", no Gemini key anywhere."""
    server = AppProcess(built_data_dir, built_data_dir / f"ui-{uuid.uuid4().hex[:8]}.log",
                        extra_env={"CYMBAL_MODEL": "auto"})
    for key in ("GOOGLE_GENAI_USE_VERTEXAI", "CYMBAL_USE_VERTEX"):
        server.env.pop(key, None)
    with server:
        yield server


def test_the_empty_chat_says_which_model_answers_what_it_can_do_and_how_to_connect_gemini(
        auto_app: AppProcess, browser) -> None:  # noqa: ANN001 - playwright types
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(auto_app.url)
        page.wait_for_selector("#question textarea")
        notice = page.locator("#chat .model-notice")
        notice.get_by_text(HEADLINE).wait_for()  # visible on the page, not in a tooltip
        text = notice.inner_text()
        for words in ("It answers", "counts, totals, averages", "reviews by meaning",
                      "To connect Gemini", "GOOGLE_API_KEY", "restart the app",
                      "답할 수 있는 질문", "Gemini 연결"):
            assert words in text, words
        assert "CYMBAL_MODEL" not in text  # "auto" needs only the key
        assert page.locator(".status-line").get_by_text("Model: Built-in offline model"
                                                        ).is_visible()
        assert page.locator("body").inner_text().count(HEADLINE) == 1  # said once
        screenshot(page, "issue17-item9-after")

        # it is the empty chat's opening: answers do not repeat it
        page.get_by_text("How many customers do we have in each city?").first.click()
        page.locator("#chat").get_by_text("Ran a SQL query").first.wait_for()
        page.locator("#chat .message-row.bot-row, #chat .bot").get_by_text(
            re.compile(r"Seoul")).first.wait_for()
        assert HEADLINE not in page.locator("#chat").inner_text()
    finally:
        context.close()
