"""Review search hits as the result panel's cards: every hit, the matching words marked, the
review text escaped."""

from __future__ import annotations

import re

from tools.results import ReviewHit, ReviewHits
from ui.review_cards import (
    highlight,
    match_pattern,
    review_cards,
    review_table,
    review_title,
    stem,
)


def hit(review_id: int, snippet: str, **fields: object) -> ReviewHit:
    values = {"customer_id": 1000 + review_id, "product_id": 7, "product_title": "Google Mug",
              "rating": 2, "sentiment": "negative", "issue_category": "배송문제",
              "date": "2025-06-20", "city": "Busan", "segment": "Younger_Adult_MALE_LOYAL",
              **fields}
    return ReviewHit(review_id=review_id, snippet=snippet, **values)


FOUND = ReviewHits(query="late delivery", filters={"city": "Busan"}, count=5,
                   reviews=[hit(i, f"Delivery {i} arrived late.") for i in range(5)])


def test_stems_let_a_query_word_mark_its_forms() -> None:
    assert stem("delivery") == "deliver" and stem("leaking") == "leak"
    assert stem("late") == "late" and stem("bus") == "bus"
    pattern = match_pattern({"delivery", "late"})
    assert pattern is not None
    text = "It was delivered later than the late delivery slot; chocolate melted."
    assert [m.group() for m in pattern.finditer(text)] == ["delivered", "later", "late",
                                                           "delivery"]  # not choco-late


def test_marking_escapes_the_review_text() -> None:
    pattern = match_pattern({"lid"})
    marked = highlight('<script>alert("x")</script> the lid <b>leaks</b>', pattern)
    assert "<script>" not in marked and "&lt;script&gt;" in marked
    assert "<mark>lid</mark>" in marked and "&lt;b&gt;" in marked
    assert highlight("a & b", None) == "a &amp; b"


def test_every_hit_is_a_card_in_rank_order() -> None:
    cards = review_cards(FOUND, "en")
    assert re.findall(r'data-review-id="(\d+)"', cards) == ["0", "1", "2", "3", "4"]
    assert cards.count("<mark>") == 10  # "Delivery" and "late" in each
    assert "★★☆☆☆" in cards and "Negative" in cards and "Delivery problem" in cards
    assert "Google Mug" in cards and "Busan" in cards and "2025-06-20" in cards
    assert "Young loyal men" in cards and "Younger_Adult" not in cards


def test_cards_speak_the_question_language() -> None:
    cards = review_cards(FOUND, "ko")
    assert "부정" in cards and "배송문제" in cards and "부산" in cards
    assert review_title(FOUND, "ko").startswith("리뷰 5개")


def test_the_title_names_the_count_the_query_and_the_filters() -> None:
    assert review_title(FOUND, "en") == "5 reviews · about “late delivery” · Busan"
    newest = ReviewHits(query="", filters={}, reviews=FOUND.reviews[:2])
    assert review_title(newest, "en") == "2 reviews · newest first"


def test_no_hits_say_so_and_the_download_keeps_every_field() -> None:
    assert "No review matches" in review_cards(ReviewHits(query="x"), "en")
    table = review_table(FOUND)
    assert len(table.rows) == 5 and table.columns[0] == "review_id"
    assert table.records()[0]["snippet"] == "Delivery 0 arrived late."
