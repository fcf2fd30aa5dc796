"""Fixtures for the Zoom S2S OAuth tests: an account, an app, the gateway on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.app import create_app
from gateway.store.sql import SqlStore
from tests.support.zoom_oauth import Tenant, new_tenant


@pytest.fixture
def gateway(store: SqlStore) -> Iterator[Any]:
    """The gateway on the backend's store (SQLite always, PostgreSQL when a DSN is given)."""
    yield create_app({"public_url": "http://127.0.0.1:8000"}, store=store)


@pytest.fixture
def http(gateway: Any) -> Any:
    """Flask's test client on ``gateway``."""
    return gateway.test_client()


@pytest.fixture
def acme(store: SqlStore) -> Tenant:
    """Acme with an app holding the ``scim2`` scope."""
    return new_tenant(store, "Acme")
