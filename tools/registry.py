"""The agent's tools, in one list: each capability module contributes its functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.campaigns.tools import (
    approve_emails,
    campaign_results,
    create_campaign,
    draft_email,
    edit_campaign,
    export_campaign,
    list_campaigns,
    plan_campaign,
    reject_emails,
    send_campaign,
    show_campaign,
    suppress_customers,
)
from tools.customers.tools import lookup_customer, recommend_products
from tools.reviews.tools import search_reviews
from tools.segments.tools import describe_segment, list_segments
from tools.sql.tools import get_sql_context, run_sql

CAMPAIGN_TOOLS: list[Callable[..., Any]] = [
    draft_email, plan_campaign, create_campaign, list_campaigns, show_campaign, edit_campaign,
    approve_emails, reject_emails, export_campaign, send_campaign, suppress_customers,
    campaign_results,
]


def agent_tools() -> list[Callable[..., Any]]:
    """Every tool the root agent may call (plain typed functions; ADK builds the schemas)."""
    return [get_sql_context, run_sql, search_reviews, list_segments, describe_segment,
            lookup_customer, recommend_products, *CAMPAIGN_TOOLS]
