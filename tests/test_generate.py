"""The synthetic cymbal dataset: deterministic, schema-true, referentially sound and realistic."""

from __future__ import annotations

import re
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from pipeline.generate import generate_dataset
from pipeline.synth.review_text import NEGATIVE, POSITIVE, phrase_book
from tools.warehouse.schema import TableSpec, conform, load_schema

SMALL = 0.05   # 500 customers, 150 reviews
MEDIUM = 0.2   # 2,000 customers, 600 reviews: enough for per-segment statistics


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return generate_dataset(scale=SMALL, seed=7)


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    return generate_dataset(scale=MEDIUM, seed=42)


@pytest.fixture(scope="module")
def schema() -> dict[str, TableSpec]:
    return load_schema()


def _range(spec: TableSpec, column: str) -> tuple[float, float]:
    """The numeric range stated in a column's description, e.g. '18 to 70' or '5001-5010'."""
    match = re.search(r"(\d+(?:\.\d+)?)\D{0,12}?(?:\bto\b|-)\s*(\d+(?:\.\d+)?)",
                      spec.column(column).description)
    assert match, f"{spec.name}.{column}: no range in its description"
    return float(match.group(1)), float(match.group(2))


def _opener_pattern(polarity: int) -> re.Pattern[str]:
    """A regex matching the reviews that open with a sentence of the given polarity's bank."""
    book = phrase_book()
    bank = book.opener[polarity]
    templates = book.templates[book.start[bank]:book.start[bank] + book.size[bank]]
    alternatives = ["".join(re.escape(lit) + ("[^.!?]+?" if i < len(t.slots) else "")
                            for i, lit in enumerate(t.literals)) for t in templates]
    return re.compile("^(?:" + "|".join(alternatives) + ")")


def _segments(customers: pd.DataFrame) -> pd.Series:
    age_group = np.where(customers["age"] < 40, "Younger_Adult", "Older_Adult")
    loyalty = np.where(customers["loyalty_member"], "LOYAL", "NON_LOYAL")
    return pd.Series(age_group + "_" + customers["gender"].str.upper().to_numpy() + "_" + loyalty,
                     index=customers["customer_id"].to_numpy())


def test_same_arguments_give_identical_frames(small: dict[str, pd.DataFrame]) -> None:
    again = generate_dataset(scale=SMALL, seed=7)
    for name, frame in small.items():
        pd.testing.assert_frame_equal(frame, again[name])
    other = generate_dataset(scale=SMALL, seed=8)
    assert not other["customers"].equals(small["customers"])


def test_frames_conform_to_the_schema(data: dict[str, pd.DataFrame],
                                      schema: dict[str, TableSpec]) -> None:
    assert list(data) == ["customers", "products", "customer_reviews", "orders"]
    for name, frame in data.items():
        assert list(frame.columns) == schema[name].column_names  # no hidden columns
        pd.testing.assert_frame_equal(conform(frame, schema[name]), frame)
        assert not frame.isna().any().any(), name


def test_counts_follow_the_scale(small: dict[str, pd.DataFrame], data: dict[str, pd.DataFrame]) -> None:
    customers, orders = small["customers"], small["orders"]
    assert len(customers) == 500
    assert customers["customer_id"].tolist() == list(range(1001, 1501))
    assert len(small["customer_reviews"]) == round(500 * 0.3)
    assert 4.0 <= len(orders) / len(customers) <= 6.0
    assert 1_200 <= len(small["products"]) <= 1_400
    pd.testing.assert_frame_equal(generate_dataset(scale=SMALL, seed=42)["products"], data["products"])
    more_reviews = generate_dataset(scale=SMALL, seed=7, reviews_per_customer=1.0)
    assert len(more_reviews["customer_reviews"]) == 500
    pd.testing.assert_frame_equal(more_reviews["orders"], orders)


def test_values_are_allowed_and_in_range(data: dict[str, pd.DataFrame],
                                         schema: dict[str, TableSpec]) -> None:
    for name, frame in data.items():
        for column in schema[name].columns:
            if column.values:
                assert set(frame[column.name]) <= set(column.values), f"{name}.{column.name}"
    for table, column in [("customers", "age"), ("customer_reviews", "location_id"),
                          ("customer_reviews", "rating"), ("products", "average_rating")]:
        low, high = _range(schema[table], column)
        values = data[table][column]
        assert values.min() >= low and values.max() <= high, f"{table}.{column}"
    customers = data["customers"]
    assert set(customers["gender"]) == set(schema["customers"].column("gender").values)
    assert set(customers["address_city"]) == set(schema["customers"].column("address_city").values)
    assert 0.4 <= customers["loyalty_member"].mean() <= 0.6
    ratings = data["products"]["average_rating"]
    assert (ratings.round(1) == ratings).all()


def test_dates_fall_in_2025(data: dict[str, pd.DataFrame]) -> None:
    for table, column in [("orders", "order_datetime"), ("customer_reviews", "review_datetime")]:
        moments = data[table][column]
        assert moments.min() >= pd.Timestamp("2025-01-01")
        assert moments.max() <= pd.Timestamp("2025-12-31 23:59:59")


def test_keys_and_emails_are_unique(data: dict[str, pd.DataFrame]) -> None:
    assert data["customers"]["customer_id"].is_unique
    assert data["customers"]["email"].is_unique
    assert data["customers"]["email"].str.fullmatch(r"[a-z]+\.[a-z]+\d*@example\.com").all()
    assert data["products"]["id"].is_unique
    assert data["products"]["product_id"].is_unique
    assert data["customer_reviews"]["customer_review_id"].is_unique
    orders = data["orders"]
    assert orders.groupby("order_id")["customer_id"].nunique().max() == 1
    assert orders.groupby("order_id")["order_datetime"].nunique().max() == 1
    assert (orders.groupby("order_id").size() > 1).any()


def test_references_resolve(data: dict[str, pd.DataFrame]) -> None:
    customer_ids = set(data["customers"]["customer_id"])
    product_ids = set(data["products"]["product_id"].astype(int))
    orders, reviews = data["orders"], data["customer_reviews"]
    assert set(orders["customer_id"]) <= customer_ids
    assert set(orders["product_id"]) <= product_ids
    assert set(reviews["customer_id"]) <= customer_ids
    missing = (~reviews["product_id"].isin(product_ids)).sum()
    assert 0 < missing <= 0.005 * len(reviews)


def test_products_look_like_the_store(data: dict[str, pd.DataFrame]) -> None:
    products = data["products"]
    shares = products["categories"].value_counts(normalize=True)
    assert shares.index[0] == "[Apparel]" and shares["[Apparel]"] > 0.6
    assert 0 < (products["categories"] == "[Google Hardware]").sum() <= 10
    assert products["id"].str.fullmatch(r"GG[A-Z]{6}\d{6}").all()
    assert products["uri"].str.fullmatch(
        r"https://shop\.googlemerchandisestore\.com/Google\+Redesign/[A-Za-z+]+/[A-Za-z0-9+\-]+").all()
    assert (products["price"] % 100 == 0).all()
    by_category = products.groupby("categories")["price"].median()
    assert by_category["[Apparel]"] < by_category["[Google Hardware]"]
    assert products["price"].between(1_000, 700_000).all()
    assert 0.5 <= (products["availability"] == "IN_STOCK").mean() <= 0.7
    assert (products["title"].value_counts() > 1).sum() > 100  # sizes share a title


def test_orders_are_skewed_and_priced_from_the_catalog(data: dict[str, pd.DataFrame]) -> None:
    orders, customers = data["orders"], data["customers"]
    lines = orders.groupby("customer_id").size().reindex(customers["customer_id"], fill_value=0)
    assert 0.03 <= (lines == 0).mean() <= 0.15
    assert lines.median() <= 4 and lines.max() >= 25
    assert (orders["quantity"] == 1).mean() > 0.7 and orders["quantity"].between(1, 3).all()
    price = data["products"].assign(product_id=lambda p: p["product_id"].astype(int)).set_index(
        "product_id")["price"]
    list_price = orders["product_id"].map(price)
    assert (orders["sale_price"] <= list_price).all()
    assert 0.05 <= (orders["sale_price"] < list_price).mean() <= 0.3
    assert orders["status"].value_counts().index[0] == "Complete"
    assert orders["order_id"].is_monotonic_increasing


def test_loyal_members_buy_more_and_some_customers_lapse(data: dict[str, pd.DataFrame]) -> None:
    orders, customers = data["orders"], data["customers"].set_index("customer_id")
    per_customer = orders.groupby("customer_id").agg(orders=("order_id", "nunique"),
                                                     last=("order_datetime", "max"))
    loyal = customers.loc[per_customer.index, "loyalty_member"].to_numpy()
    assert per_customer["orders"][loyal].mean() > 1.4 * per_customer["orders"][~loyal].mean()
    assert (per_customer["last"] < pd.Timestamp("2025-05-01")).mean() > 0.08


def test_top_products_differ_by_segment_and_city(data: dict[str, pd.DataFrame]) -> None:
    orders = data["orders"].assign(
        segment=lambda o: o["customer_id"].map(_segments(data["customers"])),
        city=lambda o: o["customer_id"].map(data["customers"].set_index("customer_id")["address_city"]))
    for key, at_least in [("segment", 6), ("city", 6)]:
        top = orders.groupby(key)["product_id"].agg(lambda s: s.value_counts().index[0])
        assert top.nunique() >= at_least, key


def test_every_segment_has_unhappy_reviewers(data: dict[str, pd.DataFrame]) -> None:
    reviews = data["customer_reviews"]
    unhappy = reviews["review_text"].str.match(_opener_pattern(NEGATIVE))
    segment = reviews["customer_id"].map(_segments(data["customers"]))
    counts = segment[unhappy].value_counts()
    assert len(counts) == 12 and counts.min() >= 3


def test_sentiment_mix_and_contradicting_ratings(data: dict[str, pd.DataFrame]) -> None:
    reviews = data["customer_reviews"]
    text, rating = reviews["review_text"], reviews["rating"]
    positive = text.str.match(_opener_pattern(POSITIVE))
    negative = text.str.match(_opener_pattern(NEGATIVE))
    assert 0.45 <= positive.mean() <= 0.65 and 0.22 <= negative.mean() <= 0.38
    assert 0.8 <= (rating[positive] >= 4).mean() <= 0.95
    assert 0.8 <= (rating[negative] <= 2).mean() <= 0.95
    assert (rating[negative] == 5).any() and (rating[positive] == 1).any()


def test_reviews_follow_purchases(data: dict[str, pd.DataFrame]) -> None:
    reviews, orders = data["customer_reviews"], data["orders"]
    first_bought = orders.groupby(["customer_id", "product_id"])["order_datetime"].min()
    key = pd.MultiIndex.from_arrays([reviews["customer_id"], reviews["product_id"]])
    bought_at = first_bought.reindex(key).to_numpy()
    after = pd.notna(bought_at) & (bought_at <= reviews["review_datetime"].to_numpy())
    assert after.mean() >= 0.9
    assert reviews["customer_id"].isin(orders["customer_id"]).mean() >= 0.95


def test_review_text_is_varied_and_english(data: dict[str, pd.DataFrame]) -> None:
    text = data["customer_reviews"]["review_text"]
    assert text.nunique() / len(text) > 0.95
    sample = text.sample(200, random_state=0).tolist()
    shingles = []
    for review in sample:
        words = re.findall(r"\w+", review.lower())
        shingles.append(set(zip(words, words[1:], words[2:])))
    worst = max(len(a & b) / len(a | b) for a, b in combinations(shingles, 2))
    assert worst < 0.8
    sentences = text.str.count(r"[.!?](?:\s|$)")
    assert sentences.between(2, 6).mean() > 0.97
    assert 0.03 <= text.str.contains(r"[가-힣]").mean() <= 0.2
    titles = data["products"]["title"].drop_duplicates()
    assert text.str.contains("|".join(re.escape(title) for title in titles)).mean() > 0.5


def test_social_handles_follow_the_lab_style(data: dict[str, pd.DataFrame]) -> None:
    reviews = data["customer_reviews"]
    parts = reviews["social_media_handle"].str.extract(r"^@(\w+)User_(\d+)_(\d{3})$")
    assert parts.notna().all().all()
    assert (parts[0] == reviews["social_media_source"].str.replace(" ", "")).all()
    assert (parts[1].astype(int) == reviews["customer_id"]).all()
    assert reviews["social_media_source"].nunique() == 8


def test_progress_reports_every_stage() -> None:
    calls: list[tuple[str, int, int]] = []
    generate_dataset(scale=0.01, progress=lambda stage, done, total: calls.append((stage, done, total)))
    finished = {stage for stage, done, total in calls if done == total}
    assert finished == {"products", "customers", "orders", "customer_reviews"}
    assert all(0 <= done <= total for _, done, total in calls)


@pytest.mark.parametrize("kwargs", [{"scale": 0}, {"scale": -1}, {"reviews_per_customer": -0.1},
                                    {"seed": -1}])
def test_rejects_bad_arguments(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        generate_dataset(**kwargs)


def test_marketing_consent_is_mostly_given_reproducible_and_kept_apart(
        data: dict[str, pd.DataFrame], small: dict[str, pd.DataFrame]) -> None:
    """Most customers opted in, a realistic minority did not; the same seed gives the same
    flags, and the flag leaves the lab's other columns as they were (its own random stream)."""
    consent = data["customers"]["marketing_consent"].astype(bool)
    assert 0.75 < consent.mean() < 0.95
    again = generate_dataset(scale=SMALL, seed=7)["customers"]
    assert again["marketing_consent"].equals(small["customers"]["marketing_consent"])
    lab = load_schema()["customers"]
    assert "marketing_consent" not in lab.required_names
    without = conform(small["customers"].drop(columns="marketing_consent"), lab)
    assert list(without.columns) == lab.required_names  # the lab's files have no such column
