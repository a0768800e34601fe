"""Date ranges in questions: "in May", "last month", "2025년 5월", "최근 30일", "Q3", ...

Relative ranges count back from an anchor date (the latest date in the data), because the
data covers a fixed past year and "last month" means the month before its end, not before
today; "next month" is after it, so no data can answer it. Every range is half-open:
``[start, end)`` on whole days.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tools.sql.slot_values import (
    SlotValue,
    day_range,
    month_period,
    period,
    year_period,
)

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH_WORD = r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
_UNIT_EN = {"day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month",
            "months": "month"}
_UNIT_KO = {"일": "day", "주": "week", "주일": "week", "개월": "month", "달": "month"}
_KO_COUNT = {"한": 1, "두": 2, "세": 3}
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3,
            "4th": 4}


@dataclass(frozen=True)
class PeriodMatch:
    start: int
    end: int
    value: SlotValue


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def last_n(anchor: dt.date, n: int, unit: str) -> SlotValue:
    """From ``n`` ``unit``s before ``anchor`` up to and including it: the reading of
    ``date >= DATE_SUB(latest, INTERVAL n unit)``, the way such windows are usually written."""
    if unit == "month":
        first = _add_months(anchor, -n)
    else:
        first = anchor - dt.timedelta(days=n * (7 if unit == "week" else 1))
    value = day_range(first, anchor)
    words = {"day": ("days", "일"), "week": ("weeks", "주"), "month": ("months", "개월")}[unit]
    return SlotValue(type="period", value=value.value, start=value.start, end=value.end,
                     en=f"the last {n} {words[0]} of data ({value.en})",
                     ko=f"데이터 기준 최근 {n}{words[1]} ({value.ko})")


def quarter_period(year: int, quarter: int) -> SlotValue:
    start = dt.date(year, 3 * quarter - 2, 1)
    return period(start, _add_months(start, 3), f"Q{quarter} {year}", f"{year}년 {quarter}분기")


def half_period(year: int, half: int) -> SlotValue:
    start = dt.date(year, 1 if half == 1 else 7, 1)
    return period(start, _add_months(start, 6), f"H{half} {year}",
                  f"{year}년 {'상' if half == 1 else '하'}반기")


def week_period(anchor: dt.date, weeks_back: int) -> SlotValue:
    monday = anchor - dt.timedelta(days=anchor.weekday()) - dt.timedelta(weeks=weeks_back)
    value = day_range(monday, monday + dt.timedelta(days=6))
    label_en = "this week" if weeks_back == 0 else "last week"
    label_ko = "이번 주" if weeks_back == 0 else "지난주"
    return SlotValue(type="period", value=value.value, start=value.start, end=value.end,
                     en=f"{label_en} ({value.en})", ko=f"{label_ko} ({value.ko})")


def month_range(year: int, first: int, last: int) -> SlotValue:
    start = dt.date(year, first, 1)
    end = _add_months(dt.date(year, last, 1), 1)
    return period(start, end, f"{calendar.month_name[first]}-{calendar.month_name[last]} {year}",
                  f"{year}년 {first}~{last}월")


def since_month(year: int, month: int, anchor: dt.date) -> SlotValue:
    start = dt.date(year, month, 1)
    return period(start, anchor + dt.timedelta(days=1),
                  f"since {calendar.month_name[month]} {year}", f"{year}년 {month}월 이후")


def since_day(day: dt.date, anchor: dt.date) -> SlotValue | None:
    """From ``day`` up to and including the latest data date."""
    if day > anchor:
        return None
    return period(day, anchor + dt.timedelta(days=1), f"since {day.isoformat()}",
                  f"{day.isoformat()} 이후")


def _day(year: int, month: int, day: str) -> dt.date | None:
    try:
        return dt.date(year, month, int(day))
    except ValueError:
        return None


def _since(day: dt.date | None, anchor: dt.date, after: bool = False) -> SlotValue | None:
    if day is None:
        return None
    return since_day(day + dt.timedelta(days=1 if after else 0), anchor)


def _days(first: dt.date | None, last: dt.date | None) -> SlotValue | None:
    return day_range(first, last) if first and last and first <= last else None


def _one_day(day: dt.date | None) -> SlotValue | None:
    return _days(day, day)


def _relative(kind: str, anchor: dt.date, back: int) -> SlotValue:
    if kind == "month":
        first = _add_months(anchor.replace(day=1), -back)
        return month_period(first.year, first.month)
    if kind == "year":
        return year_period(anchor.year - back)
    if kind == "quarter":
        q = (anchor.month - 1) // 3 + 1 - back
        year = anchor.year + (q - 1) // 4
        return quarter_period(year, (q - 1) % 4 + 1)
    if kind == "week":
        return week_period(anchor, back) if back >= 0 else \
            day_range(anchor + dt.timedelta(days=1 - anchor.weekday() + 6),
                      anchor + dt.timedelta(days=7 - anchor.weekday() + 6))
    day = anchor - dt.timedelta(days=back)
    return day_range(day, day)


Rule = tuple[re.Pattern[str], Callable[[re.Match[str], dt.date], SlotValue | None]]


def _month_of(word: str) -> int:
    return _MONTHS[word.lower()]


_KO_YEARS = {"작년": 1, "지난해": 1, "전년": 1, "올해": 0, "금년": 0, "재작년": 2}
_KO_YEAR = r"(?:(?<!\d)((?:20)?\d{2})년|(재작년|작년|지난해|전년|올해|금년))\s*"  # "25년" is 2025


def _year(text: str | None, anchor: dt.date, relative: str | None = None) -> int:
    """A year written out, or said relative to the anchor ("작년"), or the anchor's year."""
    if text:
        return int(text) if len(text) == 4 else 2000 + int(text)
    return anchor.year - _KO_YEARS.get(relative or "", 0)


_RULES: list[Rule] = [
    # English: explicit ranges first, then months, quarters, years and relative words.
    (re.compile(r"\b(?:(?:in|during|for|of)\s+)?(?:last year'?s\s+)?Q([1-4])\s+(?:of\s+)?last\s+year\b|\blast year'?s\s+Q([1-4])\b", re.I),
     lambda m, a: quarter_period(a.year - 1, int(m.group(1) or m.group(2)))),
    (re.compile(r"\b(?:between|from)\s+" + _MONTH_WORD + r"\s+(?:and|to|through|until|-)\s+"
                + _MONTH_WORD + r"(?:\s+(\d{4}))?\b", re.I),
     lambda m, a: month_range(_year(m.group(3), a), _month_of(m.group(1)), _month_of(m.group(2)))
     if _month_of(m.group(1)) <= _month_of(m.group(2)) else None),
    (re.compile(r"\b" + _MONTH_WORD + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*(?:-|to|through|until|and)\s*"
                + r"(?:" + _MONTH_WORD + r"\.?\s+)?(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b", re.I),
     lambda m, a: _days(_day(_year(m.group(5), a), _month_of(m.group(1)), m.group(2)),
                        _day(_year(m.group(5), a), _month_of(m.group(3) or m.group(1)), m.group(4)))),
    (re.compile(r"\b(since|after|starting(?:\s+from)?|from)\s+(?:the\s+)?" + _MONTH_WORD
                + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b(?!\s*(?:-|to|through|until|and)\s)", re.I),
     lambda m, a: _since(_day(_year(m.group(4), a), _month_of(m.group(2)), m.group(3)), a,
                         after=m.group(1).lower() == "after")),
    (re.compile(r"\b(since|after|starting(?:\s+from)?|from)\s+(\d{4})-(\d{2})-(\d{2})\b(?!\s*(?:-|to|through|until|~)\s*\d)", re.I),
     lambda m, a: _since(_day(int(m.group(2)), int(m.group(3)), m.group(4)), a,
                         after=m.group(1).lower() == "after")),
    (re.compile(r"\b" + _MONTH_WORD + r"\.?\s*(?:-|–|~|to|through)\s*" + _MONTH_WORD
                + r"\.?(?:\s+(\d{4}))?\b", re.I),
     lambda m, a: month_range(_year(m.group(3), a), _month_of(m.group(1)), _month_of(m.group(2)))
     if _month_of(m.group(1)) <= _month_of(m.group(2)) else None),
    (re.compile(r"\bsince\s+" + _MONTH_WORD + r"(?:\s+(\d{4}))?\b", re.I),
     lambda m, a: since_month(_year(m.group(2), a), _month_of(m.group(1)), a)),
    (re.compile(r"\b(?:(?:in|during|for|of|over)\s+)?(?:the\s+)?(?:last|past|previous)\s+(\d{1,3})\s+(days?|weeks?|months?)\b", re.I),
     lambda m, a: last_n(a, int(m.group(1)), _UNIT_EN[m.group(2).lower()])),
    (re.compile(r"\b(?:(?:in|during|for|of)\s+)?(?:the\s+)?(last|past|previous|this|current)\s+(week|month|quarter|year)\b", re.I),
     lambda m, a: _relative(m.group(2).lower(), a, 0 if m.group(1).lower() in ("this", "current") else 1)),
    (re.compile(r"\b(?:(?:in|during|for|of)\s+)?(?:the\s+)?(next|coming|following)\s+(week|month|quarter|year)\b", re.I),
     lambda m, a: _relative(m.group(2).lower(), a, -1)),
    (re.compile(r"\b(yesterday|today)\b", re.I),
     lambda m, a: _relative("day", a, 1 if m.group(1).lower() == "yesterday" else 0)),
    (re.compile(r"\b(?:(?:in|during|for|of)\s+)?(?:the\s+)?(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter(?:\s+(?:of\s+)?(\d{4}))?\b", re.I),
     lambda m, a: quarter_period(_year(m.group(2), a), _ORDINAL[m.group(1).lower()])),
    (re.compile(r"\b(?:(?:in|during|for|of)\s+)?Q([1-4])(?:\s+(\d{4}))?\b", re.I),
     lambda m, a: quarter_period(_year(m.group(2), a), int(m.group(1)))),
    (re.compile(r"\b(?:(?:in|during|for|of)\s+)?(?:the\s+)?(first|second)\s+half(?:\s+(?:of\s+)?(\d{4}))?\b", re.I),
     lambda m, a: half_period(_year(m.group(2), a), 1 if m.group(1).lower() == "first" else 2)),
    (re.compile(r"\b(?:(?:on|for)\s+)?" + _MONTH_WORD + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(\d{4}))?\b", re.I),
     lambda m, a: _one_day(_day(_year(m.group(3), a), _month_of(m.group(1)), m.group(2)))),
    (re.compile(r"\b(?:(?:in|during|for|of|from)\s+)?" + _MONTH_WORD + r"\s*,?\s+(\d{4})\b", re.I),
     lambda m, a: month_period(int(m.group(2)), _month_of(m.group(1)))),
    (re.compile(r"\b(?:in|during|for|of|from)\s+" + _MONTH_WORD + r"\b", re.I),
     lambda m, a: month_period(a.year, _month_of(m.group(1)))),
    (re.compile(r"(?<![\w-])(January|February|March|April|June|July|August|September|October|November|December)\b"),
     lambda m, a: month_period(a.year, _month_of(m.group(1)))),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\s*(?:to|through|until|-|~)\s*(\d{4})-(\d{2})-(\d{2})\b"),
     lambda m, a: day_range(dt.date(*map(int, m.group(1, 2, 3))), dt.date(*map(int, m.group(4, 5, 6))))),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
     lambda m, a: day_range(*(2 * [dt.date(*map(int, m.group(1, 2, 3)))]))),
    (re.compile(r"\b(\d{4})-(\d{2})\b"), lambda m, a: month_period(int(m.group(1)), int(m.group(2)))
     if 1 <= int(m.group(2)) <= 12 else None),
    # Korean
    (re.compile(rf"(?:{_KO_YEAR})?(\d{{1,2}})월\s*(?:부터|~|-)\s*(\d{{1,2}})월(?:\s*까지)?"),
     lambda m, a: month_range(_year(m.group(1), a, m.group(2)), int(m.group(3)), int(m.group(4)))
     if 1 <= int(m.group(3)) <= int(m.group(4)) <= 12 else None),
    (re.compile(rf"(?:{_KO_YEAR})?(\d{{1,2}})월\s*(\d{{1,2}})일\s*(이후|부터|다음)"),
     lambda m, a: _since(_day(_year(m.group(1), a, m.group(2)), int(m.group(3)), m.group(4))
                         if 1 <= int(m.group(3)) <= 12 else None, a, after=m.group(5) == "다음")),
    (re.compile(rf"(?:{_KO_YEAR})?(\d{{1,2}})월\s*(\d{{1,2}})일(?!\s*(?:까지|~|-))"),
     lambda m, a: _one_day(_day(_year(m.group(1), a, m.group(2)), int(m.group(3)), m.group(4))
                           if 1 <= int(m.group(3)) <= 12 else None)),
    (re.compile(rf"(?:{_KO_YEAR})?(\d{{1,2}})월\s*(?:이후|부터)"),
     lambda m, a: since_month(_year(m.group(1), a, m.group(2)), int(m.group(3)), a)
     if 1 <= int(m.group(3)) <= 12 else None),
    (re.compile(r"(?:최근|지난)\s*(\d{1,3})\s*(일|주일|주|개월|달)"),
     lambda m, a: last_n(a, int(m.group(1)), _UNIT_KO[m.group(2)])),
    # "최근 한 달" is read as the last 30 days, "지난 두 주" as two weeks
    (re.compile(r"(?:최근|지난)\s*(한|두|세)\s*(달|주|개월)"),
     lambda m, a: last_n(a, 30 * _KO_COUNT[m.group(1)], "day") if m.group(2) == "달"
     else last_n(a, _KO_COUNT[m.group(1)], _UNIT_KO[m.group(2)])),
    (re.compile(rf"(?:{_KO_YEAR})?([1-4])\s*분기"),
     lambda m, a: quarter_period(_year(m.group(1), a, m.group(2)), int(m.group(3)))),
    (re.compile(rf"(?:{_KO_YEAR})?(상|하)반기"),
     lambda m, a: half_period(_year(m.group(1), a, m.group(2)), 1 if m.group(3) == "상" else 2)),
    (re.compile(rf"(?:{_KO_YEAR})?(?<!\d)(\d{{1,2}})월(?!별)"),
     lambda m, a: month_period(_year(m.group(1), a, m.group(2)), int(m.group(3)))
     if 1 <= int(m.group(3)) <= 12 else None),
    (re.compile(r"(?<![가-힣])(지난\s*달|저번\s*달|전월|이번\s*달|당월|다음\s*달|내달|지난\s*주|저번\s*주|이번\s*주|다음\s*주|올해|금년|작년|지난해|내년|어제|오늘|내일)"),
     lambda m, a: _korean_relative(m.group(1).replace(" ", ""), a)),
    (re.compile(r"(?<!\d)(20\d{2})년(?!\s*\d)"), lambda m, a: year_period(int(m.group(1)))),
    (re.compile(r"\b(?:in|during|for|of)\s+(20\d{2})\b", re.I),
     lambda m, a: year_period(int(m.group(1)))),
]
_KO_RELATIVE = {"지난달": ("month", 1), "저번달": ("month", 1), "전월": ("month", 1),
                "이번달": ("month", 0), "당월": ("month", 0), "다음달": ("month", -1),
                "내달": ("month", -1), "지난주": ("week", 1), "저번주": ("week", 1),
                "이번주": ("week", 0), "다음주": ("week", -1), "올해": ("year", 0),
                "금년": ("year", 0), "작년": ("year", 1), "지난해": ("year", 1),
                "내년": ("year", -1), "어제": ("day", 1), "오늘": ("day", 0), "내일": ("day", -1)}


def _korean_relative(word: str, anchor: dt.date) -> SlotValue:
    kind, back = _KO_RELATIVE[word]
    return _relative(kind, anchor, back)


def find_periods(text: str, anchor: dt.date) -> Iterator[PeriodMatch]:
    """Non-overlapping date ranges in ``text``, earliest rule first."""
    taken: list[tuple[int, int]] = []
    for pattern, build in _RULES:
        for match in pattern.finditer(text):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            try:
                value = build(match, anchor)
            except ValueError:  # an impossible date such as 2025-02-30
                value = None
            if value is not None:
                taken.append(span)
                yield PeriodMatch(span[0], span[1], value)
