"""Checks every draft passes before anyone sees it, whoever wrote it.

A draft is valid only when: the recipient is the customer's own address; its three products
exist, are in stock, and show the catalog's title, price and link; its offer is within the
policy and the prose mentions no other incentive; no placeholder text remains; the HTML is
safe (allowlisted tags and attributes, no scripts, no images or tracking pixels, links only
to the store and the unsubscribe page); it carries the signature and the unsubscribe footer;
and it is written in the requested language.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from config.settings import Settings
from tools.email.context import PRODUCTS_PER_EMAIL, CustomerContext, ProductCatalog
from tools.email.copy import brand, copy_book, format_price
from tools.email.draft import EmailDraft
from tools.email.policy import OfferPolicy, check_offer
from tools.email.render import unsubscribe_url
from tools.vocabulary.language import HANGUL

ALLOWED_TAGS = frozenset("html head meta title body div span p br a table tbody thead tr td th "
                         "strong b em i ul ol li h1 h2 h3 hr".split())
ALLOWED_ATTRS = frozenset("href style lang charset name content role width cellpadding "
                          "cellspacing border align valign bgcolor dir class".split())
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_VALID_ADDRESS = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_URL = re.compile(r"https?://[^\s<>\"')]+", re.IGNORECASE)
_PLACEHOLDERS = [
    re.compile(r"\[[^\]\n]{0,40}(name|이름|성함|insert|placeholder|your|first|last|customer|고객|"
               r"product|상품|link|url|date|날짜|code|코드|company|brand|회사|sender|"
               r"signature|xx)[^\]\n]{0,40}\]", re.IGNORECASE),
    re.compile(r"\{\{?\s*[\w.]+\s*\}?\}"),
    re.compile(r"<\s*(name|first_name|last_name|customer|product)\s*>", re.IGNORECASE),
    re.compile(r"\b(lorem ipsum|todo|tbd|fixme|xxx+)\b", re.IGNORECASE),
    re.compile(r"\$\{?[A-Za-z_]\w*\}?"),
    re.compile(r"%\(?\w*\)?s\b|%s"),
]
_PERCENT = re.compile(r"(\d{1,3})\s*(?:%|퍼센트|percent)", re.IGNORECASE)
_FREE_SHIPPING = re.compile(r"free\s+(?:shipping|delivery)|ships?\s+(?:for\s+)?free|"
                            r"무료\s*배송|배송비\s*무료", re.IGNORECASE)
_AMOUNT_OFF = re.compile(r"₩\s?([\d,]+)\s*off|([\d,]+)\s*원\s*할인", re.IGNORECASE)
_POINTS = re.compile(r"([\d,]+)\s*(?:bonus\s+)?(?:points|pts)\b|포인트\s*([\d,]+)\s*점",
                     re.IGNORECASE)
_UNSAFE_STYLE = re.compile(r"url\s*\(|expression\s*\(|@import|javascript:|behavior\s*:",
                           re.IGNORECASE)


@dataclass(frozen=True)
class Issue:
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


class _HtmlScan(HTMLParser):
    """Tags, attributes, links and visible text of an HTML body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.hrefs: list[str] = []
        self.visible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}> is not allowed in an email")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name not in ALLOWED_ATTRS:
                self.problems.append(f"attribute {name!r} on <{tag}> is not allowed")
            elif name == "style" and _UNSAFE_STYLE.search(value):
                self.problems.append(f"unsafe style on <{tag}>")
            elif name == "href":
                self.hrefs.append(value.strip())
            elif name == "content" and "url=" in value.lower():
                self.problems.append("a meta refresh is not allowed")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.visible.append(data)

    def handle_comment(self, data: str) -> None:
        self.problems.append("HTML comments are not allowed (they can hide content)")


def validate_draft(draft: EmailDraft, context: CustomerContext, catalog: ProductCatalog,
                   policy: OfferPolicy, settings: Settings) -> list[Issue]:
    """Every problem of ``draft`` for ``context``; empty means the draft is valid."""
    issues: list[Issue] = []
    add = lambda code, message: issues.append(Issue(code, message))  # noqa: E731
    scan = _HtmlScan()
    scan.feed(draft.html)
    scan.close()
    for problem in dict.fromkeys(scan.problems):
        add("unsafe_html", problem)
    titles = sorted({p.title for p in draft.products}, key=len, reverse=True)
    visible = " ".join(scan.visible)
    prose = _without(f"{draft.subject}\n{draft.text}\n{visible}", titles)

    if draft.to_email.strip().lower() != context.email.strip().lower() or \
            not _VALID_ADDRESS.match(draft.to_email.strip()):
        add("wrong_recipient", "The recipient is not the customer's own address.")
    _check_products(draft, catalog, add)
    for problem in check_offer(draft.offer, policy):
        add("offer_outside_policy", problem)
    if draft.offer.code and (draft.offer.code not in draft.html or
                             draft.offer.code not in draft.text):
        add("offer_not_shown", "The offer's code is missing from the email.")
    _check_offer_mentions(prose, draft, policy, add)
    for pattern in _PLACEHOLDERS:
        found = pattern.search(prose)
        if found:
            add("placeholder", f"Placeholder text remains: {found.group(0)!r}")
    allowed_addresses = {settings.email_sender_address.lower(), context.email.lower()}
    if settings.email_reply_to:
        allowed_addresses.add(settings.email_reply_to.lower())
    for address in dict.fromkeys(_EMAIL.findall(f"{draft.subject}\n{draft.text}\n{draft.html}")):
        if address.lower() not in allowed_addresses:
            add("foreign_address", "The email mentions an address that is neither the "
                "customer's nor the sender's.")
            break
    _check_links(draft, scan.hrefs, context, settings, add)
    _check_frame(draft, context, settings, prose, add)
    return issues


def _without(text: str, phrases: list[str]) -> str:
    for phrase in phrases:
        text = text.replace(phrase, " ")
    return text


def _check_products(draft: EmailDraft, catalog: ProductCatalog, add: Any) -> None:
    ids = [p.product_id for p in draft.products]
    if len(ids) != PRODUCTS_PER_EMAIL or len(set(ids)) != len(ids):
        add("product_count", f"The email must show {PRODUCTS_PER_EMAIL} different products; "
            f"it shows {len(set(ids))}.")
    for product in draft.products:
        listed = catalog.get(product.product_id)
        if listed is None:
            add("unknown_product", f"Product {product.product_id} is not in the catalog.")
            continue
        if not listed.in_stock:
            add("out_of_stock", f"{listed.title} ({listed.product_id}) is out of stock.")
        if (product.title, product.price_won, product.uri) != \
                (listed.title, listed.price_won, listed.uri):
            add("catalog_mismatch", f"{listed.title} ({listed.product_id}) does not match the "
                "catalog's title, price or link.")
        price = format_price(product.price_won, draft.language)
        if product.uri not in draft.html or product.uri not in draft.text or \
                price not in draft.html or price not in draft.text:
            add("product_not_shown", f"{product.title} is missing its link or price.")


def _check_offer_mentions(prose: str, draft: EmailDraft, policy: OfferPolicy,
                          add: Any) -> None:
    """The prose may only mention the incentive the offer carries."""
    offer = draft.offer
    for match in _PERCENT.finditer(prose):
        value = int(match.group(1))
        if value > policy.max_percent:
            add("offer_outside_policy", f"The text mentions {value}%, above the policy's "
                f"maximum of {policy.max_percent}%.")
        elif offer.type != "percent_off" or value != offer.percent:
            add("offer_mismatch", f"The text mentions {value}%, which is not the offer.")
    if offer.type != "free_shipping" and _FREE_SHIPPING.search(prose):
        add("offer_mismatch", "The text promises free shipping, which is not the offer.")
    for match in _AMOUNT_OFF.finditer(prose):
        value = int((match.group(1) or match.group(2)).replace(",", ""))
        if offer.type != "fixed_amount_off" or value != offer.amount_won:
            add("offer_mismatch", f"The text mentions {value:,} won off, which is not the offer.")
    for match in _POINTS.finditer(prose):
        value = int((match.group(1) or match.group(2)).replace(",", ""))
        if offer.type != "loyalty_points" or value != offer.points:
            add("offer_mismatch", f"The text mentions {value:,} points, which is not the offer.")


def _check_links(draft: EmailDraft, hrefs: list[str], context: CustomerContext,
                 settings: Settings, add: Any) -> None:
    unsubscribe = unsubscribe_url(context.customer_id, settings)
    allowed = {p.uri for p in draft.products} | {settings.store_url, unsubscribe}
    for href in hrefs:
        if href not in allowed or urlsplit(href).scheme != "https":
            add("unknown_link", f"The HTML links to {href[:80]!r}, which is not the store, "
                "a recommended product or the unsubscribe page.")
    for url in _URL.findall(draft.text):
        if url.rstrip(".,") not in allowed:
            add("unknown_link", f"The text links to {url[:80]!r}.")
    if unsubscribe not in hrefs or unsubscribe not in draft.text:
        add("missing_unsubscribe", "The unsubscribe link is missing.")


def _check_frame(draft: EmailDraft, context: CustomerContext, settings: Settings, prose: str,
                 add: Any) -> None:
    signature = copy_book(draft.language)["signature"].format(
        brand=brand(settings, draft.language))
    if signature not in draft.text or signature not in draft.html:
        add("missing_signature", "The brand signature is missing.")
    subject = draft.subject
    if not subject.strip() or len(subject) > 150 or "\n" in subject:
        add("bad_subject", "The subject must be one line of 1–150 characters.")
    if context.first_name and context.first_name not in draft.text:
        add("missing_name", "The email does not address the customer by name.")
    hangul = len(HANGUL.findall(_without(prose, [settings.brand_name_ko])))
    if draft.language == "ko" and hangul < 20:
        add("wrong_language", "The email should be in Korean.")
    if draft.language == "en" and hangul > 10:
        add("wrong_language", "The email should be in English.")
