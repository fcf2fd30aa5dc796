"""Zoom's rules on /scim2: prerequisites, pending users, the owner and admins, userType."""

from __future__ import annotations

import pytest
from zoomapi import (
    PUBLIC_URL,
    SAML,
    USER_URN,
    ZOOM_USER_URN,
    make_account,
    zoom_error,
    zoom_for,
)

from gateway.scim.patch import PATCH_URN

OUTSIDE = "bob@elsewhere.test"


def test_a_pending_user_is_invisible_until_it_follows_its_activation_link(zoom):
    created = zoom.create_user(OUTSIDE)
    assert created["active"] is False
    hidden = f"User {OUTSIDE} not exist or not belong to this account."
    assert zoom_error(zoom.get(f"/Users/{created['id']}")) == (400, hidden)
    assert zoom_error(zoom.get(f"/Users?filter=userName eq {OUTSIDE}")) == (400, hidden)
    assert zoom.get("/Users").get_json()["totalResults"] == 1  # the owner only
    # The activation email, read where an operator reads it (the store's outbox).
    (mail,) = zoom.store.list_outbox(zoom.account_id).items
    link = mail.link.removeprefix(PUBLIC_URL)
    # The page a GET shows never activates (scanners prefetch links); its button POSTs.
    zoom.client.get(link, headers={"Accept": "application/json"})
    assert zoom_error(zoom.get(f"/Users/{created['id']}"))[0] == 400
    followed = zoom.client.post(link, headers={"Accept": "application/json"})
    assert followed.status_code == 200, followed.get_json()
    shown = zoom.get(f"/Users/{created['id']}")
    assert shown.status_code == 200 and shown.get_json()["active"] is True
    found = zoom.get(f"/Users?filter=userName eq {OUTSIDE}").get_json()
    assert [u["id"] for u in found["Resources"]] == [created["id"]]


def test_a_pending_user_can_still_be_deactivated_by_id(zoom):
    created = zoom.create_user(OUTSIDE)
    response = zoom.patch(
        f"/Users/{created['id']}", [{"op": "replace", "value": {"active": False}}]
    )
    assert response.status_code == 200
    assert zoom.store.get_user(created["id"]).status == "deactivated"


@pytest.mark.parametrize(
    ("options", "detail"),
    [
        ({"sso": False}, "Account has not enabled Single Sign-On."),
        ({"vanity": None}, "Account does not have an approved vanity URL."),
        ({"plan_kind": "pro"}, "SCIM2 needs a Business, Education or Enterprise account."),
    ],
)
def test_scim2_needs_sso_an_approved_vanity_and_a_plan_that_allows_it(
    gateway_app, store, options, detail
):
    zoom = zoom_for(gateway_app, store, **options)
    assert zoom_error(zoom.get("/Users")) == (400, detail)
    assert zoom_error(zoom.post("/Users", {"schemas": [USER_URN], "userName": "a@acme.test"})) == (
        400,
        detail,
    )
    assert zoom.store.find_user_by_email("a@acme.test") is None


def test_sso_configured_but_switched_off_is_not_enabled(gateway_app, store):
    zoom = zoom_for(gateway_app, store)
    store.put_saml_config(zoom.account_id, {**SAML, "enabled": False}, actor="t")
    assert zoom_error(zoom.get("/Users")) == (400, "Account has not enabled Single Sign-On.")


def test_the_same_account_with_sso_configured_is_served(gateway_app, store):
    zoom = zoom_for(gateway_app, store, sso=False)
    assert zoom.get("/Users").status_code == 400
    store.put_saml_config(zoom.account_id, SAML, actor="t")
    assert zoom.get("/Users").status_code == 200


def _owner_id(store, account_id):
    return store.find_user_by_email("owner@acme.test").id


def test_the_owner_cannot_be_deactivated_or_deleted_through_scim2(zoom):
    owner = _owner_id(zoom.store, zoom.account_id)
    deactivate = zoom.patch(f"/Users/{owner}", [{"op": "replace", "value": {"active": False}}])
    status, detail = zoom_error(deactivate)
    assert status == 400 and "owner@acme.test" in detail
    assert (
        zoom_error(zoom.put(f"/Users/{owner}", {"schemas": [USER_URN], "active": False}))[0] == 400
    )
    assert zoom_error(zoom.delete(f"/Users/{owner}"))[0] == 400
    user = zoom.store.get_user(owner)
    assert (user.status, user.role) == ("active", "Owner")


def test_the_owner_cannot_be_deactivated_or_deleted_through_scim_v2_either(gateway_app, store):
    account, _ = make_account(store)
    _, secret = store.create_token(account.id, "scim", actor="t", profile="compatible")
    client = gateway_app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    owner = _owner_id(store, account.id)
    body = {
        "schemas": [PATCH_URN],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    patched = client.patch(f"/scim/v2/Users/{owner}", json=body, headers=headers)
    assert patched.status_code == 400 and patched.get_json()["scimType"] == "mutability"
    deleted = client.delete(f"/scim/v2/Users/{owner}", headers=headers)
    assert deleted.status_code == 400 and deleted.get_json()["scimType"] == "mutability"
    assert store.get_user(owner).status == "active"


def test_an_admin_cannot_be_deactivated_through_scim2(zoom):
    admin = zoom.create_user("ann@acme.test")
    zoom.store.update_user(admin["id"], {"role": "Admin"}, actor="t")
    path = f"/Users/{admin['id']}"
    response = zoom.patch(path, [{"op": "replace", "value": {"active": False}}])
    assert zoom_error(response) == (
        400,
        "Only members can be deactivated through SCIM; ann@acme.test is an admin.",
    )
    assert zoom_error(zoom.put(path, {"schemas": [USER_URN], "active": False}))[0] == 400
    assert zoom.store.get_user(admin["id"]).status == "active"
    # Other changes to an admin still go through.
    renamed = zoom.patch(path, [{"op": "replace", "path": "displayName", "value": "Ann"}])
    assert renamed.status_code == 200 and renamed.get_json()["displayName"] == "Ann"


@pytest.mark.parametrize(("sent", "stored"), [("Pro", "Licensed"), ("Corp", "On-Prem")])
def test_the_legacy_user_types_are_accepted_as_the_licenses_that_replaced_them(zoom, sent, stored):
    zoom.store.set_plan(zoom.account_id, "On-Prem", 1, actor="t")
    user = zoom.create_user("ann@acme.test", userType=sent)
    assert user["userType"] == stored


@pytest.mark.parametrize("refused", ["None", "Collaboration"])
def test_user_types_zoom_refuses_are_refused(zoom, refused):
    response = zoom.post(
        "/Users", {"schemas": [USER_URN], "userName": "a@acme.test", "userType": refused}
    )
    status, detail = zoom_error(response)
    assert status == 400 and detail.startswith("AttributeValidationFailed")
    assert zoom.store.find_user_by_email("a@acme.test") is None


@pytest.mark.parametrize(
    "login_type",
    [{"workEmail": False, "sso": False}, {"sso": "maybe"}, "sso", {}],
)
def test_a_login_type_without_one_true_flag_is_refused(zoom, login_type):
    body = {
        "schemas": [USER_URN],
        "userName": "a@acme.test",
        ZOOM_USER_URN: {"loginType": login_type},
    }
    status, detail = zoom_error(zoom.post("/Users", body))
    assert status == 400 and detail.startswith("loginType must be an object")


def test_login_type_flags_are_stored_and_changed_one_at_a_time(zoom):
    user = zoom.create_user("ann@acme.test", **{ZOOM_USER_URN: {"loginType": {"sso": True}}})
    assert user[ZOOM_USER_URN]["loginType"] == {"workEmail": False, "sso": True}
    path = f"/Users/{user['id']}"
    both = zoom.patch(
        path, [{"op": "replace", "path": f"{ZOOM_USER_URN}:loginType.workEmail", "value": True}]
    )
    assert both.get_json()[ZOOM_USER_URN]["loginType"] == {"workEmail": True, "sso": True}
    email = zoom.patch(
        path, [{"op": "replace", "path": f"{ZOOM_USER_URN}:loginType.sso", "value": False}]
    )
    assert email.get_json()[ZOOM_USER_URN]["loginType"] == {"workEmail": True, "sso": False}
    assert zoom.store.get_user(user["id"]).login_type == "work_email"
    refused = zoom.patch(
        path, [{"op": "replace", "path": f"{ZOOM_USER_URN}:loginType.workEmail", "value": False}]
    )
    assert zoom_error(refused)[0] == 400


def test_a_user_name_that_is_not_an_email_is_refused(zoom):
    body = {"schemas": [USER_URN], "userName": "ann.lee", "emails": [{"value": "ann@acme.test"}]}
    status, detail = zoom_error(zoom.post("/Users", body))
    assert status == 400 and "'ann.lee' is not one" in detail
