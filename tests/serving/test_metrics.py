"""GATEWAY_METRICS=on serves /metrics (Prometheus text): requests by family and status, sign-ins
by outcome, SCIM operations, pool use; added up over every worker of ``gateway serve``."""

from __future__ import annotations

import re

import pytest

from gateway.app import create_app
from gateway.demo import init_demo
from gateway.store.sql import SqlStore
from gateway.testing.client import http
from gateway.testing.server import LiveGateway


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition ``text``; 0 when absent."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if found == labels:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_are_not_served_unless_turned_on(sqlite_store):
    client = create_app({}, store=sqlite_store).test_client()
    assert client.get("/metrics").status_code == 404


def test_metrics_count_requests_scim_operations_and_sign_ins_by_outcome(sqlite_store):
    world = init_demo(sqlite_store)
    client = create_app({"metrics": True}, store=sqlite_store).test_client()
    scim = {"Authorization": f"Bearer {world.tokens['acme scim']}"}
    for _ in range(3):
        assert client.get("/scim/v2/Users?count=1", headers=scim).status_code == 200
    refused = client.post(
        "/v/acme/saml/SSO",
        data={"SAMLResponse": "not base64 at all!"},
        headers={"Accept": "application/json"},
    )
    code = refused.get_json()["code"]
    assert refused.status_code in (400, 403, 404) and code

    text = client.get("/metrics").get_data(as_text=True)
    count = "gateway_request_seconds_count"
    assert _sample(text, count, family="scim", status="200") == 3
    assert _sample(text, count, family="saml", status=str(refused.status_code)) == 1
    operations = "gateway_scim_operations_total"
    assert _sample(text, operations, surface="scim", operation="read", status="200") == 3
    assert _sample(text, "gateway_sign_ins_total", outcome=code) == 1
    assert "gateway_db_pool_connections_in_use" in text


@pytest.mark.live
def test_a_scrape_adds_up_every_workers_figures(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    SqlStore.from_url(url).dispose()
    with LiveGateway(url, tmp_path, workers=2, env={"GATEWAY_METRICS": "on"}) as server:
        for _ in range(40):  # fresh connections: the workers share them out
            assert http("GET", f"{server.url}/api/v1/openapi.json")[0] == 200
        status, body = http("GET", f"{server.url}/metrics")
    assert status == 200
    text = body if isinstance(body, str) else body.decode()
    assert _sample(text, "gateway_request_seconds_count", family="api", status="200") == 40
