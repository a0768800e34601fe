"""The mail server going down in the middle of a campaign sent from the chat: nothing is sent
twice and nothing is lost. The marketer asks to send, types the confirmation code, the server
dies after three messages; a retry from the chat sends exactly the rest. The app database's
statuses are checked against what the SMTP servers (aiosmtpd on localhost) received."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from collections import Counter
from typing import Any

import pytest

from config.settings import Settings, get_settings
from tests.campaigns.conftest import reachable
from tests.campaigns.smtp_server import Handler, LocalSmtp
from tests.reliability.conftest import converse, offline_chat
from tools.campaigns.workflow import approve, create_campaign
from tools.email.drafts import DraftRequest

_CODE = re.compile(r"\b(\d{6})\b")


class DiesAfter(Handler):
    """Accepts ``limit`` messages, then goes down: the connection drops at the next MAIL
    command and the server stops listening."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.server: LocalSmtp | None = None

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:  # noqa: N802 - aiosmtpd's name
        if len(self.received) >= self.limit:
            server.transport.close()
            assert self.server is not None
            threading.Thread(target=self.server.stop, daemon=True).start()
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        return "250 OK"


def use(monkeypatch: pytest.MonkeyPatch, server: LocalSmtp) -> None:
    for key, value in server.settings_env().items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()


def statuses(settings: Settings, campaign_id: int) -> Counter[str]:
    """Email statuses straight from the app database (not through the store's code)."""
    con = sqlite3.connect(settings.app_db_path)
    try:
        rows = con.execute("SELECT status FROM campaign_emails WHERE campaign_id = ?",
                           [campaign_id])
        return Counter(r[0] for r in rows)
    finally:
        con.close()


def send_from_chat(settings: Settings) -> tuple[str, str]:
    """'Send the campaign', then the marketer types the code it showed: both answers."""
    chat = offline_chat(settings)
    session = chat.new_session_id()
    [asked] = converse(chat, "Send the campaign", session=session)
    code = _CODE.search(asked.answer)
    assert code, asked.answer
    [sent] = converse(chat, f"confirm send {code.group(1)}", session=session)
    return asked.answer, sent.answer


def test_server_down_mid_campaign_then_retry_from_the_chat(
        own_data: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign = asyncio.run(create_campaign(reachable(8), DraftRequest()))
    approve(campaign.id, actor="test")
    assert statuses(own_data, campaign.id) == Counter(approved=8)

    handler = DiesAfter(limit=3)
    first = LocalSmtp(handler)
    handler.server = first
    first.start()
    use(monkeypatch, first)
    _, answer = send_from_chat(own_data)
    assert len(first.received) == 3
    assert "3" in answer and re.search(r"again|retry|later|다시", answer, re.I), answer
    after_outage = statuses(own_data, campaign.id)
    assert after_outage == Counter(sent=3, approved=5), after_outage

    # The server is down for good: a send attempt now changes nothing.
    _, answer = send_from_chat(own_data)
    assert re.search(r"connect|server", answer, re.I), answer
    assert statuses(own_data, campaign.id) == after_outage

    with LocalSmtp() as second:
        use(monkeypatch, second)
        send_from_chat(own_data)
    assert statuses(own_data, campaign.id) == Counter(sent=8)
    arrived = [r.recipients[0] for r in first.received + second.received]
    assert len(arrived) == len(set(arrived)) == 8  # each customer once, nobody twice
    ids = [r.message["Message-ID"] for r in first.received + second.received]
    assert len(set(ids)) == 8
