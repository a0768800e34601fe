"""The campaign loop: the contact policy (suppression, consent, frequency cap, addresses) at
drafting and at sending, the holdout, the dry run, and results against simulated responses.
Real parts: the DuckDB warehouse, the SQLite app database and a real SMTP server."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from config.settings import Settings, get_settings
from pipeline.campaign_responses import SimulationError, simulate_responses
from tests.campaigns.smtp_server import LocalSmtp
from tests.campaigns.test_delivery import ACTOR, send_now, use_server
from tools.campaigns.audience import AudienceSpec, parse_audience, resolve_audience
from tools.campaigns.delivery import export_campaign, prepare_send, send_confirmed
from tools.campaigns.eligibility import check_eligibility
from tools.campaigns.holdout import draw_holdout, segments_of, strata
from tools.campaigns.outcome import campaign_results
from tools.campaigns.suppression import import_csv, suppress
from tools.campaigns.tools import campaign_results as campaign_results_tool
from tools.campaigns.tools import create_campaign as create_campaign_tool
from tools.campaigns.tools import plan_campaign as plan_campaign_tool
from tools.campaigns.tools import suppress_customers
from tools.campaigns.uplift import uplift, wilson
from tools.campaigns.workflow import (
    CampaignError,
    approve,
    campaign_store,
    create_campaign,
    create_planned_campaign,
    edit_campaign,
    plan_campaign,
)
from tools.email.drafts import DraftRequest
from tools.warehouse.reads import rows

UNHAPPY = "unhappy customers"


def consent_of(ids: list[int]) -> dict[int, bool]:
    return {int(r["customer_id"]): bool(r["marketing_consent"]) for r in rows(
        f"SELECT customer_id, marketing_consent FROM cymbal.customers WHERE customer_id IN "
        f"({', '.join(map(str, ids))})")}


def test_newcombe_interval_and_p_value_match_published_figures() -> None:
    # Newcombe (1998), example (a): 56/70 vs 48/80 -> difference 0.2, 95% CI 0.0524 to 0.3339
    found = uplift(56, 70, 48, 80)
    assert round(found.difference, 4) == 0.2
    assert (round(found.low, 4), round(found.high, 4)) == (0.0524, 0.3339)
    assert 0.005 < found.p_value < 0.01  # pooled z = 2.60
    assert wilson(0, 10)[0] == 0.0 and uplift(10, 100, 10, 100).p_value == pytest.approx(1.0)


def test_suppressed_and_non_consenting_customers_are_never_drafted_or_sent(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    store = campaign_store()
    audience = resolve_audience(parse_audience(UNHAPPY), 5000)
    consent = consent_of(audience)
    refusing = {i for i, yes in consent.items() if not yes}
    consenting = [i for i in audience if consent[i]]
    assert refusing and len(consenting) > 150
    by_id, by_address, later = consenting[0], consenting[1], consenting[2]
    address = rows(f"SELECT email FROM cymbal.customers WHERE customer_id = {by_address}")[0]
    suppress(store, [by_id], [], "complaint", "test")
    sheet = tmp_path / "unsubscribes.csv"
    sheet.write_text(f"email,reason\n{address['email'].upper()},bounce\n", encoding="utf-8")
    assert import_csv(store, sheet, "unsubscribe", "csv:test").added == 1

    never = refusing | {by_id, by_address}
    for _ in range(2):  # a re-run drafts the same audience again: the same people are left out
        campaign = asyncio.run(create_campaign(parse_audience(UNHAPPY), DraftRequest()))
        drafted = {e["customer_id"] for e in store.emails(campaign.id)}
        assert drafted and not drafted & never
        counts = store.audience_counts(campaign.id)["excluded"]
        assert counts["no_consent"] == len(refusing) and counts["suppressed"] == 2
        history = [e for e in store.events(campaign.id, 10_000) if e["action"] == "excluded"]
        assert {e["customer_id"] for e in history} == never  # every exclusion is recorded

    # suppressed after drafting: an edit re-checks and leaves them out
    suppress(store, [later], [], "unsubscribe", "test")
    _, redrafted = asyncio.run(edit_campaign(campaign.id, {"tone": "formal"}))
    assert later not in redrafted and store.email(campaign.id, later)["status"] == "excluded"

    approve(campaign.id, actor=ACTOR)
    with LocalSmtp() as server:
        use_server(monkeypatch, server)
        plan = prepare_send(campaign.id, actor=ACTOR)
        last_minute = sorted(store.arm_ids(campaign.id, "treated"))[0]
        suppress(store, [last_minute], [], "unsubscribe", "test")  # after the code was issued
        report = send_confirmed(campaign.id, plan.confirmation_code, actor=ACTOR)
    assert report.excluded == {"suppressed": 1} and report.error is None
    reached = {r.recipients[0].lower() for r in server.received}
    blocked = rows(f"SELECT email FROM cymbal.customers WHERE customer_id IN "
                   f"({', '.join(map(str, never | {later, last_minute}))})")
    assert reached and not reached & {r["email"].lower() for r in blocked}
    assert len(reached) == len(report.sent)


def test_the_frequency_cap_holds_across_two_campaigns_sent_the_same_day(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    store = campaign_store()
    both = "SELECT customer_id FROM cymbal.customers WHERE marketing_consent AND " \
           "address_city = 'Seoul' ORDER BY customer_id LIMIT 6"
    first = asyncio.run(create_campaign(AudienceSpec(unhappy=False, sql=both), DraftRequest()))
    second = asyncio.run(create_campaign(AudienceSpec(unhappy=False, sql=both),
                                         DraftRequest(tone="formal")))
    third = asyncio.run(create_campaign(AudienceSpec(unhappy=False, sql=both), DraftRequest()))
    for campaign in (first, second, third):
        assert campaign.total == 6  # nobody was emailed yet when they were drafted
        approve(campaign.id, actor=ACTOR)
    with LocalSmtp() as server:
        use_server(monkeypatch, server)
        early = prepare_send(third.id, actor=ACTOR)  # a code issued before the first send
        assert len(send_now(first.id).sent) == 6
        with pytest.raises(CampaignError, match="6 excluded by the contact policy"):
            prepare_send(second.id, actor=ACTOR)
        late = send_confirmed(third.id, early.confirmation_code, actor=ACTOR)
    assert late.sent == [] and late.excluded == {"frequency_cap": 6}
    assert len(server.received) == 6
    assert store.campaign(second.id).counts["excluded"] == 6
    # the cap is a setting: two emails a week lets the second campaign through
    monkeypatch.setenv("CYMBAL_CAMPAIGN_FREQUENCY_CAP", "2")
    get_settings.cache_clear()
    ids = sorted(store.arm_ids(first.id, "treated"))
    assert check_eligibility(ids, store, get_settings()).eligible == ids


def test_the_holdout_is_stratified_reproducible_recorded_and_never_emailed(
        campaign_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    store = campaign_store()
    campaign = asyncio.run(create_campaign(parse_audience(UNHAPPY), DraftRequest()))
    held = store.arm_ids(campaign.id, "holdout")
    treated = store.arm_ids(campaign.id, "treated")
    eligible = treated | held
    assert abs(len(held) - round(0.1 * len(eligible))) <= len(strata(
        segments_of(sorted(eligible)), 0.1))  # 10%, up to one rounding per stratum
    segments = segments_of(sorted(eligible))
    again = draw_holdout(segments, campaign.id, 0.1, 100)
    assert set(again) == held  # the same campaign id draws the same customers
    assert set(draw_holdout(segments, campaign.id + 1, 0.1, 100)) != held
    for stratum, members in strata(segments, 0.1).items():
        assert sum(1 for i in members if i in held) == round(len(members) * 0.1), stratum
    assert not held & {e["customer_id"] for e in store.emails(campaign.id)}
    assert {e["customer_id"] for e in store.events(campaign.id, 10_000)
            if e["action"] == "holdout"} == held

    approve(campaign.id, actor=ACTOR)
    victim = sorted(held)[0]
    with sqlite3.connect(campaign_settings.app_db_path) as db:  # a bug or a hand edit
        db.execute("INSERT INTO campaign_emails SELECT campaign_id, ?, to_name, to_email, "
                   "language, tone, subject, preheader, html, text, offer, products, writer, "
                   "variant, review_id, issue_category, recommendation_source, notes, issues, "
                   "valid, status, message_id, attempts, last_error, created_at, updated_at, "
                   "approved_at, sent_at, exported_at FROM campaign_emails WHERE "
                   "campaign_id = ? LIMIT 1", (victim, campaign.id))
    with LocalSmtp() as server:
        use_server(monkeypatch, server)
        with pytest.raises(CampaignError, match="holdout"):
            prepare_send(campaign.id, actor=ACTOR)
        assert server.received == []
    with pytest.raises(ValueError, match="holdout"):
        store.save_drafts(campaign.id, [store.email(campaign.id, victim)])


def test_a_dry_run_is_confirmed_before_drafting(campaign_settings: Settings) -> None:
    planned = plan_campaign_tool(audience=UNHAPPY, tone="friendly")
    assert "error" not in planned, planned
    store = campaign_store()
    assert store.campaigns() == []  # a dry run drafts nothing
    excluded = sum(planned["excluded"].values())
    assert planned["excluded"]["no_consent"] > 0 and planned["consent_checked"]
    assert planned["audience"] == excluded + planned["holdout"] + planned["emails"]
    created = asyncio.run(create_campaign_tool(plan_id=planned["plan_id"]))
    assert created["emails"] == planned["emails"] and created["tone"] == "friendly"
    counts = store.audience_counts(created["campaign_id"])
    assert sum(counts["holdout"].values()) == planned["holdout"]
    again = asyncio.run(create_campaign_tool(plan_id=planned["plan_id"]))
    assert again["error"] == "campaign_refused" and "already drafted" in again["message"]

    plan = plan_campaign(parse_audience("unhappy customers in Busan"), DraftRequest(),
                         actor=ACTOR)
    busan = resolve_audience(parse_audience("unhappy customers in Busan"), 5000)
    with sqlite3.connect(get_settings().app_db_path) as db:  # as if the audience had grown
        db.execute("UPDATE audience_plans SET fingerprint = 'x' WHERE id = ?", (plan.plan_id,))
    with pytest.raises(CampaignError, match="changed since dry run"):
        asyncio.run(create_planned_campaign(plan.plan_id, actor=ACTOR))
    assert plan.audience == len(busan) and plan.holdout == 0  # too small for a holdout
    assert any("No holdout" in note for note in plan.notes)
    refused = suppress_customers(customer_ids=[busan[0]], reason="dislike")
    assert refused["error"] == "suppression_refused" and "complaint" in refused["message"]
    assert suppress_customers(customer_ids=[busan[0]])["added"] == 1


def test_consent_cannot_be_checked_without_the_column(campaign_settings: Settings,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tools.campaigns.eligibility.CONSENT_COLUMN", "no_such_column")
    plan = plan_campaign(parse_audience(UNHAPPY), DraftRequest(), actor=ACTOR)
    assert not plan.consent_checked and "no_consent" not in plan.excluded
    assert any("could not be checked" in note for note in plan.notes)


def test_simulated_responses_and_results(campaign_settings: Settings,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    campaign = asyncio.run(create_campaign(parse_audience("all customers"), DraftRequest()))
    assert campaign_results(campaign.id).status == "not_sent"
    with pytest.raises(SimulationError, match="not been sent"):
        simulate_responses(campaign.id, 0.05, seed=3)
    approve(campaign.id, actor=ACTOR)
    export_campaign(campaign.id, ["jsonl"])  # a hand-off counts as delivered
    first = simulate_responses(campaign.id, 0.08, seed=3, base_rate=0.1)
    report = simulate_responses(campaign.id, 0.08, seed=3, base_rate=0.1)  # re-run: replaced
    assert report == first.__class__(**{**first.__dict__, "replaced_lines": first.order_lines})
    assert report.treated > 1500 and report.holdout > 150

    outcome = campaign_results(campaign.id)
    assert outcome.status == "interim"  # the simulated window lies ahead of today
    assert (outcome.treated.customers, outcome.holdout.customers) == (report.treated,
                                                                     report.holdout)
    assert (outcome.treated.converted, outcome.holdout.converted) == (
        report.treated_converted, report.holdout_converted)
    assert outcome.uplift.low < 0.08 < outcome.uplift.high and outcome.conclusive
    assert abs(outcome.uplift.difference - 0.08) < 0.06
    assert outcome.treated.revenue_per_customer > outcome.holdout.revenue_per_customer > 0
    assert len(outcome.series) == campaign_settings.campaign_attribution_days
    assert outcome.series[-1].treated_rate == round(outcome.treated.conversion_rate, 4)
    rates = [p.treated_rate for p in outcome.series]
    assert rates == sorted(rates)  # cumulative

    shown = campaign_results_tool(campaign.id)
    assert shown["columns"] == ["day", "date", "emailed_conversion", "holdout_conversion"]
    assert shown["status"] == "interim" and "interim" in shown["summary"]
    cli = CliRunner().invoke(app, ["campaign", "results", str(campaign.id), "--json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["uplift"] == shown["uplift"]
    table = CliRunner().invoke(app, ["campaign", "results", str(campaign.id)])
    assert "Uplift" in table.stdout and "holdout" in table.stdout

    later = campaign_results(campaign.id,
                             now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=15))
    assert later.status == "final" and not any("interim" in n for n in later.notes)
    monkeypatch.setenv("CYMBAL_CAMPAIGN_RESULTS_MIN_GROUP", "1000")
    get_settings.cache_clear()
    small = campaign_results(campaign.id)
    assert not small.conclusive and any("too small" in n for n in small.notes)

    monkeypatch.setenv("CYMBAL_BACKEND", "bigquery")
    get_settings.cache_clear()
    with pytest.raises(SimulationError, match="local DuckDB warehouse only"):
        simulate_responses(campaign.id, 0.05, seed=3)


def test_the_cli_suppresses_and_plans(campaign_settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["campaign", "suppress", "--ids", "1001,1002", "--reason",
                               "bounce"])
    assert done.exit_code == 0 and "Suppressed 2 new (bounce)" in done.stdout
    sheet = tmp_path / "list.csv"
    sheet.write_text("customer_id\n1002\n1003\n", encoding="utf-8")
    again = runner.invoke(app, ["campaign", "suppress", "--csv", str(sheet)])
    assert "Suppressed 1 new" in again.stdout and "1 already listed" in again.stdout
    wrong = runner.invoke(app, ["campaign", "suppress", "--reason", "dislike", "--ids", "5"])
    assert wrong.exit_code == 1 and "Unknown suppression reason" in wrong.output
    planned = runner.invoke(app, ["campaign", "plan", UNHAPPY])
    assert planned.exit_code == 0 and "emails to draft and send" in planned.stdout
    assert "cymbal campaign create --plan 1" in " ".join(planned.stdout.split())
    created = runner.invoke(app, ["campaign", "create", "--plan", "1"])
    assert created.exit_code == 0, created.output
    assert campaign_store().plan(1).campaign_id == 1
