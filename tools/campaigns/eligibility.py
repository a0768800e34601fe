"""Who may receive a marketing email: the one contact policy, applied at drafting and again
at sending (and before a hand-off export).

A customer is excluded, with a typed reason the campaign's history records, when they are
(in this order of precedence):

- ``suppressed``: on the suppression list (unsubscribed, bounced, complained), by customer id
  or by address;
- ``no_consent``: ``consent_required`` is on, the customers table has a ``marketing_consent``
  column and it is not TRUE for them (Korean commercial email needs prior opt-in). Without
  that column consent cannot be checked, and the result says so;
- ``invalid_address``: no usable email address;
- ``frequency_cap``: already sent (or handed off) ``campaign_frequency_cap`` marketing emails
  in the last ``campaign_frequency_days`` days, across every campaign in the app database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from config.settings import Settings
from tools.campaigns.store import CampaignStore
from tools.warehouse.reads import chunks, rows, sql_ints, table_columns

REASONS = ("suppressed", "no_consent", "invalid_address", "frequency_cap")
CONSENT_COLUMN = "marketing_consent"
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True)
class Exclusion:
    """A customer the policy rules out, and why (one of ``REASONS``)."""

    customer_id: int
    reason: str


@dataclass
class Eligibility:
    """The policy's verdict on a list of customers."""

    eligible: list[int]
    exclusions: list[Exclusion] = field(default_factory=list)
    consent_checked: bool = True
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Exclusions by reason, in the order of ``REASONS``."""
        found = Counter(e.reason for e in self.exclusions)
        return {reason: found[reason] for reason in REASONS if found[reason]}

    def describe(self) -> str:
        """"40 excluded (25 no_consent, 15 suppressed)", or "none excluded"."""
        counts = self.counts()
        if not counts:
            return "none excluded"
        return f"{len(self.exclusions)} excluded (" + ", ".join(
            f"{n} {reason}" for reason, n in counts.items()) + ")"


def valid_address(address: str | None) -> bool:
    text = (address or "").strip()
    return len(text) <= 254 and bool(_ADDRESS.match(text))


def check_eligibility(customer_ids: list[int], store: CampaignStore, settings: Settings,
                      addresses: dict[int, str] | None = None) -> Eligibility:
    """Apply the contact policy to ``customer_ids`` (order kept). ``addresses``: the
    addresses an email would actually go to (stored drafts), checked beside the warehouse's.
    Customers missing from the warehouse are left to the drafting and re-checks, which
    report them."""
    ids = [int(i) for i in customer_ids]
    columns = table_columns("customers") or {}
    consent_checked = settings.consent_required and CONSENT_COLUMN in columns
    records: dict[int, dict[str, object]] = {}
    for part in chunks(ids):
        consent = f", {CONSENT_COLUMN}" if consent_checked else ""
        for row in rows(f"SELECT customer_id, email{consent} FROM cymbal.customers "
                        f"WHERE customer_id IN ({sql_ints(part)})"):
            records[int(row["customer_id"])] = row
    to_check = {i: [str(records[i]["email"] or "")] if i in records else [] for i in ids}
    for customer_id, address in (addresses or {}).items():
        to_check.setdefault(int(customer_id), []).append(address)
    listed = store.suppressed([str(i) for i in ids] + sorted(
        {a.strip().lower() for found in to_check.values() for a in found if a}))
    since = (dt.datetime.now(dt.timezone.utc)
             - dt.timedelta(days=settings.campaign_frequency_days)).isoformat(timespec="seconds")
    delivered = store.delivered_since(ids, since)

    def reason(customer_id: int) -> str | None:
        found = to_check.get(customer_id, [])
        if str(customer_id) in listed or any(a.strip().lower() in listed for a in found):
            return "suppressed"
        record = records.get(customer_id)
        if record is None:
            return None
        if consent_checked and record.get(CONSENT_COLUMN) is not True:
            return "no_consent"
        if not all(valid_address(a) for a in found):
            return "invalid_address"
        if delivered.get(customer_id, 0) >= settings.campaign_frequency_cap:
            return "frequency_cap"
        return None

    result = Eligibility(eligible=[], consent_checked=consent_checked)
    for customer_id in ids:
        why = reason(customer_id)
        if why is None:
            result.eligible.append(customer_id)
        else:
            result.exclusions.append(Exclusion(customer_id, why))
    if settings.consent_required and not consent_checked:
        result.notes.append("The customers table has no marketing_consent column, so "
                            "marketing consent could not be checked; make sure every "
                            "customer opted in before sending.")
    elif not settings.consent_required:
        result.notes.append("Marketing consent is not checked (CYMBAL_CONSENT_REQUIRED is "
                            "off).")
    return result
