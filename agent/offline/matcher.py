"""Matching a question to the intents the offline model knows, and filling their slots.

Each intent is scored on:

* meaning: cosine similarity of the question's embedding to the intent's phrasings (read
  from the knowledge index) and the overlap of their concepts (``agent.offline.lexicon``).
  Concepts weigh by rarity, dimensions ("by city") and measures ("average") weigh more, as
  does what a "how many" counts; words outside the lexicon weigh most, so a question about
  something no sample covers scores low. Recall outweighs precision: what the question asks
  must be covered.
* slots: every slot must get a value from the question (or have a default);
* the rest of the question's values: each must be one the intent already states and its
  SQL restricts to ("loyal" in "What do loyal members buy"), or a filter a table of its
  query carries ("in Seoul" on any query over customers). A value it cannot place, or one
  that contradicts what the intent states, makes it unable to answer, so the model declines
  rather than ignore part of the question. A value the intent states but the question does
  not, or a breakdown the question asks for and the intent lacks, costs score.

A tool intent takes the values its slots and filters name, and nothing else. A free-text
slot (what a review search is about, a campaign's audience) takes the words that are
neither the intent's own wording nor the shape of a question (counts, breakdowns,
rankings): those words are scored as covered, so "find reviews about leaking lids" meets
"Find reviews about {topic}" whatever the topic, while "how many negative reviews per
city" keeps its count and breakdown and stays a SQL question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlglot import exp

from agent.offline import request_words
from agent.offline.lexicon import Lexicon, Word
from agent.offline.request_words import (
    FREE_TEXT_TYPES,
    OPTION_CONCEPTS,
    OPTION_TYPES,
    WORD_TYPES,
)
from agent.offline.tool_cues import refers_back, refers_to_customer
from tools.sql.filters import RULES, add_filters, parse
from tools.sql.intents import Intent
from tools.sql.mentions import Mention, MentionFinder
from tools.sql.slot_values import (
    ID_TYPES,
    SlotValue,
    id_list_value,
    number_value,
    plain_value,
)
from tools.warehouse.catalog import Catalog

EmbedFn = Callable[[str], np.ndarray]
# Weights and penalties of the score (meaning is 0..1; adjustments add to it).
W_LEX, W_EMB = 0.55, 0.45
EMB_FLOOR, EMB_SPAN = 0.80, 0.15  # e5 cosines: ~0.80 unrelated .. ~0.95 paraphrase
RECALL_BETA = 1.5
UNKNOWN_FACTOR = 1.5  # words outside the lexicon: meaning no sample covers
SLOT_BONUS = 0.05
FILTER_COST = 0.02
GROUPED_FILTER_COST = 0.06  # narrowing a breakdown to one of its groups
UNPLACED_COST = 0.25
CONFLICT_COST = 0.30
MISSING_COST = 0.30
EXTRA_COST = 0.25
DIMENSION_COST = 0.10  # the question breaks down by something the intent does not
_DUMMY = {
    "city": "Seoul", "gender": "Female", "loyalty": "TRUE", "age_group": "Younger_Adult",
    "age": "30..39", "segment": "Younger_Adult_FEMALE_LOYAL", "social_media_source": "Blog",
    "rating": "1..2", "category": "[Bags]", "product": "x", "price": "..9999",
    "availability": "IN_STOCK", "status": "Complete", "sentiment": "negative",
    "issue_category": "기타", "rfm_cluster": "x", "customer_id": "1001",
}
_RANGE_FILTERS = {"period"}  # a range narrows a breakdown by the same column sensibly
_PERSON_TYPES = {"gender", "loyalty", "age_group", "age", "segment", "customer_id",
                 "customer_name"}  # people
_NUMERIC_TYPES = {"number", "at_least", "age", "rating", "price"}
_FAMILY = {"age_group": "age", "segment": "age"}  # value types that say the same thing
# A value implies the concept of its kind: "customers living in Busan" asks nothing about
# cities beyond Busan, so the concept is dropped where such a value is present.
_IMPLIED = {"city": "c:city", "social_media_source": "c:source", "category": "c:category",
            "segment": "c:segment", "rfm_cluster": "c:cluster", "issue_category": "c:complaint"}
# Concepts that name the same breakdown in other words.
_AGE_CONCEPTS = {"c:age", "c:age_band", "c:decade", "c:segment"}
_CONCEPT_FAMILY = {"c:age": _AGE_CONCEPTS, "c:segment": _AGE_CONCEPTS | {"c:gender", "c:loyalty"}}
# The concept a value type is a dimension of ("men and women" breaks down by gender).
_DIMENSION = {"city": "c:city", "gender": "c:gender", "loyalty": "c:loyalty", "age": "c:age",
              "age_group": "c:age", "segment": "c:segment", "social_media_source": "c:source",
              "category": "c:category", "sentiment": "c:sentiment", "rating": "c:rating",
              "status": "c:status", "issue_category": "c:complaint"}
# Concepts that name what a result is broken down by weigh double: a question by month is
# not answered by an overall figure. Customers are implied by most questions: half weight.
DIMENSIONS = {"c:city", "c:gender", "c:age", "c:age_band", "c:decade", "c:loyalty", "c:segment",
              "c:source", "c:month", "c:day", "c:weekday", "c:hour", "c:store_location",
              "c:category", "c:sentiment", "c:status", "c:cluster", "c:complaint"}
# What is measured weighs more too, and most what a "how many" counts (``t:`` features).
MEASURES = {"c:average", "c:rating", "c:revenue", "c:share", "c:count", "c:price", "c:spend",
            "c:units", "c:order_value", "c:frequency", "c:recency"}
_WEIGHT_FACTOR = {**{d: 2.0 for d in DIMENSIONS}, **{m: 1.5 for m in MEASURES},
                  "c:customer": 0.5}
_TARGET_FACTOR = 2.0
_COUNTS_PEOPLE = re.compile(r"\bhow many\b|몇\s*명", re.I)
# What a question asks for, or a request does, rather than what it is about: a free-text
# slot never takes these words.
SHAPE = DIMENSIONS | {"c:by", "c:top", "c:least", "c:count", "c:total", "c:average",
                      "c:share", "c:trend", "c:compare", "c:forecast", "c:distinct",
                      "c:combination", "c:revenue", "c:spend", "c:units", "c:order_value",
                      "c:frequency", "c:recency", "c:never"}
RANKINGS = {"c:top", "c:least"}
REVIEW_TABLES = {"customer_reviews", "multimodal_customer_reviews", "customer_reviews_analysis"}
ACTIONS = {"c:search", "c:lookup", "c:describe", "c:recommend", "c:campaign", "c:email",
           "c:draft", "c:approve", "c:reject", "c:export", "c:send", "c:confirm", "c:help"}
NOT_FREE_TEXT = SHAPE | ACTIONS
_ROW_KEYS = {"customer_id", "product"}  # grouped by these, a query lists entities
_PERCENT = re.compile(r"100\s*\*|_pct\b|\bshare|_rate\b|PERCENT", re.I)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.In, exp.Between)


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


@dataclass
class _Profile:
    """What the matcher precomputes about one intent."""

    intent: Intent
    phrasings: list[frozenset[str]]  # the concept features of each phrasing
    fixed: set[tuple[str, str]]  # (type, value) the phrasings state and the query restricts to
    constrained: set[str]  # value types the query compares with a constant (outside slots)
    said: set[tuple[str, str]]  # every value its phrasings mention
    filterable: set[str]
    grouped: set[str]  # filter types whose column the query groups by
    dimensions: set[str]  # dimension concepts its phrasings or its GROUP BY name
    orderable: bool
    limited: bool  # its query keeps only the first rows (LIMIT)
    share_of_total: bool  # shares over the whole result (break when narrowed to one group)
    breakdown: str | None = None  # the concept of the outer query's first GROUP BY column
    averages: bool = False  # its query takes an AVG
    percentages: bool = False  # its query computes a percentage (100 * …, a share of total)
    store_rating_only: bool = False  # it reads the catalog's rating and no review rows
    frame: frozenset[str] = frozenset()  # every feature of its phrasings (its own wording)
    free_text: bool = False  # has a slot that takes the question's remaining words
    options: bool = False  # has email option slots (language, tone, offer)


def _is_constant(node: exp.Expression) -> bool:
    if isinstance(node, exp.Neg):
        node = node.this
    return isinstance(node, (exp.Literal, exp.Boolean))


def _constrained_columns(tree: exp.Query) -> set[str]:
    """Columns the query compares with a constant, or uses as a bare TRUE/FALSE condition."""
    names: set[str] = set()
    for node in tree.find_all(*_COMPARISONS):
        sides = [node.this, *(node.expressions or []), node.args.get("expression"),
                 node.args.get("low"), node.args.get("high")]
        sides = [x for x in sides if isinstance(x, exp.Expression)]
        if any(_is_constant(x) for x in sides):
            for side in sides:
                names |= {c.name for c in side.find_all(exp.Column)}
    for column in tree.find_all(exp.Column):
        if isinstance(column.parent, (exp.Where, exp.And, exp.Or, exp.Not, exp.CountIf)):
            names.add(column.name)
    return names


def _types_of(columns: set[str]) -> set[str]:
    """Value types carried by ``columns`` (a segment needs all three of its columns)."""
    kinds = set()
    for kind, rule in RULES.items():
        if kind == "segment":
            if {"age", "gender", "loyalty_member"} <= columns or \
                    columns & {"persona_age_group_profile", "segment"}:
                kinds.add(kind)
        elif columns & set(rule.columns):
            kinds.add(kind)
    return kinds


def _breakdown(tree: exp.Query) -> str | None:
    """The dimension concept of the outer query's first GROUP BY column, if it has one."""
    group = tree.args.get("group") if isinstance(tree, exp.Select) else None
    if not group or not group.expressions:
        return None
    first = group.expressions[0]
    aliases = {e.alias: e.this for e in tree.expressions if isinstance(e, exp.Alias)}
    if isinstance(first, exp.Column) and not first.table and first.name in aliases:
        first = aliases[first.name]
    columns = {c.name for c in first.find_all(exp.Column)}
    if isinstance(first, exp.Column):
        columns.add(first.name)
    kinds = sorted(_types_of(columns) & set(_DIMENSION))
    return _DIMENSION[kinds[0]] if kinds else None


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
        self.anchor = finder.index.anchor().isoformat()
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
        for spec in intent.slots:  # free text is whatever the question says: no features
            if spec.type in FREE_TEXT_TYPES:
                examples[spec.name] = plain_value(spec.type, "")
        slot_values = {(s.type, examples[s.name].value) for s in intent.slots}
        tree = parse(intent.sample.render_sql()) if intent.sample is not None else None
        grouped = _types_of(_grouped_columns(tree)) if tree is not None else set()
        breakdown = _breakdown(tree) if tree is not None else None
        constrained = _types_of(_constrained_columns(tree)) if tree is not None else set()
        phrasings, said = [], set()
        for i, (lang, template) in enumerate(intent.phrasings):
            text = intent.render_text(template, examples, lang)
            mentions = self.finder.find(text)
            said |= {m.key for m in mentions}
            if i == 0:  # what the main question states is part of what it asks
                constrained |= {m.type for m in mentions if m.key not in slot_values} - \
                    grouped - _NUMERIC_TYPES - {"top_n"}
            phrasings.append(frozenset(self.features(text, mentions)))
        constrained -= {s.type for s in intent.slots} | grouped
        fixed = {key for key in said if key not in slot_values and key[0] in constrained}
        filterable, orderable, limited, share_of_total = set(), False, False, False
        if tree is not None:
            orderable = isinstance(tree, exp.Select) and tree.args.get("order") is not None
            limited = tree.args.get("limit") is not None
            share_of_total = any(not w.args.get("partition_by") for w in tree.find_all(exp.Window))
            for kind, raw in _DUMMY.items():
                if add_filters(tree.copy(), [(kind, plain_value(kind, raw))], self.catalog)[0]:
                    filterable.add(kind)
            period = SlotValue(type="period", value="x", en="x", ko="x", start="2025-01-01",
                               end="2025-02-01")
            if add_filters(tree.copy(), [("period", period)], self.catalog)[0]:
                filterable.add("period")
        else:  # a tool intent takes its slots and filters, and states nothing else
            constrained, fixed = set(), set()
            filterable = set(intent.filters) | set(intent.text_values)
        dimensions = {f for p in phrasings for f in p if f in DIMENSIONS} | \
            {_DIMENSION[kind] for kind in grouped if kind in _DIMENSION}
        slot_types = {s.type for s in intent.slots}
        tables = {t.name for t in tree.find_all(exp.Table)} if tree is not None else set()
        store_rating_only = tree is not None and not tables & REVIEW_TABLES and any(
            c.name == "average_rating" for c in tree.find_all(exp.Column))
        return _Profile(intent, phrasings, fixed, constrained, said, filterable, grouped,
                        dimensions, orderable, limited, share_of_total, breakdown,
                        averages=tree is not None and tree.find(exp.Avg) is not None,
                        percentages=share_of_total or tree is not None and _PERCENT.search(
                            intent.sample.sql if intent.sample else "") is not None,
                        store_rating_only=store_rating_only,
                        frame=frozenset().union(*phrasings),
                        free_text=bool(slot_types & FREE_TEXT_TYPES),
                        options=bool(slot_types & OPTION_TYPES))

    def _weights(self) -> dict[str, float]:
        df: dict[str, int] = {}
        for profile in self.profiles:
            for feature in set().union(*profile.phrasings):
                df[feature] = df.get(feature, 0) + 1
        n = len(self.profiles)
        self._unknown = math.log(n + 1) + 1.0
        return {f: math.log((n + 1) / (d + 1)) + 1.0 for f, d in df.items()}

    def weight(self, feature: str) -> float:
        factor = _TARGET_FACTOR if feature.startswith("t:") else \
            UNKNOWN_FACTOR if feature[0] in "wk" else _WEIGHT_FACTOR.get(feature, 1.0)
        return self._idf.get(feature, self._unknown) * factor

    # -- scoring ------------------------------------------------------------------------
    def features(self, text: str, mentions: list[Mention]) -> set[str]:
        """Concept features of ``text`` with its values blanked out; a value that names
        people ("women", "loyal") stands for customers, a campaign id for a campaign."""
        found = self.lexicon.features(_blank(text, mentions))
        if any(m.type in _PERSON_TYPES for m in mentions):
            found.add("c:customer")
        if any(m.type == "campaign_id" for m in mentions):
            found.add("c:campaign")
        if any(m.type == "top_n" for m in mentions):
            found.add("c:top")
        found -= {_IMPLIED[m.type] for m in mentions if m.type in _IMPLIED}
        target = self.lexicon.count_target(_blank(text, mentions))
        if target is None and _COUNTS_PEOPLE.search(text) and \
                any(m.type in _PERSON_TYPES for m in mentions):
            target = "t:customer"  # "How many young loyal women …", "여성 고객은 몇 명"
        if target:
            found.add(target)
        for kind in {m.type for m in mentions} & set(_DIMENSION):  # several values: a breakdown
            if len({m.value.value for m in mentions if m.type == kind}) > 1:
                found.add(_DIMENSION[kind])
        return found

    def _lexical(self, query: set[str], phrasing: frozenset[str]) -> float:
        if not query and not phrasing:
            return 1.0
        shared = sum(self.weight(f) for f in query & phrasing)
        if not shared:
            return 0.0
        precision = shared / sum(self.weight(f) for f in phrasing)
        recall = shared / sum(self.weight(f) for f in query)
        beta2 = RECALL_BETA ** 2  # what the question asks must be covered, above all
        return (1 + beta2) * precision * recall / (beta2 * precision + recall)

    def _embedding_scores(self, text: str) -> dict[str, float]:
        if self._matrix is None or self.embed is None:
            return {}
        sims = self._matrix @ self.embed(text)
        return {ref: float(sims[rows].max()) for ref, rows in self._rows.items()}

    def rank(self, text: str, mentions: list[Mention] | None = None,
             context: dict[str, SlotValue] | None = None) -> list[Candidate]:
        """Every intent scored for ``text``, best first; ``context`` holds the customer and
        campaign ids of the conversation, for tool intents whose message names none."""
        mentions = self.finder.find(text) if mentions is None else mentions
        query = self.features(text, mentions)
        words = self.lexicon.words(text)
        embedded = self._embedding_scores(text)
        ranked = []
        for profile in self.profiles:
            asked = query
            absorbed = self.absorbed(profile, words, mentions)
            if absorbed:
                asked = self.features(_blank(text, [*mentions, *absorbed]), mentions)
            lexical = max((self._lexical(asked, p) for p in profile.phrasings),
                          default=0.0)
            if profile.intent.id in embedded:
                emb = min(1.0, max(0.0, (embedded[profile.intent.id] - EMB_FLOOR) / EMB_SPAN))
                meaning = W_LEX * lexical + W_EMB * emb
            else:
                meaning = lexical
            candidate = self.fill(profile, mentions, text, context, words)
            candidate.meaning = meaning
            candidate.score = meaning + self._adjustment(candidate, profile, mentions, asked)
            ranked.append(candidate)
        ranked.sort(key=lambda c: c.score, reverse=True)
        return ranked

    def _adjustment(self, c: Candidate, profile: _Profile, mentions: list[Mention],
                    query: set[str]) -> float:
        families = {_FAMILY.get(m.type, m.type) for m in mentions}
        families |= {kind for kind, concept in _DIMENSION.items() if concept in query}
        extra = {_FAMILY.get(kind, kind) for kind, _ in profile.fixed} - families
        filled = sum(1 for v in c.values.values() if any(v is m.value for m in mentions))
        grouped = sum(1 for m in c.filters if m.type in profile.grouped)
        unasked = len((query & DIMENSIONS) - profile.dimensions)
        return (SLOT_BONUS * filled - FILTER_COST * len(c.filters) - DIMENSION_COST * unasked
                - (GROUPED_FILTER_COST - FILTER_COST) * grouped
                - UNPLACED_COST * len(c.unplaced) - CONFLICT_COST * len(c.conflicts)
                - MISSING_COST * len(c.missing) - EXTRA_COST * len(extra))

    def misfit(self, c: Candidate, asked: set[str], mentions: list[Mention]) -> str | None:
        """Why the candidate's stored query answers another question than the one whose
        features are ``asked`` (the name of the first check that fails), or None."""
        checks = {"breakdown": self.unasked_breakdown, "ranking": self.unasked_ranking,
                  "dimension": self.missed_dimension, "measure": self.missed_measure,
                  "grouping": self.unasked_grouping}
        return next((name for name, check in checks.items() if check(c, asked, mentions)),
                    None)

    def unasked_breakdown(self, c: Candidate, asked: set[str], mentions: list[Mention]) -> bool:
        """The candidate's query breaks its answer down by something the question does not
        ask for ("how many reviews are negative" answered per complaint type): a different
        question, whatever its words share. A dimension named only by one of its values is a
        filter, not a breakdown."""
        concept = self.profile_of(c.intent.id).breakdown
        if concept is None:
            return False
        family = _CONCEPT_FAMILY.get(concept, {concept})
        if any(m.type not in _NUMERIC_TYPES and _DIMENSION.get(m.type) in family
               for m in c.filters):
            return False  # narrowed to one group of its breakdown: one row, the one asked
        values: dict[str, set[str]] = {}
        for m in mentions:
            values.setdefault(m.type, set()).add(m.value.value)
        filtered = {_DIMENSION[k] for k, v in values.items() if k in _DIMENSION and len(v) == 1}
        return not family & (asked - filtered)

    def unasked_grouping(self, c: Candidate, asked: set[str], mentions: list[Mention]) -> bool:
        """The candidate's query also groups by something the question never names ("which
        persona segment has the most customers" answered per segment and city)."""
        if c.intent.sample is None:
            return False
        profile = self.profile_of(c.intent.id)
        if profile.grouped & _ROW_KEYS:
            return False  # one row per customer or product: the other columns describe it
        named = {_DIMENSION[m.type] for m in mentions if m.type in _DIMENSION}
        said = set().union(*(_CONCEPT_FAMILY.get(d, {d}) for d in asked | named))
        return any(not _CONCEPT_FAMILY.get(_DIMENSION[kind], {_DIMENSION[kind]}) & said
                   for kind in profile.grouped if kind in _DIMENSION)

    def missed_dimension(self, c: Candidate, asked: set[str], mentions: list[Mention]) -> bool:
        """The question names something to break down or pick by ("which product category
        …") that the candidate's query does not have (it ranks products): another
        question."""
        if c.intent.sample is None:
            return False  # a tool's request: its cue words decide
        profile = self.profile_of(c.intent.id)
        named = profile.dimensions | {_DIMENSION[kind] for kind in profile.constrained
                                      if kind in _DIMENSION}  # what it measures ("loyalty rate")
        covered = set().union(*(_CONCEPT_FAMILY.get(d, {d}) for d in named))
        return bool(asked & DIMENSIONS - covered)

    def missed_measure(self, c: Candidate, asked: set[str], mentions: list[Mention]) -> bool:
        """The question asks for an average or a percentage the candidate's query does not
        take, negates what it does not ("로열티 회원 아닌 고객" answered with both groups), or
        asks for the rating of our customers' reviews where the query reads the catalog's
        store rating ("리뷰 별점 평균" answered with store ratings): another measure."""
        if c.intent.sample is None:
            return False
        profile = self.profile_of(c.intent.id)
        if "c:share" in asked and not profile.percentages and "c:share" not in profile.frame:
            return True
        if "c:never" in asked and "c:never" not in profile.frame:
            return True
        if "c:average" in asked and not profile.averages and \
                not asked & {"c:order_value"} and not profile.frame & {"c:average"}:
            return True
        return profile.store_rating_only and {"c:review", "c:rating"} <= asked and \
            "c:store_location" not in asked

    def unasked_ranking(self, c: Candidate, asked: set[str], mentions: list[Mention]) -> bool:
        """The candidate answers with the first few of a ranking ("which customers wrote
        the most reviews") while the question asks for no ranking ("show me negative reviews
        by young women"): a different question."""
        profile = self.profile_of(c.intent.id)
        ranks = profile.limited and all(phrasing & RANKINGS for phrasing in profile.phrasings)
        return ranks and not asked & RANKINGS

    # -- slot filling ---------------------------------------------------------------------
    def profile_of(self, intent_id: str) -> _Profile:
        return next(p for p in self.profiles if p.intent.id == intent_id)

    def absorbed(self, profile: _Profile, words: list[Word],
                 mentions: list[Mention]) -> list[Word]:
        """The words of a question that ``profile``'s free-text and option slots take: not
        its own wording, not a value, not the shape of the question, not a stop word."""
        if not (profile.free_text or profile.options):
            return []
        taken = []
        for word in words:
            if not word.features or word.features & profile.frame or \
                    request_words.inside(word, mentions):
                continue
            if profile.free_text and not word.features & NOT_FREE_TEXT or \
                    profile.options and word.features & OPTION_CONCEPTS:
                taken.append(word)
        return taken

    def fill(self, profile: _Profile, mentions: list[Mention], text: str,
             context: dict[str, SlotValue] | None = None,
             words: list[Word] | None = None) -> Candidate:
        """Place each mention: a slot, already said by the intent, a filter, or nowhere;
        then fill the slots that take the question's words."""
        c = Candidate(intent=profile.intent)
        left = list(mentions)
        worded = []
        for spec in profile.intent.slots:
            if spec.type in WORD_TYPES - {"segment_name"}:
                worded.append(spec)
                continue
            if spec.type == "segment_name":
                value, used = request_words.segment_name(left)
                if value is not None:
                    c.values[spec.name] = value
                    left = [m for m in left if not any(m is u for u in used)]
                else:  # "this segment": the conversation's, when the message points back
                    self._unfilled(c, spec.name, spec.type, spec.default,
                                   context if refers_back(text) else None)
                continue
            found = next((m for m in left if m.type == spec.type and m.value.value != "unhappy"
                          and (m.value.start or "") <= self.anchor), None)
            used = [found]
            value = None if found is None else found.value
            if found is None and spec.type == "segment":
                found, used = _compose_segment(left)
                value = None if found is None else found.value
            if found is None and spec.type == "customer_ids":  # "reject the email for 8177"
                found = next((m for m in left if m.type == "customer_id"), None)
                used = [found]
                value = None if found is None else \
                    id_list_value("customer_ids", [int(found.value.value)])
                if found is None and context and "customer_id" in context and \
                        refers_to_customer(text):  # "이건 빼 주세요" after one email is shown
                    c.values[spec.name] = id_list_value(
                        "customer_ids", [int(context["customer_id"].value)])
                    continue
                if found is None and c.intent.category == "campaigns":
                    used = [m for m in left if _an_id(m)]  # "approve 8368 and 5897"
                    found = used[0] if used else None
                    value = None if found is None else id_list_value(
                        "customer_ids", [int(float(m.value.value)) for m in used])
            if found is not None and value is not None:
                c.values[spec.name] = value
                left = [m for m in left if not any(m is u for u in used)]
            else:
                self._unfilled(c, spec.name, spec.type, spec.default, context)
        for kind in {m.type for m in left} & (profile.grouped | profile.constrained):
            if len({m.value.value for m in left if m.type == kind}) > 1:  # "men and women"
                left = [m for m in left if m.type != kind]  # name the breakdown, not a filter
        for mention in left:
            self.place(c, profile, mention)
        for spec in worded:
            value = self._word_value(spec.type, text, profile, mentions, words)
            if value is not None:
                c.values[spec.name] = value
            else:
                self._unfilled(c, spec.name, spec.type, spec.default, context)
        return c

    def _unfilled(self, c: Candidate, name: str, kind: str, default: str | None,
                  context: dict[str, SlotValue] | None) -> None:
        """A slot the question leaves empty: the conversation's id or segment (tool
        intents), its default, left out (default ""), or missing."""
        if c.intent.sample is None and kind in ID_TYPES | {"segment_name"} and context \
                and kind in context:
            c.values[name] = context[kind]
        elif default == "":
            return
        elif default is not None:
            c.values[name] = _default(kind, default)
        else:
            c.missing.append(name)

    def _word_value(self, kind: str, text: str, profile: _Profile, mentions: list[Mention],
                    words: list[Word] | None) -> SlotValue | None:
        """The value of a slot that takes the question's words (``request_words``)."""
        if kind == "question":
            return plain_value("question", text)
        if kind == "audience":
            return plain_value("audience", request_words.audience_text(text))
        if kind == "text":
            words = self.lexicon.words(text) if words is None else words
            kept = [m for m in mentions if m.type in profile.intent.text_values]
            dropped = [m for m in mentions if m.type not in profile.intent.text_values]
            chosen = [w for w in words if request_words.inside(w, kept) or not
                      request_words.inside(w, dropped) and w.features
                      and not w.features & (profile.frame | NOT_FREE_TEXT)]
            found = request_words.free_text(text, chosen)
            return plain_value("text", found) if found else None
        if kind in OPTION_TYPES:
            return request_words.draft_options(text).get(kind)
        if kind == "export_formats":
            return request_words.export_formats(text)
        if kind == "confirmation_code":
            return request_words.confirmation_code(text)
        if kind == "campaign_name":
            return request_words.campaign_name(text)
        if kind == "campaign_limit":
            return request_words.campaign_limit(text)
        if kind == "email_status":
            return request_words.email_status(text)
        if kind == "rec_method":
            return request_words.recommendation_method(text)
        if kind == "suppression_reason":
            return request_words.suppression_reason(text)
        raise ValueError(f"Unknown slot type {kind!r}")

    def place(self, c: Candidate, profile: _Profile, mention: Mention) -> None:
        """Put one value that is not a slot somewhere, or record that it cannot be."""
        if mention.type == "period" and (mention.value.start or "") > self.anchor:
            c.unplaced.append(mention)  # after the latest data: a forecast, not a query
            return
        if mention.key in profile.fixed or (mention.type in _NUMERIC_TYPES | {"top_n"} and
                                            mention.key in profile.said):
            return
        if c.intent.sample is None and mention.key in profile.said:
            return  # a tool intent's own words ("발송" in "캠페인 발송해줘" is no order status)
        if mention.type in profile.constrained:
            c.conflicts.append(mention)
        elif mention.type in c.intent.text_values and mention.type not in c.intent.filters:
            return  # a value the tool reads from the text slot
        elif mention.type == "top_n" and profile.orderable:
            c.limit = int(mention.value.value)
        elif mention.type in profile.filterable and (
                mention.type in _RANGE_FILTERS or mention.type not in profile.grouped
                or not profile.share_of_total):
            c.filters.append(mention)
        else:
            c.unplaced.append(mention)


def _blank(text: str, mentions: list[Mention]) -> str:
    for m in mentions:
        text = text[:m.start] + " " * (m.end - m.start) + text[m.end:]
    return text


def _an_id(mention: Mention) -> bool:
    """A bare whole number of three or more digits: in a request on a campaign's emails, a
    customer's id, not an amount ("approve 8368 and 5897 for now")."""
    try:
        number = float(mention.value.value)
    except ValueError:
        return False
    return mention.type == "number" and number.is_integer() and number >= 100 \
        and mention.text.strip().isdigit()


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
