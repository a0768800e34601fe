"""Laying out an email: HTML and plain text from copy plus data, everything escaped.

Products (title, price, link), the offer's headline and terms, the signature, the sender
line and the unsubscribe footer come from the catalog, the policy and settings; only the
prose comes from the writer. Every value is HTML-escaped on the way into the layout, so no
writer — template or model — can add markup, links or images.
"""

from __future__ import annotations

import hashlib
import html
import string
from dataclasses import dataclass
from functools import lru_cache

from config.settings import PROJECT_ROOT, Settings
from tools.email.context import CustomerContext
from tools.email.copy import EmailCopy, brand, copy_book, format_price, offer_texts
from tools.email.policy import Offer

LAYOUT_DIR = PROJECT_ROOT / "knowledge" / "email"
AD_LABEL_KO = "(광고) "


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    preheader: str
    html: str
    text: str
    unsubscribe_url: str


@lru_cache(maxsize=4)
def _layout(name: str) -> string.Template:
    return string.Template((LAYOUT_DIR / name).read_text(encoding="utf-8"))


def unsubscribe_url(customer_id: int, settings: Settings) -> str:
    """The customer's one-click unsubscribe link (an opaque token, not the id or address)."""
    token = hashlib.sha256(f"unsubscribe:{customer_id}:{settings.brand_name}".encode())
    return f"{settings.email_unsubscribe_url}?u={token.hexdigest()[:20]}"


def subject_line(subject: str, language: str, settings: Settings) -> str:
    """The subject as sent: one line, with the advertising label Korean law asks for."""
    line = " ".join(subject.split())
    if language == "ko" and settings.email_ad_label_ko and not line.startswith("(광고)"):
        line = AD_LABEL_KO + line
    return line


def render_email(copy: EmailCopy, context: CustomerContext, offer: Offer, language: str,
                 settings: Settings) -> RenderedEmail:
    """The email's subject, HTML and plain-text bodies."""
    book = copy_book(language)
    shop = brand(settings, language)
    _, headline, terms = offer_texts(offer, language)
    signature = book["signature"].format(brand=shop)
    footer = book["footer"].format(brand=shop)
    sender_line = f"{shop} · {settings.brand_postal_address} · {settings.email_sender_address}"
    unsubscribe = unsubscribe_url(context.customer_id, settings)
    subject = subject_line(copy.subject, language, settings)
    esc = html.escape
    rows = "".join(_layout("product_row.html").substitute(
        uri=esc(p.uri), title=esc(p.title), price=esc(format_price(p.price_won, language)),
        note=esc(copy.product_notes.get(p.product_id, ""))) for p in context.products)
    body = _layout("layout.html").substitute(
        lang=language, subject=esc(subject), preheader=esc(copy.preheader), brand=esc(shop),
        greeting=esc(copy.greeting),
        paragraphs="\n".join(f'<p style="margin:0 0 16px;">{esc(p)}</p>'
                             for p in copy.paragraphs if p),
        picks_intro=esc(copy.picks_intro), products=rows, offer_line=esc(copy.offer_line),
        offer_headline=esc(headline), offer_terms=esc(terms),
        cta_url=esc(settings.store_url), cta=esc(book["cta"]), closing=esc(copy.closing),
        signoff=esc(copy.signoff), signature=esc(signature), footer=esc(footer),
        sender_line=esc(sender_line), unsubscribe_url=esc(unsubscribe),
        unsubscribe=esc(book["unsubscribe"]))
    lines = [copy.greeting, "", *[p for para in copy.paragraphs if para for p in (para, "")],
             copy.picks_intro, ""]
    for product in context.products:
        lines.append(f"- {product.title} — {format_price(product.price_won, language)}")
        note = copy.product_notes.get(product.product_id)
        if note:
            lines.append(f"  {note}")
        lines.append(f"  {product.uri}")
    lines += ["", copy.offer_line, f"{headline}: {terms}", "",
              f"{book['cta']}: {settings.store_url}", "", copy.closing, "", copy.signoff,
              signature, "", "--", footer, sender_line, f"{book['unsubscribe']}: {unsubscribe}"]
    return RenderedEmail(subject=subject, preheader=copy.preheader, html=body,
                         text="\n".join(lines) + "\n", unsubscribe_url=unsubscribe)
