"""Campaign views and actions for the chat UI's campaign panel.

Plain functions returning DataFrames, HTML and messages, so ``app.py`` can wire them to Gradio
components (a campaign dropdown, an email table, a preview, buttons) and tests can call them
directly. Addresses are masked everywhere. Every action names who takes it (``actor``, kept in
the campaign's history). Approving (every valid draft, or one email) and sending each take two
steps: ``request_approve`` / ``request_send`` say what will happen and issue a code, which
``confirm_approve`` / ``confirm_send`` need back; the messages never hold the code (the tab
shows it as an image). Exports are described by when and where they went — a folder of the
app's exports, by name — never by a path on the server (the log has that).
"""

from __future__ import annotations

import datetime as dt
import html
import shutil
from pathlib import Path

import pandas as pd

from agent.offline.answers import term
from tools.campaigns.audience import AudienceError, parse_audience
from tools.campaigns.delivery import export_campaign, prepare_send, send_confirmed
from tools.campaigns.store import ExportRecord
from tools.campaigns.tools import email_table, list_campaigns
from tools.campaigns.workflow import (
    CampaignError,
    Progress,
    approve_confirmed,
    campaign_store,
    create_planned_campaign,
    plan_campaign,
    reject,
    request_approval,
    resolve_campaign,
)
from tools.email.drafts import DraftRequest, preview
from tools.email.policy import PolicyError
from tools.results import DraftPreview, Table
from tools.warehouse import SqlError
from ui.results import email_preview

FAILURES = (CampaignError, AudienceError, PolicyError, SqlError)
STATUS_COLOURS = {"draft": "#5f6368", "approved": "#1a73e8", "rejected": "#a50e0e",
                  "sent": "#137333", "exported": "#137333", "failed": "#a50e0e",
                  "uncertain": "#b06000", "invalid": "#a50e0e"}


def campaigns_frame() -> pd.DataFrame:
    """Every campaign with its email counts by status (newest first)."""
    listed = Table.from_response(list_campaigns()) or Table(columns=[], rows=[])
    return pd.DataFrame(listed.rows, columns=listed.columns)


def campaign_choices() -> list[tuple[str, int]]:
    """(label, id) pairs for a campaign dropdown, newest first."""
    return [(f"{c.id} · {c.name}", c.id) for c in campaign_store().campaigns()]


def emails_frame(campaign_id: int, status: str = "") -> pd.DataFrame:
    """The campaign's emails as a table: customer, masked address, status, checks, subject."""
    table = Table.from_response(email_table(campaign_id, status)) or Table(columns=[], rows=[])
    return pd.DataFrame(table.rows, columns=table.columns)


def status_html(campaign_id: int) -> str:
    """The campaign's audience and status counts as small coloured badges."""
    campaign = resolve_campaign(campaign_id, campaign_store())
    badges = "".join(
        f'<span style="display:inline-block;margin:2px 6px 2px 0;padding:2px 8px;'
        f'border-radius:10px;color:#fff;background:{STATUS_COLOURS.get(status, "#5f6368")}">'
        f"{html.escape(('failed checks' if status == 'invalid' else status))}: {count}</span>"
        for status, count in campaign.counts.items() if count)
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in campaign.notes)
    exported = campaign_store().last_export(campaign.id)
    export_line = (f'<div class="campaign-export">{html.escape(export_text(exported))}</div>'
                   if exported else "")
    return (f"<div><b>{html.escape(campaign.name)}</b><br><small>{html.escape(campaign.audience)}"
            f" · {campaign.language} · {campaign.tone}</small><br>{badges}{export_line}"
            f"{f'<ul>{notes}</ul>' if notes else ''}</div>")


def local_time(stamp: str) -> str:
    """A stored UTC time as the server's local time, for people: "7 Dec 2026, 13:29 UTC"."""
    when = dt.datetime.fromisoformat(stamp).astimezone()
    return f"{when.day} {when:%b %Y, %H:%M %Z}".strip()


def export_text(record: ExportRecord) -> str:
    """When and where an export went, and what it handed off."""
    kinds = ", ".join(term("export", kind, "en") for kind in record.formats)
    handed = (f"{record.handed_off} email(s) handed off" if record.handed_off else
              "no email handed off")
    return (f"Exported {local_time(record.at)} to the folder “{record.folder}” of the app's "
            f"exports: {kinds}; {handed}.")


def email_html(campaign_id: int, customer_id: int) -> str:
    """One email as the customer would see it, with its problems listed when it has any."""
    record = campaign_store().email(campaign_id, int(customer_id))
    if record is None:
        return "<p>No such email.</p>"
    shown = DraftPreview.model_validate(preview(record))
    problems = "".join(f"<li>{html.escape(i['message'])}</li>" for i in record["issues"])
    warning = f'<div class="email-problems"><b>Failed checks:</b><ul>{problems}</ul></div>' \
        if problems else ""
    return warning + email_preview(shown)


def dry_run(audience: str, language: str, tone: str, actor: str) -> tuple[int | None, int, str]:
    """Size a campaign before anything is drafted: (dry run id, emails drafting would write,
    what the marketer confirms)."""
    try:
        plan = plan_campaign(parse_audience(audience), DraftRequest(language=language, tone=tone),
                             actor=actor)
    except FAILURES as err:
        return None, 0, str(err)
    left_out = ", ".join(term("exclusion", reason, "en", n=f"{n:,}")
                         for reason, n in plan.excluded.items() if n) or "no one"
    consent = "" if plan.consent_checked else \
        " Marketing consent could not be checked: the data has no consent column."
    held = f"Held out to measure the campaign: {plan.holdout:,}." if plan.holdout else \
        "No holdout: too few customers to measure the campaign against one."
    text = (f"**Dry run {plan.plan_id}** for “{plan.description}”: {plan.audience:,} customers "
            f"fit. Left out by the contact policy: {left_out}.{consent} {held} Drafting writes "
            f"{plan.emails:,} email(s); sending them takes about "
            f"{max(plan.send_minutes, 0.1):.1f} min once approved. Nothing is drafted yet.")
    return (plan.plan_id, plan.emails, text) if plan.emails else (None, 0, text)


async def create(plan_id: int, actor: str,
                 progress: Progress | None = None) -> tuple[int | None, str]:
    """Draft the audience of a dry run the marketer confirmed; (campaign id, message)."""
    try:
        campaign = await create_planned_campaign(plan_id, progress=progress, actor=actor)
    except FAILURES as err:
        return None, str(err)
    return campaign.id, f"Campaign {campaign.id}: {campaign.total} email(s) drafted for " \
                        f"{campaign.audience}."


def request_approve(campaign_id: int, actor: str,
                    customer_ids: list[int] | None = None) -> tuple[str | None, str]:
    """Step one of approving every valid draft, or the listed customers' emails: (code, what
    will be approved)."""
    try:
        plan = request_approval(campaign_id, actor=actor, customer_ids=customer_ids)
    except CampaignError as err:
        return None, str(err)
    what = (f"{plan.emails} valid draft(s) of campaign {plan.campaign_id}"
            if customer_ids is None else _emails_named(campaign_id, customer_ids))
    return plan.confirmation_code, (
        f"Approve {what}? Type the code shown and press Confirm within "
        f"{plan.expires_in_s // 60} minutes.")


def confirm_approve(campaign_id: int, code: str, actor: str,
                    customer_ids: list[int] | None = None) -> tuple[bool, str]:
    """Step two of approving: approve what the code from ``request_approve`` (for the same
    ``customer_ids``) covers. (whether the code was accepted, message)."""
    try:
        _, moved = approve_confirmed(campaign_id, code, actor=actor, customer_ids=customer_ids)
    except CampaignError as err:
        return False, str(err)
    return True, f"Approved {len(moved)} email(s)."


def _emails_named(campaign_id: int, customer_ids: list[int]) -> str:
    """"the email to Megan Grant (customer 1123)", or "3 emails" for several."""
    if len(customer_ids) > 1:
        return f"{len(customer_ids)} emails"
    record = campaign_store().email(campaign_id, customer_ids[0])
    name = f"{record['to_name']} " if record else ""
    return f"the email to {name}(customer {customer_ids[0]})"


def reject_emails(campaign_id: int, customer_ids: list[int], actor: str) -> str:
    """Reject the given emails."""
    try:
        _, moved = reject(campaign_id, customer_ids, actor=actor)
    except CampaignError as err:
        return str(err)
    return f"Rejected {len(moved)} email(s)."


def export_files(campaign_id: int, formats: tuple[str, ...] = ("csv", "eml", "jsonl")
                 ) -> tuple[list[str], str]:
    """Export the campaign; (downloadable file paths — the .eml folder zipped —, message)."""
    try:
        result = export_campaign(campaign_id, list(formats))
    except FAILURES as err:
        return [], str(err)
    files = []
    for kind, path in result.files.items():
        if kind == "eml":
            files.append(shutil.make_archive(str(Path(path)), "zip", path))
        else:
            files.append(path)
    note = f" {len(result.invalidated)} approved email(s) failed the re-check and went back " \
           "to draft." if result.invalidated else ""
    record = campaign_store().last_export(result.campaign_id)
    where = export_text(record) if record else ""
    return files, f"{where}{note} The files are ready to download below."


def request_send(campaign_id: int, actor: str) -> tuple[str | None, str]:
    """Step one of sending: (confirmation code, what will be sent) — nothing is sent yet."""
    try:
        plan = prepare_send(campaign_id, actor=actor)
    except FAILURES as err:
        return None, str(err)
    return plan.confirmation_code, (
        f"Ready to send {plan.emails} approved email(s) through {plan.server}, e.g. to "
        f"{', '.join(plan.sample_recipients)}. Type the code shown and press Confirm within "
        f"{plan.expires_in_s // 60} minutes.")


def confirm_send(campaign_id: int, code: str, actor: str) -> tuple[bool, str]:
    """Step two of sending: send with the code from ``request_send``; (whether the code was
    accepted, message)."""
    try:
        report = send_confirmed(campaign_id, code, actor=actor)
    except FAILURES as err:
        return False, str(err)
    text = f"Sent {len(report.sent)} email(s)."
    if report.failed:
        text += f" {len(report.failed)} refused by the server."
    if report.error:
        text += f" Stopped early: {report.error}"
    return True, text
