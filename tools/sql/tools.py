"""The agent's text-to-SQL tools: look up what is needed to write a query, then run it.

``get_sql_context`` hands the model the tables, closest sample pairs, glossary entries and
recognised values for a question; ``run_sql`` runs one query through the warehouse's safe
path. A refused or failed query comes back as data (code, message, closest names, hint) so
the model can correct itself, at most ``sql_max_attempts`` times per turn.
"""

from __future__ import annotations

from typing import Any

import sqlglot
from google.adk.tools.tool_context import ToolContext
from rapidfuzz import fuzz
from sqlglot import exp

from config.settings import get_settings
from tools.customers.lookup import closest_ids, unknown_customer_ids
from tools.results import failure
from tools.search.vector_index import IndexMissingError
from tools.sql.filters import describe
from tools.sql.knowledge import SqlSample, available_samples, load_glossary
from tools.sql.knowledge_index import search
from tools.sql.mentions import MentionFinder
from tools.sql.semantic_context import semantic_context
from tools.sql.value_index import load_index
from tools.vocabulary.language import language_of
from tools.warehouse import SqlError, get_warehouse
from tools.warehouse.base import QueryResult
from tools.warehouse.schema import load_schema

ATTEMPTS_KEY = "temp:sql_attempts"
RULES = [
    "Write one BigQuery SELECT (or WITH ... SELECT); name tables as cymbal.<table> and give "
    "each an alias.",
    "products.product_id is a STRING: join with CAST(p.product_id AS INT64) = o.product_id.",
    "Relative dates count back from the latest date in the data (see latest_data_date), "
    "never from CURRENT_DATE: the data covers a past year.",
    "Revenue and purchases count order lines with status IN ('Complete', 'Shipped').",
    "Aggregate in SQL and add ORDER BY; a result shows at most result_row_limit rows.",
]


def _table_entry(name: str, columns: dict[str, str]) -> dict[str, Any]:
    spec = load_schema().get(name)
    described = {c.name: c for c in spec.columns} if spec else {}
    out: dict[str, Any] = {"table": f"cymbal.{name}",
                           "description": spec.description if spec else ""}
    out["columns"] = [
        {"name": col, "type": kind, **({"description": described[col].description}
                                       if col in described else {}),
         **({"values": list(described[col].values)} if col in described and
            described[col].values else {})}
        for col, kind in columns.items()]
    return out


def _closest_samples(question: str, samples: list[SqlSample], k: int) -> list[SqlSample]:
    """By the vector index; by spelling when the index has not been built."""
    by_id = {s.id: s for s in samples}
    try:
        hits = search(question, ["sample"], k=4 * k)
        ranked = [by_id[h.ref] for h in hits if h.ref in by_id]
    except IndexMissingError:
        def score(sample: SqlSample) -> float:
            return max(fuzz.ratio(question.lower(), sample.example_question(lang).lower())
                       for lang in ("en", "ko"))
        ranked = sorted(samples, key=score, reverse=True)
    return list({s.id: s for s in ranked}.values())[:k]


def _glossary(question: str) -> list[str]:
    try:
        return [h.text for h in search(question, ["glossary"], k=3)]
    except IndexMissingError:
        words = question.lower()
        return [t.document() for t in load_glossary().terms
                if any(a.lower() in words for a in (t.term, t.ko, *t.aliases))][:3]


def get_sql_context(question: str) -> dict[str, Any]:
    """Everything needed to write SQL for a question: call it before writing a query.

    Args:
        question: the user's question, in their words (English or Korean).

    Returns:
        tables: the relevant tables with column names, types, descriptions and allowed values;
        examples: the closest verified question/SQL pairs (adapt them rather than start over);
        glossary: business terms that apply (e.g. what an unhappy customer is);
        semantic_model: the measures, attributes, dimensions and joins the question names,
            with their SQL, and a composed_query with its reading when one could be built;
        recognized_values: words in the question that name data values, with the SQL condition;
        available_tables: every table in the dataset; latest_data_date; rules to follow.
    """
    settings = get_settings()
    warehouse = get_warehouse()
    try:
        catalog = warehouse.catalog()
    except SqlError as err:
        return err.to_dict()
    tables = set(catalog.table_names())
    examples = _closest_samples(question, available_samples(tables),
                                settings.sql_context_examples)
    wanted = list(dict.fromkeys(t for s in examples[:3] for t in s.tables))
    try:
        wanted += [h.ref for h in search(question, ["schema"], k=2) if h.ref in tables]
    except IndexMissingError:
        pass
    index = load_index(settings, warehouse)
    recognized = []
    mentions = MentionFinder(index).find(question)
    for mention in mentions:
        condition = describe(mention.type, mention.value, catalog)
        recognized.append({"words": mention.text, "type": mention.type,
                           "value": mention.value.value,
                           **({"condition": condition} if condition else {})})
    return {
        "tables": [_table_entry(t, catalog.columns(t)) for t in dict.fromkeys(wanted)],
        "examples": [{"question": s.example_question("en"), "sql": s.render_sql()}
                     for s in examples],
        "glossary": _glossary(question),
        "semantic_model": semantic_context(question, mentions, language_of(question)),
        "recognized_values": recognized,
        "available_tables": catalog.table_names(),
        "latest_data_date": index.anchor_date,
        "result_row_limit": settings.sql_result_rows,
        "rules": RULES,
    }


def summarize(result: QueryResult, rows: int | None = None) -> str:
    """One line: size, columns and the first row."""
    shown = len(result.rows) if rows is None else rows
    if not result.rows:
        return f"No rows (columns: {', '.join(result.columns)})."
    first = ", ".join(f"{c}={v}" for c, v in zip(result.columns, result.rows[0], strict=False))
    more = "+ (truncated)" if result.truncated else ""
    if shown == 1:
        return f"1 row: {first}."
    return f"{shown}{more} rows x {len(result.columns)} columns; first row: {first}."


def run_sql(sql: str, tool_context: ToolContext) -> dict[str, Any]:
    """Run one BigQuery-dialect SELECT over the cymbal dataset and return its result.

    The query is checked before it runs (one read-only statement, known tables and columns).
    If it is refused or fails, the result has "error" (a code), "message", "suggestions"
    (closest real names) and "hint": fix the query and call run_sql again.

    Args:
        sql: one SELECT (or WITH ... SELECT) query; tables as cymbal.<table>.

    Returns:
        columns, rows (capped), row_count, truncated (more rows exist), sql (as run) and a
        one-line summary; with no rows because a customer id the query names does not exist,
        also unknown_customers and suggestions (the closest real ids); or an error as
        described above.
    """
    settings = get_settings()
    state = tool_context.state
    attempts = state.get(ATTEMPTS_KEY) or {}
    if attempts.get("invocation") != tool_context.invocation_id:
        attempts = {"invocation": tool_context.invocation_id, "failures": 0}
    if attempts["failures"] >= settings.sql_max_attempts:
        return failure("retry_limit", f"{attempts['failures']} queries failed in this turn; "
                       "no more are run.",
                       hint="Stop querying. Tell the user what you tried and what went wrong.")
    try:
        result = get_warehouse().run_query(sql, max_rows=settings.sql_result_rows)
    except SqlError as err:
        attempts["failures"] += 1
        state[ATTEMPTS_KEY] = attempts
        return {**err.to_dict(),
                "attempts_left": settings.sql_max_attempts - attempts["failures"]}
    state[ATTEMPTS_KEY] = attempts
    answer = {"columns": result.columns, "rows": result.rows, "row_count": len(result.rows),
              "truncated": result.truncated, "sql": sql.strip(), "summary": summarize(result)}
    missing = [] if result.rows else unknown_customer_ids(customer_ids_in(sql))
    if missing:  # "no rows" because the customer does not exist: say so, with real ids near it
        answer["unknown_customers"] = missing
        answer["suggestions"] = [str(i) for i in closest_ids(missing[0])]
        answer["summary"] = (f"No rows: there is no customer {', '.join(map(str, missing))} "
                             f"(closest ids: {', '.join(answer['suggestions'])}).")
    return answer


def customer_ids_in(sql: str) -> list[int]:
    """The customer ids a query filters on (``customer_id = 42``, ``customer_id IN (…)``)."""
    try:
        tree = sqlglot.parse_one(sql, dialect="bigquery")
    except sqlglot.errors.ParseError:
        return []
    ids: list[int] = []
    for node in tree.find_all(exp.EQ, exp.In):
        column = node.this if isinstance(node.this, exp.Column) else node.expression
        if not isinstance(column, exp.Column) or column.name.lower() != "customer_id":
            continue
        values = node.expressions if isinstance(node, exp.In) else [
            node.expression if column is node.this else node.this]
        ids += [int(v.this) for v in values
                if isinstance(v, exp.Literal) and str(v.this).isdigit()]
    return ids
