"""Zoom's Users operations on /scim2, from the bodies of Zoom's public reference."""

from __future__ import annotations

from zoomapi import (
    ENTERPRISE_URN,
    GROUP_URN,
    USER_URN,
    ZOOM_EXT_URN,
    ZOOM_USER_URN,
    zoom_error,
)

# Zoom's reference, "Create a user": every schema, loginType as two flags, plan fields.
CREATE = {
    "schemas": [USER_URN, ENTERPRISE_URN, ZOOM_USER_URN, ZOOM_EXT_URN],
    "userName": "jchill@acme.test",
    "name": {"givenName": "Jill", "familyName": "Chill"},
    "displayName": "Jill Chill",
    "emails": [{"type": "work", "value": "jchill@acme.test", "primary": True}],
    "userType": "Licensed",
    "active": True,
    "title": "Engineer",
    ENTERPRISE_URN: {
        "department": "Sales",
        "organization": "Acme",
        "costCenter": "CC-1",
        "manager": "boss@acme.test",
    },
    ZOOM_USER_URN: {"loginType": {"workEmail": True, "sso": True}},
    ZOOM_EXT_URN: {
        "personalLinkName": "jchill",
        "pronouns": "she/her",
        "zoomWhiteboard": True,
        "zoomTranslatedCaptions": False,
    },
}


def test_a_create_with_zooms_documented_body_reads_back_the_same_zoom_values(zoom):
    zoom.store.set_plan(zoom.account_id, "addon:whiteboard", 2, actor="t")
    created = zoom.post("/Users", CREATE)
    assert created.status_code == 201, created.get_json()
    body = zoom.get(f"/Users/{created.get_json()['id']}").get_json()
    assert body["schemas"] == [USER_URN, ENTERPRISE_URN, ZOOM_USER_URN, ZOOM_EXT_URN]
    assert body[ZOOM_USER_URN] == {"loginType": {"workEmail": True, "sso": True}}
    extension = body[ZOOM_EXT_URN]
    assert extension["personalLinkName"] == "jchill" and extension["pronouns"] == "she/her"
    assert extension["zoomWhiteboard"] is True and extension["zoomTranslatedCaptions"] is False
    assert body[ENTERPRISE_URN]["manager"] == "boss@acme.test"
    assert body["userType"] == "Licensed" and body["active"] is True
    assert body["meta"]["location"].endswith(f"/scim2/Users/{body['id']}")
    assert created.get_json() == body


def test_an_unquoted_user_name_filter_finds_the_user(zoom):
    user = zoom.create_user("ann@acme.test")
    found = zoom.get("/Users?filter=userName eq ann@acme.test").get_json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == user["id"]
    assert zoom.get('/Users?filter=userName eq "ann@acme.test"').get_json()["totalResults"] == 1
    assert zoom.get("/Users?filter=userName eq nobody@acme.test").get_json()["totalResults"] == 0


def test_the_list_leaves_out_the_zoom_extension_and_some_enterprise_fields(zoom):
    zoom.post("/Users", {**CREATE, ZOOM_EXT_URN: {"pronouns": "she/her"}})
    listed = zoom.get("/Users").get_json()["Resources"]
    (user,) = [u for u in listed if u["userName"] == "jchill@acme.test"]
    assert ZOOM_EXT_URN not in user and ZOOM_EXT_URN not in user["schemas"]
    assert user[ENTERPRISE_URN] == {"department": "Sales"}
    assert user[ZOOM_USER_URN] == {"loginType": {"workEmail": True, "sso": True}}


def test_an_external_id_filter_is_the_zoom_user_id(zoom):
    user = zoom.create_user("ann@acme.test", externalId="ext-1")
    found = zoom.get(f"/Users?filter=externalId eq {user['id']}").get_json()
    assert [u["id"] for u in found["Resources"]] == [user["id"]]
    assert zoom.get("/Users?filter=externalId eq ext-1").get_json()["totalResults"] == 0


def test_a_license_type_filter_lists_the_users_of_that_type_but_no_pending_one(zoom):
    licensed = zoom.create_user("ann@acme.test", userType="Licensed")
    zoom.create_user("bob@acme.test")
    zoom.create_user("carl@elsewhere.test", userType="Licensed")  # pending
    found = zoom.get("/Users?filter=userType eq Licensed").get_json()
    assert [u["id"] for u in found["Resources"]] == [licensed["id"]]
    assert found["totalResults"] == 1


def test_other_filters_are_refused_as_zoom_refuses_them(zoom):
    for text in ('displayName co "a"', "userName sw ann", 'emails.value eq "a@acme.test"'):
        response = zoom.get(f"/Users?filter={text}")
        assert zoom_error(response)[0] == 400
        assert "userName eq" in response.get_json()["detail"]


def test_a_put_of_one_field_keeps_the_others(zoom):
    zoom.store.set_plan(zoom.account_id, "addon:whiteboard", 1, actor="t")
    user = zoom.post("/Users", CREATE).get_json()
    response = zoom.put(
        f"/Users/{user['id']}", {"schemas": [ENTERPRISE_URN], ENTERPRISE_URN: {"department": "Ops"}}
    )
    assert response.status_code == 200, response.get_json()
    after = zoom.get(f"/Users/{user['id']}").get_json()
    assert after[ENTERPRISE_URN] == {**user[ENTERPRISE_URN], "department": "Ops"}
    for kept in ("name", "displayName", "emails", "title", "userType", "active", ZOOM_USER_URN):
        assert after[kept] == user[kept], kept
    assert after[ZOOM_EXT_URN] == user[ZOOM_EXT_URN]


def test_a_put_of_the_name_alone_changes_only_the_given_name(zoom):
    user = zoom.create_user("ann@acme.test", name={"givenName": "Ann", "familyName": "Lee"})
    zoom.put(f"/Users/{user['id']}", {"schemas": [USER_URN], "name": {"givenName": "Anna"}})
    assert zoom.get(f"/Users/{user['id']}").get_json()["name"] == {
        "givenName": "Anna",
        "familyName": "Lee",
    }


def test_zooms_documented_patch_deactivates_and_reactivates(zoom):
    user = zoom.create_user("ann@acme.test")
    path = f"/Users/{user['id']}"
    off = zoom.patch(path, [{"op": "replace", "value": {"active": False}}])
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert zoom.store.get_user(user["id"]).status == "deactivated"
    on = zoom.patch(path, [{"op": "replace", "value": {"active": True}}])
    assert on.status_code == 200 and on.get_json()["active"] is True
    assert zoom.store.get_user(user["id"]).status == "active"


def test_a_lowercase_operations_body_is_refused_with_zooms_detail(zoom):
    user = zoom.create_user("ann@acme.test")
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "operations": [{"op": "replace", "value": {"active": False}}],
    }
    response = zoom.call("PATCH", f"/Users/{user['id']}", body)
    assert zoom_error(response) == (400, "The request json did not contains valid active field.")
    assert zoom.store.get_user(user["id"]).status == "active"


def test_a_patch_body_over_100000_characters_is_refused(zoom):
    user = zoom.create_user("ann@acme.test")
    big = [{"op": "replace", "path": "displayName", "value": "x" * 100_001}]
    response = zoom.patch(f"/Users/{user['id']}", big)
    assert zoom_error(response) == (400, "The request body exceeds 100,000 characters.")


def test_an_unknown_user_is_a_404_in_zooms_shape(zoom):
    response = zoom.get("/Users/no-such-id")
    assert zoom_error(response) == (404, "User does not exist: no-such-id.")
    assert zoom_error(zoom.delete("/Users/no-such-id"))[0] == 404


def test_delete_gives_back_the_license_and_add_on_seats_and_the_memberships(zoom):
    zoom.store.set_plan(zoom.account_id, "addon:whiteboard", 1, actor="t")
    user = zoom.post("/Users", CREATE).get_json()
    group = zoom.post("/Groups", {"schemas": [GROUP_URN], "displayName": "Sales"}).get_json()
    zoom.patch(
        f"/Groups/{group['id']}",
        [{"op": "add", "path": "members", "value": [{"value": user["id"]}]}],
    )
    assert _used(zoom, "Licensed") == 1 and _used(zoom, "addon:whiteboard") == 1
    assert zoom.delete(f"/Users/{user['id']}").status_code == 204
    assert _used(zoom, "Licensed") == 0 and _used(zoom, "addon:whiteboard") == 0
    assert "members" not in zoom.get(f"/Groups/{group['id']}").get_json()
    assert zoom_error(zoom.get(f"/Users/{user['id']}"))[0] == 404


def _used(zoom, seat_kind):
    return next(p.used for p in zoom.store.pools(zoom.account_id) if p.seat_kind == seat_kind)


def test_a_put_of_a_new_user_name_alone_moves_the_email_with_it(zoom):
    user = zoom.create_user(
        "ann@acme.test", emails=[{"type": "work", "value": "ann@acme.test", "primary": True}]
    )
    moved = zoom.put(f"/Users/{user['id']}", {"schemas": [USER_URN], "userName": "anna@acme.test"})
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert body["userName"] == "anna@acme.test"
    assert [e["value"] for e in body["emails"]] == ["anna@acme.test"]
    assert zoom.store.get_user(user["id"]).email == "anna@acme.test"


def test_another_accounts_users_and_groups_are_out_of_reach(gateway_app, zoom):
    user = zoom.create_user("ann@acme.test")
    group = zoom.post("/Groups", {"schemas": [GROUP_URN], "displayName": "Sales"}).get_json()
    other = zoom.store.create_account("Globex", "owner@globex.test", actor="t", vanity="globex")
    from zoomapi import SAML, Zoom

    zoom.store.put_saml_config(other.id, SAML, actor="t")
    _, secret = zoom.store.create_token(other.id, "scim", actor="t")
    globex = Zoom(zoom.client, secret, zoom.store, other)
    assert zoom_error(globex.get(f"/Users/{user['id']}"))[0] == 404
    assert (
        zoom_error(
            globex.patch(f"/Users/{user['id']}", [{"op": "replace", "value": {"active": False}}])
        )[0]
        == 404
    )
    assert zoom_error(globex.delete(f"/Users/{user['id']}"))[0] == 404
    assert zoom_error(globex.get(f"/Groups/{group['id']}"))[0] == 404
    assert zoom_error(globex.delete(f"/Groups/{group['id']}"))[0] == 404
    assert globex.get("/Users?filter=userName eq ann@acme.test").get_json()["totalResults"] == 0
    assert zoom.store.get_user(user["id"]).status == "active"
