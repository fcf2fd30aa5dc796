"""The demo world behind the console, driven with Flask's test client like a browser would."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.store.sql import SqlStore
from tests.support.console import DemoWorld, make_demo_world


@pytest.fixture
def world(sqlite_store: SqlStore, tmp_path: Any) -> DemoWorld:
    """The demo world (Acme with SSO through the demo IdP, acme.test verified) in demo mode."""
    return make_demo_world(sqlite_store, tmp_path)
