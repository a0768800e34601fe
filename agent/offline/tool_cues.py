"""Which tools a request's own words point to (``knowledge/offline/tool_cues.yaml``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
import re
from typing import Any

import yaml
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from config.settings import PROJECT_ROOT
from tools.sql.question_words import tokenize
from tools.vocabulary.language import has_hangul

CUES_FILE = PROJECT_ROOT / "knowledge" / "offline" / "tool_cues.yaml"
TYPO_MIN_LENGTH = 6  # words this long match a cue with one slip ("recomend")
TYPO_MIN_RATIO = 88
DRY_RUN = "plan_campaign"  # the one campaign intent a request that holds back may choose
Phrases = list[tuple[str, ...]]


def _phrases(words: dict[str, list[Any]], korean: bool) -> Phrases:
    """Each cue as tokens; a Korean cue also as its plain words, because the analyser may
    split a word differently out of context ("드라이런" alone is 드라이 + 런)."""
    langs = ("en", "ko") if korean else ("en",)  # English text never needs the analyser
    phrases = [tuple(t.form for t in tokenize(str(p))) for lang in langs
               for p in words.get(lang, ())]
    if korean:
        phrases += [tuple(str(p).split()) for p in words.get("ko", ())]
    return phrases


@lru_cache(maxsize=2)
def _raw_cues(path: Path = CUES_FILE) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


# the file's sections of words by language; and of such lists by tool (or by kind of reply):
_LISTS = ("actions", "held_back", "refers_back", "refers_to_customer")
_GROUPS = ("override", "fallback", "requires", "replies")


@lru_cache(maxsize=2)
def _cues(korean: bool, path: Path = CUES_FILE) -> dict[str, Any]:
    raw = _raw_cues(path)
    states = [str(w) for lang in ("en", "ko") for w in raw["states"].get(lang, ())]
    return {"states": re.compile("|".join(
                (re.escape(w) if has_hangul(w) else rf"\b{re.escape(w)}\b")
                for w in sorted(states, key=len, reverse=True)), re.I),
            **{kind: _phrases(raw[kind], korean) for kind in _LISTS},
            **{kind: {name: _phrases(words, korean) for name, words in raw[kind].items()}
               for kind in _GROUPS}}


def cue_words(path: Path = CUES_FILE) -> frozenset[str]:
    """Every cue word and phrase as written, in both languages (for the speller)."""
    raw = _raw_cues(path)
    by_language = [raw["states"], *(raw[kind] for kind in _LISTS)] + \
        [words for kind in _GROUPS for words in raw[kind].values()]
    return frozenset(str(w) for words in by_language for ws in words.values() for w in ws)


def cued_tools(text: str, kind: str) -> set[str]:
    """The tools whose ``kind`` cues (override or fallback) the text contains as whole words
    (Korean after morphological analysis); none when it also asks for an action on
    campaigns: those requests are left to the intents, which never guess an action."""
    forms = [t.form for t in tokenize(text)]
    cues = _cues(has_hangul(text))
    if _contains(forms, cues["actions"]):
        return set()
    return {tool for tool, phrases in cues[kind].items() if _contains(forms, phrases)}


def says_to(text: str, intent_id: str) -> bool:
    """Whether the request asks for what the intent does, when it acts (drafts, creates,
    approves, sends…): its own words must say so, a likeness to a stored request is not
    enough."""
    cues = _cues(has_hangul(text))
    phrases = cues["requires"].get(intent_id)
    if phrases is None:
        return True
    asked = [t.form for t in tokenize(cues["states"].sub(" ", text))]  # "승인된 메일",
    # "approved emails": a status
    if intent_id != DRY_RUN and _contains(asked, cues["held_back"]):
        return False  # "… don't create it yet": only the dry run
    return _contains(asked, phrases)


def acts(intent_id: str) -> bool:
    """Whether the intent acts (drafts, creates, approves, sends…) rather than answers."""
    return intent_id in _cues(False)["requires"]


def refers_to_customer(text: str) -> bool:
    """Whether the request points at one customer the conversation is about ("draft her a
    win-back email", "이 고객한테 메일 써줘")."""
    return _contains([t.form for t in tokenize(text)],
                     _cues(has_hangul(text))["refers_to_customer"])


def refers_back(text: str) -> bool:
    """Whether the request points at the segment the conversation is about ("this
    segment", "이 세그먼트한테", "those people")."""
    return bool(pointing_back(text))


def pointing_back(text: str) -> list[tuple[int, int]]:
    """Where the request's words point at the segment the conversation is about: what
    they say is that segment, not a value of their own ("these guys" is not men)."""
    tokens = tokenize(text)
    forms = [t.form for t in tokens]
    found = sorted((tokens[i].start, tokens[i + n - 1].end)
                   for phrase in _cues(has_hangul(text))["refers_back"] for n in [len(phrase)]
                   if n for i in range(len(forms) - n + 1)
                   if all(_same(f, c) for f, c in zip(forms[i:i + n], phrase, strict=True)))
    spans: list[tuple[int, int]] = []
    for start, end in found:  # "이 세그먼트" and "세그먼트" inside it: one span
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def says_yes(text: str) -> bool:
    """Whether the message is a plain yes ("ok, go ahead", "네 진행해 주세요") and not a no
    or a "yes, but …"."""
    forms = [t.form for t in tokenize(text)]
    replies = _cues(has_hangul(text))["replies"]
    return _contains(forms, replies["agree"]) and not _contains(forms, replies["refuse"])


def _contains(forms: list[str], phrases: Phrases) -> bool:
    return any(n and any(all(_same(f, c) for f, c in zip(forms[i:i + n], phrase, strict=True))
                         for i in range(len(forms) - n + 1))
               for phrase in phrases for n in [len(phrase)])


def _same(form: str, cue: str) -> bool:
    """The cue, or the cue with one slip: not another form of the word ("recommended")."""
    return form == cue or (len(cue) >= TYPO_MIN_LENGTH and cue.isascii()
                           and abs(len(form) - len(cue)) <= 1
                           and (fuzz.ratio(form, cue) >= TYPO_MIN_RATIO
                                or OSA.distance(form, cue) == 1))  # "reviwes": two swapped
