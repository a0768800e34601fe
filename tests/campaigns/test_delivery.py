"""Exports and SMTP delivery against a real SMTP server on localhost."""

from __future__ import annotations

import asyncio
import csv
import email
import json
import logging
import sqlite3
from email.message import Message
from email.policy import default
from pathlib import Path

import pytest

from config.settings import Settings, get_settings
from tests.campaigns.conftest import reachable
from tests.campaigns.smtp_server import Handler, LocalSmtp, self_signed_certificate
from tools.campaigns.delivery import (
    SendReport,
    export_campaign,
    prepare_send,
    send_confirmed,
)
from tools.campaigns.store import MAX_CODE_FAILURES
from tools.campaigns.workflow import (
    CampaignError,
    approve,
    approve_confirmed,
    campaign_store,
    create_campaign,
    reject,
    request_approval,
)
from tools.email.drafts import DraftRequest
from tools.email.render import unsubscribe_url

ACTOR = "test"


def send_now(campaign_id: int, **options: object) -> SendReport:
    """Ask for a send and confirm it at once, as the same person."""
    code = prepare_send(campaign_id, actor=ACTOR).confirmation_code
    return send_confirmed(campaign_id, code, actor=ACTOR, **options)


def use_server(monkeypatch: pytest.MonkeyPatch, server: LocalSmtp) -> Settings:
    for key, value in server.settings_env().items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return get_settings()


def new_campaign(n: int = 8, approve_all: bool = True) -> int:
    spec = reachable(n)
    campaign = asyncio.run(create_campaign(spec, DraftRequest()))
    assert campaign.counts["draft"] == n and campaign.counts["invalid"] == 0
    if approve_all:
        approve(campaign.id, actor=ACTOR)
    return campaign.id


def addresses(campaign_id: int, status: str | None = None) -> list[str]:
    emails = campaign_store().emails(campaign_id, statuses=(status,) if status else None)
    return [e["to_email"] for e in emails]


def body(message: Message, subtype: str) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == f"text/{subtype}")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def test_send_needs_a_confirmation_and_delivers_exactly_the_approved_emails(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign_id = new_campaign(8, approve_all=False)
    store = campaign_store()
    ids = [e["customer_id"] for e in store.emails(campaign_id)]
    approve(campaign_id, ids[:6], actor=ACTOR)
    reject(campaign_id, [ids[6]], reason="not this one", actor=ACTOR)
    with LocalSmtp() as server:
        use_server(monkeypatch, server)
        plan = prepare_send(campaign_id, actor=ACTOR)
        assert plan.emails == 6 and len(plan.confirmation_code) == 6
        assert all("***@" in r for r in plan.sample_recipients)
        assert server.received == []  # asking for a confirmation sends nothing
        with pytest.raises(CampaignError, match="not valid"):
            send_confirmed(campaign_id, "000000", actor=ACTOR)
        report = send_confirmed(campaign_id, plan.confirmation_code, actor=ACTOR)
        assert len(report.sent) == 6 and report.error is None
        with pytest.raises(CampaignError, match="already used"):
            send_confirmed(campaign_id, plan.confirmation_code, actor=ACTOR)
        with pytest.raises(CampaignError, match="No approved emails"):
            prepare_send(campaign_id, actor=ACTOR)
    stored = {e["to_email"]: e for e in store.emails(campaign_id, statuses=("sent",))}
    assert sorted(r.recipients[0] for r in server.received) == sorted(stored)
    for received in server.received:
        record = stored[received.recipients[0]]
        message = received.message
        assert received.sender == campaign_settings.email_sender_address
        assert message["Message-ID"] == record["message_id"]
        assert message["Subject"] == record["subject"]
        assert record["to_email"] in message["To"] and record["to_name"] in message["To"]
        unsubscribe = unsubscribe_url(record["customer_id"], campaign_settings)
        assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert body(message, "plain").replace("\r\n", "\n").strip() == record["text"].strip()
        assert all(p["uri"] in body(message, "html") for p in record["products"])
    counts = store.campaign(campaign_id).counts
    assert (counts["sent"], counts["rejected"], counts["draft"]) == (6, 1, 1)


def test_codes_belong_to_who_asked_resist_guessing_and_the_history_names_everyone(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign_id = new_campaign(4, approve_all=False)
    store = campaign_store()
    plan = request_approval(campaign_id, actor="app:alice")
    assert plan.emails == 4
    with pytest.raises(CampaignError, match="someone else"):
        approve_confirmed(campaign_id, plan.confirmation_code, actor="app:bob")
    assert approve_confirmed(campaign_id, plan.confirmation_code, actor="app:alice")[1]
    with LocalSmtp() as server:
        use_server(monkeypatch, server)
        code = prepare_send(campaign_id, actor="app:alice").confirmation_code
        for guess in range(MAX_CODE_FAILURES):  # real codes have six digits, never a 0 first
            with pytest.raises(CampaignError, match="not valid"):
                send_confirmed(campaign_id, f"{guess:06d}", actor="app:alice")
        with pytest.raises(CampaignError, match="too many wrong codes"):
            send_confirmed(campaign_id, code, actor="app:alice")  # guessing voided it
        assert server.received == []
        code = prepare_send(campaign_id, actor="app:alice").confirmation_code
        assert len(send_confirmed(campaign_id, code, actor="app:alice").sent) == 4
    history = store.events(campaign_id)
    actors = {(e["action"], e["actor"]) for e in history}
    assert {("approve_requested", "app:alice"), ("approve_refused", "app:bob"),
            ("approve_confirmed", "app:alice"), ("approved", "app:alice"),
            ("send_requested", "app:alice"), ("send_refused", "app:alice"),
            ("send_confirmed", "app:alice"), ("sending", "app:alice"),
            ("sent", "app:alice")} <= actors
    assert all(e["actor"] == "app:alice" for e in history if e["action"] in ("approved", "sent"))


def test_a_code_for_one_email_approves_that_email_and_nothing_else(
        campaign_settings: Settings) -> None:
    """The Campaigns tab approves a single email with a code of its own: that code approves
    no other email, a code for every valid draft cannot approve just one, and an email that
    is already approved needs no code."""
    campaign_id = new_campaign(4, approve_all=False)
    first, second, *_ = [e["customer_id"] for e in campaign_store().emails(campaign_id)]
    reject(campaign_id, [first], actor=ACTOR)
    one = request_approval(campaign_id, actor=ACTOR, customer_ids=[first])
    assert one.emails == 1  # named by a person, a rejected email may be approved again
    every = request_approval(campaign_id, actor=ACTOR)
    assert every.emails == 3
    with pytest.raises(CampaignError, match="changed"):
        approve_confirmed(campaign_id, one.confirmation_code, actor=ACTOR)
    with pytest.raises(CampaignError, match="changed"):
        approve_confirmed(campaign_id, every.confirmation_code, actor=ACTOR,
                          customer_ids=[second])
    with pytest.raises(CampaignError, match="changed"):
        approve_confirmed(campaign_id, one.confirmation_code, actor=ACTOR,
                          customer_ids=[second])
    _, moved = approve_confirmed(campaign_id, one.confirmation_code, actor=ACTOR,
                                 customer_ids=[first])
    assert moved == [first]
    assert campaign_store().campaign(campaign_id).counts["approved"] == 1
    with pytest.raises(CampaignError, match="Nothing to approve"):
        request_approval(campaign_id, actor=ACTOR, customer_ids=[first])


def test_server_stopped_mid_campaign_then_retry_sends_the_rest_once(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign_id = new_campaign(8)
    store = campaign_store()
    first = LocalSmtp().start()
    use_server(monkeypatch, first)
    stopped = []

    def stop_after_three(done: int, total: int) -> None:
        if done == 3 and not stopped:
            first.stop()
            stopped.append(done)

    report = send_now(campaign_id, progress=stop_after_three)
    assert len(report.sent) == 3 and report.error and report.still_approved == 5
    counts = store.campaign(campaign_id).counts
    assert (counts["sent"], counts["approved"], counts["sending"]) == (3, 5, 0)
    assert len(first.received) == 3

    with LocalSmtp() as second:
        use_server(monkeypatch, second)
        retry = send_now(campaign_id)
    assert len(retry.sent) == 5 and retry.error is None
    arrived = [r.recipients[0] for r in first.received + second.received]
    assert sorted(arrived) == sorted(addresses(campaign_id)) and len(set(arrived)) == 8
    ids = [r.message["Message-ID"] for r in first.received + second.received]
    assert len(set(ids)) == 8
    assert sorted(ids) == sorted(e["message_id"] for e in store.emails(campaign_id))


def test_refused_recipient_fails_and_a_broken_transfer_is_never_resent_blindly(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign_id = new_campaign(6)
    store = campaign_store()
    emails = store.emails(campaign_id)
    refused, dropped = emails[1], emails[3]
    handler = Handler(refuse={refused["to_email"]}, drop_during_data={dropped["to_email"]})
    with LocalSmtp(handler) as server:
        use_server(monkeypatch, server)
        report = send_now(campaign_id)
        assert report.failed == [refused["customer_id"]]
        assert report.uncertain == [dropped["customer_id"]]
        assert len(report.sent) == 2 and report.still_approved == 2
        assert store.email(campaign_id, refused["customer_id"])["last_error"].startswith("550")
        handler.drop_during_data.clear()
        retry = send_now(campaign_id)
        assert len(retry.sent) == 2
        assert store.email(campaign_id, dropped["customer_id"])["status"] == "uncertain"
        # a person decides to resend it: same Message-ID, so the receiver can de-duplicate
        recorded = store.email(campaign_id, dropped["customer_id"])["message_id"]
        approve(campaign_id, [dropped["customer_id"]], actor=ACTOR)
        send_now(campaign_id)
    arrived = [r.recipients[0] for r in server.received]
    assert len(arrived) == len(set(arrived)) == 5
    last = next(r for r in server.received if r.recipients[0] == dropped["to_email"])
    assert last.message["Message-ID"] == recorded
    counts = store.campaign(campaign_id).counts
    assert (counts["sent"], counts["failed"], counts["uncertain"]) == (5, 1, 0)


def test_starttls_with_login(campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch,
                             tmp_path: Path) -> None:
    campaign_id = new_campaign(2)
    cert = self_signed_certificate(tmp_path)
    with LocalSmtp(cert=cert, login=("mailer", "s3cret")) as server:
        settings = use_server(monkeypatch, server)
        assert settings.smtp_security == "starttls"
        monkeypatch.setenv("CYMBAL_SMTP_PASSWORD", "wrong")
        get_settings.cache_clear()
        refused = send_now(campaign_id)
        assert refused.sent == [] and "Could not connect" in (refused.error or "")
        assert "wrong" not in refused.error and refused.still_approved == 2
        monkeypatch.setenv("CYMBAL_SMTP_PASSWORD", "s3cret")
        get_settings.cache_clear()
        report = send_now(campaign_id)
    assert len(report.sent) == 2 and len(server.received) == 2


def test_sending_without_smtp_settings_is_refused(campaign_settings: Settings) -> None:
    campaign_id = new_campaign(1)
    with pytest.raises(CampaignError, match="CYMBAL_SMTP_HOST"):
        prepare_send(campaign_id, actor=ACTOR)


def test_a_changed_catalog_invalidates_an_approved_email_before_sending(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign_id = new_campaign(3)
    stale = campaign_store().emails(campaign_id)[0]
    products = stale["products"]
    products[0]["price_won"] += 1000  # the catalog price moved since the draft was written
    with sqlite3.connect(campaign_settings.app_db_path) as db:
        db.execute("UPDATE campaign_emails SET products = ? WHERE customer_id = ?",
                   (json.dumps(products), stale["customer_id"]))
    with LocalSmtp() as server:
        use_server(monkeypatch, server)
        plan = prepare_send(campaign_id, actor=ACTOR)
        assert plan.invalidated == [stale["customer_id"]] and plan.emails == 2
        send_confirmed(campaign_id, plan.confirmation_code, actor=ACTOR)
    after = campaign_store().email(campaign_id, stale["customer_id"])
    assert after["status"] == "draft" and not after["valid"]
    assert after["to_email"] not in [r.recipients[0] for r in server.received]


def test_exports_write_csv_eml_and_lab_pubsub_jsonl(campaign_settings: Settings,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    campaign_id = new_campaign(5, approve_all=False)
    store = campaign_store()
    ids = [e["customer_id"] for e in store.emails(campaign_id)]
    approve(campaign_id, ids[:3], actor=ACTOR)
    with caplog.at_level(logging.INFO, logger="tools.campaigns.delivery"):
        result = export_campaign(campaign_id)
    assert result.exported == 3
    folder = Path(result.files["eml"]).parent
    assert folder.is_relative_to(campaign_settings.data_dir)
    # people see the folder's name and the files' names; the path is in the log
    assert result.file_names() == {"eml": "eml", "jsonl": "pubsub_messages.jsonl",
                                   "csv": "emails.csv"}
    record = store.last_export(campaign_id)
    assert record is not None and (record.folder, record.formats, record.handed_off) == (
        folder.name, ["csv", "eml", "jsonl"], 3)
    assert str(folder) in caplog.text
    with open(result.files["csv"], encoding="utf-8-sig", newline="") as handle:
        sheet = list(csv.DictReader(handle))
    assert len(sheet) == 5
    assert sorted(r["status"] for r in sheet) == ["draft", "draft", "exported", "exported",
                                                  "exported"]
    lines = Path(result.files["jsonl"]).read_text(encoding="utf-8").splitlines()
    messages = [json.loads(line) for line in lines]
    exported = {e["to_email"]: e for e in store.emails(campaign_id, statuses=("exported",))}
    assert [sorted(m) for m in messages] == [["customer_email", "customer_message",
                                              "customer_name"]] * 3
    for message in messages:
        assert message["customer_message"] == exported[message["customer_email"]]["html"]
    emls = sorted(Path(result.files["eml"]).glob("*.eml"))
    assert len(emls) == 3
    parsed = email.message_from_bytes(emls[0].read_bytes(), policy=default)
    record = store.email(campaign_id, int(emls[0].stem))
    assert parsed["Message-ID"] == record["message_id"] and record["to_email"] in parsed["To"]
    # handed-off emails are never also sent
    with pytest.raises(CampaignError, match="SMTP|approved"):
        prepare_send(campaign_id, actor=ACTOR)


def test_customer_addresses_never_reach_the_logs(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    handler = Handler()
    with LocalSmtp(handler) as server:
        use_server(monkeypatch, server)
        campaign_id = new_campaign(4)
        handler.refuse = {addresses(campaign_id)[0]}
        export_campaign(campaign_id, ["csv"])
        send_now(campaign_id)
    stored = addresses(campaign_id)
    assert len(stored) == 4 and len(server.received) == 3
    ours = "\n".join(r.getMessage() for r in caplog.records
                     if not r.name.startswith("mail.log"))  # the test server's own log
    assert "campaign" in ours
    for address in stored:
        assert address not in ours
    failed = campaign_store().emails(campaign_id, statuses=("failed",))[0]
    assert failed["to_email"] not in (failed["last_error"] or "")


def test_a_send_interrupted_by_a_crash_is_never_repeated_blindly(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign_id = new_campaign(3)
    store = campaign_store()
    crashed = store.emails(campaign_id)[0]
    assert store.claim_for_send(campaign_id, crashed["customer_id"], "<crash@test>", ACTOR)
    with sqlite3.connect(campaign_settings.app_db_path) as db:  # the process died long ago
        db.execute("UPDATE campaign_emails SET updated_at = '2000-01-01T00:00:00+00:00' "
                   "WHERE customer_id = ?", (crashed["customer_id"],))
    with LocalSmtp() as server:
        use_server(monkeypatch, server)
        plan = prepare_send(campaign_id, actor=ACTOR)
        assert plan.emails == 2
        send_confirmed(campaign_id, plan.confirmation_code, actor=ACTOR)
    assert crashed["to_email"] not in [r.recipients[0] for r in server.received]
    after = store.email(campaign_id, crashed["customer_id"])
    assert after["status"] == "uncertain" and after["message_id"] == "<crash@test>"
