"""The offline model's answer to "what data can I ask about?": the tables ``get_sql_context``
found for the question, with their descriptions and columns, and questions to try."""

from __future__ import annotations

from agent.offline.answers import AnswerContext, phrase
from tools.results import Failure, is_failure

MAX_TABLES = 4
MAX_COLUMNS = 12


def write_schema_answer(ctx: AnswerContext) -> str:
    """The relevant tables (description and columns) and the closest sample questions."""
    response = ctx.response or {}
    if is_failure(response):
        return phrase("tool_error", ctx.lang, message=Failure.from_dict(response).message)
    lines = [phrase("schema_intro", ctx.lang, tables=", ".join(
        t.removeprefix("cymbal.") for t in response.get("available_tables", [])))]
    for table in response.get("tables", [])[:MAX_TABLES]:
        columns = [c["name"] for c in table.get("columns", [])]
        more = phrase("list_more", ctx.lang, n=len(columns)) if len(columns) > MAX_COLUMNS else ""
        lines.append(f"- {table['table'].removeprefix('cymbal.')}: {table.get('description', '')}"
                     f" ({', '.join(columns[:MAX_COLUMNS])}{more})")
    examples = [e["question"] for e in response.get("examples", [])[:3]]
    if examples:
        lines.append(phrase("schema_examples", ctx.lang))
        lines += [f"- {q}" for q in examples]
    return "\n".join(lines)
