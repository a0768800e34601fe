"""Slot values a request states in words rather than as data values.

Tool intents take more than the values of the value index (``tools.sql.mentions``): the words a
review search is about, the audience of a campaign in the marketer's own words, a segment
or cluster named any way, the language, tone and offer of an email, export formats and a
send confirmation code. Each is read here from the message itself:

* ``text``: the message without its command words — the intent's own wording (its
  "frame"), stop words, the question's shape (counts, breakdowns, rankings) and the values
  that became filters ("find reviews about late delivery in Busan" -> "late delivery");
* ``question``: the whole message; ``audience``: the whole message without the words of the
  email options (the campaign tools parse audiences themselves, and "free shipping" must
  not read as a delivery complaint);
* ``segment_name``: a persona segment, an RFM cluster, or the persona parts named;
* ``language``, ``tone``, ``offer_type``, ``offer_value``: the email options, with the words
  of ``knowledge/campaigns/chat_terms.yaml`` (``tools.campaigns.workflow.parse_edit``); the language
  defaults to the message's own; ``reply_language`` is read the same way and is also the
  language of the answer ("describe young loyal women in Korean");
* ``export_formats``: csv, eml, jsonl as named; ``confirmation_code``: the digits of a send
  confirmation, only ever from the message being answered; ``campaign_name``: a name in
  quotes after "called", "named", "이름은"; ``campaign_limit``: the most customers a campaign
  is for, read as the campaign tool reads its audience; ``email_status``: the one email
  status to show;
  ``rec_method``: the recommendation method named ("lab rule", "랩 규칙").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agent.offline.lexicon import Word
from tools.campaigns.audience import audience_limit
from tools.campaigns.audience_terms import chat_terms, find_terms
from tools.campaigns.workflow import parse_edit
from tools.sql.mentions import PERSONA_PARTS, Mention
from tools.sql.question_words import without_particles
from tools.sql.slot_values import SlotValue, plain_value
from tools.vocabulary.language import language_of
from tools.vocabulary.segments import segment_of_parts

FREE_TEXT_TYPES = frozenset({"text", "question", "audience"})
OPTION_TYPES = frozenset({"language", "reply_language", "tone", "offer_type", "offer_value"})
WORD_TYPES = FREE_TEXT_TYPES | OPTION_TYPES | {"segment_name", "export_formats",
                                               "confirmation_code", "campaign_name",
                                               "campaign_limit",
                                               "email_status", "rec_method",
                                               "suppression_reason"}
# The concepts (agent.offline.lexicon) whose words an option slot takes from the message.
OPTION_CONCEPTS = frozenset({"c:language", "c:style", "c:offer"})
# Persona parts: their codes (TRUE, Younger_Adult) mean nothing to a tool, their words do.
_PARTICLE_AFTER_LATIN = re.compile(r"([a-z])([\uac00-\ud7a3])")
# A campaign's name in quotes after the word that names it: called "Winter win-back",
# 이름은 "대구 재구매"로.
_NAMED = re.compile(r"(?:called|named|titled|name it|call it|이름은|이름을|이름|제목은|제목을)"
                    r"\s*[\"“'‘「]([^\"”'’」]{1,80})[\"”'’」]", re.I)
_CODE = re.compile(r"(?<![\d.,])(\d{6})(?![\d.,])")
_OFFER_VALUES = ("percent", "amount_won", "points")


def free_text(text: str, words: Iterable[Word]) -> str:
    """The words of ``text`` at the given spans, in order, as one string, each without its
    trailing Korean particles ("배송에" -> "배송", "디자인이" -> "디자인"; kiwipiepy)."""
    return " ".join(without_particles(text[w.start:w.end])
                    for w in sorted(words, key=lambda w: w.start))


def inside(word: Word, mentions: Iterable[Mention]) -> bool:
    """Whether ``word`` overlaps one of ``mentions``."""
    return any(word.start < m.end and m.start < word.end for m in mentions)


def segment_name(mentions: list[Mention]) -> tuple[SlotValue | None, list[Mention]]:
    """A segment or cluster named in ``mentions``, and the mentions it used: a persona
    segment or RFM cluster by name, else the persona parts named ("young women"), in the
    marketer's words (the segment tools read names in any spelling and say when parts fit
    several segments)."""
    named = next((m for m in mentions if m.type in ("segment", "rfm_cluster")), None)
    if named is not None:
        return named.value, [named]
    parts = [m for m in mentions if m.type in PERSONA_PARTS]
    if not parts:
        return None, []
    named_parts = {m.type: m.value.value for m in parts}
    if len(parts) == 3 and set(named_parts) == set(PERSONA_PARTS):  # one segment exactly
        segment = segment_of_parts(named_parts["age_group"], named_parts["gender"],
                                   named_parts["loyalty"])
        return plain_value("segment_name", segment), parts
    words = " ".join(m.text for m in parts)
    return plain_value("segment_name", words), parts


def _spaced(text: str) -> str:
    """``text`` in lower case with Korean particles set apart from English words ("csv로" ->
    "csv 로"), so English terms match as whole words."""
    return " " + _PARTICLE_AFTER_LATIN.sub(r"\1 \2", text.lower()) + " "


def campaign_name(text: str) -> SlotValue | None:
    """The name the message gives a campaign, as typed."""
    match = _NAMED.search(text)
    return plain_value("campaign_name", match.group(1).strip()) if match else None


def campaign_limit(text: str) -> SlotValue | None:
    """The most customers a campaign request asks for, read as the campaign tool reads it."""
    limit = audience_limit(text)
    return plain_value("campaign_limit", str(limit)) if limit else None


def audience_text(text: str) -> str:
    """The message without the words of the email options (tone, language, offer) and
    without the campaign's name."""
    rest = _spaced(_NAMED.sub(" ", text))
    for options in chat_terms()["edits"].values():
        _, rest = find_terms(rest, options)
    for pattern in (r"\d{1,3}\s*(?:%|퍼센트|percent)", r"[\d,]+\s*(?:원|won|points|포인트)"):
        rest = re.sub(pattern, " ", rest, flags=re.I)
    return " ".join(rest.split())


def option_words() -> frozenset[str]:
    """Every word of the email options (tones, languages, offers) and of the recommendation
    methods, as written (for the speller)."""
    terms = chat_terms()
    return frozenset(str(w) for group in (*terms["edits"].values(),
                                          terms["recommendation_methods"])
                     for words in group.values() for w in words)


def draft_options(text: str) -> dict[str, SlotValue]:
    """The email options the message names; the language is the message's own unless it
    names one ("write it in Korean")."""
    changes = parse_edit(text)
    language = str(changes.get("language") or language_of(text))
    options = {"language": plain_value("language", language),
               "reply_language": plain_value("reply_language", language)}
    for kind in ("tone", "offer_type"):
        if changes.get(kind):
            options[kind] = plain_value(kind, str(changes[kind]))
    value = next((changes[k] for k in _OFFER_VALUES if changes.get(k)), None)
    if value:
        options["offer_value"] = plain_value("offer_value", str(int(value)))
    return options


def export_formats(text: str) -> SlotValue | None:
    """The export formats the message names (``chat_terms.yaml``: exports), comma-separated."""
    found, _ = find_terms(_spaced(text), chat_terms()["exports"])
    return plain_value("export_formats", ",".join(found)) if found else None


def email_status(text: str) -> SlotValue | None:
    """The one email status the request asks to see (``chat_terms.yaml``: email_statuses)."""
    found, _ = find_terms(_spaced(text), chat_terms()["email_statuses"])
    return plain_value("email_status", found[0]) if len(found) == 1 else None


def recommendation_method(text: str) -> SlotValue | None:
    """The recommendation method the request names ("lab rule", "랩 규칙"), if one; a method
    it turns down ("not the blended one", "블렌드 말고") is not it."""
    spaced = _spaced(text)
    found, _ = find_terms(_NOT_THIS.sub(" ", spaced), chat_terms()["recommendation_methods"])
    return plain_value("rec_method", found[0]) if len(found) == 1 else None


def suppression_reason(text: str) -> SlotValue | None:
    """Why the customers go on the suppression list, when the request says it (a
    complaint, a bounce, an unsubscribe); several or none leave it to the tool."""
    found, _ = find_terms(_spaced(text), chat_terms()["suppression_reasons"])
    return plain_value("suppression_reason", found[0]) if len(found) == 1 else None


_NOT_THIS = re.compile(r"\bnot\s+(?:the\s+|a\s+)?[\w-]+(?:\s+[\w-]+)?(?:\s+one)?|"
                       r"\b(?:instead of|rather than)\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?|"
                       r"[\w-]+\s*(?:말고|대신|아니라|아니고)", re.I)  # a method turned down


def confirmation_code(text: str) -> SlotValue | None:
    """The six-digit confirmation code typed in ``text``, exactly as typed."""
    match = _CODE.search(text)
    return plain_value("confirmation_code", match.group(1)) if match else None
