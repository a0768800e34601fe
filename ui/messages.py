"""Rendering a turn as chat messages: tool calls as collapsible boxes, then the answer (with
the follow-up questions as chips under it)."""

from __future__ import annotations

import json
from typing import Any

import gradio as gr
import sqlglot
from google.genai import types

from agent.conversation import ConversationReader, ToolCallRecord
from tools.results import Failure, is_failure

TOOL_TITLES = {
    "run_sql": "Ran a SQL query",
    "get_sql_context": "Looked up schema and examples",
    "search_reviews": "Searched reviews",
    "lookup_customer": "Looked up a customer",
    "describe_segment": "Described a segment",
    "list_segments": "Listed segments",
    "recommend_products": "Picked recommendations",
    "draft_email": "Drafted an email",
    "create_campaign": "Created a campaign",
    "plan_campaign": "Dry run of a campaign",
}


def _title(record: ToolCallRecord) -> str:
    name = record.name
    if name == "create_campaign" and not (record.args or {}).get("plan_id"):
        name = "plan_campaign"  # step one of creating drafts nothing: it is the dry run
    return TOOL_TITLES.get(name, name.replace("_", " ").capitalize())


def format_sql(sql: str) -> str:
    """BigQuery SQL laid out for reading (the text as written if it does not parse)."""
    try:
        return sqlglot.transpile(sql, read="bigquery", write="bigquery", pretty=True)[0]
    except sqlglot.errors.SqlglotError:
        return sql


def _args_markdown(args: dict[str, Any]) -> str:
    lines = []
    for key, value in args.items():
        if key == "sql" and isinstance(value, str):
            lines.append(f"```sql\n{format_sql(value)}\n```")
        elif value not in (None, "", [], {}):
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            lines.append(f"- **{key}**: {shown}")
    return "\n".join(lines) or "_no arguments_"


def _result_markdown(response: dict[str, Any] | None) -> str:
    if not response:
        return ""
    if is_failure(response):
        failure = Failure.from_dict(response)
        extra = ""
        if failure.suggestions:
            extra = " — closest: " + ", ".join(map(str, failure.suggestions[:5]))
        return f"\n\n**Error:** {failure.message}{extra}"
    if "sql" in response and "rows" in response:  # a query's rows counted: its one-line
        # summary ("18 rows x 2 columns; first row: …") is for the model, not the marketer
        more = " (more exist)" if response.get("truncated") else ""
        return f"\n\n{len(response.get('rows') or []):,} rows{more}."
    if response.get("summary"):
        return f"\n\n{response['summary']}"
    return ""


def tool_message(record: ToolCallRecord) -> gr.ChatMessage:
    """A collapsible box for one tool call: arguments, status, duration, outcome."""
    title = _title(record)
    metadata: dict[str, Any] = {"title": title, "id": record.call_id or record.name}
    if record.ok is None:
        metadata["status"] = "pending"
    else:
        metadata["status"] = "done"
        if record.duration_ms is not None:
            metadata["duration"] = round(record.duration_ms / 1000, 2)
        if not record.ok:
            metadata["title"] = f"{title} — failed"
    content = _args_markdown(record.args) + _result_markdown(record.response)
    return gr.ChatMessage(role="assistant", content=content, metadata=metadata)


def with_follow_ups(message: gr.ChatMessage, questions: list[str]) -> gr.ChatMessage:
    """The answer with the questions to ask next as chips under it (a click asks one)."""
    return gr.ChatMessage(role=message.role, content=message.content,
                          metadata=message.metadata,
                          options=[{"label": q, "value": q} for q in questions])


def history_messages(contents: list[types.Content]) -> list[gr.ChatMessage]:
    """Rebuild the chat from a stored session (after a reload or a server restart)."""
    messages: list[gr.ChatMessage] = []
    reader = ConversationReader()
    for content in contents:
        for item in reader.read(content):
            if item.kind == "tool_call" and item.record is not None:
                messages.append(tool_message(item.record))
            elif item.kind == "tool_result" and item.record is not None:
                index = next((i for i, m in enumerate(messages)
                              if (m.metadata or {}).get("id") == item.record.call_id), None)
                if index is not None:
                    messages[index] = tool_message(item.record)
            else:
                role = "user" if item.kind == "user" else "assistant"
                messages.append(gr.ChatMessage(role=role, content=item.text))
    return messages
