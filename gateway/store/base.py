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
from gateway.store.engine import autocommit

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


class HeldReads:
    """One connection in autocommit, checked out at its first use and kept until ``close``:
    what a request reads outside a transaction (its token, a read-only operation)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._conn: sa.Connection | None = None

    def connection(self) -> sa.Connection:
        """The held connection (checked out now if it is not yet)."""
        if self._conn is None:
            self._conn = autocommit(self._engine.connect())
        return self._conn

    def close(self) -> None:
        """Give the connection back to the pool (a later ``connection`` takes one again)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()


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
        self._held: contextvars.ContextVar[HeldReads | None] = contextvars.ContextVar(
            f"gateway_held_{id(self)}", default=None
        )

    def hold_reads(self) -> contextvars.Token[HeldReads | None]:
        """Until ``release_reads``, this context's reads outside a transaction (``read``) and
        its read-only transactions share one connection in autocommit, checked out at the
        first of them: a request's token read and its read-only operation take one pool
        checkout, and no BEGIN/COMMIT. A transaction that may write gives that connection
        back first and takes its own (one connection at a time)."""
        return self._held.set(HeldReads(self.engine))

    def release_reads(self, token: contextvars.Token[HeldReads | None]) -> None:
        """End ``hold_reads``: the held connection goes back to the pool."""
        held = self._held.get()
        try:
            self._held.reset(token)
        except ValueError:  # released from another context than it was held in
            self._held.set(None)
        if held is not None:
            held.close()

    @contextlib.contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A connection for statements that are each atomic by themselves: the transaction
        open in this context, else the held one (``hold_reads``), else one in autocommit for
        the block."""
        current = self._tx.get()
        if current is not None:
            yield current
            return
        held = self._held.get()
        if held is not None:
            yield held.connection()
            return
        with self.engine.connect() as raw:
            yield autocommit(raw)

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
        held = self._held.get()
        if held is not None and reads_only:
            # Each statement sees what was committed before it, as in PostgreSQL's READ
            # COMMITTED transactions, which every reader here is written for.
            conn = held.connection()
            with self._scoped(conn, actions, reads_only):
                yield conn
        else:
            if held is not None:
                held.close()
            with self.engine.begin() as opened, self._scoped(opened, actions, reads_only):
                yield opened
        for action in actions:
            action()

    @contextlib.contextmanager
    def _scoped(
        self, conn: sa.Connection, actions: list[Callable[[], None]], reads_only: bool
    ) -> Iterator[None]:
        """``conn`` is this context's transaction for the block."""
        token, after = self._tx.set(conn), self._after.set(actions)
        reading = self._reads_only.set(reads_only)
        try:
            yield
        finally:
            self._tx.reset(token)
            self._after.reset(after)
            self._reads_only.reset(reading)

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
        found = SqlBase.guarded_row(conn, stmt, params, fetch=False)
        return found if isinstance(found, IntegrityError) else None

    @staticmethod
    def guarded_row(
        conn: sa.Connection,
        stmt: sa.Executable,
        params: dict[str, Any] | None = None,
        *,
        fetch: bool = True,
    ) -> sa.Row[Any] | IntegrityError | None:
        """``guarded`` for a statement returning one row (``INSERT ... RETURNING``): the row
        (None when not ``fetch``), or the constraint error."""
        try:
            if conn.dialect.name == "sqlite":
                result = conn.execute(stmt, params)
                return result.one() if fetch else None
            with conn.begin_nested():
                result = conn.execute(stmt, params)
                return result.one() if fetch else None
        except IntegrityError as e:
            return e

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
