"""The demo world served by the gateway on each backend, with helpers for the HTTP flows."""

from __future__ import annotations

import pytest

from gateway.store.sql import SqlStore
from tests.support.domains import World, make_world


@pytest.fixture
def world(store: SqlStore) -> World:
    """The demo world (Acme verified acme.test) on SQLite and, with a DSN, PostgreSQL."""
    return make_world(store)
