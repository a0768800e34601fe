"""Names of persona segments and RFM clusters, and reading the names people type.

Persona segments are ``{Younger_Adult|Older_Adult}_{GENDER}_{LOYAL|NON_LOYAL}`` (age under 40
is Younger_Adult), as in the lab. People write them many ways — "young loyal women",
"젊은 여성 로열 고객", "younger_adult female loyal" — so a request is read part by part with the
word lists in ``knowledge/personas/segment_terms.yaml``; cluster names ("lapsed big spenders",
"이탈한 큰손 고객") are matched by spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from config.settings import PROJECT_ROOT
from tools.vocabulary.cities import city_spellings
from tools.vocabulary.language import has_hangul

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
AGE_GROUPS = ("Younger_Adult", "Older_Adult")
GENDERS = ("FEMALE", "MALE", "OTHER")
LOYALTY = ("LOYAL", "NON_LOYAL")
YOUNGER_BELOW = 40
SEGMENTS: tuple[str, ...] = tuple(f"{a}_{g}_{loyal}"
                                  for a, g, loyal in product(AGE_GROUPS, GENDERS, LOYALTY))


def persona_segment(age: int | None, gender: str | None, loyal: bool | None) -> str | None:
    """The lab's segment name for one customer, or None when a part is unknown."""
    if age is None or gender is None or loyal is None or not str(gender).strip():
        return None
    group = "Younger_Adult" if int(age) < YOUNGER_BELOW else "Older_Adult"
    return f"{group}_{str(gender).strip().upper()}_{'LOYAL' if loyal else 'NON_LOYAL'}"


def segment_of_parts(age_group: str, gender: str, loyalty: str) -> str:
    """The segment an age group, a gender and a loyalty value name together
    (Younger_Adult, Female, TRUE -> Younger_Adult_FEMALE_LOYAL)."""
    loyal = str(loyalty).strip().upper() in ("TRUE", "LOYAL")
    return f"{age_group}_{str(gender).strip().upper()}_{'LOYAL' if loyal else 'NON_LOYAL'}"


def segment_parts(segment: str) -> dict[str, str]:
    """``{"age_group", "gender", "loyalty_status"}`` of a canonical segment name."""
    for age in AGE_GROUPS:
        if segment.startswith(age + "_"):
            gender, _, loyalty = segment[len(age) + 1:].partition("_")
            return {"age_group": age, "gender": gender, "loyalty_status": loyalty}
    raise ValueError(f"Not a persona segment name: {segment!r}")


@lru_cache(maxsize=1)
def segment_terms() -> dict[str, dict[str, list[str]]]:
    """The word lists per segment part: ``{part: {value: [terms]}}``."""
    path = KNOWLEDGE_DIR / "personas" / "segment_terms.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms = {part: {value: [str(term) for term in words] for value, words in values.items()}
             for part, values in raw.items()}
    return {**terms, "cities": city_spellings()}


@lru_cache(maxsize=1)
def persona_defaults() -> dict[str, dict[str, Any]]:
    """The hand-written persona of every segment: display names and texts in en and ko."""
    path = KNOWLEDGE_DIR / "personas" / "defaults.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = sorted(set(SEGMENTS) - set(data))
    if missing:
        raise ValueError(f"{path} lacks personas for {missing}")
    return data


def display_name(segment: str, language: str = "en") -> str:
    """How the product names a segment to people ("Young loyal women")."""
    names = persona_defaults().get(segment, {}).get("display_name", {})
    return names.get(language) or names.get("en") or segment


def _normalise(text: str) -> str:
    text = text.lower().replace("_", " ")
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s+\-]", " ", text)).strip()


def _find_term(text: str, term: str) -> re.Match[str] | None:
    term = _normalise(term)
    if not term:
        return None
    if has_hangul(term) or not term[0].isalnum():
        return re.search(re.escape(term), text)
    return re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text)


def read_segment_parts(text: str) -> dict[str, str]:
    """The segment parts named in ``text`` (any of age_group, gender, loyalty_status).

    Longer terms are tried first and a matched span is blanked, so "non-loyal" is not read
    as "loyal" and "비회원" not as "회원".
    """
    remaining = f" {_normalise(text)} "
    found: dict[str, str] = {}
    terms = [(len(_normalise(term)), part, value, term)
             for part, values in segment_terms().items() if part != "cities"
             for value, words in values.items() for term in words]
    for _, part, value, term in sorted(terms, key=lambda t: -t[0]):
    
        if part in found:
            continue
        match = _find_term(remaining, term)
        if match:
            found[part] = value
            remaining = remaining[:match.start()] + " " * (match.end() - match.start()) + \
                remaining[match.end():]
    return found


def resolve_city(text: str) -> str | None:
    """The customer city meant by ``text`` ("busan", "부산", "부산광역시"), if any."""
    wanted = _normalise(text)
    if not wanted:
        return None
    for city, korean in segment_terms()["cities"].items():
        if wanted in (_normalise(city), *(_normalise(k) for k in korean)):
            return city
    close = process.extractOne(wanted, [_normalise(c) for c in segment_terms()["cities"]],
                               scorer=fuzz.ratio, score_cutoff=75)
    if close:
        return next(c for c in segment_terms()["cities"] if _normalise(c) == close[0])
    return None


def city_name(city: str, language: str = "en") -> str:
    """A customer city as people read it: "Busan", or "부산" in Korean."""
    korean = segment_terms()["cities"].get(city, [])
    return korean[0] if language == "ko" and korean else city


def matching_segments(parts: dict[str, str]) -> list[str]:
    """Every canonical segment consistent with the given parts, in canonical order."""
    return [s for s in SEGMENTS
            if all(segment_parts(s)[part] == value for part, value in parts.items())]


@dataclass
class NameMatch:
    """What a typed name refers to: one persona segment, one cluster, or nothing."""

    kind: str  # persona | cluster | ambiguous | unknown
    name: str | None = None
    cluster_id: int | None = None
    candidates: list[str] = field(default_factory=list)


def resolve_name(text: str, clusters: dict[int, list[str]] | None = None) -> NameMatch:
    """Read a segment or cluster name written any reasonable way, in English or Korean.

    ``clusters`` maps cluster id to its names (English and Korean). Returns the persona
    segment or cluster meant, ``ambiguous`` with the candidates when a persona name is only
    partly given ("young women"), or ``unknown`` with the closest names.
    """
    clusters = clusters or {}
    raw = (text or "").strip()
    if not raw:
        return NameMatch("unknown", candidates=list(SEGMENTS[:3]))
    upper = raw.upper().replace(" ", "_").replace("-", "_")
    canonical = {segment.upper(): segment for segment in SEGMENTS}
    typo = process.extractOne(upper, list(canonical), scorer=fuzz.ratio, score_cutoff=90)
    if typo:  # the canonical name, or a typo of it ("Younger_Adult_FEMALE_LOYL")
        return NameMatch("persona", canonical[typo[0]])
    wanted = _normalise(raw)
    for cluster_id, names in sorted(clusters.items()):
        if any(wanted == _normalise(n) for n in names):
            return NameMatch("cluster", names[0], cluster_id)
    cluster_number = re.fullmatch(r"(?:rfm )?(?:cluster|클러스터|군집) ?#?(\d+)(?: ?번)?", wanted)
    if cluster_number and int(cluster_number.group(1)) in clusters:
        cluster_id = int(cluster_number.group(1))
        return NameMatch("cluster", clusters[cluster_id][0], cluster_id)

    parts = read_segment_parts(raw)
    if len(parts) == 3:
        return NameMatch("persona", matching_segments(parts)[0])
    cluster_hit = _closest_cluster(wanted, clusters)
    if cluster_hit is not None and (len(parts) < 2 or cluster_hit[1] >= 0.85):
        return NameMatch("cluster", clusters[cluster_hit[0]][0], cluster_hit[0])
    if parts:
        return NameMatch("ambiguous", candidates=matching_segments(parts))
    return NameMatch("unknown", candidates=closest_names(raw, clusters))


def _closest_cluster(wanted: str, clusters: dict[int, list[str]]) -> tuple[int, float] | None:
    best: tuple[int, float] | None = None
    for cluster_id, names in sorted(clusters.items()):
        for name in names:
            ratio = fuzz.ratio(wanted, _normalise(name)) / 100
            if ratio >= 0.75 and (best is None or ratio > best[1]):
                best = (cluster_id, ratio)
    return best


def closest_names(text: str, clusters: dict[int, list[str]] | None = None, n: int = 3) -> list[str]:
    """The segment and cluster names nearest to ``text`` by spelling."""
    wanted = _normalise(text)
    options: dict[str, str] = {}
    for segment in SEGMENTS:
        for label in (segment, display_name(segment, "en"), display_name(segment, "ko")):
            options[_normalise(label)] = segment
    for names in (clusters or {}).values():
        for name in names:
            options[_normalise(name)] = names[0]
    scored = sorted(((fuzz.ratio(wanted, key), value)
                     for key, value in options.items()), key=lambda sv: -sv[0])
    return list(dict.fromkeys(value for _, value in scored))[:n]
