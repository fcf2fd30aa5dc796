"""The demo world on each backend, with the admin API, SCIM and the console at hand."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.store.sql import SqlStore
from tests.support.console import DemoWorld, make_demo_world


@pytest.fixture
def demo(store: SqlStore, tmp_path: Any) -> DemoWorld:
    """The demo world on each backend, in demo mode."""
    return make_demo_world(store, tmp_path)
