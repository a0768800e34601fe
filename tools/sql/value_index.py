"""The value index: which cities, genders, categories, sources, products, segments, customer
ids and dates the warehouse holds, and the English and Korean words for each.

``cymbal setup`` reads the values from the warehouse through the safe SQL path and stores
them in ``data/value_index.json``; the glossary adds the words people use ("부산" -> Busan).
Questions are matched against it to fill slots and to recognise filters.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import Settings
from tools.sql.knowledge import Glossary, load_glossary
from tools.warehouse.base import Warehouse

logger = logging.getLogger(__name__)

VERSION = 1
FILE_NAME = "value_index.json"
SEGMENT_SQL = (
    "CONCAT(IF(c.age < 40, 'Younger_Adult', 'Older_Adult'), '_', UPPER(c.gender), '_', "
    "IF(c.loyalty_member, 'LOYAL', 'NON_LOYAL'))"
)
# (value type, table, column) read with SELECT DISTINCT when the table exists.
_DISTINCT = [
    ("city", "customers", "address_city"),
    ("gender", "customers", "gender"),
    ("category", "products", "categories"),
    ("availability", "products", "availability"),
    ("product", "products", "title"),
    ("social_media_source", "customer_reviews", "social_media_source"),
    ("status", "orders", "status"),
    ("sentiment", "multimodal_customer_reviews", "text_sentiment"),
    ("issue_category", "multimodal_customer_reviews", "issue_category"),
    ("rfm_cluster", "rfm_clusters", "cluster_name"),
    ("first_name", "customers", "first_name"),  # a customer asked for by name
    ("last_name", "customers", "last_name"),
]
_ANCHORS = [("customer_reviews", "review_datetime"), ("orders", "order_datetime")]
_PAGE = 500


@dataclass
class ValueIndex:
    """Values present in the data, by type, plus the data's date anchor and id range."""

    values: dict[str, list[str]] = field(default_factory=dict)
    anchor_date: str | None = None  # the latest date in the data: "today" for relative dates
    customer_ids: dict[str, int] = field(default_factory=dict)  # min, max, count
    tables: list[str] = field(default_factory=list)

    def anchor(self) -> dt.date:
        return dt.date.fromisoformat(self.anchor_date) if self.anchor_date else dt.date.today()

    def has(self, kind: str, value: str) -> bool:
        return value in self.values.get(kind, ())

    def is_customer_id(self, number: int) -> bool:
        ids = self.customer_ids
        return bool(ids) and ids["min"] <= number <= ids["max"]

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION, "values": self.values, "anchor_date": self.anchor_date,
                "customer_ids": self.customer_ids, "tables": self.tables}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ValueIndex:
        return cls(values={k: list(v) for k, v in data.get("values", {}).items()},
                   anchor_date=data.get("anchor_date"),
                   customer_ids=dict(data.get("customer_ids", {})),
                   tables=list(data.get("tables", [])))


def index_path(settings: Settings) -> Path:
    return settings.data_dir / FILE_NAME


def _distinct(warehouse: Warehouse, table: str, expr: str, alias: str = "t") -> list[str]:
    values: list[str] = []
    offset = 0
    while True:
        result = warehouse.run_query(
            f"SELECT DISTINCT {expr} AS v FROM {warehouse.dataset}.{table} AS {alias} "
            f"WHERE {expr} IS NOT NULL ORDER BY v LIMIT {_PAGE} OFFSET {offset}")
        values += [str(row[0]) for row in result.rows]
        if len(result.rows) < _PAGE:
            return values
        offset += _PAGE


def read_values(warehouse: Warehouse, glossary: Glossary | None = None) -> ValueIndex:
    """Read every indexed value from ``warehouse`` (through its safe query path)."""
    glossary = glossary or load_glossary()
    catalog = warehouse.catalog()
    index = ValueIndex(tables=catalog.table_names())
    for kind, table, column in _DISTINCT:
        if catalog.has_table(table) and column in catalog.columns(table):
            index.values[kind] = _distinct(warehouse, table, f"t.{column}")
    for kind in ("sentiment", "issue_category"):  # closed sets known before enrichment
        index.values.setdefault(kind, list(glossary.synonyms.get(kind, {})))
    if "sentiment" in index.values and "unhappy" not in index.values["sentiment"]:
        index.values["sentiment"].append("unhappy")  # negative or neutral, per the glossary
    index.values["loyalty"] = ["TRUE", "FALSE"]
    index.values["age_group"] = ["Younger_Adult", "Older_Adult"]
    if catalog.has_table("customers"):
        index.values["segment"] = _distinct(warehouse, "customers", SEGMENT_SQL, alias="c")
        ids = warehouse.run_query(f"SELECT MIN(c.customer_id), MAX(c.customer_id), COUNT(*) "
                                  f"FROM {warehouse.dataset}.customers AS c").rows[0]
        if ids[2]:
            index.customer_ids = {"min": int(ids[0]), "max": int(ids[1]), "count": int(ids[2])}
    latest = [warehouse.run_query(f"SELECT MAX(t.{col}) FROM {warehouse.dataset}.{table} AS t")
              .rows[0][0] for table, col in _ANCHORS if catalog.has_table(table)]
    dates = [str(v)[:10] for v in latest if v]
    index.anchor_date = max(dates) if dates else None
    return index


def save_index(index: ValueIndex, path: Path) -> bool:
    """Write ``index`` to ``path``; return False when the file already held the same index."""
    text = json.dumps(index.to_json(), ensure_ascii=False, indent=1, sort_keys=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return True


_cache: dict[str, tuple[float, ValueIndex]] = {}


def load_index(settings: Settings, warehouse: Warehouse | None = None) -> ValueIndex:
    """The stored index (re-read when the file changes); read live if it was never built."""
    path = index_path(settings)
    if path.exists():
        stamp = path.stat().st_mtime
        cached = _cache.get(str(path))
        if cached and cached[0] == stamp:
            return cached[1]
        try:
            index = ValueIndex.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("value index %s is unreadable; reading values from the warehouse "
                           "(rebuild it with `cymbal setup --force`)", path)
        else:
            _cache[str(path)] = (stamp, index)
            return index
    if warehouse is None:
        from tools.warehouse import get_warehouse

        warehouse = get_warehouse()
    return read_values(warehouse)
