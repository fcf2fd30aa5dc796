"""The moved clock is shared by two gateway processes on one PostgreSQL database."""

from __future__ import annotations

import os
import time

import pytest

from gateway.store.sql import SqlStore
from gateway.testing.client import http
from gateway.testing.postgres import fresh_schema
from gateway.testing.server import LiveGateway

POSTGRES = os.environ.get("GATEWAY_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(
    not POSTGRES, reason="GATEWAY_TEST_POSTGRES_URL is not set: two workers need PostgreSQL"
)


def test_a_move_on_one_gateway_is_seen_by_the_other_within_a_second(tmp_path):
    assert POSTGRES
    with fresh_schema(POSTGRES, prefix="gw_clock") as url:
        store = SqlStore.from_url(url)
        account = store.create_account("Clockwork", "owner@clockwork.test", actor="t")
        _, token = store.create_token(account.id, "admin", actor="t")
        store.dispose()
        headers = {"Authorization": f"Bearer {token}"}
        with (
            LiveGateway(url, tmp_path / "one", demo=True) as one,
            LiveGateway(url, tmp_path / "two", demo=True) as two,
        ):
            assert http("GET", f"{two.url}/api/v1/clock", headers=headers)[1]["moved"] is False
            status, moved = http(
                "POST", f"{one.url}/api/v1/clock/advance", json_body={"by": "24h"}, headers=headers
            )
            assert status == 200 and moved["offset_seconds"] == 86400
            time.sleep(1.2)
            _, seen = http("GET", f"{two.url}/api/v1/clock", headers=headers)
            assert seen["offset_seconds"] == 86400
            http("DELETE", f"{one.url}/api/v1/clock", headers=headers)
