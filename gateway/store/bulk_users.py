"""Loading many users at once: one transaction, seats taken per kind in aggregate."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from gateway.store import schema
from gateway.store.account_rows import new_user_license
from gateway.store.errors import Conflict, LicensePoolExhausted
from gateway.store.pools import seat_kinds_of
from gateway.store.user_batch import (
    UserBatch,
    existing_keys,
    insert_user_rows,
    new_user_row,
)
from gateway.store.user_rows import check_identity
from gateway.store.users import UsersMixin

U = schema.users
P = schema.license_pools
ANALYZE_AFTER = 1000  # users loaded at once


class BulkUsersMixin(UsersMixin):
    """``bulk_create_users`` for benchmarks and migrations (fast, all or nothing), and
    ``user_batch`` for SCIM /Bulk (each user checked on its own, inserted together)."""

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
                new_user_row(account_id, new_user_license(account), r, source, now) for r in rows
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
            insert_user_rows(conn, values)
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="user.bulk_create",
                after={"count": len(values)},
            )
            if self.dialect == "postgresql" and len(values) >= ANALYZE_AFTER:
                self.after_commit(self._analyze_users)
            return [v["id"] for v in values]

    def _analyze_users(self) -> None:
        """Refresh PostgreSQL's statistics of ``users`` after a large load: planned with the
        statistics of a much smaller table, the next load's key lookups slowed from about
        10,000 to under 1,000 users a second, long before autovacuum came round."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE users")
            conn.commit()

    @contextlib.contextmanager
    def user_batch(self, account_id: int, candidate_keys: Iterable[str]) -> Iterator[UserBatch]:
        """A batch of user creations in one transaction, inserted when the block ends.

        ``candidate_keys`` (lower-cased emails and user names the batch may use) are looked up
        at once; others are looked up as they come. Raises BatchRaced when a concurrent writer
        took a key the batch checked (nothing is inserted then).
        """
        with self.transaction() as conn:
            batch = UserBatch(self, conn, account_id, candidate_keys)
            yield batch
            batch.flush()

    def _check_emails_free(self, conn: sa.Connection, keys: list[str]) -> None:
        duplicates = [k for k, n in Counter(keys).items() if n > 1]
        duplicates += sorted(existing_keys(conn, U.c.email_key, keys))
        if duplicates:
            raise Conflict(
                f"The email '{duplicates[0]}' already belongs to a user of this service.",
                code="email_taken",
            )

    def _check_user_names_free(self, conn: sa.Connection, keys: list[str]) -> None:
        """User names (never emails) are nobody else's SCIM userName (a user name or email)."""
        duplicates = [k for k, n in Counter(keys).items() if n > 1]
        duplicates += sorted(existing_keys(conn, schema.scim_user_name_key, keys))
        if duplicates:
            raise Conflict(
                "One of the user names already belongs to a user of this service.",
                code="user_name_taken",
            )

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
