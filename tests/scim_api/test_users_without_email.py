"""SCIM users with a userName that is not an email and no email at all (strict, compatible,
okta, entra; the ``zoom`` profile refuses them): stored with a NULL email, pending, unable to
sign in and sent nothing until an email is set."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from scimapi import USER_URN, ZOOM_URN, error_of, scim_for

from gateway.store.schema import users

NOBODY = {"schemas": [USER_URN], "userName": "nobody"}


@pytest.mark.parametrize("profile", ["strict", "compatible", "okta", "entra"])
def test_a_user_without_any_email_is_created_pending_with_no_email(gateway_app, store, profile):
    client = scim_for(gateway_app, store, profile=profile)
    response = client.post("/Users", NOBODY)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["userName"] == "nobody" and "emails" not in body
    assert body["active"] is False and body[ZOOM_URN]["status"] == "pending"
    user = store.get_user(body["id"])
    assert (user.email, user.user_name, user.status) == (None, "nobody", "pending")
    assert not client.store.list_outbox(client.account_id).items
    assert client.get(f"/Users/{body['id']}").get_json() == body


def test_the_zoom_profile_refuses_a_user_without_an_email(gateway_app, store):
    zoom = scim_for(gateway_app, store, profile="zoom")
    response = zoom.post("/Users", NOBODY)
    assert error_of(response) == (400, "invalidValue")
    assert response.get_json()["detail"] == (
        "userName must be the user's email address (this service signs users in by email); "
        "'nobody' is not one."
    )


def test_an_email_of_an_associated_domain_set_later_makes_the_user_active(scim):
    created = scim.post("/Users", NOBODY).get_json()
    response = scim.patch(
        f"/Users/{created['id']}",
        [{"op": "add", "path": "emails", "value": [{"value": "nobody@acme.test"}]}],
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["active"] is True and body[ZOOM_URN]["status"] == "active"
    assert [e["value"] for e in body["emails"]] == ["nobody@acme.test"]
    assert scim.store.get_user(created["id"]).email == "nobody@acme.test"
    assert not scim.store.list_outbox(scim.account_id).items


def test_an_email_of_another_domain_set_later_sends_the_activation_email(scim):
    created = scim.post("/Users", NOBODY).get_json()
    response = scim.patch(
        f"/Users/{created['id']}",
        [{"op": "replace", "path": "emails", "value": [{"value": "nobody@elsewhere.test"}]}],
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()[ZOOM_URN]["status"] == "pending"
    outbox = scim.store.list_outbox(scim.account_id).items
    assert [m.recipient for m in outbox] == ["nobody@elsewhere.test"]


def test_a_pending_user_without_email_is_not_made_active_by_the_client(scim):
    created = scim.post("/Users", {**NOBODY, "active": True}).get_json()
    assert created["active"] is False
    response = scim.patch(
        f"/Users/{created['id']}", [{"op": "replace", "path": "active", "value": True}]
    )
    assert response.status_code == 200 and response.get_json()["active"] is False


def test_email_filters_never_match_a_user_without_email(scim):
    scim.post("/Users", NOBODY)
    scim.create_user("ann@acme.test")
    for text in ("emails pr", 'emails.type eq "work"', "emails.primary eq true"):
        found = scim.get(f"/Users?filter={text}").get_json()
        names = [r["userName"] for r in found["Resources"]]
        assert "ann@acme.test" in names and "nobody" not in names, text
    absent = scim.get("/Users?filter=not (emails pr)").get_json()
    assert [r["userName"] for r in absent["Resources"]] == ["nobody"]


def test_gateway_check_accepts_a_user_without_email_and_checks_user_name_keys(scim):
    nobody = scim.post("/Users", NOBODY).get_json()
    scim.create_user("ann.lee", emails=[{"value": "ann@acme.test"}])
    assert scim.store.check_invariants() == []
    with scim.store.engine.begin() as conn:
        conn.execute(
            sa.update(users).where(users.c.id == nobody["id"]).values(user_name_key="someone")
        )
    assert [p.code for p in scim.store.check_invariants()] == ["user_name_key_mismatch"]
