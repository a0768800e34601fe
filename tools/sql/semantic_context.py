"""The part of the semantic model a question touches, for a model writing SQL.

``get_sql_context`` adds it to what the LLM path receives: the measures, attributes and
dimensions the question's words name (with their SQL, table, unit and the condition a
measure always carries), the joins between their tables, and — when the offline reader can
compose the query itself — that query and how it read the question, as a starting point.
"""

from __future__ import annotations

from typing import Any

from tools.sql.mentions import Mention
from tools.sql.query_plan import PlanError
from tools.sql.question_parser import QuestionReader, question_lexicon
from tools.sql.question_words import Phrase, tokenize
from tools.sql.semantic_model import load_semantic_model


def semantic_context(question: str, mentions: list[Mention], lang: str) -> dict[str, Any]:
    model = load_semantic_model()
    lexicon = question_lexicon()
    senses = [s for item in lexicon.read(tokenize(question)) if isinstance(item, Phrase)
              for s in item.senses]
    measures = {s.name: model.measures[s.name] for s in senses if s.role == "measure"}
    for s in senses:
        if s.role == "entity":
            count = model.entities[s.name].count
            measures[count] = model.measures[count]
    attributes = {s.name: model.attributes[s.name] for s in senses
                  if s.role in ("attribute", "rank")}
    dimensions = {s.name: model.dimensions[s.name] for s in senses if s.role == "dimension"}
    tables = {m.table for m in measures.values()} | {a.table for a in attributes.values()} | \
        {d.table for d in dimensions.values()}
    out: dict[str, Any] = {
        "measures": [{"name": m.name, "sql": m.sql, "table": f"cymbal.{m.table}",
                      "alias": model.alias(m.table), "unit": m.unit, "meaning": m.label.en,
                      **({"always_where": m.where} if m.where else {})}
                     for m in measures.values()],
        "attributes": [{"name": a.name, "sql": a.sql, "table": f"cymbal.{a.table}",
                        "unit": a.unit, "meaning": a.label.en} for a in attributes.values()],
        "dimensions": [{"name": d.name, "sql": d.sql, "table": f"cymbal.{d.table}",
                        "meaning": d.label.en} for d in dimensions.values()],
        "joins": [{"from": f"cymbal.{j.fact} AS {model.alias(j.fact)}",
                   "to": f"cymbal.{j.entity} AS {model.alias(j.entity)}", "on": j.on}
                  for j in model.joins if j.fact in tables or j.entity in tables],
    }
    try:
        reading = QuestionReader(model, lexicon).read(question, mentions, lang)
    except PlanError:
        reading = None
    if reading is not None and reading.plan is not None:
        out["composed_query"] = {"sql": reading.plan.to_sql(model),
                                 "reading": reading.plan.reading(lang)}
    return out
