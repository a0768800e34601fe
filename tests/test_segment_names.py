"""Reading persona segment and cluster names as people write them, in English and Korean."""

from __future__ import annotations

import pytest

from tools.vocabulary.segments import (
    SEGMENTS,
    city_name,
    closest_names,
    persona_segment,
    resolve_city,
    resolve_name,
)

CLUSTERS = {1: ["champions", "챔피언 고객"], 3: ["lapsed big spenders", "이탈한 큰손 고객"],
            4: ["loyal regulars", "충성 단골 고객"]}


@pytest.mark.parametrize(("age", "expected"), [
    (18, "Younger_Adult_FEMALE_LOYAL"), (39, "Younger_Adult_FEMALE_LOYAL"),
    (40, "Older_Adult_FEMALE_LOYAL"), (70, "Older_Adult_FEMALE_LOYAL")])
def test_age_under_40_is_younger_adult(age: int, expected: str) -> None:
    assert persona_segment(age, "Female", True) == expected


def test_segment_needs_every_part() -> None:
    assert persona_segment(25, "other", False) == "Younger_Adult_OTHER_NON_LOYAL"
    assert persona_segment(None, "Male", True) is None
    assert persona_segment(30, "", True) is None
    assert persona_segment(30, "Male", None) is None
    assert len(SEGMENTS) == len(set(SEGMENTS)) == 12


@pytest.mark.parametrize(("text", "segment"), [
    ("Younger_Adult_FEMALE_LOYAL", "Younger_Adult_FEMALE_LOYAL"),
    ("younger_adult_female_loyal", "Younger_Adult_FEMALE_LOYAL"),
    ("Younger_Adult_FEMALE_LOYL", "Younger_Adult_FEMALE_LOYAL"),
    ("Older_Adult_MALE_NONLOYAL", "Older_Adult_MALE_NON_LOYAL"),
    ("young loyal women", "Younger_Adult_FEMALE_LOYAL"),
    ("Young women in the loyalty programme", "Younger_Adult_FEMALE_LOYAL"),
    ("젊은 여성 로열 고객", "Younger_Adult_FEMALE_LOYAL"),
    ("older men non-members", "Older_Adult_MALE_NON_LOYAL"),
    ("non-loyal older male customers", "Older_Adult_MALE_NON_LOYAL"),
    ("중장년 남성 비회원", "Older_Adult_MALE_NON_LOYAL"),
    ("40대 이상 여성 충성 고객", "Older_Adult_FEMALE_LOYAL"),
    ("senior women, not loyal", "Older_Adult_FEMALE_NON_LOYAL"),
    ("young non-binary members", "Younger_Adult_OTHER_LOYAL"),
    ("젊은 기타 성별 일반 고객", "Younger_Adult_OTHER_NON_LOYAL"),
])
def test_persona_segment_in_any_spelling(text: str, segment: str) -> None:
    match = resolve_name(text, CLUSTERS)
    assert (match.kind, match.name) == ("persona", segment)


@pytest.mark.parametrize(("text", "cluster_id"), [
    ("lapsed big spenders", 3), ("Lapsed Big Spenders", 3), ("lapsed big spender", 3),
    ("이탈한 큰손 고객", 3), ("champions", 1), ("cluster 4", 4), ("클러스터 3", 3),
    ("loyal regulars", 4), ("loyal regular", 4),
])
def test_cluster_names(text: str, cluster_id: int) -> None:
    match = resolve_name(text, CLUSTERS)
    assert (match.kind, match.cluster_id) == ("cluster", cluster_id)


def test_partial_persona_name_is_ambiguous_with_candidates() -> None:
    match = resolve_name("young women", CLUSTERS)
    assert match.kind == "ambiguous"
    assert match.candidates == ["Younger_Adult_FEMALE_LOYAL", "Younger_Adult_FEMALE_NON_LOYAL"]
    assert resolve_name("남성", CLUSTERS).candidates == [s for s in SEGMENTS if "_MALE_" in s]


def test_unknown_name_suggests_closest() -> None:
    match = resolve_name("lapsd spendrs", CLUSTERS)
    assert match.kind in ("cluster", "unknown")
    unknown = resolve_name("qwerty", CLUSTERS)
    assert unknown.kind == "unknown" and len(unknown.candidates) == 3
    assert closest_names("Younger_Adult_FEMALE_LOYL", CLUSTERS)[0] == "Younger_Adult_FEMALE_LOYAL"


def test_cities_in_english_and_korean() -> None:
    assert resolve_city("부산") == "Busan"
    assert resolve_city("부산광역시") == "Busan"
    assert resolve_city("busan") == "Busan"
    assert resolve_city("Seoull") == "Seoul"
    assert resolve_city("Tokyo") is None
    assert city_name("Busan", "ko") == "부산" and city_name("Busan", "en") == "Busan"
