"""Engines for SQLite (WAL, immediate transactions) and PostgreSQL (psycopg 3), and migration."""

from __future__ import annotations

import pathlib
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from gateway.store.errors import StoreError

DEFAULT_SQLITE_PATH = "var/gateway.db"
# How long a statement waits for a lock another transaction holds before the request is
# answered 503 ``database_busy`` (SQLite busy timeout, PostgreSQL lock_timeout).
LOCK_TIMEOUT_SECONDS = 5.0
RETRY_AFTER_SECONDS = 2
# A pooled PostgreSQL connection idle for longer than this is pinged before use (see below).
PING_AFTER_IDLE_SECONDS = 10.0
AUTOCOMMIT = "gateway_autocommit"


def autocommit(conn: sa.Connection) -> sa.Connection:
    """``conn`` with each statement committed by itself: no BEGIN/COMMIT round trips and, on
    SQLite, no write lock taken ahead. For a single statement that is atomic by itself."""
    if conn.dialect.name == "sqlite":
        # The driver already commits each statement unless a BEGIN was sent, so only ours is
        # left out; SQLAlchemy's isolation-level switch would hand the connection back to the
        # pool in the driver's implicit-transaction mode.
        return conn.execution_options(**{AUTOCOMMIT: True})
    return conn.execution_options(isolation_level="AUTOCOMMIT", **{AUTOCOMMIT: True})


def is_autocommit(conn: sa.Connection) -> bool:
    """Whether ``conn`` was put in autocommit by ``autocommit``."""
    return bool(conn.get_execution_options().get(AUTOCOMMIT))


def default_url() -> str:
    """The URL used when ``GATEWAY_DATABASE_URL`` is not set."""
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


class DatabaseBusy(StoreError):
    """Another transaction held the lock this one needed for longer than the lock timeout."""

    status = 503
    code = "database_busy"


class NumberOutOfRange(StoreError):
    """A number does not fit the database column it is stored in."""

    status = 400
    code = "number_out_of_range"


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """Build an engine for ``url``; raises ``sqlalchemy.exc.ArgumentError`` on a bad URL."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, **kwargs)
    else:
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = sa.create_engine(parsed, **kwargs)
        _ping_after_idle(engine, PING_AFTER_IDLE_SECONDS)
        _postgres_lock_timeout(engine)
    event.listen(engine, "handle_error", _translate_error)
    return engine


def _translate_error(context: sa.engine.ExceptionContext) -> None:
    """Raise the store's refusal for a lock wait that timed out (DatabaseBusy) or a number a
    column cannot hold (NumberOutOfRange); other errors pass through unchanged."""
    error = context.original_exception
    sqlstate = getattr(error, "sqlstate", None)
    message = str(error).lower()
    if sqlstate == "55P03" or "database is locked" in message or "table is locked" in message:
        raise DatabaseBusy(
            "The database is busy with another change; retry in a few seconds.",
            retry_after=RETRY_AFTER_SECONDS,
        ) from error
    if sqlstate == "22003" or isinstance(error, OverflowError):
        raise NumberOutOfRange(
            "A number in the request is too large for the gateway to store.",
        ) from error


def _postgres_lock_timeout(engine: sa.Engine) -> None:
    """Every PostgreSQL session waits at most LOCK_TIMEOUT_SECONDS for a lock, and never
    JIT-compiles a query.

    The gateway's statements are short lookups on indexes, but on tables without statistics
    (new, or on a server that does not autovacuum) the planner can cost one over
    ``jit_above_cost``; compiling it then takes about 50 ms, a hundred times the query's own
    work, and at every execution (the sign-in's account stamp did, measured).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(LOCK_TIMEOUT_SECONDS * 1000)}")
            cursor.execute("SET jit = off")
        dbapi_conn.commit()


def _ping_after_idle(engine: sa.Engine, idle_seconds: float) -> None:
    """Ping a pooled connection at checkout only when it sat idle for ``idle_seconds``.

    ``pool_pre_ping`` costs one round trip at every checkout (four per sign-in, measured); a
    connection used moments ago is alive unless the server went away since, and then the
    first statement fails as a disconnect, SQLAlchemy discards every pooled connection made
    before it, and the next checkout connects afresh. A connection that sat idle (where a
    server restart, a proxy or a firewall drops it unseen) is pinged first and replaced
    silently when the ping fails.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["gateway_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("gateway_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as e:
            # The pool discards this connection and checks out (or makes) another.
            raise sa.exc.DisconnectionError("the pooled connection is gone") from e


def _sqlite_engine(url: sa.URL, **kwargs: Any) -> sa.Engine:
    database = url.database or ""
    if database and database != ":memory:":
        pathlib.Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": LOCK_TIMEOUT_SECONDS},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself so every write transaction takes the write lock up
        # front (BEGIN IMMEDIATE): no lock upgrades, hence no SQLITE_BUSY deadlocks mid-way.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(LOCK_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        if not is_autocommit(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: sa.Engine) -> bool:
    """Whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"
