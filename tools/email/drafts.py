"""Drafting one retention email: choose the offer, write the copy, lay it out, validate it.

The writer is Gemini when a model is configured (``CYMBAL_EMAIL_WRITER=auto``) and the
built-in templates otherwise. A Gemini draft that fails a check is written again with the
problems listed (``CYMBAL_EMAIL_REPAIR_ATTEMPTS``); if it still fails, or Gemini is down, the
template writes the email and the draft's notes say why. Whatever the writer, the final email
is validated; a draft with problems is stored and shown as invalid, never as ready.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from config.genai import ModelError
from config.model_choice import choose_model
from config.settings import Settings
from tools.customers.pii import mask_email
from tools.email.context import ContextSources, CustomerContext
from tools.email.copy import LANGUAGES, TONES, EmailCopy, template_copy
from tools.email.draft import DraftProduct, EmailDraft
from tools.email.policy import Offer, OfferPolicy, choose_offer
from tools.email.render import render_email
from tools.email.validation import Issue, validate_draft

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DraftRequest:
    """What the marketer asked for; empty fields mean "choose for me"."""

    language: str = "en"
    tone: str = "warm"
    offer_type: str | None = None
    percent: int | None = None
    amount_won: int | None = None
    points: int | None = None

    def problems(self) -> list[str]:
        out = []
        if self.language not in LANGUAGES:
            out.append(f"language must be one of {', '.join(LANGUAGES)}")
        if self.tone not in TONES:
            out.append(f"tone must be one of {', '.join(TONES)}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"offer_type": self.offer_type, "percent": self.percent,
                "amount_won": self.amount_won, "points": self.points}


def preview(record: dict[str, Any]) -> dict[str, Any]:
    """A stored or fresh draft as tools return it: the UI's email shape, address masked."""
    return {
        "customer_id": record["customer_id"], "to_name": record["to_name"],
        "to": mask_email(record["to_email"]), "subject": record["subject"],
        "preheader": record["preheader"], "html": record["html"], "text": record["text"],
        "language": record["language"], "tone": record["tone"],
        "offer": {k: v for k, v in record["offer"].items() if v},
        "products": [{k: p[k] for k in ("product_id", "title", "price_won", "uri")}
                     for p in record["products"]],
        "writer": record["writer"], "valid": not record["issues"],
        "issues": record["issues"], "notes": record["notes"],
        "status": record.get("status", "draft"),
    }


class Drafter:
    """Drafts and validates emails with one catalog snapshot, policy and writer."""

    def __init__(self, settings: Settings, sources: ContextSources, key: str = "single",
                 today: dt.date | None = None) -> None:
        self.settings = settings
        self.sources = sources
        self.policy = OfferPolicy.from_settings(settings)
        self.key = key
        self.today = today or dt.date.today()
        self.writer = writer_kind(settings)
        self._client: Any = None  # one Gemini client for the whole batch

    def client(self) -> Any:
        if self._client is None:
            from config.genai import genai_client

            self._client = genai_client(self.settings)
        return self._client

    def offer_for(self, context: CustomerContext, request: DraftRequest) -> Offer:
        """The offer for ``context`` (raises ``PolicyError`` for a request over policy)."""
        return choose_offer(self.policy, context.customer_id,
                            context.review.issue_category if context.review else None,
                            offer_type=request.offer_type, percent=request.percent,
                            amount_won=request.amount_won, points=request.points,
                            key=self.key, today=self.today)

    async def draft(self, context: CustomerContext, request: DraftRequest) -> EmailDraft:
        """A validated draft for one customer."""
        offer = self.offer_for(context, request)
        notes = list(context.notes)
        if self.writer == "gemini":
            drafted = await self._gemini_draft(context, offer, request, notes)
            if drafted is not None:
                return drafted
        copy = template_copy(context, offer, request.tone, request.language, self.settings,
                             self.key)
        return self._finish(context, offer, request, copy, notes, [])

    async def _gemini_draft(self, context: CustomerContext, offer: Offer,
                            request: DraftRequest, notes: list[str]) -> EmailDraft | None:
        from tools.email.gemini_writer import gemini_copy

        problems: list[Issue] = []
        for _ in range(self.settings.email_repair_attempts + 1):
            try:
                copy, copy_issues = await gemini_copy(context, offer, request.tone,
                                                      request.language, self.policy,
                                                      self.settings, problems or None,
                                                      self.client())
            except ModelError as err:
                logger.warning("Gemini email writer failed for a customer: %s", err.code)
                notes.append(f"Gemini could not write this email ({err.code}); the built-in "
                             "template wrote it instead.")
                return None
            draft = self._finish(context, offer, request, copy, notes, copy_issues)
            if draft.valid:
                return draft
            problems = [Issue(**i) for i in draft.issues]
        codes = ", ".join(sorted({p.code for p in problems}))
        notes.append(f"Gemini's draft failed the checks ({codes}) after "
                     f"{self.settings.email_repair_attempts + 1} attempt(s); the built-in "
                     "template wrote it instead.")
        return None

    def _finish(self, context: CustomerContext, offer: Offer, request: DraftRequest,
                copy: EmailCopy, notes: list[str], copy_issues: list[Issue]) -> EmailDraft:
        rendered = render_email(copy, context, offer, request.language, self.settings)
        draft = EmailDraft(
            customer_id=context.customer_id,
            to_name=f"{context.first_name} {context.last_name}".strip(),
            to_email=context.email, language=request.language,  # type: ignore[arg-type]
            tone=request.tone, subject=rendered.subject, preheader=rendered.preheader,
            html=rendered.html, text=rendered.text, offer=offer,
            products=[DraftProduct(product_id=p.product_id, title=p.title,
                                   price_won=p.price_won, uri=p.uri, category=p.category,
                                   note=copy.product_notes.get(p.product_id, ""))
                      for p in context.products],
            writer=copy.writer, variant=copy.variant,
            review_id=context.review.review_id if context.review else None,
            issue_category=context.review.issue_category if context.review else None,
            recommendation_source=context.recommendation_source, notes=list(notes))
        issues = copy_issues + validate_draft(draft, context, self.sources.catalog, self.policy,
                                              self.settings)
        draft.issues = [i.to_dict() for i in _unique(issues)]
        return draft


def writer_kind(settings: Settings) -> str:
    """``gemini`` or ``template``, from ``CYMBAL_EMAIL_WRITER`` and the configured model."""
    if settings.email_writer == "template":
        return "template"
    if settings.email_writer == "gemini":
        return "gemini"
    return "gemini" if choose_model(settings).kind == "gemini" else "template"


def _unique(issues: list[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))
