"""Did a campaign work? The emailed customers against the holdout, over the attribution
window after sending.

The window starts when the campaign's first email was sent (or handed off) and lasts
``campaign_attribution_days``. A customer converts with at least one order line placed in
the window that was not cancelled or returned; revenue counts Complete and Shipped lines
(sale_price x quantity), as the glossary does. Orders are read from the warehouse's
``orders`` table through the guarded warehouse (one BigQuery-dialect query per chunk of
customers, so it runs on BigQuery as on DuckDB); the two groups come from the app database:
treated = the customers the campaign reached, holdout = the customers it kept back.
The uplift's interval and p-value are described in ``tools.campaigns.uplift``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from config.settings import Settings, get_settings
from tools.campaigns.uplift import Uplift, uplift
from tools.campaigns.workflow import campaign_store, resolve_campaign
from tools.warehouse.reads import chunks, rows, sql_ints

CONVERTING = ("Complete", "Shipped", "Processing")
REVENUE = ("Complete", "Shipped")


@dataclass(frozen=True)
class CustomerOrders:
    """One customer's orders in the window."""

    orders: int
    revenue: float
    first_order: dt.datetime


@dataclass(frozen=True)
class GroupOutcome:
    """One group's response over the window."""

    customers: int
    converted: int
    orders: int
    revenue: float

    @property
    def conversion_rate(self) -> float:
        return self.converted / self.customers if self.customers else 0.0

    @property
    def revenue_per_customer(self) -> float:
        return self.revenue / self.customers if self.customers else 0.0

    @property
    def orders_per_customer(self) -> float:
        return self.orders / self.customers if self.customers else 0.0


@dataclass(frozen=True)
class DayPoint:
    """Cumulative conversion by the end of day ``day`` of the window."""

    day: int
    date: str
    treated_rate: float
    holdout_rate: float


@dataclass
class CampaignOutcome:
    """A campaign's results. ``status``: ``not_sent``, ``interim`` (the window is still
    open) or ``final``; ``conclusive`` is False when a group is below
    ``campaign_results_min_group`` (or there is no holdout)."""

    campaign_id: int
    name: str
    status: str
    window_days: int
    sent_at: str | None = None
    window_end: str | None = None
    treated: GroupOutcome | None = None
    holdout: GroupOutcome | None = None
    uplift: Uplift | None = None
    conclusive: bool = False
    series: list[DayPoint] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def significant(self) -> bool:
        return self.uplift is not None and self.uplift.p_value < 0.05

    def summary(self) -> str:
        """The figures in one paragraph (English; the chat writes its own words)."""
        head = f"Campaign {self.campaign_id} “{self.name}”"
        if self.status == "not_sent" or self.treated is None:
            return f"{head} has not been sent yet, so there are no results."
        text = (f"{head}: {self.treated.customers:,} emailed customers converted at "
                f"{self.treated.conversion_rate:.1%} ({self.treated.revenue_per_customer:,.0f} "
                "won per customer)")
        if self.holdout is not None and self.holdout.customers:
            text += (f", the {self.holdout.customers:,} held out at "
                     f"{self.holdout.conversion_rate:.1%} "
                     f"({self.holdout.revenue_per_customer:,.0f} won per customer)")
        if self.uplift is not None:
            u = self.uplift
            text += (f": uplift {u.difference * 100:+.1f} points (95% CI {u.low * 100:+.1f} to "
                     f"{u.high * 100:+.1f}, p = {u.p_value:.3f})")
        text += (f". Window: {self.window_days} days from {(self.sent_at or '')[:10]} to "
                 f"{(self.window_end or '')[:10]}")
        text += " (still open: interim figures)." if self.status == "interim" else "."
        return " ".join([text, *self.notes])


def _utc(stamp: str) -> dt.datetime:
    """An ISO stamp as a naive UTC datetime (the warehouse's DATETIME has no zone)."""
    moment = dt.datetime.fromisoformat(stamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


def _literal(moment: dt.datetime) -> str:
    return f"DATETIME '{moment.strftime('%Y-%m-%d %H:%M:%S')}'"


def window_orders(customer_ids: list[int], start: dt.datetime,
                  end: dt.datetime) -> dict[int, CustomerOrders]:
    """The customers' converting orders placed in [start, end), per customer."""
    found: dict[int, CustomerOrders] = {}
    statuses = ", ".join(f"'{s}'" for s in CONVERTING)
    revenue = ", ".join(f"'{s}'" for s in REVENUE)
    for part in chunks(sorted(int(i) for i in customer_ids)):
        for row in rows(
                "SELECT o.customer_id, COUNT(DISTINCT o.order_id) AS orders, "
                f"SUM(IF(o.status IN ({revenue}), o.sale_price * o.quantity, 0)) AS revenue, "
                "MIN(o.order_datetime) AS first_order FROM cymbal.orders AS o "
                f"WHERE o.customer_id IN ({sql_ints(part)}) AND o.status IN ({statuses}) "
                f"AND o.order_datetime >= {_literal(start)} "
                f"AND o.order_datetime < {_literal(end)} GROUP BY o.customer_id"):
            first = row["first_order"]
            found[int(row["customer_id"])] = CustomerOrders(
                orders=int(row["orders"]), revenue=float(row["revenue"] or 0),
                first_order=_utc(first) if isinstance(first, str) else first)
    return found


def _group(ids: set[int], orders: dict[int, CustomerOrders]) -> GroupOutcome:
    mine = [orders[i] for i in ids if i in orders]
    return GroupOutcome(customers=len(ids), converted=len(mine),
                        orders=sum(o.orders for o in mine),
                        revenue=round(sum(o.revenue for o in mine), 2))


def _series(treated: set[int], holdout: set[int], orders: dict[int, CustomerOrders],
            start: dt.datetime, days: int) -> list[DayPoint]:
    points = []
    for day in range(1, days + 1):
        cutoff = start + dt.timedelta(days=day)

        def rate(ids: set[int], cutoff: dt.datetime = cutoff) -> float:
            hits = sum(1 for i in ids if i in orders and orders[i].first_order < cutoff)
            return round(hits / len(ids), 4) if ids else 0.0

        points.append(DayPoint(day, (cutoff - dt.timedelta(days=1)).date().isoformat(),
                               rate(treated), rate(holdout)))
    return points


def campaign_results(campaign_id: int, settings: Settings | None = None,
                     now: dt.datetime | None = None) -> CampaignOutcome:
    """Compare the campaign's emailed customers with its holdout over the window."""
    settings = settings or get_settings()
    store = campaign_store(settings)
    campaign = resolve_campaign(campaign_id, store)
    days = settings.campaign_attribution_days
    outcome = CampaignOutcome(campaign.id, campaign.name, "not_sent", days)
    first = store.first_delivery(campaign.id)
    if first is None:
        return outcome
    start = _utc(first)
    end = start + dt.timedelta(days=days)
    current = _utc((now or dt.datetime.now(dt.timezone.utc)).isoformat())
    treated, holdout = store.delivered_ids(campaign.id), store.arm_ids(campaign.id, "holdout")
    orders = window_orders(sorted(treated | holdout), start, end)
    outcome.status = "final" if current >= end else "interim"
    outcome.sent_at, outcome.window_end = start.isoformat(), end.isoformat()
    outcome.treated, outcome.holdout = _group(treated, orders), _group(holdout, orders)
    outcome.series = _series(treated, holdout, orders, start, days)
    if outcome.status == "interim":
        outcome.notes.append(f"The {days}-day attribution window has not ended (it ends "
                             f"{end.date().isoformat()}); these figures are interim.")
    if not holdout:
        outcome.notes.append("The campaign has no holdout, so its effect cannot be measured: "
                             "the figures describe the emailed customers only.")
        return outcome
    outcome.uplift = uplift(outcome.treated.converted, len(treated),
                            outcome.holdout.converted, len(holdout))
    minimum = settings.campaign_results_min_group
    outcome.conclusive = min(len(treated), len(holdout)) >= minimum
    if not outcome.conclusive:
        outcome.notes.append(f"The groups are too small to conclude anything ({len(treated):,} "
                             f"emailed, {len(holdout):,} held out; at least {minimum:,} each "
                             "are needed, CYMBAL_CAMPAIGN_RESULTS_MIN_GROUP).")
    elif not outcome.significant:
        outcome.notes.append(f"The difference is not statistically significant at the 5% level "
                             f"(p = {outcome.uplift.p_value:.2f}).")
    return outcome
