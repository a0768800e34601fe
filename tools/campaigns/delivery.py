"""Getting approved emails out: files for other systems, or SMTP after a person confirms.

Exports (under ``data/exports/``): a CSV review sheet of every email with its status; and
for hand-off, ``.eml`` files and a JSONL file in the BigQuery lab's Pub/Sub message shape
(``customer_name``, ``customer_email``, ``customer_message``). Handed-off emails become
``exported`` and are never also sent by SMTP.

Before anything leaves (a send or a hand-off export) the contact policy is applied again
(``workflow.exclude_ineligible``: suppression, consent, address, frequency cap): a customer
it now rules out gets ``excluded``, not an email; and a campaign whose approved emails
include a customer of its holdout is refused outright.

Sending takes two calls. ``prepare_send`` re-checks every approved email against the live
catalog and customer record, then returns a summary and a one-time confirmation code bound
to exactly those emails and to whoever asked (``actor``, recorded in the campaign's history
with every step of the send). ``send_confirmed`` needs that code from the same actor; it claims each email (recording
its Message-ID) before handing it to the server, so a retry never sends an email twice. A
failure stops the run in a consistent state: sent emails are ``sent``, untouched ones stay
``approved``, a refused recipient is ``failed``, and an email whose transfer broke off after
its content was handed over is ``uncertain`` — not resent until a person decides.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Any

from config.settings import Settings, get_settings
from tools.campaigns.store import CampaignStore
from tools.campaigns.workflow import (
    CampaignError,
    campaign_store,
    exclude_ineligible,
    resolve_campaign,
)
from tools.csv_files import write_csv
from tools.customers.pii import mask_addresses, mask_email
from tools.email.context import ProductCatalog, load_contexts, load_sources
from tools.email.draft import EmailDraft
from tools.email.policy import OfferPolicy
from tools.email.render import unsubscribe_url
from tools.email.validation import validate_draft

logger = logging.getLogger(__name__)
EXPORT_FORMATS = ("csv", "eml", "jsonl")
STALE_SENDING_S = 600  # a claim older than this belongs to a process that died


@dataclass
class ExportResult:
    campaign_id: int
    folder: Path
    files: dict[str, str]
    exported: int
    invalidated: list[int] = field(default_factory=list)

    def file_names(self) -> dict[str, str]:
        """Each file by its name inside the export's folder: what people are shown (the
        full paths go to the log)."""
        return {kind: Path(path).relative_to(self.folder).as_posix()
                for kind, path in self.files.items()}


@dataclass
class SendPlan:
    campaign_id: int
    emails: int
    confirmation_code: str
    expires_in_s: int
    server: str
    sample_recipients: list[str]
    invalidated: list[int] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)  # by the contact policy, by reason


@dataclass
class SendReport:
    campaign_id: int
    actor: str  # who confirmed the send
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    uncertain: list[int] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)  # by the contact policy, by reason
    still_approved: int = 0
    error: str | None = None  # why the run stopped early, if it did


# -- the message ------------------------------------------------------------------------------

def new_message_id(campaign_id: int, customer_id: int, settings: Settings) -> str:
    domain = settings.email_sender_address.partition("@")[2] or "localhost"
    return f"<cymbal.{campaign_id}.{customer_id}.{secrets.token_hex(6)}@{domain}>"


def build_message(email: dict[str, Any], campaign_id: int, settings: Settings) -> EmailMessage:
    """The MIME message of a stored email: plain text and HTML alternatives, with the
    Message-ID recorded for it and one-click unsubscribe headers."""
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = formataddr((settings.email_sender_name, settings.email_sender_address))
    msg["To"] = formataddr((email["to_name"], email["to_email"]))
    msg["Subject"] = email["subject"]
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = email["message_id"]
    if settings.email_reply_to:
        msg["Reply-To"] = settings.email_reply_to
    msg["List-Unsubscribe"] = f"<{unsubscribe_url(email['customer_id'], settings)}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Content-Language"] = email["language"]
    msg["X-Cymbal-Campaign"] = str(campaign_id)
    msg.set_content(email["text"])
    msg.add_alternative(email["html"], subtype="html")
    return msg


# -- re-checking before anything leaves -------------------------------------------------------

def refuse_holdout(store: CampaignStore, campaign_id: int,
                   emails: list[dict[str, Any]]) -> None:
    """The holdout never gets an email: refuse the whole run if any would."""
    leaked = store.arm_ids(campaign_id, "holdout") & {int(e["customer_id"]) for e in emails}
    if leaked:
        raise CampaignError(f"Refused: {len(leaked)} email(s) of campaign {campaign_id} are "
                            "for customers of its holdout, who must get none. Nothing was "
                            "sent; reject those emails.")


def recheck(store: CampaignStore, campaign_id: int, emails: list[dict[str, Any]],
            settings: Settings) -> tuple[list[dict[str, Any]], list[int], dict[str, int]]:
    """Apply the contact policy again (ruled-out customers become ``excluded``) and validate
    the rest against today's catalog and customer records; failing ones go back to draft
    with their problems. Returns (still valid, invalidated ids, exclusions by reason)."""
    refuse_holdout(store, campaign_id, emails)
    emails, excluded = exclude_ineligible(store, campaign_id, emails, settings)
    if not emails:
        return [], [], excluded
    catalog = ProductCatalog.load()
    policy = OfferPolicy.from_settings(settings)
    contexts = load_contexts([e["customer_id"] for e in emails], "en", settings,
                             load_sources("en", settings, catalog))
    good, bad = [], []
    for email in emails:
        context = contexts.get(email["customer_id"])
        draft = EmailDraft.model_validate({**email, "issues": []})
        issues = [i.to_dict() for i in validate_draft(draft, context, catalog, policy, settings)] \
            if context is not None else [{"code": "unknown_customer",
                                          "message": "The customer no longer exists."}]
        if issues:
            store.mark_issues(campaign_id, email["customer_id"], issues)
            bad.append(email["customer_id"])
        else:
            good.append(email)
    return good, bad, excluded


# -- exports ----------------------------------------------------------------------------------

def export_campaign(campaign_id: int, formats: list[str] | None = None,
                    settings: Settings | None = None) -> ExportResult:
    """Write the campaign's files; ``eml``/``jsonl`` hand off the approved emails."""
    settings = settings or get_settings()
    formats = [f.strip().lower() for f in (formats or list(EXPORT_FORMATS)) if f.strip()]
    unknown = sorted(set(formats) - set(EXPORT_FORMATS))
    if unknown or not formats:
        raise CampaignError(f"Unknown export format {', '.join(unknown) or '(none)'}; use "
                            f"{', '.join(EXPORT_FORMATS)}.")
    store = campaign_store(settings)
    campaign = resolve_campaign(campaign_id, store)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = settings.exports_dir / f"campaign-{campaign.id}-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    invalidated: list[int] = []
    handoff: list[dict[str, Any]] = []
    if {"eml", "jsonl"} & set(formats):
        approved, invalidated, _ = recheck(store, campaign.id,
                                           store.emails(campaign.id, statuses=("approved",)),
                                           settings)
        handoff = approved + store.emails(campaign.id, statuses=("exported",))
        if not handoff:
            raise CampaignError("No approved emails to hand off" + (
                f" ({len(invalidated)} failed the re-check and went back to draft)"
                if invalidated else "") + "; approve some first. A CSV review sheet "
                "(format csv) works for drafts.")
        for email in handoff:
            email["message_id"] = store.assign_message_id(
                campaign.id, email["customer_id"],
                new_message_id(campaign.id, email["customer_id"], settings))
    if "eml" in formats:
        eml_dir = folder / "eml"
        eml_dir.mkdir(exist_ok=True)
        for email in handoff:
            (eml_dir / f"{email['customer_id']}.eml").write_bytes(
                build_message(email, campaign.id, settings).as_bytes())
        files["eml"] = str(eml_dir)
    if "jsonl" in formats:
        path = folder / "pubsub_messages.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for email in handoff:
                handle.write(json.dumps({"customer_name": email["to_name"],
                                         "customer_email": email["to_email"],
                                         "customer_message": email["html"]},
                                        ensure_ascii=False) + "\n")
        files["jsonl"] = str(path)
    moved = store.transition(campaign.id, [e["customer_id"] for e in handoff], "exported",
                             ("approved",), detail=",".join(formats)) if handoff else []
    if "csv" in formats:
        files["csv"] = str(_review_sheet(folder / "emails.csv", store.emails(campaign.id),
                                      campaign.id))
    store.record_export(campaign.id, folder.name, formats, len(handoff))
    logger.info("campaign %s exported as %s to %s (%d handed off)", campaign.id, formats,
                folder, len(moved))
    return ExportResult(campaign.id, folder, files, len(handoff), invalidated)


def _review_sheet(path: Path, emails: list[dict[str, Any]], campaign_id: int) -> Path:
    columns = ["campaign_id", "customer_id", "customer_name", "customer_email", "status",
               "valid", "issues", "language", "tone", "subject", "offer", "offer_code",
               "product_ids", "writer", "message_id", "approved_at", "sent_at", "exported_at",
               "text"]
    rows = [[campaign_id, e["customer_id"], e["to_name"], e["to_email"], e["status"],
             e["valid"], "; ".join(i["message"] for i in e["issues"]), e["language"],
             e["tone"], e["subject"], e["offer"]["type"], e["offer"]["code"],
             " ".join(str(p["product_id"]) for p in e["products"]), e["writer"],
             e["message_id"] or "", e["approved_at"] or "", e["sent_at"] or "",
             e["exported_at"] or "", e["text"]] for e in emails]
    return write_csv(path, columns, rows)


# -- sending ----------------------------------------------------------------------------------

def _server(settings: Settings) -> str:
    return f"{settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})"


def prepare_send(campaign_id: int, settings: Settings | None = None, *,
                 actor: str) -> SendPlan:
    """Re-check the approved emails and issue ``actor`` a confirmation code for sending
    exactly them."""
    settings = settings or get_settings()
    if not settings.smtp_host:
        raise CampaignError("Sending is not configured: set CYMBAL_SMTP_HOST (and port, "
                            "security, username, password). You can export the campaign "
                            "instead.")
    store = campaign_store(settings)
    campaign = resolve_campaign(campaign_id, store)
    store.recover_interrupted(campaign.id, STALE_SENDING_S)
    approved, invalidated, excluded = recheck(
        store, campaign.id, store.emails(campaign.id, statuses=("approved",)), settings)
    if not approved:
        raise CampaignError("No approved emails to send" + (
            f" ({len(invalidated)} failed the re-check and went back to draft)"
            if invalidated else "") + (
            f" ({sum(excluded.values())} excluded by the contact policy: "
            f"{', '.join(f'{n} {r}' for r, n in excluded.items())})"
            if excluded else "") + "; approve some first.")
    code = store.issue_confirmation(campaign.id, "send", approved,
                                    settings.campaign_confirmation_ttl_s, actor)
    return SendPlan(campaign_id=campaign.id, emails=len(approved), confirmation_code=code,
                    expires_in_s=settings.campaign_confirmation_ttl_s, server=_server(settings),
                    sample_recipients=[mask_email(e["to_email"]) for e in approved[:5]],
                    invalidated=invalidated, excluded=excluded)


def open_smtp(settings: Settings) -> smtplib.SMTP:
    """A connected (and, if configured, encrypted and logged-in) SMTP session."""
    host, port, timeout = settings.smtp_host or "", settings.smtp_port, settings.smtp_timeout_s
    context = ssl.create_default_context(cafile=str(settings.smtp_ca_file)
                                         if settings.smtp_ca_file else None)
    if settings.smtp_security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if settings.smtp_security == "starttls":
            smtp.starttls(context=context)
    if settings.smtp_username:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
        smtp.login(settings.smtp_username, password)
    smtp.ehlo_or_helo_if_needed()
    return smtp


def send_confirmed(campaign_id: int, confirmation_code: str, settings: Settings | None = None,
                   progress: Callable[[int, int], None] | None = None, *,
                   actor: str) -> SendReport:
    """Send the approved emails covered by ``confirmation_code``, which ``prepare_send`` gave
    the same ``actor``."""
    settings = settings or get_settings()
    store = campaign_store(settings)
    campaign = resolve_campaign(campaign_id, store)
    approved = store.emails(campaign.id, statuses=("approved",))
    refusal = store.use_confirmation(campaign.id, "send", confirmation_code, approved, actor)
    if refusal:
        raise CampaignError(refusal)
    refuse_holdout(store, campaign.id, approved)
    report = SendReport(campaign.id, actor)
    # the policy again, at the moment of sending: another campaign may have reached these
    # customers, or they unsubscribed, since the code was issued
    approved, report.excluded = exclude_ineligible(store, campaign.id, approved, settings,
                                                   actor)
    try:
        smtp = open_smtp(settings)
    except (OSError, smtplib.SMTPException) as err:
        report.error = f"Could not connect to the mail server {_server(settings)}: " \
                       f"{mask_addresses(str(err))[:200]}"
        report.still_approved = len(approved)
        return report
    pause = 1.0 / settings.smtp_send_rate_per_s
    try:
        for done, email in enumerate(approved, start=1):
            if done > 1:
                time.sleep(pause)
            if not _send_one(smtp, store, campaign.id, email, settings, report):
                break
            if progress is not None:
                progress(done, len(approved))
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    report.still_approved = len(store.emails(campaign.id, statuses=("approved",)))
    logger.info("campaign %s: %d sent, %d failed, %d uncertain, %d still approved",
                campaign.id, len(report.sent), len(report.failed), len(report.uncertain),
                report.still_approved)
    return report


def _send_one(smtp: smtplib.SMTP, store: CampaignStore, campaign_id: int,
              email: dict[str, Any], settings: Settings, report: SendReport) -> bool:
    """Send one claimed email; False when the run must stop (the server is unusable)."""
    customer_id = email["customer_id"]
    claimed = store.claim_for_send(campaign_id, customer_id,
                                   new_message_id(campaign_id, customer_id, settings),
                                   report.actor)
    if claimed is None:
        return True  # approved no longer (sent or changed by someone else meanwhile)
    message = build_message(claimed, campaign_id, settings).as_bytes()
    masked = mask_email(claimed["to_email"])
    try:
        code, reply = smtp.mail(settings.email_sender_address)
        if code != 250:
            return _refused(store, smtp, campaign_id, customer_id, code, reply, report, True)
        code, reply = smtp.rcpt(claimed["to_email"])
        if code not in (250, 251):
            return _refused(store, smtp, campaign_id, customer_id, code, reply, report, False)
    except (OSError, smtplib.SMTPException) as err:
        store.finish_send(campaign_id, customer_id, "approved", report.actor,
                          f"not sent: {type(err).__name__}")
        report.error = f"The mail server connection failed before {masked} was sent " \
                       f"({type(err).__name__}); unsent emails stay approved."
        return False
    try:
        code, reply = smtp.data(message)
    except (OSError, smtplib.SMTPException) as err:
        if isinstance(err, smtplib.SMTPResponseException):
            return _refused(store, smtp, campaign_id, customer_id, err.smtp_code,
                            err.smtp_error, report, False)
        store.finish_send(campaign_id, customer_id, "uncertain", report.actor,
                          f"connection lost while transferring: {type(err).__name__}")
        report.uncertain.append(customer_id)
        report.error = f"The connection broke while {masked} was being transferred; it may " \
                       "have arrived, so it is marked uncertain and will not be resent " \
                       "automatically."
        return False
    if code != 250:
        return _refused(store, smtp, campaign_id, customer_id, code, reply, report, False)
    store.finish_send(campaign_id, customer_id, "sent", report.actor)
    report.sent.append(customer_id)
    return True


def _refused(store: CampaignStore, smtp: smtplib.SMTP, campaign_id: int, customer_id: int,
             code: int, reply: bytes | str, report: SendReport, stop: bool) -> bool:
    """The server answered with a refusal: permanent (5xx) -> failed, temporary -> approved."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    detail = f"{code} {mask_addresses(text)[:200]}"
    try:
        smtp.rset()
    except (OSError, smtplib.SMTPException):
        stop = True
    if 500 <= code < 600 and not stop:
        store.finish_send(campaign_id, customer_id, "failed", report.actor, detail)
        report.failed.append(customer_id)
        return True
    store.finish_send(campaign_id, customer_id, "approved", report.actor, detail)
    if stop or code >= 400:
        report.error = f"The mail server refused to continue ({detail}); unsent emails stay " \
                       "approved."
        return False
    return True
