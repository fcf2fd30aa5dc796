"""The plugin's ``gateway_clock`` moves the live gateway's clock; sign-ins follow it."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.testing.client import GatewayRefused

pytestmark = pytest.mark.live


def test_gateway_clock_advances_and_sign_ins_are_signed_at_the_gateway_s_time(
    gateway_admin, gateway_idp, gateway_clock, gateway_sign_in
):
    gateway_admin.configure_sso(gateway_idp)
    gateway_admin.verified_domain(f"{gateway_admin.vanity}.test")
    start = gateway_clock.now()
    moved = gateway_clock.advance("24h")
    assert moved - start >= dt.timedelta(hours=24)
    assert gateway_clock.show()["moved"] is True
    decision = gateway_sign_in(f"ann@{gateway_admin.vanity}.test", {})
    assert decision.get("outcome") == "signed_in", decision


def test_a_response_signed_at_the_system_s_time_is_expired_on_a_moved_gateway(
    gateway_admin, gateway_idp, gateway_clock
):
    gateway_admin.configure_sso(gateway_idp)
    gateway_clock.advance("2h")
    decision = gateway_admin.sign_in(
        gateway_idp, "bo@example.test", {}, now=dt.datetime.now(dt.UTC)
    )
    assert decision.get("code") == "expired", decision


def test_gateway_clock_set_and_reset(gateway_clock):
    when = dt.datetime(2031, 5, 1, 8, 0, tzinfo=dt.UTC)
    assert abs(gateway_clock.set(when) - when) < dt.timedelta(seconds=5)
    gateway_clock.reset()
    assert gateway_clock.show()["moved"] is False
    with pytest.raises(GatewayRefused) as refused:
        gateway_clock.advance("soon")
    assert refused.value.status == 400 and refused.value.code == "invalid_duration"
