"""Fixtures for the SCIM core: the real schema on SQLite (always) and PostgreSQL (when given)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.store.schema import accounts, group_members, groups, metadata, users

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL")
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def user_row(user_id: str, email: str, **overrides: Any) -> dict[str, Any]:
    """A ``users`` row with every required column filled."""
    row: dict[str, Any] = {
        "id": user_id,
        "account_id": 1,
        "email": email,
        "email_key": email.lower(),
        "email_type": "work",
        "external_id": None,
        "first_name": None,
        "last_name": None,
        "display_name": None,
        "employee_id": None,
        "login_type": "work_email",
        "status": "active",
        "license_type": "Basic",
        "addons": [],
        "source": "scim",
        "profile": {},
        "created_at": NOW,
        "updated_at": NOW,
    }
    row.update(overrides)
    return row


def _create(conn: sa.Connection) -> None:
    metadata.create_all(conn)
    conn.execute(
        sa.insert(accounts),
        [
            {
                "id": 1,
                "number": "1001",
                "name": "Acme",
                "owner_email": "owner@acme.test",
                "account_type": "standalone",
                "settings": {},
                "created_at": NOW,
                "updated_at": NOW,
            }
        ],
    )


def _backends() -> list[Any]:
    postgres = pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="GATEWAY_TEST_POSTGRES_URL is not set"),
        ],
    )
    return ["sqlite", postgres]


@pytest.fixture(params=_backends())
def db(request: pytest.FixtureRequest) -> Iterator[sa.Connection]:
    """A connection with the gateway's tables, empty, on each backend."""
    if request.param == "sqlite":
        engine = sa.create_engine("sqlite://")
        with engine.connect() as conn:
            _create(conn)
            yield conn
        return
    assert POSTGRES_URL is not None
    schema = f"scim_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.connect() as admin:
        admin.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        admin.commit()
    try:
        with engine.connect() as raw:
            conn = raw.execution_options(schema_translate_map={None: schema})
            _create(conn)
            yield conn
    finally:
        with engine.connect() as admin:
            admin.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.commit()
        engine.dispose()


def insert_users(conn: sa.Connection, *rows: dict[str, Any]) -> None:
    """Insert ``users`` rows."""
    conn.execute(sa.insert(users), list(rows))


def insert_group(conn: sa.Connection, group_id: str, name: str, members: list[str]) -> None:
    """Insert a group and its members."""
    conn.execute(
        sa.insert(groups),
        [
            {
                "id": group_id,
                "account_id": 1,
                "display_name": name,
                "created_at": NOW,
                "updated_at": NOW,
            }
        ],
    )
    if members:
        conn.execute(
            sa.insert(group_members), [{"group_id": group_id, "user_id": m} for m in members]
        )


def user_ids(conn: sa.Connection, where: sa.ColumnElement[bool]) -> list[str]:
    """The ids of the users matching ``where``, sorted."""
    return sorted(conn.execute(sa.select(users.c.id).where(where)).scalars())


def group_ids(conn: sa.Connection, where: sa.ColumnElement[bool]) -> list[str]:
    """The ids of the groups matching ``where``, sorted."""
    return sorted(conn.execute(sa.select(groups.c.id).where(where)).scalars())
