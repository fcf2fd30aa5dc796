"""Building account worlds through the store, shared by the foundation tests."""

from __future__ import annotations

import itertools
from typing import Any

from gateway.store.records import Account
from gateway.store.sql import SqlStore

_serial = itertools.count(1)


def unique_email(prefix: str = "user") -> str:
    """An email no test has used yet in this process."""
    return f"{prefix}{next(_serial)}@example.test"


def master(store: SqlStore, licensed: int, *, name: str = "Master", **kwargs: Any) -> Account:
    """A bulk-licensing master with ``licensed`` Licensed seats purchased."""
    return store.create_account(
        name,
        unique_email("owner"),
        actor="test",
        bulk_licensing=True,
        plan={"Licensed": licensed},
        **kwargs,
    )


def sub(store: SqlStore, parent: Account, *, name: str = "Sub", **kwargs: Any) -> Account:
    """A sub-account of ``parent``."""
    return store.create_account(
        name, unique_email("subowner"), actor="test", parent_id=parent.id, **kwargs
    )


def add_licensed_users(store: SqlStore, account_id: int, count: int) -> list[str]:
    """Create ``count`` Licensed users in one transaction; returns their ids."""
    with store.transaction():
        return [
            store.create_user(
                account_id,
                unique_email("lic"),
                actor="test",
                source="admin",
                license_type="Licensed",
            ).id
            for _ in range(count)
        ]


def licensed_pool(store: SqlStore, account_id: int) -> tuple[int, int, int, int]:
    """(capacity, used, delegated, remaining) of the account's Licensed pool."""
    pool = next((p for p in store.pools(account_id) if p.seat_kind == "Licensed"), None)
    if pool is None:
        return (0, 0, 0, 0)
    return (pool.capacity, pool.used, pool.delegated, pool.remaining)
