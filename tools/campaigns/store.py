"""The app database: campaigns, their emails and every status change, in SQLite.

One file under the data folder (``settings.app_db_path``). Each email moves through
``draft → approved → sent | exported`` (or ``rejected``, or ``excluded`` when the contact
policy rules the customer out after drafting); ``sending`` marks an email claimed
by a send in progress, ``failed`` a recipient the server refused for good, and ``uncertain``
an email whose transfer broke off after its content was handed over — it is never resent
without a person deciding so. Every transition is one guarded UPDATE, so concurrent or
repeated calls cannot move an email twice; the ``events`` table keeps the history, each
entry naming who acted (``actor``: the app's user, the chat, the command line's user).

Confirmation codes guard sending (and, in the app, approving): a code is issued for one
action on exactly the emails shown (their fingerprint), by one actor, expires, is used once,
and is void after ``MAX_CODE_FAILURES`` wrong codes for its campaign and action.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATUSES = ("draft", "approved", "rejected", "sending", "sent", "failed", "exported",
            "uncertain", "excluded")
DELIVERED = ("sending", "sent", "exported", "uncertain")  # count toward the frequency cap
ARMS = ("treated", "holdout", "excluded")  # a campaign audience member's group
EDITABLE = ("draft", "approved", "rejected", "failed")  # re-drafting is allowed from these
MAX_CODE_FAILURES = 5  # wrong codes that void a campaign's open confirmations of one action
SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    audience TEXT NOT NULL,
    audience_spec TEXT NOT NULL,
    language TEXT NOT NULL,
    tone TEXT NOT NULL,
    offer_request TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'drafting',
    total INTEGER NOT NULL DEFAULT 0,
    drafted INTEGER NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS campaign_emails (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    customer_id INTEGER NOT NULL,
    to_name TEXT NOT NULL,
    to_email TEXT NOT NULL,
    language TEXT NOT NULL,
    tone TEXT NOT NULL,
    subject TEXT NOT NULL,
    preheader TEXT NOT NULL,
    html TEXT NOT NULL,
    text TEXT NOT NULL,
    offer TEXT NOT NULL,
    products TEXT NOT NULL,
    writer TEXT NOT NULL,
    variant TEXT NOT NULL,
    review_id INTEGER,
    issue_category TEXT,
    recommendation_source TEXT NOT NULL,
    notes TEXT NOT NULL,
    issues TEXT NOT NULL,
    valid INTEGER NOT NULL,
    status TEXT NOT NULL,
    message_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    approved_at TEXT,
    sent_at TEXT,
    exported_at TEXT,
    PRIMARY KEY (campaign_id, customer_id)
);
CREATE INDEX IF NOT EXISTS campaign_emails_status ON campaign_emails (campaign_id, status);
CREATE TABLE IF NOT EXISTS campaign_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL,
    customer_id INTEGER,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS send_confirmations (
    code TEXT PRIMARY KEY,
    campaign_id INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    emails INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    action TEXT NOT NULL DEFAULT 'send',
    actor TEXT NOT NULL DEFAULT '',
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS suppressions (
    entry TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS campaign_audience (
    campaign_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    arm TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    stratum TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (campaign_id, customer_id)
);
CREATE TABLE IF NOT EXISTS audience_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    spec TEXT NOT NULL,
    request TEXT NOT NULL,
    name TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    summary TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    campaign_id INTEGER
);
"""
# columns added after the first release: (table, column, definition) for older files
ADDED_COLUMNS = (
    ("campaign_events", "actor", "TEXT NOT NULL DEFAULT ''"),
    ("send_confirmations", "action", "TEXT NOT NULL DEFAULT 'send'"),
    ("send_confirmations", "actor", "TEXT NOT NULL DEFAULT ''"),
    ("send_confirmations", "failures", "INTEGER NOT NULL DEFAULT 0"),
)
_JSON_COLUMNS = ("offer", "products", "notes", "issues")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def fingerprint(emails: list[dict[str, Any]]) -> str:
    """Which emails, in which version: a confirmation covers exactly these."""
    keys = sorted(f"{e['customer_id']}:{e['updated_at']}" for e in emails)
    return hashlib.sha256("|".join(keys).encode()).hexdigest()


@dataclass(frozen=True)
class Suppression:
    """One entry of the suppression list: a customer id or a (lower-cased) address."""

    entry: str
    kind: str  # customer_id | email
    reason: str  # unsubscribe | bounce | complaint
    source: str  # who or what added it: cli:<user>, chat:<user>, csv:<file name>
    added_at: str


@dataclass(frozen=True)
class StoredPlan:
    """A dry run a marketer can confirm: what it was for and what it found."""

    id: int
    spec: dict[str, Any]
    request: dict[str, Any]
    name: str
    fingerprint: str
    summary: dict[str, Any]
    actor: str
    created_at: str
    campaign_id: int | None


@dataclass(frozen=True)
class ExportRecord:
    """One export of a campaign: when, into which folder of the exports (its name, not a
    path), in which formats, and how many approved emails it handed off."""

    at: str
    folder: str
    formats: list[str]
    handed_off: int


@dataclass
class Campaign:
    id: int
    name: str
    audience: str
    audience_spec: dict[str, Any]
    language: str
    tone: str
    offer_request: dict[str, Any]
    state: str
    total: int
    drafted: int
    notes: list[str]
    created_at: str
    updated_at: str
    counts: dict[str, int]


class CampaignStore:
    """Campaigns and emails in one SQLite file; safe to use from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.executescript(SCHEMA)
            for table, column, definition in ADDED_COLUMNS:
                if column not in {r[1] for r in db.execute(f"PRAGMA table_info({table})")}:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        finally:
            db.close()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")  # a recorded send survives a power cut
        db.execute("PRAGMA foreign_keys=ON")
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    # -- campaigns --------------------------------------------------------------------------
    def create_campaign(self, name: str, audience: str, audience_spec: dict[str, Any],
                        language: str, tone: str, offer_request: dict[str, Any], total: int,
                        notes: list[str]) -> int:
        stamp = now()
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO campaigns (name, audience, audience_spec, language, tone, "
                "offer_request, total, notes, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (name, audience, json.dumps(audience_spec, ensure_ascii=False), language, tone,
                 json.dumps(offer_request), total, json.dumps(notes, ensure_ascii=False),
                 stamp, stamp))
            campaign_id = int(cur.lastrowid or 0)
            _event(db, campaign_id, None, "created", f"{total} customers: {audience}")
        return campaign_id

    def update_campaign(self, campaign_id: int, **fields: Any) -> None:
        allowed = {"state", "drafted", "total", "notes", "language", "tone", "offer_request",
                   "name"}
        values = {k: json.dumps(v, ensure_ascii=False) if k in ("notes", "offer_request")
                  else v for k, v in fields.items() if k in allowed}
        if not values:
            return
        sets = ", ".join(f"{k} = ?" for k in values)
        with self._db() as db:
            db.execute(f"UPDATE campaigns SET {sets}, updated_at = ? WHERE id = ?",
                       (*values.values(), now(), campaign_id))

    def campaign(self, campaign_id: int) -> Campaign | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
            if row is None:
                return None
            return _campaign(row, _counts(db, campaign_id))

    def latest_campaign_id(self) -> int | None:
        with self._db() as db:
            row = db.execute("SELECT MAX(id) FROM campaigns").fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def campaigns(self, limit: int = 50) -> list[Campaign]:
        with self._db() as db:
            found = db.execute("SELECT * FROM campaigns ORDER BY id DESC LIMIT ?",
                               (limit,)).fetchall()
            return [_campaign(row, _counts(db, int(row["id"]))) for row in found]

    # -- emails -----------------------------------------------------------------------------
    def save_drafts(self, campaign_id: int, drafts: list[dict[str, Any]]) -> int:
        """Insert or replace drafts; an email already sending, sent, exported, uncertain or
        excluded is left alone. A replaced email goes back to ``draft`` (its approval was of
        the old content). Returns how many were written. A draft for a customer of the
        campaign's holdout or exclusions is refused: they are never drafted."""
        stamp = now()
        written = 0
        with self._db() as db:
            barred = _arm_ids(db, campaign_id, ("holdout", "excluded"))
            if barred & {int(d["customer_id"]) for d in drafts}:
                raise ValueError(f"Campaign {campaign_id}: refusing to draft for customers in "
                                 "its holdout or exclusions.")
            for d in drafts:
                row = db.execute("SELECT status FROM campaign_emails WHERE campaign_id = ? "
                                 "AND customer_id = ?", (campaign_id, d["customer_id"])).fetchone()
                if row is not None and row["status"] not in EDITABLE:
                    continue
                values = {k: json.dumps(d[k], ensure_ascii=False) if k in _JSON_COLUMNS
                          else d[k] for k in (
                              "customer_id", "to_name", "to_email", "language", "tone",
                              "subject", "preheader", "html", "text", "offer", "products",
                              "writer", "variant", "review_id", "issue_category",
                              "recommendation_source", "notes", "issues")}
                values["valid"] = 0 if d["issues"] else 1
                db.execute(
                    f"INSERT OR REPLACE INTO campaign_emails (campaign_id, "
                    f"{', '.join(values)}, status, message_id, attempts, last_error, "
                    f"created_at, updated_at) VALUES (?, {', '.join('?' * len(values))}, "
                    f"'draft', NULL, 0, NULL, COALESCE((SELECT created_at FROM campaign_emails "
                    f"WHERE campaign_id = ? AND customer_id = ?), ?), ?)",
                    (campaign_id, *values.values(), campaign_id, d["customer_id"], stamp, stamp))
                _event(db, campaign_id, d["customer_id"],
                       "redrafted" if row is not None else "drafted",
                       "valid" if values["valid"] else "invalid")
                written += 1
        return written

    def emails(self, campaign_id: int, statuses: tuple[str, ...] | None = None,
               customer_ids: list[int] | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM campaign_emails WHERE campaign_id = ?"
        params: list[Any] = [campaign_id]
        if statuses:
            sql += f" AND status IN ({', '.join('?' * len(statuses))})"
            params += list(statuses)
        if customer_ids is not None:
            sql += f" AND customer_id IN ({', '.join('?' * len(customer_ids))})"
            params += [int(i) for i in customer_ids]
        with self._db() as db:
            return [_email(r) for r in db.execute(sql + " ORDER BY customer_id", params)]

    def email(self, campaign_id: int, customer_id: int) -> dict[str, Any] | None:
        found = self.emails(campaign_id, customer_ids=[customer_id])
        return found[0] if found else None

    def open_elsewhere(self, campaign_id: int) -> dict[int, list[int]]:
        """The campaign's customers who also have an email waiting (a draft or approved,
        not yet delivered) in another campaign, with those campaigns' ids."""
        sql = ("SELECT a.customer_id, b.campaign_id FROM campaign_emails AS a "
               "JOIN campaign_emails AS b ON b.customer_id = a.customer_id "
               "AND b.campaign_id != a.campaign_id WHERE a.campaign_id = ? "
               "AND b.status IN ('draft', 'approved') ORDER BY a.customer_id, b.campaign_id")
        found: dict[int, list[int]] = {}
        with self._db() as db:
            for customer_id, other in db.execute(sql, [campaign_id]):
                found.setdefault(int(customer_id), []).append(int(other))
        return found

    def transition(self, campaign_id: int, customer_ids: list[int] | None, to: str,
                   from_statuses: tuple[str, ...], only_valid: bool = False,
                   detail: str = "", actor: str = "") -> list[int]:
        """Move the matching emails (all of the campaign when ``customer_ids`` is None) from
        one of ``from_statuses`` to ``to``; returns the customer ids that moved."""
        stamp = now()
        stamp_column = {"approved": "approved_at", "sent": "sent_at",
                        "exported": "exported_at"}.get(to)
        sql = (f"UPDATE campaign_emails SET status = ?, updated_at = ?"
               f"{f', {stamp_column} = ?' if stamp_column else ''} "
               f"WHERE campaign_id = ? AND status IN ({', '.join('?' * len(from_statuses))})")
        params: list[Any] = [to, stamp] + ([stamp] if stamp_column else []) + \
            [campaign_id, *from_statuses]
        if only_valid:
            sql += " AND valid = 1"
        if customer_ids is not None:
            sql += f" AND customer_id IN ({', '.join('?' * len(customer_ids))})"
            params += [int(i) for i in customer_ids]
        with self._db() as db:
            moved = [int(r[0]) for r in db.execute(sql + " RETURNING customer_id", params)]
            for customer_id in moved:
                _event(db, campaign_id, customer_id, to, detail, actor)
        return sorted(moved)

    def claim_for_send(self, campaign_id: int, customer_id: int, message_id: str,
                       actor: str) -> dict[str, Any] | None:
        """Atomically move one approved email to ``sending``, recording its Message-ID first
        (kept if it already has one). None if it is no longer approved."""
        with self._db() as db:
            row = db.execute(
                "UPDATE campaign_emails SET status = 'sending', attempts = attempts + 1, "
                "message_id = COALESCE(message_id, ?), updated_at = ? WHERE campaign_id = ? "
                "AND customer_id = ? AND status = 'approved' RETURNING *",
                (message_id, now(), campaign_id, customer_id)).fetchone()
            if row is not None:
                _event(db, campaign_id, customer_id, "sending", row["message_id"], actor)
            return _email(row) if row is not None else None

    def assign_message_id(self, campaign_id: int, customer_id: int, message_id: str) -> str:
        """The email's Message-ID, recording ``message_id`` if it has none yet."""
        with self._db() as db:
            db.execute("UPDATE campaign_emails SET message_id = COALESCE(message_id, ?) "
                       "WHERE campaign_id = ? AND customer_id = ?",
                       (message_id, campaign_id, customer_id))
            row = db.execute("SELECT message_id FROM campaign_emails WHERE campaign_id = ? AND "
                             "customer_id = ?", (campaign_id, customer_id)).fetchone()
        return str(row[0])

    def finish_send(self, campaign_id: int, customer_id: int, status: str, actor: str,
                    error: str | None = None) -> None:
        """Record how a claimed send ended: sent, approved (not sent, may retry), failed or
        uncertain."""
        stamp = now()
        with self._db() as db:
            db.execute(
                "UPDATE campaign_emails SET status = ?, last_error = ?, updated_at = ?, "
                "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
                "WHERE campaign_id = ? AND customer_id = ? AND status = 'sending'",
                (status, error, stamp, status, stamp, campaign_id, customer_id))
            _event(db, campaign_id, customer_id, status, error or "", actor)

    def mark_issues(self, campaign_id: int, customer_id: int, issues: list[dict[str, str]]) -> None:
        """A re-check found problems: the email goes back to draft, marked invalid."""
        with self._db() as db:
            db.execute("UPDATE campaign_emails SET issues = ?, valid = 0, status = 'draft', "
                       "updated_at = ? WHERE campaign_id = ? AND customer_id = ? "
                       "AND status IN ('draft', 'approved')",
                       (json.dumps(issues, ensure_ascii=False), now(), campaign_id, customer_id))
            _event(db, campaign_id, customer_id, "invalidated",
                   "; ".join(i["code"] for i in issues))

    def recover_interrupted(self, campaign_id: int, older_than_s: int) -> list[int]:
        """Emails left ``sending`` longer than ``older_than_s`` by a process that died become
        ``uncertain``: they may or may not have arrived."""
        cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=older_than_s))
        with self._db() as db:
            moved = [int(r[0]) for r in db.execute(
                "UPDATE campaign_emails SET status = 'uncertain', updated_at = ?, last_error = "
                "'a send was interrupted; it may or may not have arrived' WHERE campaign_id = ? "
                "AND status = 'sending' AND updated_at < ? RETURNING customer_id",
                (now(), campaign_id, cutoff.isoformat(timespec="seconds")))]
            for customer_id in moved:
                _event(db, campaign_id, customer_id, "uncertain", "interrupted send")
        return sorted(moved)

    # -- the audience: who was treated, held out or excluded, and why ------------------------
    def record_audience(self, campaign_id: int, members: list[tuple[int, str, str, str]],
                        actor: str = "") -> None:
        """Record (customer_id, arm, reason, stratum) rows; every exclusion and holdout is
        also an event of the campaign's history."""
        with self._db() as db:
            db.executemany("INSERT OR REPLACE INTO campaign_audience (campaign_id, customer_id, "
                           "arm, reason, stratum) VALUES (?,?,?,?,?)",
                           [(campaign_id, int(c), arm, reason, stratum)
                            for c, arm, reason, stratum in members])
            for customer_id, arm, reason, _ in members:
                if arm != "treated":
                    _event(db, campaign_id, int(customer_id), arm, reason, actor)

    def arm_ids(self, campaign_id: int, arm: str) -> set[int]:
        with self._db() as db:
            return _arm_ids(db, campaign_id, (arm,))

    def audience_counts(self, campaign_id: int) -> dict[str, dict[str, int]]:
        """Per arm, the members by reason ('' for treated and holdout)."""
        found: dict[str, dict[str, int]] = {arm: {} for arm in ARMS}
        with self._db() as db:
            for arm, reason, n in db.execute(
                    "SELECT arm, reason, COUNT(*) FROM campaign_audience WHERE campaign_id = ? "
                    "GROUP BY arm, reason", (campaign_id,)):
                found[arm][reason] = int(n)
        return found

    def exclude(self, campaign_id: int, exclusions: list[tuple[int, str]],
                actor: str = "") -> list[int]:
        """Rule customers out after drafting: their undelivered emails become ``excluded``
        and the audience records why. Returns the customer ids whose email moved."""
        moved: list[int] = []
        with self._db() as db:
            for customer_id, reason in exclusions:
                row = db.execute(
                    "UPDATE campaign_emails SET status = 'excluded', last_error = ?, "
                    "updated_at = ? WHERE campaign_id = ? AND customer_id = ? AND status IN "
                    f"({', '.join('?' * len(EDITABLE))}) RETURNING customer_id",
                    (reason, now(), campaign_id, int(customer_id), *EDITABLE)).fetchone()
                db.execute("UPDATE campaign_audience SET arm = 'excluded', reason = ? "
                           "WHERE campaign_id = ? AND customer_id = ? AND arm = 'treated'",
                           (reason, campaign_id, int(customer_id)))
                if row is not None:
                    moved.append(int(customer_id))
                    _event(db, campaign_id, int(customer_id), "excluded", reason, actor)
        return sorted(moved)

    def delivered_since(self, customer_ids: list[int], since: str) -> dict[int, int]:
        """Marketing emails each customer was sent (or handed off) since ``since``, across
        every campaign."""
        if not customer_ids:
            return {}
        found: dict[int, int] = {}
        with self._db() as db:
            for start in range(0, len(customer_ids), 900):
                part = [int(i) for i in customer_ids[start:start + 900]]
                for customer_id, n in db.execute(
                        "SELECT customer_id, COUNT(*) FROM campaign_emails WHERE status IN "
                        f"({', '.join('?' * len(DELIVERED))}) AND COALESCE(sent_at, "
                        "exported_at, updated_at) >= ? AND customer_id IN "
                        f"({', '.join('?' * len(part))}) GROUP BY customer_id",
                        (*DELIVERED, since, *part)):
                    found[int(customer_id)] = int(n)
        return found

    def first_delivery(self, campaign_id: int) -> str | None:
        """When the campaign's first email was sent or handed off (None: not yet)."""
        with self._db() as db:
            row = db.execute("SELECT MIN(COALESCE(sent_at, exported_at)) FROM campaign_emails "
                             "WHERE campaign_id = ? AND status IN ('sent', 'exported')",
                             (campaign_id,)).fetchone()
        return row[0] if row and row[0] else None

    def delivered_ids(self, campaign_id: int) -> set[int]:
        """The customers the campaign reached (sent or handed off)."""
        with self._db() as db:
            return {int(r[0]) for r in db.execute(
                "SELECT customer_id FROM campaign_emails WHERE campaign_id = ? AND status IN "
                "('sent', 'exported')", (campaign_id,))}

    # -- the suppression list (never cleared by a re-run or setup) -------------------------
    def add_suppressions(self, entries: list[tuple[str, str]], reason: str,
                         source: str) -> int:
        """Add (kind, entry) pairs; an entry already listed keeps its first reason. Returns
        how many were new."""
        stamp = now()
        with self._db() as db:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO suppressions (entry, kind, reason, source, "
                           "added_at) VALUES (?,?,?,?,?)",
                           [(entry, kind, reason, source, stamp) for kind, entry in entries])
            return db.total_changes - before

    def suppressed(self, entries: list[str]) -> dict[str, str]:
        """The listed ones of ``entries`` (customer ids as text, lower-cased addresses), with
        their reason."""
        found: dict[str, str] = {}
        with self._db() as db:
            for start in range(0, len(entries), 900):
                part = entries[start:start + 900]
                found.update({r[0]: r[1] for r in db.execute(
                    f"SELECT entry, reason FROM suppressions WHERE entry IN "
                    f"({', '.join('?' * len(part))})", part)})
        return found

    def suppressions(self, limit: int = 200) -> tuple[list[Suppression], int]:
        """The newest entries of the suppression list and how many it holds."""
        with self._db() as db:
            total = int(db.execute("SELECT COUNT(*) FROM suppressions").fetchone()[0])
            found = [Suppression(**dict(r)) for r in db.execute(
                "SELECT entry, kind, reason, source, added_at FROM suppressions "
                "ORDER BY added_at DESC, entry LIMIT ?", (limit,))]
        return found, total

    # -- dry runs a marketer confirms before drafting ----------------------------------------
    def save_plan(self, spec: dict[str, Any], request: dict[str, Any], name: str,
                  audience_fingerprint: str, summary: dict[str, Any], actor: str) -> int:
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO audience_plans (spec, request, name, fingerprint, summary, actor, "
                "created_at) VALUES (?,?,?,?,?,?,?)",
                (json.dumps(spec, ensure_ascii=False), json.dumps(request), name,
                 audience_fingerprint, json.dumps(summary, ensure_ascii=False), actor, now()))
            return int(cur.lastrowid or 0)

    def plan(self, plan_id: int) -> StoredPlan | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM audience_plans WHERE id = ?", (plan_id,)).fetchone()
        if row is None:
            return None
        return StoredPlan(id=int(row["id"]), spec=json.loads(row["spec"]),
                          request=json.loads(row["request"]), name=row["name"],
                          fingerprint=row["fingerprint"], summary=json.loads(row["summary"]),
                          actor=row["actor"], created_at=row["created_at"],
                          campaign_id=row["campaign_id"])

    def use_plan(self, plan_id: int, campaign_id: int) -> bool:
        """Mark a plan as drafted into ``campaign_id``; False if it already was."""
        with self._db() as db:
            return db.execute("UPDATE audience_plans SET campaign_id = ? WHERE id = ? AND "
                              "campaign_id IS NULL", (campaign_id, plan_id)).rowcount == 1

    # -- send confirmations -----------------------------------------------------------------
    def issue_confirmation(self, campaign_id: int, action: str, emails: list[dict[str, Any]],
                           ttl_s: int, actor: str) -> str:
        """A one-time code for ``action`` ("send", "approve") on exactly ``emails``."""
        code = f"{secrets.randbelow(900_000) + 100_000}"
        created = dt.datetime.now(dt.timezone.utc)
        with self._db() as db:
            db.execute("INSERT INTO send_confirmations (code, campaign_id, fingerprint, emails, "
                       "created_at, expires_at, action, actor) VALUES (?,?,?,?,?,?,?,?)",
                       (code, campaign_id, fingerprint(emails), len(emails),
                        created.isoformat(timespec="seconds"),
                        (created + dt.timedelta(seconds=ttl_s)).isoformat(timespec="seconds"),
                        action, actor))
            _event(db, campaign_id, None, f"{action}_requested", f"{len(emails)} emails", actor)
        return code

    def use_confirmation(self, campaign_id: int, action: str, code: str,
                         emails: list[dict[str, Any]], actor: str) -> str | None:
        """Spend a confirmation code; None if it was valid, else why it cannot be used."""
        with self._db() as db:
            row = db.execute("SELECT * FROM send_confirmations WHERE code = ? AND action = ? "
                             "AND campaign_id = ?", (code.strip(), action, campaign_id)
                             ).fetchone()
            refusal = _refusal(row, fingerprint(emails), actor)
            if refusal:
                _event(db, campaign_id, None, f"{action}_refused", refusal, actor)
                if row is None:  # a wrong code: count it against the codes still open
                    db.execute("UPDATE send_confirmations SET failures = failures + 1, "
                               "used_at = CASE WHEN failures + 1 >= ? THEN ? END "
                               "WHERE campaign_id = ? AND action = ? AND used_at IS NULL",
                               (MAX_CODE_FAILURES, now(), campaign_id, action))
                return refusal
            db.execute("UPDATE send_confirmations SET used_at = ? WHERE code = ?",
                       (now(), row["code"]))
            _event(db, campaign_id, None, f"{action}_confirmed", f"{row['emails']} emails",
                   actor)
        return None

    # -- exports ----------------------------------------------------------------------------
    def record_export(self, campaign_id: int, folder: str, formats: list[str],
                      handed_off: int) -> None:
        """Keep an export in the campaign's history (``folder``: its name in the exports)."""
        with self._db() as db:
            _event(db, campaign_id, None, "export", json.dumps(
                {"folder": folder, "formats": formats, "handed_off": handed_off}))

    def last_export(self, campaign_id: int) -> ExportRecord | None:
        with self._db() as db:
            row = db.execute("SELECT at, detail FROM campaign_events WHERE campaign_id = ? AND "
                             "action = 'export' ORDER BY id DESC LIMIT 1",
                             (campaign_id,)).fetchone()
        return ExportRecord(at=row["at"], **json.loads(row["detail"])) if row else None

    def events(self, campaign_id: int, limit: int = 200) -> list[dict[str, Any]]:
        with self._db() as db:
            return [dict(r) for r in db.execute(
                "SELECT * FROM campaign_events WHERE campaign_id = ? ORDER BY id DESC LIMIT ?",
                (campaign_id, limit))]


def _event(db: sqlite3.Connection, campaign_id: int, customer_id: int | None, action: str,
           detail: str, actor: str = "") -> None:
    db.execute("INSERT INTO campaign_events (campaign_id, customer_id, at, action, detail, "
               "actor) VALUES (?,?,?,?,?,?)",
               (campaign_id, customer_id, now(), action, detail, actor))


def _arm_ids(db: sqlite3.Connection, campaign_id: int, arms: tuple[str, ...]) -> set[int]:
    return {int(r[0]) for r in db.execute(
        f"SELECT customer_id FROM campaign_audience WHERE campaign_id = ? AND arm IN "
        f"({', '.join('?' * len(arms))})", (campaign_id, *arms))}


def _refusal(row: sqlite3.Row | None, emails_fingerprint: str, actor: str) -> str | None:
    """Why the confirmation ``row`` (None: no such code) cannot be used now, if it cannot."""
    if row is None:
        return "That confirmation code is not valid for this campaign."
    if row["used_at"]:
        return "That confirmation code was already used (or too many wrong codes were " \
               "tried); request a new one."
    if dt.datetime.fromisoformat(row["expires_at"]) < dt.datetime.now(dt.timezone.utc):
        return "That confirmation code has expired; request a new one."
    if row["actor"] != actor:
        return "That confirmation code was issued to someone else; request your own."
    if row["fingerprint"] != emails_fingerprint:
        return ("The emails changed since the code was issued; request a new confirmation so "
                "you confirm what will actually happen.")
    return None


def _counts(db: sqlite3.Connection, campaign_id: int) -> dict[str, int]:
    counts = {s: 0 for s in STATUSES}
    for row in db.execute("SELECT status, COUNT(*) FROM campaign_emails WHERE campaign_id = ? "
                          "GROUP BY status", (campaign_id,)):
        counts[row[0]] = int(row[1])
    invalid = db.execute("SELECT COUNT(*) FROM campaign_emails WHERE campaign_id = ? AND "
                         "valid = 0 AND status = 'draft'", (campaign_id,)).fetchone()[0]
    counts["invalid"] = int(invalid)
    return counts


def _campaign(row: sqlite3.Row, counts: dict[str, int]) -> Campaign:
    return Campaign(
        id=int(row["id"]), name=row["name"], audience=row["audience"],
        audience_spec=json.loads(row["audience_spec"]), language=row["language"],
        tone=row["tone"], offer_request=json.loads(row["offer_request"]), state=row["state"],
        total=int(row["total"]), drafted=int(row["drafted"]), notes=json.loads(row["notes"]),
        created_at=row["created_at"], updated_at=row["updated_at"], counts=counts)


def _email(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    for key in _JSON_COLUMNS:
        out[key] = json.loads(out[key])
    out["valid"] = bool(out["valid"])
    return out
