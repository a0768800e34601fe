"""The shapes of what the agent's tools return, as types.

ADK hands a tool's result to the model as plain JSON, so each tool serialises at its
boundary (``to_dict``); whoever reads a result back — the offline model's answer writers,
the runner's ``TurnResult``, the UI — parses it into these types instead of reading keys.
Every tool reports a failure the same way: a ``Failure`` (``{"error": code, "message",
"suggestions", "hint"?, …}``), which a model can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field


def is_failure(response: object) -> bool:
    """Tools report failure as data: anything but a dict without an ``error`` key."""
    return not isinstance(response, dict) or "error" in response


@dataclass
class Failure:
    """A tool that could not do what was asked, and what to try instead."""

    code: str
    message: str
    suggestions: list[Any] = field(default_factory=list)
    hint: str = ""
    details: dict[str, Any] = field(default_factory=dict)  # e.g. the identifier it refused

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "message": self.message,
                               "suggestions": list(self.suggestions)}
        if self.hint:
            out["hint"] = self.hint
        out.update(self.details)
        return out

    @classmethod
    def from_dict(cls, response: dict[str, Any]) -> Failure:
        known = {"error", "message", "suggestions", "hint"}
        return cls(code=str(response.get("error") or "failed"),
                   message=str(response.get("message") or response.get("error") or ""),
                   suggestions=list(response.get("suggestions") or []),
                   hint=str(response.get("hint") or ""),
                   details={k: v for k, v in response.items() if k not in known})


@dataclass
class Table:
    """A tabular result: column names and rows, and whether rows were cut at the cap.

    ``extra`` keeps the rest of the tool's result (its SQL, summary, totals) for readers
    that show more than the grid.
    """

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.extra, "columns": list(self.columns), "rows": self.rows,
                "truncated": self.truncated}

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]

    @classmethod
    def from_records(cls, records: list[dict[str, Any]], columns: list[str],
                     **extra: Any) -> Table:
        return cls(columns=list(columns), rows=[[r.get(c) for c in columns] for r in records],
                   extra=extra)

    @classmethod
    def from_response(cls, response: dict[str, Any] | None) -> Table | None:
        """The table in a successful tool result, or None if it holds none."""
        if not response or is_failure(response) or "columns" not in response \
                or not isinstance(response.get("rows"), list):
            return None
        extra = {k: v for k, v in response.items() if k not in ("columns", "rows", "truncated")}
        return cls(columns=list(response["columns"]), rows=response["rows"],
                   truncated=bool(response.get("truncated")), extra=extra)


def failure(code: str, message: str, suggestions: list[Any] | None = None, hint: str = "",
            **details: Any) -> dict[str, Any]:
    """A ``Failure`` serialised for the model: the one way tools report what went wrong."""
    return Failure(code, message, list(suggestions or []), hint, details).to_dict()


class ToolResult(BaseModel):
    """A successful tool result with named fields; keys a type does not name are kept."""

    model_config = ConfigDict(extra="allow")

    def to_dict(self) -> dict[str, Any]:
        """The fields a tool set (no defaults it left alone), as JSON values."""
        return self.model_dump(mode="json", exclude_unset=True)

    @classmethod
    def parse(cls, response: dict[str, Any] | None) -> Self | None:
        """The result as this type, or None for a failure or no result."""
        if response is None or is_failure(response):
            return None
        return cls.model_validate(response)


class ReviewHit(BaseModel):
    """One review found by review search."""

    review_id: int
    customer_id: int
    product_id: int
    product_title: str = ""
    rating: int = 0
    sentiment: str = ""
    issue_category: str = ""
    date: str = ""
    city: str = ""
    segment: str = ""
    snippet: str = ""
    score: float = 0.0


class ReviewHits(ToolResult):
    """What ``search_reviews`` found: the reviews in rank order and the filters applied."""

    query: str = ""
    filters: dict[str, Any] = Field(default_factory=dict)
    count: int = 0
    reviews: list[ReviewHit] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class CustomerProfile(BaseModel):
    first_name: str | None = None
    last_name: str | None = None
    email_masked: str | None = None  # a customer's address never leaves the tools unmasked
    gender: str | None = None
    age: int | None = None
    city: str | None = None
    loyalty_member: bool | None = None


class CustomerSegment(BaseModel):
    persona_age_group_profile: str | None = None
    name: str | None = None
    persona: str | None = None
    marketing_pitch: str | None = None


class CustomerRfm(BaseModel):
    cluster_id: int | None = None
    cluster_name: str | None = None
    recency_days: int | float | None = None
    frequency: int | float | None = None
    monetary: int | float | None = None
    avg_spend: int | float | None = None
    basis: str | None = None
    next_step: str | None = None


class OrderLine(BaseModel):
    """One line of a customer's order (``lookup_customer``'s recent orders)."""

    order_id: int
    order_datetime: str | None = None
    product_id: int | None = None
    title: str | None = None
    quantity: int | None = None
    sale_price: float | None = None
    status: str | None = None


class CustomerOrders(BaseModel):
    """A customer's orders: totals, the categories they buy most and the latest lines."""

    orders: int = 0
    lines: int = 0
    revenue: float | None = None  # complete and shipped lines
    first_order: str | None = None
    last_order: str | None = None
    returned_lines: int = 0
    cancelled_lines: int = 0
    top_categories: list[str] = Field(default_factory=list)  # as stored: [Bags]
    recent_lines: list[OrderLine] = Field(default_factory=list)


class CustomerReview(BaseModel):
    """One review a customer wrote, with its analysis (a row of the 360's table)."""

    customer_review_id: int | None = None
    review_datetime: str | None = None
    product_id: int | None = None
    title: str | None = None
    rating: int | None = None
    text_sentiment: str | None = None
    issue_category: str | None = None
    review_text: str = ""


class Recommendations(ToolResult):
    """Three products (``recommend_products``) for a customer or a segment and city."""

    customer_id: int | None = None
    segment: str | None = None
    segment_name: str | None = None
    city: str | None = None
    method: str = ""
    hit_rates: dict[str, float | None] = Field(default_factory=dict)
    excluded_products: int = 0
    summary: str = ""
    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)

    def products(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]


class CustomerCard(ToolResult):
    """A customer 360 (``lookup_customer``); the customer's reviews are its table."""

    customer_id: int
    language: str = "en"
    profile: CustomerProfile = Field(default_factory=CustomerProfile)
    segment: CustomerSegment = Field(default_factory=CustomerSegment)
    rfm: CustomerRfm = Field(default_factory=CustomerRfm)
    orders: CustomerOrders = Field(default_factory=CustomerOrders)
    review_sentiment: dict[str, int] = Field(default_factory=dict)
    negative_customer: bool = False
    main_issue_category: str | None = None
    recommendations: Recommendations | None = None
    summary: str = ""
    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)

    def reviews(self) -> list[CustomerReview]:
        return [CustomerReview.model_validate(dict(zip(self.columns, row, strict=False)))
                for row in self.rows]


class DraftPreview(BaseModel):
    """One drafted email as previews show it (the address masked)."""

    model_config = ConfigDict(extra="allow")

    customer_id: int
    to_name: str = ""
    to: str = ""
    subject: str = ""
    html: str = ""
    text: str = ""
    language: str = "en"
    tone: str = ""
    offer: dict[str, Any] = Field(default_factory=dict)
    products: list[dict[str, Any]] = Field(default_factory=list)
    status: str = "draft"
    valid: bool = True


class CampaignRef(ToolResult):
    """Any campaign tool's result, for the campaign it names (if it names one)."""

    campaign_id: int | None = None


class PickedCustomer(BaseModel):
    """The one customer an email for "an unhappy customer in Busan" went to, and why."""

    customer_id: int
    matching: int  # customers the description fits, this one included
    review_date: str | None = None  # their most telling unhappy review, when the audience
    rating: int | None = None  # was unhappy customers
    sentiment: str | None = None
    issue_category: str | None = None


class DraftResult(ToolResult):
    """What ``draft_email`` returns: the one-email campaign it made and the draft, and who
    was picked when the customer was described rather than named."""

    campaign_id: int
    email: DraftPreview
    picked: PickedCustomer | None = None
    open_elsewhere: list[int] = Field(default_factory=list)  # other campaigns waiting to
    summary: str = ""  # email the same customer


class SegmentCard(ToolResult):
    """``describe_segment``: a persona segment (figures, persona, top products as the table,
    RFM mix) or an RFM cluster (size, centroid, next step, segment mix as the table)."""

    kind: str = "persona"  # persona | cluster
    name: str | None = None
    segment: str | None = None
    figures: dict[str, Any] = Field(default_factory=dict)
    persona: dict[str, Any] = Field(default_factory=dict)
    rfm_mix: list[dict[str, Any]] = Field(default_factory=list)
    cluster_id: int | None = None
    customers: int | float | None = None
    share_of_customers: float | None = None
    centroid: dict[str, Any] = Field(default_factory=dict)
    next_step: str | None = None
    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]


class CampaignSummary(ToolResult):
    """A campaign as every campaign tool reports it, with what the action did.

    ``show_campaign`` adds an email table (``columns``/``rows``) and a sample ``email``;
    ``edit_campaign`` what ``changed`` and how many were ``redrafted``; approving and
    rejecting the customer ids moved; exporting the ``files``; sending what was ``sent``.
    """

    campaign_id: int
    name: str = ""
    audience: str = ""
    language: str = "en"
    tone: str = ""
    emails: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    status_text: str = ""
    notes: list[str] = Field(default_factory=list)
    open_elsewhere: int = 0  # customers with an email waiting in another campaign too
    held_out: int = 0  # create_campaign: the holdout, never emailed
    left_out: dict[str, int] = Field(default_factory=dict)  # create_campaign: by policy reason
    message: str = ""
    email: DraftPreview | None = None
    columns: list[str] | None = None
    rows: list[list[Any]] | None = None
    changed: dict[str, Any] = Field(default_factory=dict)
    redrafted: int = 0
    approved: list[int] = Field(default_factory=list)
    not_approved: list[Any] = Field(default_factory=list)
    rejected: list[int] = Field(default_factory=list)
    folder: str = ""
    files: dict[str, str] = Field(default_factory=dict)
    handed_off: int = 0


class SendResult(ToolResult):
    """``send_campaign``: first what would go out and the code to confirm, then the outcome."""

    campaign_id: int
    status: str = ""
    emails: int = 0
    server: str = ""
    sample_recipients: list[str] = Field(default_factory=list)
    confirmation_code: str = ""
    sent: int = 0
    failed: list[Any] = Field(default_factory=list)
    uncertain: list[Any] = Field(default_factory=list)
    still_approved: int = 0
    message: str = ""


class CampaignPlan(ToolResult):
    """``plan_campaign``, the dry run before drafting: the audience, who the contact policy
    excludes and why, the holdout, and the emails drafting would write (and sending send).
    ``create_campaign(plan_id=…)`` drafts it once the marketer confirms."""

    plan_id: int
    audience_description: str = ""
    audience: int = 0
    excluded: dict[str, int] = Field(default_factory=dict)  # suppressed, no_consent, ...
    consent_checked: bool = True
    holdout: int = 0
    emails: int = 0
    send_minutes: float = 0.0
    notes: list[str] = Field(default_factory=list)
    summary: str = ""


class SuppressionUpdate(ToolResult):
    """``suppress_customers``: how the suppression list changed (no addresses shown)."""

    added: int = 0
    already_listed: int = 0
    reason: str = ""
    total: int = 0
    summary: str = ""


class GroupFigures(BaseModel):
    """One group of a campaign's results over the attribution window."""

    customers: int = 0
    converted: int = 0
    conversion_rate: float = 0.0
    orders: int = 0
    revenue: float = 0.0
    revenue_per_customer: float = 0.0


class CampaignResults(ToolResult):
    """``campaign_results``: emailed customers against the holdout over the attribution
    window. Rates and the uplift are proportions (0.05 = 5 points); the interval is
    Newcombe's hybrid score interval, the p-value the two-sided pooled z-test. The table
    (``columns``/``rows``) is the cumulative conversion per day, for a chart.
    ``status``: not_sent, interim (window still open) or final."""

    campaign_id: int
    name: str = ""
    status: str = ""
    window_days: int = 0
    sent_at: str | None = None
    window_end: str | None = None
    treated: GroupFigures | None = None
    holdout: GroupFigures | None = None
    uplift: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    conclusive: bool = False
    significant: bool = False
    notes: list[str] = Field(default_factory=list)
    summary: str = ""
    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)
