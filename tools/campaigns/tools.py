"""The agent's email and campaign tools: a dry run, then draft, create, review, edit,
approve, export, send; the suppression list; and a sent campaign's results.

Each tool returns a dict; a failure is a ``tools.results.Failure`` the model can act on.
Customer addresses are masked in everything returned here (the model reads it and the
session store keeps it). Sending needs the marketer: the first ``send_campaign`` call returns
a confirmation code, and the second is accepted only when the marketer's own message in that
turn contains the code — the model cannot confirm on its own.

In the app, the chat is an HTTP API a script can drive, so a request or a code typed there
proves no person: the app tells these tools who is acting in each turn (``APP_ACTOR``, ADK
temp state, never stored), and approving and sending are then left to the Campaigns tab,
which checks the user and shows its codes only as images.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from google.adk.tools.tool_context import ToolContext

from config.settings import get_settings
from tools.campaigns.audience import AudienceError, AudienceSpec, parse_audience, pick_customer
from tools.campaigns.delivery import export_campaign as export_campaign_run
from tools.campaigns.delivery import prepare_send, send_confirmed
from tools.campaigns.eligibility import check_eligibility
from tools.campaigns.outcome import CampaignOutcome
from tools.campaigns.outcome import campaign_results as campaign_results_run
from tools.campaigns.store import Campaign
from tools.campaigns.suppression import SuppressionError, suppress
from tools.campaigns.workflow import (
    CampaignError,
    approve,
    campaign_store,
    create_planned_campaign,
    parse_edit,
    plan_campaign as plan_campaign_run,
    reject,
    resolve_campaign,
)
from tools.campaigns.workflow import (
    create_campaign as create_campaign_run,
)
from tools.campaigns.workflow import (
    edit_campaign as edit_campaign_run,
)
from tools.customers.pii import mask_email
from tools.email.drafts import DraftRequest, preview
from tools.email.policy import PolicyError
from tools.results import (
    CampaignPlan,
    CampaignResults,
    CampaignSummary,
    DraftResult,
    GroupFigures,
    SendResult,
    SuppressionUpdate,
    failure,
)
from tools.warehouse import SqlError

TABLE_LIMIT = 200
APP_ACTOR = "temp:app_actor"
_FAILURES = (CampaignError, AudienceError, PolicyError, SqlError, SuppressionError)


def _refused(code: str, err: Exception, hint: str = "") -> dict[str, Any]:
    """The failure for a refused audience or request, with its Korean words when it has them
    (an offline answer to a Korean request uses them)."""
    korean = {"message_ko": err.ko} if isinstance(err, AudienceError) and err.ko else {}
    return failure(code, str(err), hint=hint, **korean)


def _flag(value: object) -> bool:
    """A boolean argument, also when a planner passes it as text ("true", "false")."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value)


def _offer_request(language: str, tone: str, offer_type: str, offer_value: int) -> DraftRequest:
    value = int(offer_value or 0) or None
    kind = offer_type.strip() or None
    return DraftRequest(language=language.strip().lower() or "en", tone=tone.strip().lower()
                        or "warm", offer_type=kind,
                        percent=value if kind == "percent_off" else None,
                        amount_won=value if kind == "fixed_amount_off" else None,
                        points=value if kind == "loyalty_points" else None)


def _counts_text(campaign: Campaign) -> str:
    c = campaign.counts
    parts = [f"{c[s]} {s}" for s in ("draft", "approved", "rejected", "sent", "exported",
                                      "failed", "uncertain", "excluded") if c.get(s)]
    invalid = f"; {c['invalid']} draft(s) failed the checks" if c.get("invalid") else ""
    return ", ".join(parts) + invalid


def _summary(campaign: Campaign) -> dict[str, Any]:
    return {"campaign_id": campaign.id, "name": campaign.name, "audience": campaign.audience,
            "language": campaign.language, "tone": campaign.tone, "emails": campaign.total,
            "counts": {k: v for k, v in campaign.counts.items() if v},
            "status_text": _counts_text(campaign), "notes": campaign.notes}


def _report(result: dict[str, Any]) -> dict[str, Any]:
    return CampaignSummary.model_validate(result).to_dict()


def _draft(result: dict[str, Any]) -> dict[str, Any]:
    return DraftResult.model_validate(result).to_dict()


def _send(result: dict[str, Any]) -> dict[str, Any]:
    return SendResult.model_validate(result).to_dict()


def email_table(campaign_id: int, status: str = "", limit: int = TABLE_LIMIT) -> dict[str, Any]:
    """The campaign's emails as a table (addresses masked)."""
    store = campaign_store()
    emails = store.emails(campaign_id, statuses=(status,) if status else None)
    elsewhere = store.open_elsewhere(campaign_id)
    columns = ["customer_id", "to_name", "to", "status", "valid", "subject", "offer",
               "products", "writer", "problems", "waiting_elsewhere"]
    rows = [[e["customer_id"], e["to_name"], mask_email(e["to_email"]), e["status"],
             e["valid"], e["subject"], f"{e['offer']['type']} {e['offer']['code']}",
             ", ".join(p["title"] for p in e["products"]), e["writer"],
             "; ".join(i["code"] for i in e["issues"]),
             ", ".join(f"#{i}" for i in elsewhere.get(int(e["customer_id"]), []))]
            for e in emails[:limit]]
    return {"columns": columns, "rows": rows, "truncated": len(emails) > limit}


async def draft_email(customer_id: int = 0, audience: str = "", language: str = "en",
                      tone: str = "warm", offer_type: str = "",
                      offer_value: int = 0) -> dict[str, Any]:
    """Draft a personalised retention email for one customer and check it.

    The email acknowledges the customer's own unhappy review, speaks to their persona
    segment, recommends three in-stock products from the catalog and carries one incentive
    within the offer policy. It is stored as a one-email campaign, so it can be edited,
    approved, exported or sent like any campaign.

    Args:
        customer_id: The customer (customers.customer_id); 0 to pick one from ``audience``.
        audience: Instead of an id, the kind of customer in words ("an unhappy customer in
            Busan"): the email goes to the one whose unhappy review is the most negative and
            recent, and the result says who and why. A campaign writes to all of them.
        language: "en" (English) or "ko" (Korean).
        tone: "warm" (default), "friendly", "formal" or "concise".
        offer_type: Leave empty to choose from the customer's complaint, or one of
            "percent_off", "fixed_amount_off", "free_shipping", "loyalty_points".
        offer_value: The percent, won amount or points for offer_type (0 = the default).
    """
    request = _offer_request(language, tone, offer_type, offer_value)
    picked = None
    try:
        if not int(customer_id):
            if not audience.strip():
                return failure("no_customer", "Say which customer: an id, or a description "
                               "such as 'an unhappy customer in Busan'.")
            picked = pick_customer(parse_audience(audience), allowed=lambda ids: check_eligibility(
                ids, campaign_store(), get_settings()).eligible)
            customer_id = picked.customer_id
        spec = AudienceSpec(unhappy=False, customer_ids=[int(customer_id)])
        campaign = await create_campaign_run(spec, request)
    except _FAILURES as err:
        return _refused("draft_refused", err)
    record = campaign_store().email(campaign.id, int(customer_id))
    if record is None:
        return failure("unknown_customer", f"No customer with id {customer_id}.")
    shown = preview(record)
    if not shown["valid"]:
        return failure("draft_invalid", "The draft failed the checks and is not ready: "
                       + "; ".join(i["message"] for i in record["issues"]),
                       campaign_id=campaign.id, issues=record["issues"], notes=record["notes"])
    elsewhere = campaign_store().open_elsewhere(campaign.id).get(int(customer_id), [])
    return _draft({"campaign_id": campaign.id, "email": shown,
                   "picked": picked, "open_elsewhere": elsewhere,
                   "summary": f"Drafted email {campaign.id} to {record['to_name']} "
                              f"({shown['to']}): “{record['subject']}”. It passed every check.",
                   "next_steps": "Approve it with approve_emails, change it with edit_campaign, or "
                                 "export/send it."})


def _audience_spec(audience: str, customer_ids: list[int] | None, segment: str, sql: str,
                   limit: int) -> AudienceSpec:
    if customer_ids:
        spec = AudienceSpec(unhappy=False, customer_ids=[int(i) for i in customer_ids])
    else:
        spec = parse_audience(" ".join(p for p in (audience, segment) if p))
        spec.sql = sql.strip() or None
        if spec.sql and not (audience.strip() or segment.strip()):
            spec.unhappy = False  # the query alone says who
    if limit:
        spec.limit = int(limit)
    return spec


_AUDIENCE_HINT = ("Describe the audience with a city, loyalty, age group, gender, segment or "
                  "complaint type, or give ids.")


def plan_campaign(audience: str = "", customer_ids: list[int] | None = None,
                  segment: str = "", sql: str = "", name: str = "", language: str = "en",
                  tone: str = "warm", offer_type: str = "", offer_value: int = 0,
                  limit: int = 0, tool_context: ToolContext | None = None) -> dict[str, Any]:
    """Dry-run a campaign before drafting anything: how many customers the audience holds,
    who the contact policy excludes and why (suppressed, no marketing consent, invalid
    address, frequency cap), how many are held out to measure the campaign, and how many
    emails would be drafted and sent. Show the figures to the marketer; when they confirm,
    call create_campaign with the returned plan_id.

    Args:
        audience: The audience in words (English or Korean): city, loyalty, age, gender,
            complaint, RFM cluster, purchases ("repeat buyers", "bought Drinkware", "no
            order in 90 days", "spent over 500,000 won") and what they wrote ("complained
            about shipping", "배송 불만"). Unhappy customers unless purchases, a review
            theme or "all customers" say otherwise.
        customer_ids: Exactly these customers instead of a description.
        segment: A persona segment name, combined with the description.
        sql: A BigQuery SELECT returning customer_id (checked like any query).
        name: A name for the campaign (optional).
        language: "en" or "ko".
        tone: "warm" (default), "friendly", "formal" or "concise".
        offer_type: Empty to choose per complaint, or "percent_off", "fixed_amount_off",
            "free_shipping", "loyalty_points".
        offer_value: The percent, won amount or points (0 = the policy's default).
        limit: At most this many customers (0 = no limit beyond the campaign maximum).
    """
    return _dry_run(lambda: _audience_spec(audience, customer_ids, segment, sql, limit),
                    _offer_request(language, tone, offer_type, offer_value), name,
                    _actor(tool_context), "confirm, then create_campaign with plan_id={id}.",
                    "plan_refused")


def _dry_run(audience: Callable[[], AudienceSpec], request: DraftRequest, name: str,
             actor: str, then: str, refused: str) -> dict[str, Any]:
    """Store a dry run and return its figures (``then`` says what the model does next,
    ``refused`` is the error when the audience or the request cannot be used)."""
    try:
        plan = plan_campaign_run(audience(), request, name=name, actor=actor)
    except _FAILURES as err:
        return _refused(refused, err, hint=_AUDIENCE_HINT)
    excluded = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in plan.excluded.items())
    return CampaignPlan.model_validate({
        "plan_id": plan.plan_id, "audience_description": plan.description,
        "audience": plan.audience, "excluded": plan.excluded,
        "consent_checked": plan.consent_checked, "holdout": plan.holdout,
        "emails": plan.emails, "send_minutes": plan.send_minutes, "notes": plan.notes,
        "summary": f"Dry run {plan.plan_id}: {plan.audience:,} customers; "
                   f"{excluded or 'none'} excluded; {plan.holdout:,} held out; "
                   f"{plan.emails:,} emails would be drafted and, once approved, sent "
                   f"(about {plan.send_minutes:g} min). Nothing has been drafted: "
                   + then.format(id=plan.plan_id)}).to_dict()


async def create_campaign(audience: str = "", customer_ids: list[int] | None = None,
                          segment: str = "", sql: str = "", name: str = "",
                          language: str = "en", tone: str = "warm", offer_type: str = "",
                          offer_value: int = 0, limit: int = 0, plan_id: int = 0,
                          tool_context: ToolContext | None = None) -> dict[str, Any]:
    """Create a win-back email campaign, in two steps: the marketer confirms the audience
    before any email is drafted.

    Step one: describe the audience in words ("unhappy loyal customers in Busan", "부산의
    불만 로열 고객"), or give a persona segment (e.g. "Younger_Adult_FEMALE_LOYAL"), a
    read-only SQL query returning a customer_id column, or a list of customer ids. This
    drafts nothing: it returns the dry run (how many fit, who the contact policy leaves out
    and why, the holdout, the emails drafting would write) with a plan_id. Show it to the
    marketer. Step two, only after the marketer confirms: call create_campaign with that
    plan_id and nothing else; one email per customer is drafted and checked. Without "all
    customers" in the description, only customers with a negative or neutral review are
    included. Customers the contact policy excludes and the holdout get no email. Nothing
    is sent: emails start as drafts to review and approve.

    Args:
        audience: The audience in words (English or Korean): city, loyalty, age, gender,
            complaint, RFM cluster, purchases ("repeat buyers", "bought Drinkware", "no
            order in 90 days", "spent over 500,000 won") and what they wrote ("complained
            about shipping", "배송 불만"). Unhappy customers unless purchases, a review
            theme or "all customers" say otherwise.
        customer_ids: Exactly these customers instead of a description.
        segment: A persona segment name, combined with the description.
        sql: A BigQuery SELECT returning customer_id (checked like any query).
        name: A name for the campaign (optional).
        language: "en" or "ko".
        tone: "warm" (default), "friendly", "formal" or "concise".
        offer_type: Empty to choose per complaint, or "percent_off", "fixed_amount_off",
            "free_shipping", "loyalty_points".
        offer_value: The percent, won amount or points (0 = the policy's default).
        limit: At most this many customers (0 = no limit beyond the campaign maximum).
        plan_id: The dry run the marketer confirmed (0 = none yet: step one).
    """
    if not int(plan_id or 0):
        return _dry_run(lambda: _audience_spec(audience, customer_ids, segment, sql, limit),
                        _offer_request(language, tone, offer_type, offer_value), name,
                        _actor(tool_context), "show these figures; when the marketer "
                        "confirms, call create_campaign with plan_id={id} to draft.",
                        "campaign_refused")
    try:
        campaign = await create_planned_campaign(int(plan_id), actor=_actor(tool_context))
    except _FAILURES as err:
        return _refused("campaign_refused", err, hint=_AUDIENCE_HINT)
    audience = campaign_store().audience_counts(campaign.id)
    return _report({**_summary(campaign), **email_table(campaign.id, limit=20),
                    "open_elsewhere": len(campaign_store().open_elsewhere(campaign.id)),
                    "held_out": sum(audience["holdout"].values()),
                    "left_out": {k: v for k, v in audience["excluded"].items() if v},
                    "next_steps": "Review with show_campaign, change with edit_campaign, then "
                                  "approve_emails; export_campaign or send_campaign deliver approved "
                                  "emails."})


def suppress_customers(customer_ids: list[int], reason: str = "unsubscribe",
                       tool_context: ToolContext | None = None) -> dict[str, Any]:
    """Add customers to the suppression list so no campaign ever emails them again (it is
    checked when drafting and again when sending; nothing removes an entry). Addresses that
    unsubscribed or bounced are added with `cymbal campaign suppress --email/--csv`, which
    keeps them out of the chat.

    Args:
        customer_ids: The customers to suppress.
        reason: "unsubscribe", "bounce" or "complaint".
    """
    try:
        update = suppress(campaign_store(), [int(i) for i in customer_ids or []], [], reason,
                          source=_actor(tool_context))
    except SuppressionError as err:
        return failure("suppression_refused", str(err))
    return SuppressionUpdate.model_validate({
        "added": update.added, "already_listed": update.already_listed,
        "reason": update.reason, "total": update.total,
        "summary": f"Suppressed {update.added} new entr{'y' if update.added == 1 else 'ies'} "
                   f"({update.reason}); {update.already_listed} already listed. The list holds "
                   f"{update.total:,}."}).to_dict()


def results_dict(outcome: CampaignOutcome) -> dict[str, Any]:
    """A campaign's results as the tool and ``cymbal campaign results --json`` give them."""
    def group(figures: Any) -> GroupFigures | None:
        if figures is None:
            return None
        return GroupFigures(customers=figures.customers, converted=figures.converted,
                            conversion_rate=round(figures.conversion_rate, 4),
                            orders=figures.orders, revenue=figures.revenue,
                            revenue_per_customer=round(figures.revenue_per_customer, 2))
    u = outcome.uplift
    return CampaignResults(
        campaign_id=outcome.campaign_id, name=outcome.name, status=outcome.status,
        window_days=outcome.window_days, sent_at=outcome.sent_at,
        window_end=outcome.window_end, treated=group(outcome.treated),
        holdout=group(outcome.holdout),
        uplift=None if u is None else round(u.difference, 4),
        ci_low=None if u is None else round(u.low, 4),
        ci_high=None if u is None else round(u.high, 4),
        p_value=None if u is None else round(u.p_value, 4),
        conclusive=outcome.conclusive, significant=outcome.significant,
        notes=outcome.notes, summary=outcome.summary(),
        columns=["day", "date", "emailed_conversion", "holdout_conversion"],
        rows=[[p.day, p.date, p.treated_rate, p.holdout_rate] for p in outcome.series],
        chart="campaign_results",  # the UI draws emailed against holdout over the window
    ).to_dict()


def campaign_results(campaign_id: int = 0) -> dict[str, Any]:
    """How a sent campaign did: its emailed customers against its holdout over the
    attribution window after sending — conversion rate, orders, revenue per customer, the
    uplift in conversion rate with a 95% confidence interval and p-value, and the cumulative
    conversion per day (the table, for a chart). It says when the window has not ended or
    the groups are too small to conclude anything.

    Args:
        campaign_id: The campaign (0 = the latest).
    """
    try:
        return results_dict(campaign_results_run(campaign_id))
    except _FAILURES as err:
        return failure("results_refused", str(err))


def list_campaigns() -> dict[str, Any]:
    """List the email campaigns with how many emails are in each status."""
    found = campaign_store().campaigns()
    columns = ["campaign_id", "name", "created", "emails", "draft", "approved", "rejected",
               "sent", "exported", "failed_checks"]
    rows = [[c.id, c.name, c.created_at[:16].replace("T", " "), c.total, c.counts["draft"],
             c.counts["approved"], c.counts["rejected"], c.counts["sent"],
             c.counts["exported"], c.counts["invalid"]] for c in found]
    return {"columns": columns, "rows": rows, "truncated": False,
            "summary": f"{len(rows)} campaign(s)" if rows else "No campaigns yet."}


def show_campaign(campaign_id: int = 0, status: str = "", customer_id: int = 0) -> dict[str, Any]:
    """Show a campaign: its audience, status counts and a table of its emails; or, with
    customer_id, that customer's email in full.

    Args:
        campaign_id: The campaign (0 = the latest).
        status: Only emails in this status (draft, approved, rejected, sent, exported,
            failed, uncertain); empty for all.
        customer_id: Show this customer's email instead of the table.
    """
    store = campaign_store()
    try:
        campaign = resolve_campaign(campaign_id, store)
    except CampaignError as err:
        return failure("unknown_campaign", str(err))
    if customer_id:
        record = store.email(campaign.id, int(customer_id))
        if record is None:
            return failure("unknown_email", f"Campaign {campaign.id} has no email for customer "
                           f"{customer_id}.")
        return _report({**_summary(campaign), "email": preview(record)})
    table = email_table(campaign.id, status)
    first = store.emails(campaign.id, statuses=(status,) if status else None)[:1]
    sample = {"email": preview(first[0])} if first else {}
    return _report({**_summary(campaign), **table, **sample})


async def edit_campaign(campaign_id: int = 0, instruction: str = "", tone: str = "",
                        language: str = "", offer_type: str = "", offer_value: int = 0,
                        customer_ids: list[int] | None = None) -> dict[str, Any]:
    """Re-draft a campaign's emails with a change, and check them again.

    Say the change in words ("make the tone warmer", "offer free shipping instead", "write it
    in Korean") or with the fields. Edited emails go back to draft and need approving again;
    sent and exported emails are never changed.

    Args:
        campaign_id: The campaign (0 = the latest).
        instruction: The change in words (English or Korean).
        tone: "warm", "friendly", "formal" or "concise".
        language: "en" or "ko".
        offer_type: "percent_off", "fixed_amount_off", "free_shipping" or "loyalty_points".
        offer_value: The percent, won amount or points for offer_type.
        customer_ids: Only these customers' emails (default: every editable email).
    """
    changes = parse_edit(instruction) if instruction else {}
    explicit = {"tone": tone.strip().lower(), "language": language.strip().lower(),
                "offer_type": offer_type.strip()}
    changes.update({k: v for k, v in explicit.items() if v})
    if explicit["offer_type"]:
        for key in ("percent", "amount_won", "points"):
            changes.pop(key, None)
        value = int(offer_value or 0) or None
        changes.update({"percent_off": {"percent": value},
                        "fixed_amount_off": {"amount_won": value},
                        "loyalty_points": {"points": value}}.get(explicit["offer_type"], {}))
    try:
        campaign, ids = await edit_campaign_run(campaign_id, changes, customer_ids)
    except _FAILURES as err:
        return failure("edit_refused", str(err))
    first = campaign_store().emails(campaign.id, customer_ids=ids[:1]) if ids else []
    return _report({**_summary(campaign), "changed": {k: v for k, v in changes.items() if v},
                    "redrafted": len(ids), **email_table(campaign.id, limit=20),
                    **({"email": preview(first[0])} if first else {}),
                    "next_steps": "Edited emails are drafts again: review and approve them."})


def approve_emails(campaign_id: int = 0, customer_ids: list[int] | None = None,
                   all_valid: bool = False,
                   tool_context: ToolContext | None = None) -> dict[str, Any]:
    """Approve emails for delivery: the listed customers' emails, or (all_valid=true) every
    draft that passed the checks. Emails that failed the checks cannot be approved.

    Args:
        campaign_id: The campaign (0 = the latest).
        customer_ids: The customers whose emails to approve.
        all_valid: Approve every valid draft of the campaign.
    """
    all_valid = _flag(all_valid)
    if not customer_ids and not all_valid:
        return failure("nothing_chosen", "Say which emails to approve: customer ids, or "
                       "all_valid=true for every draft that passed the checks.")
    if _in_app(tool_context):
        return failure("confirm_in_campaigns_tab", "In the app, emails are approved in the "
                       "Campaigns tab: reject the ones you do not want here, then press "
                       "“Approve all valid…” there and type the code it shows. Nothing has "
                       "been approved.")
    try:
        campaign, moved, refused = approve(campaign_id, customer_ids or None,
                                           actor=_actor(tool_context))
    except CampaignError as err:
        return failure("unknown_campaign", str(err))
    return _report({**_summary(campaign), "approved": moved, "not_approved": refused,
                    "message": f"Approved {len(moved)} email(s)." + (
                        f" {len(refused)} could not be approved (failed checks, or not a draft)."
                        if refused else "")})


def reject_emails(campaign_id: int = 0, customer_ids: list[int] | None = None,
                  all_remaining: bool = False, reason: str = "",
                  tool_context: ToolContext | None = None) -> dict[str, Any]:
    """Reject emails so they are never sent or exported: the listed customers' emails, or
    (all_remaining=true) every draft and approved email of the campaign.

    Args:
        campaign_id: The campaign (0 = the latest).
        customer_ids: The customers whose emails to reject.
        all_remaining: Reject every draft and approved email.
        reason: Why, for the campaign's history.
    """
    all_remaining = _flag(all_remaining)
    if not customer_ids and not all_remaining:
        return failure("nothing_chosen", "Say which emails to reject: customer ids, or "
                       "all_remaining=true.")
    try:
        campaign, moved = reject(campaign_id, customer_ids or None, reason,
                                 actor=_actor(tool_context))
    except CampaignError as err:
        return failure("unknown_campaign", str(err))
    return _report({**_summary(campaign), "rejected": moved,
                    "message": f"Rejected {len(moved)} email(s)."})


def export_campaign(campaign_id: int = 0, formats: str = "csv,eml,jsonl") -> dict[str, Any]:
    """Export a campaign into the data folder: "csv" (a review sheet of every email),
    "eml" (one file per approved email) and "jsonl" (approved emails as Pub/Sub messages:
    customer_name, customer_email, customer_message). Approved emails handed off as eml or
    jsonl are marked exported and will not also be sent by SMTP.

    Args:
        campaign_id: The campaign (0 = the latest).
        formats: Comma-separated: csv, eml, jsonl.
    """
    try:
        result = export_campaign_run(campaign_id, formats.split(","))
        campaign = resolve_campaign(result.campaign_id, campaign_store())
    except _FAILURES as err:
        return failure("export_refused", str(err))
    # the folder by its name and the files by theirs: paths are for the log, not the chat
    return _report({**_summary(campaign), "folder": result.folder.name,
                    "files": result.file_names(), "handed_off": result.exported,
                    "invalidated": result.invalidated,
                    "message": f"Exported campaign {campaign.id} to {result.folder.name} in the "
                               "app's exports folder."})


async def send_campaign(campaign_id: int = 0, confirmation_code: str = "",
                        tool_context: ToolContext | None = None) -> dict[str, Any]:
    """Send a campaign's approved emails by SMTP — only after the marketer confirms.

    Call it first without confirmation_code: it re-checks the approved emails and returns a
    summary and a code. Show both to the marketer and ask them to reply with the code. Only
    when the marketer's own message contains the code, call again with it. Never invent or
    reuse a code. Sending is idempotent: an email is never sent twice.

    Args:
        campaign_id: The campaign (0 = the latest).
        confirmation_code: The code the marketer typed to confirm.
    """
    settings = get_settings()
    if _in_app(tool_context):
        return failure("confirm_in_campaigns_tab", "In the app, sending is confirmed in the "
                       "Campaigns tab: open it, pick the campaign, press “Prepare send…” and "
                       "type the code it shows. Nothing has been sent.")
    confirmation_code = str(confirmation_code or "")
    if not confirmation_code.strip():
        try:
            plan = await asyncio.to_thread(prepare_send, campaign_id, settings,
                                           actor=_actor(tool_context))
        except _FAILURES as err:
            return failure("send_refused", str(err))
        return _send({"status": "confirmation_required", "campaign_id": plan.campaign_id,
                      "emails": plan.emails, "server": plan.server,
                      "sample_recipients": plan.sample_recipients,
                      "invalidated": plan.invalidated, "confirmation_code": plan.confirmation_code,
                      "message": f"Ready to send {plan.emails} approved email(s) of campaign "
                                 f"{plan.campaign_id} through {plan.server}. Nothing has been sent. "
                                 f"To send, the marketer must reply: confirm send "
                                 f"{plan.confirmation_code} (valid {plan.expires_in_s // 60} min)."})
    code = confirmation_code.strip()
    if not _typed_by_user(code, tool_context):
        return failure("confirmation_required", "Only the marketer can confirm a send: ask "
                       f"them to type the confirmation code themselves (\"confirm send "
                       f"{code}\"), then call send_campaign again.")
    try:
        report = await asyncio.to_thread(send_confirmed, campaign_id, code, settings,
                                         actor=_actor(tool_context))
        campaign = resolve_campaign(report.campaign_id, campaign_store())
    except _FAILURES as err:
        return failure("send_refused", str(err))
    result = _send({**_summary(campaign), "sent": len(report.sent), "failed": report.failed,
                    "uncertain": report.uncertain, "still_approved": report.still_approved,
                    "message": f"Sent {len(report.sent)} email(s)."})
    if report.error:
        result["message"] += f" Stopped early: {report.error} Run send_campaign again later " \
                             "to send the rest; nothing already sent will be sent twice."
    return result


def _in_app(tool_context: ToolContext | None) -> bool:
    return tool_context is not None and APP_ACTOR in tool_context.state


def _actor(tool_context: ToolContext | None) -> str:
    """Who acts, for the campaign's history: the app's user, else the chat's."""
    if tool_context is None:
        return "chat"
    return str(tool_context.state.get(APP_ACTOR) or f"chat:{tool_context.user_id}")


def _typed_by_user(code: str, tool_context: ToolContext | None) -> bool:
    """True when the message that started this turn, written by the user, holds ``code``."""
    if tool_context is None or tool_context.user_content is None:
        return False
    typed = " ".join(p.text or "" for p in tool_context.user_content.parts or [])
    return re.search(rf"(?<!\d){re.escape(code)}(?!\d)", typed) is not None
