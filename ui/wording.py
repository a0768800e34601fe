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
}


def phrase(key: str, lang: str, **values: object) -> str:
    """The phrase ``key`` in ``lang`` (English when there is no Korean), filled in."""
    texts = PHRASES[key]
    return (texts.get(lang) or texts["en"]).format(**values)
