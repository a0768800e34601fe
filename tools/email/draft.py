"""One drafted email as the checks, the campaign store and the previews see it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from tools.email.policy import Offer


class DraftProduct(BaseModel):
    product_id: int
    title: str
    price_won: int
    uri: str
    category: str
    note: str = ""


class EmailDraft(BaseModel):
    """One drafted email and what the checks found."""

    customer_id: int
    to_name: str
    to_email: str
    language: Literal["en", "ko"]
    tone: str
    subject: str
    preheader: str
    html: str
    text: str
    offer: Offer
    products: list[DraftProduct]
    writer: str
    variant: str
    review_id: int | None = None
    issue_category: str | None = None
    recommendation_source: str = "recommendations"
    notes: list[str] = []
    issues: list[dict[str, str]] = []

    @property
    def valid(self) -> bool:
        return not self.issues

    def record(self) -> dict[str, Any]:
        """The draft as the campaign store keeps it."""
        return self.model_dump(mode="json")
