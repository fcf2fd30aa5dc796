"""A process killed while activation and invitation emails are being written leaves no pending
user without a link, and no invitation without its email; ``gateway check`` finds such a user
(``pending_without_activation_link``) and ``gateway check --repair`` sends it a new link."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from tenants import USER_URN, World, make_world

from gateway.cli import main
from gateway.store import schema

BULK_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


class Killed(BaseException):
    """Stands for SIGKILL: no handler catches it, the open transaction is rolled back."""


@pytest.fixture
def world(sqlite_store) -> World:
    return make_world(sqlite_store)


def _kill_after(world: World, emails: int) -> None:
    """The process dies while writing the email after ``emails`` were written."""
    queue = world.store.queue_email
    written = [0]

    def dying(*args: Any, **kw: Any) -> Any:
        if written[0] >= emails:
            raise Killed
        written[0] += 1
        return queue(*args, **kw)

    world.store.queue_email = dying  # type: ignore[method-assign]


def _pending_without_link(world: World) -> list[str]:
    """Pending users holding no unused, unexpired activation link (read directly)."""
    users, links = schema.users, schema.action_tokens
    live = sa.select(links.c.subject_id).where(
        links.c.purpose == "activation",
        links.c.used_at.is_(None),
        links.c.expires_at > world.store.clock.now(),
    )
    with world.store.transaction() as conn:
        query = sa.select(users.c.email).where(users.c.status == "pending", users.c.id.not_in(live))
        return sorted(conn.execute(query).scalars())


def _bulk(world: World, emails: list[str]) -> Any:
    operations = [
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": f"b{n}",
            "data": {"schemas": [USER_URN], "userName": email},
        }
        for n, email in enumerate(emails)
    ]
    body = {"schemas": [BULK_URN], "Operations": operations}
    return world.api(world.mallory, "POST", "/scim/v2/Bulk", kind="scim", json=body)


def test_killed_bulk_leaves_no_pending_user_without_link(world):
    emails = [f"pending{n}@elsewhere.test" for n in range(10)]
    _kill_after(world, 4)
    with pytest.raises(Killed):
        _bulk(world, emails)
    assert _pending_without_link(world) == []
    del world.store.queue_email  # the restart
    retried = _bulk(world, emails)
    assert [op["status"] for op in retried.json["Operations"]] == ["201"] * 10
    assert _pending_without_link(world) == []
    assert world.store.check_invariants() == []


def test_killed_scim_create_leaves_no_pending_user_without_link(world):
    _kill_after(world, 0)
    body = {"schemas": [USER_URN], "userName": "one@elsewhere.test"}
    with pytest.raises(Killed):
        world.api(world.mallory, "POST", "/scim/v2/Users", kind="scim", json=body)
    assert _pending_without_link(world) == [] and world.account_of("one@elsewhere.test") is None


def test_killed_invitation_leaves_no_invitation_without_its_email(world):
    _kill_after(world, 0)
    path = f"/api/v1/accounts/{world.mallory.account.id}/invitations"
    with pytest.raises(Killed):
        world.api(world.mallory, "POST", path, json={"email": "guest@elsewhere.test"})
    del world.store.queue_email
    again = world.api(world.mallory, "POST", path, json={"email": "guest@elsewhere.test"})
    assert again.json["result"] == "invited"  # not "already_invited" with no email ever sent
    assert world.links(world.mallory.account, "guest@elsewhere.test", "invitation")


def test_gateway_check_reports_a_pending_user_without_a_live_link(world):
    lost = world.store.create_user(
        world.mallory.account.id, "lost@elsewhere.test", actor="t", source="scim", status="pending"
    )
    problems = world.store.check_invariants()
    assert [(p.code, lost.id in p.message) for p in problems] == [
        ("pending_without_activation_link", True)
    ]


def test_gateway_check_repair_sends_a_new_link(world, monkeypatch):
    database = world.store.engine.url.render_as_string(hide_password=False)
    world.store.create_user(
        world.mallory.account.id, "lost@elsewhere.test", actor="t", source="scim", status="pending"
    )
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database)
    runner = CliRunner()
    found = runner.invoke(main, ["check"])
    assert found.exit_code == 1 and "pending_without_activation_link" in found.output
    repaired = runner.invoke(main, ["check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "repaired" in repaired.output and "ok: every invariant holds" in repaired.output
    assert world.links(world.mallory.account, "lost@elsewhere.test", "activation")
    assert _pending_without_link(world) == []


class _Inbox:
    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients += envelope.rcpt_tos
        return "250 OK"


def test_gateway_check_repair_sends_again_the_emails_a_crash_kept_from_smtp(
    world, clock, monkeypatch
):
    clock.set(dt.datetime.now(dt.UTC))  # the command runs on the system clock
    # Written with its user, but the process died before the send that follows the commit.
    body = {"schemas": [USER_URN], "userName": "waiting@elsewhere.test"}
    world.api(world.mallory, "POST", "/scim/v2/Users", kind="scim", json=body)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("GATEWAY_DATABASE_URL", world.store.engine.url.render_as_string(False))
        monkeypatch.setenv("GATEWAY_SMTP_URL", f"smtp://127.0.0.1:{port}")
        repaired = CliRunner().invoke(main, ["check", "--repair"])
    finally:
        controller.stop()
    assert repaired.exit_code == 0, repaired.output
    assert "1 undelivered email(s) sent again" in repaired.output
    assert inbox.recipients == ["waiting@elsewhere.test"]
    [mail] = world.store.list_outbox(world.mallory.account.id).items
    assert mail.sent_at is not None
