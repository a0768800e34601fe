"""Approving and sending need a marketer in the page, not a script replaying the UI's HTTP
calls (issue 16, defect 5: calling /approve_all, /prepare_send — its answer held the code —
and /confirm_send in a row from a plain HTTP client sent the emails).

Real app processes on free ports, a real local SMTP server, gradio_client, raw HTTP and a real
Chromium. The code the tab shows only as an image is read from the app's database where a
person would read it off the screen.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client

from benchmarks.app_load import AppProcess
from tests.campaigns.smtp_server import LocalSmtp
from tests.conftest import reset_caches
from tests.e2e.conftest import confirm_in_page, latest_code, run_async, screenshot
from tools.campaigns.audience import parse_audience
from tools.campaigns.workflow import campaign_store, create_campaign
from tools.email.drafts import DraftRequest
from tools.warehouse import get_warehouse

pytestmark = pytest.mark.slow
LOGINS = {"marketer": "s3cret-pass", "analyst": "analyst-pass"}  # only marketer may send


@dataclass
class SendingSetup:
    data_dir: Path
    smtp: LocalSmtp
    campaign_id: int

    def app(self, **env: str) -> AppProcess:
        return AppProcess(self.data_dir, self.data_dir / f"ui-{uuid.uuid4().hex[:8]}.log",
                          extra_env={**self.smtp.settings_env(), **env})


@pytest.fixture(scope="module")
def sending(built_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        SendingSetup]:
    """A copy of the built data with one drafted campaign, and an SMTP server to send to;
    this process's settings point at the copy while the module runs."""
    data_dir = tmp_path_factory.mktemp("sending") / "data"
    shutil.copytree(built_data_dir, data_dir,
                    ignore=shutil.ignore_patterns("app.db", "sessions.db", "exports", "*.log"))
    with pytest.MonkeyPatch.context() as patch, LocalSmtp() as smtp:
        patch.setenv("CYMBAL_DATA_DIR", str(data_dir))
        patch.setenv("CYMBAL_MODEL", "offline")
        reset_caches()
        campaign = run_async(create_campaign(parse_audience("unhappy customers in Seoul"),
                                             DraftRequest()))
        get_warehouse().close()  # the apps read the warehouse; this process is done with it
        yield SendingSetup(data_dir, smtp, campaign.id)
    reset_caches()


def state(campaign_id: int) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
    """The campaign's email counts and the history entries that change emails."""
    store = campaign_store()
    counts = {k: v for k, v in store.campaign(campaign_id).counts.items() if v}
    changes = [(e["customer_id"], e["action"], e["actor"]) for e in store.events(campaign_id)
               if e["customer_id"] is not None or e["action"].endswith("_confirmed")]
    return counts, changes


class RawClient:
    """The UI's HTTP API as any script can use it: the page's config, then events posted to
    the queue by number (what the page itself does) and their results read from the stream."""

    def __init__(self, url: str, login: tuple[str, str] | None = None) -> None:
        self.http = httpx.Client(base_url=url, timeout=120)
        if login:
            self.http.post("/login", data={"username": login[0], "password": login[1]}
                           ).raise_for_status()
        self.config = self.http.get("/config").json()
        self.session = uuid.uuid4().hex[:11]

    def click(self, elem_id: str, *data: Any) -> list[Any]:
        """Run what a click on the button ``elem_id`` runs, with ``data`` as its inputs."""
        button = next(c["id"] for c in self.config["components"]
                      if c.get("props", {}).get("elem_id") == elem_id)
        event = next(d for d in self.config["dependencies"]
                     if [button, "click"] in d["targets"])
        self.http.post("/gradio_api/queue/join", json={
            "data": list(data), "fn_index": event["id"], "trigger_id": button,
            "session_hash": self.session, "event_data": None}).raise_for_status()
        with self.http.stream("GET", "/gradio_api/queue/data",
                              params={"session_hash": self.session}) as stream:
            for line in stream.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed":
                    assert message["success"], message
                    return message["output"]["data"]
        raise AssertionError("the event stream ended without a result")


def test_the_http_api_cannot_approve_or_send(sending: SendingSetup) -> None:
    """No login (the app listens on this machine only): a script asking the chat, or
    replaying the page's calls, gets neither an approval nor a send, nor a code to echo
    back."""
    campaign_id = sending.campaign_id
    before = state(campaign_id)
    with sending.app() as app:
        client = Client(app.url, verbose=False)
        named = json.dumps(client.view_api(print_info=False, return_format="dict"))
        for endpoint in ("/approve_all", "/prepare_send", "/confirm_code", "/confirm_send"):
            assert endpoint not in named
            with pytest.raises(ValueError, match="Cannot find a function"):
                client.predict(campaign_id, api_name=endpoint)

        session = ""
        for request in (f"Approve all valid emails in campaign {campaign_id}",
                        f"Send campaign {campaign_id}", "confirm send 123456"):
            chat, *_, session = client.predict(request, [], session, api_name="/respond")[:3]
            assert "Campaigns tab" in json.dumps(chat, ensure_ascii=False), request

        raw = RawClient(app.url)  # what the page posts, replayed by number
        asked = raw.click("campaign-approve", campaign_id)
        code = latest_code(sending.data_dir, campaign_id, "approve")
        assert "<img" in asked[1] and code not in json.dumps(asked)
        assert "not valid" in raw.click("campaign-confirm", campaign_id, "123456", None)[0]
        assert "No approved emails" in raw.click("campaign-prepare", campaign_id)[0]
    assert state(campaign_id) == before
    assert sending.smtp.received == []


def test_a_marketer_approves_and_sends_in_the_browser_and_others_may_not(
        sending: SendingSetup, browser) -> None:  # noqa: ANN001
    """With logins, only the users allowed to send may approve or send (the analyst may not,
    even through the HTTP API); the marketer does both in the page, and the history says so."""
    users = {"CYMBAL_UI_USERNAME": "marketer", "CYMBAL_UI_PASSWORD": LOGINS["marketer"],
             "CYMBAL_UI_USERS": json.dumps({"analyst": LOGINS["analyst"]})}
    campaign_id = sending.campaign_id
    before = state(campaign_id)
    seen = max(e["id"] for e in campaign_store().events(campaign_id))
    with sending.app(**users) as app:
        analyst = RawClient(app.url, ("analyst", LOGINS["analyst"]))
        assert "Not allowed" in analyst.click("campaign-approve", campaign_id)[0]
        assert "Not allowed" in analyst.click("campaign-prepare", campaign_id)[0]
        assert state(campaign_id) == before

        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            page.goto(app.url)
            page.locator("input[type=text]").first.fill("marketer")
            page.locator("input[type=password]").fill(LOGINS["marketer"])
            page.get_by_role("button", name=re.compile("login", re.I)).click()
            page.wait_for_selector("#question textarea")
            page.get_by_role("tab", name="Campaigns").click()
            page.locator("#campaign-status").get_by_text("draft:").wait_for()
            confirm_in_page(page, "#campaign-approve", campaign_id, "approve",
                            sending.data_dir, re.compile(r"Approved \d+"),
                            "09-campaign-approve-code")
            page.locator("#campaign-status").get_by_text(re.compile(r"approved: \d+")
                                                         ).wait_for()
            approved = campaign_store().campaign(campaign_id).counts["approved"]
            assert approved > 0
            confirm_in_page(page, "#campaign-prepare", campaign_id, "send",
                            sending.data_dir, re.compile(rf"Sent {approved} email"),
                            "09-campaign-send-code")
            page.locator("#campaign-status").get_by_text(f"sent: {approved}").wait_for()
            screenshot(page, "10-campaign-sent-by-a-marketer")
        finally:
            context.close()
    assert len(sending.smtp.received) == approved
    history = [e for e in campaign_store().events(campaign_id) if e["id"] > seen]
    assert {e["actor"] for e in history if e["action"] in ("approved", "sent")} == \
        {"app:marketer"}
    assert {e["actor"] for e in history if e["action"].endswith("_requested")} == \
        {"app:marketer"}  # the analyst's attempts were refused before any code was issued
