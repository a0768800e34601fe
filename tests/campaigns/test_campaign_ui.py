"""The campaign panel's functions: tables, badges, preview, approve, export, send."""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path

import pytest

from config.settings import Settings, get_settings
from tests.campaigns.smtp_server import LocalSmtp
from ui import campaigns as panel

ACTOR = "app:marketer"


def test_campaign_panel_flow(campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    plan_id, emails, sized = panel.dry_run("unhappy women in Seoul", "en", "warm", ACTOR)
    assert plan_id == 1 and emails > 0 and f"Drafting writes {emails:,} email" in sized
    assert panel.campaign_choices() == []  # nothing is drafted before the marketer confirms
    campaign_id, message = asyncio.run(panel.create(plan_id, ACTOR,
                                                    progress=lambda d, t: seen.append(d)))
    assert campaign_id == 1 and "drafted" in message and seen
    assert panel.campaign_choices()[0][1] == 1
    overview = panel.campaigns_frame()
    assert list(overview.columns)[:2] == ["campaign_id", "name"] and overview.iloc[0]["draft"] > 0
    emails = panel.emails_frame(1)
    assert (emails["status"] == "draft").all() and emails["to"].str.contains(r"\*\*\*@").all()
    first = int(emails.iloc[0]["customer_id"])
    preview = panel.email_html(1, first)
    assert "<iframe" in preview and "Failed checks" not in preview
    assert "draft:" in panel.status_html(1)
    assert "Rejected 1" in panel.reject_emails(1, [first], ACTOR)
    # the rejected email alone, approved with a code for it alone
    code, summary = panel.request_approve(1, ACTOR, [first])
    assert code and code not in summary and f"(customer {first})" in summary
    assert panel.confirm_approve(1, code, ACTOR) == (False, (
        "The emails changed since the code was issued; request a new confirmation so you "
        "confirm what will actually happen."))  # its code approves nothing else
    assert panel.confirm_approve(1, code, ACTOR, [first]) == (True, "Approved 1 email(s).")
    valid = int(emails["valid"].sum()) - 1  # the first was valid (no failed checks)
    code, summary = panel.request_approve(1, ACTOR)
    assert code and code not in summary and f"Approve {valid} valid" in summary
    assert panel.confirm_approve(1, "123", ACTOR) == (
        False, "That confirmation code is not valid for this campaign.")
    assert panel.confirm_approve(1, code, ACTOR) == (True, f"Approved {valid} email(s).")
    code, summary = panel.request_send(1, ACTOR)
    assert code is None and "CYMBAL_SMTP_HOST" in summary
    files, message = panel.export_files(1, ("csv", "eml"))
    assert any(f.endswith(".csv") for f in files) and "handed off" in message
    # when and where, as the marketer reads it: the export's folder, not a server path
    folder = Path(files[0]).parent.name
    assert folder in message and str(campaign_settings.data_dir) not in message
    status = panel.status_html(1)
    assert "exported:" in status and folder in status and "Exported " in status
    archive = next(f for f in files if f.endswith(".zip"))
    assert all(n.endswith(".eml") for n in zipfile.ZipFile(archive).namelist())
    code, summary = panel.request_send(1, ACTOR)
    assert code is None  # everything approved was handed off by the export

    asyncio.run(panel.create(panel.dry_run("unhappy men in Busan", "en", "warm", ACTOR)[0],
                             ACTOR))
    panel.confirm_approve(2, panel.request_approve(2, ACTOR)[0] or "", ACTOR)
    with LocalSmtp() as server:
        for key, value in server.settings_env().items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        code, summary = panel.request_send(2, ACTOR)
        assert code and code not in summary and server.received == []
        assert "not valid" in panel.confirm_send(2, "123", ACTOR)[1]
        done, summary = panel.confirm_send(2, code, ACTOR)
        assert done and summary.startswith("Sent ")
    assert len(server.received) == panel.campaigns_frame().iloc[0]["sent"] > 0
