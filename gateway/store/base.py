"""The SQL store's shared machinery: one transaction per call unless one is already open."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from gateway.clock import Clock, utc
from gateway.store import schema

AUDIT_INSERT = schema.audit_log.insert()


def hash_secret(secret: str) -> str:
    """SHA-256 hex of a bearer secret: secrets are high-entropy, so no salt or stretching."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str) -> str:
    """A new URL-safe secret with a readable prefix (``gwa_``, ``gws_``...)."""
    return prefix + secrets.token_urlsafe(32)


def new_id() -> str:
    """A new opaque record id."""
    return str(uuid.uuid4())


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` as aware UTC (SQLite returns naive datetimes)."""
    return None if value is None else utc(value)


class SqlBase:
    """Engine, clock, transaction scoping and the audit writer shared by every store part."""

    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._tx: contextvars.ContextVar[sa.Connection | None] = contextvars.ContextVar(
            f"gateway_tx_{id(self)}", default=None
        )
        self._after: contextvars.ContextVar[list[Callable[[], None]] | None] = (
            contextvars.ContextVar(f"gateway_after_{id(self)}", default=None)
        )
        self._reads_only: contextvars.ContextVar[bool] = contextvars.ContextVar(
            f"gateway_reads_only_{id(self)}", default=False
        )

    @contextlib.contextmanager
    def transaction(self, *, reads_only: bool = False) -> Iterator[sa.Connection]:
        """Join the transaction already open in this context, or open one (committed on exit,
        then the ``after_commit`` actions run). ``reads_only``: the caller promises that the
        transaction it opens writes nothing (see ``sees_committed_state``)."""
        current = self._tx.get()
        if current is not None:
            yield current
            return
        actions: list[Callable[[], None]] = []
        with self.engine.begin() as conn:
            token, after = self._tx.set(conn), self._after.set(actions)
            reading = self._reads_only.set(reads_only)
            try:
                yield conn
            finally:
                self._tx.reset(token)
                self._after.reset(after)
                self._reads_only.reset(reading)
        for action in actions:
            action()

    def sees_committed_state(self) -> bool:
        """Whether a statement run now sees only committed data: no transaction is open in
        this context, or the one open was opened to read only."""
        return self._tx.get() is None or self._reads_only.get()

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the transaction open in this context commits (dropped if it
        rolls back), or at once when none is open: for what must not happen before the data
        it is about is stored, and must not hold a transaction open (sending mail)."""
        pending = self._after.get()
        if pending is None:
            action()
        else:
            pending.append(action)

    @staticmethod
    def guarded(
        conn: sa.Connection, stmt: sa.Executable, params: dict[str, Any] | None = None
    ) -> IntegrityError | None:
        """Run ``stmt`` (with ``params``) in a savepoint; return the constraint error instead
        of raising it.

        The savepoint keeps the transaction usable afterwards on PostgreSQL too, so the caller
        can read the pool and explain the refusal. SQLite needs none: a statement that breaks
        a constraint is undone by itself (its triggers' writes included) and the transaction
        goes on, so the two extra statements are left out there.
        """
        try:
            if conn.dialect.name == "sqlite":
                conn.execute(stmt, params)
            else:
                with conn.begin_nested():
                    conn.execute(stmt, params)
        except IntegrityError as e:
            return e
        return None

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def lock_clause(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        """``FOR UPDATE`` where the database has row locks (SQLite locks the whole file)."""
        return stmt if self.dialect == "sqlite" else stmt.with_for_update()

    def audit_event(self, **entry: Any) -> None:
        """Append one audit entry in its own transaction (or the one already open)."""
        with self.transaction() as conn:
            self.audit(conn, **entry)

    def audit(
        self,
        conn: sa.Connection,
        *,
        actor: str,
        account_id: int | None,
        action: str,
        target: str | None = None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Append one entry to the audit log inside the caller's transaction."""
        row = {
            "at": self.clock.now(),
            "actor": actor,
            "account_id": account_id,
            "action": action,
            "target": target,
            "before": before,
            "after": after,
        }
        conn.execute(AUDIT_INSERT, row)  # one statement built once, values bound per call
