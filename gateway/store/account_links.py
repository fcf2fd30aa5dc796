"""Unlinking a sub-account from its master, and what happens to its delegated seats."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.store import schema
from gateway.store.account_rows import account_public
from gateway.store.errors import InvalidState
from gateway.store.pools import PoolsMixin
from gateway.store.records import Account

A = schema.accounts
P = schema.license_pools


class AccountLinksMixin(PoolsMixin):
    """A sub-account leaves its master (docs/accounts.md, "Unlinking a sub-account")."""

    def unlink(self, sub_id: int, *, actor: str) -> Account:
        """Make a sub-account standalone, keeping users, settings and configuration.

        Under bulk licensing the delegated seats leave with the sub-account: they become its own
        plan and leave the master's (its purchased and delegated counts both drop by as many),
        so no seat is counted twice; the audit entry records the move (``gateway check``
        verifies it). Raises NotFound, InvalidState ``not_a_sub_account`` /
        ``has_sub_accounts``.
        """
        with self.transaction() as conn:
            sub = self._lock_account(conn, sub_id)
            if sub.parent_id is None:
                raise InvalidState(
                    f"Account {sub.number} is not a sub-account.", code="not_a_sub_account"
                )
            if sub.account_type == "pseudo_master":
                raise InvalidState(
                    "Unlink this account's own sub-accounts first.", code="has_sub_accounts"
                )
            parent = self._lock_account(conn, sub.parent_id)
            moved = self._seats_leave_master(conn, parent, sub_id)
            conn.execute(
                A.update()
                .where(A.c.id == sub_id)
                .values(
                    parent_id=None,
                    account_type="standalone",
                    billing="self",
                    updated_at=self.clock.now(),
                )
            )
            self._demote_if_childless(conn, parent)
            after = self._get_account(conn, sub_id)
            self.audit(
                conn,
                actor=actor,
                account_id=sub_id,
                action="account.unlink",
                target=sub.number,
                before=account_public(sub),
                after=account_public(after),
            )
            self.audit(
                conn,
                actor=actor,
                account_id=parent.id,
                action="account.unlink_sub",
                target=sub.number,
                after={"seats_moved": moved} if moved else None,
            )
            return after

    def _seats_leave_master(
        self, conn: sa.Connection, parent: Account, sub_id: int
    ) -> dict[str, dict[str, int]]:
        """Take a bulk-licensed sub-account's delegated seats off its master's plan; returns
        per seat kind ``{"seats", "master_capacity_before", "master_capacity_after"}``."""
        if not parent.bulk_licensing:
            return {}
        moved: dict[str, dict[str, int]] = {}
        for pool in self._pools(conn, sub_id):
            before = self._pool(conn, parent.id, pool.seat_kind).capacity
            conn.execute(
                P.update()
                .where(P.c.account_id == parent.id, P.c.seat_kind == pool.seat_kind)
                .values(
                    delegated=P.c.delegated - pool.capacity,
                    capacity=P.c.capacity - pool.capacity,
                )
            )
            moved[pool.seat_kind] = {
                "seats": pool.capacity,
                "master_capacity_before": before,
                "master_capacity_after": before - pool.capacity,
            }
        return moved

    def _demote_if_childless(self, conn: sa.Connection, parent: Account) -> None:
        remaining = conn.execute(
            sa.select(sa.func.count()).select_from(A).where(A.c.parent_id == parent.id)
        ).scalar_one()
        if remaining == 0:
            new_type = {"master": "standalone", "pseudo_master": "sub"}[parent.account_type]
            conn.execute(A.update().where(A.c.id == parent.id).values(account_type=new_type))
