"""Typed slot values: what fills a ``{slot}`` in a sample question, its SQL and its answer.

A value carries the canonical form that goes into SQL (``Busan``, ``[Bags]``, ``TRUE``), how
it reads in English and Korean, and for periods the half-open date range ``[start, end)``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

# Slot names that are also their type; other slot names declare a type explicitly.
SLOT_TYPES = {
    "city": "city", "gender": "gender", "loyalty": "loyalty", "age_group": "age_group",
    "segment": "segment", "category": "category", "source": "social_media_source",
    "status": "status", "availability": "availability", "sentiment": "sentiment",
    "issue": "issue_category", "cluster": "rfm_cluster", "product": "product",
    "customer_id": "customer_id", "campaign_id": "campaign_id", "n": "top_n",
    "number": "number", "period": "period", "customer_ids": "customer_ids",
}
NUMERIC_TYPES = {"top_n", "number", "at_least", "customer_id", "campaign_id", "plan_id"}
ID_TYPES = {"customer_id", "campaign_id", "order_id", "plan_id"}  # no thousands separators
ID_LIST_TYPES = {"customer_ids"}  # passed to tools as a list of numbers


@dataclass(frozen=True)
class SlotValue:
    """One value of one slot type; ``start``/``end`` are set for periods (end exclusive)."""

    type: str
    value: str
    en: str
    ko: str
    start: str | None = None
    end: str | None = None

    def label(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en

    def sql_text(self, part: str | None = None) -> str:
        """Text to insert into a SQL template (inside quotes where the template has them)."""
        if part == "start":
            return self.start or ""
        if part == "end":
            return self.end or ""
        if self.type in NUMERIC_TYPES and not self.value.isdigit():
            raise ValueError(f"{self.type} value must be digits, got {self.value!r}")
        return self.value.replace("\\", "\\\\").replace("'", "\\'")


def plain_value(kind: str, value: str, en: str | None = None, ko: str | None = None) -> SlotValue:
    """A value whose labels default to the value itself."""
    return SlotValue(type=kind, value=value, en=en or value, ko=ko or en or value)


def number_value(kind: str, number: int) -> SlotValue:
    """A count or id; ids read without thousands separators."""
    text = str(int(number)) if kind in ID_TYPES else f"{int(number):,}"
    return SlotValue(type=kind, value=str(int(number)), en=text, ko=text)


def id_list_value(kind: str, numbers: list[int]) -> SlotValue:
    """Several ids ("2251, 4038"), passed to a tool as a list of numbers."""
    text = ", ".join(str(n) for n in numbers)
    return SlotValue(type=kind, value=",".join(str(n) for n in numbers), en=text, ko=text)


def period(start: dt.date, end: dt.date, en: str, ko: str) -> SlotValue:
    """The dates ``[start, end)`` with labels."""
    return SlotValue(type="period", value=f"{start.isoformat()}..{end.isoformat()}", en=en,
                     ko=ko, start=start.isoformat(), end=end.isoformat())


def month_period(year: int, month: int) -> SlotValue:
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    return period(start, end, f"{calendar.month_name[month]} {year}", f"{year}년 {month}월")


def year_period(year: int) -> SlotValue:
    return period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), str(year), f"{year}년")


def day_range(first: dt.date, last: dt.date) -> SlotValue:
    """The whole days ``first`` through ``last`` (inclusive)."""
    end = last + dt.timedelta(days=1)
    if first == last:
        korean = f"{first.year}년 {first.month}월 {first.day}일"
        return period(first, end, first.isoformat(), korean)
    return period(first, end, f"{first.isoformat()} to {last.isoformat()}",
                  f"{first.isoformat()} ~ {last.isoformat()}")


_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR_RE = re.compile(r"^(\d{4})$")
_RANGE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def parse_period(text: str) -> SlotValue:
    """A period from ``YYYY-MM``, ``YYYY`` or ``YYYY-MM-DD..YYYY-MM-DD`` (end exclusive)."""
    text = text.strip()
    if match := _MONTH_RE.match(text):
        return month_period(int(match.group(1)), int(match.group(2)))
    if match := _YEAR_RE.match(text):
        return year_period(int(match.group(1)))
    if match := _RANGE_RE.match(text):
        first = dt.date.fromisoformat(match.group(1))
        end = dt.date.fromisoformat(match.group(2))
        return day_range(first, end - dt.timedelta(days=1))
    raise ValueError(f"Not a period: {text!r} (use YYYY-MM, YYYY or YYYY-MM-DD..YYYY-MM-DD)")
