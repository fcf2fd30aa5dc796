"""``gateway check``: the unlink rule for bulk-licensed sub-accounts held at every unlink.

The rule (docs/accounts.md): a bulk-licensed sub-account leaves with its delegated seats as its
own plan, and the master's plan drops by as many, so no seat is counted twice.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gateway.store import schema

L = schema.audit_log


def unlink_seat_problems(conn: sa.Connection) -> list[tuple[str, str]]:
    """(code, message) for every recorded unlink whose seats were counted twice or lost."""
    problems = []
    entries = conn.execute(
        sa.select(L.c.account_id, L.c.target, L.c.after).where(L.c.action == "account.unlink_sub")
    )
    for master_id, sub_number, after in entries:
        for seat_kind, move in _moves(after).items():
            dropped = move["master_capacity_before"] - move["master_capacity_after"]
            if dropped != move["seats"]:
                problems.append(
                    (
                        "seats_counted_twice",
                        f"Unlinking sub-account {sub_number} took {move['seats']} {seat_kind} "
                        f"seats with it but master {master_id}'s plan dropped by {dropped}: "
                        "set the master's plan to what it bought "
                        "(PUT /api/v1/accounts/{id}/plan/<kind>).",
                    )
                )
    return problems


def _moves(after: Any) -> dict[str, dict[str, int]]:
    if not isinstance(after, dict) or not isinstance(after.get("seats_moved"), dict):
        return {}
    return after["seats_moved"]  # type: ignore[no-any-return]
