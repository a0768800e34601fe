"""The offline model reaching the non-SQL tools through the real ADK runner: review search,
customer 360, segments and clusters, recommendations, emails and campaigns, in English and
Korean; counting questions staying SQL; follow-ups within a conversation; the send
confirmation only ever carrying a code the marketer typed; and answers that say what the
tools returned."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import pytest

from agent.conversation import ToolCallRecord
from agent.runner import ChatService, TurnResult
from config.settings import get_settings
from tests.campaigns.smtp_server import LocalSmtp
from tests.test_offline_model import chat, converse, numbers  # noqa: F401 - chat is a fixture
from tools.campaigns.workflow import campaign_store
from tools.sql.value_index import load_index
from tools.warehouse import get_warehouse

HANGUL = re.compile(r"[가-힣]")


@pytest.fixture(autouse=True)
def consent_not_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about how the offline model reads requests about named customers; the
    contact policy (consent, suppression, caps, holdout) has its own tests
    (tests/campaigns/test_campaign_loop.py), so consent is not required here."""
    monkeypatch.setenv("CYMBAL_CONSENT_REQUIRED", "false")
    get_settings.cache_clear()


def rows(sql: str) -> list[list[Any]]:
    return [list(r) for r in get_warehouse().run_query(sql).rows]


def unhappy_customer() -> int:
    return int(rows("SELECT MIN(customer_id) FROM cymbal.negative_customers")[0][0])


def only_call(turn: TurnResult, tool: str) -> ToolCallRecord:
    """The turn's one tool call, which must be ``tool`` and must have succeeded."""
    assert [c.name for c in turn.tool_calls] == [tool], (turn.tool_calls, turn.answer)
    call = turn.tool_calls[0]
    assert call.ok, call.response
    return call


# -- review search --------------------------------------------------------------------------
@pytest.mark.parametrize("question, expected, query", [
    ("reviews complaining about late delivery in Busan",
     {"city": "Busan", "issue_category": "배송문제"}, "late delivery"),
    ("품질 불량 리뷰 찾아줘", {"issue_category": "품질불량"}, "품질 불량"),
    ("부산 고객들의 부정 리뷰 보여줘", {"city": "Busan", "sentiment": "negative"}, None),
    ("Show 1-star reviews about bags", {"min_rating": 1, "max_rating": 1, "category": "Bags"},
     "bags"),
    ("What do customers say about the hoodie fit?", {}, "hoodie fit"),
    # "40대 이상" is the older age group: with a gender and loyalty, one persona segment
    ("40대 이상 남자 로열 고객 리뷰 보여줘", {"segment": "Older_Adult_MALE_LOYAL"}, None),
])
def test_review_search_takes_the_topic_and_the_filters(chat, question, expected, query):
    [turn] = converse(chat, question)
    call = only_call(turn, "search_reviews")
    assert {k: call.args.get(k) for k in expected} == expected
    assert call.args.get("query") == query
    found = call.response
    assert found["count"] == len(found["reviews"]) > 0
    assert str(found["count"]) in turn.answer
    assert found["reviews"][0]["snippet"] in turn.answer  # a review quoted
    assert bool(HANGUL.search(turn.answer)) == bool(HANGUL.search(question))


def test_review_search_reads_relative_dates_from_the_data(chat, settings):
    [turn] = converse(chat, "지난달 배송 문제 리뷰 찾아줘")
    call = only_call(turn, "search_reviews")
    anchor = load_index(settings).anchor()
    last_month_end = anchor.replace(day=1) - dt.timedelta(days=1)
    assert call.args["date_from"] == last_month_end.replace(day=1).isoformat()
    assert call.args["date_to"] == last_month_end.isoformat()
    assert call.args["issue_category"] == "배송문제"


@pytest.mark.parametrize("question", [
    "how many negative reviews per city", "부정 리뷰는 몇 개야?",
    "How many reviews complain about quality problems?",
    "How many customers are in each RFM cluster?",
])
def test_counting_questions_stay_sql(chat, question):
    [turn] = converse(chat, question)
    assert [c.name for c in turn.tool_calls] == ["run_sql"]


def test_follow_up_chips_give_way_under_load(chat):
    """Chips are planned for one conversation at a time and only while no other turn runs:
    otherwise an answer gets none rather than waiting (the answers come first)."""
    first, second = chat.new_session_id(), chat.new_session_id()
    asked = [asyncio.run(chat.ask("How many customers do we have in each city?", s))
                   for s in (first, second)]
    assert all(t.sql for t in asked)

    async def both() -> list[list[str]]:
        return list(await asyncio.gather(chat.follow_ups(first), chat.follow_ups(second)))

    offered, skipped = asyncio.run(both())
    assert 2 <= len(offered) <= 3 and skipped == []
    assert 2 <= len(asyncio.run(chat.follow_ups(second))) <= 3  # once the first is done

    async def during_a_turn() -> list[str]:
        turn = asyncio.create_task(chat.ask("How many customers live in Busan?", first))
        while not chat.busy():  # until the turn holds its conversation
            await asyncio.sleep(0.001)
        offered = await chat.follow_ups(second)
        await turn
        return offered

    assert asyncio.run(during_a_turn()) == []


def test_review_search_follow_ups(chat):
    first, second, third = converse(chat, "reviews complaining about late delivery in Busan",
                                    "and for Seoul?", "그중 부정 리뷰만")
    before = only_call(first, "search_reviews").args
    seoul = only_call(second, "search_reviews").args
    assert seoul == {**before, "city": "Seoul"}
    negative = only_call(third, "search_reviews")
    assert negative.args == {**seoul, "sentiment": "negative"}
    assert all(r["city"] == "Seoul" and r["sentiment"] == "negative"
               for r in negative.response["reviews"])
    assert HANGUL.search(third.answer) and "서울" in third.answer


# -- customers, segments, recommendations ---------------------------------------------------
@pytest.mark.parametrize("template", ["look up customer {id}", "{id}번 고객에 대해 전부 알려줘",
                                      "who is customer {id}?",
                                      "Pull up the profile of customer {id}", "고객 {id} 정보 보여줘"])
def test_customer_360(chat, template):  # a profile is the customer view, never a query
    customer = unhappy_customer()
    [turn] = converse(chat, template.format(id=customer))
    call = only_call(turn, "lookup_customer")
    assert int(call.args["customer"]) == customer
    profile = call.response["profile"]
    assert profile["first_name"] in turn.answer and profile["email_masked"] in turn.answer
    email = rows(f"SELECT email FROM cymbal.customers WHERE customer_id = {customer}")[0][0]
    assert email not in turn.answer
    assert call.response["recommendations"]["rows"][0][2] in turn.answer
    assert len(call.response["rows"]) in numbers(turn.answer)  # the reviews counted


@pytest.mark.parametrize("template", ["pull up {name}'s customer profile",
                                      "{name} 고객 찾아줘", "who's {name}? give me the full 360"])
def test_a_customer_asked_for_by_name(chat, template):
    customer = unhappy_customer()
    first, last = rows(f"SELECT first_name, last_name FROM cymbal.customers "
                       f"WHERE customer_id = {customer}")[0]
    same_name = rows(f"SELECT COUNT(*) FROM cymbal.customers WHERE first_name = '{first}' "
                     f"AND last_name = '{last}'")[0][0]
    [turn] = converse(chat, template.format(name=f"{first} {last}"))
    call = only_call(turn, "lookup_customer")
    assert call.args["customer"] == f"{first} {last}"
    if same_name == 1:  # the tool resolves a unique name to its customer
        assert call.response["customer_id"] == customer


def test_two_capitalised_words_that_are_no_customer_name_stay_words(chat):
    [turn] = converse(chat, "pull up Zzyzx Qwerty's customer profile")
    assert not any(c.name == "lookup_customer" and "Zzyzx" in str(c.args)
                   for c in turn.tool_calls)


@pytest.mark.parametrize("question", ["look up customer 99999", "고객 99999 조회해줘"])
def test_unknown_customer_is_answered_with_the_closest_ids(chat, question):
    [turn] = converse(chat, question)
    [call] = turn.tool_calls
    assert call.response["error"] == "unknown_customer"
    assert "99999" in turn.answer
    assert set(call.response["suggestions"]) <= numbers(turn.answer)


def test_segments_described_and_listed(chat):
    described, listed, clusters = converse(chat, "describe young loyal women",
                                           "list the customer segments", "RFM 군집 보여줘")
    call = only_call(described, "describe_segment")
    assert call.args["name"] == "Younger_Adult_FEMALE_LOYAL"  # the one segment its parts name
    figures = call.response["figures"]
    assert call.response["segment"] == "Younger_Adult_FEMALE_LOYAL"
    assert int(figures["customers"]) in numbers(described.answer)
    assert call.response["persona"]["description"] in described.answer
    listing = only_call(listed, "list_segments")
    assert listing.args["kind"] == "persona"
    assert listing.response["total_customers"] in numbers(listed.answer)
    rfm = only_call(clusters, "list_segments")
    assert rfm.args["kind"] == "rfm" and rfm.response["chart"] == "rfm_clusters"
    assert len(rfm.response["rows"]) in numbers(clusters.answer)
    assert HANGUL.search(clusters.answer)


def test_the_answer_follows_a_language_asked_for(chat):
    [turn] = converse(chat, "describe young loyal women in Korean please")
    assert only_call(turn, "describe_segment").args["language"] == "ko"
    assert HANGUL.search(turn.answer) and "고객" in turn.answer


def test_a_cluster_is_described_by_its_korean_name(chat):
    name, korean = rows("SELECT cluster_name, cluster_name_ko FROM cymbal.rfm_clusters "
                        "ORDER BY customers DESC LIMIT 1")[0]
    [turn] = converse(chat, f"{korean} 설명해줘")
    call = only_call(turn, "describe_segment")
    assert call.args == {"name": name, "language": "ko"}
    assert call.response["kind"] == "cluster" and korean in turn.answer
    assert int(call.response["customers"]) in numbers(turn.answer)


@pytest.mark.parametrize("question, expected", [
    ("recommend products for customer {id}", {"customer": "{id}"}),
    ("고객 {id}에게 상품 추천해줘", {"customer": "{id}", "language": "ko"}),
    ("부산 고객에게 추천할 상품은?", {"city": "Busan", "language": "ko"}),
    ("What should we recommend to young loyal women in Busan?",
     {"segment": "Younger_Adult_FEMALE_LOYAL", "city": "Busan"}),
    ("{id}번 고객한테 랩 규칙 방식으로 상품 추천 부탁드려요",  # the method named
     {"customer": "{id}", "method": "lab_rule"}),
])
def test_recommendations(chat, question, expected):
    customer = unhappy_customer()
    [turn] = converse(chat, question.format(id=customer))
    call = only_call(turn, "recommend_products")
    assert {k: str(call.args.get(k)) for k in expected} == \
        {k: v.format(id=customer) for k, v in expected.items()}
    titles = [row[2] for row in call.response["rows"]]
    assert len(titles) == 3 and all(t in turn.answer for t in titles)


# -- emails and campaigns -------------------------------------------------------------------
def test_draft_email_then_korean_then_an_edit(chat):
    customer = unhappy_customer()
    english, korean, warmer = converse(chat, f"write a retention email for customer {customer}",
                                       "now draft one in Korean", "make it friendlier")
    first = only_call(english, "draft_email")
    assert first.args == {"customer_id": customer, "language": "en"}
    email = first.response["email"]
    assert email["subject"] in english.answer and "Email panel" in english.answer
    assert all(p["title"] in english.answer for p in email["products"])
    second = only_call(korean, "draft_email")
    assert second.args == {"customer_id": customer, "language": "ko"}
    assert second.response["email"]["language"] == "ko"
    edit = only_call(warmer, "edit_campaign")
    assert edit.args["campaign_id"] == second.response["campaign_id"]
    assert edit.response["changed"]["tone"] == "friendly"
    [offer] = converse(chat, f"Draft a retention email for customer {customer}. Keep it formal.",
                       "Actually, make the offer 15% off instead")[1:]
    changed = only_call(offer, "edit_campaign")  # the draft is edited, not drafted again
    assert changed.response["changed"]["offer_type"] == "percent_off"
    other = int(rows(f"SELECT MIN(customer_id) FROM cymbal.negative_customers "
                     f"WHERE customer_id > {customer}")[0][0])
    [again] = converse(chat, f"write a retention email for customer {customer}",
                       f"same for customer {other}")[1:]
    assert only_call(again, "draft_email").args["customer_id"] == other  # done again for them


def test_one_email_for_a_described_customer(chat):
    """"An email for an unhappy customer in Busan" is one email: to the Busan customer whose
    unhappy review is the most negative and recent, saying who and why, never a campaign;
    drafting for them again flags the first draft, and an edit shows its new version."""
    unhappy = ("FROM cymbal.customers c JOIN cymbal.multimodal_customer_reviews r "
               "USING (customer_id) WHERE c.address_city = 'Busan' "
               "AND r.text_sentiment IN ('negative', 'neutral')")
    expected, date = rows(f"SELECT c.customer_id, CAST(DATE(r.review_datetime) AS STRING) "
                          f"{unhappy} ORDER BY r.text_sentiment <> 'negative', r.rating, "
                          f"r.review_datetime DESC, c.customer_id LIMIT 1")[0]
    [matching] = rows(f"SELECT COUNT(DISTINCT c.customer_id) {unhappy}")[0]
    for question in ("Write a retention email for an unhappy customer in Busan in Korean",
                     "부산 불만 고객 한 명에게 사과 메일 써줘"):
        [turn] = converse(chat, question)
        call = only_call(turn, "draft_email")
        assert "customer_id" not in call.args and call.args["language"] == "ko"
        assert call.response["picked"]["customer_id"] == expected
        assert call.response["email"]["customer_id"] == expected
        assert {expected, matching} <= numbers(turn.answer) and date in turn.answer
        assert ("campaign" if question.isascii() else "캠페인") in turn.answer  # for all of them
    [again, warmer] = converse(chat, f"write a retention email for customer {expected}",
                               "make it friendlier")
    flagged = only_call(again, "draft_email").response
    assert flagged["open_elsewhere"]  # the drafts above still wait for this customer
    assert all(f"#{i}" in again.answer for i in flagged["open_elsewhere"])
    edit = only_call(warmer, "edit_campaign").response
    assert edit["email"]["customer_id"] == expected and edit["email"]["tone"] == "friendly"
    assert "new version" in warmer.answer
    plural, confirmed = converse(chat, "Write retention emails for unhappy customers in Busan",
                                 "go ahead")
    assert only_call(plural, "create_campaign").response["emails"] == matching  # the dry run
    assert only_call(confirmed, "create_campaign").response["emails"] == matching


def test_korean_draft_with_options(chat):
    customer = unhappy_customer()
    [turn] = converse(chat, f"고객 {customer}에게 무료 배송 혜택으로 정중한 사과 이메일을 써줘")
    call = only_call(turn, "draft_email")
    assert call.args == {"customer_id": customer, "language": "ko", "tone": "formal",
                         "offer_type": "free_shipping"}
    assert call.response["email"]["offer"]["type"] == "free_shipping"
    assert HANGUL.search(turn.answer) and "무료 배송" in turn.answer


def test_campaign_created_approved_and_exported(chat):
    planned, created, approved, exported = converse(
        chat, "create a campaign for unhappy loyal customers in Busan", "confirm",
        "approve them all", "export it as CSV")
    plan = only_call(planned, "create_campaign")  # step one drafts nothing: the dry run
    assert "unhappy loyal customers in busan" in plan.args["audience"]
    assert "campaign_id" not in plan.response and "confirm" in planned.answer
    call = only_call(created, "create_campaign")
    assert call.args == {"plan_id": plan.response["plan_id"]}
    campaign = call.response["campaign_id"]
    emails, invalid = call.response["emails"], call.response["counts"].get("invalid", 0)
    assert {campaign, emails, emails - invalid, invalid} <= numbers(created.answer)
    assert "approve" in created.answer and "confirmation code" in created.answer
    assert "@" not in created.answer.replace("***@", "")  # no full address
    approval = only_call(approved, "approve_emails")
    assert approval.args == {"campaign_id": campaign, "all_valid": "true"}
    assert len(approval.response["approved"]) in numbers(approved.answer)
    export = only_call(exported, "export_campaign")
    assert export.args == {"campaign_id": campaign, "formats": "csv"}
    assert export.response["files"]["csv"] in exported.answer
    # where it went, by the export folder's name: the path on the server stays in the log
    assert export.response["folder"] in exported.answer
    assert str(get_settings().data_dir) not in exported.answer


def test_this_one_after_one_email_is_shown_rejects_that_email_only(chat):
    """"이건 빼 주세요" after one campaign email is shown rejects that email, never every
    remaining draft."""
    planned, created = converse(chat, "create a campaign for unhappy loyal customers in Busan",
                                "confirm")
    campaign = only_call(created, "create_campaign").response["campaign_id"]
    listed = campaign_store().emails(campaign)
    shown_to = int(listed[0]["customer_id"])
    shown, rejected = converse(chat, f"캠페인 {campaign}에서 고객 {shown_to}한테 가는 메일 보여줘",
                               "이건 빼 주세요, 톤이 좀 안 맞네요")
    assert only_call(shown, "show_campaign").args["customer_id"] == shown_to
    call = only_call(rejected, "reject_emails")
    assert call.args["customer_ids"] == [shown_to] and call.args["campaign_id"] == campaign
    states = {e["customer_id"]: e["status"] for e in campaign_store().emails(campaign)}
    assert states[shown_to] == "rejected"
    assert sum(1 for v in states.values() if v == "rejected") == 1


def test_a_slip_in_an_email_option_is_read(chat):
    customer = unhappy_customer()
    [turn] = converse(chat, f"pls draft a freindly email for customer {customer} with loyalty "
                            "points as the incentive")
    call = only_call(turn, "draft_email")
    assert (call.args["tone"], call.args["offer_type"]) == ("friendly", "loyalty_points")


def test_an_action_only_when_the_message_asks_for_it(chat):
    customer = unhappy_customer()
    planned, drafted, approved, drafts, shown, preview = converse(
        chat, f'create a campaign called "Spring push" for unhappy customers in Busan',
        "proceed", "좋아, 그 메일 승인해줘", "초안 상태인 이메일만 보여줘", "승인된 메일만 보여줘",
        "cool, show me what it looks like")
    plan = only_call(planned, "create_campaign")
    assert plan.args["name"] == "Spring push" and "spring" not in plan.args["audience"]
    created = only_call(drafted, "create_campaign")
    assert created.response["name"] == "Spring push"
    assert only_call(approved, "approve_emails").args["all_valid"] == "true"  # never a send
    campaign = created.response["campaign_id"]
    assert only_call(drafts, "show_campaign").args == {"campaign_id": campaign, "status": "draft"}
    # "승인된" names a status: showing the approved emails never approves anything
    assert only_call(shown, "show_campaign").args == {"campaign_id": campaign,
                                                      "status": "approved"}
    assert only_call(preview, "show_campaign").args["campaign_id"] == campaign
    someone = only_call(shown, "show_campaign").response["email"]["customer_id"]
    [one] = converse(chat, f"the draft for customer {someone} in campaign {campaign} - "
                           "what does it look like?")  # one customer's email, in full
    email = only_call(one, "show_campaign")
    assert email.args == {"campaign_id": campaign, "customer_id": someone}
    assert email.response["email"]["customer_id"] == someone
    [written] = converse(chat, f"show me customer {customer}'s emails")
    assert not any(c.name in ("draft_email", "create_campaign", "send_campaign")
                   for c in written.tool_calls)


def test_customers_named_by_id(chat):  # a list of ids is exactly those customers
    first, second, third = [r[0] for r in rows(
        "SELECT customer_id FROM cymbal.negative_customers ORDER BY customer_id LIMIT 3")]
    planned, created, rejected = converse(
        chat, f"Make a campaign for customers {first}, {second} and {third}", "yes",
        f"{first}, {second}번 고객 메일은 빼줘")
    plan = only_call(planned, "create_campaign")
    assert plan.args["customer_ids"] == [first, second, third] and "audience" not in plan.args
    assert plan.response["audience"] == 3
    call = only_call(created, "create_campaign")
    assert call.response["emails"] == 3
    removed = only_call(rejected, "reject_emails")
    assert removed.args == {"campaign_id": call.response["campaign_id"],
                            "customer_ids": [first, second]}
    assert sorted(removed.response["rejected"]) == [first, second]
    [drafted] = converse(chat, f"{third} 고객한테 보낼 사과 메일 초안 써줘")  # one customer: one email
    assert only_call(drafted, "draft_email").args["customer_id"] == third
    [viewed] = converse(chat, f"{third}번 고객 360 보여줘")  # "고객 360" is the view, not an id
    assert only_call(viewed, "lookup_customer").args["customer"] == third


def test_campaign_requests_with_more_than_a_stored_one_says(chat):
    """A campaign asked for in so many words is made even with a long audience, an offer and
    a cap; one email named by its customer alone ("the email for N") is rejected with the
    reason given; the latest campaign is shown, not listed."""
    segment = "Younger_Adult_FEMALE_NON_LOYAL"
    planned, created, latest = converse(
        chat, f"set up a win-back campaign for the {segment} segment, 15% off, no more than 5 "
              "customers", "confirm", "가장 최근 캠페인 보여줘")
    plan = only_call(planned, "create_campaign")
    assert {k: plan.args.get(k) for k in ("segment", "offer_type", "offer_value", "limit")} == \
        {"segment": segment, "offer_type": "percent_off", "offer_value": 15, "limit": 5}
    call = only_call(created, "create_campaign")
    assert 0 < call.response["emails"] <= 5
    shown = only_call(latest, "show_campaign")
    assert shown.response["campaign_id"] == call.response["campaign_id"]
    first = call.response["rows"][0][0]
    [removed] = converse(chat, f"set up a win-back campaign for the {segment} segment, no more "
                               f"than 5 customers", "confirm", f"reject the email for {first}, "
                                                               "the tone feels off")[2:]
    reject = only_call(removed, "reject_emails")
    assert reject.args["customer_ids"] == [first] and reject.response["rejected"] == [first]


def test_the_same_answer_in_another_language(chat):
    korean, english = converse(chat, "챔피언 클러스터 설명해줘", "같은 내용 영어로 다시 보여줄래?")
    first = only_call(korean, "describe_segment")
    again = only_call(english, "describe_segment")
    assert again.args == {**first.args, "language": "en"}
    assert HANGUL.search(korean.answer) and not HANGUL.search(english.answer)


def test_campaign_for_an_rfm_cluster(chat):
    name = rows("SELECT cluster_name FROM cymbal.rfm_clusters ORDER BY customers DESC LIMIT 1")[0][0]
    turn, confirmed = converse(chat, f"create a campaign for {name}", "confirm")
    call = only_call(turn, "create_campaign")
    assert call.args["sql"] == f"SELECT customer_id FROM cymbal.customer_rfm " \
                               f"WHERE cluster_name = '{name}'"
    unhappy_in_cluster = rows(
        f"SELECT COUNT(*) FROM cymbal.customer_rfm WHERE cluster_name = '{name}' AND customer_id "
        f"IN (SELECT customer_id FROM cymbal.negative_customers)")[0][0]
    assert call.response["audience"] == unhappy_in_cluster
    assert unhappy_in_cluster in numbers(turn.answer)
    created = only_call(confirmed, "create_campaign").response
    assert (created["emails"], created["held_out"]) == (call.response["emails"],
                                                         call.response["holdout"])


def test_korean_campaign_and_listing(chat):
    planned, created, listed, shown = converse(chat, "부산의 불만 로열 고객 대상으로 캠페인을 만들어줘",
                                               "좋아, 진행해", "캠페인 목록 보여줘", "캠페인 상태 알려줘")
    plan = only_call(planned, "create_campaign")
    assert plan.args["language"] == "ko" and "부산의 불만 로열 고객" in plan.args["audience"]
    assert "드라이런" in planned.answer and "확인" in planned.answer
    call = only_call(created, "create_campaign")
    assert call.response["language"] == "ko" and HANGUL.search(created.answer)
    assert only_call(listed, "list_campaigns").response["rows"]
    # no campaign named: the one the conversation is about is shown
    assert only_call(shown, "show_campaign").args == {"campaign_id": call.response["campaign_id"]}


@pytest.mark.parametrize("describe, confirm", [
    ("dry run a campaign for unhappy loyal customers in Busan", "confirm"),
    ("부산 불만 로열 고객 대상 캠페인 드라이런 해줘", "좋아, 진행해"),
])
def test_a_dry_run_is_drafted_only_once_confirmed(chat, describe, confirm):
    planned, drafted = converse(chat, describe, confirm)
    plan = only_call(planned, "plan_campaign").response
    assert plan["audience"] > 0 and plan["emails"] <= plan["audience"]
    assert f"{plan['audience']:,}" in planned.answer and "plan_id" not in planned.answer
    assert ("confirm" in planned.answer) if "dry run" in describe else ("확인" in planned.answer)
    call = only_call(drafted, "create_campaign")
    assert call.args == {"plan_id": plan["plan_id"]}  # exactly the audience shown
    assert call.response["counts"]["draft"] + call.response["counts"].get("invalid", 0) \
        >= plan["emails"] > 0
    # the created campaign says who the contact policy left out, as the dry run did
    assert ("left out" in drafted.answer.lower()) if "dry run" in describe \
        else ("제외" in drafted.answer)


def test_the_chip_under_a_dry_run_drafts_it(chat):
    session = chat.new_session_id()
    planned = asyncio.run(chat.ask("create a campaign for unhappy customers in Daegu", session))
    plan = only_call(planned, "create_campaign").response
    chips = asyncio.run(chat.follow_ups(session))
    assert chips[0] == "Go ahead and draft the emails"
    drafted = asyncio.run(chat.ask(chips[0], session))
    assert only_call(drafted, "create_campaign").args == {"plan_id": plan["plan_id"]}
    assert "Go ahead and draft the emails" not in asyncio.run(chat.follow_ups(session))


def test_a_request_on_the_campaign_after_a_dry_run_drafts_it_first(chat):
    """"Looks fine, approve all the valid ones" right after a dry run is about the campaign
    just sized, which has no emails yet: it is drafted (nothing older is approved), and the
    approval that follows is of its emails."""
    older = converse(chat, "create a campaign for unhappy customers in Busan", "confirm")[1]
    older_id = only_call(older, "create_campaign").response["campaign_id"]
    planned, drafted, approved = converse(
        chat, "create a campaign for unhappy customers in Incheon",
        "looks fine, approve all the valid ones", "approve all the valid ones")
    plan = only_call(planned, "create_campaign").response
    call = only_call(drafted, "create_campaign")
    assert call.args == {"plan_id": plan["plan_id"]}
    assert campaign_store().campaign(older_id).counts.get("approved", 0) == 0
    approval = only_call(approved, "approve_emails")
    assert approval.args["campaign_id"] == call.response["campaign_id"] != older_id


def test_one_customer_the_conversation_is_about_gets_one_email(chat):
    customer = unhappy_customer()
    looked, drafted = converse(chat, f"look up customer {customer}",
                               "she's clearly not happy, draft her a friendly win-back email")
    assert only_call(looked, "lookup_customer").response["customer_id"] == customer
    call = only_call(drafted, "draft_email")  # one email, never a campaign for everyone
    assert call.args["customer_id"] == customer and call.args["tone"] == "friendly"
    [picked] = converse(chat, "울산에서 불만 남긴 고객 중에 한 명 골라서 메일 초안 하나 뽑아줘")
    assert only_call(picked, "draft_email").response["email"]["customer_id"] > 0
    [shown] = converse(chat, "show me someone from Busan who complained")  # names, not writes
    assert not any(c.name in ("draft_email", "create_campaign") for c in shown.tool_calls)


def test_an_audience_age_it_cannot_apply_is_refused_in_words(chat):
    """The audience knows under 40 and 40+: "30대" is refused in the answer, never dropped
    (which would size a dry run of every age)."""
    [turn] = converse(chat, "30대 불만 고객 대상 캠페인 만들어줘")
    [call] = turn.tool_calls
    assert call.name == "create_campaign" and call.response["error"] == "campaign_refused"
    assert "plan_id" not in call.response and "30대" in turn.answer and "sql" in turn.answer
    assert "40세 이상" in turn.answer and "audience" not in turn.answer  # in Korean, asked so


def test_words_pointing_back_take_the_segment_the_last_answer_was_about(chat):
    """"them", "these guys" after a segment's description are that segment: a campaign for
    them is that cluster's, a recommendation for them that persona's ("guys" is no filter)."""
    name = rows("SELECT cluster_name FROM cymbal.rfm_clusters ORDER BY customers DESC LIMIT 1")[0][0]
    _, sized = converse(chat, f"Tell me about the {name}. How big is that group?",
                        "alright, let's put together a win-back campaign for them")
    call = only_call(sized, "create_campaign")
    assert call.args["sql"] == f"SELECT customer_id FROM cymbal.customer_rfm " \
                               f"WHERE cluster_name = '{name}'"
    assert "plan_id" in call.response  # the dry run: nothing is drafted before a yes
    _, shown = converse(chat, "describe young loyal men",
                        "so what products should we be showing these guys?")
    assert only_call(shown, "recommend_products").args["segment"] == "Younger_Adult_MALE_LOYAL"
    _, again = converse(chat, "What should we recommend to young loyal women in Busan?",
                        "세그먼트·도시 블렌드 방식으로 다시 뽑아볼래?")  # the method only
    assert {k: only_call(again, "recommend_products").args.get(k)
            for k in ("segment", "city", "method")} == {
        "segment": "Younger_Adult_FEMALE_LOYAL", "city": "Busan",
        "method": "segment_city_blend"}


def test_this_person_in_korean_is_the_customer_looked_up(chat):
    customer = unhappy_customer()
    _, drafted = converse(chat, f"고객 {customer} 정보 좀 보여줘요",
                          "이 분께 사과 메일 하나 써 주세요. 한국어로요")
    call = only_call(drafted, "draft_email")  # not someone else described by the words
    assert call.args["customer_id"] == customer and call.args["language"] == "ko"


@pytest.mark.parametrize("request_text", [
    "대전 불만 고객 대상으로 캠페인 하면 몇 명이나 걸려? 아직 만들진 말고 숫자만",
    "How many people would a campaign for unhappy customers in Daejeon reach? Don't create "
    "it yet",
])
def test_a_campaign_request_that_holds_back_is_only_sized(chat, request_text):
    [turn] = converse(chat, request_text)
    call = only_call(turn, "plan_campaign")
    assert call.response["audience"] in numbers(turn.answer)


def test_a_suppression_only_when_asked_for_never_from_a_question(chat):
    customer = int(rows("SELECT MAX(customer_id) FROM cymbal.customers")[0][0])
    [asked] = converse(chat, f"did customer {customer} unsubscribe?")
    assert not any(c.name == "suppress_customers" for c in asked.tool_calls)
    assert not campaign_store().suppressed([str(customer)])
    [told] = converse(chat, f"{customer} 고객이 메일 그만 보내달래. 수신거부 처리해줘")
    assert only_call(told, "suppress_customers").args["customer_ids"] == [customer]
    assert campaign_store().suppressed([str(customer)]) == {str(customer): "unsubscribe"}


def test_campaign_results_are_answered_in_words(chat):
    created = converse(chat, "create a campaign for unhappy loyal customers in Busan",
                       "confirm")[1]
    campaign = only_call(created, "create_campaign").response["campaign_id"]
    unsent, = converse(chat, f"how did campaign {campaign} do?")
    assert only_call(unsent, "campaign_results").response["status"] == "not_sent"
    assert "not been sent" in unsent.answer
    korean, = converse(chat, f"{campaign}번 캠페인 성과는?")
    assert "발송되지 않아" in korean.answer


def test_send_only_with_the_code_the_marketer_typed(chat, monkeypatch):
    customer = unhappy_customer()
    with LocalSmtp() as server:
        for key, value in server.settings_env().items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        service = ChatService(model="offline")
        drafted, approved, asked, pressed = converse(
            service, f"write a retention email for customer {customer}", "approve it",
            "send it", "yes, send the campaign now")
        campaign = only_call(drafted, "draft_email").response["campaign_id"]
        assert only_call(approved, "approve_emails").args["campaign_id"] == campaign
        for turn in (asked, pressed):  # no code typed: the model passes none
            call = only_call(turn, "send_campaign")
            assert call.args == {"campaign_id": campaign}
            assert call.response["status"] == "confirmation_required"
            assert call.response["confirmation_code"] in turn.answer
        assert server.received == []
        code = pressed.tool_calls[0].response["confirmation_code"]
        session = drafted.session_id

        async def confirm(text: str) -> TurnResult:
            return await service.ask(text, session_id=session)
        sent = asyncio.run(confirm(f"confirm send {code}"))
        call = only_call(sent, "send_campaign")
        assert call.args == {"campaign_id": campaign, "confirmation_code": code}
        assert call.response["sent"] == 1 and len(server.received) == 1
        assert "1" in sent.answer and str(campaign) in sent.answer
        again = asyncio.run(confirm("ok, and send it again"))
        assert all("confirmation_code" not in c.args for c in again.tool_calls)
        assert len(server.received) == 1


def test_a_korean_topic_loses_its_particles(chat):
    [turn] = converse(chat, "고객들이 배송에 대해 뭐라고 했어?")
    assert only_call(turn, "search_reviews").args["query"] == "배송"
    assert "“배송”" in turn.answer
