"""Recommendations: three products for a customer, or for a segment in a city.

For a customer, the same rules that built final_personalized_recommendations and
blended_recommendations run on the stored rankings, skipping what the customer bought or
reviewed. "best" picks the method with the higher measured hit rate.
"""

from __future__ import annotations

from typing import Any

from tools.results import Table, failure
from tools.segments.recommend_rules import BLEND, LAB_RULE, METHODS, first_new, lab_rule
from tools.vocabulary.segments import (
    city_name,
    display_name,
)
from tools.warehouse import reads

COLUMNS = ["rank", "product_id", "title", "categories", "price", "reason"]
_METHOD_ALIASES = {"lab": LAB_RULE, "lab_rule": LAB_RULE, "rule": LAB_RULE,
                   "blend": BLEND, "blended": BLEND, "segment_city_blend": BLEND}


def _ranked(table_name: str, where: str) -> list[int]:
    return [int(r["product_id"]) for r in reads.rows(
        f"SELECT product_id FROM {table_name} WHERE {where} ORDER BY `rank`", max_rows=200)]


def evaluation() -> dict[str, dict[str, Any]]:
    """recommendation_evaluation rows keyed by method."""
    return {r["method"]: r for r in reads.rows("SELECT * FROM recommendation_evaluation")}


def best_method(scores: dict[str, dict[str, Any]]) -> str:
    """The method with the highest measured hit rate (the lab's rule if none was measured)."""
    measured = {m: r["hit_rate"] for m, r in scores.items() if r.get("hit_rate") is not None}
    return max(measured, key=lambda m: (measured[m], m == BLEND)) if measured else LAB_RULE


def _method(requested: str, scores: dict[str, dict[str, Any]]) -> str | None:
    wanted = (requested or "best").strip().lower()
    if wanted in ("best", "auto", ""):
        return best_method(scores)
    return _METHOD_ALIASES.get(wanted)


def _details(product_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not product_ids:
        return {}
    rows = reads.rows(f"SELECT SAFE_CAST(product_id AS INT64) AS product_id, title, categories, price "
                      f"FROM products WHERE SAFE_CAST(product_id AS INT64) IN "
                      f"({', '.join(str(p) for p in product_ids)})")
    return {int(r["product_id"]): r for r in rows}


def _table(picks: list[int], reasons: dict[int, str]) -> dict[str, Any]:
    details = _details(picks)
    rows = [{"rank": i, "product_id": p, **{k: details.get(p, {}).get(k)
                                            for k in ("title", "categories", "price")},
             "reason": reasons.get(p, "")} for i, p in enumerate(picks, start=1)]
    return Table.from_records(rows, COLUMNS).to_dict()


def _reasons(picks: list[int], method: str, segment_list: list[int], city_list: list[int],
             segment: str | None, city: str | None, lang: str) -> dict[int, str]:
    group = display_name(segment, lang) if segment else ""
    place = city_name(city, lang) if city else ""
    korean = lang == "ko"
    reasons = {}
    for product in picks:
        if method == BLEND and segment and city:
            reasons[product] = (f"{place}의 {group}에게 특히 인기" if korean
                                else f"popular with {group} in {place}")
        elif product in segment_list:
            rank = segment_list.index(product) + 1
            reasons[product] = (f"{group} 구매 순위 {rank}위" if korean
                                else f"#{rank} with {group}")
        elif product in city_list:
            rank = city_list.index(product) + 1
            reasons[product] = f"{place} 구매 순위 {rank}위" if korean else f"#{rank} in {place}"
    return reasons


def recommend_for_customer(customer_id: int, method: str, lang: str) -> dict[str, Any]:
    """Three products for one customer by ``method`` ("best", "lab_rule", "segment_city_blend")."""
    scores = evaluation()
    chosen = _method(method, scores)
    if chosen is None:
        return failure("unknown_method", f"method must be best, lab_rule or segment_city_blend, "
                       f"not {method!r}.", ["best", *METHODS])
    where = reads.first_row(f"SELECT persona_age_group_profile, address_city FROM customer_segments "
                            f"WHERE customer_id = {int(customer_id)}") or {}
    segment, city = where.get("persona_age_group_profile"), where.get("address_city")
    segment_list = _ranked("segment_top_products",
                           f"persona_age_group_profile = {reads.sql_string(segment or '')}")
    city_list = _ranked("city_top_products", f"address_city = {reads.sql_string(city or '')}")
    exclude = {int(r["product_id"]) for r in reads.rows(
        f"SELECT product_id FROM orders WHERE customer_id = {int(customer_id)} "
        f"AND status != 'Cancelled' AND product_id IS NOT NULL "
        f"UNION DISTINCT SELECT product_id FROM customer_reviews "
        f"WHERE customer_id = {int(customer_id)} AND product_id IS NOT NULL", max_rows=5000)}
    if chosen == LAB_RULE or not (segment and city):
        picks = lab_rule(segment_list, city_list, exclude)
    else:
        picks = first_new(_ranked("segment_city_top_products",
                                  f"persona_age_group_profile = {reads.sql_string(segment)} "
                                  f"AND address_city = {reads.sql_string(city)}"), exclude)
    return {
        "customer_id": int(customer_id), "segment": segment,
        "segment_name": display_name(segment, lang) if segment else None, "city": city,
        "method": chosen, "excluded_products": len(exclude),
        "summary": (f"고객 {customer_id} 추천 상품 ({chosen})" if lang == "ko"
                    else f"Recommended for customer {customer_id} ({chosen})"),
        "hit_rates": {m: r.get("hit_rate") for m, r in scores.items()},
        **_table(picks, _reasons(picks, chosen, segment_list, city_list, segment, city, lang)),
    }


def recommend_for_group(segment: str | None, city: str | None, lang: str) -> dict[str, Any]:
    """The best products for a segment, a city, or a segment in a city."""
    if segment and city:
        picks = _ranked("segment_city_top_products",
                        f"persona_age_group_profile = {reads.sql_string(segment)} "
                        f"AND address_city = {reads.sql_string(city)}")[:3]
        method = BLEND
    elif segment:
        picks = _ranked("segment_top_products",
                        f"persona_age_group_profile = {reads.sql_string(segment)}")[:3]
        method = "segment_top"
    else:
        picks = _ranked("city_top_products", f"address_city = {reads.sql_string(city or '')}")[:3]
        method = "city_top"
    group = display_name(segment, "en") if segment else ""
    place = city_name(city, "en") if city else ""
    group_ko = display_name(segment, "ko") if segment else ""
    place_ko = city_name(city, "ko") if city else ""
    segment_list = picks if method == "segment_top" else []
    city_list = picks if method == "city_top" else []
    return {"segment": segment, "segment_name": display_name(segment, lang) if segment else None,
            "city": city, "method": method,
            "summary": (f"추천 상품: {', '.join(filter(None, [group_ko, place_ko]))}" if lang == "ko"
                        else f"Recommended for {' in '.join(filter(None, [group, place]))}"),
            **_table(picks, _reasons(picks, method, segment_list, city_list, segment, city, lang))}
