"""The campaign loop as a marketer walks it (issue 18): describe the audience in the chat, see
the dry run, confirm, approve and send in the Campaigns tab to a real local SMTP server,
simulate the customers' responses, and ask in the chat how the campaign did — the answer
compares the emailed customers with the holdout and the result panel charts them.

Real app processes (offline model) on free ports, a real Chromium, a real SMTP server; the
simulator writes to a copy of the built warehouse while no app has it open (DuckDB allows
one writer), then a fresh app answers from it.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.app_load import AppProcess
from pipeline.campaign_responses import simulate_responses
from tests.campaigns.smtp_server import LocalSmtp
from tests.conftest import reset_caches
from tests.e2e.conftest import confirm_in_page, screenshot
from tests.e2e.test_ui import ask, last_answer
from tools.campaigns.workflow import campaign_store
from tools.warehouse import get_warehouse

pytestmark = pytest.mark.slow
LOOP_ENV = {"CYMBAL_CAMPAIGN_HOLDOUT_SHARE": "0.3",  # a holdout worth comparing with
            "CYMBAL_CAMPAIGN_HOLDOUT_MIN_AUDIENCE": "10",  # on the small test data
            "CYMBAL_CAMPAIGN_RESULTS_MIN_GROUP": "5"}


@pytest.fixture(scope="module")
def loop_data(built_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the built data with no campaigns; this process's settings point at it."""
    data_dir = tmp_path_factory.mktemp("loop") / "data"
    shutil.copytree(built_data_dir, data_dir,
                    ignore=shutil.ignore_patterns("app.db", "sessions.db", "exports", "*.log"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CYMBAL_DATA_DIR", str(data_dir))
        patch.setenv("CYMBAL_MODEL", "offline")
        for key, value in LOOP_ENV.items():
            patch.setenv(key, value)
        reset_caches()
        yield data_dir
        get_warehouse().close()
    reset_caches()


def open_page(browser, app: AppProcess):  # noqa: ANN001, ANN201 - playwright types
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(app.url)
    page.wait_for_selector("#question textarea")
    return context, page


def test_describe_dry_run_confirm_send_simulate_and_read_the_results(loop_data: Path,
                                                                     browser) -> None:  # noqa: ANN001
    with LocalSmtp() as smtp:
        env = {**smtp.settings_env(), **LOOP_ENV}
        with AppProcess(loop_data, loop_data / f"ui-{uuid.uuid4().hex[:8]}.log",
                        extra_env=env) as app:
            context, page = open_page(browser, app)
            try:
                ask(page, "create a win-back campaign for unhappy customers in Seoul")
                page.locator("#chat").get_by_text("Nothing is drafted yet").wait_for()
                dry_run = last_answer(page)
                assert "customers fit" in dry_run and "held out" in dry_run
                assert campaign_store().campaigns() == []  # nothing drafted before confirming
                screenshot(page, "issue18-1-dry-run")

                ask(page, "ok, go ahead")
                page.locator("#chat").get_by_text(re.compile(r"Created campaign \d+")).wait_for()
                page.locator("#chat").get_by_text("Next: review them").wait_for()  # whole answer
                [campaign] = campaign_store().campaigns()
                held_out = len(campaign_store().arm_ids(campaign.id, "holdout"))
                assert held_out > 0 and f"{held_out} are held out" in last_answer(page)
                screenshot(page, "issue18-2-confirmed-and-drafted")

                page.reload()  # the tab opens on the newest campaign
                page.get_by_role("tab", name="Campaigns").click()
                page.locator("#campaign-status").get_by_text("draft:").wait_for()
                confirm_in_page(page, "#campaign-approve", campaign.id, "approve", loop_data,
                                re.compile(r"Approved \d+"), "issue18-3-approve-code")
                approved = campaign_store().campaign(campaign.id).counts["approved"]
                confirm_in_page(page, "#campaign-prepare", campaign.id, "send", loop_data,
                                re.compile(rf"Sent {approved} email"), "issue18-4-send-code")
                page.locator("#campaign-status").get_by_text(f"sent: {approved}").wait_for()
                screenshot(page, "issue18-5-sent")
            finally:
                context.close()
        sent_to = {address.lower() for received in smtp.received
                   for address in received.recipients}
    assert len(smtp.received) == approved > 0
    held = ", ".join(str(c) for c in campaign_store().arm_ids(campaign.id, "holdout"))
    held_addresses = {str(row[0]).lower() for row in get_warehouse().run_query(
        f"SELECT email FROM cymbal.customers WHERE customer_id IN ({held})").rows}
    assert held_addresses and not sent_to & held_addresses  # the holdout got no email

    report = simulate_responses(campaign.id, 0.10, seed=7, base_rate=0.1)
    get_warehouse().close()  # the next app reads what the simulator wrote
    assert report.treated == approved and report.holdout == held_out

    with AppProcess(loop_data, loop_data / f"ui-{uuid.uuid4().hex[:8]}.log",
                    extra_env=LOOP_ENV) as app:
        context, page = open_page(browser, app)
        try:
            ask(page, f"how did campaign {campaign.id} do?")
            page.locator("#chat").get_by_text("95% interval").wait_for()
            answer = last_answer(page)
            assert f"of {approved}" in answer and f"of {held_out}" in answer
            assert "uplift" in answer
            page.locator("#result-chart .js-plotly-plot").first.wait_for()
            screenshot(page, "issue18-6-results")
        finally:
            context.close()
