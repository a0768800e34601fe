"""Rendering a turn as chat messages: tool calls as collapsible boxes, then the answer."""

from __future__ import annotations

import json
from typing import Any

import gradio as gr
import sqlglot
from google.genai import types

from agent.runner import ToolCallRecord, tool_ok

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
}


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
    if not tool_ok(response):
        message = response.get("message") or response.get("error")
        extra = ""
        if response.get("suggestions"):
            extra = " — closest: " + ", ".join(map(str, response["suggestions"][:5]))
        return f"\n\n**Error:** {message}{extra}"
    if response.get("summary"):
        return f"\n\n{response['summary']}"
    if "rows" in response:
        more = " (more exist)" if response.get("truncated") else ""
        return f"\n\n{len(response['rows']):,} rows{more}."
    return ""


def tool_message(record: ToolCallRecord) -> gr.ChatMessage:
    """A collapsible box for one tool call: arguments, status, duration, outcome."""
    title = TOOL_TITLES.get(record.name, record.name.replace("_", " ").capitalize())
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


def history_messages(contents: list[types.Content]) -> list[gr.ChatMessage]:
    """Rebuild the chat from a stored session (after a reload or a server restart)."""
    messages: list[gr.ChatMessage] = []
    open_calls: dict[str, ToolCallRecord] = {}
    for content in contents:
        for part in content.parts or []:
            if part.function_call:
                call = part.function_call
                record = ToolCallRecord(name=call.name or "", args=dict(call.args or {}),
                                        call_id=call.id or call.name or "")
                open_calls[record.call_id] = record
                messages.append(tool_message(record))
            elif part.function_response:
                resp = part.function_response
                record = open_calls.pop(resp.id or resp.name or "", None)
                if record is None:
                    continue
                record.response = dict(resp.response or {})
                record.ok = tool_ok(record.response)
                index = next(i for i, m in enumerate(messages)
                             if (m.metadata or {}).get("id") == record.call_id)
                messages[index] = tool_message(record)
            elif part.text and not part.thought:
                role = "user" if content.role == "user" else "assistant"
                messages.append(gr.ChatMessage(role=role, content=part.text))
    return messages
