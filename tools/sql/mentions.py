"""Finding typed values in a question: cities, genders, segments, RFM clusters (English or
Korean names), products, customer and campaign ids, date ranges, "top N", rating/age/price
comparisons and plain numbers, in English or Korean.

Extractors run from the most specific (full product titles, dates) to the least (plain
numbers); each claims its span so later ones cannot reuse the same words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from tools.sql.knowledge import Glossary, load_glossary
from tools.sql.periods import find_periods
from tools.sql.slot_values import SlotValue, id_list_value, number_value, plain_value
from tools.sql.value_index import ValueIndex
from tools.vocabulary.language import has_hangul

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "twenty": 20, "fifteen": 15, "fifty": 50}
_NUM = r"(\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|fifty)"
# Value types matched from words, most specific first where forms overlap.
PERSONA_PARTS = ("age_group", "gender", "loyalty")  # mention types that name a segment's parts
VALUE_TYPES = ("segment", "rfm_cluster", "issue_category", "social_media_source", "category",
               "city", "availability", "status", "loyalty", "age_group", "sentiment", "gender")


@dataclass(frozen=True)
class Mention:
    """A typed value found at ``[start, end)`` of the question."""

    type: str
    value: SlotValue
    start: int
    end: int
    text: str

    @property
    def key(self) -> tuple[str, str]:
        return self.type, self.value.value


def _to_int(text: str) -> int:
    return _NUMBER_WORDS.get(text.lower()) or int(text.replace(",", ""))


def _amount(text: str) -> int:
    """A sum of money as written: "150,000", "150k", "15만", "1.5만"."""
    text = text.replace(",", "").replace(" ", "")
    unit = {"k": 1_000, "K": 1_000, "천": 1_000, "만": 10_000}.get(text[-1], 1)
    return round(float(text.rstrip("kK천만")) * unit)


def _range_value(kind: str, low: int | None, high: int | None) -> SlotValue:
    """A numeric range (inclusive bounds, either may be open) with readable labels."""
    value = f"{'' if low is None else low}..{'' if high is None else high}"
    unit_en, unit_ko = {"age": ("", "세"), "rating": (" stars", "점"),
                        "price": (" won", "원")}[kind]
    name_en, name_ko = {"age": ("age", "나이"), "rating": ("rating", "평점"),
                        "price": ("price", "가격")}[kind]

    def fmt(n: int) -> str:
        return f"{n:,}"
    if low is not None and high is not None:
        en = f"{name_en} {fmt(low)}{unit_en}" if low == high else \
            f"{name_en} {fmt(low)}-{fmt(high)}{unit_en}"
        ko = f"{name_ko} {fmt(low)}{unit_ko}" if low == high else \
            f"{name_ko} {fmt(low)}~{fmt(high)}{unit_ko}"
    elif low is not None:
        en, ko = f"{name_en} {fmt(low)}{unit_en} or more", f"{name_ko} {fmt(low)}{unit_ko} 이상"
    else:
        en, ko = f"{name_en} {fmt(high or 0)}{unit_en} or less", \
            f"{name_ko} {fmt(high or 0)}{unit_ko} 이하"
    return plain_value(kind, value, en, ko)


_AGE_GROUPS = {(40, None): "Older_Adult", (None, 39): "Younger_Adult"}  # as the segments
# split ages: 40 and over, under 40
_ALL_OF = re.compile(r"\s*(?:개|명|곳|가지)?\s*(?:전부|모두)")
_ALL_BEFORE = re.compile(r"\ball\s+$", re.I)
_AGED = re.compile(r"\b(?:aged?|ages|나이)\s*$", re.I)


def range_bounds(value: SlotValue) -> tuple[int | None, int | None]:
    low, high = value.value.split("..")
    return (int(low) if low else None, int(high) if high else None)


# (pattern, kind, builder(match) -> (low, high)); comparisons are written for ages, ratings
# and prices. Prices need a currency word so "under 30" stays an age.
_Builder = Callable[[re.Match[str]], tuple[int | None, int | None]]
_LESS = r"(?:under|below|less than|younger than|fewer than|cheaper than|at most|up to)"
_MORE = r"(?:over|above|more than|older than|at\s*least|greater than)"
_AMOUNT = r"(\d[\d,]*(?:\.\d+)?\s*(?:k|K|천|만)?)"  # a sum of money: 150,000, 150k, 15만
_COMPARISONS: list[tuple[re.Pattern[str], str, _Builder]] = [
    (re.compile(r"\b(?:between|from)\s+" + _AMOUNT + r"\s*(?:won|원)?\s+(?:and|to|-)\s+" + _AMOUNT
                + r"\s*(?:won|krw|원)", re.I),
     "price", lambda m: (_amount(m.group(1)), _amount(m.group(2)))),
    (re.compile(_LESS + r"\s+(?:₩\s*)?" + _AMOUNT + r"\s*(?:won|krw|원)", re.I), "price",
     lambda m: (None, _amount(m.group(1)) - 1)),
    (re.compile(_MORE + r"\s+(?:₩\s*)?" + _AMOUNT + r"\s*(?:won|krw|원)", re.I), "price",
     lambda m: (_amount(m.group(1)) + (0 if "least" in m.group(0).lower() else 1), None)),
    (re.compile(_AMOUNT + r"\s*원\s*(미만|이하|이상|초과)"), "price",
     lambda m: _korean_bound(_amount(m.group(1)), m.group(2))),
    (re.compile(r"\b(\d)-?\s*(?:-|to|or|and)\s*(\d)[\s-]*stars?\b", re.I), "rating",
     lambda m: (int(m.group(1)), int(m.group(2)))),
    (re.compile(_LESS + r"\s+(\d)\s*stars?\b", re.I), "rating", lambda m: (None, int(m.group(1)) - 1)),
    (re.compile(_MORE + r"\s+(\d)\s*stars?\b", re.I), "rating",
     lambda m: (int(m.group(1)) + (0 if "least" in m.group(0).lower() else 1), None)),
    (re.compile(r"\b(\d)\s*stars?\s+or\s+(more|higher|above|less|lower|below)\b", re.I), "rating",
     lambda m: (int(m.group(1)), None) if m.group(2).lower() in ("more", "higher", "above")
     else (None, int(m.group(1)))),
    (re.compile(r"\b(?:rated|rating\s+of|score\s+of)\s+(\d)\s+or\s+"
                r"(more|higher|above|better|less|lower|below|worse)\b", re.I),
     "rating", lambda m: (int(m.group(1)), None)
     if m.group(2).lower() in ("more", "higher", "above", "better") else (None, int(m.group(1)))),
    (re.compile(r"(?<![\d.])\b(\d)[\s-]*stars?\b|\brated\s+(\d)\b(?![.,]\d)|\brating\s+of\s+(\d)\b(?![.,]\d)", re.I), "rating",
     lambda m: 2 * (int(m.group(1) or m.group(2) or m.group(3)),)),
    (re.compile(r"(?:별점|평점)?\s*(?<![\d.])([1-5])\s*(?:~|-)\s*([1-5])\s*점"), "rating",
     lambda m: (int(m.group(1)), int(m.group(2)))),
    (re.compile(r"(?<![가-힣])별\s*([1-5])\s*개\s*(미만|이하|이상|초과)"), "rating",  # 별 4개 이상
     lambda m: _korean_bound(int(m.group(1)), m.group(2))),
    (re.compile(r"(?<![가-힣])별\s*([1-5])\s*개"), "rating",  # "별 5개 준 리뷰": five stars
     lambda m: 2 * (int(m.group(1)),)),
    (re.compile(r"(?<![가-힣])별\s*(하나|한\s*개|두\s*개|둘|세\s*개|셋|네\s*개|넷|다섯\s*개|다섯)"),
     "rating", lambda m: 2 * (_KOREAN_COUNTS[m.group(1).replace(" ", "")[0]],)),  # 별 하나짜리
    (re.compile(r"(?:별점|평점)?\s*(?<![\d.])([1-5])\s*점\s*(미만|이하|이상|초과)"), "rating",
     lambda m: _korean_bound(int(m.group(1)), m.group(2))),
    (re.compile(r"(?:별점|평점)(?:은|는|이|을|를)?\s*(?<![\d.])([1-5])\s*점"
                r"|(?<![\d.])([1-5])\s*점(?:짜리)?(?=\s*(?:리뷰|평점|별점))"), "rating",  # the
     # review word stays the question's: "1점 리뷰가 제일 많은 채널" counts reviews
     lambda m: 2 * (int(m.group(1) or m.group(2)),)),
    (re.compile(r"\b(?:aged|ages?)\s+(\d{2})\s*(?:-|to|and)\s*(\d{2})\b|\bbetween\s+(\d{2})\s+and\s+(\d{2})\s+years?\b", re.I),
     "age", lambda m: (int(m.group(1) or m.group(3)), int(m.group(2) or m.group(4)))),
    (re.compile(r"\b(?:under|below)[-\s]+([1-9])0s\b", re.I), "age",  # "under-30s": < 30
     lambda m: (None, int(m.group(1)) * 10 - 1)),
    (re.compile(r"\b(?:over|above)[-\s]+([1-9])0s\b", re.I), "age",  # "over-40s": 40 and up
     lambda m: (int(m.group(1)) * 10, None)),
    (re.compile(r"(?<!\d)([1-9])0\s*대\s*(이상|이하|미만|초과)"), "age",  # "40대 이상": 40 and up
     lambda m: _decade_bound(int(m.group(1)) * 10, m.group(2))),
    (re.compile(r"\bin\s+their\s+(\d)0s\b|\b(\d)0s\b", re.I), "age",
     lambda m: (int(m.group(1) or m.group(2)) * 10, int(m.group(1) or m.group(2)) * 10 + 9)),
    (re.compile(r"(?<!\d)([1-9])0\s*대"), "age",
     lambda m: (int(m.group(1)) * 10, int(m.group(1)) * 10 + 9)),
    (re.compile(r"(?<!\d)(\d{2})\s*(?:~|-|에서)\s*(\d{2})\s*(?:세|살)"), "age",
     lambda m: (int(m.group(1)), int(m.group(2)))),
    (re.compile(r"(\d{2})\s*(?:세|살)\s*(미만|이하|이상|초과)"), "age",
     lambda m: _korean_bound(int(m.group(1)), m.group(2))),
    (re.compile(r"\b(\d{2})\s*(?:\+|and\s+(?:over|older|up|above))", re.I), "age",
     lambda m: (int(m.group(1)), None)),
    (re.compile(r"\b(?:under|below|younger than)\s+(?:the\s+age\s+of\s+)?(\d{2})\b(?![.,]\d|\s*(?:orders?|reviews?|days?|products?|items?|%|percent))", re.I),
     "age", lambda m: (None, int(m.group(1)) - 1)),
    (re.compile(r"\b(?:over|above|older than)\s+(?:the\s+age\s+of\s+)?(\d{2})\b(?![.,]\d|\s*(?:orders?|reviews?|days?|products?|items?|%|percent))", re.I),
     "age", lambda m: (int(m.group(1)) + 1, None)),
]
_TOP_N = [
    re.compile(r"\b(?:top|best|first|highest|largest|biggest|lowest|worst|cheapest|most expensive)\s+" + _NUM + r"\b", re.I),
    re.compile(r"\b" + _NUM + r"\s+(?:best|top|most|highest|lowest|largest|cheapest|biggest)\b", re.I),
    re.compile(r"(?:상위|하위|top|베스트|TOP)\s*(\d+)", re.I),
    re.compile(r"\b(?:which|what|the|list|show|give me|name)\s+(?!one\s+(?:going|for|to|that|"
               r"who|which|sent|addressed|about|from|with)\b)"  # "reject the one going to 5892"
               + _NUM + r"\s+(?!stars?\b|days?\b|weeks?\b|months?\b|years?\b|orders?\b|times?\b|%)", re.I),
    re.compile(r"(?<![\d,.])(\d{1,2})\s*(?:개|위|명|곳|가지)(?!\s*(?:월|이상|이하|넘|초과|미만|전부|모두))"),
]
_FULL_NAME = re.compile(r"(?<![A-Za-z])([A-Z][a-z]+)\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?![A-Za-z])")
_COUNTED = r"(?!\d|\s*(?:년|명|개|건|원|%|월))"  # "고객 500명" counts people, it names no one
# Customer ids: (pattern, named) — a number the question calls a customer's is an id even
# when no customer has it (the tools then answer with the closest ids); a bare "#1042" only
# when it falls in the range of ids.
_KOREAN_COUNTS = {"하": 1, "한": 1, "두": 2, "둘": 2, "세": 3, "셋": 3, "네": 4, "넷": 4, "다": 5}
_CUSTOMER_ID = [
    (re.compile(r"\b(?:customer|custmer|costumer|cusotmer|cutomer|customr|cust\.?)"
                r"(?:\s+(?:id|number|no\.?))?\s*#?\s*(\d{3,})\b", re.I), True),
    (re.compile(r"고객\s*(?:번호|id|ID)?\s*#?\s*(\d{3,})" + _COUNTED), True),
    (re.compile(r"(\d{3,})\s*번\s*고객"), True),
    (re.compile(r"(\d{3,})\s*고객(?:님)?(?:한테|에게|께|의|을|를|은|는|이|가)"), False),
    (re.compile(r"(?<![\d,])(\d{4,})\s*고객(?!\s*(?:수|명|들))"), False),  # "3300 고객 정보 좀"
    (re.compile(r"#(\d{3,})\b"), False),
    # a number where only a customer fits, if one has that id: "the email for 8177",
    # "same for 9001", "8177 메일은 빼줘", "9001번도 똑같이"
    (re.compile(r"\b(?:e-?mails?|mails?|drafts?)\s+(?:for|to|of)\s+(\d{3,})\b", re.I), False),
    (re.compile(r"\bsame\s+(?:for|with)\s+(\d{3,})\b", re.I), False),
    (re.compile(r"(\d{3,})\s*번?\s*(?:고객\s*)?(?:의\s*)?(?:이메일|메일|초안)"), False),
    (re.compile(r"(\d{3,})\s*번?\s*도\s*(?:똑같이|같이|마찬가지)"), False),
]
# Several customers by id: "customers 2251 and 4038", "고객 6753, 7274, 2506", "2251, 4038번 고객"
_ID_LIST = (r"#?\d{3,}(?:\s*(?:,\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*"
            r"|\s*(?:와|과|이랑|랑|하고)\s*)#?\d{3,})+")
_CUSTOMER_IDS = [re.compile(r"\bcustomers?(?:\s+(?:ids?|numbers?))?\s+(" + _ID_LIST + r")\b",
                            re.I),
                 re.compile(r"고객\s*(?:번호|id|ID)?\s*(" + _ID_LIST + r")" + _COUNTED),
                 re.compile(r"(" + _ID_LIST + r")\s*번?\s*고객")]
# "order 1001", "order #5", "주문번호 1001": one order's lines
_ORDER_ID = [re.compile(r"\border(?:\s+(?:id|number|no\.?))?\s*(?:#\s*(\d+)|(\d{2,}))\b", re.I),
             re.compile(r"주문\s*번호\s*#?\s*(\d+)()")]
_CAMPAIGN_ID = [
    re.compile(r"\bcampaign(?:\s+(?:id|number|no\.?))?\s*#?\s*(\d{1,6})\b", re.I),
    re.compile(r"캠페인\s*(?:번호|id|ID)?\s*#?\s*(\d{1,6})(?:\s*번)?" + _COUNTED),
    re.compile(r"(\d{1,6})\s*번(?:째)?\s*캠페인"),
]
# "at least N" counts (orders, reviews, ...): "more than 5" is at least 6.
_AT_LEAST: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"\b(?:more than|over|above|greater than)\s+(\d+)\b", re.I), 1),
    (re.compile(r"\bat\s*least\s+(\d+)\b", re.I), 0),
    (re.compile(r"\b(\d+)\s*(?:\+|or more\b)", re.I), 0),
    (re.compile(r"(?<![\d.])(\d+)(?![\d.])\s*(?:건|개|번|회|명)?\s*이상"), 0),  # not "4.5 이상"
    (re.compile(r"(?<![\d.])(\d+)(?![\d.])\s*(?:건|개|번|회|명)?\s*(?:초과|넘게|넘는|넘은)"), 1),
]
_A_360 = re.compile(r"(?:full|customer|the|a)\s+360\b|\b360\s*(?:view|°|degree)"
                    r"|고객\s*360(?![\d,]|\s*번)", re.I)  # "고객 360 보여줘": the view; "고객 360번": an id
_BARE_MEMBERS = {"members", "member"}  # a value only when not some group's own members
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])(\d[\d,]*)(?![A-Za-z0-9_.])")


@lru_cache(maxsize=1)
def korean_cluster_names() -> dict[str, set[str]]:
    """The Korean names of the RFM archetypes by English name: "이탈한 큰손 고객", without
    the trailing 고객 where more than one word is left ("이탈한 큰손", but not "신규"), and
    followed by 클러스터 or 군집 ("챔피언 클러스터")."""
    from tools.segments.rfm_names import archetypes  # numpy/scipy only when needed

    named, inactive = archetypes()
    names: dict[str, set[str]] = {}
    for archetype in (*named, *inactive.values()):
        korean = archetype.name_ko.strip()
        short = korean.removesuffix("고객").strip()
        names[archetype.name] = ({korean, short} if " " in short else {korean}) | \
            {f"{short} {word}" for word in ("클러스터", "군집")}  # "챔피언 클러스터"
    return names


def _korean_bound(number: int, word: str) -> tuple[int | None, int | None]:
    return {"미만": (None, number - 1), "이하": (None, number), "이상": (number, None),
            "초과": (number + 1, None)}[word]


def _decade_bound(decade: int, word: str) -> tuple[int | None, int | None]:
    return {"미만": (None, decade - 1), "이하": (None, decade + 9), "이상": (decade, None),
            "초과": (decade + 10, None)}[word]


@dataclass
class _Scan:
    """The question with claimed spans blanked out, and the mentions found so far."""

    text: str
    masked: str
    found: list[Mention] = field(default_factory=list)

    def claim(self, kind: str, value: SlotValue, start: int, end: int) -> None:
        self.found.append(Mention(kind, value, start, end, self.text[start:end]))
        self.masked = self.masked[:start] + " " * (end - start) + self.masked[end:]


class MentionFinder:
    """Finds mentions using the value index (what exists) and the glossary (what it is called)."""

    def __init__(self, index: ValueIndex, glossary: Glossary | None = None) -> None:
        self.index = index
        self.glossary = glossary or load_glossary()
        self.words: set[str] = set()  # every value's names, for the speller
        self._forms = self._build_forms()

    def _build_forms(self) -> list[tuple[re.Pattern[str], str, str]]:
        forms: dict[tuple[str, bool], tuple[str, str]] = {}
        for kind in VALUE_TYPES:
            for value in self.index.values.get(kind, ()):
                words = set(self.glossary.synonyms.get(kind, {}).get(value, ()))
                if kind in ("city", "rfm_cluster", "social_media_source", "status"):
                    words.add(value)
                if kind == "segment":
                    words |= {value, value.replace("_", " ")}
                if kind == "rfm_cluster":
                    words |= korean_cluster_names().get(value, set())
                self.words |= words
                for word in words:
                    case_sensitive = len(word) == 1 and word.isupper()
                    key = (word if case_sensitive else word.lower(), case_sensitive)
                    forms.setdefault(key, (kind, value))
        patterns = []
        for (word, case_sensitive), (kind, value) in sorted(forms.items(),
                                                            key=lambda kv: -len(kv[0][0])):
            body = re.escape(word).replace(r"\ ", r"[\s_-]*")
            if not has_hangul(word) and len(word) > 2 and word[-1].isalpha() \
                    and not word.endswith("s"):
                body += "(?:e?s)?"  # "payment problems" names what "payment problem" does
            if not has_hangul(word):
                # a quote opens a value ('champions'), an apostrophe inside a word does not
                body = rf"(?<![A-Za-z0-9_-])(?<![A-Za-z]'){body}(?![A-Za-z0-9_])"
            if word in _BARE_MEMBERS:  # "each cluster and its members": not the loyalty
                body = r"(?<!\bits )(?<!\btheir )" + body  # program's members
            patterns.append((re.compile(body, 0 if case_sensitive else re.I), kind, value))
        return patterns

    def find(self, text: str) -> list[Mention]:
        """Every mention in ``text``, in order of position."""
        scan = _Scan(text=text, masked=text)
        self._products(scan)
        for match in find_periods(scan.masked, self.index.anchor()):
            scan.claim("period", match.value, match.start, match.end)
        self._ids(scan)
        self._names(scan)
        for pattern, kind, build in _COMPARISONS:
            for m in list(pattern.finditer(scan.masked)):
                low, high = build(m)
                group = _AGE_GROUPS.get((low, high)) if kind == "age" else None
                if group is not None:  # "40대 이상", "under 40": the segments' age groups
                    aged = _AGED.search(scan.masked, 0, m.start())  # "aged 40 and over"
                    scan.claim("age_group", self.glossary.value("age_group", group),
                               aged.start() if aged else m.start(), m.end())
                else:
                    scan.claim(kind, _range_value(kind, low, high), *m.span())
        for pattern in _TOP_N:
            for m in list(pattern.finditer(scan.masked)):
                n = _to_int(m.group(1))
                if 0 < n <= 1000:
                    scan.claim("top_n", number_value("top_n", n), *m.span())
        for pattern, kind, value in self._forms:
            for m in list(pattern.finditer(scan.masked)):
                scan.claim(kind, self.glossary.value(kind, value), *m.span())
        for pattern, extra in _AT_LEAST:
            for m in list(pattern.finditer(scan.masked)):
                scan.claim("at_least", number_value("at_least", int(m.group(1)) + extra),
                           *m.span())
        for m in list(_NUMBER.finditer(scan.masked)):
            if _A_360.search(scan.text[max(0, m.start() - 9):m.end() + 5]):
                continue  # "the full 360", "360 view": the customer view, not a number
            if _ALL_OF.match(scan.text, m.end()) or _ALL_BEFORE.search(scan.text, 0, m.start()):
                continue  # "12개 전부", "all 12 segments": how many there are, not a filter
            scan.claim("number", number_value("number", _to_int(m.group(1))), *m.span())
        if any(m.type == "customer_id" for m in scan.found):  # "Dakota Webb (cust 5504)":
            scan.found = [m for m in scan.found if m.type != "customer_name"]  # the id says who
        return sorted(scan.found, key=lambda mention: mention.start)

    def _products(self, scan: _Scan) -> None:
        lowered = scan.text.lower()
        for title in sorted(self.index.values.get("product", ()), key=len, reverse=True):
            start = lowered.find(title.lower())
            if start >= 0 and not scan.masked[start:start + len(title)].isspace():
                scan.claim("product", plain_value("product", title), start, start + len(title))
                lowered = lowered[:start] + " " * len(title) + lowered[start + len(title):]

    def _names(self, scan: _Scan) -> None:
        """A customer's full name ("Rachel Edwards's profile"): a first and a last name that
        customers have, next to each other; the customer tool resolves who it is."""
        first = {n.lower() for n in self.index.values.get("first_name", ())}
        last = {n.lower() for n in self.index.values.get("last_name", ())}
        if not (first and last):
            return
        for m in list(_FULL_NAME.finditer(scan.masked)):
            if m.group(1).lower() in first and m.group(2).lower() in last:
                name = f"{m.group(1)} {m.group(2)}"
                scan.claim("customer_name", plain_value("customer_name", name), m.start(),
                           m.start() + len(m.group(0)))

    def _ids(self, scan: _Scan) -> None:
        for pattern in _ORDER_ID:
            for m in list(pattern.finditer(scan.masked)):
                scan.claim("order_id", number_value("order_id", int(m.group(1) or m.group(2))),
                           *m.span())
        for pattern in _CAMPAIGN_ID:
            for m in list(pattern.finditer(scan.masked)):
                scan.claim("campaign_id", number_value("campaign_id", int(m.group(1))),
                           *m.span())
        for pattern in _CUSTOMER_IDS:
            for m in list(pattern.finditer(scan.masked)):
                numbers = [int(n) for n in re.findall(r"\d+", m.group(1))]
                scan.claim("customer_ids", id_list_value("customer_ids", numbers),
                           *m.span())
        for pattern, named in _CUSTOMER_ID:
            for m in list(pattern.finditer(scan.masked)):
                number = int(m.group(1))
                if (hit := _A_360.match(scan.text, m.start())) and hit.end() >= m.end():
                    continue  # "2506번 고객 360 보여줘": the view of the customer named before
                if named or self.index.is_customer_id(number):
                    scan.claim("customer_id", number_value("customer_id", number), *m.span())
