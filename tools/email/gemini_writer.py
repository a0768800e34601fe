"""The Gemini email writer: structured copy from ``prompts/email_copy*.md``.

The model writes prose only (subject, paragraphs, product notes, an offer sentence) as JSON
matching ``EmailCopyOut``. The brief it follows (name, products, offer) comes from code; the
customer's review and persona go in a separate block marked as untrusted data. What comes
back is checked here (products, offer echo, no links, markup or addresses in the prose) and
again, after layout, by ``tools.email.validation``.
"""

from __future__ import annotations

import json
import re

from google import genai
from pydantic import BaseModel, Field

from config.genai import agenerate_json
from config.prompts import load_prompt
from config.settings import Settings
from tools.email.context import CustomerContext
from tools.email.copy import EmailCopy, brand, copy_book, issue_key, offer_texts
from tools.email.policy import Offer, OfferPolicy
from tools.email.validation import Issue

LANGUAGE_NAMES = {"en": "English", "ko": "Korean (natural, polite Korean as a Korean CRM "
                  "writer would write it)"}
TONE_GUIDES = {
    "warm": "warm, personal and sincere, like a thoughtful person on the care team.",
    "friendly": "upbeat, casual and encouraging, still respectful.",
    "formal": "polite and formal (in Korean, 합니다체), respectful and measured.",
    "concise": "brief and clear: short sentences, no filler, at most two sentences per field.",
}
MAX_REVIEW_CHARS = 1_200
_MARKERS = re.compile(r"={3,}|UNTRUSTED DATA", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_LINK_OR_MARKUP = re.compile(r"https?://|www\.|<\s*/?\s*[a-zA-Z]|@[A-Za-z0-9-]+\.", re.I)
FIELD_LIMITS = {"subject": 120, "preheader": 200, "greeting": 80, "acknowledgement": 700,
                "persona_paragraph": 500, "picks_intro": 250, "offer_sentence": 300,
                "closing": 400, "signoff": 60}


class ProductNoteOut(BaseModel):
    product_id: int
    note: str


class OfferEchoOut(BaseModel):
    type: str
    percent: int = 0
    amount_won: int = 0
    points: int = 0


class EmailCopyOut(BaseModel):
    """The JSON the model returns."""

    subject: str
    preheader: str = ""
    greeting: str
    acknowledgement: str
    persona_paragraph: str = ""
    picks_intro: str
    product_notes: list[ProductNoteOut] = Field(default_factory=list)
    offer_sentence: str
    offer: OfferEchoOut
    closing: str
    signoff: str


def untrusted(text: str, limit: int = MAX_REVIEW_CHARS) -> str:
    """Data text made safe to place inside the data block: no control characters, no
    lookalikes of the block's markers, bounded length."""
    return _MARKERS.sub(" ", _CONTROL.sub(" ", text or ""))[:limit]


def build_prompt(context: CustomerContext, offer: Offer, tone: str, language: str,
                 policy: OfferPolicy, settings: Settings,
                 problems: list[Issue] | None = None) -> tuple[str, str]:
    """The system instruction and the request for one email."""
    _, headline, _ = offer_texts(offer, language)
    system = load_prompt("email_copy", brand=brand(settings, language),
                         language_name=LANGUAGE_NAMES[language], tone_guide=TONE_GUIDES[tone],
                         policy=policy.describe())
    brief = {
        "customer_first_name": context.first_name,
        "customer_last_name": context.last_name,
        "persona_segment": context.segment,
        "loyalty_member": context.loyalty_member,
        "recommended_products": [{"product_id": p.product_id, "title": p.title,
                                  "category": p.category} for p in context.products],
        "offer": {"type": offer.type, "percent": offer.percent, "amount_won": offer.amount_won,
                  "points": offer.points, "in_words": headline},
        "language": language, "tone": tone,
    }
    data: dict[str, object] = {"issue": issue_key(context)}
    if context.review is not None:
        data.update(reviewed_product=context.review.product_title,
                    review_sentiment=context.review.sentiment,
                    issue_category=context.review.issue_category,
                    review_text=untrusted(context.review.text))
    if context.persona is not None:
        data["persona"] = {k: untrusted(getattr(context.persona, k), 400) for k in
                           ("description", "summary", "motivations", "needs")}
    problem_text = ""
    if problems:
        listed = "\n".join(f"- {p.message}" for p in problems)
        problem_text = ("\nYour previous draft was rejected by our checks. Write it again and "
                        f"fix these problems:\n{listed}\n")
    request = load_prompt("email_copy_request",
                          brief=json.dumps(brief, ensure_ascii=False, indent=1),
                          data=json.dumps(data, ensure_ascii=False, indent=1),
                          problems=problem_text)
    return system, request


def check_copy(out: EmailCopyOut, context: CustomerContext, offer: Offer) -> list[Issue]:
    """Problems with the model's JSON itself, before layout."""
    issues = []
    wanted = {p.product_id for p in context.products}
    noted = [n.product_id for n in out.product_notes]
    if set(noted) != wanted or len(noted) != len(wanted):
        issues.append(Issue("products_changed", "product_notes must cover exactly the "
                            f"recommended product ids {sorted(wanted)}, once each."))
    echo = out.offer
    if (echo.type, echo.percent, echo.amount_won, echo.points) != \
            (offer.type, offer.percent, offer.amount_won, offer.points):
        issues.append(Issue("offer_changed", "The offer must be exactly the one in the brief: "
                            f"{offer.type} {offer.value_label()}."))
    fields = {name: getattr(out, name) for name in FIELD_LIMITS}
    fields.update({f"note {n.product_id}": n.note for n in out.product_notes})
    for name, value in fields.items():
        limit = FIELD_LIMITS.get(name, 200)
        if len(value) > limit:
            issues.append(Issue("too_long", f"{name} is longer than {limit} characters."))
        if _LINK_OR_MARKUP.search(value):
            issues.append(Issue("link_or_markup", f"{name} contains a link, an address or "
                                "HTML; write plain prose only."))
    for name in ("subject", "greeting", "acknowledgement", "picks_intro", "offer_sentence",
                 "closing"):
        if not getattr(out, name).strip():
            issues.append(Issue("empty_field", f"{name} is empty."))
    return issues


def to_copy(out: EmailCopyOut, language: str) -> EmailCopy:
    book = copy_book(language)
    return EmailCopy(
        subject=out.subject.strip(), preheader=out.preheader.strip(),
        greeting=out.greeting.strip(),
        paragraphs=[p.strip() for p in (out.acknowledgement, out.persona_paragraph) if p.strip()],
        picks_intro=out.picks_intro.strip(),
        product_notes={n.product_id: n.note.strip() for n in out.product_notes},
        offer_line=out.offer_sentence.strip(), closing=out.closing.strip(),
        signoff=out.signoff.strip() or book["signoff"]["warm"], writer="gemini",
        variant=f"{language}/gemini")


async def gemini_copy(context: CustomerContext, offer: Offer, tone: str, language: str,
                      policy: OfferPolicy, settings: Settings,
                      problems: list[Issue] | None = None,
                      client: genai.Client | None = None) -> tuple[EmailCopy, list[Issue]]:
    """Copy from Gemini and the problems found in it (raises ``ModelError`` on failure)."""
    system, request = build_prompt(context, offer, tone, language, policy, settings, problems)
    out = await agenerate_json(request, EmailCopyOut, system=system, settings=settings,
                               client=client)
    return to_copy(out, language), check_copy(out, context, offer)
