"""Setup steps for text-to-SQL: the value index and the knowledge vector index.

Both run after the tables are built (base and derived), so they see every value and every
table; both are idempotent (the value index is rewritten only when it changed, the vector
index embeds only new or changed documents).
"""

from __future__ import annotations

from pipeline.steps import SetupContext, StepResult
from tools.sql.intents import extra_intents
from tools.sql.knowledge import available_samples
from tools.sql.knowledge_index import (
    KnowledgeDoc,
    build_index,
    glossary_documents,
    sample_documents,
    schema_documents,
)
from tools.sql.value_index import index_path, read_values, save_index
from tools.warehouse import open_warehouse


def build_value_index(ctx: SetupContext) -> StepResult:
    """Cities, segments, products, ids and dates of the warehouse, with their names."""
    warehouse = open_warehouse(ctx.settings)
    try:
        ctx.reporter.update("value index", 0, 1)
        index = read_values(warehouse)
    finally:
        warehouse.close()
    changed = save_index(index, index_path(ctx.settings))
    ctx.reporter.update("value index", 1, 1)
    if changed:
        ctx.rebuilt.add("value_index")
    counts = ", ".join(f"{kind} {len(values)}" for kind, values in sorted(index.values.items()))
    return StepResult("value index", f"{counts}; latest date {index.anchor_date}",
                      skipped=not changed)


def knowledge_documents(tables: set[str]) -> list[KnowledgeDoc]:
    """Samples over existing tables, the offline intents, the schema and the glossary."""
    docs = sample_documents(available_samples(tables))
    for intent in extra_intents():
        for i, (lang, template) in enumerate(intent.phrasings):
            docs.append(KnowledgeDoc(
                id=f"intent:{intent.id}:{i}",
                text=intent.render_text(template, intent.example_values(), lang),
                kind="intent", ref=intent.id, meta={"lang": lang, "category": intent.category}))
    return docs + schema_documents(sorted(tables)) + glossary_documents()


def build_knowledge_index(ctx: SetupContext) -> StepResult:
    """The chroma "knowledge" collection, embedded with the configured provider."""
    warehouse = open_warehouse(ctx.settings)
    try:
        tables = set(warehouse.catalog().table_names())
    finally:
        warehouse.close()
    docs = knowledge_documents(tables)
    written, removed = build_index(docs, progress=ctx.reporter.update, settings=ctx.settings)
    if written or removed:
        ctx.rebuilt.add("knowledge_index")
    kinds = {kind: sum(d.kind == kind for d in docs) for kind in
             ("sample", "intent", "schema", "glossary")}
    summary = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    return StepResult("knowledge index", f"{summary} ({written} embedded, {removed} removed)",
                      skipped=not (written or removed))
