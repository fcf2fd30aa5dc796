"""Loading many users at once: one transaction, seats taken per kind in aggregate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from gateway.store import schema
from gateway.store.base import new_id
from gateway.store.errors import Conflict, LicensePoolExhausted
from gateway.store.pools import seat_kinds_of
from gateway.store.users import UsersMixin, check_identity, check_user_values

U = schema.users
P = schema.license_pools
CHUNK = 1000


class BulkUsersMixin(UsersMixin):
    """``bulk_create_users`` for benchmarks and migrations: fast, all or nothing."""

    def bulk_create_users(
        self,
        account_id: int,
        rows: Sequence[Mapping[str, Any]],
        *,
        actor: str,
        source: str = "scim",
    ) -> list[str]:
        """Insert many users in one transaction, taking their seats in aggregate.

        Each row holds ``email`` and user fields (``user_name`` among them). Raises BadRequest,
        Conflict ``email_taken``/``user_name_taken``, LicensePoolExhausted (nothing is inserted
        then).
        """
        with self.transaction() as conn:
            account = self._get_account(conn, account_id)
            now = self.clock.now()
            values = [
                self._bulk_row(account_id, account.default_license_type, r, source, now)
                for r in rows
            ]
            for v in values:
                check_identity(v["user_name"], v["email"], v["status"])
            self._check_emails_free(conn, [v["email_key"] for v in values if v["email_key"]])
            self._check_user_names_free(
                conn, [v["user_name_key"] for v in values if v["user_name_key"]]
            )
            seats = Counter(
                k for v in values for k in seat_kinds_of(v["license_type"], v["addons"])
            )
            for kind, count in sorted(seats.items()):
                self._take_seats(conn, account_id, kind, count)
            self._insert_rows(conn, values)
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="user.bulk_create",
                after={"count": len(values)},
            )
            return [v["id"] for v in values]

    @staticmethod
    def _bulk_row(
        account_id: int, default_license: str, row: Mapping[str, Any], source: str, now: Any
    ) -> dict[str, Any]:
        base: dict[str, Any] = {
            "status": "active",
            "license_type": default_license,
            "addons": [],
            "profile": {},
            "email_type": "work",
            "user_name": None,
            "external_id": None,
            "first_name": None,
            "last_name": None,
            "display_name": None,
            "employee_id": None,
            "login_type": "work_email",
            "role": "Member",
            "vip": False,
            "has_upcoming_meetings": False,
        }
        values = check_user_values({**base, **row})
        values.update(
            id=new_id(),
            account_id=account_id,
            source=source,
            created_at=now,
            updated_at=now,
            version=1,
        )
        return values

    def _check_emails_free(self, conn: sa.Connection, keys: list[str]) -> None:
        duplicates = [k for k, n in Counter(keys).items() if n > 1]
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            duplicates += conn.execute(
                sa.select(U.c.email).where(U.c.email_key.in_(chunk))
            ).scalars()
        if duplicates:
            raise Conflict(
                f"The email '{duplicates[0]}' already belongs to a user of this service.",
                code="email_taken",
            )

    def _check_user_names_free(self, conn: sa.Connection, keys: list[str]) -> None:
        """User names (never emails) are nobody else's SCIM userName (a user name or email)."""
        duplicates = [k for k, n in Counter(keys).items() if n > 1]
        scim_key = sa.func.coalesce(U.c.user_name_key, U.c.email_key)
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            duplicates += conn.execute(sa.select(scim_key).where(scim_key.in_(chunk))).scalars()
        if duplicates:
            raise Conflict(
                "One of the user names already belongs to a user of this service.",
                code="user_name_taken",
            )

    @staticmethod
    def _insert_rows(conn: sa.Connection, values: list[dict[str, Any]]) -> None:
        """Insert in chunks; a concurrent writer taking one of the emails (or user names) is
        ``email_taken``."""
        try:
            with conn.begin_nested():
                for start in range(0, len(values), CHUNK):
                    conn.execute(U.insert(), values[start : start + CHUNK])
        except IntegrityError as e:
            raise Conflict(
                "One of the emails or user names was just taken by another user of this service.",
                code="email_taken",
            ) from e

    def _take_seats(self, conn: sa.Connection, account_id: int, kind: str, count: int) -> None:
        self._ensure_pool(conn, account_id, kind)
        stmt = (
            P.update()
            .where(P.c.account_id == account_id, P.c.seat_kind == kind)
            .values(used=P.c.used + count)
        )
        error = self.guarded(conn, stmt)
        if error is not None:
            pool = self._pool(conn, account_id, kind)
            raise LicensePoolExhausted(
                f"{count} {kind} seats are needed but {pool.remaining} are left in this account "
                f"({pool.capacity} in the plan, {pool.used} used, {pool.delegated} delegated).",
                seat_kind=kind,
                capacity=pool.capacity,
                used=pool.used,
            ) from error
