"""SCIM users with a userName that is not an email and no email at all (strict, compatible,
okta, entra; the ``zoom`` profile refuses them): stored with a NULL email, never pending (there
is no address to confirm), active or deactivated as the client says, unable to sign in and sent
nothing until an email is set; then the activation rule applies to that email."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from scimapi import USER_URN, scim_for

from gateway.errors import BadRequest
from gateway.store.schema import users

NOBODY = {"schemas": [USER_URN], "userName": "nobody"}


@pytest.mark.parametrize("profile", ["strict", "compatible", "okta", "entra"])
def test_a_user_without_any_email_is_created_as_the_client_says_with_no_email(
    gateway_app, store, profile
):
    client = scim_for(gateway_app, store, profile=profile)
    response = client.post("/Users", NOBODY)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["userName"] == "nobody" and "emails" not in body
    assert body["active"] is True and client.status(body["id"]) == "active"
    user = client.store.get_user(body["id"])
    assert (user.email, user.user_name, user.status) == (None, "nobody", "active")
    assert not client.store.list_outbox(client.account_id).items
    assert client.get(f"/Users/{body['id']}").get_json() == body
    off = client.post("/Users", {**NOBODY, "userName": "nobody2", "active": False}).get_json()
    assert off["active"] is False and client.status(off["id"]) == "deactivated"


def test_a_user_without_email_follows_active_and_still_cannot_sign_in(scim, gateway_app):
    created = scim.post("/Users", NOBODY).get_json()
    path = f"/Users/{created['id']}"
    off = scim.patch(path, [{"op": "replace", "path": "active", "value": False}])
    assert off.get_json()["active"] is False and scim.status(created["id"]) == "deactivated"
    on = scim.patch(path, [{"op": "replace", "path": "active", "value": True}])
    assert on.get_json()["active"] is True and scim.status(created["id"]) == "active"
    # Sign-in looks users up by email: nothing finds a user without one.
    assert scim.store.find_user_by_email("nobody") is None
    assert not scim.store.list_outbox(scim.account_id).items


def test_an_email_of_an_associated_domain_set_later_makes_the_user_active(scim):
    created = scim.post("/Users", NOBODY).get_json()
    response = scim.patch(
        f"/Users/{created['id']}",
        [{"op": "add", "path": "emails", "value": [{"value": "nobody@acme.test"}]}],
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["active"] is True and scim.status(created["id"]) == "active"
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
    assert response.get_json()["active"] is False and scim.status(created["id"]) == "pending"
    outbox = scim.store.list_outbox(scim.account_id).items
    assert [m.recipient for m in outbox] == ["nobody@elsewhere.test"]


def test_the_store_refuses_a_pending_user_without_email(scim):
    with pytest.raises(BadRequest) as refused:
        scim.store.create_user(
            scim.account_id, None, actor="t", source="scim", user_name="x", status="pending"
        )
    assert refused.value.code == "email_required"


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
