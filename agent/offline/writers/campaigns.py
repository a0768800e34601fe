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
    r = ctx.response or {}
    customer = ctx.values["customer_id"].value if "customer_id" in ctx.values else "?"
    email = r.get("email") or {}
    products = ", ".join(str(p.get("title")) for p in email.get("products") or [])
    text = phrase("email_drafted", ctx.lang, tone=term("tone", str(email.get("tone")), ctx.lang),
                  language=_language(email.get("language"), ctx.lang),
                  name=email.get("to_name", ""), customer=email.get("customer_id", customer),
                  campaign=r.get("campaign_id"), subject=email.get("subject", ""),
                  offer=offer_label(email.get("offer") or {}, ctx.lang), products=products)
    return text + phrase("email_next", ctx.lang)


def _campaign_head(r: dict[str, Any], lang: str) -> str:
    return phrase("campaign_status", lang, id=r.get("campaign_id"), name=r.get("name", ""),
                  audience=r.get("audience", ""), emails=r.get("emails", 0),
                  status=status_text(r.get("counts") or {}, lang))


@register_writer("create_campaign")
def write_created(ctx: AnswerContext) -> str:
    """The campaign created: id, audience, emails drafted, valid/invalid, next steps."""
    r = ctx.response or {}
    counts = r.get("counts") or {}
    emails = int(r.get("emails") or 0)
    invalid = int(counts.get("invalid") or 0)
    text = phrase("campaign_created", ctx.lang, id=r.get("campaign_id"), name=r.get("name", ""),
                  audience=r.get("audience", ""), emails=f"{emails:,}",
                  language=_language(r.get("language"), ctx.lang),
                  tone=term("tone", str(r.get("tone")), ctx.lang),
                  valid=f"{emails - invalid:,}", invalid=f"{invalid:,}")
    return text + phrase("campaign_next", ctx.lang, id=r.get("campaign_id"))


@register_writer("list_campaigns")
def write_campaign_list(ctx: AnswerContext) -> str:
    r = ctx.response or {}
    columns = r.get("columns") or []
    rows = [dict(zip(columns, row, strict=False)) for row in r.get("rows") or []]
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
    r = ctx.response or {}
    text = _campaign_head(r, ctx.lang)
    email = r.get("email")
    if email and "rows" not in r:
        return text + phrase("campaign_one_email", ctx.lang, name=email.get("to_name", ""),
                             to=email.get("to", ""), subject=email.get("subject", ""),
                             status=term("email_status", str(email.get("status")), ctx.lang))
    if email:
        text += phrase("campaign_first_email", ctx.lang, name=email.get("to_name", ""),
                       to=email.get("to", ""), subject=email.get("subject", ""))
    return text


@register_writer("edit_campaign")
def write_edited(ctx: AnswerContext) -> str:
    r = ctx.response or {}
    changed = r.get("changed") or {}
    words = {"tone": lambda v: term("tone", v, ctx.lang),
             "language": lambda v: _language(v, ctx.lang),
             "offer_type": lambda v: term("offer", v, ctx.lang, value="").strip()}
    changes = ", ".join(term("change", k, ctx.lang, value=words[k](str(v)))
                        for k, v in changed.items() if k in words)
    return phrase("campaign_edited", ctx.lang, n=r.get("redrafted", 0), id=r.get("campaign_id"),
                  changes=changes or "—", status=status_text(r.get("counts") or {}, ctx.lang))


@register_writer("approve_emails")
def write_approved(ctx: AnswerContext) -> str:
    r = ctx.response or {}
    refused = len(r.get("not_approved") or [])
    return phrase("campaign_approved", ctx.lang, n=len(r.get("approved") or []),
                  id=r.get("campaign_id"),
                  refused=phrase("campaign_not_approved", ctx.lang, n=refused) if refused else "",
                  status=status_text(r.get("counts") or {}, ctx.lang))


@register_writer("reject_emails")
def write_rejected(ctx: AnswerContext) -> str:
    r = ctx.response or {}
    return phrase("campaign_rejected", ctx.lang, n=len(r.get("rejected") or []),
                  id=r.get("campaign_id"), status=status_text(r.get("counts") or {}, ctx.lang))


@register_writer("export_campaign")
def write_exported(ctx: AnswerContext) -> str:
    """Where each exported file is, and how many emails were handed off."""
    r = ctx.response or {}
    files = "; ".join(f"{term('export', kind, ctx.lang)}: {path}"
                      for kind, path in (r.get("files") or {}).items())
    handed = int(r.get("handed_off") or 0)
    return phrase("campaign_exported", ctx.lang, id=r.get("campaign_id"), folder=r.get("folder"),
                  files=files or "—",
                  handed=phrase("campaign_handed_off", ctx.lang, n=handed) if handed else "")


@register_writer("send_campaign")
def write_sent(ctx: AnswerContext) -> str:
    """Before a send: what would go out and the code the marketer must type. After a
    confirmed send: how many were sent, failed or left."""
    r = ctx.response or {}
    if r.get("status") == "confirmation_required":
        sample = ", ".join(r.get("sample_recipients") or []) or "—"
        return phrase("send_confirm", ctx.lang, n=r.get("emails", 0), id=r.get("campaign_id"),
                      server=r.get("server", ""), sample=sample,
                      code=r.get("confirmation_code", ""))
    text = phrase("send_done", ctx.lang, sent=r.get("sent", 0), id=r.get("campaign_id"),
                  failed=len(r.get("failed") or []), uncertain=len(r.get("uncertain") or []),
                  left=r.get("still_approved", 0))
    if "Stopped early" in str(r.get("message", "")):
        text += phrase("send_stopped", ctx.lang, message=r["message"])
    return text
