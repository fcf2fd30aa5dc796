"""Engines for SQLite (WAL, immediate transactions) and PostgreSQL (psycopg 3), and migration."""

from __future__ import annotations

import pathlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

DEFAULT_SQLITE_PATH = "var/gateway.db"


def default_url() -> str:
    """The URL used when ``GATEWAY_DATABASE_URL`` is not set."""
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """Build an engine for ``url``; raises ``sqlalchemy.exc.ArgumentError`` on a bad URL."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return sa.create_engine(parsed, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: sa.URL, **kwargs: Any) -> sa.Engine:
    database = url.database or ""
    if database and database != ":memory:":
        pathlib.Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
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
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: sa.Engine) -> bool:
    """Whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"
