"""Matching a question to the intents the offline model knows, and filling their slots.

Each intent is scored on three things:

* meaning: cosine similarity of the question's embedding to the intent's phrasings (read
  from the knowledge index) and the overlap of their concepts (``agent.offline.lexicon``),
  weighted by how rare each concept is, so an unknown word in the question costs recall;
* slots: every slot must get a value from the question (or have a default);
* the rest of the question's values: each must be one the intent's phrasing already says
  ("loyal" in "What do loyal members buy"), or a filter that a table of its query carries
  ("in Seoul" on any query over customers). A value it cannot place makes the intent unable
  to answer, so the model declines rather than ignore part of the question.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlglot import exp

from agent.offline.intents import Intent
from agent.offline.lexicon import Lexicon
from tools.mentions import Mention, MentionFinder
from tools.slot_values import SlotValue, number_value, plain_value
from tools.sql_filters import RULES, add_filters, parse
from tools.warehouse.catalog import Catalog

EmbedFn = Callable[[str], np.ndarray]
# Weights and penalties of the score (meaning is 0..1; adjustments add to it).
W_LEX, W_EMB = 0.55, 0.45
EMB_FLOOR, EMB_SPAN = 0.80, 0.15  # e5 cosines: ~0.80 unrelated .. ~0.95 paraphrase
SLOT_BONUS = 0.05
FILTER_COST = 0.02
UNPLACED_COST = 0.25
CONFLICT_COST = 0.30
MISSING_COST = 0.30
EXTRA_COST = 0.12
_DUMMY = {
    "city": "Seoul", "gender": "Female", "loyalty": "TRUE", "age_group": "Younger_Adult",
    "age": "30..39", "segment": "Younger_Adult_FEMALE_LOYAL", "social_media_source": "Blog",
    "rating": "1..2", "category": "[Bags]", "product": "x", "price": "..9999",
    "availability": "IN_STOCK", "status": "Complete", "sentiment": "negative",
    "issue_category": "기타", "rfm_cluster": "x", "customer_id": "1001",
}
_RANGE_FILTERS = {"period"}  # a range narrows a breakdown by the same column sensibly


@dataclass
class Candidate:
    """An intent with its slots filled from one question, scored."""

    intent: Intent
    values: dict[str, SlotValue] = field(default_factory=dict)
    filters: list[Mention] = field(default_factory=list)
    limit: int | None = None
    unplaced: list[Mention] = field(default_factory=list)
    conflicts: list[Mention] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    meaning: float = 0.0
    score: float = 0.0

    @property
    def executable(self) -> bool:
        return not (self.unplaced or self.conflicts or self.missing)


@dataclass(frozen=True)
class _Phrasing:
    lang: str
    features: frozenset[str]


@dataclass
class _Profile:
    """What the matcher precomputes about one intent."""

    intent: Intent
    phrasings: list[_Phrasing]
    fixed: set[tuple[str, str]]  # (type, value) the phrasings state outside slots
    fixed_types: set[str]
    filterable: set[str]
    grouped: set[str]  # filter types whose column the query groups by
    orderable: bool


def _grouped_columns(tree: exp.Query) -> set[str]:
    names: set[str] = set()
    for select in tree.find_all(exp.Select):
        aliases = {e.alias: e.this for e in select.expressions if isinstance(e, exp.Alias)}
        group = select.args.get("group")
        for expression in (group.expressions if group else []):
            if isinstance(expression, exp.Column) and expression.name in aliases \
                    and not expression.table:
                expression = aliases[expression.name]
            names |= {c.name for c in expression.find_all(exp.Column)}
            if isinstance(expression, exp.Column):
                names.add(expression.name)
    return names


class Matcher:
    """Scores intents for a question; ``vectors`` are (refs, matrix) from the knowledge index."""

    def __init__(self, intents: list[Intent], finder: MentionFinder, lexicon: Lexicon,
                 catalog: Catalog, vectors: tuple[list[str], np.ndarray] | None = None,
                 embed: EmbedFn | None = None) -> None:
        self.finder = finder
        self.lexicon = lexicon
        self.catalog = catalog
        self.embed = embed if vectors is not None else None
        self.profiles = [self._profile(i) for i in intents]
        self._idf = self._weights()
        self._rows: dict[str, list[int]] = {}
        self._matrix = None
        if vectors is not None:
            refs, matrix = vectors
            self._matrix = matrix
            for row, ref in enumerate(refs):
                self._rows.setdefault(ref, []).append(row)

    # -- precomputation ---------------------------------------------------------------
    def _profile(self, intent: Intent) -> _Profile:
        examples = intent.example_values()
        slot_values = {(s.type, examples[s.name].value) for s in intent.slots}
        phrasings, fixed = [], set()
        for lang, template in intent.phrasings:
            text = intent.render_text(template, examples, lang)
            mentions = self.finder.find(text)
            for m in mentions:
                if m.key not in slot_values and m.type not in ("number", "top_n"):
                    fixed.add(m.key)
            phrasings.append(_Phrasing(lang, frozenset(self.lexicon.features(_blank(text,
                                                                                   mentions)))))
        filterable, grouped, orderable = set(), set(), False
        if intent.sample is not None:
            tree = parse(intent.sample.render_sql())
            orderable = isinstance(tree, exp.Select) and tree.args.get("order") is not None
            columns = _grouped_columns(tree)
            for kind, raw in _DUMMY.items():
                dummy = plain_value(kind, raw)
                if add_filters(tree.copy(), [(kind, dummy)], self.catalog)[0]:
                    filterable.add(kind)
                    carried = set(RULES[kind].columns) - {"age"} if kind == "segment" \
                        else set(RULES[kind].columns)
                    if kind == "segment" and {"age", "gender", "loyalty_member"} <= columns:
                        grouped.add(kind)
                    elif carried & columns:
                        grouped.add(kind)
            period = SlotValue(type="period", value="x", en="x", ko="x", start="2025-01-01",
                               end="2025-02-01")
            if add_filters(tree.copy(), [("period", period)], self.catalog)[0]:
                filterable.add("period")
        return _Profile(intent, phrasings, fixed, {t for t, _ in fixed}, filterable, grouped,
                        orderable)

    def _weights(self) -> dict[str, float]:
        df: dict[str, int] = {}
        for profile in self.profiles:
            for feature in set().union(*(p.features for p in profile.phrasings)):
                df[feature] = df.get(feature, 0) + 1
        n = len(self.profiles)
        self._unknown = math.log(n + 1) + 1.0
        return {f: math.log((n + 1) / (d + 1)) + 1.0 for f, d in df.items()}

    def weight(self, feature: str) -> float:
        return self._idf.get(feature, self._unknown)

    # -- scoring ------------------------------------------------------------------------
    def content(self, text: str, mentions: list[Mention]) -> set[str]:
        """The question's concept features (its values blanked out)."""
        return self.lexicon.features(_blank(text, mentions))

    def _lexical(self, query: set[str], phrasing: frozenset[str]) -> float:
        if not query and not phrasing:
            return 1.0
        shared = sum(self.weight(f) for f in query & phrasing)
        if not shared:
            return 0.0
        precision = shared / sum(self.weight(f) for f in phrasing)
        recall = shared / sum(self.weight(f) for f in query)
        return 2 * precision * recall / (precision + recall)

    def _embedding_scores(self, text: str) -> dict[str, float]:
        if self._matrix is None or self.embed is None:
            return {}
        sims = self._matrix @ self.embed(text)
        return {ref: float(sims[rows].max()) for ref, rows in self._rows.items()}

    def rank(self, text: str, mentions: list[Mention] | None = None) -> list[Candidate]:
        """Every intent scored for ``text``, best first."""
        mentions = self.finder.find(text) if mentions is None else mentions
        query = self.content(text, mentions)
        lang = "ko" if any("\uac00" <= ch <= "\ud7a3" for ch in text) else "en"
        embedded = self._embedding_scores(text)
        ranked = []
        for profile in self.profiles:
            lexical = max((self._lexical(query, p.features) for p in profile.phrasings),
                          default=0.0)
            same_lang = [p for p in profile.phrasings if p.lang == lang]
            if same_lang:
                lexical = max(lexical, max(self._lexical(query, p.features) for p in same_lang))
            if profile.intent.id in embedded:
                emb = min(1.0, max(0.0, (embedded[profile.intent.id] - EMB_FLOOR) / EMB_SPAN))
                meaning = W_LEX * lexical + W_EMB * emb
            else:
                meaning = lexical
            candidate = self.fill(profile, mentions, text)
            candidate.meaning = meaning
            candidate.score = meaning + self._adjustment(candidate, profile, mentions)
            ranked.append(candidate)
        ranked.sort(key=lambda c: c.score, reverse=True)
        return ranked

    def _adjustment(self, c: Candidate, profile: _Profile, mentions: list[Mention]) -> float:
        said = {m.key for m in mentions}
        extra = [key for key in profile.fixed if key not in said]
        return (SLOT_BONUS * len(c.values) - FILTER_COST * len(c.filters)
                - UNPLACED_COST * len(c.unplaced) - CONFLICT_COST * len(c.conflicts)
                - MISSING_COST * len(c.missing) - EXTRA_COST * len(extra))

    # -- slot filling ---------------------------------------------------------------------
    def profile_of(self, intent_id: str) -> _Profile:
        return next(p for p in self.profiles if p.intent.id == intent_id)

    def fill(self, profile: _Profile, mentions: list[Mention], text: str) -> Candidate:
        """Place each mention: a slot, already said by the intent, a filter, or nowhere."""
        c = Candidate(intent=profile.intent)
        left = list(mentions)
        for spec in profile.intent.slots:
            if spec.type == "question":
                c.values[spec.name] = SlotValue("question", text, text, text)
                continue
            found = next((m for m in left if m.type == spec.type and m.value.value != "unhappy"),
                         None)
            used = [found]
            if found is None and spec.type == "segment":
                found, used = _compose_segment(left)
            if found is not None:
                c.values[spec.name] = found.value
                left = [m for m in left if not any(m is u for u in used)]
            elif spec.default is not None:
                c.values[spec.name] = _default(spec.type, spec.default)
            else:
                c.missing.append(spec.name)
        for mention in left:
            self.place(c, profile, mention)
        return c

    def place(self, c: Candidate, profile: _Profile, mention: Mention) -> None:
        """Put one value that is not a slot somewhere, or record that it cannot be."""
        if mention.key in profile.fixed:
            return
        if mention.type in profile.fixed_types:
            c.conflicts.append(mention)
        elif mention.type == "top_n" and profile.orderable:
            c.limit = int(mention.value.value)
        elif mention.type in profile.filterable and (mention.type in _RANGE_FILTERS or
                                                     mention.type not in profile.grouped):
            c.filters.append(mention)
        else:
            c.unplaced.append(mention)


def _blank(text: str, mentions: list[Mention]) -> str:
    for m in mentions:
        text = text[:m.start] + " " * (m.end - m.start) + text[m.end:]
    return text


def _compose_segment(mentions: list[Mention]) -> tuple[Mention | None, list[Mention]]:
    """"young loyal women" as the segment Younger_Adult_FEMALE_LOYAL, and its three parts."""
    by_type = {m.type: m for m in mentions}
    if not {"age_group", "gender", "loyalty"} <= set(by_type):
        return None, []
    parts = [by_type["age_group"], by_type["gender"], by_type["loyalty"]]
    age, gender, loyal = (m.value.value for m in parts)
    value = f"{age}_{gender.upper()}_{'LOYAL' if loyal == 'TRUE' else 'NON_LOYAL'}"
    start, end = min(m.start for m in parts), max(m.end for m in parts)
    return Mention("segment", plain_value("segment", value), start, end, value), parts


def _default(kind: str, raw: str) -> SlotValue:
    if raw.isdigit():
        return number_value(kind, int(raw))
    return plain_value(kind, raw)
