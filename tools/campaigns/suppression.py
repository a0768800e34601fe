"""The suppression list: people no campaign may email again (unsubscribed, bounced,
complained), by customer id or by address.

It lives in the app database beside the campaigns, which ``cymbal setup`` never rebuilds,
and nothing here removes an entry. Entries come from the chat (``suppress_customers``), the
command line (``cymbal campaign suppress``) or a CSV file (``--csv``: a ``customer_id`` and/or
an ``email`` column, optionally ``reason``), e.g. an email platform's unsubscribe export.
The contact policy (``tools.campaigns.eligibility``) reads it at drafting and at sending.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from tools.campaigns.eligibility import valid_address
from tools.campaigns.store import CampaignStore

SUPPRESSION_REASONS = ("unsubscribe", "bounce", "complaint")


class SuppressionError(ValueError):
    """Entries that cannot be added; the message says what to fix."""


@dataclass(frozen=True)
class SuppressionUpdate:
    added: int
    already_listed: int
    reason: str
    total: int


def _entries(customer_ids: list[int], emails: list[str]) -> list[tuple[str, str]]:
    entries = [("customer_id", str(int(i))) for i in customer_ids]
    bad = [e for e in emails if not valid_address(e)]
    if bad:
        raise SuppressionError(f"{len(bad)} entr{'y is' if len(bad) == 1 else 'ies are'} not an "
                               "email address; give addresses like name@example.com or "
                               "customer ids.")
    return entries + [("email", e.strip().lower()) for e in emails]


def _reason(reason: str) -> str:
    text = reason.strip().lower() or "unsubscribe"
    if text not in SUPPRESSION_REASONS:
        raise SuppressionError(f"Unknown suppression reason {reason!r}; use "
                               f"{', '.join(SUPPRESSION_REASONS)}.")
    return text


def suppress(store: CampaignStore, customer_ids: list[int], emails: list[str], reason: str,
             source: str) -> SuppressionUpdate:
    """Add customers (by id) and addresses to the list with one reason."""
    entries = _entries(customer_ids, emails)
    if not entries:
        raise SuppressionError("Say whom to suppress: customer ids or email addresses.")
    why = _reason(reason)
    added = store.add_suppressions(entries, why, source)
    return SuppressionUpdate(added, len(set(entries)) - added, why, store.suppressions(0)[1])


def import_csv(store: CampaignStore, path: Path, reason: str, source: str) -> SuppressionUpdate:
    """Add every row of a CSV file (columns ``customer_id`` and/or ``email``; a ``reason``
    column overrides ``reason`` per row)."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            records = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise SuppressionError(f"Cannot read {Path(path).name}: {err}") from None
    columns = {c.strip().lower() for c in (records[0].keys() if records else [])}
    if not columns & {"customer_id", "email"}:
        raise SuppressionError(f"{Path(path).name} needs a customer_id or an email column.")
    by_reason: dict[str, list[tuple[str, str]]] = {}
    for number, record in enumerate(records, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in record.items() if k}
        try:
            if row.get("customer_id") and not row["customer_id"].isdigit():
                raise SuppressionError(f"customer_id {row['customer_id']!r} is not a number.")
            ids = [int(row["customer_id"])] if row.get("customer_id") else []
            entries = _entries(ids, [row["email"]] if row.get("email") else [])
        except ValueError as err:
            raise SuppressionError(f"{Path(path).name}, line {number}: {err}") from None
        by_reason.setdefault(_reason(row.get("reason") or reason), []).extend(entries)
    added = sum(store.add_suppressions(entries, why, source)
                for why, entries in by_reason.items())
    given = len({e for entries in by_reason.values() for e in entries})
    return SuppressionUpdate(added, given - added, ", ".join(sorted(by_reason)) or _reason(reason),
                             store.suppressions(0)[1])
