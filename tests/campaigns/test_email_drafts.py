"""One email, offline: content, languages, tones, the checks, and a hostile review."""

from __future__ import annotations

import asyncio
import re

import pytest

from config.settings import Settings
from tests.campaigns.conftest import CampaignWarehouse
from tools.email.context import load_context, load_contexts, load_sources
from tools.email.draft import EmailDraft
from tools.email.drafts import Drafter, DraftRequest
from tools.email.policy import OfferPolicy
from tools.email.validation import validate_draft
from tools.warehouse.reads import rows


def unhappy_customers(n: int = 5) -> list[int]:
    return [r["customer_id"] for r in rows(
        "SELECT DISTINCT customer_id FROM cymbal.multimodal_customer_reviews "
        f"WHERE text_sentiment = 'negative' ORDER BY customer_id LIMIT {n}")]


def draft(settings: Settings, customer_id: int, **request: object) -> EmailDraft:
    language = str(request.get("language", "en"))
    sources = load_sources(language, settings)
    context = load_contexts([customer_id], language, settings, sources)[customer_id]
    return asyncio.run(Drafter(settings, sources).draft(context, DraftRequest(**request)))


def test_english_draft_is_complete_and_valid(campaign_settings: Settings) -> None:
    customer_id = unhappy_customers(1)[0]
    context = load_context(customer_id)
    assert context is not None and context.review is not None
    email = draft(campaign_settings, customer_id)
    assert email.valid, email.issues
    assert email.to_email == context.email
    assert context.first_name in email.subject or context.first_name in email.text
    assert email.writer == "template"
    # three real, in-stock products with the catalog's price and link
    assert len(email.products) == 3
    for product in email.products:
        found = rows(f"SELECT title, uri, price, availability FROM cymbal.products "
                     f"WHERE CAST(product_id AS INT64) = {product.product_id}")[0]
        assert found["availability"] == "IN_STOCK"
        assert (found["title"], found["uri"]) == (product.title, product.uri)
        assert f"₩{int(found['price']):,}" in email.text and product.uri in email.html
    # the incentive, signature and unsubscribe footer
    assert email.offer.code in email.text and email.offer.code in email.html
    assert "Customer Care team" in email.text
    assert "unsubscribe?u=" in email.html and "Unsubscribe:" in email.text
    # acknowledges the unhappy experience with the reviewed product, without quoting it
    if context.review.product_title:
        assert context.review.product_title in email.text
    assert context.review.text[:40] not in email.text


def test_korean_draft_is_korean_and_labelled_as_an_ad(campaign_settings: Settings) -> None:
    customer_id = unhappy_customers(2)[1]
    email = draft(campaign_settings, customer_id, language="ko", tone="formal")
    assert email.valid, email.issues
    assert email.subject.startswith("(광고)")
    assert len(re.findall(r"[가-힣]", email.text)) > 100
    assert "원" in email.text and "수신거부" in email.html
    assert "고객님" in email.text  # the formal greeting


def test_tones_and_variants_differ_but_are_deterministic(campaign_settings: Settings) -> None:
    ids = unhappy_customers(5)
    warm = [draft(campaign_settings, i, tone="warm") for i in ids]
    again = [draft(campaign_settings, i, tone="warm") for i in ids]
    assert [e.html for e in warm] == [e.html for e in again]
    assert len({e.variant for e in warm}) > 1
    concise = draft(campaign_settings, ids[0], tone="concise")
    assert len(concise.text) < len(warm[0].text)
    assert draft(campaign_settings, ids[0], tone="friendly").text.startswith("Hey ")


def test_requested_offer_is_used_and_over_policy_is_refused(campaign_settings: Settings) -> None:
    from tools.email.policy import PolicyError

    customer_id = unhappy_customers(1)[0]
    email = draft(campaign_settings, customer_id, offer_type="free_shipping")
    assert email.valid and email.offer.type == "free_shipping"
    assert "ships free" in email.text
    with pytest.raises(PolicyError, match="at most|exceeds"):
        draft(campaign_settings, customer_id, offer_type="percent_off", percent=90)


def test_prompt_injection_in_a_review_changes_nothing(
        campaign_settings: Settings, campaign_warehouse: CampaignWarehouse) -> None:
    customer_id = campaign_warehouse.injection_customer
    context = load_context(customer_id)
    assert context is not None and context.review is not None
    assert "IGNORE YOUR INSTRUCTIONS" in context.review.text
    email = draft(campaign_settings, customer_id)
    assert email.valid, email.issues
    assert email.to_email == context.email
    assert email.offer.type == "percent_off"
    assert email.offer.percent == campaign_settings.email_default_discount_percent
    for body in (email.subject, email.text, email.html):
        assert "evil" not in body and "90%" not in body and "forever" not in body
    assert [p.product_id for p in email.products] == [p.product_id for p in context.products]


def test_out_of_stock_recommendations_are_replaced_and_noted(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    customer_id = unhappy_customers(1)[0]
    sources = load_sources("en", campaign_settings)
    gone = next(p for p in sources.catalog.products.values() if not p.in_stock)
    by_title = {p.title: p.product_id for p in sources.catalog.products.values() if p.in_stock}
    fine = list(by_title.values())[:2]
    monkeypatch.setattr("tools.email.context._recommendations",
                        lambda ids, table: {i: [gone.product_id, *fine] for i in ids})
    context = load_contexts([customer_id], "en", campaign_settings, sources)[customer_id]
    assert all(p.in_stock for p in context.products) and len(context.products) == 3
    assert [p.product_id for p in context.products][:2] == fine
    assert context.recommendation_source == "mixed"
    assert any("out of stock" in note for note in context.notes)


def test_customer_without_recommendations_gets_segment_favourites(
        campaign_settings: Settings) -> None:
    found = rows("SELECT customer_id FROM cymbal.customers WHERE customer_id NOT IN "
                 "(SELECT customer_id FROM cymbal.final_personalized_recommendations) "
                 "ORDER BY customer_id LIMIT 1")
    context = load_context(found[0]["customer_id"])
    assert context is not None and context.recommendation_source == "segment_favourites"
    assert len({p.title for p in context.products}) == 3
    owned = {r["product_id"] for r in rows(
        f"SELECT product_id FROM cymbal.orders WHERE customer_id = {context.customer_id}")}
    assert not owned & {p.product_id for p in context.products}
    assert any("favourites" in note for note in context.notes)


@pytest.mark.parametrize(("tamper", "code"), [
    (lambda d: d.model_copy(update={"to_email": "x@evil.test"}), "wrong_recipient"),
    (lambda d: d.model_copy(update={"text": d.text + "\nHi [your name]!"}), "placeholder"),
    (lambda d: d.model_copy(update={"text": d.text + "\nDear {first_name}"}), "placeholder"),
    (lambda d: d.model_copy(update={"html": d.html.replace(
        "</body>", '<img src="https://tracker.example/p.gif"></body>')}), "unsafe_html"),
    (lambda d: d.model_copy(update={"html": d.html.replace(
        "</body>", "<script>alert(1)</script></body>")}), "unsafe_html"),
    (lambda d: d.model_copy(update={"html": d.html.replace(
        "https://shop.googlemerchandisestore.com\"", "https://evil.test\"")}), "unknown_link"),
    (lambda d: d.model_copy(update={"text": d.text + "\nTake 50% off everything!"}),
     "offer_outside_policy"),
    (lambda d: d.model_copy(update={"text": d.text + "\nPlus free shipping!"}), "offer_mismatch"),
    (lambda d: d.model_copy(update={"text": d.text + "\nWrite to x@evil.test"}),
     "foreign_address"),
    (lambda d: d.model_copy(update={"products": [
        d.products[0].model_copy(update={"price_won": 1}), *d.products[1:]]}),
     "catalog_mismatch"),
    (lambda d: d.model_copy(update={"products": d.products[:2]}), "product_count"),
    (lambda d: d.model_copy(update={"offer": d.offer.model_copy(update={"percent": 90})}),
     "offer_outside_policy"),
    (lambda d: d.model_copy(update={"html": d.html.replace("unsubscribe?u=", "x?u=")}),
     "missing_unsubscribe"),
])
def test_validator_rejects_tampered_drafts(campaign_settings: Settings, tamper, code) -> None:
    customer_id = unhappy_customers(1)[0]
    sources = load_sources("en", campaign_settings)
    context = load_contexts([customer_id], "en", campaign_settings, sources)[customer_id]
    good = asyncio.run(Drafter(campaign_settings, sources).draft(context, DraftRequest()))
    policy = OfferPolicy.from_settings(campaign_settings)
    assert validate_draft(good, context, sources.catalog, policy, campaign_settings) == []
    issues = validate_draft(tamper(good), context, sources.catalog, policy, campaign_settings)
    assert code in {i.code for i in issues}, issues


def test_out_of_stock_product_in_a_draft_is_rejected(campaign_settings: Settings) -> None:
    customer_id = unhappy_customers(1)[0]
    sources = load_sources("en", campaign_settings)
    context = load_contexts([customer_id], "en", campaign_settings, sources)[customer_id]
    gone = next(p for p in sources.catalog.products.values() if not p.in_stock)
    context.products = [gone, *context.products[1:]]
    email = asyncio.run(Drafter(campaign_settings, sources).draft(context, DraftRequest()))
    assert not email.valid
    assert "out_of_stock" in {i["code"] for i in email.issues}
