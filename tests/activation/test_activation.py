"""Email activation: the outbox, single-use 7-day links, and SMTP delivery on loopback."""

from __future__ import annotations

import socket
import time

import pytest
from aiosmtpd.controller import Controller

from gateway.activation import Activation
from gateway.app import create_app
from gateway.config import GatewayConfig


@pytest.fixture
def world(sqlite_store):
    account = sqlite_store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")
    sqlite_store.add_verified_domain(account.id, "acme.test", actor="t")
    pending = sqlite_store.create_user(
        account.id, "bob@elsewhere.test", actor="t", source="scim", status="pending"
    )
    return account, pending


def _activation(store, smtp_url=None):
    return Activation(store, GatewayConfig(public_url="http://gw.test", smtp_url=smtp_url))


def test_only_emails_outside_associated_domains_need_activation(sqlite_store, world):
    account, _ = world
    service = _activation(sqlite_store)
    assert service.needs_activation(account.id, "bob@elsewhere.test")
    assert not service.needs_activation(account.id, "alice@ACME.test")


JSON = {"Accept": "application/json"}


def test_following_the_link_activates_the_user_once(sqlite_store, world, app):
    _, pending = world
    message = _activation(sqlite_store).send(pending, reason="SCIM")
    assert message.link.startswith("http://gw.test/activate/")
    path = message.link.removeprefix("http://gw.test")
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and b'<form method="post">' in page.data
    assert sqlite_store.get_user(pending.id).status == "pending"  # a GET changes nothing
    first = client.post(path, headers=JSON)
    assert first.status_code == 200 and first.json["status"] == "active"
    assert sqlite_store.get_user(pending.id).status == "active"
    again = client.post(path, headers=JSON)
    assert again.status_code == 410 and again.json["code"] == "link_used"
    assert client.get(path, headers=JSON).json["code"] == "link_used"


def test_a_link_expires_after_seven_days(sqlite_store, world, app, clock):
    _, pending = world
    message = _activation(sqlite_store).send(pending, reason="SCIM")
    clock.advance(days=7)
    response = app.test_client().post(message.link.removeprefix("http://gw.test"), headers=JSON)
    assert response.status_code == 410 and response.json["code"] == "link_expired"
    assert sqlite_store.get_user(pending.id).status == "pending"


def test_an_unknown_link_is_refused_with_its_code(app):
    response = app.test_client().post("/activate/not-a-real-secret", headers=JSON)
    assert response.status_code == 404 and response.json["code"] == "link_unknown"
    page = app.test_client().get("/activate/not-a-real-secret")
    assert page.status_code == 404 and b"link_unknown" in page.data


def test_the_admin_api_shows_that_a_mail_was_sent_without_its_link(sqlite_store, world, app):
    account, pending = world
    sent = _activation(sqlite_store).send(pending, reason="SCIM")
    _, secret = sqlite_store.create_token(account.id, "admin", actor="t")
    response = app.test_client().get(
        f"/api/v1/accounts/{account.id}/outbox", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    [message] = response.json["messages"]
    assert message["recipient"] == "bob@elsewhere.test" and message["kind"] == "activation"
    assert message["sent_at"] is None and message["link"] is None
    assert sent.link not in message["body"] and "[link withheld" in message["body"]


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_emails_are_delivered_over_smtp_when_configured(sqlite_store, world):
    _, pending = world
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message = _activation(sqlite_store, f"smtp://127.0.0.1:{port}").send(pending, reason="SCIM")
        deadline = time.monotonic() + 5
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    assert inbox.messages[0].rcpt_tos == ["bob@elsewhere.test"]
    assert message.link.encode() in inbox.messages[0].content
    [stored] = sqlite_store.list_outbox(pending.account_id).items
    assert stored.sent_at is not None and stored.send_error is None


def test_a_failed_smtp_delivery_is_recorded_not_raised(sqlite_store, world):
    _, pending = world
    _activation(sqlite_store, f"smtp://127.0.0.1:{_free_port()}").send(pending, reason="SCIM")
    [stored] = sqlite_store.list_outbox(pending.account_id).items
    assert stored.sent_at is None and "ConnectionRefusedError" in stored.send_error


def test_create_app_registers_the_activation_route(sqlite_store):
    app = create_app({"demo": True}, store=sqlite_store)
    assert any(r.rule == "/activate/<secret>" for r in app.url_map.iter_rules())
