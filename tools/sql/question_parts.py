"""What a question is made of, before the reader decides its shape: the phrases and bare
tokens it reads as, the roles they play, and each number with its unit, comparison and use.

``place_numbers`` finds every number: a range ("between 30 and 40", "2만원에서 5만원 사이"),
a comparison (English before the number, Korean after it: "more than 10", "5개 이상"),
its unit (원, 살, stars, 개 …), and whether it is a "top N".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.sql.mentions import Mention
from tools.sql.question_words import Phrase, Token

# Units a number may carry, and the attribute (or count) each implies.
UNITS = {"원": "price", "won": "price", "krw": "price", "₩": "price",
         "살": "age", "세": "age", "years": "age", "year": "age", "yo": "age",
         "점": "review_rating", "stars": "review_rating", "star": "review_rating",
         "개": "count", "건": "count", "명": "count", "곳": "count", "가지": "count",
         "위": "count", "번": "count", "회": "count", "%": "percent", "퍼센트": "percent"}
TOP_WORDS = {"top", "first", "best", "상위", "탑", "베스트"}
BOTTOM_WORDS = {"bottom", "last", "worst", "하위"}


@dataclass
class NumberUse:
    """A number of the question and what it turned out to mean."""

    value: float
    high: float | None  # a range's upper end
    op: str | None  # gt ge lt le eq between
    unit: str | None
    index: int  # position among the read items
    used_for: str = ""  # attribute:<name> | count:<entity> | top | percent


@dataclass
class QuestionParts:
    """Everything found in the question, before deciding its shape."""

    items: list[Phrase | Token]
    mentions: list[Mention]
    roles: dict[str, list[int]] = field(default_factory=dict)
    numbers: list[NumberUse] = field(default_factory=list)
    used: set[int] = field(default_factory=set)  # indexes of items the plan explains

    def at(self, role: str) -> list[int]:
        return self.roles.get(role, [])

    def has(self, role: str) -> bool:
        return bool(self.roles.get(role))

    def phrase(self, index: int) -> Phrase | None:
        item = self.items[index]
        return item if isinstance(item, Phrase) else None

    def names(self, role: str) -> list[tuple[int, str]]:
        out = []
        for i in self.at(role):
            phrase = self.phrase(i)
            sense = phrase.get(role) if phrase else None
            if sense is not None:
                out.append((i, sense.name))
        return out

    def use(self, *indexes: int) -> None:
        self.used.update(indexes)

    def use_role(self, role: str) -> None:
        self.used.update(self.at(role))


def place_numbers(parts: QuestionParts) -> None:
    """Find each number, its unit, its comparison (or range) and whether it is a top N."""
    items = parts.items
    i = 0
    while i < len(items):
        item = items[i]
        if not isinstance(item, Token) or item.kind != "number":
            i += 1
            continue
        value = item.number or 0.0
        unit, after = _unit(items, i + 1)
        use = NumberUse(value=value, high=None, op=None, unit=unit, index=i)
        # a range: "between 30 and 40", "30 to 40", "2만원에서 5만원 사이"
        nxt = after
        if nxt < len(items) and is_role(items[nxt], "and") and nxt + 1 < len(items) and \
                number_of(items[nxt + 1]) is not None:
            high = number_of(items[nxt + 1])
            unit2, after2 = _unit(items, nxt + 2)
            use.high, use.op, use.unit = high, "between", use.unit or unit2
            parts.use(*range(i, after2))
            after = after2
        elif nxt < len(items) and number_of(items[nxt]) is not None and \
                any(is_role(items[k], "between") for k in range(nxt + 1, min(nxt + 4, len(items)))):
            high = number_of(items[nxt])
            unit2, after2 = _unit(items, nxt + 1)
            use.high, use.op, use.unit = high, "between", use.unit or unit2
            parts.use(*range(i, after2))
            after = after2
        else:
            parts.use(*range(i, after))
        if use.op is None:
            use.op = _operator(parts, i, after)
        if use.op == "between":
            for k in range(max(0, i - 2), min(len(items), after + 2)):
                if is_role(items[k], "between") or is_role(items[k], "and"):
                    parts.use(k)
        if use.op is None and use.unit in (None, "count") and _is_top(parts, i):
            use.used_for = "top"
        parts.numbers.append(use)
        i = after

def _unit(items: list[Phrase | Token], start: int) -> tuple[str | None, int]:
    if start < len(items):
        item = items[start]
        form = item.form if isinstance(item, Token) else item.text
        if form in UNITS:
            return UNITS[form], start + 1
        if isinstance(item, Phrase) and item.has("attribute"):
            sense = item.get("attribute")
            if sense is not None and sense.name in ("age",) and \
                    item.text in ("years old", "year old", "old", "yrs old"):
                return "age", start + 1
    return None, start

def _operator(parts: QuestionParts, first: int, after: int) -> str | None:
    items = parts.items
    for k in range(first - 1, max(-1, first - 3), -1):  # English: before the number
        for op in ("gt", "ge", "lt", "le", "eq"):
            if is_role(items[k], op) and not is_role(items[k], "stop"):
                parts.use(k)
                return op
        if not (is_role(items[k], "attribute") or is_role(items[k], "entity") or is_role(items[k], "have")):
            break
    for k in range(after, min(len(items), after + 3)):  # Korean and "5 or more": after
        for op in ("ge", "le", "gt", "lt"):
            if is_role(items[k], op):
                parts.use(k)
                return op
        if not (is_role(items[k], "entity") or is_role(items[k], "attribute")
                or is_role(items[k], "wrote") or is_role(items[k], "ordered")):
            break
    return None

def _is_top(parts: QuestionParts, index: int) -> bool:
    items = parts.items
    before = items[index - 1] if index > 0 else None
    if before is not None and form_of(before) in TOP_WORDS | BOTTOM_WORDS:
        parts.use(index - 1)
        return True
    # "the 3 cities", "도시 3곳", "3 cities": a count next to a dimension or entity;
    # "the 2 priciest bags", "3 most expensive": a count before a superlative
    for k in (index + 1, index - 1, index + 2):
        if 0 <= k < len(items) and (is_role(items[k], "dimension") or is_role(items[k], "entity")):
            return True
    return index + 1 < len(items) and any(
        is_role(items[index + 1], role) for role in ("rank", "most", "least", "superlative"))

def is_role(item: Phrase | Token, role: str) -> bool:
    return isinstance(item, Phrase) and item.has(role)


def is_korean(item: Phrase | Token) -> bool:
    token = item.tokens[0] if isinstance(item, Phrase) else item
    return token.kind == "ko"


def form_of(item: Phrase | Token) -> str:
    return item.text if isinstance(item, Phrase) else item.form


def number_of(item: Phrase | Token) -> float | None:
    return item.number if isinstance(item, Token) else None


def end_of(items: list[Phrase | Token], index: int) -> int:
    return items[index].end if 0 <= index < len(items) else -1


def start_of(items: list[Phrase | Token], index: int) -> int:
    return items[index].start if 0 <= index < len(items) else -1
