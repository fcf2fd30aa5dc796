"""Mapping rule sets: one versioned document per account (SQL)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from gateway.store import schema
from gateway.store.base import SqlBase
from gateway.store.errors import VersionMismatch

MR = schema.mapping_rulesets
# (store, account id, version) a caller read moments ago with other state: see rules_version_read.
_KNOWN_VERSION: contextvars.ContextVar[tuple[int, int, int] | None] = contextvars.ContextVar(
    "gateway_known_rules_version", default=None
)


class MappingStoreMixin(SqlBase):
    """The ordered rules of each account, versioned; every change is audited."""

    def get_rules(self, account_id: int) -> tuple[list[dict[str, Any]], int]:
        """The account's rules (plain data) and version; ``([], 0)`` before any is saved."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(MR).where(MR.c.account_id == account_id)).first()
            return ([], 0) if row is None else (list(row.rules), row.version)

    def rules_version(self, account_id: int) -> int:
        """Just the version (cheap: the compiled-rules cache checks it at every sign-in).

        Inside ``rules_version_read(account_id, v)``, ``v`` without a query.
        """
        known = _KNOWN_VERSION.get()
        if known is not None and known[:2] == (id(self), account_id):
            return known[2]
        with self.transaction() as conn:
            found = conn.execute(sa.select(MR.c.version).where(MR.c.account_id == account_id))
            return int(found.scalar() or 0)

    @contextlib.contextmanager
    def rules_version_read(self, account_id: int, version: int) -> Iterator[None]:
        """Within this block ``rules_version(account_id)`` answers ``version``: for a caller that
        read it moments ago along with other state (the sign-in reads it with the account)."""
        token = _KNOWN_VERSION.set((id(self), account_id, version))
        try:
            yield
        finally:
            _KNOWN_VERSION.reset(token)

    def put_rules(
        self,
        account_id: int,
        rules: list[dict[str, Any]],
        *,
        actor: str,
        expected_version: int | None = None,
    ) -> int:
        """Replace the rules; returns the new version. Raises VersionMismatch when stale."""
        with self.transaction() as conn:
            row = conn.execute(
                self.lock_clause(sa.select(MR).where(MR.c.account_id == account_id))
            ).first()
            current = 0 if row is None else row.version
            if expected_version is not None and expected_version != current:
                raise VersionMismatch(
                    f"The rules are at version {current}, not "
                    f"{expected_version}; reload them and try again."
                )
            values = {"rules": rules, "version": current + 1, "updated_at": self.clock.now()}
            if row is None:
                conn.execute(MR.insert().values(account_id=account_id, **values))
            else:
                conn.execute(MR.update().where(MR.c.account_id == account_id).values(**values))
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="mapping.rules",
                target=f"version {current + 1}",
                before=None if row is None else list(row.rules),
                after=rules,
            )
            return current + 1
