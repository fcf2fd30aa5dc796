"""The console's OAuth apps page: create (the secret shown once), list, revoke, CSRF."""

from __future__ import annotations

import re
from html import unescape

import pytest

from gateway.oauth import storage
from tests.support.zoom_oauth import basic, new_account

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def shown(html, testid):
    found = re.search(rf'data-testid="{testid}">([^<]+)<', html)
    assert found, f"no {testid} in the page"
    return unescape(found.group(1))


@pytest.fixture
def console(store, http):
    """A console signed in with Acme's admin token; ``post`` sends a form with the CSRF token."""
    acme = new_account(store, "Acme")
    secret = store.create_token(acme.id, "admin", actor="test")[1]
    form = CSRF.search(http.get("/console/signin").text)  # the sign-in form's token, if any
    data = {"token": secret, **({"csrf_token": form.group(1)} if form else {})}
    assert http.post("/console/signin", data=data).status_code == 303

    def post(path, **data):
        csrf = CSRF.search(http.get("/console/oauth-apps").text).group(1)
        return http.post(path, data={**data, "csrf_token": csrf})

    return acme, post


def test_a_new_app_shows_its_secret_once_and_the_secret_gets_a_token(console, http, store):
    acme, post = console
    created = post("/console/oauth-apps", name="Okta", scopes="scim2")
    assert created.status_code == 201
    html = created.text
    client_id = shown(html, "created-client-id")
    secret = shown(html, "created-secret")
    assert shown(html, "created-account-id") == acme.number
    url = f"/oauth/token?grant_type=account_credentials&account_id={acme.number}"
    assert http.post(url, headers=basic(client_id, secret)).status_code == 200
    again = http.get("/console/oauth-apps")
    assert client_id in again.text
    assert secret not in again.text


def test_a_bad_scope_is_shown_next_to_the_form(console, store):
    acme, post = console
    refused = post("/console/oauth-apps", name="Okta", scopes="Not A Scope")
    assert refused.status_code == 400
    assert "invalid_scope" in refused.text
    assert storage.list_apps(store, acme.id) == []


def test_revoke_from_the_page(console, store):
    acme, post = console
    app, _ = storage.create_app(store, acme.id, "scim2", actor="test", name="Okta")
    revoked = post(f"/console/oauth-apps/{app.id}/revoke")
    assert revoked.status_code == 200
    assert "revoked" in revoked.text
    assert not storage.get_app(store, acme.id, app.id).live


def test_another_accounts_app_cannot_be_revoked_from_this_console(console, store):
    _, post = console
    globex = new_account(store, "Globex")
    app, _ = storage.create_app(store, globex.id, "scim2", actor="test")
    refused = post(f"/console/oauth-apps/{app.id}/revoke")
    assert refused.status_code == 404
    assert "oauth_app_not_found" in refused.text
    assert storage.get_app(store, globex.id, app.id).live


def test_a_post_without_the_csrf_token_is_refused(console, http, store):
    acme, _ = console
    refused = http.post("/console/oauth-apps", data={"scopes": "scim2"})
    assert refused.status_code == 403
    assert "csrf_failed" in refused.text
    assert storage.list_apps(store, acme.id) == []


def test_signed_out_the_page_sends_to_the_sign_in(http):
    response = http.get("/console/oauth-apps")
    assert response.status_code == 302
    assert "/console/signin" in response.headers["Location"]
