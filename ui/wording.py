"""The result panel's own words, in English and Korean (column names are in
``knowledge/columns.yaml``)."""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "yes": {"en": "Yes", "ko": "예"},
    "no": {"en": "No", "ko": "아니요"},
    "by": {"en": "{measure} by {dimension}", "ko": "{dimension}별 {measure}"},
    "by_and": {"en": "{measure} by {dimension} and {series}",
               "ko": "{dimension}·{series}별 {measure}"},
    "mix_by": {"en": "{mix} by {dimension}", "ko": "{dimension}별 {mix}"},
    "reviews_found": {"en": "{n} reviews", "ko": "리뷰 {n}개"},
    "reviews_about": {"en": "about “{query}”", "ko": "“{query}” 관련"},
    "reviews_newest": {"en": "newest first", "ko": "최신순"},
    "reviews_none": {"en": "No review matches this search.",
                     "ko": "이 검색에 맞는 리뷰가 없습니다."},
    "rows": {"en": "{n} rows", "ko": "{n}행"},
    "rows_more": {"en": "first {n} rows (more exist)", "ko": "처음 {n}행 (더 있음)"},
    "customer": {"en": "customer {id}", "ko": "고객 {id}"},
    "rating_stars": {"en": "{n} of 5 stars", "ko": "별점 {n}점"},
    # the customer card
    "age_years": {"en": "{n} years old", "ko": "{n}세"},
    "loyal": {"en": "Loyalty member", "ko": "로열티 회원"},
    "not_loyal": {"en": "Not a loyalty member", "ko": "로열티 비회원"},
    "segment_and_cluster": {"en": "Segment and cluster", "ko": "세그먼트와 군집"},
    "rfm_cluster": {"en": "RFM cluster", "ko": "RFM 군집"},
    "next_step": {"en": "Next step", "ko": "다음 단계"},
    "unhappy": {"en": "Unhappy customer · main complaint: {issue}",
                "ko": "불만 고객 · 주요 불만: {issue}"},
    "no_segment": {"en": "No segment yet.", "ko": "세그먼트 정보가 없습니다."},
    "orders": {"en": "Orders", "ko": "주문"},
    "no_orders": {"en": "No orders yet.", "ko": "주문 내역이 없습니다."},
    "buys_most": {"en": "Buys most", "ko": "주로 구매"},
    "recent_orders": {"en": "Latest order lines", "ko": "최근 주문 상품"},
    "reviews_of": {"en": "Reviews ({n})", "ko": "리뷰 ({n}개)"},
    "no_reviews": {"en": "No reviews yet.", "ko": "작성한 리뷰가 없습니다."},
    "recommended": {"en": "Recommended products", "ko": "추천 상품"},
}


def phrase(key: str, lang: str, **values: object) -> str:
    """The phrase ``key`` in ``lang`` (English when there is no Korean), filled in."""
    texts = PHRASES[key]
    return (texts.get(lang) or texts["en"]).format(**values)
