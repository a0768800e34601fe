"""Narrowing a query by a recognised value: "only Seoul", "loyal members", "in May", ...

A filter knows which columns carry its value (``address_city`` for a city) and, for tables
without them, which key leads to a table that has them (``customer_id`` -> customers). It is
added to every SELECT that reads such a table directly, so numerators and denominators
narrow together; the CTE named ``anchor`` (the latest date used by relative ranges) is left
alone. The SQL stays BigQuery SQL and still goes through the guard before it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from tools.sql.slot_values import SlotValue
from tools.warehouse.catalog import Catalog

ANCHOR_CTE = "anchor"
_SEGMENT_COLUMNS = ("age", "gender", "loyalty_member")
Condition = Callable[[str, str, SlotValue], str]  # (alias, column, value) -> SQL


def _quoted(value: SlotValue) -> str:
    return f"'{value.sql_text()}'"


def _equals(alias: str, column: str, value: SlotValue) -> str:
    return f"{alias}.{column} = {_quoted(value)}"


def _range(alias: str, column: str, value: SlotValue) -> str:
    low, high = value.value.split("..")
    parts = ([f"{alias}.{column} >= {int(low)}"] if low else []) + \
        ([f"{alias}.{column} <= {int(high)}"] if high else [])
    return " AND ".join(parts)


def _gender(alias: str, column: str, value: SlotValue) -> str:
    return f"UPPER({alias}.{column}) = UPPER({_quoted(value)})"


def _loyalty(alias: str, column: str, value: SlotValue) -> str:
    if column == "loyalty_status":
        return f"{alias}.{column} = '{'LOYAL' if value.value == 'TRUE' else 'NON_LOYAL'}'"
    return f"{alias}.{column} = {value.value}"


def _age_group(alias: str, column: str, value: SlotValue) -> str:
    if column == "age_group":
        return _equals(alias, column, value)
    return f"{alias}.age {'<' if value.value == 'Younger_Adult' else '>='} 40"


def _segment(alias: str, column: str, value: SlotValue) -> str:
    if column != "age":  # a column holding the segment name
        return _equals(alias, column, value)
    parts = value.value.split("_")
    age, gender, loyalty = "_".join(parts[:2]), parts[2], "_".join(parts[3:])
    return " AND ".join([
        f"{alias}.age {'<' if age == 'Younger_Adult' else '>='} 40",
        f"UPPER({alias}.gender) = '{gender}'",
        f"{alias}.loyalty_member = {'TRUE' if loyalty == 'LOYAL' else 'FALSE'}",
    ])


def _period(alias: str, column: str, value: SlotValue) -> str:
    return f"{alias}.{column} >= '{value.start}' AND {alias}.{column} < '{value.end}'"


def _sentiment(alias: str, column: str, value: SlotValue) -> str:
    if value.value == "unhappy":
        return f"{alias}.{column} IN ('negative', 'neutral')"
    return _equals(alias, column, value)


def _number(alias: str, column: str, value: SlotValue) -> str:
    return f"{alias}.{column} = {int(value.value)}"


@dataclass(frozen=True)
class FilterRule:
    """Columns that carry a value type directly, and (key, table) routes to them."""

    columns: tuple[str, ...]
    condition: Condition
    via: tuple[tuple[str, str], ...] = ()  # (key column here, table with the columns)
    example_table: str = ""


_CUSTOMER = (("customer_id", "customers"),)
_PRODUCT = (("product_id", "products"),)
_REVIEW = (("customer_review_id", "multimodal_customer_reviews"),)
RULES: dict[str, FilterRule] = {
    "city": FilterRule(("address_city",), _equals, _CUSTOMER, "customers"),
    "gender": FilterRule(("gender",), _gender, _CUSTOMER, "customers"),
    "loyalty": FilterRule(("loyalty_member", "loyalty_status"), _loyalty, _CUSTOMER, "customers"),
    "age_group": FilterRule(("age_group", "age"), _age_group, _CUSTOMER, "customers"),
    "age": FilterRule(("age",), _range, _CUSTOMER, "customers"),
    "segment": FilterRule(("persona_age_group_profile", "segment", "age"), _segment, _CUSTOMER,
                          "customers"),
    "social_media_source": FilterRule(("social_media_source",), _equals, (), "customer_reviews"),
    "rating": FilterRule(("rating",), _range, (), "customer_reviews"),
    "period": FilterRule(("review_datetime", "order_datetime"), _period, (), "customer_reviews"),
    "category": FilterRule(("categories",), _equals, _PRODUCT, "products"),
    "product": FilterRule(("title",), _equals, _PRODUCT, "products"),
    "price": FilterRule(("price",), _range, _PRODUCT, "products"),
    "availability": FilterRule(("availability",), _equals, _PRODUCT, "products"),
    "status": FilterRule(("status",), _equals, (), "orders"),
    "sentiment": FilterRule(("text_sentiment",), _sentiment, _REVIEW,
                            "multimodal_customer_reviews"),
    "issue_category": FilterRule(("issue_category",), _equals, _REVIEW,
                                 "multimodal_customer_reviews"),
    "rfm_cluster": FilterRule(("rfm_cluster_name", "cluster_name"), _equals,
                              (("customer_id", "customer_rfm"),), "customer_rfm"),
    "customer_id": FilterRule(("customer_id",), _number, (), "customers"),
}


def _carrying_column(rule: FilterRule, columns: dict[str, str]) -> str | None:
    for column in rule.columns:
        if column == "age" and rule.condition is _segment:
            if all(c in columns for c in _SEGMENT_COLUMNS):
                return column
        elif column in columns:
            return column
    return None


def describe(kind: str, value: SlotValue, catalog: Catalog) -> str | None:
    """The condition ``value`` stands for, on the table that usually holds it."""
    rule = RULES.get(kind)
    if rule is None or not catalog.has_table(rule.example_table):
        return None
    column = _carrying_column(rule, catalog.columns(rule.example_table))
    if column is None:
        return None
    return rule.condition(rule.example_table, column, value)


def _direct_tables(select: exp.Select) -> list[exp.Table]:
    """Tables read by this SELECT itself (not by its subqueries)."""
    return [t for t in select.find_all(exp.Table) if t.find_ancestor(exp.Select) is select]


def _in_anchor(select: exp.Select) -> bool:
    cte = select.find_ancestor(exp.CTE)
    return cte is not None and cte.alias_or_name == ANCHOR_CTE


def _condition_for(table: exp.Table, rule: FilterRule, value: SlotValue,
                   catalog: Catalog) -> tuple[str, str | None, str] | None:
    """(where, route, condition): a direct condition (route None) or one to put inside an
    ``IN`` subquery over ``route`` = "key|target table" (condition on alias ``t``)."""
    name = table.name
    if not catalog.has_table(name):
        return None
    columns = catalog.columns(name)
    column = _carrying_column(rule, columns)
    if column is not None:
        return table.alias_or_name, None, rule.condition(table.alias_or_name, column, value)
    for key, target in rule.via:
        if key not in columns or not catalog.has_table(target) or target == name:
            continue
        target_column = _carrying_column(rule, catalog.columns(target))
        if target_column is not None:
            return table.alias_or_name, f"{key}|{target}", rule.condition("t", target_column,
                                                                          value)
    return None


def add_filters(tree: exp.Query, filters: list[tuple[str, SlotValue]], catalog: Catalog,
                dataset: str = "cymbal") -> list[bool]:
    """Narrow ``tree`` in place; for each filter, whether some table in the query carries it.

    Conditions reached through the same key share one ``IN`` subquery per SELECT.
    """
    applied = [False] * len(filters)
    for select in list(tree.find_all(exp.Select)):
        if _in_anchor(select):
            continue
        direct: list[str] = []
        routed: dict[tuple[str, str], list[str]] = {}
        for i, (kind, value) in enumerate(filters):
            rule = RULES.get(kind)
            if rule is None:
                continue
            for table in _direct_tables(select):
                found = _condition_for(table, rule, value, catalog)
                if found is None:
                    continue
                alias, route, condition = found
                if route is None:
                    direct.append(condition)
                else:
                    routed.setdefault((alias, route), []).append(condition)
                applied[i] = True
                break
        for (alias, route), conditions in routed.items():
            key, target = route.split("|")
            here = next(t for t in _direct_tables(select) if t.alias_or_name == alias)
            target_type = catalog.columns(target).get(key)
            here_type = catalog.columns(here.name).get(key)
            target_key = f"CAST(t.{key} AS INT64)" if target_type == "STRING" and \
                here_type != "STRING" else f"t.{key}"
            direct.append(f"{alias}.{key} IN (SELECT {target_key} FROM {dataset}.{target} AS t "
                          f"WHERE {' AND '.join(conditions)})")
        for condition in direct:
            select.where(exp.condition(condition, dialect="bigquery"), copy=False)
    return applied


def set_limit(tree: exp.Query, n: int) -> bool:
    """Make an ordered query return its top ``n`` rows; False when it has no ORDER BY."""
    if not isinstance(tree, exp.Select) or tree.args.get("order") is None:
        return False
    tree.limit(n, copy=False)
    return True


def parse(sql: str) -> exp.Query:
    tree = sqlglot.parse_one(sql, read="bigquery")
    if not isinstance(tree, exp.Query):
        raise ValueError("Not a query")
    return tree


def render(tree: exp.Query) -> str:
    return tree.sql(dialect="bigquery", pretty=True)
