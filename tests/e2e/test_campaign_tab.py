"""The Campaigns tab as a marketer uses it (issue 17, item 10): the confirmation box stays
hidden until a code is asked for; one email is approved or rejected on its own; after an
export the tab says exported, when, and into which folder of the app's exports.

The real app (offline model) in a real headless Chromium; the campaign is drafted through
the real workflow; the code the tab shows as an image is read where a person reads it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import latest_code, run_async, screenshot
from tools.campaigns.audience import parse_audience
from tools.campaigns.workflow import campaign_store, create_campaign
from tools.email.drafts import DraftRequest

pytestmark = pytest.mark.slow
PICKED = "#campaign-picked-text"
CODE = "#campaign-code textarea, #campaign-code input"


def test_approve_or_reject_one_email_and_see_the_export(page, settings, built_data_dir: Path,
                                                        app_server):
    campaign = run_async(create_campaign(parse_audience("unhappy customers in Daegu"),
                                         DraftRequest()))
    page.reload()  # the tab opens on the newest campaign
    page.get_by_role("tab", name="Campaigns").click()
    page.locator("#campaign-picker input").first.wait_for()
    page.wait_for_function(f"document.querySelector('#campaign-picker input').value"
                           f".startsWith('{campaign.id} ·')")
    rows = page.locator("#campaign-emails [role=row].virtual-row")
    rows.first.wait_for()
    # nothing to confirm yet: no code box
    assert not page.locator("#campaign-confirm-box").is_visible()
    assert not page.locator(CODE).first.is_visible()

    # reject the first email on its own
    first, second = (e["customer_id"] for e in campaign_store().emails(campaign.id)[:2])
    rows.nth(0).locator("[role=gridcell]").nth(1).click()
    page.locator(PICKED).get_by_text(f"customer {first}").wait_for()
    page.locator("#campaign-preview iframe").wait_for()
    page.click("#campaign-reject-one")
    page.locator(PICKED).get_by_text("rejected").wait_for()
    page.locator("#campaign-status").get_by_text("rejected: 1").wait_for()
    assert not page.locator("#campaign-reject-one").is_visible()

    # approve the second on its own: a code for that email, in a dialog
    rows.nth(1).locator("[role=gridcell]").nth(1).click()
    page.locator(PICKED).get_by_text(f"customer {second}").wait_for()
    page.click("#campaign-approve-one")
    dialog = page.locator("#campaign-confirm-box")
    dialog.locator("img").wait_for()
    assert f"(customer {second})" in dialog.inner_text()
    code = latest_code(built_data_dir, campaign.id, "approve")
    assert code not in page.content()  # only the picture holds it
    screenshot(page, "issue17-item10-dialog-after")
    page.fill(CODE, "000000")
    page.click("#campaign-confirm")
    page.locator("#campaign-confirm-error").get_by_text("not valid").wait_for()
    page.fill(CODE, code)
    page.click("#campaign-confirm")
    page.locator("#campaign-message").get_by_text("Approved 1 email(s).").wait_for()
    dialog.wait_for(state="hidden")
    page.locator(PICKED).get_by_text("approved").wait_for()
    counts = campaign_store().campaign(campaign.id).counts
    assert (counts["approved"], counts["rejected"]) == (1, 1)
    assert counts["draft"] == campaign.total - 2  # the others were left alone

    # export: the status reads exported, with when and where — never a server path
    page.click("#campaign-export")
    status = page.locator("#campaign-status")
    status.get_by_text("exported: 1").wait_for()
    folder = campaign_store().last_export(campaign.id).folder
    status.get_by_text(re.compile(rf"Exported \d+ \w+ \d{{4}}, \d\d:\d\d.*“{re.escape(folder)}”")
                       ).wait_for()
    assert "approved:" not in status.inner_text()
    page.locator(PICKED).get_by_text("exported").wait_for()
    for shown in (status, page.locator("#campaign-message")):
        assert str(built_data_dir) not in shown.inner_text()
    assert str(settings.exports_dir / folder) in app_server.log.read_text()  # the log has it
    page.locator("#campaign-files").get_by_text("pubsub_messages").wait_for()  # downloads
    screenshot(page, "issue17-item10-after")
