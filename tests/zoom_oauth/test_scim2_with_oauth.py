"""The token from /oauth/token on /scim2: accepted, expired by the clock, scope, revocation, 429."""

from __future__ import annotations

import pytest

from gateway.app import create_app
from gateway.oauth import storage
from tests.support.zoom_oauth import new_tenant

SAML = {
    "idp_entity_id": "https://idp.acme.test",
    "sign_in_url": "https://idp.acme.test/sso",
    "certificates": ["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"],
}
USERS = "/scim2/Users?startIndex=1&count=10"
SCIM = {"Accept": "application/scim+json"}


def ready(store, scopes="scim2"):
    """A business account meeting Zoom's SCIM2 prerequisites (SSO, vanity), with an app."""
    tenant = new_tenant(store, "Acme", scopes=scopes)
    store.put_saml_config(tenant.account.id, SAML, actor="test")
    return tenant


def bearer(http, tenant):
    token = http.post(tenant.token_url(), headers=tenant.auth).get_json()["access_token"]
    return {**SCIM, "Authorization": f"Bearer {token}"}


def test_the_token_lists_users_on_scim2(http, store):
    tenant = ready(store)
    response = http.get(USERS, headers=bearer(http, tenant))
    assert response.status_code == 200
    assert response.get_json()["totalResults"] >= 1  # the owner


def test_an_hour_later_the_token_is_refused_with_401(http, store, clock):
    tenant = ready(store)
    headers = bearer(http, tenant)
    clock.advance(hours=1)
    response = http.get(USERS, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["status"] == 401
    assert response.get_json()["detail"] == "Access token is expired."


def test_a_token_without_the_scim2_scope_is_refused(http, store):
    tenant = ready(store, scopes="user:read:admin")
    response = http.get(USERS, headers=bearer(http, tenant))
    assert response.status_code == 403
    assert response.get_json()["status"] == 403


def test_a_revoked_apps_token_is_refused_at_once(http, store):
    tenant = ready(store)
    headers = bearer(http, tenant)
    storage.revoke_app(store, tenant.account.id, tenant.app.id, actor="test")
    response = http.get(USERS, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["detail"] == "Invalid access token."


@pytest.fixture
def slow_gateway(store):
    """The gateway with Zoom's limits at a twentieth: List users (Medium, Business+) 3 a second."""
    return create_app({"zoom_rate_limits": "0.05"}, store=store).test_client()


def test_the_fourth_list_in_a_second_gets_zooms_429(slow_gateway, store, clock):
    tenant = ready(store)
    headers = bearer(slow_gateway, tenant)
    assert [slow_gateway.get(USERS, headers=headers).status_code for _ in range(3)] == [200] * 3
    refused = slow_gateway.get(USERS, headers=headers)
    assert refused.status_code == 429
    assert refused.get_json() == {
        "code": 429,
        "message": "You have reached the maximum per-second rate limit for this API. "
        "Try again later.",
    }
    assert refused.headers["X-RateLimit-Category"] == "Medium"
    assert refused.headers["X-RateLimit-Type"] == "QPS"
    assert refused.headers["Retry-After"] == "1"
    # A filtered list is a list too (Medium); the next second lists again.
    owner = store.find_account(tenant.account.number).owner_email
    found = slow_gateway.get(f'/scim2/Users?filter=userName eq "{owner}"', headers=headers)
    assert found.status_code == 429
    clock.advance(seconds=1)
    assert slow_gateway.get(USERS, headers=headers).status_code == 200


def test_the_lift_switch_lets_a_burst_through(store):
    tenant = ready(store)
    gateway = create_app({"zoom_rate_limits": "off"}, store=store).test_client()
    headers = bearer(gateway, tenant)
    # 80 lists in one second: far over Business+'s 60 Medium requests a second.
    codes = {gateway.get(USERS, headers=headers).status_code for _ in range(80)}
    assert codes == {200}


def test_one_accounts_token_cannot_read_another_accounts_users(http, store):
    acme = ready(store)
    globex = new_tenant(store, "Globex")
    store.put_saml_config(globex.account.id, SAML, actor="test")
    headers = bearer(http, acme)
    response = http.get(f"/v/{globex.account.vanity}/scim2/Users", headers=headers)
    assert response.status_code == 401
    # The token still works on its own account's vanity path.
    assert http.get(f"/v/{acme.account.vanity}/scim2/Users", headers=headers).status_code == 200
