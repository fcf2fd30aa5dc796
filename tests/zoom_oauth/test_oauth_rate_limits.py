"""Zoom's per-second SCIM2 rate limits: labels, plans, the shared count, 429, the lift switch."""

from __future__ import annotations

import pytest

from gateway.app import create_app
from gateway.config import ConfigError
from gateway.zoom_scim import limits
from gateway.zoom_scim.errors import ZoomScimError
from gateway.zoom_scim.limits import ZoomRateLimited
from tests.support.zoom_oauth import new_account


def exhaust(store, account_id, label, now, times):
    """Call check ``times`` times; returns how many passed before the first 429 (or all)."""
    for done in range(times):
        try:
            limits.check(store, account_id, label, now)
        except ZoomRateLimited:
            return done
    return times


def test_a_business_account_gets_80_light_requests_a_second_then_a_429(store, clock):
    account = new_account(store, plan_kind="business")
    assert exhaust(store, account.id, "light", clock.now(), 80) == 80
    with pytest.raises(ZoomRateLimited) as refused:
        limits.check(store, account.id, "light", clock.now())
    error = refused.value
    assert isinstance(error, ZoomScimError)
    assert (error.status, error.code) == (429, "rate_limited")
    assert error.to_zoom() == {
        "code": 429,
        "message": "You have reached the maximum per-second rate limit for this API. "
        "Try again later.",
    }
    assert error.headers()["X-RateLimit-Category"] == "Light"
    assert error.headers()["X-RateLimit-Type"] == "QPS"
    assert error.headers()["Retry-After"] == "1"


def test_the_next_second_starts_a_new_count(store, clock):
    account = new_account(store, plan_kind="pro")
    assert exhaust(store, account.id, "light", clock.now(), 31) == 30
    clock.advance(seconds=1)
    assert exhaust(store, account.id, "light", clock.now(), 30) == 30


@pytest.mark.parametrize(
    ("plan", "operation", "allowed"),
    [
        ("free", "users.get", 4),
        ("pro", "users.list", 20),
        ("pro", "users.create", 30),
        ("enterprise", "groups.list", 60),
        ("education", "users.delete", 80),
    ],
)
def test_the_plan_and_the_operations_label_set_the_limit(store, clock, plan, operation, allowed):
    account = new_account(store, plan_kind=plan)
    assert exhaust(store, account.id, operation, clock.now(), allowed + 1) == allowed


def test_labels_are_counted_apart_and_accounts_apart(store, clock):
    acme = new_account(store, "Acme", plan_kind="free")
    globex = new_account(store, "Globex", plan_kind="free")
    assert exhaust(store, acme.id, "medium", clock.now(), 3) == 2
    # Acme's Light allowance and Globex's Medium allowance are untouched.
    assert exhaust(store, acme.id, "light", clock.now(), 4) == 4
    assert exhaust(store, globex.id, "medium", clock.now(), 2) == 2


def test_the_count_is_shared_by_every_worker(store, clock):
    # Two app instances (two workers' counters) on one database share one allowance.
    account = new_account(store, plan_kind="free")
    workers = [create_app(store=store), create_app(store=store)]
    passed = 0
    for turn in range(8):
        with workers[turn % 2].app_context():
            passed += exhaust(store, account.id, "light", clock.now(), 1)
    assert passed == 4


def test_the_multiplier_scales_the_limits(store, clock):
    account = new_account(store, plan_kind="business")
    with create_app({"zoom_rate_limits": "0.1"}, store=store).app_context():
        assert exhaust(store, account.id, "light", clock.now(), 9) == 8


def test_off_lifts_the_limits_for_load_tests(store, clock):
    account = new_account(store, plan_kind="free")
    with create_app({"zoom_rate_limits": "off"}, store=store).app_context():
        assert exhaust(store, account.id, "heavy", clock.now(), 50) == 50
    with create_app({"zoom_rate_limits": "on"}, store=store).app_context():
        assert exhaust(store, account.id, "heavy", clock.now(), 2) == 1


@pytest.mark.parametrize("setting", ["fast", "-1", "nan", "inf"])
def test_a_setting_the_gateway_cannot_use_stops_it_at_start(sqlite_store, setting):
    with pytest.raises(ConfigError) as refused:
        create_app({"zoom_rate_limits": setting}, store=sqlite_store)
    assert refused.value.code == "config_invalid"
    assert "GATEWAY_ZOOM_RATE_LIMITS" in refused.value.message


def test_the_429_response_carries_zooms_headers(sqlite_store, clock):
    account = new_account(sqlite_store, plan_kind="free")
    app = create_app({"zoom_rate_limits": "on"}, store=sqlite_store)

    @app.get("/limited-probe")
    def probe():
        limits.check(sqlite_store, account.id, "users.list", clock.now())
        return "ok"

    client = app.test_client()
    assert [client.get("/limited-probe").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/limited-probe")
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Category"] == "Medium"
    assert refused.headers["X-RateLimit-Type"] == "QPS"
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["Retry-After"] == "1"
    assert refused.get_json()["code"] == "rate_limited"
