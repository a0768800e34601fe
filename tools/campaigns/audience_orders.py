"""Audience conditions from what customers bought: repeat or one-time buyers, a product
category bought, no order in the last N days, total spend over N won, and the RFM cluster.

Purchases are ``cymbal.orders`` lines with status Complete or Shipped (the glossary's
definition). "No order in N days" counts back from the warehouse's latest order, not from
today, and means customers who bought before but not in that window. The words are in
``knowledge/campaigns/chat_terms.yaml`` (cluster names come from the RFM archetypes, in English
and Korean); the SQL is standard and holds only closed values and numbers, never the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tools.campaigns.audience_terms import find_terms, one_of
from tools.warehouse.reads import sql_strings

PURCHASED = "o.status IN ('Complete', 'Shipped')"
REPEAT_ORDERS = 2  # distinct orders that make a repeat buyer


@dataclass
class OrderConditions:
    """The purchase conditions of an audience, in closed values and numbers."""

    buyers: str | None = None  # repeat | one_time
    categories: list[str] = field(default_factory=list)  # products.categories without brackets
    inactive_days: int | None = None
    min_spend: float | None = None  # won, sum of quantity × sale_price over purchases
    clusters: list[str] = field(default_factory=list)  # customer_rfm.cluster_name

    def names_purchases(self) -> bool:
        """Whether a purchase condition is set (a cluster, like a segment, is not one)."""
        return bool(self.buyers or self.categories or self.inactive_days or self.min_spend)

    def labels(self) -> list[str]:
        """Short names: "repeat buyers", "bought Drinkware", "no order in 90 days"."""
        return [*self.clusters,
                {"repeat": "repeat buyers", "one_time": "one-time buyers"}.get(
                    self.buyers or "", ""),
                *(f"bought {c}" for c in self.categories),
                f"no order in {self.inactive_days} days" if self.inactive_days else "",
                f"spent over {self.min_spend:,.0f} won" if self.min_spend else ""]

    def described(self, lang: str = "en") -> list[str]:
        """The conditions as a marketer can check them."""
        if lang == "ko":
            return self._described_ko()
        parts = []
        if self.clusters:
            parts.append(f"in RFM cluster {', '.join(self.clusters)}")
        if self.buyers:
            parts.append(f"with {REPEAT_ORDERS} or more orders" if self.buyers == "repeat"
                         else "with exactly one order")
        if self.categories:
            parts.append(f"who bought {' or '.join(self.categories)}")
        if self.inactive_days:
            parts.append(f"who bought before but not in the {self.inactive_days} days up to "
                         "the latest order in the warehouse")
        if self.min_spend:
            parts.append(f"who spent over {self.min_spend:,.0f} won in total")
        return parts

    def _described_ko(self) -> list[str]:
        return [part for part in (
            f"RFM 군집 {', '.join(self.clusters)}" if self.clusters else "",
            {"repeat": f"주문 {REPEAT_ORDERS}회 이상", "one_time": "주문 1회"}.get(
                self.buyers or "", ""),
            f"{'·'.join(self.categories)} 구매" if self.categories else "",
            f"구매 이력이 있지만 최근 {self.inactive_days}일(창고의 최신 주문일 기준) 동안 주문 없는"
            if self.inactive_days else "",
            f"총 {self.min_spend:,.0f}원 초과 구매" if self.min_spend else "") if part]


@lru_cache(maxsize=1)
def cluster_terms() -> dict[str, list[str]]:
    """Each RFM cluster name with its Korean names ("이탈한 큰손 고객", "이탈한 큰손")."""
    from tools.segments.rfm_names import archetypes

    named, inactive = archetypes()
    terms: dict[str, list[str]] = {}
    for archetype in (*named, *inactive.values()):
        korean = archetype.name_ko.strip()
        short = korean.removesuffix("고객").strip()
        terms[archetype.name] = [archetype.name, korean, *([short] if " " in short else [])]
    return terms


def read_orders(text: str, terms: dict[str, Any]) -> tuple[OrderConditions, str]:
    """The purchase conditions ``text`` (lower case) names, and the text with them blanked."""
    orders = OrderConditions()
    orders.clusters, text = find_terms(text, cluster_terms())
    orders.inactive_days, text = _number(text, terms["inactive_days"])
    spend, text = _number(text, terms["min_spend"])
    orders.min_spend = float(spend) if spend else None
    buyers, text = find_terms(text, terms["buyers"])
    orders.buyers = one_of(buyers, "kind of buyer")
    orders.categories, text = _bought(text, terms)
    return orders, text


def _number(text: str, patterns: list[str]) -> tuple[int | None, str]:
    """The number the first matching pattern captures ("50만" is 500,000), text blanked."""
    for pattern in patterns:
        found = re.search(pattern, text)
        if found:
            value = int(found.group(1).replace(",", ""))
            if found.re.groups > 1 and found.group(2):  # 만: ten thousand
                value *= 10_000
            return value, text[:found.start()] + " " + text[found.end():]
    return None, text


def _bought(text: str, terms: dict[str, Any]) -> tuple[list[str], str]:
    """Categories named after a purchase word ("bought drinkware or bags") or, in Korean,
    before one ("드링크웨어 구매")."""
    spellings = sorted(((str(s).lower(), cat) for cat, names in terms["product_categories"].items()
                        for s in names), key=lambda pair: -len(pair[0]))
    names = "|".join(re.escape(s) for s, _ in spellings)
    english = "|".join(re.escape(w) for w in terms["bought_words"]["en"])
    korean = "|".join(re.escape(w) for w in terms["bought_words"]["ko"])
    lookup = dict(spellings)
    found: list[str] = []
    after = re.compile(rf"(?<![\w-])(?:{english})\s+(?:any\s+|some\s+)?((?:{names})"
                       rf"(?:\s*(?:,|or|and)\s*(?:{names}))*)(?![\w-])")
    before = re.compile(rf"((?:{names})(?:\s*(?:,|이나|나|또는|와|과)\s*(?:{names}))*)"
                        rf"(?:을|를)?\s*(?:{korean})")
    for pattern in (after, before):
        for match in list(pattern.finditer(text)):
            for name in re.findall(names, match.group(1)):
                if lookup[name] not in found:
                    found.append(lookup[name])
        text = pattern.sub(" ", text)
    return found, text


def order_conditions(orders: OrderConditions) -> list[str]:
    """SQL conditions on the customers table ``c`` (BigQuery and DuckDB alike)."""
    conditions = []
    if orders.clusters:
        conditions.append("c.customer_id IN (SELECT f.customer_id FROM cymbal.customer_rfm AS f "
                          f"WHERE f.cluster_name IN ({sql_strings(orders.clusters)}))")
    having = []
    if orders.buyers:
        having.append(f"COUNT(DISTINCT o.order_id) {'>=' if orders.buyers == 'repeat' else '='} "
                      f"{REPEAT_ORDERS if orders.buyers == 'repeat' else 1}")
    if orders.inactive_days:
        having.append(f"DATE(MAX(o.order_datetime)) <= DATE_SUB(DATE((SELECT MAX(l.order_datetime)"
                      f" FROM cymbal.orders AS l)), INTERVAL {int(orders.inactive_days)} DAY)")
    if orders.min_spend:
        having.append(f"SUM(o.quantity * o.sale_price) > {float(orders.min_spend)}")
    if having:
        conditions.append(f"c.customer_id IN (SELECT o.customer_id FROM cymbal.orders AS o "
                          f"WHERE {PURCHASED} GROUP BY o.customer_id "
                          f"HAVING {' AND '.join(having)})")
    if orders.categories:
        listed = sql_strings(f"[{c}]" for c in orders.categories)
        conditions.append("c.customer_id IN (SELECT o.customer_id FROM cymbal.orders AS o "
                          "JOIN cymbal.products AS p ON CAST(o.product_id AS STRING) = "
                          f"p.product_id WHERE {PURCHASED} AND p.categories IN ({listed}))")
    return conditions
