"""Written personas of the 12 persona segments (the lab's customer_persona_definitions).

With a Gemini model configured, each segment's persona is generated in English and Korean
from the segment's own facts (size, sentiment mix, top products and cities) as structured
JSON; otherwise, and for any segment where Gemini fails, the hand-written defaults in
``knowledge/personas/defaults.yaml`` are used. ``source`` in the table says which.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from pydantic import BaseModel, Field

from config.genai import ModelError, agenerate_json, genai_client
from config.prompts import load_prompt
from config.settings import Settings
from tools.vocabulary.segments import SEGMENTS, display_name, persona_defaults

LANGUAGES = {"en": "English", "ko": "Korean (한국어)"}
FIELDS = ("persona_description", "summary", "motivations", "needs", "marketing_pitch")


class PersonaText(BaseModel):
    """The persona JSON the lab asked Gemini for."""

    persona_description: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    motivations: str = Field(min_length=1)
    needs: str = Field(min_length=1)
    marketing_pitch: str = Field(min_length=1)


@dataclass
class PersonaBuild:
    """The customer_persona_definitions rows and what happened on the way."""

    frame: pd.DataFrame
    generated: int = 0
    notes: list[str] = field(default_factory=list)


def uses_gemini(settings: Settings) -> bool:
    """Whether personas are generated: Gemini credentials, and not forced offline."""
    if settings.persona_source == "defaults":
        return False
    if settings.persona_source == "gemini":
        return True
    return settings.has_gemini_credentials and settings.model != "offline"


def segment_facts(row: pd.Series | None) -> str:
    """The persona_segments row of a segment as short lines for the prompt."""
    if row is None or not int(row.get("customers") or 0):
        return "- No customers of this segment are in the data yet."
    lines = [f"- {int(row['customers']):,} customers ({row['share_of_customers']:.0%} of all)."]
    if int(row.get("reviews") or 0):
        lines.append(f"- Review sentiment: {row['positive_share']:.0%} positive, "
                     f"{row['neutral_share']:.0%} neutral, {row['negative_share']:.0%} negative; "
                     f"average rating {row['avg_rating']:.1f} of 5.")
    if isinstance(row.get("top_issue"), str) and row["top_issue"]:
        lines.append(f"- Most common complaint category: {row['top_issue']}.")
    if int(row.get("orders") or 0):
        lines.append(f"- {int(row['orders']):,} orders, average order value "
                     f"{row['avg_order_value']:,.0f} won.")
    if row.get("top_products"):
        lines.append(f"- Most purchased products: {row['top_products']}.")
    if row.get("top_cities"):
        lines.append(f"- Cities with most of these customers: {row['top_cities']}.")
    return "\n".join(lines)


def default_rows() -> list[dict[str, str]]:
    """The hand-written personas, one row per segment and language."""
    defaults = persona_defaults()
    return [{"persona_age_group_profile": segment, **{f: defaults[segment][lang][f]
                                                      for f in FIELDS},
             "language": lang, "source": "default"}
            for segment in SEGMENTS for lang in LANGUAGES]


def _as_table(rows: list[dict[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows).rename(columns={"persona_description":
                                               "persona_segment_description"})
    return frame.sort_values(["persona_age_group_profile", "language"]).reset_index(drop=True)


async def _generate(settings: Settings, segments: pd.DataFrame,
                    progress: Callable[[int, int], None]) -> tuple[dict, list[str]]:
    """Gemini personas keyed by (segment, language); failures are noted, not raised."""
    client = genai_client(settings)
    gate = asyncio.Semaphore(settings.model_concurrency)
    rows = segments.set_index("persona_age_group_profile") if len(segments) else None
    jobs = [(segment, lang) for segment in SEGMENTS for lang in LANGUAGES]
    results: dict[tuple[str, str], PersonaText] = {}
    notes: list[str] = []
    done = 0

    async def one(segment: str, lang: str) -> None:
        nonlocal done
        row = rows.loc[segment] if rows is not None and segment in rows.index else None
        prompt = load_prompt("persona", segment=segment,
                             display_name=display_name(segment, "en"),
                             facts=segment_facts(row), language=LANGUAGES[lang])
        async with gate:
            try:
                results[(segment, lang)] = await agenerate_json(
                    prompt, PersonaText, settings=settings, client=client)
            except ModelError as err:
                notes.append(f"{segment} ({lang}): {err.code} — {err}")
        done += 1
        progress(done, len(jobs))

    await asyncio.gather(*(one(segment, lang) for segment, lang in jobs))
    return results, notes


def build_personas(settings: Settings, segments: pd.DataFrame,
                   progress: Callable[[int, int], None] | None = None) -> PersonaBuild:
    """customer_persona_definitions: Gemini where configured and working, else defaults.

    ``segments`` is the persona_segments frame (the facts each prompt is grounded in).
    """
    report = progress or (lambda done, total: None)
    rows = default_rows()
    if not uses_gemini(settings):
        report(len(rows), len(rows))
        return PersonaBuild(_as_table(rows))
    try:
        generated, notes = asyncio.run(_generate(settings, segments, report))
    except ModelError as err:
        return PersonaBuild(_as_table(rows), notes=[
            f"Gemini unavailable ({err.code}): using the hand-written personas. {err}"])
    for row in rows:
        text = generated.get((row["persona_age_group_profile"], row["language"]))
        if text is not None:
            row.update(text.model_dump(), source="gemini")
    if notes:
        notes = [f"Gemini failed for {len(notes)} of {len(rows)} personas; "
                 "hand-written defaults used for those.", *notes[:5]]
    return PersonaBuild(_as_table(rows), generated=len(generated), notes=notes)
