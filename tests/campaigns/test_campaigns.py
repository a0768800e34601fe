"""Campaigns from the chat: audiences in words, batch drafting, edits, approvals, the tools."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from typing import Any

import pytest

from config.settings import Settings
from tests.campaigns.conftest import reachable
from tools.campaigns.audience import (
    AudienceError,
    AudienceSpec,
    parse_audience,
    resolve_audience,
)
from tools.campaigns.tools import (
    approve_emails,
    draft_email,
    list_campaigns,
    reject_emails,
    show_campaign,
)
from tools.campaigns.tools import (
    create_campaign as create_campaign_tool,
)
from tools.campaigns.tools import (
    edit_campaign as edit_campaign_tool,
)
from tools.campaigns.workflow import (
    CampaignError,
    approve,
    campaign_store,
    create_campaign,
    edit_campaign,
    parse_edit,
)
from tools.email.drafts import DraftRequest
from tools.warehouse.reads import rows


@pytest.mark.parametrize(("text", "expected"), [
    ("unhappy loyal customers in Busan",
     {"unhappy": True, "loyalty": "LOYAL", "cities": ["Busan"]}),
    ("non-loyal women in Seoul or Incheon who complained about delivery",
     {"loyalty": "NON_LOYAL", "gender": "FEMALE", "cities": ["Seoul", "Incheon"],
      "review_themes": ["shipping"]}),  # the issue category or the review's meaning
    ("customers not in the loyalty programme", {"loyalty": "NON_LOYAL", "unhappy": True}),
    ("all customers in Jeju", {"unhappy": False, "cities": ["Jeju"]}),
    ("부산에 사는 불만 로열 고객", {"unhappy": True, "loyalty": "LOYAL", "cities": ["Busan"]}),
    ("서울 비회원 젊은 여성 50명", {"loyalty": "NON_LOYAL", "age_group": "Younger_Adult",
                           "gender": "FEMALE", "cities": ["Seoul"], "limit": 50}),
    ("the Older_Adult_MALE_NON_LOYAL segment, top 20",
     {"segments": ["Older_Adult_MALE_NON_LOYAL"], "limit": 20, "loyalty": None}),
    ("품질 불량 리뷰를 남긴 고객", {"review_themes": ["quality"]}),
    ("unhappy customers with shipping issues", {"issue_categories": ["배송문제"], "unhappy": True}),
])
def test_audience_descriptions(text: str, expected: dict[str, object]) -> None:
    spec = parse_audience(text)
    for key, value in expected.items():
        got = getattr(spec, key)
        assert (sorted(got) if isinstance(got, list) else got) == \
            (sorted(value) if isinstance(value, list) else value), (key, spec)


def test_contradictory_audience_is_refused() -> None:
    with pytest.raises(AudienceError, match="more than one"):
        parse_audience("loyal and non-loyal customers")


def test_audience_resolves_to_the_same_customers_as_direct_sql(campaign_settings: Settings) -> None:
    spec = parse_audience("unhappy loyal customers in Busan")
    expected = [r["customer_id"] for r in rows(
        "SELECT c.customer_id FROM cymbal.customers c WHERE c.address_city = 'Busan' AND "
        "c.loyalty_member AND c.customer_id IN (SELECT customer_id FROM "
        "cymbal.multimodal_customer_reviews WHERE text_sentiment IN ('negative', 'neutral')) "
        "ORDER BY c.customer_id")]
    assert expected and resolve_audience(spec, 5000) == expected
    segment = parse_audience("all customers in the Younger_Adult_FEMALE_LOYAL segment")
    ids = resolve_audience(segment, 5000)
    ages = rows(f"SELECT MAX(age) AS oldest, COUNT(DISTINCT gender) AS genders, "
                f"LOGICAL_AND(loyalty_member) AS loyal FROM cymbal.customers "
                f"WHERE customer_id IN ({', '.join(map(str, ids))})")[0]
    assert ages == {"oldest": ages["oldest"], "genders": 1, "loyal": True} and ages["oldest"] < 40


def test_audience_by_query_and_its_guard(campaign_settings: Settings) -> None:
    spec = AudienceSpec(unhappy=False, sql="SELECT customer_id FROM cymbal.customers "
                        "WHERE address_city = 'Daegu' ORDER BY customer_id LIMIT 7;")
    assert len(resolve_audience(spec, 5000)) == 7
    for bad, message in [("DELETE FROM cymbal.customers WHERE TRUE", "refused"),
                         ("SELECT email FROM cymbal.customers", "customer_id"),
                         ("SELECT customer_id FROM cymbal.secrets", "refused")]:
        with pytest.raises(AudienceError, match=message):
            resolve_audience(AudienceSpec(unhappy=False, sql=bad), 5000)


def test_audience_limits(campaign_settings: Settings) -> None:
    with pytest.raises(AudienceError, match="more than the campaign limit"):
        resolve_audience(AudienceSpec(unhappy=False), 100)
    assert len(resolve_audience(AudienceSpec(unhappy=False, limit=30), 100)) == 30
    with pytest.raises(AudienceError, match="No customers match"):
        resolve_audience(AudienceSpec(sql="SELECT customer_id FROM cymbal.customers "
                                          "WHERE age > 200"), 100)
    with pytest.raises(AudienceError, match="No customer with id 1"):
        resolve_audience(AudienceSpec(customer_ids=[1, 1001]), 100)


def test_campaign_drafts_in_batches_with_progress(campaign_settings: Settings,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tools.campaigns.workflow.BATCH", 40)
    seen: list[tuple[int, int]] = []
    spec = parse_audience("unhappy customers")
    expected = resolve_audience(spec, 5000)
    campaign = asyncio.run(create_campaign(spec, DraftRequest(language="ko"),
                                           progress=lambda d, t: seen.append((d, t))))
    store = campaign_store()
    treated = sorted(store.arm_ids(campaign.id, "treated"))
    held, excluded = store.arm_ids(campaign.id, "holdout"), store.arm_ids(campaign.id, "excluded")
    assert sorted([*treated, *held, *excluded]) == expected  # every customer accounted for
    assert held and excluded  # a holdout was kept back; non-consenting customers excluded
    total = len(treated)
    assert total > 80 and campaign.total == total and campaign.state == "ready"
    assert seen[-1] == (total, total) and [d for d, _ in seen] == sorted({d for d, _ in seen})
    assert len(seen) == -(-total // 40)
    emails = store.emails(campaign.id)
    assert [e["customer_id"] for e in emails] == treated
    assert all(e["valid"] and e["status"] == "draft" for e in emails)
    assert all(e["subject"].startswith("(광고)") for e in emails)
    assert len({e["variant"] for e in emails}) > 10  # varied copy across the campaign


def test_edits_redraft_revalidate_and_reset_approval(campaign_settings: Settings) -> None:
    campaign = asyncio.run(create_campaign(reachable(6), DraftRequest(tone="formal")))
    approve(campaign.id, actor="test")
    before = {e["customer_id"]: e for e in campaign_store().emails(campaign.id)}
    assert {e["status"] for e in before.values()} == {"approved"}

    assert parse_edit("make the tone warmer") == {"tone": "warm"}
    assert parse_edit("offer free shipping instead") == {"offer_type": "free_shipping"}
    assert parse_edit("write it in Korean") == {"language": "ko"}
    assert parse_edit("할인 15%로 바꿔줘") == {"offer_type": "percent_off", "percent": 15}
    assert parse_edit("give 2,000 bonus points") == {"offer_type": "loyalty_points",
                                                     "points": 2000}

    warmer, ids = asyncio.run(edit_campaign(campaign.id, parse_edit("make the tone warmer")))
    assert len(ids) == 6 and warmer.tone == "warm"
    after = {e["customer_id"]: e for e in campaign_store().emails(campaign.id)}
    assert all(e["status"] == "draft" and e["valid"] for e in after.values())
    assert all(after[i]["text"] != before[i]["text"] for i in after)
    assert all(not e["text"].startswith("Dear") for e in after.values())

    one = sorted(after)[0]
    asyncio.run(edit_campaign(campaign.id, parse_edit("offer free shipping instead"), [one]))
    shipped = campaign_store().email(campaign.id, one)
    assert shipped["offer"]["type"] == "free_shipping" and "ships free" in shipped["text"]
    others = campaign_store().emails(campaign.id, customer_ids=[i for i in after if i != one])
    assert {e["offer"]["type"] for e in others} != {"free_shipping"}

    korean, _ = asyncio.run(edit_campaign(campaign.id, parse_edit("write it in Korean")))
    assert korean.language == "ko"
    assert all(re.search(r"[가-힣]", e["subject"]) for e in campaign_store().emails(campaign.id))
    with pytest.raises(CampaignError, match="at most|exceeds"):
        asyncio.run(edit_campaign(campaign.id, {"offer_type": "percent_off", "percent": 60}))
    with pytest.raises(CampaignError, match="Say what to change"):
        asyncio.run(edit_campaign(campaign.id, parse_edit("make it pop")))


def test_invalid_drafts_cannot_be_approved(campaign_settings: Settings) -> None:
    campaign = asyncio.run(create_campaign(reachable(3), DraftRequest()))
    broken = campaign_store().emails(campaign.id)[0]["customer_id"]
    with sqlite3.connect(campaign_settings.app_db_path) as db:
        db.execute("UPDATE campaign_emails SET valid = 0, issues = ? WHERE customer_id = ?",
                   (json.dumps([{"code": "placeholder", "message": "x"}]), broken))
    result = approve_emails(campaign.id, all_valid=True)
    assert sorted(result["approved"]) == sorted(
        e["customer_id"] for e in campaign_store().emails(campaign.id) if e["valid"])
    assert broken not in result["approved"]
    assert approve_emails(campaign.id, customer_ids=[broken])["not_approved"] == [broken]
    assert "error" in approve_emails(campaign.id)  # nothing chosen: approve nothing


def drafted_through_the_tool(**request: Any) -> dict[str, Any]:
    """create_campaign's two steps: the dry run (nothing drafted), then its plan_id."""
    before = len(campaign_store().campaigns())
    planned = asyncio.run(create_campaign_tool(**request))
    assert "error" not in planned and "campaign_id" not in planned, planned
    assert len(campaign_store().campaigns()) == before  # the dry run drafted nothing
    return asyncio.run(create_campaign_tool(plan_id=planned["plan_id"]))


def test_tools_mask_addresses_and_return_tables(campaign_settings: Settings) -> None:
    created = drafted_through_the_tool(audience="unhappy loyal customers in Busan",
                                       tone="friendly")
    assert "error" not in created, created
    campaign_id = created["campaign_id"]
    addresses = [e["to_email"] for e in campaign_store().emails(campaign_id)]
    shown = show_campaign(campaign_id)
    listed = list_campaigns()
    one = show_campaign(campaign_id, customer_id=shown["rows"][0][0])
    drafted = asyncio.run(draft_email(shown["rows"][0][0], language="ko"))
    edited = asyncio.run(edit_campaign_tool(campaign_id, instruction="make it more formal"))
    approved = approve_emails(campaign_id, all_valid=True)
    rejected = reject_emails(campaign_id, customer_ids=[shown["rows"][0][0]])
    for result in (created, shown, listed, one, drafted, edited, approved, rejected):
        text = json.dumps(result, ensure_ascii=False)
        assert not any(address in text for address in addresses)
    assert shown["columns"][:4] == ["customer_id", "to_name", "to", "status"]
    assert listed["rows"][0][0] == campaign_id and drafted["campaign_id"] == campaign_id + 1
    assert one["email"]["html"].startswith("<!DOCTYPE html>") and "***@" in one["email"]["to"]
    assert drafted["email"]["valid"] and drafted["email"]["language"] == "ko"
    assert edited["changed"] == {"tone": "formal"}
    assert rejected["rejected"] == [shown["rows"][0][0]]
    assert asyncio.run(create_campaign_tool(audience="unhappy customers",
                                            offer_type="percent_off", offer_value=50)
                       )["error"] == "campaign_refused"
    assert show_campaign(999)["error"] == "unknown_campaign"


def test_query_audience_through_the_tool_is_exactly_the_query(campaign_settings: Settings) -> None:
    created = drafted_through_the_tool(
        sql="SELECT customer_id FROM cymbal.customers WHERE address_city = 'Ulsan' "
            "AND marketing_consent ORDER BY customer_id LIMIT 5")
    expected = [r["customer_id"] for r in rows(
        "SELECT customer_id FROM cymbal.customers WHERE address_city = 'Ulsan' "
        "AND marketing_consent ORDER BY customer_id LIMIT 5")]
    assert [r[0] for r in created["rows"]] == expected
    refused = asyncio.run(create_campaign_tool(sql="DROP TABLE cymbal.customers"))
    assert refused["error"] == "campaign_refused"
