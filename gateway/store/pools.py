"""Seat pools: purchased capacity, seats used, and bulk delegation to sub-accounts (SQL)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.errors import BadRequest
from gateway.store import schema
from gateway.store.account_rows import AccountRowsMixin
from gateway.store.errors import (
    DelegationBelowUsage,
    InvalidState,
    LicensePoolExhausted,
)
from gateway.store.records import COUNTED_LICENSE_TYPES, Pool, addon_seat_kind
from gateway.store.validation import check_seat_kind

P = schema.license_pools


class PoolsMixin(AccountRowsMixin):
    """Seat pools of accounts; the database's CHECKs keep every pool within capacity."""

    def pools(self, account_id: int) -> list[Pool]:
        """Every seat pool of the account, by seat kind."""
        with self.transaction() as conn:
            return self._pools(conn, account_id)

    def _pools(self, conn: sa.Connection, account_id: int) -> list[Pool]:
        rows = conn.execute(
            sa.select(P).where(P.c.account_id == account_id).order_by(P.c.seat_kind)
        )
        return [Pool(**r._mapping) for r in rows]

    def set_plan(self, account_id: int, seat_kind: str, capacity: int, *, actor: str) -> Pool:
        """Set the seats purchased of one kind (not for bulk-licensed sub-accounts).

        Raises BadRequest ``unknown_seat_kind``/``invalid_capacity``, InvalidState
        ``plan_is_delegated``, DelegationBelowUsage ``capacity_below_usage``.
        """
        check_seat_kind(seat_kind)
        with self.transaction() as conn:
            account = self._lock_account(conn, account_id)
            if account.parent_id is not None:
                parent = self._get_account(conn, account.parent_id)
                if parent.bulk_licensing:
                    raise InvalidState(
                        "This sub-account's seats are delegated by its master under bulk "
                        "licensing; change the delegation instead.",
                        code="plan_is_delegated",
                    )
            before = self._pool(conn, account_id, seat_kind)
            self._set_capacity(conn, account_id, seat_kind, capacity)
            after = self._pool(conn, account_id, seat_kind)
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="plan.set",
                target=seat_kind,
                before=_pool_dict(before),
                after=_pool_dict(after),
            )
            return after

    def _pool(self, conn: sa.Connection, account_id: int, seat_kind: str) -> Pool:
        row = conn.execute(
            sa.select(P).where(P.c.account_id == account_id, P.c.seat_kind == seat_kind)
        ).first()
        if row is None:
            return Pool(account_id, seat_kind, 0, 0, 0)
        return Pool(**row._mapping)

    def _set_capacity(
        self, conn: sa.Connection, account_id: int, seat_kind: str, capacity: int
    ) -> None:
        check_seat_kind(seat_kind)
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 0:
            raise BadRequest("Seat counts are whole numbers, 0 or more.", code="invalid_capacity")
        self._ensure_pool(conn, account_id, seat_kind)
        error = self.guarded(
            conn,
            P.update()
            .where(P.c.account_id == account_id, P.c.seat_kind == seat_kind)
            .values(capacity=capacity),
        )
        if error is not None:
            pool = self._pool(conn, account_id, seat_kind)
            raise DelegationBelowUsage(
                f"{seat_kind}: {capacity} seats is below the {pool.used} used and "
                f"{pool.delegated} delegated.",
                code="capacity_below_usage",
                used=pool.used,
                delegated=pool.delegated,
            ) from error

    def _ensure_pool(self, conn: sa.Connection, account_id: int, seat_kind: str) -> None:
        exists = conn.execute(
            sa.select(P.c.capacity).where(P.c.account_id == account_id, P.c.seat_kind == seat_kind)
        ).first()
        if exists is None:
            insert = sqlite.insert(P) if self.dialect == "sqlite" else postgresql.insert(P)
            conn.execute(
                insert.values(
                    account_id=account_id, seat_kind=seat_kind, capacity=0, used=0, delegated=0
                ).on_conflict_do_nothing()
            )

    def delegate(self, sub_id: int, seat_kind: str, amount: int, *, actor: str) -> Pool:
        """Set the seats a bulk-licensing master delegates to its direct sub-account.

        Raises InvalidState ``bulk_licensing_off``/``not_a_sub_account``, DelegationBelowUsage
        ``delegation_below_usage``, LicensePoolExhausted ``license_pool_exhausted``.
        """
        check_seat_kind(seat_kind)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise BadRequest(
                "A delegation is a whole number of seats, 0 or more.", code="invalid_capacity"
            )
        with self.transaction() as conn:
            sub = self._get_account(conn, sub_id)
            if sub.parent_id is None:
                raise InvalidState(
                    f"Account {sub.number} is not a sub-account.", code="not_a_sub_account"
                )
            master = self._get_account(conn, sub.parent_id)
            if not master.bulk_licensing:
                raise InvalidState(
                    f"Bulk licensing is off on {master.name}; each sub-account has its own plan.",
                    code="bulk_licensing_off",
                )
            self._ensure_pool(conn, master.id, seat_kind)
            self._ensure_pool(conn, sub_id, seat_kind)
            # Lock the master's pool row first, then the child's: one order, no deadlocks.
            locked = self.lock_clause(
                sa.select(P)
                .where(P.c.account_id.in_([master.id, sub_id]), P.c.seat_kind == seat_kind)
                .order_by(P.c.account_id)
            )
            rows = {r.account_id: Pool(**r._mapping) for r in conn.execute(locked)}
            before = rows[sub_id]
            self._apply_delegation(conn, master.id, before, amount)
            after = self._pool(conn, sub_id, seat_kind)
            self.audit(
                conn,
                actor=actor,
                account_id=sub_id,
                action="license.delegate",
                target=seat_kind,
                before=_pool_dict(before),
                after=_pool_dict(after),
            )
            self.audit(
                conn,
                actor=actor,
                account_id=master.id,
                action="license.delegate_out",
                target=f"{sub.number}:{seat_kind}",
                before=before.capacity,
                after=amount,
            )
            return after

    def _apply_delegation(
        self, conn: sa.Connection, master_id: int, sub: Pool, amount: int
    ) -> None:
        error = self.guarded(
            conn,
            P.update()
            .where(P.c.account_id == sub.account_id, P.c.seat_kind == sub.seat_kind)
            .values(capacity=amount),
        )
        if error is not None:
            raise DelegationBelowUsage(
                f"{sub.seat_kind}: the sub-account uses {sub.used + sub.delegated} seats; its "
                f"delegation cannot drop to {amount}.",
                code="delegation_below_usage",
                used=sub.used + sub.delegated,
            ) from error
        diff = amount - sub.capacity
        error = self.guarded(
            conn,
            P.update()
            .where(P.c.account_id == master_id, P.c.seat_kind == sub.seat_kind)
            .values(delegated=P.c.delegated + diff),
        )
        if error is not None:
            pool = self._pool(conn, master_id, sub.seat_kind)
            raise LicensePoolExhausted(
                f"{sub.seat_kind}: the master has {pool.remaining} seats left to delegate and "
                f"this change needs {diff}.",
                remaining=pool.remaining,
                needed=diff,
            ) from error


def _pool_dict(pool: Pool) -> dict[str, int]:
    return {"capacity": pool.capacity, "used": pool.used, "delegated": pool.delegated}


def seat_kinds_of(license_type: str, addons: tuple[str, ...] | list[str]) -> list[str]:
    """The pool keys a user with this license and these add-ons holds a seat in."""
    kinds = [license_type] if license_type in COUNTED_LICENSE_TYPES else []
    return kinds + [addon_seat_kind(a) for a in sorted(set(addons))]


class SeatsMixin(PoolsMixin):
    """Taking and giving back the seats users hold."""

    def move_seats(
        self,
        conn: sa.Connection,
        account_id: int,
        release: list[str],
        take: list[str],
    ) -> None:
        """Give back ``release`` and take ``take`` seat kinds in one account's pools.

        Raises LicensePoolExhausted ``license_pool_exhausted`` when a pool is full.
        """
        released = list(release)
        taken = list(take)
        for kind in set(released) & set(taken):
            released.remove(kind)
            taken.remove(kind)
        for kind in released:
            conn.execute(
                P.update()
                .where(P.c.account_id == account_id, P.c.seat_kind == kind)
                .values(used=P.c.used - 1)
            )
        for kind in sorted(taken):
            self._take_seat(conn, account_id, kind)

    def _take_seat(self, conn: sa.Connection, account_id: int, kind: str) -> None:
        self._ensure_pool(conn, account_id, kind)
        error = self.guarded(
            conn,
            P.update()
            .where(P.c.account_id == account_id, P.c.seat_kind == kind)
            .values(used=P.c.used + 1),
        )
        if error is not None:
            pool = self._pool(conn, account_id, kind)
            raise LicensePoolExhausted(
                f"No {kind} seat is left in this account ({pool.capacity} in the plan, "
                f"{pool.used} used, {pool.delegated} delegated). Free a seat, buy more or ask "
                "the master for a larger delegation.",
                seat_kind=kind,
                capacity=pool.capacity,
                used=pool.used,
            ) from error
