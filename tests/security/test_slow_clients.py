"""Slow clients: clients trickling bytes never hold a worker of ``gateway serve`` (Granian, the
body read on the event loop), are cut off with 408, and a keep-alive client is served on one
connection."""

from __future__ import annotations

import http.client as http_client
import socket
import time

import pytest

from gateway.store.sql import SqlStore
from gateway.testing.client import http
from gateway.testing.server import LiveGateway


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
