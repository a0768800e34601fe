"""Offline keywords of a review: the product aspects it talks about, then its key phrases.

Aspects come from ``knowledge/reviews/search_terms.yaml`` (English or Korean words, named in
English: "배송" -> "delivery"). Key phrases are found the RAKE way: runs of content words
between stop words, scored by how connected their words are, at most three words long.
Names (two or more capitalised words in a row, such as a product title) are left out: the
review's product is known anyway, and its name would crowd out what the customer says.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache

from tools.reviews.phrases import PhraseMatcher, Tokens
from tools.vocabulary.reviews import search_terms

MAX_KEYWORDS = 6
MAX_ASPECTS = 3
MAX_PHRASE_WORDS = 3
_STOP = frozenset("""
a about above after again against all almost also although always am an and any are aren't
around as at away back be because been before being below between both but by can can't
cannot come comes could couldn't did didn't do does doesn't doing don't down during each
either else even ever every few for from further get gets getting got gotten had hadn't has
hasn't have haven't having he he's her here hers herself him himself his how however i i'd
i'll i'm i've if in into is isn't it it's its itself just least less let's like lot lots made
make makes many may maybe me might mine more most much must my myself near need needs never
no nor not now of off often ok okay on once one ones only onto or other others our ours
ourselves out over own per perhaps pretty put quite rather really said same say says see
seem seems she she's should shouldn't since so some something still such than that that's
the their theirs them themselves then there there's these they they'd they're they've thing
things this those though through thus to too took under until up upon us use used using very
was wasn't way we we'd we're we've well went were weren't what what's when where which while
who who's whom whose why will with within without won't would wouldn't yet you you'd you'll
you're you've your yours yourself yourselves bought buy ordered order ordering got getting
arrived came day days week weeks month months time times year years now today yesterday
definitely honestly literally actually basically totally absolutely super already again
first second third two three four five six ten maybe anyway overall item product thanks
nothing anything everything someone anyone everyone something
""".split())
_WORD = re.compile(r"^[a-z][a-z'\-]*$")
_RAW_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['\-][A-Za-z0-9]+)*|[^\sA-Za-z0-9]")


@lru_cache(maxsize=1)
def _aspects() -> PhraseMatcher[str]:
    return PhraseMatcher((term, aspect) for aspect, terms in search_terms()["aspects"].items()
                         for term in terms)


def aspects(text: str) -> list[str]:
    """The aspects ``text`` mentions, in order of first mention."""
    found = _aspects().find(Tokens.of(text))
    return list(dict.fromkeys(match.value for match in found))


def _content_words(text: str) -> list[str]:
    """Lower-case words of ``text`` with names and stop words replaced by a break (".")."""
    raw = _RAW_TOKEN.findall(text.replace("\u2019", "'"))
    capital = [w[:1].isupper() for w in raw]
    words = []
    for index, word in enumerate(raw):
        in_name = capital[index] and (
            (index > 0 and capital[index - 1]) or (index + 1 < len(raw) and capital[index + 1]))
        lowered = word.lower()
        keep = not in_name and _WORD.match(lowered) and lowered not in _STOP and len(lowered) > 2
        words.append(lowered if keep else ".")
    return words


def key_phrases(text: str) -> list[str]:
    """RAKE key phrases of ``text``, best first."""
    phrases: list[tuple[str, ...]] = []
    current: list[str] = []
    for word in [*_content_words(text), "."]:
        if word != ".":
            current.append(word)
            continue
        if current:
            for start in range(0, len(current), MAX_PHRASE_WORDS):
                phrases.append(tuple(current[start:start + MAX_PHRASE_WORDS]))
        current = []
    frequency: Counter[str] = Counter()
    degree: dict[str, int] = defaultdict(int)
    for phrase in phrases:
        for word in phrase:
            frequency[word] += 1
            degree[word] += len(phrase)
    scored = {" ".join(p): sum(degree[w] / frequency[w] for w in p) for p in phrases}
    return sorted(scored, key=lambda p: -scored[p])


def extract_keywords(text: str, limit: int = MAX_KEYWORDS) -> list[str]:
    """Up to ``limit`` keywords: aspects first, then key phrases that add something new."""
    chosen = aspects(text)[:MAX_ASPECTS]
    covered = {t.lower() for aspect in chosen for t in search_terms()["aspects"][aspect]}
    for phrase in key_phrases(text):
        if len(chosen) >= limit:
            break
        if phrase not in chosen and phrase not in covered and not any(
                phrase in kept.split() for kept in chosen):
            chosen.append(phrase)
    return chosen[:limit]
