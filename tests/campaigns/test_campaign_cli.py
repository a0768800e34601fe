"""``cymbal campaign …`` end to end: create, list, show, approve, export, send."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from cli.main import app
from config.settings import Settings, get_settings
from tests.campaigns.conftest import CONSENTING
from tests.campaigns.smtp_server import LocalSmtp
from tools.campaigns.workflow import campaign_store

runner = CliRunner()


def cymbal(*args: str) -> str:
    result = runner.invoke(app, ["campaign", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_campaign_commands(campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = runner.invoke(app, ["campaign", "create", "unhappy customers in Seoul", "--sql",
                                CONSENTING, "--language", "ko", "--limit", "4"])
    # a dry run first; nothing is drafted until it is confirmed (no terminal to ask in here)
    assert asked.exit_code == 1 and "emails to draft and send" in asked.output
    assert "cymbal campaign create --plan 1" in " ".join(asked.output.split())
    assert campaign_store().campaigns() == []
    created = cymbal("create", "--plan", "1")
    assert "Campaign 1" in created and "4 draft" in created
    again = cymbal("create", "unhappy customers in Seoul", "--sql", CONSENTING, "--limit", "2",
                   "--yes")  # --yes drafts right after the dry run
    assert "Dry run 2" in again and "Campaign 2" in again and "2 draft" in again
    assert "Seoul" in cymbal("list")
    table = json.loads(runner.invoke(app, ["campaign", "show", "1", "--json"]).stdout)
    assert len(table["rows"]) == 4 and all("***@" in row[2] for row in table["rows"])
    first = table["rows"][0][0]
    email = json.loads(runner.invoke(app, ["campaign", "show", "1", "--customer", str(first),
                                           "--json"]).stdout)
    assert email["language"] == "ko" and email["valid"]
    assert "Re-drafted 4" in cymbal("edit", "1", "shorter")
    assert "Approved 3" in cymbal("approve", "1", "--ids",
                                  ",".join(str(r[0]) for r in table["rows"][:3]))
    assert "Rejected 1" in cymbal("reject", "1", "--ids", str(table["rows"][3][0]))
    with LocalSmtp() as server:
        for key, value in server.settings_env().items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        asked = cymbal("send", "1")
        code = re.search(r"--confirm (\d{6})", asked).group(1)
        assert server.received == []
        sent = cymbal("send", "1", "--confirm", code)
        assert "Sent 3;" in sent and len(server.received) == 3
        refused = runner.invoke(app, ["campaign", "send", "1", "--confirm", code])
        assert refused.exit_code == 1 and "already used" in refused.output
    counts = campaign_store().campaign(1).counts
    assert (counts["sent"], counts["rejected"]) == (3, 1)
    log = cymbal("history", "1", "--limit", "500")
    for action in ("created", "drafted", "redrafted", "approved", "rejected",
                   "send_requested", "send_confirmed", "sending", "sent"):
        assert action in log
    exported = runner.invoke(app, ["campaign", "export", "1", "--format", "csv"])
    assert exported.exit_code == 0 and "emails.csv" in exported.output
    missing = runner.invoke(app, ["campaign", "show", "9"])
    assert missing.exit_code == 1 and "no campaign 9" in missing.output
