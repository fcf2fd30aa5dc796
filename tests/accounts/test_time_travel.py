"""Demo time travel (issue 17): the service's clock moved from outside, for every worker."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from gateway.app import create_app
from gateway.clock import MovableClock
from gateway.demo_idp import signed_response
from gateway.store.sql import SqlStore
from gateway.timetravel import parse_duration

DAY = dt.timedelta(days=1)


def test_a_movable_clock_reads_the_shared_offset_again_only_when_stale_or_told():
    reads: list[int] = []
    ticks = [0.0]

    def read() -> dt.timedelta:
        reads.append(1)
        return dt.timedelta(hours=len(reads))

    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    clock = MovableClock(_Fixed(base), read, ttl=1.0, monotonic=lambda: ticks[0])
    assert clock.now() == base + dt.timedelta(hours=1)
    assert clock.now() == base + dt.timedelta(hours=1) and len(reads) == 1
    ticks[0] = 1.5
    assert clock.now() == base + dt.timedelta(hours=2)
    clock.invalidate()
    assert clock.now() == base + dt.timedelta(hours=3)


class _Fixed:
    def __init__(self, when: dt.datetime) -> None:
        self.when = when

    def now(self) -> dt.datetime:
        return self.when


def test_the_app_clock_and_the_store_clock_are_the_same_movable_clock(demo):
    clock = demo.app.extensions["gateway.clock"]
    assert isinstance(clock, MovableClock) and demo.store.clock is clock


def test_outside_demo_mode_the_clock_is_not_movable(store):
    app = create_app({"demo": False}, store=store)
    assert not isinstance(app.extensions["gateway.clock"], MovableClock)
    account = store.create_account("Solo", "owner@solo.test", actor="t")
    _, token = store.create_token(account.id, "admin", actor="t")
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    answer = client.post("/api/v1/clock/advance", json={"by": "24h"}, headers=headers)
    assert answer.status_code == 403 and answer.json["code"] == "clock_demo_only"
    assert (
        client.put("/api/v1/clock", json={"now": "2030-01-01T00:00:00Z"}, headers=headers).json[
            "code"
        ]
        == "clock_demo_only"
    )
    assert client.delete("/api/v1/clock", headers=headers).json["code"] == "clock_demo_only"
    assert client.get("/api/v1/clock", headers=headers).json["movable"] is False


def test_advancing_through_the_api_moves_every_worker(demo, store):
    before = demo.store.clock.now()
    answer = demo.api("POST", "/api/v1/clock/advance", json={"by": "24h"})
    assert answer.status_code == 200, answer.text
    assert answer.json["offset_seconds"] == DAY.total_seconds() and answer.json["moved"] is True
    assert demo.store.clock.now() == before + DAY
    # Another worker: its own store object and app on the same database.
    other_store = SqlStore.from_url(str(store.engine.url), demo.store.clock.base, migrate=False)
    try:
        other = create_app({"demo": True}, store=other_store)
        shown = other.test_client().get(
            "/api/v1/clock", headers={"Authorization": f"Bearer {demo.tokens['acme admin']}"}
        )
        assert shown.json["offset_seconds"] == DAY.total_seconds()
        assert other_store.clock.now() == before + DAY
    finally:
        other_store.dispose()


def test_set_and_reset_through_the_api(demo):
    answer = demo.api("PUT", "/api/v1/clock", json={"now": "2030-06-01T12:00:00+02:00"})
    assert answer.status_code == 200, answer.text
    assert demo.store.clock.now() == dt.datetime(2030, 6, 1, 10, 0, tzinfo=dt.UTC)
    base = demo.store.clock.base.now()
    assert demo.api("DELETE", "/api/v1/clock").json["moved"] is False
    assert demo.store.clock.now() == base
    moves = demo.store.list_audit([demo.account("acme").id], action="clock.move").items
    assert len(moves) == 2


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "/api/v1/clock/advance", {"by": "soon"}, "invalid_duration"),
        ("POST", "/api/v1/clock/advance", {"by": "24"}, "invalid_duration"),
        ("POST", "/api/v1/clock/advance", {"by": "99999999d"}, "clock_out_of_range"),
        ("POST", "/api/v1/clock/advance", {"by": "4000d"}, "clock_out_of_range"),
        ("PUT", "/api/v1/clock", {"now": "2030-01-01T00:00:00"}, "invalid_time"),
        ("PUT", "/api/v1/clock", {"now": "tomorrow"}, "invalid_time"),
        ("PUT", "/api/v1/clock", {"now": 5}, "invalid_field"),
    ],
)
def test_a_bad_move_is_refused_and_changes_nothing(demo, method, path, body, code):
    before = demo.store.clock.now()
    answer = demo.api(method, path, json=body)
    assert answer.status_code == 400 and answer.json["code"] == code, answer.text
    assert demo.store.clock.now() == before


def test_durations_read_as_written():
    assert parse_duration("1h30m") == dt.timedelta(minutes=90)
    assert parse_duration("1w2d") == dt.timedelta(days=9)
    assert parse_duration("90s") == dt.timedelta(seconds=90)


def test_an_assertion_signed_before_the_clock_moved_is_expired_after(demo):
    sso = demo.app.extensions["gateway.sso"]
    response, acs = signed_response(sso, demo.account("acme"), "paul@acme.test", {})
    demo.api("POST", "/api/v1/clock/advance", json={"by": "1h"})
    path = acs.removeprefix(sso.config.public_url.rstrip("/"))
    answer = demo.client.post(
        path, data={"SAMLResponse": response}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 403 and answer.json["code"] == "expired", answer.text


def test_an_activation_link_expires_when_the_clock_moves_past_seven_days(demo):
    acme = demo.account("acme")
    user = demo.store.create_user(
        acme.id, "late@partner.test", actor="t", source="admin", status="pending"
    )
    demo.app.extensions["gateway.activation"].send(user, reason="test")
    link = demo.store.list_outbox(acme.id, recipient="late@partner.test").items[0].link
    path = link.removeprefix(demo.app.extensions["gateway.config"].public_url.rstrip("/"))
    demo.api("POST", "/api/v1/clock/advance", json={"by": "8d"})
    answer = demo.client.get(path, headers={"Accept": "application/json"})
    assert answer.status_code in (400, 410) and "expired" in answer.json["code"], answer.text


def test_the_console_header_says_the_clock_is_moved(demo):
    demo.sign_in()
    first = demo.client.get("/console/users")
    assert first.status_code == 200 and 'data-testid="clock-moved"' not in first.text
    demo.api("POST", "/api/v1/clock/advance", json={"by": "5m"})
    page = demo.client.get("/console/users").text
    assert 'data-testid="clock-moved"' in page and "moved +0d 0h 5m 0s" in page


def test_the_cli_moves_the_clock_of_a_demo_gateway(demo, store, monkeypatch):
    from gateway.cli import main

    monkeypatch.setenv("GATEWAY_DATABASE_URL", str(store.engine.url))
    monkeypatch.setenv("GATEWAY_DEMO", "1")
    runner = CliRunner()
    moved = runner.invoke(main, ["clock", "advance", "24h"])
    assert moved.exit_code == 0, moved.output
    assert "moved +1d 0h 0m 0s" in moved.output
    demo.store.clock.invalidate()
    assert demo.store.clock.offset() == DAY
    assert "moved +1d" in runner.invoke(main, ["clock", "show"]).output
    assert runner.invoke(main, ["clock", "reset"]).exit_code == 0
    monkeypatch.setenv("GATEWAY_DEMO", "0")
    refused = runner.invoke(main, ["clock", "advance", "1h"])
    assert refused.exit_code == 2 and "clock_demo_only" in refused.output
