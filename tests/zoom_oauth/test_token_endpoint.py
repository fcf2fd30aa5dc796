"""POST /oauth/token as Zoom documents it: account_credentials, HTTP Basic, Zoom's refusals."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gateway.oauth import storage
from gateway.store import schema
from gateway.store.base import hash_secret
from tests.support.zoom_oauth import basic, new_tenant


def test_the_documented_s2s_token_call_answers_zoom_token_json(http, acme):
    # As Zoom's docs show it: POST with grant_type and account_id in the query, Basic auth.
    response = http.post(acme.token_url(), headers=acme.auth)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "scim2"
    assert body["access_token"].startswith("gwo_")
    assert response.headers["Cache-Control"] == "no-store"


def test_the_parameters_may_come_in_a_form_body(http, acme):
    form = {"grant_type": "account_credentials", "account_id": acme.account.number}
    response = http.post("/oauth/token", data=form, headers=acme.auth)
    assert response.status_code == 200
    assert response.get_json()["token_type"] == "bearer"


def test_the_client_may_authenticate_with_form_parameters(http, acme):
    form = {
        "grant_type": "account_credentials",
        "account_id": acme.account.number,
        "client_id": acme.app.client_id,
        "client_secret": acme.secret,
    }
    assert http.post("/oauth/token", data=form).status_code == 200


def test_a_wrong_secret_is_refused_as_zoom_refuses_an_invalid_client(http, acme):
    headers = basic(acme.app.client_id, acme.secret + "x")
    response = http.post(acme.token_url(), headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {
        "reason": "Invalid client_id or client_secret",
        "error": "invalid_client",
    }


def test_an_unknown_client_id_answers_like_a_wrong_secret(http, acme):
    response = http.post(acme.token_url(), headers=basic("nosuchclient", acme.secret))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client"
    assert response.get_json()["reason"] == "Invalid client_id or client_secret"


def test_a_client_id_no_app_could_have_is_refused_without_a_500(http, acme):
    for junk in ("a" * 500, "bad\x00id", "é" * 10):
        response = http.post(acme.token_url(), headers=basic(junk, acme.secret))
        assert response.status_code == 400
        assert response.get_json()["error"] == "invalid_client"


def test_missing_credentials_are_refused_with_zooms_sentence(http, acme):
    response = http.post(acme.token_url())
    assert response.status_code == 400
    assert response.get_json() == {
        "reason": "Client ID or client secret is missing.",
        "error": "invalid_client",
    }


def test_a_wrong_account_id_is_refused(http, acme):
    response = http.post(acme.token_url("9999999999"), headers=acme.auth)
    assert response.status_code == 400
    assert response.get_json() == {"reason": "Invalid account_id", "error": "invalid_request"}


def test_a_missing_account_id_is_refused(http, acme):
    response = http.post("/oauth/token?grant_type=account_credentials", headers=acme.auth)
    assert response.status_code == 400
    assert response.get_json() == {"reason": "Missing account_id", "error": "invalid_request"}


@pytest.mark.parametrize("grant", ["client_credentials", "authorization_code", "password"])
def test_an_unsupported_grant_type_is_refused(http, acme, grant):
    url = f"/oauth/token?grant_type={grant}&account_id={acme.account.number}"
    response = http.post(url, headers=acme.auth)
    assert response.status_code == 400
    assert response.get_json() == {
        "reason": "unsupported grant type",
        "error": "unsupported_grant_type",
    }


def test_a_missing_grant_type_is_refused(http, acme):
    response = http.post(f"/oauth/token?account_id={acme.account.number}", headers=acme.auth)
    assert response.status_code == 400
    assert response.get_json() == {"reason": "Missing grant type", "error": "invalid_request"}


def test_a_get_on_the_token_endpoint_answers_405_with_a_code(http, acme):
    response = http.get(acme.token_url(), headers=acme.auth)
    assert response.status_code == 405
    assert response.get_json()["code"] == "method_not_allowed"
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"OPTIONS", "POST"}


def test_a_revoked_app_gets_no_token(http, store, acme):
    storage.revoke_app(store, acme.account.id, acme.app.id, actor="test")
    response = http.post(acme.token_url(), headers=acme.auth)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client"


def test_an_app_of_one_account_cannot_get_a_token_for_another(http, store, acme):
    globex = new_tenant(store, "Globex")
    response = http.post(acme.token_url(globex.account.number), headers=acme.auth)
    assert response.status_code == 400
    assert response.get_json() == {"reason": "Invalid account_id", "error": "invalid_request"}
    # The other account's own app still works, with its own number only.
    assert http.post(globex.token_url(), headers=globex.auth).status_code == 200


def test_the_token_and_the_client_secret_are_stored_as_their_hashes_only(http, store, acme):
    token = http.post(acme.token_url(), headers=acme.auth).get_json()["access_token"]
    with store.transaction() as conn:
        tokens = conn.execute(sa.select(schema.oauth_access_tokens)).all()
        apps = conn.execute(sa.select(schema.oauth_apps)).all()
    assert [row.token_hash for row in tokens] == [hash_secret(token)]
    assert [row.secret_hash for row in apps] == [hash_secret(acme.secret)]
    stored = " ".join(str(value) for row in [*tokens, *apps] for value in row)
    assert token not in stored
    assert acme.secret not in stored


def test_the_token_carries_every_scope_of_the_app(http, store):
    tenant = new_tenant(store, "Initech", scopes="scim2:admin user:read:admin")
    body = http.post(tenant.token_url(), headers=tenant.auth).get_json()
    assert body["scope"] == "scim2:admin user:read:admin"


def test_every_call_gets_a_new_token_and_the_earlier_one_keeps_working(http, store, acme):
    first = http.post(acme.token_url(), headers=acme.auth).get_json()["access_token"]
    second = http.post(acme.token_url(), headers=acme.auth).get_json()["access_token"]
    assert first != second
    assert storage.stored_token(store, first) is not None
    assert storage.stored_token(store, second) is not None


@pytest.mark.parametrize(
    "header",
    ["Basic !!!", "Basic", "Basic QQ==", "Bearer gwo_x", "Basic " + "A" * 10_000, "Basic w4k6w4k="],
)
def test_a_malformed_authorization_header_is_an_invalid_client(http, acme, header):
    response = http.post(acme.token_url(), headers={"Authorization": header})
    assert response.status_code == 400
    assert response.get_json() == {
        "reason": "Invalid client_id or client_secret",
        "error": "invalid_client",
    }


def test_a_json_body_is_not_read_as_the_parameters(http, acme):
    body = {"grant_type": "account_credentials", "account_id": acme.account.number}
    response = http.post("/oauth/token", json=body, headers=acme.auth)
    assert response.status_code == 400
    assert response.get_json() == {"reason": "Missing grant type", "error": "invalid_request"}
