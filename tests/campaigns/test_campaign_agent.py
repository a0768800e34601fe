"""Sending through the agent: the real ADK runner and Gemini model (against the local API
stub) calling the campaign tools, with a real SMTP server. A model that tries to confirm its
own send is refused; the marketer's typed code sends, once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from agent.runner import ChatService
from config.settings import Settings
from tests.campaigns.conftest import reachable
from tests.campaigns.smtp_server import LocalSmtp
from tests.gemini_stub import GeminiStub, Reply, call_reply, text_reply, use_gemini_stub
from tools.campaigns.workflow import approve, campaign_store, create_campaign
from tools.email.drafts import DraftRequest


def last_response(body: dict[str, Any]) -> dict[str, Any]:
    parts = [p["functionResponse"] for c in body["contents"] for p in c.get("parts", [])
             if "functionResponse" in p]
    return parts[-1]["response"] if parts else {}


def test_the_model_cannot_confirm_a_send_only_the_marketer_can(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign = asyncio.run(create_campaign(reachable(3), DraftRequest()))
    approve(campaign.id, actor="test")
    addresses = [e["to_email"] for e in campaign_store().emails(campaign.id)]
    codes: list[str] = []
    steps = iter([
        lambda body: call_reply("send_campaign", {"campaign_id": campaign.id}),
        # the model tries to confirm by itself with the code it was just given
        lambda body: (codes.append(last_response(body)["confirmation_code"]),
                      call_reply("send_campaign", {"campaign_id": campaign.id,
                                                   "confirmation_code": codes[0]}))[1],
        lambda body: text_reply(f"Please confirm by typing: confirm send {codes[0]}"),
        # next turn, after the marketer typed the code
        lambda body: call_reply("send_campaign", {"campaign_id": campaign.id,
                                                  "confirmation_code": codes[0]}),
        lambda body: text_reply("Sent."),
        # the marketer repeats the confirmation: nothing is sent twice
        lambda body: call_reply("send_campaign", {"campaign_id": campaign.id,
                                                  "confirmation_code": codes[0]}),
        lambda body: text_reply("That code was already used."),
    ])

    def model(body: dict[str, Any]) -> Reply:
        return next(steps)(body)

    with GeminiStub(fallback=model) as stub, LocalSmtp() as server:
        use_gemini_stub(monkeypatch, stub.base_url, CYMBAL_EMAIL_WRITER="template",
                        **server.settings_env())
        chat = ChatService()
        first = asyncio.run(chat.ask(f"Send campaign {campaign.id}"))
        assert [c.name for c in first.tool_calls] == ["send_campaign", "send_campaign"]
        asked, self_confirmed = first.tool_calls
        assert asked.response["status"] == "confirmation_required"
        assert self_confirmed.response["error"] == "confirmation_required"
        assert server.received == []

        second = asyncio.run(chat.ask(f"confirm send {codes[0]}", session_id=first.session_id))
        assert second.tool_calls[0].ok and second.tool_calls[0].response["sent"] == 3
        assert second.answer == "Sent."
        assert sorted(r.recipients[0] for r in server.received) == sorted(addresses)

        again = asyncio.run(chat.ask(f"confirm send {codes[0]}", session_id=first.session_id))
        assert "already used" in again.tool_calls[0].response["message"]
        assert len(server.received) == 3
    stored = (campaign_settings.data_dir / "sessions.db").read_bytes()
    for address in addresses:
        assert address.encode() not in stored
    assert json.dumps(second.tool_calls[0].response).count("@") == 0
