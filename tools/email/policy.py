"""The offer policy: which incentives an email may carry, checked in code on every draft.

An offer is chosen by code (from the marketer's request, or from the customer's complaint
when no request was made), never taken from review text or from a model's output. A request
beyond the policy is refused with what is allowed, not silently lowered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import yaml
from pydantic import BaseModel

from config.settings import PROJECT_ROOT, Settings

OfferType = Literal["percent_off", "fixed_amount_off", "free_shipping", "loyalty_points"]
OFFER_TYPES: tuple[str, ...] = ("percent_off", "fixed_amount_off", "free_shipping",
                                "loyalty_points")
OFFER_RULES = PROJECT_ROOT / "knowledge" / "email" / "offers.yaml"


class PolicyError(ValueError):
    """A requested offer the policy does not allow; the message says what is allowed."""


class Offer(BaseModel):
    """An incentive as the email states it. Only the field of its type is non-zero."""

    type: OfferType
    percent: int = 0
    amount_won: int = 0
    points: int = 0
    code: str = ""
    valid_until: str = ""  # ISO date

    def value_label(self) -> str:
        """A short language-neutral label, e.g. ``15%``, ``₩10,000``, ``3,000 pts``."""
        if self.type == "percent_off":
            return f"{self.percent}%"
        if self.type == "fixed_amount_off":
            return f"₩{self.amount_won:,}"
        if self.type == "loyalty_points":
            return f"{self.points:,} pts"
        return "free shipping"


@dataclass(frozen=True)
class OfferPolicy:
    allowed: tuple[str, ...]
    max_percent: int
    max_fixed_won: int
    max_points: int
    default_percent: int
    default_fixed_won: int
    default_points: int
    valid_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> OfferPolicy:
        return cls(allowed=tuple(settings.email_allowed_offer_types),
                   max_percent=settings.email_max_discount_percent,
                   max_fixed_won=settings.email_max_fixed_discount_won,
                   max_points=settings.email_max_loyalty_points,
                   default_percent=settings.email_default_discount_percent,
                   default_fixed_won=settings.email_default_fixed_discount_won,
                   default_points=settings.email_default_loyalty_points,
                   valid_days=settings.email_offer_valid_days)

    def describe(self) -> str:
        """The policy in one sentence, for error messages and the model's prompt."""
        parts = []
        if "percent_off" in self.allowed:
            parts.append(f"percent_off up to {self.max_percent}%")
        if "fixed_amount_off" in self.allowed:
            parts.append(f"fixed_amount_off up to ₩{self.max_fixed_won:,}")
        if "free_shipping" in self.allowed:
            parts.append("free_shipping")
        if "loyalty_points" in self.allowed:
            parts.append(f"loyalty_points up to {self.max_points:,}")
        return "Allowed offers: " + ", ".join(parts) + "."


def check_offer(offer: Offer, policy: OfferPolicy) -> list[str]:
    """What is wrong with ``offer`` under ``policy`` (empty when it is within policy)."""
    problems = []
    if offer.type not in policy.allowed:
        problems.append(f"offer type {offer.type} is not allowed ({policy.describe()})")
    if offer.type == "percent_off" and not 0 < offer.percent <= policy.max_percent:
        problems.append(f"{offer.percent}% off exceeds the maximum of {policy.max_percent}%")
    if offer.type == "fixed_amount_off" and not 0 < offer.amount_won <= policy.max_fixed_won:
        problems.append(f"₩{offer.amount_won:,} off exceeds the maximum of "
                        f"₩{policy.max_fixed_won:,}")
    if offer.type == "loyalty_points" and not 0 < offer.points <= policy.max_points:
        problems.append(f"{offer.points:,} points exceed the maximum of {policy.max_points:,}")
    stray = {"percent": offer.percent, "amount_won": offer.amount_won, "points": offer.points}
    own = {"percent_off": "percent", "fixed_amount_off": "amount_won",
           "loyalty_points": "points"}.get(offer.type)
    if any(value for name, value in stray.items() if name != own):
        problems.append("the offer carries a value that does not belong to its type")
    if not offer.code or not offer.valid_until:
        problems.append("the offer has no code or no expiry date")
    return problems


@lru_cache(maxsize=1)
def _preferences() -> dict[str, list[str]]:
    raw = yaml.safe_load(OFFER_RULES.read_text(encoding="utf-8"))
    return {str(k): list(v) for k, v in raw["preferred_offers"].items()}


def choose_offer(policy: OfferPolicy, customer_id: int, issue_category: str | None, *,
                 offer_type: str | None = None, percent: int | None = None,
                 amount_won: int | None = None, points: int | None = None,
                 key: str = "single", today: dt.date | None = None) -> Offer:
    """The offer for one email: the requested one if within policy, else the first allowed
    preference for the complaint's category. Raises ``PolicyError`` for a request the policy
    forbids."""
    today = today or dt.date.today()
    if offer_type:
        if offer_type not in OFFER_TYPES:
            raise PolicyError(f"Unknown offer type {offer_type!r}; use one of "
                              f"{', '.join(OFFER_TYPES)}.")
        if offer_type not in policy.allowed:
            raise PolicyError(f"The offer policy does not allow {offer_type}. "
                              f"{policy.describe()}")
        chosen = offer_type
    else:
        wanted = _preferences().get(issue_category or "none", _preferences()["none"])
        chosen = next((t for t in wanted + list(OFFER_TYPES) if t in policy.allowed
                       and _has_room(t, policy)), policy.allowed[0])
    offer = Offer(type=chosen, valid_until=(today + dt.timedelta(days=policy.valid_days))
                  .isoformat())  # type: ignore[arg-type]
    if chosen == "percent_off":
        offer.percent = int(percent) if percent else min(policy.default_percent,
                                                          policy.max_percent)
    elif chosen == "fixed_amount_off":
        offer.amount_won = int(amount_won) if amount_won else min(policy.default_fixed_won,
                                                                  policy.max_fixed_won)
    elif chosen == "loyalty_points":
        offer.points = int(points) if points else min(policy.default_points, policy.max_points)
    offer.code = promo_code(offer, customer_id, key)
    problems = [p for p in check_offer(offer, policy) if "no code" not in p]
    if problems:
        raise PolicyError(f"That offer is outside the policy: {'; '.join(problems)}. "
                          f"{policy.describe()}")
    return offer


def _has_room(offer_type: str, policy: OfferPolicy) -> bool:
    return {"percent_off": policy.max_percent, "fixed_amount_off": policy.max_fixed_won,
            "loyalty_points": policy.max_points}.get(offer_type, 1) > 0


def promo_code(offer: Offer, customer_id: int, key: str) -> str:
    """A single-use code that names the offer, unique per customer and campaign."""
    prefix = {"percent_off": f"THANKS{offer.percent}",
              "fixed_amount_off": f"SAVE{offer.amount_won // 1000}K",
              "free_shipping": "SHIPFREE", "loyalty_points": f"BONUS{offer.points}"}[offer.type]
    digest = hashlib.sha256(f"{customer_id}:{key}:{offer.type}:{offer.value_label()}"
                            .encode()).hexdigest()[:6].upper()
    return f"{prefix}-{digest}"
