"""Personas: Gemini JSON through a local stub of the Gemini API, and the offline defaults."""

from __future__ import annotations

import pandas as pd

from config.settings import Settings
from pipeline.segments.personas import build_personas, segment_facts, uses_gemini
from tests.gemini_stub import GeminiStub, Reply, error_reply, json_reply, text_reply
from tools.vocabulary.segments import SEGMENTS

BROKEN = "Older_Adult_MALE_NON_LOYAL"


def _settings(base_url: str, **extra: object) -> Settings:
    return Settings(google_api_key="test-key", gemini_base_url=base_url, model="auto",
                    model_max_retries=0, model_timeout_s=10, **extra)


def _segments() -> pd.DataFrame:
    return pd.DataFrame([{
        "persona_age_group_profile": "Younger_Adult_FEMALE_LOYAL", "customers": 130,
        "share_of_customers": 0.065, "reviews": 55, "positive_share": 0.5,
        "neutral_share": 0.1, "negative_share": 0.4, "avg_rating": 3.3, "top_issue": "품질불량",
        "orders": 547, "avg_order_value": 105514.6, "top_products": "Chrome Dino Beanie Sand",
        "top_cities": "Seoul, Busan, Daegu"}])


def _prompt(body: dict) -> str:
    return "".join(part.get("text", "") for content in body.get("contents", [])
                   for part in content.get("parts", []))


def _reply(body: dict) -> Reply:
    prompt = _prompt(body)
    if BROKEN in prompt:
        return text_reply("Sure! Here is a persona: she likes hats.")  # not JSON: malformed
    segment = next(s for s in SEGMENTS if f'"{s}"' in prompt)
    text = "페르소나" if "Korean" in prompt else "Persona"
    return json_reply({
        "persona_description": f"{text} of {segment}", "summary": f"{text} summary",
        "motivations": "quality", "needs": "fast delivery",
        "marketing_pitch": f"{text} pitch for {segment}"})


def test_gemini_personas_with_a_malformed_reply_falling_back() -> None:
    with GeminiStub(fallback=_reply) as stub:
        settings = _settings(stub.base_url)
        assert uses_gemini(settings)
        result = build_personas(settings, _segments())
    frame = result.frame.set_index(["persona_age_group_profile", "language"])
    assert len(frame) == 24
    good = frame.loc[("Younger_Adult_FEMALE_LOYAL", "ko")]
    assert good["source"] == "gemini"
    assert good["persona_segment_description"] == "페르소나 of Younger_Adult_FEMALE_LOYAL"
    broken = frame.loc[(BROKEN, "en")]
    assert broken["source"] == "default"  # malformed JSON three times: the default is kept
    assert broken["marketing_pitch"].startswith("Exactly what you need")
    assert result.generated == 22
    assert any("malformed" in note for note in result.notes)
    prompts = [_prompt(r["body"]) for r in stub.generate_requests]
    # Prompts are grounded in the segment's data.
    grounded = next(p for p in prompts if '"Younger_Adult_FEMALE_LOYAL"' in p)
    assert "Chrome Dino Beanie Sand" in grounded and "130 customers" in grounded
    assert sum(BROKEN in p for p in prompts) == 6  # 2 languages × 3 attempts


def test_gemini_outage_falls_back_to_defaults() -> None:
    with GeminiStub(fallback=lambda body: error_reply(503, "overloaded")) as stub:
        result = build_personas(_settings(stub.base_url), _segments())
    assert set(result.frame["source"]) == {"default"} and result.generated == 0
    assert result.notes and "server" in " ".join(result.notes)


def test_offline_uses_hand_written_defaults_without_calls() -> None:
    settings = Settings(google_api_key="test-key", model="offline")
    assert not uses_gemini(settings)
    assert not uses_gemini(Settings(google_api_key=None, model="auto", use_vertex=False))
    result = build_personas(settings, _segments())
    assert set(result.frame["source"]) == {"default"} and not result.notes
    assert result.frame["persona_segment_description"].str.len().min() > 20


def test_segment_facts_read_well() -> None:
    facts = segment_facts(_segments().iloc[0])
    assert "130 customers (6% of all)" in facts and "품질불량" in facts
    assert segment_facts(None).startswith("- No customers")
