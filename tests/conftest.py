"""Shared fixtures: a store on every backend (SQLite always, PostgreSQL when a DSN is given)."""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.app import create_app
from gateway.clock import FrozenClock
from gateway.store.sql import SqlStore
from gateway.testing.postgres import fresh_schema

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"]
NO_POSTGRES = "GATEWAY_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite is skipped"


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for this test session, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with fresh_schema(POSTGRES_URL, prefix="gw_test") as url:
        yield url


@pytest.fixture(scope="session")
def postgres_migrated_url(postgres_schema_url: str) -> str:
    """The session's PostgreSQL schema, migrated once (tests then only empty the tables)."""
    _drop_postgres_tables(postgres_schema_url)
    SqlStore.from_url(postgres_schema_url).dispose()
    return postgres_schema_url


def _drop_postgres_tables(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        tables = conn.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            conn.execute(sa.text(f"DROP TABLE {names} CASCADE"))
    engine.dispose()


def _empty_postgres(url: str) -> None:
    """Empty every table but Alembic's, restarting the id sequences: a fresh store, fast."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        tables = conn.execute(
            sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A migrated, empty SQLite file, copied for each test instead of migrating again."""
    path = tmp_path_factory.mktemp("sqlite-template") / "gateway.db"
    SqlStore.from_url(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def clock() -> FrozenClock:
    """A frozen clock tests can move."""
    return FrozenClock(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC))


def make_store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Any, clock: FrozenClock
) -> SqlStore:
    """A migrated, empty store on ``backend``."""
    if backend == "sqlite":
        return _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path, clock)
    url = request.getfixturevalue("postgres_migrated_url")
    _empty_postgres(url)
    return SqlStore.from_url(url, clock, migrate=False)


def _sqlite_copy(template: pathlib.Path, tmp_path: Any, clock: FrozenClock) -> SqlStore:
    target = pathlib.Path(tmp_path) / "gateway.db"
    shutil.copyfile(template, target)
    return SqlStore.from_url(f"sqlite:///{target}", clock, migrate=False)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn; PostgreSQL skips (with the reason) without a DSN."""
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    return str(request.param)


@pytest.fixture
def store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Any, clock: FrozenClock
) -> Iterator[SqlStore]:
    """An empty store on each backend."""
    s = make_store(backend, request, tmp_path, clock)
    yield s
    s.dispose()


@pytest.fixture
def sqlite_store(
    tmp_path: Any, clock: FrozenClock, sqlite_template: pathlib.Path
) -> Iterator[SqlStore]:
    """An empty SQLite store, for tests that are about the app rather than the database."""
    s = _sqlite_copy(sqlite_template, tmp_path, clock)
    yield s
    s.dispose()


@pytest.fixture
def app(sqlite_store: SqlStore) -> Any:
    """The gateway on an empty SQLite store, in demo mode."""
    return create_app({"demo": True, "public_url": "http://127.0.0.1:8000"}, store=sqlite_store)


@pytest.fixture
def client(app: Any) -> Any:
    """Flask's test client."""
    return app.test_client()


CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless, through Playwright (never its download): one for the whole
    session, since Playwright's sync API runs one instance at a time in a process."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: 'make sysdeps' installs it (apt chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()
