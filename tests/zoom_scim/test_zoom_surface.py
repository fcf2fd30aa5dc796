"""Where /scim2 answers, who may call it, and what it answers outside Zoom's operations."""

from __future__ import annotations

import base64

import pytest
from zoomapi import GROUP_URN, USER_URN, Zoom, zoom_error

from gateway.oauth import storage


def _token(zoom, scopes):
    """An access token from Zoom's S2S token call, for an app of the account with ``scopes``."""
    app, secret = storage.create_app(zoom.store, zoom.account_id, scopes, actor="t")
    basic = base64.b64encode(f"{app.client_id}:{secret}".encode()).decode()
    response = zoom.client.post(
        f"/oauth/token?grant_type=account_credentials&account_id={zoom.account.number}",
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


@pytest.mark.parametrize("scope", ["scim2", "scim2:admin"])
def test_an_oauth_access_token_with_the_scim2_scope_is_served(zoom, scope):
    oauth = Zoom(zoom.client, _token(zoom, scope), zoom.store, zoom.account)
    created = oauth.create_user("ann@acme.test")
    entries = zoom.store.list_audit([zoom.account_id], action="user.create").items
    assert next(e.actor for e in entries if e.target == created["id"]).startswith("oauth-app:")


def test_an_oauth_access_token_without_the_scim2_scope_is_refused(zoom):
    oauth = Zoom(zoom.client, _token(zoom, "user:read:admin"), zoom.store, zoom.account)
    assert zoom_error(oauth.get("/Users")) == (
        403,
        "Invalid access token, does not contain scopes:[scim2].",
    )


def test_an_expired_access_token_is_refused_after_the_clock_moves(zoom, clock):
    oauth = Zoom(zoom.client, _token(zoom, "scim2"), zoom.store, zoom.account)
    assert oauth.get("/Users").status_code == 200
    clock.advance(hours=1, seconds=1)
    assert zoom_error(oauth.get("/Users")) == (401, "Access token is expired.")


def test_no_token_or_an_unknown_one_is_a_401_in_zooms_shape(zoom):
    response = zoom.client.get("/scim2/Users")
    assert zoom_error(response) == (401, "Invalid access token.")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    stranger = Zoom(zoom.client, "gws_not-a-token", zoom.store, zoom.account)
    assert zoom_error(stranger.get("/Users"))[0] == 401


def test_the_vanity_path_and_host_forms_serve_the_same_account(zoom):
    user = zoom.create_user("ann@acme.test")
    by_path = Zoom(zoom.client, zoom.token, zoom.store, zoom.account, prefix="/v/acme/scim2")
    body = by_path.get(f"/Users/{user['id']}").get_json()
    assert body["meta"]["location"] == f"http://localhost/v/acme/scim2/Users/{user['id']}"
    by_host = zoom.client.get(
        f"/scim2/Users/{user['id']}",
        headers={"Authorization": f"Bearer {zoom.token}"},
        base_url="http://acme.localhost",
    )
    assert by_host.status_code == 200 and by_host.get_json()["id"] == user["id"]


def test_another_accounts_vanity_refuses_the_token(zoom):
    zoom.store.create_account("Globex", "owner@globex.test", actor="t", vanity="globex")
    other = Zoom(zoom.client, zoom.token, zoom.store, zoom.account, prefix="/v/globex/scim2")
    assert zoom_error(other.get("/Users"))[0] == 401
    unknown = Zoom(zoom.client, zoom.token, zoom.store, zoom.account, prefix="/v/nobody/scim2")
    assert zoom_error(unknown.get("/Users"))[0] == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/ServiceProviderConfig"),
        ("GET", "/Schemas"),
        ("GET", "/ResourceTypes"),
        ("POST", "/Bulk"),
        ("POST", "/Users/.search"),
        ("POST", "/.search"),
        ("GET", ""),
        ("PUT", "/Users"),
        ("DELETE", "/Groups"),
    ],
)
def test_operations_zoom_does_not_document_answer_404_in_zooms_shape(zoom, method, path):
    response = zoom.call(method, path, {"schemas": [USER_URN]})
    status, detail = zoom_error(response)
    assert status == 404 and detail.startswith(f"There is no such SCIM2 operation: {method}")


def test_the_gallery_tenant_url_serves_users_and_groups_only(zoom):
    gallery = Zoom(zoom.client, zoom.token, zoom.store, zoom.account, prefix="/scim")
    user = gallery.create_user("ann@acme.test")
    assert user["meta"]["location"].endswith(f"/scim/Users/{user['id']}")
    group = gallery.post("/Groups", {"schemas": [GROUP_URN], "displayName": "Ops"})
    assert group.status_code == 201
    # The RFC endpoint is untouched beside it.
    assert zoom.client.get("/scim/v2/ServiceProviderConfig").status_code == 200


def test_responses_are_json_as_zoom_sends_them(zoom):
    response = zoom.get("/Users")
    assert response.mimetype == "application/json"
    assert response.get_json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
