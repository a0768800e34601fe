"""Answers for emails and campaigns: what was drafted, created, changed, approved,
rejected, exported or sent, and what to do next. Addresses appear only masked, as the tools
return them; a send confirmation code is shown only as the tool issued it, for the marketer
to type."""

from __future__ import annotations

from typing import Any

from agent.offline.answers import (
    AnswerContext,
    format_value,
    phrase,
    register_writer,
    term,
)
from agent.offline.writers.composed import format_number
from agent.offline.writers.customers import issue_label
from tools.results import (
    CampaignPlan,
    CampaignResults,
    CampaignSummary,
    DraftResult,
    PickedCustomer,
    SendResult,
    SuppressionUpdate,
    Table,
)

STATUSES = ("draft", "approved", "rejected", "sent", "exported", "failed", "uncertain",
            "sending")
LISTED = 5


def offer_label(offer: dict[str, Any], lang: str) -> str:
    """"10% off (code THANKS10-554B00, valid until 2026-12-06)" in ``lang``."""
    kind = str(offer.get("type", ""))
    value = {"percent_off": f"{offer.get('percent', 0)}%",
             "fixed_amount_off": format_value("amount_won", offer.get("amount_won", 0), lang),
             "loyalty_points": f"{int(offer.get('points', 0)):,}"}.get(kind, "")
    text = term("offer", kind, lang, value=value)
    details = [offer["code"]] if offer.get("code") else []
    if offer.get("valid_until"):
        details.append(("~" if lang == "ko" else "valid until ") + str(offer["valid_until"]))
    return f"{text} ({', '.join(details)})" if details else text


def status_text(counts: dict[str, Any], lang: str) -> str:
    """A campaign's status counts: "44 draft, 2 approved; 1 failed the checks"."""
    parts = [phrase("status_item", lang, n=counts[s], status=term("email_status", s, lang))
             for s in STATUSES if counts.get(s)]
    text = ", ".join(parts) or "—"
    if counts.get("invalid"):
        text += "; " + phrase("status_invalid", lang, n=counts["invalid"])
    return text


def _language(code: Any, lang: str) -> str:
    return phrase(f"language_{code}", lang) if code in ("en", "ko") else str(code)


@register_writer("draft_email")
def write_draft(ctx: AnswerContext) -> str:
    """Subject, offer, the three products, where the preview is, and the next step."""
    draft = DraftResult.model_validate(ctx.response or {})
    email = draft.email
    products = ", ".join(str(p.get("title")) for p in email.products)
    text = phrase("email_drafted", ctx.lang, tone=term("tone", email.tone, ctx.lang),
                  language=_language(email.language, ctx.lang), name=email.to_name,
                  customer=email.customer_id, campaign=draft.campaign_id, subject=email.subject,
                  offer=offer_label(email.offer, ctx.lang), products=products)
    if draft.picked is not None:
        text = _picked(draft.picked, email.to_name, ctx) + text
    if draft.open_elsewhere:
        text += phrase("email_open_elsewhere", ctx.lang,
                       campaigns=", ".join(f"#{i}" for i in draft.open_elsewhere))
    return text + phrase("email_next", ctx.lang)


def _picked(picked: PickedCustomer, name: str, ctx: AnswerContext) -> str:
    """Who the email went to when the marketer described a customer instead of naming one."""
    why = (phrase("email_picked_review", ctx.lang, rating=picked.rating, date=picked.review_date,
                  issue=issue_label(picked.issue_category, ctx.lang))
           if picked.review_date else phrase("email_picked_order", ctx.lang))
    return phrase("email_picked", ctx.lang, name=name, customer=picked.customer_id,
                  matching=f"{picked.matching:,}", why=why)


def _campaign(ctx: AnswerContext) -> CampaignSummary:
    return CampaignSummary.model_validate(ctx.response or {})


def _campaign_head(c: CampaignSummary, lang: str) -> str:
    return phrase("campaign_status", lang, id=c.campaign_id, name=c.name, audience=c.audience,
                  emails=c.emails, status=status_text(c.counts, lang))


@register_writer("create_campaign")
def write_created(ctx: AnswerContext) -> str:
    """The campaign created: id, audience, emails drafted, valid/invalid, next steps; or,
    before anything is drafted, the dry run the marketer confirms first."""
    if "campaign_id" not in (ctx.response or {}):
        return write_plan(ctx)
    c = _campaign(ctx)
    invalid = int(c.counts.get("invalid") or 0)
    text = phrase("campaign_created", ctx.lang, id=c.campaign_id, name=c.name,
                  audience=c.audience, emails=f"{c.emails:,}",
                  language=_language(c.language, ctx.lang), tone=term("tone", c.tone, ctx.lang),
                  valid=f"{c.emails - invalid:,}", invalid=f"{invalid:,}")
    if c.open_elsewhere:
        text += phrase("campaign_open_elsewhere", ctx.lang, n=f"{c.open_elsewhere:,}")
    text += " " + _left_out(c.left_out, ctx.lang) + \
        (phrase("campaign_plan_holdout", ctx.lang, n=f"{c.held_out:,}") if c.held_out else "")
    return text.rstrip() + phrase("campaign_next", ctx.lang, id=c.campaign_id)


@register_writer("list_campaigns")
def write_campaign_list(ctx: AnswerContext) -> str:
    table = Table.from_response(ctx.response)
    rows = table.records() if table else []
    if not rows:
        return phrase("campaigns_none", ctx.lang)
    items = [f"#{c['campaign_id']} {c['name']} "
             f"({status_text({**c, 'invalid': c.get('failed_checks')}, ctx.lang)})"
             for c in rows[:LISTED]]
    more = phrase("list_more", ctx.lang, n=len(rows)) if len(rows) > LISTED else ""
    return phrase("campaigns_listed", ctx.lang, n=len(rows), items="; ".join(items) + more)


@register_writer("show_campaign")
def write_campaign(ctx: AnswerContext) -> str:
    """The campaign's audience and status counts, and its first (or the asked) email."""
    c = _campaign(ctx)
    text = _campaign_head(c, ctx.lang)
    email = c.email
    if email and c.rows is None:
        return text + phrase("campaign_one_email", ctx.lang, name=email.to_name, to=email.to,
                             subject=email.subject,
                             status=term("email_status", email.status, ctx.lang))
    if email:
        text += phrase("campaign_first_email", ctx.lang, name=email.to_name, to=email.to,
                       subject=email.subject)
    return text


@register_writer("edit_campaign")
def write_edited(ctx: AnswerContext) -> str:
    c = _campaign(ctx)
    words = {"tone": lambda v: term("tone", v, ctx.lang),
             "language": lambda v: _language(v, ctx.lang),
             "offer_type": lambda v: term("offer", v, ctx.lang, value="").strip()}
    changes = ", ".join(term("change", k, ctx.lang, value=words[k](str(v)))
                        for k, v in c.changed.items() if k in words)
    text = phrase("campaign_edited", ctx.lang, n=c.redrafted, id=c.campaign_id,
                  changes=changes or "—", status=status_text(c.counts, ctx.lang))
    if c.email is not None:
        text += phrase("campaign_edited_preview", ctx.lang, name=c.email.to_name)
    return text


@register_writer("approve_emails")
def write_approved(ctx: AnswerContext) -> str:
    c = _campaign(ctx)
    refused = len(c.not_approved)
    return phrase("campaign_approved", ctx.lang, n=len(c.approved), id=c.campaign_id,
                  refused=phrase("campaign_not_approved", ctx.lang, n=refused) if refused else "",
                  status=status_text(c.counts, ctx.lang))


@register_writer("reject_emails")
def write_rejected(ctx: AnswerContext) -> str:
    c = _campaign(ctx)
    return phrase("campaign_rejected", ctx.lang, n=len(c.rejected), id=c.campaign_id,
                  status=status_text(c.counts, ctx.lang))


@register_writer("export_campaign")
def write_exported(ctx: AnswerContext) -> str:
    """Where each exported file is, and how many emails were handed off."""
    c = _campaign(ctx)
    files = "; ".join(f"{term('export', kind, ctx.lang)}: {path}" for kind, path in c.files.items())
    return phrase("campaign_exported", ctx.lang, id=c.campaign_id, folder=c.folder,
                  files=files or "—",
                  handed=phrase("campaign_handed_off", ctx.lang, n=c.handed_off)
                  if c.handed_off else "")


@register_writer("send_campaign")
def write_sent(ctx: AnswerContext) -> str:
    """Before a send: what would go out and the code the marketer must type. After a
    confirmed send: how many were sent, failed or left."""
    sent = SendResult.model_validate(ctx.response or {})
    if sent.status == "confirmation_required":
        return phrase("send_confirm", ctx.lang, n=sent.emails, id=sent.campaign_id,
                      server=sent.server, sample=", ".join(sent.sample_recipients) or "—",
                      code=sent.confirmation_code)
    text = phrase("send_done", ctx.lang, sent=sent.sent, id=sent.campaign_id,
                  failed=len(sent.failed), uncertain=len(sent.uncertain),
                  left=sent.still_approved)
    if "Stopped early" in sent.message:
        text += phrase("send_stopped", ctx.lang, message=sent.message)
    return text


@register_writer("plan_campaign")
def write_plan(ctx: AnswerContext) -> str:
    """The dry run: who fits, who the contact policy leaves out and why, the holdout, what
    drafting and sending would take, and how to confirm."""
    plan = CampaignPlan.model_validate(ctx.response)
    excluded = _left_out(plan.excluded, ctx.lang)
    if not plan.consent_checked:
        excluded += phrase("campaign_plan_no_consent_column", ctx.lang)
    holdout = phrase("campaign_plan_holdout", ctx.lang, n=f"{plan.holdout:,}") \
        if plan.holdout else ""
    return phrase("campaign_plan", ctx.lang, audience=plan.audience_description,
                  n=f"{plan.audience:,}", excluded=excluded, holdout=holdout,
                  emails=f"{plan.emails:,}", minutes=f"{max(plan.send_minutes, 0.1):.1f}")


def _left_out(excluded: dict[str, int], lang: str) -> str:
    """"Left out: 3 on the suppression list, 12 without marketing consent. " (or that no one
    was)."""
    items = [term("exclusion", reason, lang, n=f"{n:,}") for reason, n in excluded.items() if n]
    return phrase("campaign_plan_excluded", lang, items=", ".join(items)) if items \
        else phrase("campaign_plan_none_excluded", lang)


@register_writer("suppress_customers")
def write_suppression(ctx: AnswerContext) -> str:
    update = SuppressionUpdate.model_validate(ctx.response)
    return phrase("suppression_update", ctx.lang, added=f"{update.added:,}",
                  already=f"{update.already_listed:,}", total=f"{update.total:,}",
                  reason=term("suppression_reason", update.reason, ctx.lang))


@register_writer("campaign_results")
def write_results(ctx: AnswerContext) -> str:
    """Emailed customers against the holdout: conversion, the uplift with its interval and
    p-value, revenue per customer, and plainly whether it can be concluded yet."""
    r = CampaignResults.model_validate(ctx.response)
    if r.status == "not_sent" or r.treated is None or r.holdout is None:
        return phrase("campaign_results_not_sent", ctx.lang, id=r.campaign_id)

    def points(value: float | None) -> str:
        return "—" if value is None else f"{100 * value:+.1f}" + ("%p" if ctx.lang == "ko"
                                                                   else " pts")
    until = phrase("campaign_results_interim", ctx.lang, end=(r.window_end or "")[:10]) \
        if r.status == "interim" else ""
    text = phrase("campaign_results", ctx.lang, id=r.campaign_id, days=r.window_days,
                  until=until, treated=f"{100 * r.treated.conversion_rate:.1f}%",
                  t_conv=f"{r.treated.converted:,}", t_n=f"{r.treated.customers:,}",
                  control=f"{100 * r.holdout.conversion_rate:.1f}%",
                  c_conv=f"{r.holdout.converted:,}", c_n=f"{r.holdout.customers:,}",
                  uplift=points(r.uplift), low=points(r.ci_low), high=points(r.ci_high),
                  p="—" if r.p_value is None else f"{r.p_value:.3f}",
                  t_rev=format_number(r.treated.revenue_per_customer, "won", ctx.lang),
                  c_rev=format_number(r.holdout.revenue_per_customer, "won", ctx.lang))
    if not r.conclusive:
        return text + phrase("campaign_results_small", ctx.lang)
    verdict = "significant" if r.significant else "unclear"
    return text + phrase(f"campaign_results_verdict_{verdict}", ctx.lang)
