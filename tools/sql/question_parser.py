"""From a question to a query plan, composed from the semantic model.

The reader finds the question's values (``MentionFinder``: cities, genders, categories,
products, customer ids, time windows …), reads every other word against the lexicon, places
each number (a threshold on an attribute, a count condition, a top N), and then decides the
shape: a measure (named, an average or total of an attribute, or the count of what is
asked about), broken down by dimensions, ranked, turned into a share, or the rows of an
entity ranked by an attribute. A plan is returned only when every content word is
explained by it; otherwise the reading lists the words it could not place and the caller
declines instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from tools.sql.knowledge import Glossary, load_glossary
from tools.sql.mentions import PERSONA_PARTS, Mention, range_bounds
from tools.sql.query_plan import (
    DATASET,
    OPERATOR_WORDS,
    OPERATORS,
    Condition,
    MeasureSpec,
    Period,
    PlanError,
    QueryPlan,
    RowColumn,
    literal,
    number,
)
from tools.sql.question_parts import (
    BOTTOM_WORDS,
    TOP_WORDS,
    NumberUse,
    QuestionParts,
    end_of,
    form_of,
    is_korean,
    is_role,
    place_numbers,
    start_of,
)
from tools.sql.question_words import Lexicon, Phrase, Token, tokenize
from tools.sql.semantic_model import (
    Attribute,
    Dimension,
    Entity,
    Label,
    SemanticModel,
    load_semantic_model,
)

VALUE_TYPES = {"city", "gender", "loyalty", "category", "social_media_source", "status",
               "availability", "sentiment", "issue_category", "age_group", "product",
               "customer_id", "order_id", "period", "age", "price", "rating", "segment",
               "rfm_cluster"}
UNSUPPORTED_TYPES = {"campaign_id", "customer_name"}  # other intents
RELATION_ROLES = {"wrote": "customer_reviews", "ordered": "orders"}
AGGREGATES = {"avg": ("AVG", "avg", "average", "평균"), "sum": ("SUM", "total", "total", "합계"),
              "max_of": ("MAX", "max", "highest", "최대"),
              "min_of": ("MIN", "min", "lowest", "최소")}
TWO_QUESTIONS = {"how many", "몇", "몇 명", "몇 개", "몇 건"}  # each asks its own count
TWO_QUESTIONS_REASON = "two questions in one"
TWO_RELATIONS_REASON = "two relations"  # "reviewed but never ordered": one of each
BOTH_WINDOWS_REASON = "both time windows at once"  # "ordered in both October and December"
WHO_WORDS = {"who", "누구", "누가"}
BOTH_WORDS = {"both", "둘", "양쪽"}  # two time windows that must both hold
UNITS_SOLD = "units_sold"  # what "the product sold / bought the most" ranks by
PRODUCTS_SOLD = "products_sold"  # the measure "팔린 상품" names: in a ranking, the products
_GAP = "gap"  # where a value's words were taken out of the question
WHERE_WORDS = {"어디", "where"}  # a place, unless the question names another breakdown
RUNNER_UP = 1  # a superlative shows the winner and this many runners-up
PLURAL_TOP = 10  # "which products …the most": this many of them, in order
RANGE_ATTRIBUTES = {"age": "age", "price": "price", "rating": "review_rating"}
# The attribute a range applies to instead when the question names it: "store rating 4 or
# more" is the catalog's rating, "sale price over 100,000 won" an order line's price.
NAMED_RANGE_ATTRIBUTES = {"rating": "store_rating", "price": "sale_price"}


@dataclass
class Reading:
    """The plan of a question, or why there is none (the words it could not place)."""

    plan: QueryPlan | None
    unexplained: list[str] = field(default_factory=list)
    reason: str = ""
    lang: str = "en"

    @property
    def asks_several_things(self) -> bool:
        """The question asks for more than one answer: no stored question answers it
        either, so the model declines rather than answering part of it."""
        return self.reason == TWO_QUESTIONS_REASON

    @property
    def asks_what_no_pair_answers(self) -> bool:
        """The question was read whole, in a shape composed queries do not take (customers
        with one fact and without another, in both of two windows): a stored question
        would answer part of it, so the model declines."""
        return self.reason in (TWO_RELATIONS_REASON, BOTH_WINDOWS_REASON)


@lru_cache(maxsize=1)
def question_lexicon() -> Lexicon:
    """The lexicon of the project's semantic model and question words (built once)."""
    return Lexicon(load_semantic_model())


class QuestionReader:
    """Reads questions against one semantic model, lexicon and glossary."""

    def __init__(self, model: SemanticModel, lexicon: Lexicon,
                 glossary: Glossary | None = None) -> None:
        self.model = model
        self.lexicon = lexicon
        self.glossary = glossary or load_glossary()

    def read(self, text: str, mentions: list[Mention], lang: str) -> Reading:
        if any(m.type in UNSUPPORTED_TYPES for m in mentions):
            return Reading(None, reason="unsupported value", lang=lang)
        parts = self._parts(text, mentions)
        try:
            plan = self._plan(parts, lang)
            if plan is not None:
                _one_condition_per_column(plan.conditions)
                plan.to_sql(self.model)  # a plan that cannot be written is no reading
        except PlanError as err:
            return Reading(None, reason=str(err), lang=lang)
        unexplained = self._unexplained(parts)
        if plan is None or unexplained:
            return Reading(None, unexplained=unexplained,
                           reason="unexplained words" if plan else "no measure", lang=lang)
        return Reading(plan, lang=lang)

    def breakdown(self, text: str, before: QueryPlan | None, lang: str) -> Reading | None:
        """A follow-up that only names a breakdown ("and by gender", "break it down by
        loyalty", "성별로도 나눠줘", "by category instead"): ``before`` broken down further (or
        instead), or no plan when it has no measure to break down or the breakdown does not fit
        it; None for any other message."""
        parts = self._parts(text, [])
        if not parts.has("breakdown") and not all(  # "sentiment by segment" is a question
                self._grouped_at(parts, i) for i, _ in parts.names("dimension")):
            return None
        try:
            groups = self._groups(parts)
        except PlanError:
            groups = []
        instead = parts.has("instead")
        parts.use_role("instead")
        if not groups or self._unexplained(parts):
            return None
        unfit = Reading(None, reason="a breakdown the previous answer does not take", lang=lang)
        if before is None or before.shape != "aggregate" or before.measure is None or \
                before.superlative:
            return unfit
        try:
            kept = [] if instead else before.group_by
            added = [g for g in self._resolve_time(groups, before.measure.table)
                     if g not in kept and not _fixed(g, before.conditions)]
            plan = replace(before, group_by=[*kept, *added])
            plan.to_sql(self.model)
        except PlanError:
            return unfit
        return Reading(plan, lang=lang) if added and plan.group_by != before.group_by else unfit

    def _parts(self, text: str, mentions: list[Mention]) -> QuestionParts:
        """The question's words read as phrases, numbers placed, values kept aside."""
        kept = [m for m in mentions if m.type in VALUE_TYPES and not _comparison_word(text, m)
                and not text.startswith(("률", "율"), m.end)]  # "반품률": a measure's word
        spans = [(_own_noun_start(text, m), m.end) for m in kept]
        tokens: list[Token] = []
        for t in tokenize(text):  # a value's words leave a gap no phrase reads across
            inside = next(((start, end) for start, end in spans
                           if start <= t.start < end or t.start <= start < t.end), None)
            if inside is None:
                tokens.append(t)
            elif not tokens or tokens[-1].kind != _GAP:  # ("women or men more likely": no
                tokens.append(Token("", *inside, kind=_GAP))  # "or more" across "men")
        restated = [m for i, m in enumerate(kept) if m.key in {k.key for k in kept[:i]}]
        items = [i for i in self.lexicon.read(tokens) if getattr(i, "kind", "") != _GAP]
        parts = QuestionParts(items=items,  # "반품(Returned)": one value
                              mentions=[m for m in kept if m not in restated])
        for i, item in enumerate(parts.items):
            if isinstance(item, Phrase):
                for sense in item.senses:
                    parts.roles.setdefault(sense.role, []).append(i)
        place_numbers(parts)
        return parts

    # -- shape -----------------------------------------------------------------------------
    def _plan(self, parts: QuestionParts, lang: str) -> QueryPlan | None:
        if sum(1 for i in parts.at("count") if form_of(parts.items[i]) in TWO_QUESTIONS) > 1:
            raise PlanError(TWO_QUESTIONS_REASON)  # "how many …, and how many of those …"
        summed = self._summed_amount(parts)
        conditions = self._conditions(parts)
        period, compared_grain = self._period(parts, lang)
        lookup = self._lookup(parts, conditions, lang)
        if lookup is not None:
            return lookup
        named = self._named_conditions(parts)
        conditions += named
        entity_table = self._entity_table(parts)
        rank = parts.names("rank")
        groups = self._groups(parts)
        if compared_grain is not None and not any(g.time for g in groups):
            groups.append(_time_group(compared_grain))  # each window its own row
        conditions, compared = self._values_of_one_column(parts, conditions)
        groups = [g for g in groups if not _fixed(g, conditions)]
        if compared is not None and compared not in groups:
            split = parts.has("breakdown") or any(
                form_of(parts.items[i]).startswith(("split", "break")) for i in parts.at("group"))
            if len(groups) > 1 or groups and not split:
                raise PlanError("a comparison inside a breakdown")  # a pivot, not read here
            groups.append(compared)  # "in stock vs out of stock, split by category"
        top = next((n for n in parts.numbers if n.used_for == "top"), None)
        direction = self._direction(parts)
        ranked = None
        if not groups and (direction or rank or self._named_top(parts, top)):
            ranked = self._entity_group(parts, conditions)  # "which product has the most reviews"
            if ranked is not None:
                groups, entity_table = [ranked[0]], ranked[1]
        # numbers: with a unit or next to an attribute word first, then counts of things,
        # then the attribute the question's subject has ("guys under 25": age)
        measure_having = self._aggregate_threshold(parts, groups)
        summed = summed or self._sum_threshold(parts)
        if summed is not None and groups:
            raise PlanError("a total per customer compared within a breakdown")
        conditions += self._attribute_conditions(parts, entity_table, near_only=True)
        thresholds = self._count_thresholds(parts)
        conditions += self._attribute_conditions(parts, entity_table, near_only=False)
        if parts.has("share"):
            return self._share_plan(parts, conditions, groups, period, entity_table, direction,
                                    top)
        if rank and not groups and not parts.has("avg"):
            return self._rows_plan(parts, conditions, rank[0], entity_table, top, lang)
        ranked_by = self._ranked_attribute(parts, groups, direction)
        if ranked_by is not None:  # "which product has the lowest store rating"
            return self._rows_plan(parts, conditions, ranked_by, entity_table, top, lang,
                                   order=direction)
        if summed is not None:  # "customers who spent over 1,000,000 won in total"
            return self._count_having(parts, entity_table, summed[0], conditions, period,
                                      summed[1])
        if thresholds and not groups:
            return self._count_having(parts, entity_table, thresholds[0], conditions, period)
        measure = self._named(ranked[2]) if ranked is not None and ranked[2] \
            else self._measure(parts, entity_table, rank, by_entity=ranked is not None,
                               grouped=bool(groups))
        if measure is None:
            never = self._never(parts) if parts.has("which") or parts.has("list") else None
            return self._list_plan(parts, conditions + ([never] if never else []),
                                   entity_table, period, top, never is not None)
        if any(c.table == measure.table and self.model.tables[c.table].kind == "entity"
               for c in named):
            raise PlanError("a measure of the one thing named")  # "1001번 고객 몇 명"
        if len(groups) == 1 and groups[0].filter is not None and not conditions and \
                period is None and measure.table == "customers" and measure.unit == "count":
            raise PlanError("cluster or segment sizes")  # the segment tools list them, charted
        groups = self._resolve_time(groups, measure.table)
        self._use_condition_entities(parts, conditions, groups, measure)
        plan = QueryPlan(shape="aggregate", table=measure.table, measure=measure,
                         group_by=groups, conditions=conditions, period=period)
        if thresholds:  # "cities with more than 300 loyalty members": HAVING on the measure
            use = thresholds[0]
            plan.having = (use.op or "gt", use.value)
            counted = self._named(self.model.entities[use.used_for.split(":", 1)[1]].count)
            if counted.name != measure.name:  # "… for channels with at least 400 reviews"
                if self.model.fact_of(counted.table) != self.model.fact_of(measure.table) or \
                        counted.where:
                    raise PlanError("a threshold on a count of other rows")
                plan.having_count = counted
        elif measure_having is not None:  # "categories whose average price is above 50000"
            plan.having = (measure_having.op or "gt", measure_having.value)
        if groups:
            parts.use_role("in_order")
            if rank:
                plan.order = self._rank_direction(parts, rank[0][0])
            elif direction:
                plan.order = direction
            if top is not None:
                plan.limit = int(top.value)
                plan.order = plan.order or ("asc" if self._bottom(parts) else "desc")
            elif plan.order and self._singular_question(parts) and not parts.has("in_order"):
                if not self._plural_asked(parts, groups):
                    plan.superlative = True
                    plan.limit = 1 + RUNNER_UP
                elif any(g.entity for g in groups):  # "which products have the most reviews"
                    plan.limit = PLURAL_TOP
        elif top is not None or direction or rank:
            raise PlanError("a ranking with nothing to rank")
        self._check_numbers(parts)
        return plan

    @staticmethod
    def _named_top(parts: QuestionParts, top: NumberUse | None) -> bool:
        """"top 5 customers", "상위 3개": a ranking even with no measure word; "give me 20
        reviews" only asks for that many."""
        return top is not None and top.index > 0 and \
            form_of(parts.items[top.index - 1]) in TOP_WORDS | BOTTOM_WORDS

    def _aggregate_threshold(self, parts: QuestionParts, groups: list[Dimension]) -> NumberUse | None:
        """A number compared with an average or total per group ("categories with an average
        price above 50000"): a HAVING on the measure, not a filter on rows."""
        if not groups:
            return None
        aggregates = [i for role in AGGREGATES for i in parts.at(role)]
        for use in parts.numbers:
            if use.used_for or use.op not in OPERATORS:
                continue
            for i, _ in parts.names("attribute"):
                if abs(i - use.index) <= 3 and any(0 < i - a <= 2 for a in aggregates):
                    use.used_for = "having"
                    return use
        return None

    def _entity_group(self, parts: QuestionParts, conditions: list[Condition]
                      ) -> tuple[Dimension, str, str | None] | None:
        """A ranking of customers or products by what they have: group by the entity's own
        name and measure the other thing ("top 3 products by revenue", "리뷰가 가장 많은
        상품"). Returns the dimension, the table the measure counts and the measure when the
        words name none ("가장 많이 팔린 상품": units sold). Of two entity words,
        the one a condition describes is not what is ranked ("products sold to customers in
        Seoul")."""
        named = parts.names("entity")
        subjects = [(i, n) for i, n in named
                    if self.model.tables[self.model.entities[n].table].kind == "entity"]
        if len({n for _, n in subjects}) > 1:
            described = {c.table for c in conditions}
            subjects = [(i, n) for i, n in subjects
                        if self.model.entities[n].table not in described]
        facts = [(i, n) for i, n in named
                 if self.model.tables[self.model.entities[n].table].kind == "fact"]
        measures = parts.names("measure")
        sold = not (facts or measures) and parts.has("bought") and \
            [n for _, n in subjects] == ["product"]  # "which product sold the most": units sold
        if not (facts or subjects) and [n for _, n in measures] == [PRODUCTS_SOLD]:
            # "가장 많이 팔린 상품": the products sold the most, not a count of them
            subjects, measures, sold = [(measures[0][0], "product")], [], True
        elif not (facts or subjects or measures) and parts.has("bought") and \
                any(c.table == "products" for c in conditions):
            # "which bag sold the most", "가장 많이 팔린 가방": the category's products
            subjects, sold = [(parts.at("bought")[0], "product")], True
        if len(subjects) != 1 or not (facts or measures or sold or parts.has("avg")):
            return None
        index, name = subjects[0]
        dimension = next((d for d in self.model.dimensions.values() if d.entity == name), None)
        if dimension is None:
            return None
        parts.use(index)
        parts.use_role("which")
        if sold:
            parts.use_role("bought")
            return dimension, self.model.measures[UNITS_SOLD].table, UNITS_SOLD
        if facts:
            return dimension, self.model.entities[facts[0][1]].table, None
        if measures:
            return dimension, self.model.measures[measures[0][1]].table, None
        return dimension, dimension.table, None

    def _resolve_time(self, groups: list[Dimension], table: str) -> list[Dimension]:
        """"By month", "by quarter" mean the period of whatever the measure (or share) on
        ``table`` counts."""
        out = []
        for group in groups:
            if group.time and not group.table:
                period = self.model.time_dimension(self.model.fact_of(table), group.time)
                if period is None:
                    raise PlanError(f"a {group.time} of something with no date")
                group = period
            out.append(group)
        return out

    def _use_condition_entities(self, parts: QuestionParts, conditions: list[Condition],
                                groups: list[Dimension], measure: MeasureSpec) -> None:
        """Entity words that name whose values filter the measure ("Seoul customers' reviews",
        "people who gave ratings"): explained by the join the condition or relation needs."""
        tables = {c.table for c in conditions} | {d.table for d in groups}
        if self.model.tables[measure.table].kind == "fact" and \
                (parts.has("wrote") or parts.has("ordered") or parts.has("bought")):
            tables |= {j.entity for j in self.model.joins if j.fact == measure.table}
        for table in tables:
            self._use_entity_words(parts, table)

    def _rank_direction(self, parts: QuestionParts, index: int) -> str:
        phrase = parts.phrase(index)
        sense = phrase.get("rank") if phrase else None
        parts.use(index)
        parts.use_role("superlative")
        return sense.direction if sense and sense.direction else "desc"

    def _check_numbers(self, parts: QuestionParts) -> None:
        for use in parts.numbers:
            if not use.used_for:
                raise PlanError(f"a number nothing explains: {number(use.value)}")

    def _entity_table(self, parts: QuestionParts) -> str | None:
        entity = self._asked_entity(parts)
        if entity is not None:
            return entity.table
        for _, name in parts.names("attribute"):
            return self.model.attributes[name].table
        for mention in parts.mentions:
            dimension = self.model.dimension_for_values(mention.type)
            if dimension is not None and mention.type != "period":
                return self.model.fact_of(dimension.table)
        return None

    def _asked_entity(self, parts: QuestionParts) -> Entity | None:
        """What the question asks about: the entity word next to its count word ("how many
        X" in English, "X 몇" in Korean), else its first entity word."""
        counted = {n.used_for.split(":", 1)[1] for n in parts.numbers
                   if n.used_for.startswith("count:")}
        entities = [(i, name) for i, name in parts.names("entity") if name not in counted]
        cue = next(iter(parts.at("count") or parts.at("share") or parts.at("distinct")
                        or parts.at("most") or parts.at("least")), None)  # "the most reviews"
        if cue is not None and self._counts_people(parts, cue):
            return self.model.entities["customer"]
        if entities and cue is not None:
            korean = is_korean(parts.items[cue])
            before = [e for e in entities if e[0] < cue]
            after = [e for e in entities if e[0] > cue]
            chosen = (before[-1] if before else after[0]) if korean else \
                (after[0] if after else before[-1])
            return self.model.entities[chosen[1]]
        for _, name in entities:
            return self.model.entities[name]
        return None

    @staticmethod
    def _counts_people(parts: QuestionParts, cue: int) -> bool:
        """The count word is followed at once by people named by a value: "how many loyalty
        members have had an order returned", "how many women bought bags"."""
        item = parts.items[cue]
        if is_korean(item) or cue + 1 < len(parts.items) and \
                parts.items[cue + 1].start < _first_start(parts.mentions, item.end):
            return False
        nxt = next((m for m in parts.mentions if m.start >= item.end), None)
        return nxt is not None and nxt.type in PERSONA_PARTS

    def _direction(self, parts: QuestionParts) -> str | None:
        most, least = parts.at("most"), parts.at("least")
        if most and not least:
            parts.use(*most)
            parts.use_role("superlative")
            return "desc"
        if least and not most:
            parts.use(*least)
            parts.use_role("superlative")
            return "asc"
        if most and least:
            start = min(*most, *least)  # "from the fewest … to the most": an order, from
            if any(form_of(parts.items[i]) == "from" for i in range(max(0, start - 2), start)):
                parts.use(*most, *least, *range(max(0, start - 2), start))  # its first end
                parts.roles.setdefault("in_order", []).append(start)  # the list, not a winner
                return "asc" if start in least else "desc"
            return "asc" if max(least) > max(most) else "desc"
        return None

    def _plural_asked(self, parts: QuestionParts, groups: list[Dimension]) -> bool:
        """"Which cities have the most customers", "which products sell the most": the
        groups asked for in the plural are listed in order, not one winner."""
        named = [(i, self.model.dimensions[n].words) for i, n in parts.names("dimension")
                 if self.model.dimensions[n] in groups]
        named += [(i, self.model.entities[n].words) for i, n in parts.names("entity")
                  if any(g.entity == n for g in groups)]
        for i, words in named:
            phrase = parts.phrase(i)
            text = phrase.text.lower() if phrase is not None else ""
            singular = {text[:-1], text[:-2], text[:-3] + "y"} if text.endswith("s") else set()
            if singular & set(words.get("en", ())):
                return True
        return False

    def _bottom(self, parts: QuestionParts) -> bool:
        return any(form_of(i) in BOTTOM_WORDS for i in parts.items)

    def _singular_question(self, parts: QuestionParts) -> bool:
        """A "which …" or "가장/제일" question about one winner (not a ranked list)."""
        return parts.has("which") or parts.has("superlative") or parts.has("most") or \
            parts.has("least")

    def _groups(self, parts: QuestionParts) -> list[Dimension]:
        groups: list[Dimension] = []
        named = parts.names("dimension")
        for i, name in named:
            phrase = parts.phrase(i)
            if form_of(parts.items[i]) in WHERE_WORDS and any(n != name for _, n in named):
                parts.use(i)  # "성별로 … 제일 높은 성별은 어디야": "which", not a city
                continue
            if phrase is not None and phrase.has("attribute") and not self._grouped_at(parts, i):
                continue  # "rating" as a measure's attribute, not a breakdown
            dimension = self.model.dimensions[name]
            if phrase is not None and self._qualifies_a_value(parts, phrase, dimension):
                parts.use(i)  # "negative sentiment", "Bags category": the value's own noun
                continue
            asked = i > 0 and is_role(parts.items[i - 1], "which") or is_korean(parts.items[i]) \
                and any(is_role(it, "which") for it in parts.items[i + 1:i + 3]) \
                and any(parts.has(role) for role in ("most", "least", "superlative"))
            if dimension.filter is not None and not self._grouped_at(parts, i) and \
                    not asked:  # "which RFM cluster", "제일 많은 세그먼트는 어디야"
                # "the young loyal women segment", "champions cluster": the value's own noun
                if any(m.type == dimension.values or dimension.values == "segment" and
                       m.type in PERSONA_PARTS for m in parts.mentions):
                    parts.use(i)
                continue
            if dimension.filter is not None and dimension.join is None:
                raise PlanError(f"a breakdown by {dimension.label.en}")  # the segment tools'
            if dimension not in groups:
                groups.append(dimension)
            parts.use(i)
        for _, grain in parts.names("time_grain")[:1]:
            parts.use_role("time_grain")
            groups.append(_time_group(grain))  # resolved against the measure's fact
        if groups:
            parts.use_role("group")
            parts.use_role("breakdown")
            parts.use_role("which")
        return groups

    def _qualifies_a_value(self, parts: QuestionParts, phrase: Phrase, dimension: Dimension) -> bool:
        return any(m.type == dimension.values and
                   (0 <= phrase.start - m.end <= 2 or 0 <= m.start - phrase.end <= 2)
                   for m in parts.mentions)

    def _grouped_at(self, parts: QuestionParts, index: int) -> bool:
        """A dimension word with a grouping word right before or after it ("by rating",
        "별점별로", "each rating")."""
        items = parts.items
        if index > 0 and is_role(items[index - 1], "group") and not is_korean(items[index - 1]):
            return True
        return index + 1 < len(items) and is_role(items[index + 1], "group") and \
            is_korean(items[index + 1])

    # -- values ----------------------------------------------------------------------------
    def _values_of_one_column(self, parts: QuestionParts, conditions: list[Condition]
                              ) -> tuple[list[Condition], Dimension | None]:
        """Two or more values of one dimension: compared ("in stock vs out of stock",
        "split of men and women") they become its breakdown; joined by "or" one filter
        (IN). Otherwise they stay, and the plan is refused as contradictory."""
        by_column: dict[str, list[Mention]] = {}
        for mention in parts.mentions:
            dimension = self.model.dimension_for_values(mention.type)
            if dimension is not None and mention.type not in (
                    "period", "customer_id", "order_id", "product", "age_group") and \
                    mention.type not in RANGE_ATTRIBUTES:
                by_column.setdefault(dimension.name, []).append(mention)
        for name, mentions in by_column.items():
            if len({m.value.value for m in mentions}) < 2:
                continue
            # "긍정 부정 중립 리뷰별": every value named, then grouped
            compared = parts.has("versus") or parts.has("breakdown") or \
                parts.has("group") and not parts.has("either") or \
                parts.has("either") and len(mentions) == 2 and \
                (parts.has("most") or parts.has("least"))  # "more men or women?": both counts
            if not (compared or parts.has("either")):
                continue
            dimension = self.model.dimensions[name]
            if dimension.filter is not None:
                continue  # two segments: left as two conditions, so the plan is refused
            if dimension.boolean:  # "members vs non-members": both values, so no filter
                if not compared:
                    continue
                parts.use_role("versus")
                parts.use_role("breakdown")
                return [c for c in conditions if dimension.sql not in c.sql], dimension
            values = [m.value.value for m in mentions]
            keep = [c for c in conditions if not c.sql.startswith(f"{dimension.sql} = ")]
            if compared and parts.has("share") and len(set(values)) >= 3:
                parts.use_role("versus")  # "감성(긍정/중립/부정)별 비율": the groups listed,
                parts.use_role("breakdown")  # each one's share of all
                return keep, dimension
            label = Label(" / ".join(m.value.en for m in mentions),
                          " / ".join(m.value.ko for m in mentions))
            keep.append(Condition(f"{dimension.sql} IN ({', '.join(map(literal, values))})",
                                  dimension.table, label, mentions[0].start))
            parts.use_role("versus" if compared else "either")
            parts.use_role("breakdown")
            return keep, dimension if compared else None
        return conditions, None

    def _conditions(self, parts: QuestionParts) -> list[Condition]:
        out = []
        for mention in parts.mentions:
            if mention.type in ("period", "customer_id", "order_id", "product"):
                continue
            named = self._named_range_attribute(parts, mention.type)
            condition = self.condition(mention, named)
            if mention.type in RANGE_ATTRIBUTES:  # "between 30 and 40 years | old"
                self._use_attribute_beside(parts, mention, named or RANGE_ATTRIBUTES[mention.type])
            negation = self._negation(parts, mention)
            if negation is not None:
                parts.use(negation)
                condition = Condition(f"NOT ({condition.sql})", condition.table,
                                      Label(f"not {condition.label.en}",
                                            f"{condition.label.ko} 제외"), condition.at)
            out.append(condition)
        return out

    @staticmethod
    def _named_range_attribute(parts: QuestionParts, kind: str) -> str | None:
        """ "store rating 4 or more", "스토어 평점 4점 이상": the catalog's rating is meant."""
        named = NAMED_RANGE_ATTRIBUTES.get(kind)
        return named if any(name == named for _, name in parts.names("attribute")) else None

    def _use_attribute_beside(self, parts: QuestionParts, mention: Mention, attribute: str) -> None:
        for i, name in parts.names("attribute"):
            item = parts.items[i]
            if name == attribute and (0 <= item.start - mention.end <= 3
                                      or 0 <= mention.start - item.end <= 3):
                parts.use(i)

    def _negation(self, parts: QuestionParts, mention: Mention) -> int | None:
        """The "not" word that negates a value: right before it in English ("not loyalty
        members", "excluding Seoul"), right after it in Korean ("로열 회원이 아닌")."""
        for i in parts.at("not"):
            item = parts.items[i]
            if i + 1 < len(parts.items) and any(is_role(parts.items[i + 1], role) for role in
                                                (*RELATION_ROLES, "bought")):
                continue  # "리뷰는 한 번도 안 남긴": the not of a deed, not of a value
            gap = mention.start - item.end if item.end <= mention.start else \
                item.start - mention.end
            if 0 <= gap <= (12 if is_korean(item) else 16) and \
                    (item.end <= mention.start) != is_korean(item):
                between = [it for it in parts.items
                           if min(item.end, mention.end) <= it.start < max(item.start,
                                                                           mention.start)]
                if all(is_role(it, "stop") or is_role(it, "have") or is_role(it, "entity")
                       for it in between):
                    return i
        return None

    def condition(self, mention: Mention, attribute_name: str | None = None) -> Condition:
        """The filter a value stands for (city Busan -> c.address_city = 'Busan'); a range
        applies to ``attribute_name`` when given (the store rating instead of reviews')."""
        kind, value = mention.type, mention.value.value
        label = Label(mention.value.en, mention.value.ko)
        if kind in RANGE_ATTRIBUTES:  # "40세 이상", "under 30,000 won", "4 stars or more"
            attribute = self.model.attributes[attribute_name or RANGE_ATTRIBUTES[kind]]
            if attribute_name:
                label = Label(f"{attribute.label.en} {mention.value.en.split(' ', 1)[-1]}",
                              f"{attribute.label.ko} {mention.value.ko.split(' ', 1)[-1]}")
            low, high = range_bounds(mention.value)
            bounds = [f"{attribute.sql} >= {low}" if low is not None else "",
                      f"{attribute.sql} <= {high}" if high is not None else ""]
            return Condition(" AND ".join(b for b in bounds if b), attribute.table, label,
                             mention.start)
        if kind == "age_group":
            younger = value == "Younger_Adult"
            return Condition("c.age < 40" if younger else "c.age >= 40", "customers", label,
                             mention.start)
        dimension = self.model.dimension_for_values(kind)
        if dimension is None:
            raise PlanError(f"no dimension for {kind}")
        if dimension.filter is not None:
            sql = dimension.filter.format(value=literal(value), dataset=DATASET)
        elif dimension.boolean:
            sql = dimension.sql if value.upper() == "TRUE" else f"NOT {dimension.sql}"
        elif kind == "sentiment" and value == "unhappy":
            sql = f"{dimension.sql} IN ('negative', 'neutral')"
        else:
            sql = f"{dimension.sql} = {literal(value)}"
        return Condition(sql, dimension.table, label, mention.start)

    def _period(self, parts: QuestionParts, lang: str) -> tuple[Period | None, str | None]:
        """The time window, and the grain of windows compared side by side ("orders in
        October and November": both months, by month)."""
        periods = list({(m.value.start, m.value.end): m for m in parts.mentions
                        if m.type == "period"}.values())  # "Q4 (Oct-Dec)": one, said twice
        if not periods:
            return None, None
        parts.use_role("time_on")
        if len(periods) == 1:
            return period_of(periods[0]), None
        grains = {_grain_of(m) for m in periods}
        if len(periods) > 2 or len(grains) != 1 or None in grains or not any(
                parts.has(role) for role in ("versus", "and", "either")):
            raise PlanError("two time windows")
        if any(form_of(item) in BOTH_WORDS for item in parts.items):
            raise PlanError(BOTH_WINDOWS_REASON)  # the customers of both windows, not each
            # window's own count
        first, second = (period_of(m) for m in periods)
        for role in ("versus", "and", "either"):
            parts.use_role(role)
        label = Label(f"{first.label.en} and {second.label.en}",
                      f"{first.label.ko}·{second.label.ko}")
        return replace(first, label=label, also=((second.start, second.end),)), grains.pop()

    def _attribute_conditions(self, parts: QuestionParts, table: str | None,
                              near_only: bool) -> list[Condition]:
        """Numbers compared with an attribute: "cost more than 100000", "under 25" (the
        subject's attribute only when ``near_only`` is off)."""
        out = []
        for use in parts.numbers:
            if use.used_for or use.op is None and use.unit not in ("price", "age",
                                                                   "review_rating"):
                continue
            attribute = self._attribute_for(parts, use, table or "", near_only)
            if attribute is None:
                continue
            use.used_for = f"attribute:{attribute.name}"
            out.append(_compare(attribute, use, parts.items[use.index].start))
        return out

    def _attribute_for(self, parts: QuestionParts, use: NumberUse, table: str,
                       near_only: bool) -> Attribute | None:
        if use.unit in self.model.attributes:
            named = self.model.attributes[use.unit]
            if use.unit == "review_rating":
                return self._rating_attribute(parts) or named
            for i, name in parts.names("attribute"):
                if name == named.name:
                    parts.use(i)
            return named
        reach = 2 if near_only else 4
        near = [(abs(i - use.index), name) for i, name in parts.names("attribute")
                if abs(i - use.index) <= reach]
        if near:
            i_name = min(near)[1]
            for i, name in parts.names("attribute"):
                if name == i_name:
                    parts.use(i)
            return self.model.attributes[i_name]
        if near_only:
            return None
        if table == "customers":
            return self.model.attributes["age"]  # "guys under 25"
        if table == "products":
            return self.model.attributes["price"]  # "bags over 50000"
        if table == "customer_reviews" and 1 <= use.value <= 5:
            return self.model.attributes["review_rating"]
        return None

    def _rating_attribute(self, parts: QuestionParts) -> Attribute | None:
        for i, name in parts.names("attribute"):
            if name in ("review_rating", "store_rating"):
                parts.use(i)
                return self.model.attributes[name]
        return None

    def _count_thresholds(self, parts: QuestionParts) -> list[NumberUse]:
        """Numbers that count an entity: "more than 10 reviews", "리뷰 5개 이상",
        "more than 300 loyalty members"."""
        out = []
        for use in parts.numbers:
            if use.used_for or use.op not in ("gt", "ge", "lt", "le", "eq") or \
                    use.unit in ("price", "age", "review_rating", "percent"):
                continue
            entity = self._counted_entity(parts, use)
            if entity is None:
                continue
            use.used_for = f"count:{entity}"
            out.append(use)
        return out

    def _sums(self, parts: QuestionParts) -> list[tuple[int, MeasureSpec]]:
        """The sums of money the question names (revenue, spend), by item index."""
        return [(i, self.model.measures[n]) for i, n in parts.names("measure")
                if self.model.measures[n].unit == "won" and
                self.model.measures[n].sql.startswith("SUM(")]

    def _summed_amount(self, parts: QuestionParts) -> tuple[NumberUse, MeasureSpec] | None:
        """An amount of money found as a price mention ("spent more than 1,000,000 won")
        right after a sum of money: the sum's threshold, not a product's price."""
        for index, measure in self._sums(parts):
            end = parts.items[index].end
            for mention in parts.mentions:
                if mention.type != "price" or not 0 <= mention.start - end <= 12:
                    continue
                low, high = range_bounds(mention.value)
                if low is not None and high is not None:
                    raise PlanError("a total between two amounts")
                parts.mentions = [m for m in parts.mentions if m is not mention]
                parts.use(index)
                use = NumberUse(value=low - 1 if low is not None else high + 1, high=None,
                                op="gt" if low is not None else "lt", unit="price",
                                index=index, used_for=f"sum:{measure.name}")
                return use, self._named(measure.name)
        return None

    def _sum_threshold(self, parts: QuestionParts) -> tuple[NumberUse, MeasureSpec] | None:
        """A sum of money per entity compared with a number ("customers who spent more than
        1,000,000 won", "총 구매금액 100만원 넘는 고객"): a HAVING on that measure."""
        sums = self._sums(parts)
        for use in parts.numbers:
            if use.used_for or use.op not in ("gt", "ge", "lt", "le", "eq") or \
                    use.unit not in (None, "price"):
                continue
            near = next(((i, m) for i, m in sums if abs(i - use.index) <= 3), None)
            if near is not None:
                parts.use(near[0])
                use.used_for = f"sum:{near[1].name}"
                return use, self._named(near[1].name)
        return None

    def _counted_entity(self, parts: QuestionParts, use: NumberUse) -> str | None:
        items = parts.items
        # what is counted follows the number in English ("more than 10 reviews") and comes
        # before it in Korean ("리뷰 5개 이상"); "customers are 65 or older" counts no one
        korean = any(is_korean(items[k]) for k in (use.index - 1, use.index + 1)
                     if 0 <= k < len(items))
        near = (use.index - 1, use.index - 2, use.index + 1) if korean else \
            (use.index + 1, use.index + 2, use.index + 3)
        for k in near:
            if 0 <= k < len(items) and is_role(items[k], "entity"):
                phrase = parts.phrase(k)
                sense = phrase.get("entity") if phrase else None
                if sense is not None:
                    parts.use(k)
                    return sense.name
        for mention in parts.mentions:  # "more than 300 loyalty members"
            if 0 < mention.start - end_of(items, use.index) < 4 or \
                    0 <= use.index and abs(mention.end - start_of(items, use.index)) < 4:
                dimension = self.model.dimension_for_values(mention.type)
                entity = self.model.entity_of_table(dimension.table) if dimension else None
                if entity is not None:
                    return entity.name
        return None

    # -- measures --------------------------------------------------------------------------
    def _measure(self, parts: QuestionParts, entity_table: str | None,
                 rank: list[tuple[int, str]], by_entity: bool = False,
                 grouped: bool = False) -> MeasureSpec | None:
        if parts.has("when"):
            if not (grouped and any(parts.has(r) for r in ("most", "least", "superlative"))):
                return self._date_measure(parts)
            parts.use_role("when")  # "주문이 제일 몰리는 요일이 언제야": which day, not a date
        named = parts.names("measure")
        if named and self.model.measures[named[0][1]].unit == "count" and \
                parts.has("list") and not grouped and not any(
                    parts.has(r) for r in ("count", "distinct", "most", "least", "superlative",
                                           "share")):
            return None  # "list customers who wrote reviews" asks for rows, not a count
        if named:
            i, name = named[0]
            parts.use(i, *(k for k, other in named if other == name))  # "spent … money"
            self._use_entity_words(parts, self.model.measures[name].table)
            parts.use_role("count")
            parts.use_role("sum")
            return self._named(name)
        for role, (function, prefix, en, ko) in AGGREGATES.items():
            if parts.has(role):
                attribute = self._aggregated_attribute(parts, rank)
                if attribute is None:
                    if role == "sum":
                        continue  # "total" alone: a count's "in total"
                    raise PlanError(f"{role} of what")
                parts.use_role(role)
                self._use_entity_words(parts, attribute.table)
                sql = f"{function}({attribute.sql})"
                rows = self.model.entity_of_table(attribute.table)
                return MeasureSpec(name=f"{prefix}_{attribute.name}",
                                   sql=f"ROUND({sql}, 2)" if function == "AVG" else sql,
                                   table=attribute.table,
                                   label=Label(f"{en} {attribute.label.en}",
                                               f"{attribute.label.ko} {ko}"),
                                   unit=attribute.unit,
                                   support=f"{rows.name}s" if rows and function == "AVG"
                                   else None)  # how many rows each group's average is of
        if rank and not parts.has("avg"):
            return None
        if not (parts.has("count") or parts.has("distinct") or parts.has("most")
                or parts.has("least") or parts.has("superlative") or grouped):
            return None  # "show Busan customers' negative reviews" asks for rows, not a count
        relation = None if by_entity else self._relation(parts)
        if relation is not None:
            return relation
        if entity_table is None:
            return None
        entity = self._asked_entity(parts)
        if entity is None or entity.table != entity_table:
            entity = self.model.entity_of_table(entity_table)
        if entity is None:
            return None
        self._use_entity_words(parts, entity_table)
        parts.use_role("count")
        parts.use_role("all")
        if parts.has("distinct"):
            parts.use_role("distinct")
            if entity.name == "product":  # sizes and colours are SKUs of one product
                return self._named("product_titles")
        return self._named(entity.count)

    def _date_measure(self, parts: QuestionParts) -> MeasureSpec:
        """"When did customer 2345 last order?", "1004번 고객 첫 리뷰 언제야?": the latest
        (or, asked for, the first) time of the orders or reviews the question names."""
        facts = {self.model.entities[n].table for _, n in parts.names("entity")
                 if self.model.tables[self.model.entities[n].table].kind == "fact"}
        facts |= {RELATION_ROLES[r] for r in RELATION_ROLES if parts.has(r)}
        facts |= {self.model.measures[n].table for _, n in parts.names("measure")}
        timed = {f for f in facts if self.model.tables[f].time}
        if len(timed) != 1:
            raise PlanError("a date of what")
        fact = timed.pop()
        first = parts.has("earliest") and not parts.has("latest")
        time = f"{self.model.alias(fact)}.{self.model.tables[fact].time}"
        noun = {"orders": ("order", "주문"), "customer_reviews": ("review", "리뷰")}[fact]
        for role in ("when", "latest", "earliest", "ordered", "wrote", "time_on"):
            parts.use_role(role)
        self._use_entity_words(parts, fact)
        for i, name in parts.names("measure"):
            if self.model.measures[name].table == fact:
                parts.use(i)
        return MeasureSpec(name=f"{'first' if first else 'latest'}_{noun[0]}_at",
                           sql=f"{'MIN' if first else 'MAX'}({time})", table=fact,
                           label=Label(f"{'first' if first else 'latest'} {noun[0]}",
                                       f"{'첫' if first else '마지막'} {noun[1]}"),
                           unit="datetime")

    def _aggregated_attribute(self, parts: QuestionParts, rank: list[tuple[int, str]]
                              ) -> Attribute | None:
        rating = self._rating_attribute(parts)
        if rating is not None:
            return rating
        for i, name in parts.names("attribute"):
            parts.use(i)
            return self.model.attributes[name]
        if rank:
            parts.use(rank[0][0])
            return self.model.attributes[rank[0][1]]
        return None

    def _without(self, parts: QuestionParts, subject: Entity, fact: str,
                 paid: bool) -> MeasureSpec:
        """Customers or products with no row in a fact: "customers who never ordered",
        "리뷰를 한 번도 안 쓴 고객"."""
        if any(self.condition(m).table != subject.table for m in parts.mentions):
            raise PlanError("a value beside a 'never'")  # "never wrote a negative review":
            # the value may be the review's or the customer's; "loyalty members who never
            # wrote a review" is the customers' own
        join = self.model.join(fact, subject.table)
        key = self.model.entity_keys.get(subject.table)
        assert join is not None and join.key is not None
        if key is None:
            raise PlanError(f"no key for {subject.table}")
        parts.use_role("not")
        inner = [f"{join.key} IS NOT NULL"]  # one NULL would make NOT IN match nothing
        if paid:
            inner.append(str(self.model.measures["revenue"].where))
        where = (f"{key} NOT IN (SELECT {join.key} FROM {DATASET}.{fact} AS "
                 f"{self.model.alias(fact)} WHERE {' AND '.join(inner)})")
        label = self.model.measures[subject.count].label
        verb = {"customer_reviews": ("without any review", "리뷰를 쓰지 않은"),
                "orders": ("without any order", "주문하지 않은")}[fact]
        if paid:
            verb = ("without any purchase", "구매하지 않은")
        return MeasureSpec(name=f"{subject.name}s", sql="COUNT(*)", table=subject.table,
                           label=Label(f"{label.en} {verb[0]}", f"{verb[1]} {label.ko}"),
                           unit="count", where=where)

    def _relation(self, parts: QuestionParts) -> MeasureSpec | None:
        """Customers or products counted through a fact: "customers who wrote reviews",
        "unique products ordered in December", "한 번이라도 주문한 고객"."""
        related = self._subject_and_fact(parts)
        if related is None:
            return None
        subject, fact, paid = related
        if parts.has("avg") or parts.has("sum"):
            return None
        join = self.model.join(fact, subject.table)
        if join is None or join.key is None:
            return None
        self._use_entity_words(parts, subject.table)
        self._use_entity_words(parts, fact)
        parts.use_role("count")
        parts.use_role("distinct")
        if parts.has("not"):
            return self._without(parts, subject, fact, paid)
        label = self.model.measures[subject.count].label
        verb = {"customer_reviews": ("with reviews", "리뷰를 쓴"),
                "orders": ("with orders", "주문한")}[fact]
        if paid:
            verb = ("with purchases (complete or shipped)", "구매한 (완료·배송 중)")
        return MeasureSpec(name=f"{subject.name}s", sql=f"COUNT(DISTINCT {join.key})",
                           table=fact, label=Label(f"{label.en} {verb[0]}",
                                                   f"{verb[1]} {label.ko}"), unit="count",
                           where=self.model.measures["revenue"].where if paid else None)

    def _never(self, parts: QuestionParts) -> Condition | None:
        """The customers or products with no row in a fact, as a filter of a listing:
        "which products have never been ordered?"."""
        related = self._subject_and_fact(parts) if parts.has("not") else None
        if related is None:
            return None
        subject, fact, paid = related
        join = self.model.join(fact, subject.table)
        if join is None or join.key is None:
            return None
        self._use_entity_words(parts, fact)
        without = self._without(parts, subject, fact, paid)
        assert without.where is not None
        return Condition(without.where, subject.table, without.label)

    def _subject_and_fact(self, parts: QuestionParts) -> tuple[Entity, str, bool] | None:
        """The customers or products asked about, the fact that relates them ("wrote",
        "ordered", an entity word of a fact) and whether only purchases count."""
        entities = [name for _, name in parts.names("entity")]
        subject = self._asked_entity(parts)
        if subject is None or self.model.tables[subject.table].kind != "entity":
            return None
        fact = None
        if sum(parts.has(role) for role in RELATION_ROLES) + parts.has("bought") > 1 and \
                not (parts.has("ordered") and parts.has("bought")):
            raise PlanError(TWO_RELATIONS_REASON)
        for role, table in RELATION_ROLES.items():
            if parts.has(role):
                fact = table
                parts.use_role(role)
        paid = parts.has("bought")  # a purchase is a paid order line (the glossary's term)
        if paid:
            fact = "orders"
            parts.use_role("bought")
        for name in entities:
            table = self.model.entities[name].table
            if self.model.tables[table].kind == "fact":
                fact = fact or table
        if fact is None:
            return None
        return subject, fact, paid

    def _named(self, name: str) -> MeasureSpec:
        m = self.model.measures[name]
        return MeasureSpec(name=name.removesuffix("_count") + ("s" if name.endswith("_count")
                                                               else ""),
                           sql=m.sql, table=m.table, label=m.label, unit=m.unit,
                           where=m.where, distinct=m.distinct)

    def _use_entity_words(self, parts: QuestionParts, table: str) -> None:
        for i, name in parts.names("entity"):
            if self.model.entities[name].table in (table, self.model.fact_of(table)):
                parts.use(i)

    # -- other shapes ----------------------------------------------------------------------
    def _share_plan(self, parts: QuestionParts, conditions: list[Condition], groups: list[Dimension],
                    period: Period | None, entity_table: str | None, direction: str | None,
                    top: NumberUse | None) -> QueryPlan:
        parts.use_role("share")
        parts.use_role("count")
        candidates = conditions
        related = self._related(parts, entity_table)
        if related is not None:  # "what percent of Seoul customers have written a review"
            candidates = [*conditions, related]
            numerator = self._numerator(parts, candidates)
            return self._finish_share(parts, QueryPlan(
                shape="share", table=related.table, group_by=groups,
                conditions=[c for c in candidates if c is not numerator], period=period,
                share=numerator, order=direction), top)
        if not candidates and len(groups) == 1 and not groups[0].boolean:  # "카테고리별 매출 비중"
            return self._shares_of_total(parts, groups, period, entity_table, direction, top)
        if not candidates:
            raise PlanError("a share of what")
        compared = [c for c in candidates if any(g.sql in c.sql for g in groups)]
        numerator = self._numerator(parts, [c for c in candidates if c not in compared]
                                    or candidates)  # "1-star reviews, women vs men": per group
        base = [c for c in candidates if c is not numerator]
        table = entity_table or self.model.fact_of(numerator.table)
        of = self._share_of(parts, table)
        if of is not None:  # "what percent of revenue comes from Apparel"
            table = of.table
            if of.where:
                base.append(Condition(of.where, table, Label("", ""), -1))  # in the label
        self._use_entity_words(parts, table)
        for c in candidates:
            self._use_entity_words(parts, c.table)
        return self._finish_share(parts, QueryPlan(
            shape="share", table=table, group_by=groups, conditions=base, period=period,
            share=numerator, order=direction, measure=of), top)

    def _finish_share(self, parts: QuestionParts, plan: QueryPlan,
                      top: NumberUse | None) -> QueryPlan:
        """A share plan with its top N, once every number is accounted for."""
        if top is not None:
            plan.limit = int(top.value)
        plan.group_by = self._resolve_time(plan.group_by, plan.table)  # "share … by month"
        for use in parts.numbers:
            if use.unit == "percent" and not use.used_for:
                raise PlanError("a percentage threshold")
        self._check_numbers(parts)
        return plan

    def _related(self, parts: QuestionParts, entity_table: str | None) -> Condition | None:
        """Customers or products with (or without) a row in a fact, as a condition on them:
        "… have written at least one review", "주문한 적 없는 …"; None when the question
        names no fact beside the entity it asks about."""
        subject = self._asked_entity(parts)
        if subject is None or subject.table != entity_table or \
                self.model.tables[subject.table].kind != "entity":
            return None
        roles = [role for role in RELATION_ROLES if parts.has(role)]
        facts = [RELATION_ROLES[role] for role in roles]
        said = [i for role in [*roles, "bought"] for i in parts.at(role)]
        paid = parts.has("bought")
        facts += ["orders"] if paid else []
        for i, name in parts.names("entity"):
            if self.model.tables[self.model.entities[name].table].kind == "fact":
                facts.append(self.model.entities[name].table)
                said.append(i)
        key = self.model.entity_keys.get(subject.table)
        for i, name in parts.names("measure"):  # "리뷰를 쓴 고객": its people, counted once
            measure = self.model.measures[name]
            join = self.model.join(measure.table, subject.table)
            if join is not None and measure.sql == f"COUNT(DISTINCT {join.key})":
                facts.append(measure.table)
                paid = paid or measure.where is not None
                said.append(i)
                parts.use(i)
        if not facts or key is None or len(set(facts)) > 1:
            return None
        fact = facts[0]
        join = self.model.join(fact, subject.table)
        if join is None or join.key is None:
            return None
        for role in [*roles, "bought", "not"]:
            parts.use_role(role)
        self._use_entity_words(parts, fact)
        self._use_entity_words(parts, subject.table)
        inner = [f"{join.key} IS NOT NULL"]  # one NULL would make NOT IN match nothing
        if paid:
            inner.append(str(self.model.measures["revenue"].where))
        negated = parts.has("not")
        sql = (f"{key} {'NOT IN' if negated else 'IN'} (SELECT {join.key} FROM {DATASET}."
               f"{fact} AS {self.model.alias(fact)} WHERE {' AND '.join(inner)})")
        en, ko = {"customer_reviews": ("with a review", "리뷰를 쓴"),
                  "orders": ("with an order", "주문한")}[fact]
        if paid:
            en, ko = "with a purchase (complete or shipped)", "구매한 (완료·배송 중)"
        if negated:
            en, ko = en.replace("with a", "without any").replace("with an", "without any"), \
                ko.replace("쓴", "쓰지 않은").replace("주문한", "주문하지 않은").replace(
                    "구매한", "구매하지 않은")
        return Condition(sql, subject.table, Label(en, ko),
                         min(parts.items[i].start for i in said))

    def _shares_of_total(self, parts: QuestionParts, groups: list[Dimension],
                         period: Period | None, entity_table: str | None,
                         direction: str | None, top: NumberUse | None) -> QueryPlan:
        """Each group's measure and its percentage of the total: "share of revenue by
        category", "도시별 고객 비중"."""
        grouped = groups[0].table  # none yet for a time grain: the measure's ("월별 매출 비중")
        table = entity_table or (self.model.fact_of(grouped) if grouped else None)
        of = self._named_share(parts) if table is None else \
            self._share_of(parts, table) or self._entity_count(parts, table)
        if of is None or not of.sql.startswith(("SUM(", "COUNT(")):
            raise PlanError("a share of what")
        self._use_entity_words(parts, of.table)
        return self._finish_share(parts, QueryPlan(
            shape="aggregate", table=of.table, measure=of, group_by=groups, period=period,
            of_total=True, order=direction or "desc"), top)

    def _entity_count(self, parts: QuestionParts, table: str) -> MeasureSpec | None:
        """How many of the asked entity (or the table's own): the rows a share divides."""
        entity = self._asked_entity(parts) or self.model.entity_of_table(table)
        return self._named(entity.count) if entity is not None else None

    def _share_of(self, parts: QuestionParts, table: str) -> MeasureSpec | None:
        """What a share divides when it is not rows: a named sum ("percent of revenue",
        "매출 비중") or distinct orders ("what percent of orders were cancelled")."""
        named = self._named_share(parts)
        if named is not None:
            return named
        entity = self.model.entity_of_table(table)
        asked = self._asked_entity(parts)
        if asked is not None and asked.table == table:
            entity = asked
        if entity is not None and self.model.measures[entity.count].sql.startswith(
                "COUNT(DISTINCT"):
            return self._named(entity.count)
        return None

    def _named_share(self, parts: QuestionParts) -> MeasureSpec | None:
        """A named sum or distinct count a share divides ("percent of revenue")."""
        named = [(i, n) for i, n in parts.names("measure")
                 if self.model.measures[n].sql.startswith(("SUM(", "COUNT(DISTINCT"))]
        if not named:
            return None
        parts.use(named[0][0])
        return self._named(named[0][1])

    def _numerator(self, parts: QuestionParts, candidates: list[Condition]) -> Condition:
        """The condition whose share is asked: the one named after the counted entity."""
        if len(candidates) == 1:
            return candidates[0]
        entity_end = max((end_of(parts.items, i) for i, _ in parts.names("entity")), default=-1)
        after = [c for c in candidates if c.at > entity_end]
        return max(after or candidates, key=lambda c: c.at)

    def _ranked_attribute(self, parts: QuestionParts, groups: list[Dimension],
                          direction: str | None) -> tuple[int, str] | None:
        """The one attribute of a customer or product that "the highest / the lowest" ranks
        them by, when nothing is grouped, averaged, totalled or counted."""
        attributes = [(i, n) for i, n in parts.names("attribute") if i not in parts.used]
        if direction is None or groups or len({n for _, n in attributes}) != 1 or \
                parts.names("measure") or any(parts.has(role) for role in AGGREGATES):
            return None
        table = self.model.attributes[attributes[0][1]].table
        return attributes[0] if self.model.tables[table].kind == "entity" else None

    def _rows_plan(self, parts: QuestionParts, conditions: list[Condition], rank: tuple[int, str],
                   entity_table: str | None, top: NumberUse | None, lang: str,
                   order: str | None = None) -> QueryPlan:
        index, name = rank
        attribute = self.model.attributes[name]
        phrase = parts.phrase(index)
        sense = phrase.get("rank") if phrase else None
        parts.use(index)
        parts.use_role("superlative")
        parts.use_role("most")
        parts.use_role("least")
        table = attribute.table if entity_table in (None, attribute.table) else None
        if table is None:
            raise PlanError("ranking one table by another's attribute")
        entity = self.model.entity_of_table(table)
        if entity is None:
            raise PlanError("rows of a fact")
        self._use_entity_words(parts, table)
        parts.use_role("which")
        shown = RowColumn(attribute.sql, attribute.name, attribute.label, attribute.unit)
        plan = QueryPlan(shape="rows", table=table, conditions=conditions,
                         columns=[*self._listed(table), shown], rank_by=shown,
                         order=order or (sense.direction if sense else "desc"))
        if top is not None:
            plan.limit = int(top.value)
        else:
            plan.superlative = True
            plan.limit = 1 + RUNNER_UP
        self._check_numbers(parts)
        return plan

    def _list_plan(self, parts: QuestionParts, conditions: list[Condition],
                   entity_table: str | None, period: Period | None,
                   top: NumberUse | None, never: bool = False) -> QueryPlan | None:
        """The customers or products that match ("list the bags priced between 100k and
        150k", "show me customers in Seoul over 60", "which products were never ordered"):
        their key, name and the attributes the conditions compare, the first compared
        attribute highest first."""
        if not conditions or period is not None or entity_table is None or \
                self.model.tables[entity_table].kind != "entity" or \
                not (parts.has("list") or parts.has("which") and (entity_table == "products"
                                                                  or never)):
            return None  # "젊은 남성 일반 고객은 어떤 사람들이야?" asks what they are like
        if not any(self.model.entities[n].table == entity_table
                   for _, n in parts.names("entity")) and \
                not any(m.type == "category" for m in parts.mentions):  # "the bags" are things
            return None
        if any(self.model.tables[c.table].kind != "entity" for c in conditions):
            return None  # a condition on reviews or orders: a semi-join this shape lacks
        self._use_entity_words(parts, entity_table)
        parts.use_role("which")
        columns = self._listed(entity_table)
        compared = []
        for condition in conditions:
            attribute = next((a for a in self.model.attributes.values()
                              if a.table == entity_table and a.sql == condition.column), None)
            if attribute is not None and attribute.name not in {c.name for c in compared}:
                compared.append(RowColumn(attribute.sql, attribute.name, attribute.label,
                                          attribute.unit))
        plan = QueryPlan(shape="rows", table=entity_table, conditions=conditions,
                         columns=columns + compared, rank_by=compared[0] if compared else None,
                         order="desc")
        if top is not None:
            plan.limit = int(top.value)
        self._check_numbers(parts)
        return plan

    def _listed(self, table: str) -> list[RowColumn]:
        """The columns that say which customer or product a listed row is: its id, and a
        product's title too (titles repeat across colours)."""
        key = self.model.tables[table].key
        columns = [RowColumn(f"{self.model.alias(table)}.{key}", key, Label("id", "ID"))]
        return columns + [self._display(table)] if table == "products" else columns

    def _display(self, table: str) -> RowColumn:
        if table == "products":
            return RowColumn("p.title", "title", Label("product", "상품"))
        if table == "customers":
            return RowColumn("c.customer_id", "customer_id", Label("customer", "고객"))
        raise PlanError(f"no display column for {table}")

    def _lookup(self, parts: QuestionParts, conditions: list[Condition], lang: str
                ) -> QueryPlan | None:
        """One customer's, product's or order's own columns: "what city is customer 1002
        in?", "1004번 고객 어디 살아?", "the price of <product>", "the status of order 1001"."""
        named = self._named_conditions(parts)
        if not named:
            return None
        if parts.has("when") and len(named) == 1 and named[0].table == "orders" and \
                not conditions:  # "who placed order 20001, and when?"
            return self._order_when(parts, named[0])
        if parts.has("count") or parts.has("avg") or parts.has("share") or \
                parts.has("sum") or parts.has("rank") or parts.has("when"):
            if parts.has("rank") or len(named) != 1:
                raise PlanError("a measure about one named customer, product or order")
            return None  # "how many orders has customer 1005 placed": a measure, narrowed
        key = named[0]
        if len(named) != 1 or any(c.table != key.table for c in conditions):
            raise PlanError("more than one thing named")
        # "is <product> in stock?": the value asked about is shown
        columns = self._lookup_columns(parts, key.table) + self._asked_values(conditions)
        if not columns:
            raise PlanError("what to look up")
        columns = [c for c in self._named_columns(key.table) if c.name not in
                   {k.name for k in columns}] + columns  # whose values these are
        self._use_entity_words(parts, key.table)
        parts.use_role("which")
        parts.use_role("lives")
        self._check_numbers(parts)
        return QueryPlan(shape="rows", table=key.table, columns=columns, conditions=[key],
                         distinct=self.model.tables[key.table].kind == "fact")

    def _order_when(self, parts: QuestionParts, order: Condition) -> QueryPlan:
        """When an order was placed, and by whom when asked ("who placed order 20001, and
        when?"): its own time, not the latest of anything."""
        columns = self._named_columns("orders")
        if any(form_of(item) in WHO_WORDS for item in parts.items):
            columns.append(RowColumn("o.customer_id", "customer_id", Label("customer", "고객")))
        columns.append(RowColumn("o.order_datetime", "order_datetime",
                                 Label("ordered at", "주문 시각"), "datetime"))
        for role in ("when", "which", "ordered", "time_on", "and"):
            parts.use_role(role)
        self._use_entity_words(parts, "orders")
        self._check_numbers(parts)
        return QueryPlan(shape="rows", table="orders", columns=columns, conditions=[order],
                         distinct=True)

    def _named_columns(self, table: str) -> list[RowColumn]:
        """The columns that say which thing a looked-up row is (titles repeat across sizes
        and colours, so a product also shows its SKU)."""
        if table == "products":
            return [RowColumn("p.id", "id", Label("SKU", "SKU")), self._display(table)]
        if table == "orders":
            return [RowColumn("o.order_id", "order_id", Label("order", "주문"))]
        return [self._display(table)] if table == "customers" else []

    def _asked_values(self, conditions: list[Condition]) -> list[RowColumn]:
        """The columns of the values a yes/no lookup asks about ("고객 1002는 로열 회원이야?")."""
        columns = []
        for condition in conditions:
            dimension = next((d for d in self.model.dimensions.values()
                              if d.sql == condition.column), None)
            if dimension is None or dimension.entity is not None:
                raise PlanError("a condition beside the one named")
            columns.append(RowColumn(dimension.sql, dimension.sql.split(".")[-1],
                                     dimension.label))
        return columns

    @staticmethod
    def _named_conditions(parts: QuestionParts) -> list[Condition]:
        """The one customer or product a measure is about ("customer 1005's orders", "reviews
        of <product>"): the measure's rows narrowed to it."""
        out = []
        for m in parts.mentions:
            if m.type == "customer_id":
                out.append(Condition(f"c.customer_id = {int(m.value.value)}", "customers",
                                     Label(f"customer {m.value.en}", f"고객 {m.value.ko}"),
                                     m.start))
            elif m.type == "product":
                out.append(Condition(f"p.title = {literal(m.value.value)}", "products",
                                     Label(m.value.value, m.value.value), m.start))
            elif m.type == "order_id":
                out.append(Condition(f"o.order_id = {int(m.value.value)}", "orders",
                                     Label(f"order {m.value.en}", f"주문 {m.value.ko}"), m.start))
        return out

    def _lookup_columns(self, parts: QuestionParts, table: str) -> list[RowColumn]:
        columns = []
        for i, name in parts.names("attribute"):
            attribute = self.model.attributes[name]
            if attribute.table == table:
                parts.use(i)
                columns.append(RowColumn(attribute.sql, attribute.name, attribute.label,
                                         attribute.unit))
        for i, name in parts.names("dimension"):
            dimension = self.model.dimensions[name]
            if dimension.table == table and dimension.entity is None and \
                    dimension.filter is None:  # a segment is the segment tools' to show
                parts.use(i)
                columns.append(RowColumn(dimension.sql, dimension.sql.split(".")[-1],
                                         dimension.label))
        if not columns and table == "customers" and parts.has("lives"):
            city = self.model.dimensions["city"]
            columns.append(RowColumn(city.sql, "address_city", city.label))
        return columns

    def _count_having(self, parts: QuestionParts, entity_table: str | None, use: NumberUse,
                      conditions: list[Condition], period: Period | None,
                      summed: MeasureSpec | None = None) -> QueryPlan:
        """How many entities have more (or fewer) than N facts, or a sum of their facts
        (``summed``) above or below N."""
        counted = None if summed else self.model.entities[use.used_for.split(":", 1)[1]]
        fact = summed.table if summed else counted.table
        named = {c.table for c in conditions if self.model.tables[c.table].kind == "entity"}
        if entity_table in (None, fact) and len(named) == 1:  # "loyal customers" names customers
            entity_table = named.pop()
        things = {self.model.entities[n].table for _, n in parts.names("entity")} - {fact}
        if entity_table in (None, fact) and len(things) == 1 and \
                self.model.tables[next(iter(things))].kind == "entity":
            entity_table = things.pop()  # "고객 리뷰가 30건 이상 달린 상품": the products
        if entity_table is None or self.model.tables[entity_table].kind != "entity" or \
                self.model.tables[fact].kind != "fact":
            raise PlanError("a count condition on something that is not a fact")
        entity = self.model.entity_of_table(entity_table)
        assert entity is not None
        measure = self._named(entity.count)
        self._use_entity_words(parts, entity_table)
        parts.use_role("count")
        join = self.model.join(fact, entity_table)
        if join is None or join.key is None or \
                use.op not in (("gt", "ge", "lt", "le", "eq") if summed else ("gt", "ge", "eq")):
            raise PlanError("a count condition this reader cannot place")
        parts.use_role("wrote")
        parts.use_role("ordered")
        parts.use_role("have")
        self._check_numbers(parts)
        # conditions on the entity ("Seoul customers with 3+ orders") join it: many facts to
        # one entity, so the facts counted per entity stay the same
        counted_measure = summed or self.model.measures[counted.count]
        if (parts.has("list") or parts.has("which")) and not parts.has("count"):
            # "list the customers who spent…", "which products have 30+ reviews'
            return self._listed_having(entity, fact, summed or self._named(counted.count),
                                       conditions, period, use)
        amount = (f"₩{use.value:,.0f}", f"{use.value:,.0f}원") if summed else \
            (number(use.value), number(use.value))
        label = Label(f"{measure.label.en} with {OPERATOR_WORDS[use.op][0]} {amount[0]}"
                      f" {counted_measure.label.en}",
                      f"{counted_measure.label.ko} {amount[1]} "
                      f"{OPERATOR_WORDS[use.op][1]}인 {measure.label.ko}")
        if summed is not None and summed.where:
            conditions = [*conditions, Condition(summed.where, fact, Label("", ""), -1)]  # in the label
        return QueryPlan(shape="count_having", table=fact, conditions=conditions,
                         period=period, having=(use.op, use.value), count_key=join.key,
                         count_sql=counted_measure.sql,
                         measure=MeasureSpec(name="matching", sql="COUNT(*)", table=fact,
                                             label=label, unit="count"))

    def _listed_having(self, entity: Entity, fact: str, measure: MeasureSpec,
                       conditions: list[Condition], period: Period | None,
                       use: NumberUse) -> QueryPlan:
        """The customers or products themselves, with the count or total they are compared
        by, highest first: "list the customers who've spent more than 3,000,000"."""
        dimension = next((d for d in self.model.dimensions.values() if d.entity == entity.name),
                         None)
        if dimension is None:
            raise PlanError(f"no way to list {entity.name}s")
        plan = QueryPlan(shape="aggregate", table=fact, measure=measure, group_by=[dimension],
                         conditions=conditions, period=period, having=(use.op or "gt", use.value),
                         order="desc")
        plan.to_sql(self.model)  # a join it lacks fails here, as a reading it cannot give
        return plan

    # -- what is left ------------------------------------------------------------------------
    def _unexplained(self, parts: QuestionParts) -> list[str]:
        out = []
        for i, item in enumerate(parts.items):
            if i in parts.used:
                continue
            if isinstance(item, Token):
                if item.kind == "number":
                    continue  # numbers are checked by the plan
                out.append(item.form)
                continue
            content = {s.role for s in item.senses} & {"entity", "measure", "attribute",
                                                       "dimension", "rank", "time_grain"}
            functional = {s.role for s in item.senses} - content
            if content and not (functional & _HARMLESS):
                out.append(item.text)
            elif not functional & _HARMLESS and not content:
                out.append(item.text)
        return out


_HARMLESS = {"stop", "list", "which", "have", "all", "time_on", "group", "breakdown",
             "count", "and", "lives", "superlative", "distinct", "sum", "wrote", "ordered",
             "bought", "about"}
_GRAIN_LABELS = {"month": Label("month", "월"), "quarter": Label("quarter", "분기"),
                 "half": Label("half-year", "반기"), "day": Label("day", "일자")}


def _time_group(grain: str) -> Dimension:
    """"By month", "분기별": the period of whichever fact the measure counts (resolved once
    the measure is known)."""
    return Dimension(name=grain, table="", sql="", label=_GRAIN_LABELS[grain], time=grain)


def _first_start(mentions: list[Mention], after: int) -> int:
    return min((m.start for m in mentions if m.start >= after), default=1 << 30)


def _grain_of(mention: Mention) -> str | None:
    """"month", "quarter" or "half" when a period mention is exactly one calendar month,
    quarter or half-year."""
    if not (mention.value.start and mention.value.end):
        return None
    start = dt.date.fromisoformat(mention.value.start[:10])
    end = dt.date.fromisoformat(mention.value.end[:10])
    if start.day != 1 or end.day != 1:
        return None
    months = (end.year - start.year) * 12 + end.month - start.month
    return {1: "month", 3: "quarter" if start.month % 3 == 1 else None,
            6: "half" if start.month in (1, 7) else None}.get(months)


def period_of(mention: Mention) -> Period:
    """The time window a period mention names (end exclusive)."""
    value = mention.value
    return Period(start=str(value.start), end=str(value.end), label=Label(value.en, value.ko))


def _comparison_word(text: str, mention: Mention) -> bool:
    """ "65 or older": "older" ends a comparison here, it does not name the age group; nor
    does "제일 젊은" / "the most young", a ranking by age."""
    return mention.type == "age_group" and \
        re.search(r"(?:\d\s*(?:or|and)|가장|제일|젤|\bmost)\s*$", text[:mention.start],
                  re.IGNORECASE) is not None


# "a rating of 2 stars or less", "rated 5": the rating's own noun introduces its value (not
# after "average", where it names what is averaged: "average rating of 5-star reviews").
_RATING_NOUN = re.compile(
    r"(?<!average )(?<!avg )(?<!mean )\b(?:ratings?|rated)\s+(?:of\s+|at\s+)?$", re.IGNORECASE)


def _own_noun_start(text: str, mention: Mention) -> int:
    """Where a value's words start, with the noun that introduces it."""
    if mention.type == "rating":
        found = _RATING_NOUN.search(text[:mention.start])
        if found:
            return found.start()
    return mention.start


def _fixed(dimension: Dimension, conditions: list[Condition]) -> bool:
    """A dimension a condition holds to one value ("negative reviews (by text sentiment)"):
    the words name the value's column, not a breakdown of one group."""
    return any(c.sql.startswith(f"{dimension.sql} = ") for c in conditions)


def _one_condition_per_column(conditions: list[Condition]) -> None:
    """Two values for one column ("male, female and other customers", "18-29, 30-45")
    list a breakdown's groups or contradict each other: either way not one filter."""
    named = [c.column for c in conditions if c.column]
    repeated = sorted({c for c in named if named.count(c) > 1})
    if repeated:
        raise PlanError(f"more than one condition on {', '.join(repeated)}")



def _compare(attribute: Attribute, use: NumberUse, at: int) -> Condition:
    sql = attribute.sql
    value = use.value
    if use.op == "between" and use.high is not None:
        low, high = sorted((value, use.high))
        text = Label(f"{attribute.label.en} {number(low)}–{number(high)}",
                     f"{attribute.label.ko} {number(low)}~{number(high)}")
        return Condition(f"{sql} BETWEEN {number(low)} AND {number(high)}", attribute.table, text,
                         at)
    op = use.op or "eq"
    symbol = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "="}[op]
    en, ko = OPERATOR_WORDS[op]
    text = Label(f"{attribute.label.en} {en} {number(value)}".replace("  ", " "),
                 f"{attribute.label.ko} {number(value)} {ko}".strip())
    return Condition(f"{sql} {symbol} {number(value)}", attribute.table, text, at)
