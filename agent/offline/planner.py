"""The offline model's planner: decide the next tool call, or the final answer.

For a new user message it matches the intents (``agent.offline.matcher``), fills their
slots from the value index and calls the intent's tool; when the tool's result comes back
it writes the answer (``agent.offline.answers``). Earlier turns are replayed from the
conversation so a follow-up ("now only for Seoul", "그중 로열 고객만", "and for Busan?")
changes the previous question's values instead of starting over, and the customer and
campaign the conversation is about carry over to requests that name none ("approve them",
"now draft one in Korean"). A question no intent can answer whole is declined with the
three closest questions it can answer.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
from google.genai import types

from agent.conversation import Turn, read_turns
from agent.offline import request_words
from agent.offline import writers  # noqa: F401 - registers the tools' answer writers
from agent.offline.answers import (AnswerContext, decline, failure_text, spelling_note,
                                   write_answer)
from agent.offline.lexicon import Lexicon, load_lexicon
from agent.offline.matcher import Candidate, Matcher
from agent.offline.request_words import FREE_TEXT_TYPES
from agent.offline.tool_cues import (acts, cue_words, cued_tools, pointing_back,
                                     refers_to_customer, says_to, says_yes)
from agent.offline.writers.composed import write_composed
from config.settings import Settings, get_settings
from tools.search.embeddings import get_embedding_provider
from tools.search.vector_index import IndexMissingError
from tools.sql.filters import add_filters, parse, render, set_limit
from tools.sql.intents import Intent, load_intents
from tools.sql.knowledge_index import index_stamp_path, phrasing_vectors
from tools.sql.mentions import Mention, MentionFinder
from tools.sql.query_plan import PlanError, QueryPlan
from tools.sql.question_parser import QuestionReader, period_of, question_lexicon
from tools.sql.question_words import ends_in_noun, tokenize, without_particles
from tools.sql.semantic_model import load_semantic_model
from tools.sql.slot_values import ID_TYPES, SlotValue, number_value
from tools.sql.value_index import load_index
from tools.vocabulary.language import language_of
from tools.vocabulary.spelling import Correction, Speller, is_common_word
from tools.warehouse import SqlError, get_warehouse
from tools.warehouse.catalog import Catalog

NEAR_TIE = 0.05  # a reading this close to the first answerable one may stand in for it
DECLINE_MARGIN = 0.12  # an unanswerable reading this much better than the best answerable wins
STRONG_MATCH = 0.8  # a message this close to a full question is new, even with a cue word
CUED_MIN_SCORE = 0.3  # a reading for a tool the request names needs only this similarity
CUED_PLACED_MIN_SCORE = 0.15  # … or this, when it takes every value the request names
SUGGESTIONS = 3
_QUESTION = re.compile(r"\?|^\s*(?:what|which|how|who|when|where|why|did|do|does|have|has|is|are|"
                       r"was|were)\b|몇|뭐|무슨|어떤|어느|언제|있어|했어|했나", re.I)
_ASKED = re.compile(r"\?|^\s*(?:what|which|how|who|when|where|why|did|do|does|have|has|is|are|"
                    r"was|were)\b|(?:했어|했나|했니|됐어|됐나|했었어|인가|인지|했는지)\s*$",
                    re.I)  # a question for certain ("어떤 캠페인 메일도" is "any campaign email")
_ASKS_TO = re.compile(r"^\s*(?:can|could|would|will)\s+you\b|^\s*(?:please|pls|plz)\b|"
                     r"(?:줄래|줄래요|줄\s*수\s*있어|줄\s*수\s*있어요|주실래요|주시겠어요)\s*\??\s*$",
                     re.I)  # a request put as a question: "can you write …?", "써 줄래?"
_SLOT = re.compile(r"\{\w+\}")  # a slot's placeholder in a phrasing
CONFIRM_DRY_RUN = "create_planned_campaign"  # the intent that drafts a dry run's audience
SUPPRESS = "suppress_customers"  # the intent that stops emailing the customers named
ONE_EMAIL = "draft_retention_email"  # the intent that drafts one customer's email
ONE_DESCRIBED = "draft_email_for_described_customer"  # one email, "한 명 골라서"
ON_THE_CAMPAIGN = {"show_campaign", "edit_campaign", "approve_emails", "reject_emails",
                   "export_campaign", "send_campaign"}  # tools on the conversation's campaign
WHOLE_ANSWERS = {"describe_segment", "lookup_customer", "campaign_results",
                 "recommend_products"}  # one answer to several asks, or one ask in two parts
CAMPAIGN_READS = {"campaign_results", "show_campaign", "list_campaigns", "plan_campaign"}
PLAN_CACHE = 2048  # conversations' plans kept for replaying follow-ups
_ONE_OFF = {"question", "audience", "confirmation_code"}  # actions: never replayed
Context = dict[str, SlotValue]


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    text: str


@dataclass
class Plan:
    """A filled intent, or a query composed from the semantic model, for one user message
    (both None: declined)."""

    candidate: Candidate | None
    composed: QueryPlan | None = None
    followup: bool = False
    suggestions: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    missing_tables: list[str] = field(default_factory=list)  # what the closest intent awaits
    corrections: tuple[Correction, ...] = ()  # typos read as the words they stand for


@lru_cache(maxsize=512)
def _embed(text: str) -> np.ndarray:
    return get_embedding_provider().embed_queries([text])[0]


class OfflinePlanner:
    """Plans over the intents available with the current warehouse and tools."""

    def __init__(self, settings: Settings, catalog: Catalog, available_tools: frozenset[str]):
        self.settings = settings
        self.catalog = catalog
        tables = set(catalog.table_names())
        usable = [i for i in load_intents() if i.tool is None or i.tool in available_tools]
        self.intents = [i for i in usable if set(i.tables) <= tables]
        self.tables = tables
        self.lexicon: Lexicon = load_lexicon()
        self.finder = MentionFinder(load_index(settings))
        try:
            vectors = phrasing_vectors()
        except IndexMissingError:
            vectors = None
        self.matcher = Matcher(self.intents, self.finder, self.lexicon, catalog, vectors, _embed)
        waiting = [i for i in usable if not set(i.tables) <= tables]  # derived tables not built
        self.waiting = Matcher(waiting, self.finder, self.lexicon, catalog) if waiting else None
        self.model = load_semantic_model()
        self.reader = QuestionReader(self.model, question_lexicon()) \
            if "run_sql" in available_tools and set(self.model.tables) <= tables else None
        self.speller = self._speller()
        self._plans: OrderedDict[tuple[Any, ...], Plan] = OrderedDict()
        self._phrasing_forms: dict[str, set[str]] = {}  # intent id -> its phrasings' words

    def _speller(self) -> Speller:
        """Corrects typos towards every word the readers know: the question words, the
        values' names, the tool cues and the stored questions' English words; customers'
        names and product titles are read as written."""
        vocabulary = {*question_lexicon().phrases, *self.lexicon.vocabulary, *self.finder.words,
                      *cue_words(), *request_words.option_words()}  # "freindly": friendly
        vocabulary.update(word for intent in self.intents for lang, phrasing in intent.phrasings
                          if lang == "en" for word in _SLOT.sub(" ", phrasing).split())
        index = self.finder.index.values
        known = {word for kind in ("first_name", "last_name", "product")
                 for value in index.get(kind, ()) for word in str(value).split()}
        return Speller(vocabulary, known, stem=without_particles, names_a_thing=ends_in_noun)

    # -- planning ---------------------------------------------------------------------
    def plan_conversation(self, turns: list[Turn]) -> Plan:
        """The plan of the last message, replaying the earlier ones for context."""
        previous: Plan | None = None
        plan = Plan(candidate=None)
        context: Context = {}
        key: tuple[Any, ...] = ()
        for i, turn in enumerate(turns):
            key += (turn.text, tuple(sorted((k, v.value) for k, v in context.items())))
            if key not in self._plans:
                self._plans[key] = self.plan(turn.text, previous, context)
                while len(self._plans) > PLAN_CACHE:
                    self._plans.popitem(last=False)
            self._plans.move_to_end(key)
            plan = self._plans[key]
            if plan.composed is not None or (plan.candidate is not None
                                             and plan.candidate.intent.tool is not None):
                previous = plan
            context = remember(context, plan, turn)
        return plan

    def plan(self, text: str, previous: Plan | None = None,
             context: Context | None = None) -> Plan:
        spelled = self.speller.correct(text)
        plan = self._plan(_named_back(spelled.text, previous), previous, context)
        if previous is not None and sized_a_campaign(previous) and _on_the_campaign(plan):
            plan = self._drafted_first(spelled.text, context) or plan
        return replace(plan, corrections=spelled.corrections) if spelled.corrections else plan

    def _drafted_first(self, text: str, context: Context | None) -> Plan | None:
        """Right after a dry run, a request about "the campaign" ("ok, approve all the valid
        ones", "make it friendlier") is about the one just sized, which has no emails yet:
        it is drafted first (the request says go on), never applied to an older campaign."""
        mentions = self._mentions(text)
        if any(m.type == "campaign_id" for m in mentions):
            return None  # a campaign named by its id is that one
        confirmed = next((c for c in self.matcher.rank(text, mentions, context)
                          if c.intent.id == CONFIRM_DRY_RUN and c.executable), None)
        return None if confirmed is None else Plan(candidate=confirmed)

    def _mentions(self, text: str) -> list[Mention]:
        """The values the message names, but for words pointing back at the segment the
        conversation is about ("what should we show these guys?")."""
        back = pointing_back(text)
        return [m for m in self.finder.find(text)
                if not any(start <= m.start and m.end <= end for start, end in back)]

    def _plan(self, text: str, previous: Plan | None, context: Context | None) -> Plan:
        mentions = self._mentions(text)
        scored = self.matcher.rank(text, mentions, context)
        if previous is not None and not mentions and sized_a_campaign(previous) \
                and says_yes(text):  # "ok, go ahead" after a dry run drafts what it sized
            confirmed = next((c for c in scored if c.intent.id == CONFIRM_DRY_RUN
                              and c.executable), None)
            if confirmed is not None:
                return Plan(candidate=confirmed)
        question = _ASKED.search(text) is not None
        ranked = [c for c in scored  # an action only when the message asks for it, and a
                  if says_to(text, c.intent.id)  # suppression (never undone) never for a question
                  and not (question and c.intent.id == SUPPRESS)
                  and (c.intent.id != ONE_DESCRIBED or says_to(text, ONE_EMAIL))]  # "someone"
        # alone names a customer; an email is drafted for them only when the message says to
        answerable = next((c for c in ranked if c.executable), None)
        asked = self.matcher.features(text, mentions)
        if previous is not None and not mentions and \
                {f for f in asked if f.startswith("c:")} == {"c:language"}:
            again = self._in_language(previous, text)  # "same thing in English"
            if again is not None:
                return again
        if previous is not None and not mentions:
            other = _by_other_method(previous, text)  # "블렌드 방식으로 다시 뽑아볼래?"
            if other is not None:
                return other
        if previous is not None and mentions and self._reads_as_followup(text, asked,
                                                                         answerable):
            followed = self.follow_up(previous, mentions)
            if followed is not None:
                return followed
        lang = language_of(text)
        if previous is not None and not mentions and self.reader is not None:
            broken = self.reader.breakdown(text, previous.composed, lang)  # "and by gender"
            if broken is not None:
                return Plan(candidate=None, composed=broken.plan, followup=True) \
                    if broken.plan is not None else \
                    Plan(candidate=None, suggestions=self.suggest(ranked, lang))
        usable = ranked
        if self.reader is not None:
            reading = self.reader.read(text, mentions, lang)
            if reading.plan is not None:
                return Plan(candidate=None, composed=reading.plan)
            if reading.asks_what_no_pair_answers:
                return Plan(candidate=None, suggestions=self.suggest(ranked, lang))
            if reading.asks_several_things:
                whole = self._answers_all(text, ranked, asked, mentions, context or {})
                return Plan(candidate=whole) if whole is not None else \
                    Plan(candidate=None, suggestions=self.suggest(ranked, lang))
            unknown = self._unknown_words(reading.unexplained)
            usable = [c for c in ranked if self._accounts_for(c, unknown)]
        single = self._singled_out(text, usable, context or {})
        if single is not None:
            return Plan(candidate=single)
        cued = self._cued(text, usable, "override", mentions)
        if cued is not None:
            return Plan(candidate=cued)
        best = ranked[0] if ranked else None
        fitting = next((c for c in usable if c.executable  # a near tie that fits
                        and c.score >= self.settings.offline_min_score
                        and best is not None and best.score - c.score < DECLINE_MARGIN
                        and answerable is not None and answerable.score - c.score < NEAR_TIE
                        and self.matcher.misfit(c, asked, mentions) is None), None)
        if fitting is not None:
            return Plan(candidate=fitting)
        commanded = self._commanded(text, usable, asked, mentions, context or {})
        if commanded is not None:
            return Plan(candidate=commanded)
        cued = self._cued(text, usable, "fallback", mentions)
        if cued is not None:
            return Plan(candidate=cued)
        unplaced = [m.text for m in (best.unplaced + best.conflicts)] if best else []
        return Plan(candidate=None, suggestions=self.suggest(ranked, lang), unplaced=unplaced,
                    missing_tables=self._awaited_tables(text, mentions, best))

    def _unknown_words(self, unread: list[str]) -> list[str]:
        """The words the reader could not place that the matcher's lexicon does not know
        either and people do not commonly write: a city with no customers ("Gimpo"), a
        code; a common or casual word ("gets hit with", "갯수") is left to the likeness."""
        return [word for word in unread
                if (features := self.lexicon.features(word))
                and not any(f.startswith("c:") for f in features)
                and not is_common_word(word)]

    def _accounts_for(self, candidate: Candidate, unknown: list[str]) -> bool:
        """A stored question→SQL pair stands in for a question the reader could not read
        only when its own phrasings use every unknown word: "customers in Gimpo" is not
        every customer."""
        if candidate.intent.sample is None or not unknown:
            return True
        forms = self._phrasing_forms.get(candidate.intent.id)
        if forms is None:
            forms = {t.form for _, template in candidate.intent.phrasings
                     for t in tokenize(_SLOT.sub(" ", template))}
            self._phrasing_forms[candidate.intent.id] = forms
        return all(word in forms for word in unknown)

    @staticmethod
    def _cued(text: str, ranked: list[Candidate], kind: str,
              mentions: list[Mention]) -> Candidate | None:
        """The best complete reading for a tool the request names by its cue words; an
        override cue beside the id the tool takes needs no likeness ("who is customer 2118"),
        nor much beside values that all go to the tool ("recommendations for younger
        non-member women in Cheongju, using the lab rule method": a long request is less like
        any stored one, not less of a request)."""
        tools = cued_tools(text, kind)
        return next((c for c in ranked if c.intent.tool in tools and c.executable and (
            c.score >= CUED_MIN_SCORE or kind == "override" and (
                _names_id(c, mentions) or mentions and not c.unplaced and not c.conflicts
                and c.score >= CUED_PLACED_MIN_SCORE))), None)

    @staticmethod
    def _commanded(text: str, ranked: list[Candidate], asked: set[str],
                   mentions: list[Mention], context: Context) -> Candidate | None:
        """A campaign request in so many words ("set up a win-back campaign for young
        non-loyal men, friendly tone", "reject the email for 8177, the tone feels off", "괜찮네,
        이거 승인 처리해줘" about the campaign the conversation is on): the first complete reading
        of a campaign intent whose own verbs the message uses, when it names a campaign or the
        customers it acts on, or the conversation is about a campaign. A question asks only
        for a reading that does not act ("how did campaign 2 do against the holdout?"). A long
        audience or a reason makes a request less like any stored one, not less of a
        request."""
        question = _QUESTION.search(text) is not None and not _ASKS_TO.search(text)
        about = "c:campaign" in asked or "campaign_id" in context
        if refers_to_customer(text) or any(m.type == "customer_id" for m in mentions):
            # "이건 빼 주세요" after one email is shown: that email, never all the rest
            ranked = sorted(ranked, key=lambda c: "customer_ids" not in c.values)
        return next((c for c in ranked if c.intent.category == "campaigns"
                     and (acts(c.intent.id) or c.intent.tool in CAMPAIGN_READS)
                     and not (question and c.intent.tool not in CAMPAIGN_READS)
                     and c.executable and (c.score >= CUED_MIN_SCORE or not c.unplaced
                                           and c.score >= CUED_PLACED_MIN_SCORE)
                     and (about or "customer_ids" in c.values or _names_id(c, mentions))),
                    None)

    def _answers_all(self, text: str, ranked: list[Candidate], asked: set[str],
                     mentions: list[Mention], context: Context) -> Candidate | None:
        """A tool answer that covers several questions at once: a segment's description
        says what they are like and what to do next, a customer's 360 shows their reviews
        and orders, a campaign's results say how it did and the uplift against the holdout;
        or one request with its reason beside it."""
        single = self._singled_out(text, ranked, context)  # "막아줘. 컴플레인 들어왔어": a reason
        if single is not None:
            return single
        cued = self._cued(text, ranked, "override", mentions)
        if cued is not None and cued.intent.tool in WHOLE_ANSWERS:
            return cued
        read = self._commanded(text, ranked, asked, mentions, context)
        return read if read is not None and read.intent.tool in WHOLE_ANSWERS else None

    @staticmethod
    def _singled_out(text: str, ranked: list[Candidate], context: Context) -> Candidate | None:
        """A request about one customer the conversation is on ("she's clearly not happy,
        draft her a win-back email" after looking her up) or one it describes ("울산 불만 고객
        중에 한 명 골라서 메일 초안") drafts one email, never a campaign; a request to stop
        emailing named customers ("6841 고객이 메일 그만 보내달래") adds them to the
        suppression list, whatever else it resembles."""
        if _ASKED.search(text):
            return None
        wanted = [SUPPRESS, ONE_DESCRIBED]
        if "customer_id" in context and refers_to_customer(text):
            wanted = [SUPPRESS, ONE_EMAIL]  # "이 분께": the one looked up, never one described
        return next((c for c in ranked if c.intent.id in wanted and c.executable), None)

    def _awaited_tables(self, text: str, mentions: list[Mention],
                        best: Candidate | None) -> list[str]:
        """Tables not built yet that the question's closest intent needs (by words alone)."""
        if self.waiting is None:
            return []
        waiting = self.waiting.rank(text, mentions)
        if not waiting or waiting[0].score < self.settings.offline_min_score or \
                (best is not None and waiting[0].meaning <= best.meaning):
            return []
        return sorted(set(waiting[0].intent.tables) - self.tables)

    def _reads_as_followup(self, text: str, asked: set[str],
                           answerable: Candidate | None) -> bool:
        content = {f for f in asked if f.startswith("c:")}
        if not content:
            return True
        if not self.lexicon.is_followup(text):
            return False
        return answerable is None or answerable.score < STRONG_MATCH or len(content) < 2

    def follow_up(self, previous: Plan, mentions: list[Mention]) -> Plan | None:
        """The previous plan with the new values swapped in or added as filters (a
        question again, never an action such as creating a campaign or confirming a send)."""
        if previous.composed is not None:
            return self._follow_composed(previous.composed, mentions)
        assert previous.candidate is not None
        before = previous.candidate
        if any(s.type in _ONE_OFF for s in before.intent.slots) or acts(before.intent.id) and \
                any(m.type not in ID_TYPES for m in mentions):
            return None  # an action is done again only for another id ("same for customer
            # 1043"); "make the offer 15% off instead" after a draft edits that draft
        profile = self.matcher.profile_of(before.intent.id)
        c = replace(before, values=dict(before.values), filters=list(before.filters),
                    unplaced=[], conflicts=[], missing=[])
        for mention in mentions:
            slot = next((s.name for s in before.intent.slots if s.type == mention.type), None)
            if slot is not None:
                c.values[slot] = mention.value
                continue
            same = [f for f in c.filters if f.type == mention.type]
            if same:
                c.filters = [mention if f is same[0] else f for f in c.filters]
                continue
            self.matcher.place(c, profile, mention)
        return Plan(candidate=c, followup=True) if c.executable else None

    @staticmethod
    def _in_language(previous: Plan, text: str) -> Plan | None:
        """The previous answer again in the language the message names ("같은 내용 영어로
        다시 보여줘" after a segment's description), for a tool that answers in a language;
        an email's language is an edit of the draft, not this."""
        before = previous.candidate
        if before is None or not any(s.type == "reply_language" for s in before.intent.slots):
            return None
        wanted = request_words.draft_options(text)["reply_language"]
        values = {name: wanted if v.type == "reply_language" else v
                  for name, v in before.values.items()}
        return Plan(candidate=replace(before, values=values), followup=True)

    def _follow_composed(self, before: QueryPlan, mentions: list[Mention]) -> Plan | None:
        """A composed query with the new values swapped in for the same column's, or added."""
        assert self.reader is not None
        plan = replace(before, conditions=list(before.conditions))
        for mention in mentions:
            if mention.type == "period":
                plan.period = period_of(mention)
                continue
            try:
                condition = self.reader.condition(mention)
            except PlanError:
                return None
            same = [c for c in plan.conditions if c.column == condition.column]
            plan.conditions = [c for c in plan.conditions if c not in same] + [condition]
        try:
            plan.to_sql(self.model)
        except PlanError:
            return None
        return Plan(candidate=None, composed=plan, followup=True)

    def suggest(self, ranked: list[Candidate], lang: str) -> list[str]:
        """The closest answerable questions, with the user's own values where they fit."""
        out: list[str] = []
        for candidate in ranked:
            intent = candidate.intent
            if intent.tool is None or not self._suggestible(intent, lang):
                continue
            values = {**intent.example_values(), **candidate.values}
            question = intent.question(lang, values)
            if question not in out:
                out.append(question)
            if len(out) == SUGGESTIONS:
                break
        return out

    @staticmethod
    def _suggestible(intent: Intent, lang: str) -> bool:
        """A question worth offering: not an action, not a free-text request (whose score
        says little about what was asked), and phrased in the user's language."""
        if intent.sample is not None:
            return True
        return intent.suggest and not any(s.type in FREE_TEXT_TYPES for s in intent.slots) \
            and any(code == lang for code, _ in intent.phrasings)

    # -- tool calls and answers ------------------------------------------------------------
    def tool_call(self, plan: Plan) -> ToolCall:
        if plan.composed is not None:
            return ToolCall("run_sql", {"sql": plan.composed.to_sql(self.model)})
        c = plan.candidate
        assert c is not None and c.intent.tool is not None
        args = c.intent.render_args(c.values, c.filters)
        if c.intent.sample is not None and (c.filters or c.limit):
            tree = parse(args["sql"])
            add_filters(tree, [(m.type, m.value) for m in c.filters], self.catalog)
            if c.limit:
                set_limit(tree, c.limit)
            args["sql"] = render(tree)
        return ToolCall(c.intent.tool, args)

    def answer(self, text: str, plan: Plan, response: dict[str, Any] | None) -> str:
        written = self._answer(text, plan, response)
        if not plan.corrections:
            return written
        return f"{written}\n\n{spelling_note(language_of(text), plan.corrections)}"

    def _answer(self, text: str, plan: Plan, response: dict[str, Any] | None) -> str:
        lang = language_of(text)
        if plan.composed is not None:
            failed = failure_text(response, lang)
            return failed or write_composed(plan.composed, response, lang)
        if plan.candidate is None:
            return decline(lang, plan.suggestions, plan.unplaced, plan.missing_tables)
        c = plan.candidate
        lang = next((v.value for v in c.values.values() if v.type == "reply_language"), lang)
        context = AnswerContext(question=text, lang=lang, intent=c.intent, values=c.values,
                                filters=[m.value for m in c.filters], limit=c.limit,
                                response=response, followup=plan.followup)
        if c.intent.tool is None:
            context.examples = self.examples(lang)
        return write_answer(context)

    def examples(self, lang: str) -> list[str]:
        """A handful of questions from different categories, to show what can be asked."""
        seen: set[str] = set()
        out = []
        for intent in self.intents:
            if intent.tool is None or intent.category in seen or intent.slots:
                continue
            seen.add(intent.category)
            out.append(intent.question(lang))
        return out[:6]

    def next_step(self, turns: list[Turn]) -> ToolCall | Answer:
        current = turns[-1]
        plan = self.plan_conversation(turns)
        if current.responses:
            return Answer(self.answer(current.text, plan, current.responses[-1]))
        if plan.composed is None and (plan.candidate is None
                                      or plan.candidate.intent.tool is None):
            return Answer(self.answer(current.text, plan, None))
        return self.tool_call(plan)


def _names_id(candidate: Candidate, mentions: list[Mention]) -> bool:
    """The candidate takes a customer or campaign id, or a customer's full name, that the
    message itself names."""
    return any(v.type in ID_TYPES | {"customer_name"} and any(v is m.value for m in mentions)
               for v in candidate.values.values())


def sized_a_campaign(plan: Plan) -> bool:
    """Whether the plan's answer was a campaign's dry run, waiting for a yes (the next
    message's reading and the chips offered under the answer depend on it)."""
    candidate = plan.candidate
    return candidate is not None and candidate.intent.tool in ("plan_campaign",
                                                               "create_campaign") \
        and candidate.intent.id != CONFIRM_DRY_RUN


def _on_the_campaign(plan: Plan) -> bool:
    """Whether the plan acts on or shows the conversation's campaign."""
    candidate = plan.candidate
    return candidate is not None and candidate.intent.tool in ON_THE_CAMPAIGN


def _by_other_method(previous: Plan, text: str) -> Plan | None:
    """The previous recommendations again by the method the message names, for the same
    customer, segment or city."""
    before = previous.candidate
    method = request_words.recommendation_method(text)
    slot = next((s.name for s in before.intent.slots if s.type == "rec_method"), None) \
        if before is not None else None
    if before is None or method is None or slot is None or \
            before.values.get(slot) == method:
        return None
    return Plan(candidate=replace(before, values={**before.values, slot: method}),
                followup=True)


def _named_back(text: str, previous: Plan | None) -> str:
    """The message with the words that point back at the segment the previous answer was
    about written as its name ("a win-back campaign for them" after describing the lapsed
    big spenders: "… for lapsed big spenders"), so every reading takes that segment."""
    named = [v for v in (previous.candidate.values.values() if previous is not None and
                         previous.candidate is not None else ())
             if v.type in ("segment_name", "rfm_cluster", "segment")]
    if not named:
        return text
    for start, end in sorted(pointing_back(text), reverse=True):
        text = f"{text[:start]}{named[0].value}{text[end:]}"
    return text


def remember(context: Context, plan: Plan, turn: Turn) -> Context:
    """``context`` updated with the customer, campaign and segment a finished turn was
    about: the ids and segment its plan used, then the ids its tools' results name (a new
    campaign's id)."""
    updated = dict(context)
    if plan.candidate is not None:
        updated.update({v.type: v for v in plan.candidate.values.values() if v.type in ID_TYPES})
        updated.update({"segment_name": plan.candidate.values[s.name]
                        for s in plan.candidate.intent.slots
                        if s.type == "segment_name" and s.name in plan.candidate.values})
    for response in turn.responses:
        for kind in sorted(ID_TYPES):
            value = response.get(kind)
            if isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and value > 0 and float(value).is_integer():
                updated[kind] = number_value(kind, int(value))
    return updated


_lock = threading.Lock()
_planners: dict[tuple[Any, ...], OfflinePlanner] = {}


def get_planner(available_tools: set[str]) -> OfflinePlanner:
    """The planner for the current settings, warehouse tables and tools (built once)."""
    settings = get_settings()
    catalog = get_warehouse().catalog()
    key = (str(settings.data_dir), tuple(catalog.table_names()), frozenset(available_tools),
           _index_stamp(settings))
    with _lock:
        if key not in _planners:
            _planners.clear()
            _planners[key] = OfflinePlanner(settings, catalog, frozenset(available_tools))
        return _planners[key]


def _index_stamp(settings: Settings) -> tuple[float, float]:
    """When the value index and the knowledge index's content were last written (not the
    vector store's database, which chromadb touches whenever a process opens it: the
    planner was rebuilt, seconds long, after every first review search or planner build)."""
    paths = [settings.data_dir / "value_index.json", index_stamp_path(settings)]
    return tuple(p.stat().st_mtime if p.exists() else 0.0 for p in paths)  # type: ignore[return-value]


def plan_next_step(contents: list[types.Content], available_tools: set[str]) -> ToolCall | Answer:
    """The next step for the conversation ``contents``."""
    turns = read_turns(contents)
    if not turns:
        return Answer("Ask me a question about Cymbal's customers, products, reviews or orders.")
    try:
        planner = get_planner(available_tools)
    except SqlError as err:
        lang = language_of(turns[-1].text)
        return Answer(str(err) if lang == "en" else f"데이터를 열 수 없습니다: {err}")
    return planner.next_step(turns)
