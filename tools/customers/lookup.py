"""Finding a customer from what a person types: an id (with typos), a name, or an email."""

from __future__ import annotations

import re
from typing import Any

from tools.results import failure
from tools.warehouse import reads

_ID = re.compile(r"^\s*(?:customer|cust|id|고객|고객번호)?\s*#?\s*(\d{1,12})\s*(?:번)?\s*$",
                 re.IGNORECASE)
_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})  # "1O42" means 1042
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _id_typos(digits: str) -> list[int]:
    """Ids one keystroke away: a digit changed, dropped, added or two swapped."""
    options = set()
    for i in range(len(digits)):
        options.add(digits[:i] + digits[i + 1:])
        for d in "0123456789":
            options.add(digits[:i] + d + digits[i + 1:])
            options.add(digits[:i] + d + digits[i:])
        if i + 1 < len(digits):
            options.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
    for d in "0123456789":
        options.add(digits + d)
    return sorted(int(o) for o in options if o and o != digits and len(o) <= 12)


def closest_ids(customer_id: int, n: int = 3) -> list[int]:
    """Existing ids nearest to a missing one: one-keystroke typos first, then by distance."""
    typos = _id_typos(str(customer_id))
    found = [int(r["customer_id"]) for r in reads.rows(
        f"SELECT customer_id FROM customers WHERE customer_id IN "
        f"({', '.join(str(t) for t in typos)}) ORDER BY ABS(customer_id - {customer_id}), "
        f"customer_id LIMIT {n}")] if typos else []
    near = [int(r["customer_id"]) for r in reads.rows(
        f"SELECT customer_id FROM customers ORDER BY ABS(customer_id - {customer_id}), "
        f"customer_id LIMIT {n}")]
    return list(dict.fromkeys(found + near))[:n]


def unknown_customer_ids(ids: list[int]) -> list[int]:
    """The ids in ``ids`` that no customer has."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return []
    found = reads.rows(f"SELECT customer_id FROM customers WHERE customer_id IN "
                       f"({', '.join(str(i) for i in wanted)})", max_rows=len(wanted))
    known = {int(r["customer_id"]) for r in found}
    return [i for i in wanted if i not in known]


def find_customer(text: str | int) -> tuple[int | None, dict[str, Any] | None]:
    """The customer id meant by ``text`` (an id, "customer 1042", "고객 1042", a full name or
    an email address), or an error dict with the closest matches."""
    raw = str(text).strip()
    id_match = _ID.match(raw) or _ID.match(raw.translate(_LOOKALIKES))
    if id_match:
        customer_id = int(id_match.group(1))
        if reads.first_row(f"SELECT customer_id FROM customers WHERE customer_id = {customer_id}"):
            return customer_id, None
        suggestions = closest_ids(customer_id)
        return None, failure("unknown_customer", f"There is no customer {customer_id}.",
                             suggestions)
    if _EMAIL.match(raw):
        row = reads.first_row(f"SELECT customer_id FROM customers "
                              f"WHERE LOWER(email) = {reads.sql_string(raw.lower())}")
        if row:
            return int(row["customer_id"]), None
        return None, failure("unknown_customer", "No customer has that email address.")
    words = [w for w in re.split(r"\s+", raw.lower()) if w]
    if not words:
        return None, failure("unknown_customer", "Give a customer id or name.")
    conditions = " AND ".join(
        f"(LOWER(first_name) = {reads.sql_string(w)} OR LOWER(last_name) = {reads.sql_string(w)} "
        f"OR LOWER(CONCAT(last_name, first_name)) = {reads.sql_string(w)})" for w in words[:3])
    rows = reads.rows(f"SELECT customer_id, first_name, last_name, address_city FROM customers "
                      f"WHERE {conditions} ORDER BY customer_id LIMIT 6")
    if len(rows) == 1:
        return int(rows[0]["customer_id"]), None
    label = [f"{r['customer_id']} ({r['first_name']} {r['last_name']}, {r['address_city']})"
             for r in rows[:5]]
    if rows:
        return None, failure("ambiguous_customer", f"{len(rows) if len(rows) < 6 else 'Several'} "
                             f"customers are called {raw!r}; give the customer id.",
                             [int(r["customer_id"]) for r in rows[:5]], options=label)
    return None, failure("unknown_customer", f"No customer id or name matches {raw!r}; "
                         "give the numeric customer id.")


