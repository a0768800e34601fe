"""The answer to a query the offline model composed from the semantic model.

The answer leads with the result — the number, the winner and the runner-up, or the first
rows of a breakdown — and ends with how the question was read (measure, breakdown,
filters, time window, order), so a wrong reading is visible at a glance.
"""

from __future__ import annotations

from typing import Any

from tools.results import Table
from tools.sql.query_plan import QueryPlan, share_label
from tools.sql.semantic_model import Label
from tools.sql.value_labels import value_label

LISTED = 8  # rows quoted in a breakdown's answer
_COUNTERS = {"customers": "명", "products": "개"}  # Korean counters of averaged rows (else 건)


def format_number(value: Any, unit: str, lang: str) -> str:
    """A value in the unit's usual form: ₩12,345 · 1,234 · 4.21 · 12.5%."""
    if value is None:
        return "—"
    if unit == "datetime":  # "2025-12-03T14:22:11" -> 2025-12-03 14:22
        return str(value).replace("T", " ")[:16]
    if not isinstance(value, (int, float)):
        return str(value)
    if unit == "won":
        return f"₩{value:,.0f}" if lang == "en" else f"{value:,.0f}원"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "count" or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def write_composed(plan: QueryPlan, response: dict[str, Any] | None, lang: str) -> str:
    table = Table.from_response(response)
    note = plan.reading(lang)
    if table is None:
        return note
    if not table.rows:
        empty = "조건에 맞는 데이터가 없습니다." if lang == "ko" else "No rows match."
        return f"{empty}\n{note}"
    return f"{_lead(plan, table, lang)}\n{note}"


def _lead(plan: QueryPlan, table: Table, lang: str) -> str:
    ko = lang == "ko"
    if plan.shape == "rows":
        return _rows(plan, table, lang)
    unit = "percent" if plan.shape == "share" else (plan.measure.unit if plan.measure else "")
    label = _measure_label(plan, lang)
    if not plan.group_by:
        value = format_number(table.rows[0][-1], unit, lang)
        return f"{label}: {value}." if not ko else f"{label}: {value}"
    keys = plan.group_width
    support = plan.measure.support if plan.measure and plan.shape == "aggregate" else None
    names = _group_names(plan, table, lang)
    rows = [(name, format_number(row[keys], unit, lang) + _of_rows(row, keys, support, lang)
             + (f" ({format_number(row[keys + 1], 'percent', lang)})" if plan.of_total else ""))
            for name, row in zip(names, table.rows, strict=True)]
    values = [row[keys] for row in table.rows]
    if len(rows) == 1:
        return f"{names[0]}: {label} {rows[0][1]}" + ("" if ko else ".")
    if len(plan.group_by) == 1 and plan.group_by[0].time and not plan.superlative \
            and not plan.order:  # a series; "which day had the most orders" is a ranking
        insight = _trend(plan, names, values, unit, lang)
    else:
        insight = _ranking(plan, names, values, [text for _, text in rows], lang)
    if plan.superlative:
        return insight
    listed = "; ".join(f"{k} {v}" for k, v in rows[:LISTED])
    more = (f" 외 {len(rows) - LISTED}개" if ko else f" and {len(rows) - LISTED} more") \
        if len(rows) > LISTED else ""
    return f"{insight}\n{label}: {listed}{more}" + ("" if ko else ".")


def _short_measure(plan: QueryPlan, lang: str) -> str:
    """The measure in a sentence: "customers", "revenue", "negative share" (a label's
    parenthesis stays in the reading line)."""
    if plan.shape == "share" and plan.share is not None:
        what = plan.share.label.text(lang)
        return f"{what} 비율" if lang == "ko" else f"{what} share"
    label = plan.measure.label.text(lang) if plan.measure else ""
    return label.split(" (")[0]


def _trend(plan: QueryPlan, names: list[str], values: list[Any], unit: str,
           lang: str) -> str:
    """Where a series over time peaked and bottomed out: "Reviews peaked in 2025-04 at 313;
    the low was 2025-01 (34)."."""
    measure = _short_measure(plan, lang)
    numbers = [v if isinstance(v, (int, float)) else float("-inf") for v in values]
    top = max(range(len(numbers)), key=lambda i: (numbers[i], -i))
    low = min(range(len(numbers)), key=lambda i: (numbers[i], i))
    peak, bottom = format_number(values[top], unit, lang), format_number(values[low], unit, lang)
    if lang == "ko":
        return f"{measure} 최고: {names[top]} {peak}, 최저: {names[low]} {bottom}"
    return (f"{measure[:1].upper()}{measure[1:]} peaked in {names[top]} at {peak}; "
            f"the low was {names[low]} ({bottom}).")


def _ranking(plan: QueryPlan, names: list[str], values: list[Any], texts: list[str],
             lang: str) -> str:
    """The leader first, then who follows: "Most customers: Seoul (839), then Busan (611) and
    Goyang (583); 18 cities in all." (the fewest first when asked lowest first)."""
    measure = _short_measure(plan, lang)
    lowest = plan.order == "asc"
    order = sorted(range(len(values)), key=lambda i: (
        (values[i] if isinstance(values[i], (int, float)) else 0) * (1 if lowest else -1), i))
    shown = [(names[i], texts[i]) for i in order[:3]]
    (first, value), rest = shown[0], shown[1:]
    tie = len(order) > 1 and values[order[0]] == values[order[1]]
    count = plan.shape == "aggregate" and plan.measure is not None \
        and plan.measure.unit == "count"
    dimension = "·".join(d.label.text(lang) for d in plan.group_by)  # "월·도시": a pair
    everything = len(values) > 3 and len(plan.group_by) == 1 and not plan.superlative
    if lang == "ko":
        most = ("가장 적은" if count else "가장 낮은") if lowest else \
            ("가장 많은" if count else "가장 높은")
        text = f"{measure} {most} {dimension}: {first} {value}"
        if rest:
            followers = ", ".join(f"{n} {v}" for n, v in rest)
            text += ("; 공동: " if tie else "; 이어서 ") + followers
        return text + (f" (총 {len(values)}개 {dimension})" if everything else "")
    most = ("Fewest" if count else "Lowest") if lowest else ("Most" if count else "Highest")
    text = f"{most} {measure}: {first} {_paren(value)}"
    if tie:
        text += f", tied with {rest[0][0]}"
    elif plan.superlative and rest:
        text += f"; runner-up: {rest[0][0]} {_paren(rest[0][1])}"
    elif rest:
        text += ", then " + " and ".join(f"{n} {_paren(v)}" for n, v in rest)
    return text + (f"; {len(values)} {_plural(dimension)} in all" if everything else "") + "."


def _paren(value: str) -> str:
    """"(839)", or "3.14 (174 reviews)" as it is: no brackets inside brackets."""
    return value if "(" in value else f"({value})"


def _plural(noun: str) -> str:
    if noun.endswith("y") and not noun.endswith(("ay", "ey", "oy")):
        return noun[:-1] + "ies"
    return noun if noun.endswith("s") else noun + "s"


def _group_names(plan: QueryPlan, table: Table, lang: str) -> list[str]:
    """Each row's group as a marketer reads it ("Seoul, women"); a name that repeats (one
    title, two colours) carries its key: "Google Sunglasses (#43033)"."""
    named: list[list[str]] = [[] for _ in table.rows]
    keyed: list[list[str]] = [[] for _ in table.rows]
    at = 0
    for d in plan.group_by:
        for i, row in enumerate(table.rows):
            value = row[at + bool(d.key)]
            name = value_label(d.values, value, lang) if d.values and value is not None \
                else _cell(value, lang)
            if d.details:  # a customer: "Jamie Henson #8177"
                described = " ".join(str(v) for v in row[at + 1 + bool(d.key):at + d.width]
                                     if v is not None)
                name = f"{described} #{value}" if described else name
            named[i].append(name)
            keyed[i].append(f"{name} (#{row[at]})" if d.key else name)
        at += d.width
    plain = [", ".join(n) for n in named]
    return [", ".join(k) if plain.count(p) > 1 else p for p, k in zip(plain, keyed, strict=True)]


def _of_rows(row: tuple[Any, ...] | list[Any], keys: int, support: str | None,
             lang: str) -> str:
    """ " (120 reviews)": how many rows a group's average is of."""
    if support is None or len(row) <= keys + 1:
        return ""
    count = row[keys + 1]
    if lang == "ko":
        return f" ({count:,}{_COUNTERS.get(support, '건')})"
    return f" ({count:,} {support.replace('_', ' ')})"


def _rows(plan: QueryPlan, table: Table, lang: str) -> str:
    ko = lang == "ko"
    items = []
    for row in table.rows[:LISTED]:
        cells = [format_number(v, c.unit, lang) if c.unit else _cell(v, lang)
                 for v, c in zip(row, plan.columns, strict=False)]
        items.append(" — ".join(cells))
    if plan.superlative and plan.rank_by is not None:
        text = items[0]
        if len(items) > 1:
            text += (f"; 다음: {items[1]}" if ko else f"; runner-up: {items[1]}")
        return text + ("" if ko else ".")
    if plan.rank_by is None and len(plan.columns) == 1 and len({r[0] for r in table.rows}) == 1:
        who = plan.conditions[0].label.text(lang) if plan.conditions else ""
        return f"{who}: {items[0]}" + ("" if ko else ".")
    if len(table.rows) == 1:
        return items[0] + ("" if ko else ".")
    more = len(table.rows) - len(items)
    rest = (f" 외 {more}건" if ko else f"; and {more:,} more") if more > 0 else ""
    lead = f"{len(table.rows):,}건: " if ko else f"{len(table.rows):,} found: "
    return lead + "; ".join(items) + rest + ("" if ko else ".")


def _measure_label(plan: QueryPlan, lang: str) -> str:
    if plan.shape == "share":
        text = share_label(plan, lang)
        return text[:1].upper() + text[1:]
    label = plan.measure.label if plan.measure else Label("", "")
    text = label.text(lang)
    return text[:1].upper() + text[1:] if lang == "en" else text


def _cell(value: Any, lang: str) -> str:
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        return value[1:-1]  # "[Bags]" -> Bags
    if isinstance(value, bool):
        return ("예" if value else "아니오") if lang == "ko" else ("yes" if value else "no")
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)
