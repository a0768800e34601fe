"""The result panel beside the chat: the last result of a turn — a table (human headers,
formatted cells, CSV download) with a chart where a picture says it better, the reviews a
search found as cards, or a customer 360 as a card — and an email preview when a draft was
written."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go

from agent.conversation import ToolCallRecord
from tools.csv_files import write_csv
from tools.customers.tools import lookup_customer
from tools.results import (
    CampaignSummary,
    CustomerCard,
    DraftPreview,
    DraftResult,
    ReviewHits,
    Table,
)
from tools.reviews.tools import search_reviews
from tools.sql.tools import run_sql
from tools.vocabulary.language import language_of
from ui.campaign_charts import campaign_results_figure
from ui.charts import build_figure, chart_spec, wants_chart
from ui.customer_card import customer_card, customer_title
from ui.result_columns import result_columns
from ui.review_cards import review_cards, review_table, review_title
from ui.segment_charts import chart_for
from ui.table_view import TableView, table_view
from ui.wording import phrase


@dataclass
class ResultPanel:
    title: str = ""
    table: TableView | None = None
    csv_path: Path | None = None
    figure: go.Figure | None = None
    reviews_html: str | None = None
    customer_html: str | None = None
    email_html: str | None = None


@dataclass
class LastResult:
    """The turn's last result worth showing, and the tool that returned it."""

    tool: str
    table: Table | None = None
    reviews: ReviewHits | None = None
    customer: CustomerCard | None = None


def last_result(calls: list[ToolCallRecord]) -> LastResult | None:
    """The last table, review search or customer 360 a tool returned in the turn."""
    for call in reversed(calls):
        if not call.ok:
            continue
        if call.name == search_reviews.__name__:
            return LastResult(call.name, reviews=ReviewHits.parse(call.response))
        if call.name == lookup_customer.__name__:
            return LastResult(call.name, customer=CustomerCard.parse(call.response))
        table = Table.from_response(call.response)
        if table is not None and table.columns:
            return LastResult(call.name, table=table)
    return None


def last_email(calls: list[ToolCallRecord]) -> DraftPreview | None:
    """The last email a tool drafted, re-drafted or showed."""
    for call in reversed(calls):
        if not call.ok:
            continue
        if call.name == "draft_email":
            drafted = DraftResult.parse(call.response)
            return drafted.email if drafted else None
        if call.name in ("show_campaign", "edit_campaign"):
            shown = CampaignSummary.parse(call.response)
            if shown is not None and shown.email is not None and shown.email.html:
                return shown.email
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "result"


def table_csv(table: Table, folder: Path, name: str) -> Path:
    """The table as a CSV download (spreadsheet-safe, see ``tools.csv_files``)."""
    return write_csv(folder / f"{_slug(name)}.csv", table.columns, table.rows)


def email_preview(email: DraftPreview) -> str:
    """The draft as the customer would see it, framed with its envelope."""
    subject = html.escape(email.subject)
    to = html.escape(email.to_name or email.to)
    body = email.html
    return (f'<div class="email-preview"><div class="email-envelope"><b>To:</b> {to}<br>'
            f'<b>Subject:</b> {subject}</div><iframe sandbox="" srcdoc="{html.escape(body)}" '
            f'class="email-body"></iframe></div>')


def _row_count(table: Table, lang: str) -> str:
    """A query result's title: how many rows (the chart, if any, is titled with its measure)."""
    return phrase("rows_more" if table.truncated else "rows", lang, n=f"{len(table.rows):,}")


def _show_reviews(panel: ResultPanel, found: ReviewHits, lang: str) -> Table | None:
    """Every review found as a card; the hits to download, if any."""
    panel.title = review_title(found, lang)
    panel.reviews_html = review_cards(found, lang)
    return review_table(found) if found.reviews else None


def _show_customer(panel: ResultPanel, card: CustomerCard, lang: str) -> Table | None:
    """The 360 as a card; the customer's reviews to download, if any."""
    panel.title = customer_title(card, lang)
    panel.customer_html = customer_card(card, lang)
    return Table(columns=card.columns, rows=card.rows) if card.rows else None


def _show_table(panel: ResultPanel, table: Table, tool: str, question: str,
                lang: str) -> Table | None:
    """A table (none when it is empty: the title says so) and a chart: the one a segment tool
    names, or for a query result the one its shape calls for. The table to download, if any."""
    panel.title = table.extra.get("summary") or ""
    panel.figure = chart_for(table) or campaign_results_figure(table, lang)
    if tool == run_sql.__name__:
        panel.title = _row_count(table, lang)
        columns = result_columns(table.columns, table.rows, lang)
        spec = chart_spec(columns, table.rows, lang, asked=wants_chart(question))
        if spec is not None:
            panel.figure = build_figure(spec, columns, table.rows, lang)
    if not table.rows:
        return None
    panel.table = table_view(table, lang)
    return table


def result_panel(question: str, calls: list[ToolCallRecord], export_dir: Path,
                 turn_id: str) -> ResultPanel:
    """What to show beside the chat after a turn, in the question's language."""
    lang = language_of(question)
    panel = ResultPanel()
    found = last_result(calls)
    download = None
    if found is not None and found.reviews is not None:
        download = _show_reviews(panel, found.reviews, lang)
    elif found is not None and found.customer is not None:
        download = _show_customer(panel, found.customer, lang)
    elif found is not None and found.table is not None:
        download = _show_table(panel, found.table, found.tool, question, lang)
    if download is not None:
        panel.csv_path = table_csv(download, export_dir, f"{turn_id}-{question}")
    email = last_email(calls)
    if email:
        panel.email_html = email_preview(email)
    return panel
