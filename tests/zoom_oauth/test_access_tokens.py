"""resolve_access_token: what /scim2 learns from a bearer token, and when it stops working."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.oauth import storage
from gateway.oauth.grants import AccessTokenRefused, has_scim2_scope, resolve_access_token
from tests.support.zoom_oauth import new_tenant


def token_of(http, tenant):
    response = http.post(tenant.token_url(), headers=tenant.auth)
    assert response.status_code == 200
    return response.get_json()["access_token"]


def test_a_fresh_token_resolves_to_its_account_app_and_scopes(http, store, clock, acme):
    grant = resolve_access_token(store, token_of(http, acme), clock.now())
    assert grant is not None
    assert grant.account_id == acme.account.id
    assert grant.app_id == acme.app.id
    assert grant.client_id == acme.app.client_id
    assert grant.scopes == frozenset({"scim2"})
    assert grant.expires_at == clock.now() + dt.timedelta(hours=1)
    assert has_scim2_scope(grant)


def test_the_token_expires_after_an_hour_of_the_injectable_clock(http, store, clock, acme):
    token = token_of(http, acme)
    clock.advance(minutes=59, seconds=59)
    assert resolve_access_token(store, token, clock.now()) is not None
    clock.advance(seconds=1)
    with pytest.raises(AccessTokenRefused) as refused:
        resolve_access_token(store, token, clock.now())
    assert (refused.value.status, refused.value.code) == (401, "access_token_expired")
    assert refused.value.message == "Access token is expired."


def test_a_revoked_apps_tokens_stop_working_at_once(http, store, clock, acme):
    token = token_of(http, acme)
    storage.revoke_app(store, acme.account.id, acme.app.id, actor="test")
    with pytest.raises(AccessTokenRefused) as refused:
        resolve_access_token(store, token, clock.now())
    assert (refused.value.status, refused.value.code) == (401, "invalid_access_token")
    assert refused.value.message == "Invalid access token."


def test_a_made_up_token_in_our_form_is_refused(store, clock):
    with pytest.raises(AccessTokenRefused) as refused:
        resolve_access_token(store, "gwo_" + "x" * 43, clock.now())
    assert refused.value.code == "invalid_access_token"


def test_a_secret_that_is_not_an_oauth_token_is_left_to_other_checks(store, clock):
    scim = store.create_token(new_tenant(store).account.id, "scim", actor="test")[1]
    assert resolve_access_token(store, scim, clock.now()) is None
    assert resolve_access_token(store, "eyJhbGciOiJIUzUxMiJ9.e30.x", clock.now()) is None


def test_a_token_without_a_scim2_scope_resolves_but_has_no_scim2_scope(http, store, clock):
    tenant = new_tenant(store, "Initech", scopes="user:read:admin")
    grant = resolve_access_token(store, token_of(http, tenant), clock.now())
    assert grant is not None
    assert not has_scim2_scope(grant)


def test_the_granular_scim2_admin_scope_is_enough(http, store, clock):
    tenant = new_tenant(store, "Hooli", scopes="scim2:admin")
    grant = resolve_access_token(store, token_of(http, tenant), clock.now())
    assert grant is not None
    assert has_scim2_scope(grant)


def test_tokens_expired_over_a_day_ago_are_dropped_when_the_app_gets_a_new_one(
    http, store, clock, acme
):
    old = token_of(http, acme)
    clock.advance(hours=26)
    token_of(http, acme)
    assert storage.stored_token(store, old) is None
    with pytest.raises(AccessTokenRefused) as refused:
        resolve_access_token(store, old, clock.now())
    assert refused.value.code == "invalid_access_token"


def test_an_app_keeps_its_newest_50_tokens_and_the_oldest_stops_working(http, store, clock, acme):
    tokens = []
    for _ in range(51):
        tokens.append(token_of(http, acme))
        clock.advance(seconds=1)
    with pytest.raises(AccessTokenRefused) as refused:
        resolve_access_token(store, tokens[0], clock.now())
    assert refused.value.code == "invalid_access_token"
    for token in tokens[1:]:
        assert resolve_access_token(store, token, clock.now()) is not None
