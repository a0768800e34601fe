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
CHIPS = "#chat .options button.option"  # the follow-ups: shown once a turn has ended


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


def test_send_waits_while_an_answer_streams_and_what_is_typed_meanwhile_stays(page, settings):
    """Typing the next question while an answer streams: no view of the answer wipes it, and
    Send says it is answering (a click would be dropped) until the answer has ended."""
    first, second = ("How many customers do we have in each city?",
                     "How many customers live in Daegu?")
    page.fill("#question textarea", first)
    page.click("#send")
    page.locator(USER_ROWS).first.wait_for()  # the question left the box: the answer streams
    page.fill("#question textarea", second)
    page.locator(CHIPS).first.wait_for()  # the first turn ended: every view of it was shown
    assert page.input_value("#question textarea") == second
    page.click("#send")  # waits until Send is enabled again
    daegu = get_warehouse().run_query(
        "SELECT COUNT(*) FROM customers WHERE address_city = 'Daegu'").rows[0][0]
    page.locator("#chat").get_by_text(f"Customers: {daegu:,}").first.wait_for()
    assert [t.strip() for t in page.locator(USER_ROWS).all_inner_texts()] == [first, second]


def test_send_says_it_is_answering_while_a_turn_runs(page, settings):
    """Seen from the page: Send turns into a disabled "Answering…" once the question shows,
    and back into Send when the answer has ended."""
    states: list[str] = []
    page.expose_function("sendState", lambda state: states.append(state))
    page.evaluate("""() => { const b = document.querySelector('#send');
        new MutationObserver(() => window.sendState(`${b.disabled} ${b.innerText.trim()}`))
            .observe(b, {attributes: true, childList: true, subtree: true,
                         characterData: true}); }""")
    page.fill("#question textarea", "How many customers live in Busan?")
    page.click("#send")
    page.locator(CHIPS).first.wait_for()
    page.wait_for_function("!document.querySelector('#send').disabled")
    assert "true Answering…" in states
    assert page.locator("#send").inner_text().strip() == "Send"
