"""Checking customer ids against the warehouse (used by argument guardrails and tools)."""

from __future__ import annotations

from tools.warehouse import get_warehouse


def unknown_customer_ids(ids: list[int]) -> list[int]:
    """The ids in ``ids`` that no customer has."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return []
    listed = ", ".join(str(i) for i in wanted)
    found = get_warehouse().run_query(
        f"SELECT customer_id FROM cymbal.customers WHERE customer_id IN ({listed})",
        max_rows=len(wanted))
    known = {row[0] for row in found.rows}
    return [i for i in wanted if i not in known]


def closest_customer_ids(customer_id: int, n: int = 3) -> list[int]:
    """Existing customer ids numerically nearest to ``customer_id``."""
    found = get_warehouse().run_query(
        f"SELECT customer_id FROM cymbal.customers "
        f"ORDER BY ABS(customer_id - {int(customer_id)}), customer_id LIMIT {int(n)}",
        max_rows=n)
    return [row[0] for row in found.rows]
