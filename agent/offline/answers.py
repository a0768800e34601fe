"""The offline model's answers: short text in the user's language with the key numbers.

Writers are chosen by the tool an intent called: ``run_sql`` results are written here, the
other tools' in ``agent.offline.writers``; a capability adds its own with
``@register_writer("its_tool")``, or names one in its intent file
(``writer: package.module:function``). A writer receives an ``AnswerContext`` of a tool
that succeeded and returns the answer text; a tool's error result is answered before any
tool writer runs, by ``failure_answer`` (an intent's own writer reads errors itself).
Phrases and the words for tool values live in ``knowledge/offline/answers.yaml``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlglot
import yaml
from sqlglot import exp

from config.settings import PROJECT_ROOT
from tools.results import Failure, Table, is_failure
from tools.sql.intents import Intent
from tools.sql.knowledge import load_glossary
from tools.sql.slot_values import SlotValue
from tools.vocabulary.spelling import Correction

ANSWERS_PATH = PROJECT_ROOT / "knowledge" / "offline" / "answers.yaml"
_MONEY = re.compile(r"revenue|price|spend|monetary|order_value|avg_spend")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_ID_COLUMN = re.compile(r"product_(?:id|key)")  # a catalog row's id: its title names it


@dataclass
class AnswerContext:
    """Everything a writer may use: the question, the filled intent and the tool's response."""

    question: str
    lang: str
    intent: Intent
    values: dict[str, SlotValue] = field(default_factory=dict)
    filters: list[SlotValue] = field(default_factory=list)
    limit: int | None = None
    response: dict[str, Any] | None = None
    examples: list[str] = field(default_factory=list)
    followup: bool = False


Writer = Callable[[AnswerContext], str]
_WRITERS: dict[str, Writer] = {}


def register_writer(tool: str) -> Callable[[Writer], Writer]:
    """Register the answer writer for results of ``tool``."""
    def decorate(writer: Writer) -> Writer:
        _WRITERS[tool] = writer
        return writer
    return decorate


@lru_cache(maxsize=1)
def _phrasebook() -> dict[str, Any]:
    return yaml.safe_load(ANSWERS_PATH.read_text(encoding="utf-8"))


def _fill(text: str, values: dict[str, object]) -> str:
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def phrase(name: str, lang: str, /, **values: object) -> str:
    return _fill(_phrasebook()["phrases"][name]["ko" if lang == "ko" else "en"], values)


def term(kind: str, value: str, lang: str, /, **values: object) -> str:
    """How a tool's ``value`` of ``kind`` (an email status, a tone, an offer type) reads in
    ``lang``; the value itself when the phrasebook has no word for it."""
    given = _phrasebook()["terms"].get(kind, {}).get(value)
    return _fill(given["ko" if lang == "ko" else "en"], values) if given else value


def label(column: str, lang: str) -> str:
    given = _phrasebook()["labels"].get(column)
    if given:
        return given["ko" if lang == "ko" else "en"]
    return column.replace("_", " ")


def format_value(column: str, value: Any, lang: str) -> str:
    """A cell as a person reads it: thousands separators, %, won, yes/no, and glossary
    values by their label in the answer's language."""
    if value is None:
        return "—"
    kind = _phrasebook()["value_columns"].get(column)
    if kind and isinstance(value, str):
        return load_glossary().label(kind, value, lang)
    if isinstance(value, bool):
        return phrase("yes_word" if value else "no_word", lang)
    if isinstance(value, (int, float)):
        number = float(value)
        if column == "id" or column.endswith(("_id", "_key")):
            return f"#{int(number)}" if number.is_integer() else str(value)  # never "1,004"
        if column.endswith("_pct"):
            return f"{number:,.1f}%"
        if number.is_integer() and abs(number) >= 1:
            text = f"{int(number):,}"
        elif abs(number) >= 100:
            text = f"{number:,.0f}"
        else:
            text = f"{number:,.2f}".rstrip("0").rstrip(".")
        if _MONEY.search(column):
            return f"{text}원" if lang == "ko" else f"₩{text}"
        return text
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def leading_rows(columns: list[str], rows: list[list[Any]], lang: str, limit: int = 5,
                 every_measure: bool = False, lead: str | None = None) -> str:
    """The first rows as "label value, label value, …" (the ``lead`` measure, the one the
    rows are ranked by, else the first), or with ``every_measure`` "label (measure value,
    measure value), …" when the rows carry several (positive, negative and neutral counts
    per month). A product's id is left out beside its title."""
    if not rows:
        return ""
    numeric = [i for i, v in enumerate(rows[0]) if _is_number(v)]
    labels = [i for i in range(len(columns)) if i not in numeric] or [0]
    named = [i for i in labels if not _ID_COLUMN.fullmatch(columns[i])]
    labels = named if named and len(named) < len(labels) else labels
    measures = [i for i in numeric if i not in labels and not _ID_COLUMN.fullmatch(columns[i])]
    measures.sort(key=lambda i: columns[i] != lead)
    parts = []
    for row in rows[:limit]:
        name = " / ".join(format_value(columns[i], row[i], lang) for i in labels[:2])
        if every_measure and len(measures) > 1:
            values = ", ".join(f"{label(columns[i], lang)} {format_value(columns[i], row[i], lang)}"
                               for i in measures[:4])
            parts.append(f"{name} ({values})")
        else:
            parts.append(name if not measures else
                         f"{name} {format_value(columns[measures[0]], row[measures[0]], lang)}")
    text = ", ".join(parts)
    if len(rows) > limit:
        text += phrase("list_more", lang, n=f"{len(rows):,}")
    return text


def _filters_note(ctx: AnswerContext) -> str:
    items = [f.label(ctx.lang) for f in ctx.filters]
    if ctx.limit:
        items.append(phrase("top", ctx.lang, n=ctx.limit))
    return phrase("filters", ctx.lang, items=", ".join(items)) if items else ""


@lru_cache(maxsize=512)
def ranked_by(sql: str) -> str | None:
    """The result column a query's rows are ordered by first, if it orders by a column."""
    try:
        tree = sqlglot.parse_one(sql, read="bigquery")
    except sqlglot.errors.ParseError:
        return None
    order = tree.args.get("order")
    first = order.expressions[0].this if order and order.expressions else None
    return first.name if isinstance(first, exp.Column) else None


def _template_answer(ctx: AnswerContext, columns: list[str], rows: list[list[Any]]) -> str | None:
    template = ctx.intent.answer.get(ctx.lang) or (ctx.intent.answer.get("en")
                                                   if ctx.lang == "en" else None)
    if not template:
        return None
    first = dict(zip(columns, rows[0], strict=False)) if rows else {}
    known: dict[str, str] = {c: format_value(c, v, ctx.lang) for c, v in first.items()}
    known.update({name: value.label(ctx.lang) for name, value in ctx.values.items()})
    known["rows"] = f"{len(rows):,}"
    known["list"] = leading_rows(columns, rows, ctx.lang, lead=ranked_by(
        ctx.intent.sample.sql) if ctx.intent.sample else None)
    names = set(_PLACEHOLDER.findall(template))
    if not names <= set(known):
        return None
    return _PLACEHOLDER.sub(lambda m: known[m.group(1)], template)


def _generic_answer(ctx: AnswerContext, columns: list[str], rows: list[list[Any]]) -> str:
    if len(rows) == 1:
        items = "; ".join(f"{label(c, ctx.lang)}: {format_value(c, v, ctx.lang)}"
                          for c, v in zip(columns, rows[0], strict=False))
        return phrase("one_row_generic", ctx.lang, items=items)
    return phrase("rows_generic", ctx.lang, insight=insight(columns, rows, ctx.lang),
                  list=leading_rows(columns, rows, ctx.lang, every_measure=True))


_MONTH = re.compile(r"^\d{4}-\d{2}$")
_SENTIMENTS = ("positive", "neutral", "negative")


def insight(columns: list[str], rows: list[list[Any]], lang: str) -> str:
    """What a result says in one sentence: over months, where its first measure (or, for
    positive / neutral / negative counts, the negative share) peaked and bottomed out;
    otherwise which row leads its first measure and who follows."""
    numeric = [i for i, v in enumerate(rows[0]) if _is_number(v)]
    names = [i for i in range(len(columns)) if i not in numeric and
             not _ID_COLUMN.fullmatch(columns[i])]
    if not numeric or not names:
        return ""
    at, lead = names[0], numeric[0]
    name = [format_value(columns[at], r[at], lang) for r in rows]
    if all(_MONTH.match(str(r[at])) for r in rows):
        parts = [i for i in numeric if columns[i] in _SENTIMENTS]
        if len(parts) == len(_SENTIMENTS):
            negative = columns.index("negative")
            totals = [sum(float(r[i] or 0) for i in parts) or 1.0 for r in rows]
            shares = [float(r[negative] or 0) / t for r, t in zip(rows, totals, strict=True)]
            top, low = _peak(shares), _low(shares)
            part = label("negative", lang)
            return phrase("peak_share", lang, part_cap=part[:1].upper() + part[1:], part=part,
                          at=name[top], share=f"{shares[top]:.1%}",
                          n=f"{int(rows[top][negative]):,}", total=f"{int(totals[top]):,}",
                          low_at=name[low], low=f"{shares[low]:.1%}")
        values = [float(r[lead] or 0) for r in rows]
        top, low = _peak(values), _low(values)
        measure = label(columns[lead], lang)
        return phrase("peak", lang, measure_cap=measure[:1].upper() + measure[1:], measure=measure,
                      at=name[top], value=format_value(columns[lead], rows[top][lead], lang),
                      low_at=name[low], low=format_value(columns[lead], rows[low][lead], lang))
    order = sorted(range(len(rows)), key=lambda i: (-float(rows[i][lead] or 0), i))
    rest = ", ".join(f"{name[i]} {format_value(columns[lead], rows[i][lead], lang)}"
                     for i in order[1:3])
    measure = label(columns[lead], lang)
    return phrase("leader", lang, measure_cap=measure[:1].upper() + measure[1:], measure=measure,
                  name=name[order[0]], value=format_value(columns[lead], rows[order[0]][lead],
                                                          lang),
                  rest=rest, n=f"{len(rows):,}")


def _peak(values: list[float]) -> int:
    return max(range(len(values)), key=lambda i: (values[i], -i))


def _low(values: list[float]) -> int:
    return min(range(len(values)), key=lambda i: (values[i], i))


@register_writer("run_sql")
def write_table_answer(ctx: AnswerContext) -> str:
    """Answer from a query result: the intent's template, else a generic summary."""
    table = Table.from_response(ctx.response) or Table(columns=[], rows=[])
    columns, rows = table.columns, table.rows
    unknown = table.extra.get("unknown_customers")
    if not rows and unknown:
        return (phrase("error_unknown_customer", ctx.lang,
                       customer=", ".join(map(str, unknown)))
                + phrase("error_unknown_customer_suggest", ctx.lang,
                         items=", ".join(map(str, table.extra.get("suggestions", [])))))
    if not rows:
        items = ", ".join(f.label(ctx.lang) for f in ctx.filters)
        return phrase("no_rows", ctx.lang,
                      filters=phrase("filters_inline", ctx.lang, items=items) if items else "")
    text = _template_answer(ctx, columns, rows) or _generic_answer(ctx, columns, rows)
    text += _filters_note(ctx)
    if table.truncated:
        text += phrase("truncated", ctx.lang, n=len(rows))
    return (phrase("followup_note", ctx.lang) if ctx.followup else "") + text


def failure_answer(ctx: AnswerContext) -> str | None:
    """The answer to a tool's ``Failure`` in the words of the intent's values."""
    known = {name: value.label(ctx.lang) for name, value in ctx.values.items()}
    return failure_text(ctx.response, ctx.lang, known)


def failure_text(response: dict[str, Any] | None, lang: str,
                 known: dict[str, str] | None = None) -> str | None:
    """The answer to a tool's ``Failure``: the phrasebook's words for the error where it has
    them (``error_<code>``), else the tool's own message, and the closest values the tool
    suggests; None when the tool succeeded."""
    if response is None or not is_failure(response):
        return None
    failed = Failure.from_dict(response)
    code = failed.code
    message = failed.details.get("message_ko") if lang == "ko" else None  # the tool's own
    message = str(message or failed.message)  # Korean words, where it has them
    shown = failed.details.get("options") or failed.suggestions
    items = ", ".join(str(s) for s in shown[:5])
    known = dict(known or {})
    known.update(message=message, items=items,
                 customer=known.get("customer_id", ""), name=known.get("name", ""))
    book = _phrasebook()["phrases"]
    if f"error_{code}" in book:
        text = phrase(f"error_{code}", lang, **known)
        if f"error_{code}_suggest" in book and items:
            text += phrase(f"error_{code}_suggest", lang, items=items)
        return text
    text = phrase("error_generic", lang, message=message)
    return text + (phrase("error_suggestions", lang, items=items) if items else "")


def write_direct_answer(ctx: AnswerContext) -> str:
    """An intent without a tool: its template, with {examples} as a numbered list."""
    template = ctx.intent.answer.get(ctx.lang) or ctx.intent.answer.get("en", "")
    examples = "\n".join(f"- {q}" for q in ctx.examples)
    return template.replace("{examples}", examples)


def _import(path: str) -> Writer:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def write_answer(ctx: AnswerContext) -> str:
    """The answer for ``ctx``, by the intent's own writer, its tool's, or the generic one."""
    if ctx.intent.writer:
        return _import(ctx.intent.writer)(ctx)
    if ctx.intent.tool is None:
        return write_direct_answer(ctx)
    failed = failure_answer(ctx)
    if failed is not None:
        return failed
    writer = _WRITERS.get(ctx.intent.tool)
    if writer is not None:
        return writer(ctx)
    if Table.from_response(ctx.response) is not None:
        return write_table_answer(ctx)
    response = ctx.response or {}
    return str(response.get("summary") or response)


def spelling_note(lang: str, corrections: Iterable[Correction]) -> str:
    """One line saying which typed words were read as which: a wrong guess is visible."""
    pairs = ", ".join(f"“{c.written}” → “{c.read_as}”" for c in corrections)
    return phrase("spelling", lang, corrections=pairs)


def decline(lang: str, suggestions: list[str], unplaced: list[str],
            missing_tables: list[str] | None = None) -> str:
    """Saying plainly that the question is beyond the offline model, with what it can answer
    (and which tables it waits for, when the question needs ones not built yet)."""
    listed = "\n".join(f"{i}. {q}" for i, q in enumerate(suggestions, 1))
    if missing_tables:
        return phrase("missing_table", lang, tables=", ".join(missing_tables),
                      suggestions=listed)
    reason = phrase("decline_values", lang, values=", ".join(unplaced)) if unplaced else ""
    return phrase("decline", lang, reason=reason, suggestions=listed)
