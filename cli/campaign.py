"""``cymbal campaign …``: dry-run, create, review, edit, approve, export and send email
campaigns; keep the suppression list; read a sent campaign's results (and, on the local
warehouse only, simulate customers' responses to see them work).

The same functions the agent's tools use, for people at a terminal. Addresses are masked in
everything printed; ``send`` asks for the confirmation code it just issued (or takes it with
``--confirm`` on a later run), so nothing goes out by accident.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from pipeline.campaign_responses import DEFAULT_BASE_RATE, SimulationError, simulate_responses
from tools.campaigns.audience import AudienceError, AudienceSpec, parse_audience
from tools.campaigns.delivery import export_campaign, prepare_send, send_confirmed
from tools.campaigns.outcome import campaign_results
from tools.campaigns.suppression import SuppressionError, import_csv, suppress
from tools.campaigns.tools import email_table, list_campaigns, results_dict
from tools.campaigns.workflow import (
    AudiencePlan,
    CampaignError,
    campaign_store,
    create_planned_campaign,
    edit_campaign,
    parse_edit,
    plan_campaign,
    resolve_campaign,
)
from tools.campaigns.workflow import (
    approve as approve_emails,
)
from tools.campaigns.workflow import (
    reject as reject_emails,
)
from tools.email.drafts import DraftRequest, preview
from tools.email.policy import PolicyError
from tools.warehouse import SqlError

campaign_app = typer.Typer(help="Email campaigns: create, review, edit, approve, export, send.",
                           no_args_is_help=True)
out = Console()
err = Console(stderr=True)
FAILURES = (CampaignError, AudienceError, PolicyError, SqlError, SuppressionError,
            SimulationError)


def _actor() -> str:
    """Who acts, for the campaign's history: the command line's user."""
    return f"cli:{getpass.getuser()}"


def _ids(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        err.print(f"[red]--ids must be comma-separated customer ids, got {text!r}[/red]")
        raise typer.Exit(2) from None


def _fail(exc: Exception) -> None:
    err.print(f"[red]{exc}[/red]")
    raise typer.Exit(1)


def _print_table(columns: list[str], rows: list[list[object]]) -> None:
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)


def _status_line(campaign_id: int) -> str:
    campaign = resolve_campaign(campaign_id, campaign_store())
    counts = ", ".join(f"{n} {s}" for s, n in campaign.counts.items() if n and s != "invalid")
    invalid = f" ({campaign.counts['invalid']} failed the checks)" \
        if campaign.counts["invalid"] else ""
    return f"Campaign {campaign.id} “{campaign.name}”: {counts}{invalid}"


Audience = Annotated[str, typer.Argument(help="Who, in words: \"unhappy loyal customers in "
                                         "Busan\", \"부산의 불만 고객\".")]
Ids = Annotated[str | None, typer.Option(help="Comma-separated customer ids instead.")]
Sql = Annotated[str | None, typer.Option(help="A SELECT returning customer_id.")]
Name = Annotated[str, typer.Option(help="Campaign name.")]
Language = Annotated[str, typer.Option(help="en or ko.")]
Tone = Annotated[str, typer.Option(help="warm, friendly, formal or concise.")]
Offer = Annotated[str | None, typer.Option(help="percent_off, fixed_amount_off, free_shipping "
                                           "or loyalty_points.")]
Value = Annotated[int | None, typer.Option(help="Percent, won or points of --offer.")]
Limit = Annotated[int | None, typer.Option(help="At most this many customers.")]


def _audience(audience: str, ids: str | None, sql: str | None,
              limit: int | None) -> AudienceSpec:
    listed = _ids(ids)
    if listed:
        spec = AudienceSpec(unhappy=False, customer_ids=listed)
    else:
        try:
            spec = parse_audience(audience)
        except AudienceError as exc:
            _fail(exc)
        spec.sql = sql
        if sql and not audience:
            spec.unhappy = False
    if limit:
        spec.limit = limit
    return spec


def _request(language: str, tone: str, offer: str | None, value: int | None) -> DraftRequest:
    return DraftRequest(
        language=language, tone=tone, offer_type=offer,
        percent=value if offer == "percent_off" else None,
        amount_won=value if offer == "fixed_amount_off" else None,
        points=value if offer == "loyalty_points" else None)


@campaign_app.command("plan")
def plan(audience: Audience = "", ids: Ids = None, sql: Sql = None, name: Name = "",
         language: Language = "en", tone: Tone = "warm", offer: Offer = None,
         value: Value = None, limit: Limit = None) -> None:
    """Dry run: the audience, who is excluded and why, the holdout, the emails it would
    draft. Nothing is drafted; confirm with `cymbal campaign create --plan N`."""
    found = _dry_run(audience, ids, sql, name, language, tone, offer, value, limit)
    out.print(f"To draft it: cymbal campaign create --plan {found.plan_id}")


def _dry_run(audience: str, ids: str | None, sql: str | None, name: str, language: str,
             tone: str, offer: str | None, value: int | None,
             limit: int | None) -> AudiencePlan:
    """Store a dry run and print its figures."""
    try:
        found = plan_campaign(_audience(audience, ids, sql, limit),
                              _request(language, tone, offer, value), name, actor=_actor())
    except FAILURES as exc:
        _fail(exc)
    err.print(f"Audience: {found.description}")
    _print_table(["", "customers"], [
        ["in the audience", f"{found.audience:,}"],
        *([f"excluded: {reason.replace('_', ' ')}", f"{n:,}"]
          for reason, n in found.excluded.items()),
        ["held out (no email, to measure)", f"{found.holdout:,}"],
        ["emails to draft and send", f"{found.emails:,}"]])
    for note in found.notes:
        err.print(f"[yellow]note:[/yellow] {note}")
    out.print(f"Dry run {found.plan_id}: sending would take about {found.send_minutes:g} min.")
    return found


@campaign_app.command("create")
def create(
    audience: Audience = "", ids: Ids = None, sql: Sql = None, name: Name = "",
    language: Language = "en", tone: Tone = "warm", offer: Offer = None, value: Value = None,
    limit: Limit = None,
    plan_id: Annotated[int | None, typer.Option("--plan", help="Draft this confirmed dry run "
                                                "(`cymbal campaign plan`) instead.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Draft after the dry run without "
                                      "asking.")] = False,
) -> None:
    """Create a campaign: the dry run first (who fits, who the contact policy leaves out, the
    holdout), then, once confirmed, one drafted and checked email per customer it allows."""
    if plan_id is None:
        found = _dry_run(audience, ids, sql, name, language, tone, offer, value, limit)
        if not yes and not (sys.stdin.isatty() and typer.confirm(
                f"Draft {found.emails:,} email(s)?", default=False, err=True)):
            err.print(f"Nothing drafted. To draft it: cymbal campaign create --plan "
                      f"{found.plan_id} (or add --yes to draft after the dry run).")
            raise typer.Exit(1 if not sys.stdin.isatty() else 0)
        plan_id = found.plan_id
    try:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("Drafting", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            campaign = asyncio.run(create_planned_campaign(plan_id, progress=progress,
                                                           actor=_actor()))
    except FAILURES as exc:
        _fail(exc)
    err.print(f"Audience: {campaign.audience}")
    for note in campaign.notes:
        err.print(f"[yellow]note:[/yellow] {note}")
    out.print(_status_line(campaign.id))


@campaign_app.command("suppress")
def suppress_(
    ids: Annotated[str | None, typer.Option(help="Comma-separated customer ids.")] = None,
    email: Annotated[list[str] | None, typer.Option(help="An address (repeatable).")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="A CSV with customer_id and/or "
                                                  "email columns (and optionally reason).")
                        ] = None,
    reason: Annotated[str, typer.Option(help="unsubscribe, bounce or complaint.")
                      ] = "unsubscribe",
) -> None:
    """Add customers or addresses to the suppression list: no campaign emails them again."""
    store = campaign_store()
    try:
        if csv_file is not None:
            update = import_csv(store, csv_file, reason, f"csv:{csv_file.name} by {_actor()}")
        else:
            update = suppress(store, _ids(ids) or [], email or [], reason, _actor())
    except FAILURES as exc:
        _fail(exc)
    out.print(f"Suppressed {update.added} new ({update.reason}); {update.already_listed} "
              f"already listed; the list holds {update.total:,}.")


@campaign_app.command("results")
def results(
    campaign_id: Annotated[int, typer.Argument(help="Campaign id (0 = the latest).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Emailed customers against the holdout over the attribution window: conversion,
    orders, revenue per customer, the uplift with its 95% interval and p-value."""
    try:
        found = results_dict(campaign_results(campaign_id))
    except FAILURES as exc:
        _fail(exc)
    if as_json:
        print(json.dumps(found, ensure_ascii=False))
        return
    groups = [(label, found.get(key)) for label, key in (("emailed", "treated"),
                                                          ("holdout", "holdout"))]
    shown = [[label, f"{g['customers']:,}", f"{g['converted']:,}",
              f"{g['conversion_rate']:.1%}", f"{g['orders']:,}",
              f"{g['revenue_per_customer']:,.0f}"] for label, g in groups if g]
    if shown:
        _print_table(["group", "customers", "converted", "conversion", "orders",
                      "revenue per customer"], shown)
    if found.get("uplift") is not None:
        out.print(f"Uplift {found['uplift'] * 100:+.1f} points (95% CI "
                  f"{found['ci_low'] * 100:+.1f} to {found['ci_high'] * 100:+.1f}; "
                  f"p = {found['p_value']:.3f}).")
    out.print(found["summary"])


@campaign_app.command("simulate")
def simulate(
    campaign_id: Annotated[int, typer.Argument(help="A sent campaign (0 = the latest).")],
    uplift: Annotated[float, typer.Option(help="True uplift in conversion rate, e.g. 0.05 "
                                          "for +5 points.")] = 0.05,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same orders).")] = 1,
    base_rate: Annotated[float, typer.Option(help="The holdout's conversion rate.")
                         ] = DEFAULT_BASE_RATE,
) -> None:
    """Demo/test tool: write simulated orders after the send date for the emailed customers
    and the holdout, with a chosen true uplift, into the local DuckDB warehouse (refused on
    BigQuery). A re-run replaces the previous simulation of the campaign."""
    try:
        report = simulate_responses(campaign_id, uplift, seed, base_rate)
    except (*FAILURES, OSError) as exc:
        _fail(exc)
    out.print(f"Simulated campaign {report.campaign_id}: {report.treated_converted:,} of "
              f"{report.treated:,} emailed and {report.holdout_converted:,} of "
              f"{report.holdout:,} held-out customers ordered ({report.order_lines:,} order "
              f"lines between {report.window_start[:10]} and {report.window_end[:10]}"
              + (f"; replaced {report.replaced_lines:,} simulated lines" if
                 report.replaced_lines else "") + ").")


@campaign_app.command("list")
def list_() -> None:
    """List campaigns with their email counts by status."""
    listed = list_campaigns()
    if not listed["rows"]:
        err.print("No campaigns yet.")
        return
    _print_table(listed["columns"], listed["rows"])


@campaign_app.command("show")
def show(
    campaign_id: Annotated[int, typer.Argument(help="Campaign id (0 = the latest).")] = 0,
    status: Annotated[str, typer.Option(help="Only emails in this status.")] = "",
    customer: Annotated[int | None, typer.Option(help="Print this customer's email.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a campaign's emails, or one email in full."""
    try:
        campaign = resolve_campaign(campaign_id, campaign_store())
    except CampaignError as exc:
        _fail(exc)
    if customer is not None:
        record = campaign_store().email(campaign.id, customer)
        if record is None:
            _fail(CampaignError(f"Campaign {campaign.id} has no email for customer {customer}."))
        shown = preview(record)
        if as_json:
            print(json.dumps(shown, ensure_ascii=False))
            return
        out.print(f"[bold]To:[/bold] {shown['to_name']} <{shown['to']}>  "
                  f"[bold]Status:[/bold] {shown['status']}  [bold]Valid:[/bold] {shown['valid']}")
        out.print(f"[bold]Subject:[/bold] {shown['subject']}\n")
        out.print(shown["text"], markup=False, highlight=False)
        for issue in shown["issues"]:
            err.print(f"[red]{issue['code']}:[/red] {issue['message']}")
        return
    table = email_table(campaign.id, status)
    if as_json:
        print(json.dumps(table, ensure_ascii=False))
        return
    _print_table(table["columns"], table["rows"])
    err.print(_status_line(campaign.id))


@campaign_app.command("history")
def history(
    campaign_id: Annotated[int, typer.Argument(help="Campaign id (0 = the latest).")] = 0,
    limit: Annotated[int, typer.Option(help="Most recent events to show.")] = 50,
) -> None:
    """Every status change of a campaign's emails, newest first."""
    try:
        campaign = resolve_campaign(campaign_id, campaign_store())
    except CampaignError as exc:
        _fail(exc)
    events = campaign_store().events(campaign.id, limit)
    _print_table(["at", "customer_id", "action", "detail"],
                 [[e["at"], e["customer_id"], e["action"], e["detail"]] for e in events])


@campaign_app.command("edit")
def edit(
    campaign_id: Annotated[int, typer.Argument(help="Campaign id (0 = the latest).")],
    instruction: Annotated[str, typer.Argument(help="\"make the tone warmer\", \"offer free "
                                               "shipping instead\", \"write it in Korean\".")],
    ids: Annotated[str | None, typer.Option(help="Only these customers' emails.")] = None,
) -> None:
    """Re-draft emails with a change; edited emails need approving again."""
    try:
        campaign, changed = asyncio.run(edit_campaign(campaign_id, parse_edit(instruction),
                                                      _ids(ids)))
    except FAILURES as exc:
        _fail(exc)
    err.print(f"Re-drafted {len(changed)} email(s).")
    out.print(_status_line(campaign.id))


@campaign_app.command("approve")
def approve(
    campaign_id: Annotated[int, typer.Argument(help="Campaign id (0 = the latest).")],
    ids: Annotated[str | None, typer.Option(help="Comma-separated customer ids.")] = None,
    all_valid: Annotated[bool, typer.Option("--all-valid", help="Every valid draft.")] = False,
) -> None:
    """Approve emails that passed the checks."""
    if not ids and not all_valid:
        _fail(CampaignError("Give --ids or --all-valid."))
    try:
        campaign, moved, refused = approve_emails(campaign_id, None if all_valid else _ids(ids),
                                                  actor=_actor())
    except CampaignError as exc:
        _fail(exc)
    err.print(f"Approved {len(moved)} email(s)." + (
        f" Not approved (failed checks or not drafts): {refused}" if refused else ""))
    out.print(_status_line(campaign.id))


@campaign_app.command("reject")
def reject(
    campaign_id: Annotated[int, typer.Argument(help="Campaign id (0 = the latest).")],
    ids: Annotated[str | None, typer.Option(help="Comma-separated customer ids.")] = None,
    all_remaining: Annotated[bool, typer.Option("--all-remaining",
                                                help="Every draft and approved email.")] = False,
    reason: Annotated[str, typer.Option(help="Why, for the history.")] = "",
) -> None:
    """Reject emails so they are never sent or exported."""
    if not ids and not all_remaining:
        _fail(CampaignError("Give --ids or --all-remaining."))
    try:
        campaign, moved = reject_emails(campaign_id, None if all_remaining else _ids(ids), reason,
                                        actor=_actor())
    except CampaignError as exc:
        _fail(exc)
    err.print(f"Rejected {len(moved)} email(s).")
    out.print(_status_line(campaign.id))


@campaign_app.command("export")
def export(
    campaign_id: Annotated[int, typer.Argument(help="Campaign id (0 = the latest).")],
    formats: Annotated[str, typer.Option("--format", help="csv, eml, jsonl (comma-separated)."
                                         )] = "csv,eml,jsonl",
) -> None:
    """Write the CSV review sheet and hand approved emails off as .eml and Pub/Sub JSONL."""
    try:
        result = export_campaign(campaign_id, formats.split(","))
    except FAILURES as exc:
        _fail(exc)
    for kind, path in result.files.items():
        out.print(f"{kind}: {path}")
    if result.invalidated:
        err.print(f"[yellow]{len(result.invalidated)} approved email(s) failed the re-check "
                  f"and went back to draft: {result.invalidated}[/yellow]")
    err.print(_status_line(result.campaign_id))


@campaign_app.command("send")
def send(
    campaign_id: Annotated[int, typer.Argument(help="Campaign id (0 = the latest).")],
    confirm: Annotated[str | None, typer.Option(help="The confirmation code from a previous "
                                                "run.")] = None,
) -> None:
    """Send approved emails by SMTP after you confirm with the code it shows."""
    try:
        code = confirm
        if code is None:
            plan = prepare_send(campaign_id, actor=_actor())
            err.print(f"Ready to send {plan.emails} approved email(s) of campaign "
                      f"{plan.campaign_id} through {plan.server}, e.g. to "
                      f"{', '.join(plan.sample_recipients)}.")
            if plan.invalidated:
                err.print(f"[yellow]{len(plan.invalidated)} approved email(s) failed the "
                          "re-check and went back to draft.[/yellow]")
            if not sys.stdin.isatty():
                out.print(f"Confirmation code: {plan.confirmation_code} — run again with "
                          f"--confirm {plan.confirmation_code} within "
                          f"{plan.expires_in_s // 60} minutes to send.")
                return
            code = typer.prompt(f"Type {plan.confirmation_code} to send (anything else "
                                "cancels)")
            if code.strip() != plan.confirmation_code:
                err.print("Cancelled; nothing was sent.")
                raise typer.Exit(1)
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("Sending", total=None)
            report = send_confirmed(campaign_id, code, progress=lambda done, total: bar.update(
                task, completed=done, total=total), actor=_actor())
    except FAILURES as exc:
        _fail(exc)
    out.print(f"Sent {len(report.sent)}; failed {len(report.failed)}; uncertain "
              f"{len(report.uncertain)}; still approved {report.still_approved}.")
    if report.error:
        err.print(f"[red]Stopped early:[/red] {report.error}")
        raise typer.Exit(1)
