"""Campaign audiences: from what a marketer types to a checked list of customer ids.

A description ("unhappy loyal customers in Busan", "부산의 재구매 고객 중 배송 불만") is read
against ``knowledge/campaigns/chat_terms.yaml`` into an ``AudienceSpec`` of closed values
(cities, loyalty, age group, gender, segments, issue categories; what customers bought,
``audience_orders``; what they wrote, ``audience_meaning``). The spec becomes SQL built only
from those values — never from the text — and runs through the warehouse guard, paged past
the row cap. Unhappy customers are the default when the description names no purchase or
review-meaning condition (a segment or RFM cluster keeps it); say "all customers" for
everyone. An audience can also be a list of
ids or the ``customer_id`` column of a read-only query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from tools.campaigns.audience_meaning import (
    read_themes,
    theme_conditions,
    theme_descriptions,
    theme_labels,
)
from tools.campaigns.audience_orders import OrderConditions, order_conditions, read_orders
from tools.campaigns.audience_terms import AudienceError, chat_terms, find_terms, one_of
from tools.vocabulary.cities import city_spellings
from tools.email.context import REVIEWS_TABLE, SEGMENT_SQL
from tools.results import PickedCustomer
from tools.warehouse import SqlError, get_warehouse
from tools.warehouse.reads import (
    chunks,
    keyset_pages,
    rows,
    sql_ints,
    sql_strings,
    table_columns,
)

SEGMENT_NAME = re.compile(r"\b(younger|older)_adult_(male|female|other)_(loyal|non_loyal)\b",
                          re.IGNORECASE)
_LIMIT = re.compile(r"\b(?:top|first|up to|at most|no more than|not more than|max(?:imum)?"
                    r"(?: of)?|capped at)\s+(\d{1,6})\b|"
                    r"(\d{1,6})\s*(?:명|customers?\b)", re.IGNORECASE)


@dataclass
class AudienceSpec:
    """Who a campaign is for, in closed values only."""

    unhappy: bool = True
    cities: list[str] = field(default_factory=list)
    loyalty: str | None = None  # LOYAL | NON_LOYAL
    age_group: str | None = None  # Younger_Adult | Older_Adult
    gender: str | None = None  # MALE | FEMALE | OTHER
    segments: list[str] = field(default_factory=list)
    issue_categories: list[str] = field(default_factory=list)
    orders: OrderConditions = field(default_factory=OrderConditions)
    review_themes: list[str] = field(default_factory=list)  # keys of review_themes
    customer_ids: list[int] = field(default_factory=list)
    sql: str | None = None
    limit: int | None = None
    text: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.orders, dict):  # a spec stored as JSON
            self.orders = OrderConditions(**self.orders)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def label(self) -> str:
        """A short name for the audience: "unhappy · loyal · Busan"."""
        if self.customer_ids:
            return (f"customer {self.customer_ids[0]}" if len(self.customer_ids) == 1
                    else f"{len(self.customer_ids)} listed customers")
        parts = ["unhappy" if self.unhappy else "", *self.orders.labels(),
                 *theme_labels(self.review_themes, chat_terms()["audience"]), *self.segments,
                 {"LOYAL": "loyal", "NON_LOYAL": "non-loyal"}.get(self.loyalty or "", ""),
                 {"Younger_Adult": "under 40", "Older_Adult": "40+"}.get(self.age_group or "", ""),
                 {"MALE": "men", "FEMALE": "women", "OTHER": "other gender"}.get(
                     self.gender or "", ""),
                 *self.cities, *self.issue_categories, "by query" if self.sql else ""]
        return " · ".join(p for p in parts if p) or "all"

    def describe(self, lang: str = "en") -> str:
        """The audience as understood, in words a marketer can check (English or Korean)."""
        if lang == "ko":
            return self._describe_ko()
        if self.customer_ids:
            return f"{len(self.customer_ids)} listed customer(s)"
        parts = ["customers with a negative or neutral review" if self.unhappy
                 else "all customers"]
        if self.sql:
            parts.append("returned by the given query")
        if self.segments:
            parts.append(f"in segment {', '.join(self.segments)}")
        if self.loyalty:
            parts.append("in the loyalty programme" if self.loyalty == "LOYAL"
                         else "not in the loyalty programme")
        if self.age_group:
            parts.append("under 40" if self.age_group == "Younger_Adult" else "aged 40+")
        if self.gender:
            parts.append({"MALE": "men", "FEMALE": "women", "OTHER": "of other gender"}
                         [self.gender])
        if self.cities:
            parts.append(f"living in {', '.join(self.cities)}")
        if self.issue_categories:
            parts.append(f"whose complaint was {', '.join(self.issue_categories)}")
        parts += self.orders.described()
        parts += theme_descriptions(self.review_themes, chat_terms()["audience"])
        if self.limit:
            parts.append(f"(at most {self.limit:,})")
        return " ".join(parts)

    def _describe_ko(self) -> str:
        if self.customer_ids:
            return f"지정한 고객 {len(self.customer_ids)}명"
        korean = {city: names[0] for city, names in city_spellings().items()}
        parts = [
            f"{'·'.join(korean.get(c, c) for c in self.cities)} 거주" if self.cities else "",
            f"{', '.join(self.segments)} 세그먼트" if self.segments else "",
            {"LOYAL": "로열티 회원", "NON_LOYAL": "로열티 비회원"}.get(self.loyalty or "", ""),
            {"Younger_Adult": "40세 미만", "Older_Adult": "40세 이상"}.get(self.age_group or "",
                                                                         ""),
            {"MALE": "남성", "FEMALE": "여성", "OTHER": "기타 성별"}.get(self.gender or "", ""),
            "지정한 쿼리가 반환한" if self.sql else "",
            *self.orders.described("ko"),
            f"불만 유형 {'·'.join(self.issue_categories)}" if self.issue_categories else "",
            *theme_descriptions(self.review_themes, chat_terms()["audience"], "ko"),
            "부정 또는 중립 리뷰를 남긴 고객" if self.unhappy else "고객"]
        text = ", ".join(p for p in parts[:-1] if p)
        text = f"{text} {parts[-1]}" if text else ("전체 고객" if not self.unhappy
                                                   else parts[-1])
        return f"{text} (최대 {self.limit:,}명)" if self.limit else text


def parse_audience(text: str) -> AudienceSpec:
    """An audience spec from a marketer's description (English or Korean)."""
    terms = chat_terms()["audience"]
    lowered = f" {text.lower()} "
    spec = AudienceSpec(text=text.strip())
    spec.segments = sorted({"_".join((m.group(1).capitalize() + "_Adult", m.group(2).upper(),
                                      m.group(3).upper())) for m in SEGMENT_NAME.finditer(text)})
    lowered = SEGMENT_NAME.sub(" ", lowered)
    spec.review_themes, lowered = read_themes(lowered, terms)
    spec.orders, lowered = read_orders(lowered, terms)
    everyone, lowered = find_terms(lowered, {"all": terms["everyone"]})
    unhappy, lowered = find_terms(lowered, {"unhappy": terms["unhappy"]})
    # Purchases or review themes say who is meant; otherwise (also with a segment or an RFM
    # cluster) a win-back is for the unhappy.
    spec.unhappy = bool(unhappy) or not (everyone or spec.orders.names_purchases()
                                         or spec.review_themes)
    for name in ("loyalty", "age_group", "gender"):
        found, lowered = find_terms(lowered, terms[name])
        setattr(spec, name, one_of(found, name.replace("_", " ")))
    spec.cities, lowered = find_terms(lowered, terms["cities"])
    spec.issue_categories, lowered = find_terms(lowered, terms["issue_category"])
    spec.limit = audience_limit(lowered)
    age = _OTHER_AGES.search(lowered)
    if age:  # never a larger audience than asked for: an age left out would be everyone's
        said = age.group(0).strip()
        raise AudienceError(f"An audience can be under 40 or 40 and over; “{said}” cannot be "
                            "read as either. Give the ages as a query (sql) instead.",
                            f"대상 연령은 40세 미만 또는 40세 이상만 지정할 수 있어 “{said}”은(는) "
                            "적용할 수 없습니다. 연령은 쿼리(sql)로 지정해 주세요.")
    return spec


# ages the audience terms did not take ("30대", "in their 20s", "over 65")
_OTHER_AGES = re.compile(r"(?<!\d)[1-9]0\s*대|(?<!\d)\d{2}\s*(?:세|살)|\baged?\s+\d{2}|"
                         r"\b(?:in\s+their\s+)?[1-9]0s\b|\b(?:over|under|above|below|older than|"
                         r"younger than)\s+\d{2}\b(?![,.]?\d|\s*(?:orders?|reviews?|days?|won|"
                         r"krw|원|customers?|people|%|percent|items?|products?|emails?)\b)")


def audience_limit(text: str) -> int | None:
    """The most customers a description asks for ("no more than 50 customers", "20명까지만")."""
    limit = _LIMIT.search(text.lower())
    return int(limit.group(1) or limit.group(2)) if limit else None


def _conditions(spec: AudienceSpec) -> list[str]:
    conditions = []
    if spec.cities:
        conditions.append(f"c.address_city IN ({sql_strings(spec.cities)})")
    if spec.loyalty:
        conditions.append(f"c.loyalty_member = {'TRUE' if spec.loyalty == 'LOYAL' else 'FALSE'}")
    if spec.age_group:
        conditions.append("c.age < 40" if spec.age_group == "Younger_Adult" else "c.age >= 40")
    if spec.gender:
        conditions.append(f"UPPER(c.gender) = {sql_strings([spec.gender])}")
    if spec.segments:
        conditions.append(f"{SEGMENT_SQL} IN ({sql_strings(spec.segments)})")
    if spec.unhappy or spec.issue_categories:
        if table_columns(REVIEWS_TABLE) is None:
            raise AudienceError("Unhappy customers come from review sentiment "
                                f"({REVIEWS_TABLE}), which is not built yet. Run `cymbal "
                                "setup`, or give customer ids or say 'all customers'.")
        conditions.append(f"c.customer_id IN (SELECT r.customer_id FROM cymbal.{REVIEWS_TABLE} "
                          f"AS r WHERE {_unhappy_review(spec)})")
    conditions += order_conditions(spec.orders)
    conditions += theme_conditions(spec.review_themes, chat_terms()["audience"])
    if spec.sql:
        conditions.append(f"c.customer_id IN (SELECT q.customer_id FROM ({spec.sql}) AS q)")
    return conditions


def _unhappy_review(spec: AudienceSpec) -> str:
    """The condition on a review ``r`` that makes its writer part of an unhappy audience."""
    issue = (f" AND r.issue_category IN ({sql_strings(spec.issue_categories)})"
             if spec.issue_categories else "")
    return f"r.text_sentiment IN ('negative', 'neutral'){issue}"


def check_query(sql: str) -> str:
    """A marketer's (or the SQL tool's) query, checked by the guard, that must return a
    ``customer_id`` column; returns it without a trailing semicolon."""
    text = sql.strip().rstrip(";").strip()
    try:
        tree = get_warehouse().validate(text)
    except SqlError as err:
        raise AudienceError(f"The audience query was refused: {err}") from None
    if "customer_id" not in tree.named_selects:
        raise AudienceError("The audience query must return a column named customer_id.")
    return text


def _described(spec: AudienceSpec) -> tuple[str, int]:
    """The WHERE clause of a described audience (its query checked first) and how many
    customers it holds."""
    if spec.sql:
        spec.sql = check_query(spec.sql)
    where = " AND ".join(_conditions(spec)) or "TRUE"
    try:
        return where, int(rows(f"SELECT COUNT(*) AS n FROM cymbal.customers AS c "
                               f"WHERE {where}")[0]["n"])
    except SqlError as err:
        raise AudienceError(f"The audience could not be selected: {err}") from None


PICK_CANDIDATES = 50  # ranked customers a pick considers, for the first one ``allowed`` keeps


def pick_customer(spec: AudienceSpec,
                  allowed: Callable[[list[int]], list[int]] | None = None) -> PickedCustomer:
    """The most relevant customer of ``spec`` that ``allowed`` keeps (the contact policy):
    with an unhappy audience, the one whose unhappy review is the most negative (sentiment,
    then rating) and, among equals, the most recent; otherwise the one with the latest
    order."""
    if spec.customer_ids:
        raise AudienceError("A customer given by id needs no picking.")
    where, matching = _described(spec)
    try:
        if spec.unhappy or spec.issue_categories:
            found = rows(
                f"SELECT c.customer_id, CAST(DATE(r.review_datetime) AS STRING) AS review_date, "
                f"r.rating, r.text_sentiment, r.issue_category FROM cymbal.customers AS c "
                f"JOIN cymbal.{REVIEWS_TABLE} AS r ON r.customer_id = c.customer_id "
                f"WHERE {where} AND {_unhappy_review(spec)} "
                f"ORDER BY IF(r.text_sentiment = 'negative', 0, 1), r.rating, "
                f"r.review_datetime DESC, c.customer_id LIMIT {PICK_CANDIDATES}")
        else:
            found = rows(
                f"SELECT c.customer_id FROM cymbal.customers AS c LEFT JOIN "
                f"(SELECT customer_id, MAX(order_datetime) AS latest FROM cymbal.orders "
                f"GROUP BY customer_id) AS o ON o.customer_id = c.customer_id WHERE {where} "
                f"ORDER BY o.latest DESC NULLS LAST, c.customer_id LIMIT {PICK_CANDIDATES}")
    except SqlError as err:
        raise AudienceError(f"The customer could not be selected: {err}") from None
    if not found:
        raise AudienceError(f"No customers match: {spec.describe()}.",
                            f"조건에 맞는 고객이 없습니다: {spec.describe('ko')}.")
    if allowed is not None:
        keep = set(allowed(list(dict.fromkeys(int(r["customer_id"]) for r in found))))
        found = [r for r in found if int(r["customer_id"]) in keep]
        if not found:
            raise AudienceError(f"None of the {matching:,} customers who match "
                                f"({spec.describe()}) can be emailed now (suppressed, no "
                                "marketing consent, no valid address or emailed recently).",
                                f"조건({spec.describe('ko')})에 맞는 고객 {matching:,}명 중 지금 "
                                "메일을 보낼 수 있는 고객이 없습니다(수신 거부, 마케팅 수신 동의 "
                                "없음, 유효하지 않은 주소 또는 최근 발송).")
    top = found[0]
    return PickedCustomer(
        customer_id=int(top["customer_id"]), matching=matching,
        review_date=top.get("review_date"),
        rating=None if top.get("rating") is None else int(top["rating"]),
        sentiment=top.get("text_sentiment"), issue_category=top.get("issue_category"))


def resolve_audience(spec: AudienceSpec, max_audience: int) -> list[int]:
    """The customer ids of ``spec``, sorted; refuses an empty or too large audience."""
    if spec.customer_ids:
        wanted = sorted({int(i) for i in spec.customer_ids})
        found: list[int] = []
        for part in chunks(wanted):
            found += [int(r["customer_id"]) for r in rows(
                f"SELECT customer_id FROM cymbal.customers WHERE customer_id IN "
                f"({sql_ints(part)}) ORDER BY customer_id")]
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise AudienceError(f"No customer with id {', '.join(map(str, missing[:10]))}.")
        ids = found
    else:
        where, total = _described(spec)
        if total > max_audience and not (spec.limit and spec.limit <= max_audience):
            raise AudienceError(f"That audience has {total:,} customers, more than the "
                                f"campaign limit of {max_audience:,} "
                                "(CYMBAL_CAMPAIGN_MAX_AUDIENCE). Narrow it or give a limit.",
                                f"대상 고객이 {total:,}명으로 캠페인 한도 {max_audience:,}명"
                                "(CYMBAL_CAMPAIGN_MAX_AUDIENCE)을 넘습니다. 대상을 좁히거나 "
                                "인원 한도를 지정해 주세요.")
        ids = [int(r["customer_id"]) for r in keyset_pages(
            lambda after, page: (f"SELECT c.customer_id FROM cymbal.customers AS c WHERE {where}"
                                 f"{'' if after is None else f' AND c.customer_id > {after}'} "
                                 f"ORDER BY c.customer_id LIMIT {page}"),
            key="customer_id", limit=spec.limit)]
    if spec.limit:
        ids = ids[:spec.limit]
    if not ids:
        raise AudienceError(f"No customers match: {spec.describe()}.",
                            f"조건에 맞는 고객이 없습니다: {spec.describe('ko')}.")
    if len(ids) > max_audience:
        raise AudienceError(f"{len(ids):,} customers is more than the campaign limit of "
                            f"{max_audience:,} (CYMBAL_CAMPAIGN_MAX_AUDIENCE).")
    return ids
