"""Sending from the chat box and the example chips (issue 17, item 10: an empty Send put an
empty bubble in the chat; an example chip only filled the box).

The real app (offline model) in a real headless Chromium.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tools.warehouse import get_warehouse

pytestmark = pytest.mark.slow
EXAMPLE = "How many customers do we have in each city?"
USER_ROWS = "#chat .message-row.user-row"


def test_an_empty_send_does_nothing_and_an_example_chip_asks_its_question(page, settings):
    page.click("#send")  # nothing typed
    page.fill("#question textarea", "   ")
    page.click("#send")  # only spaces
    # the chip's turn is queued after both sends: once it is answered, they were handled
    page.get_by_text(EXAMPLE).first.click()
    page.locator(USER_ROWS).get_by_text(EXAMPLE).wait_for()
    page.locator("#chat").get_by_text("Ran a SQL query").first.wait_for()
    seoul = get_warehouse().run_query(
        "SELECT COUNT(*) FROM customers WHERE address_city = 'Seoul'").rows[0][0]
    page.locator("#chat").get_by_text(f"{seoul:,}").first.wait_for()
    assert page.locator(USER_ROWS).count() == 1  # no empty bubble before it
    assert [t.strip() for t in page.locator(USER_ROWS).all_inner_texts()] == [EXAMPLE]
    assert page.input_value("#question textarea") == ""
    screenshot(page, "issue17-item10-chat-after")
