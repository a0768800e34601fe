"""The offline email writer: CRM copy from ``knowledge/email/copy.yaml``, chosen per customer.

Variants are picked by hashing the customer, the campaign and the block, so the same inputs
always give the same email and a campaign reads varied. The copy never quotes review text:
it names the complaint's category and the reviewed product from the catalog.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from config.settings import PROJECT_ROOT, Settings
from tools.email.context import CustomerContext
from tools.email.policy import Offer

COPY_FILE = PROJECT_ROOT / "knowledge" / "email" / "copy.yaml"
LANGUAGES = ("en", "ko")
TONES = ("warm", "friendly", "formal", "concise")
ISSUE_CATEGORIES = ("품질불량", "배송문제", "기대미충족", "단순변심", "결제문제", "응대문제", "기타")
_TONE_FALLBACK = {"friendly": "warm", "concise": "formal"}
_FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass
class EmailCopy:
    """The words of one email, before layout. Products, prices, links, the offer's terms,
    the signature and the footer are added by the renderer from data, never from here."""

    subject: str
    preheader: str
    greeting: str
    paragraphs: list[str]
    picks_intro: str
    product_notes: dict[int, str]
    offer_line: str
    closing: str
    signoff: str
    writer: str = "template"
    variant: str = ""
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=len(LANGUAGES))
def copy_book(language: str) -> dict[str, Any]:
    """The copy of one language (``en`` or ``ko``)."""
    return yaml.safe_load(COPY_FILE.read_text(encoding="utf-8"))[language]


def brand(settings: Settings, language: str) -> str:
    return settings.brand_name_ko if language == "ko" and settings.brand_name_ko \
        else settings.brand_name


def issue_key(context: CustomerContext) -> str:
    """Which acknowledgement block fits: an issue category, ``neutral`` or ``none``."""
    review = context.review
    if review is None:
        return "none"
    if review.issue_category in ISSUE_CATEGORIES:
        return review.issue_category
    return "neutral" if review.sentiment == "neutral" else "기타"


def product_phrase(context: CustomerContext, language: str) -> str:
    """The reviewed product as the copy refers to it ("your Google Tote" / a generic phrase)."""
    book = copy_book(language)
    title = context.review.product_title if context.review else None
    return book["product_possessive"].format(title=title) if title else book["unknown_product"]


def format_price(price_won: int, language: str) -> str:
    return copy_book(language)["price_format"].format(price=f"{price_won:,}")


def format_date(iso_date: str, language: str) -> str:
    return dt.date.fromisoformat(iso_date).strftime(copy_book(language)["valid_until_format"])


def offer_texts(offer: Offer, language: str, tone: str = "warm") -> tuple[str, str, str]:
    """The offer as a sentence, a headline and its terms (code and expiry), from data."""
    book = copy_book(language)
    sentences = book["offer"]
    if set(sentences) <= set(TONES):
        sentences = sentences.get(tone) or sentences[_TONE_FALLBACK.get(tone, "warm")]
    values = {"percent": offer.percent, "amount": f"{offer.amount_won:,}",
              "points": f"{offer.points:,}", "code": offer.code,
              "valid_until": format_date(offer.valid_until, language)}
    return (sentences[offer.type].format(**values),
            book["offer_headline"][offer.type].format(**values),
            book["offer_terms"].format(**values))


def pick(options: list[str], *key: object) -> tuple[int, str]:
    """One of ``options`` chosen by a stable hash of ``key``."""
    digest = hashlib.sha256("|".join(map(str, key)).encode("utf-8")).digest()
    index = int.from_bytes(digest[:4], "big") % len(options)
    return index, options[index]


def _by_tone(block: Any, tone: str) -> Any:
    """A copy block for ``tone``: the block itself when it is not written per tone."""
    if not isinstance(block, dict) or not set(block) <= set(TONES):
        return block
    return block.get(tone) or block[_TONE_FALLBACK.get(tone, "warm")]


def template_copy(context: CustomerContext, offer: Offer, tone: str, language: str,
                  settings: Settings, key: str = "single") -> EmailCopy:
    """Well-written template copy for one customer, tone and language."""
    book = copy_book(language)
    issue = issue_key(context)
    offer_line, offer_headline, _ = offer_texts(offer, language, tone)
    values = {"first_name": context.first_name, "last_name": context.last_name,
              "brand": brand(settings, language), "product": product_phrase(context, language),
              "offer_headline": offer_headline}
    seed = (context.customer_id, key, language, tone)
    subject_group = "none" if issue == "none" else "neutral" if issue == "neutral" else "unhappy"
    s_index, subject = pick(book["subject"][subject_group], *seed, "subject")
    h_index, preheader = pick(book["preheader"], *seed, "preheader")
    a_index, acknowledgement = pick(_by_tone(book["acknowledgement"][issue], tone), *seed, "ack")
    paragraphs = []
    if tone == "concise":
        paragraphs.append(_FIRST_SENTENCE.split(acknowledgement.strip())[0])
        p_index = f_index = -1
    else:
        follow = _by_tone(book["follow_up"].get(issue) or [], tone)
        f_index, follow_up = pick(follow, *seed, "follow") if follow else (-1, "")
        paragraphs.append(f"{acknowledgement} {follow_up}".strip())
        persona_lines = _by_tone(book["persona"][context.loyalty_status][context.age_group],
                                 tone)
        p_index, persona = pick(persona_lines, *seed, "persona")
        paragraphs.append(persona)
    i_index, picks_intro = pick(_by_tone(book["picks_intro"], tone), *seed, "picks")
    notes = {}
    used: dict[str, int] = {}
    for product in context.products:
        category = product.category if product.category in book["category_note"] else "default"
        choices = _by_tone(book["category_note"][category], tone)
        start = pick(choices, *seed, category)[0]
        notes[product.product_id] = choices[(start + used.get(category, 0)) % len(choices)]
        used[category] = used.get(category, 0) + 1
    c_index, closing = pick(book["closing"][tone], *seed, "closing")
    copy = EmailCopy(
        subject=subject, preheader=preheader, greeting=book["greeting"][tone],
        paragraphs=paragraphs, picks_intro=picks_intro, product_notes=notes,
        offer_line=offer_line, closing=closing, signoff=book["signoff"][tone],
        variant=f"{language}/{tone}/{issue}/s{s_index}h{h_index}a{a_index}f{f_index}"
                f"p{p_index}i{i_index}c{c_index}")
    return fill_copy(copy, values)


def fill_copy(copy: EmailCopy, values: dict[str, str]) -> EmailCopy:
    """``copy`` with its ``{placeholders}`` filled; an unknown placeholder stays visible, so
    the validator refuses the draft rather than sending a blank."""
    def fill(text: str) -> str:
        return text.format_map(_Visible(values))

    copy.subject = fill(copy.subject)
    copy.preheader = fill(copy.preheader)
    copy.greeting = fill(copy.greeting)
    copy.paragraphs = [fill(p) for p in copy.paragraphs]
    copy.picks_intro = fill(copy.picks_intro)
    copy.product_notes = {k: fill(v) for k, v in copy.product_notes.items()}
    copy.offer_line = fill(copy.offer_line)
    copy.closing = fill(copy.closing)
    copy.signoff = fill(copy.signoff)
    return copy


class _Visible(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
