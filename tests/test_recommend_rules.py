"""The recommendation rules and the rankings they draw from, on hand-made data."""

from __future__ import annotations

import pandas as pd

from pipeline.segments.recommend import Rankings
from pipeline.segments.top_products import Popularity, blended_table, rank_products
from tools.segments.recommend_rules import BLEND, LAB_RULE, first_new, lab_rule
from tools.vocabulary.segments import SEGMENTS


def test_lab_rule_takes_segment_top_two_then_city_top_one() -> None:
    assert lab_rule([1, 2, 3], [10, 11], exclude=()) == [1, 2, 10]


def test_lab_rule_skips_bought_or_reviewed_and_moves_up() -> None:
    # 1 was bought, 10 reviewed: the next best of each list moves up.
    assert lab_rule([1, 2, 3, 4], [10, 11, 12], exclude={1, 10}) == [2, 3, 11]


def test_lab_rule_city_pick_is_not_a_duplicate_of_the_segment_picks() -> None:
    assert lab_rule([1, 2, 3], [2, 1, 7], exclude=()) == [1, 2, 7]


def test_lab_rule_fills_gaps_with_the_next_best() -> None:
    # The city list is used up, so the segment's next best fills the third slot.
    assert lab_rule([1, 2, 3, 4], [1, 2], exclude=()) == [1, 2, 3]
    # The segment list is short, so the city's list fills the rest.
    assert lab_rule([5], [5, 6, 7], exclude=()) == [5, 6, 7]
    # Nothing left: fewer than three, never a bought product.
    assert lab_rule([1, 2], [2], exclude={1, 2}) == []


def test_first_new_skips_excluded_in_order() -> None:
    assert first_new([4, 5, 6, 7], exclude={5}) == [4, 6, 7]


def _counts() -> pd.DataFrame:
    rows = [
        # segment, city, product, purchases, buyers
        ("A", "Seoul", 100, 5, 5), ("A", "Seoul", 101, 5, 4), ("A", "Busan", 102, 3, 3),
        ("A", "Busan", 103, 5, 5), ("B", "Seoul", 104, 9, 9), ("B", "Busan", 102, 1, 1),
        ("B", "Busan", 105, 2, 2),
    ]
    return pd.DataFrame(rows, columns=["segment", "city", "product_id", "purchase_count", "buyers"])


def test_ranking_counts_purchases_then_buyers_then_lower_id() -> None:
    ranked = rank_products(_counts(), "segment", n=10)
    a = ranked[ranked["segment"] == "A"]
    # 100 and 103 tie on purchases (5) and buyers (5): the lower id ranks first; 101 has
    # the same purchases but fewer buyers.
    assert list(a["product_id"]) == [100, 103, 101, 102]
    assert list(a["rank"]) == [1, 2, 3, 4]
    city = rank_products(_counts(), "city", n=2)
    assert list(city[city["city"] == "Busan"]["product_id"]) == [103, 102]
    assert city.groupby("city").size().max() == 2


def test_blend_prefers_what_both_the_segment_and_the_city_over_buy() -> None:
    big = _counts().assign(purchase_count=lambda f: f["purchase_count"] * 100)
    top = [p for p, _ in Popularity.from_counts(big).blended_ranking("A", "Busan", 3)]
    assert top[0] == 103 and top[1] == 102
    assert 104 not in top[:2]  # popular overall, but with segment B in Seoul


def test_blend_shrinks_small_groups_towards_overall_popularity() -> None:
    # With a handful of purchases, the prior dominates: the overall favourite leads.
    top = [p for p, _ in Popularity.from_counts(_counts()).blended_ranking("A", "Busan", 1)]
    assert top == [104]


def test_blended_table_ranks_every_segment_in_every_city() -> None:
    table = blended_table(Popularity.from_counts(_counts()), 2)
    assert table.groupby(["persona_age_group_profile", "address_city"]).size().to_dict() == {
        (segment, city): 2 for segment in SEGMENTS for city in ("Busan", "Seoul")}


def test_rankings_recommend_by_both_methods() -> None:
    rankings = Rankings.from_counts(_counts(), depth=10)
    assert rankings.recommend(LAB_RULE, "A", "Busan", exclude={100}) == [103, 101, 102]
    blend = rankings.recommend(BLEND, "A", "Busan", exclude={103})
    assert 103 not in blend and len(blend) == 3
    # An unknown segment falls back to the city's list.
    assert rankings.recommend(BLEND, None, "Seoul", exclude=()) == [104, 100, 101]
