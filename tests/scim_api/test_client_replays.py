"""Request sequences Okta and Microsoft Entra send, written from their public SCIM documentation
(Okta "SCIM 2.0" reference; Entra "Known issues ... SCIM 2.0 protocol compliance", legacy
behaviour and the ``aadOptscim062020`` flag). Bodies are re-typed here, not pasted."""

from __future__ import annotations

import pytest
from scimapi import (
    ENTERPRISE_URN,
    GROUP_URN,
    PATCH_URN,
    USER_URN,
    Scim,
    error_of,
    make_world,
)

from gateway.app import create_app


def _client(store, profile):
    app = create_app({"public_url": "http://gw.test"}, store=store)
    account, token = make_world(store, profile)
    return Scim(app.test_client(), token, store, account.id)


@pytest.fixture
def okta(store):
    return _client(store, "okta")


@pytest.fixture
def entra(store):
    return _client(store, "entra")


def _patch(*operations):
    return {"schemas": [PATCH_URN], "Operations": list(operations)}


def test_okta_assigns_updates_deactivates_and_reactivates_a_user(okta):
    assert okta.get("/Users?startIndex=1&count=2").status_code == 200
    lookup = okta.get('/Users?filter=userName eq "dana@acme.test"&startIndex=1&count=100')
    assert lookup.get_json()["totalResults"] == 0 and lookup.get_json()["Resources"] == []
    created = okta.post(
        "/Users",
        {
            "schemas": [USER_URN],
            "userName": "dana@acme.test",
            "name": {"givenName": "Dana", "familyName": "Ng"},
            "emails": [{"primary": True, "value": "dana@acme.test", "type": "work"}],
            "displayName": "Dana Ng",
            "locale": "en-US",
            "externalId": "00u1okta",
            "groups": [],
            "password": "t1meMa$heen",
            "active": True,
        },
    )
    assert created.status_code == 201
    user = created.get_json()
    assert "password" not in user and user["externalId"] == "00u1okta"
    path = f"/Users/{user['id']}"
    replaced = okta.put(path, {**user, "name": {"givenName": "Dana", "familyName": "Ng-Li"}})
    assert replaced.get_json()["name"]["familyName"] == "Ng-Li"
    off = okta.call("PATCH", path, _patch({"op": "replace", "value": {"active": False}}))
    assert off.status_code == 200 and off.get_json()["active"] is False
    on = okta.call("PATCH", path, _patch({"op": "replace", "value": {"active": True}}))
    assert on.get_json()["active"] is True


def test_okta_pushes_a_group_renaming_it_with_every_membership_patch(okta):
    ann, bob = okta.create_user("ann@acme.test"), okta.create_user("bob@acme.test")
    group = okta.post(
        "/Groups", {"schemas": [GROUP_URN], "displayName": "Sales", "members": []}
    ).get_json()
    path = f"/Groups/{group['id']}"
    added = okta.call(
        "PATCH",
        path,
        _patch(
            {"op": "replace", "value": {"id": group["id"], "displayName": "Sales EMEA"}},
            {
                "op": "add",
                "path": "members",
                "value": [
                    {"value": ann["id"], "display": "ann@acme.test"},
                    {"value": bob["id"], "display": "bob@acme.test"},
                ],
            },
        ),
    )
    body = added.get_json()
    assert added.status_code == 200 and body["displayName"] == "Sales EMEA"
    assert sorted(m["value"] for m in body["members"]) == sorted([ann["id"], bob["id"]])
    removed = okta.call(
        "PATCH",
        path,
        _patch(
            {"op": "replace", "value": {"id": group["id"], "displayName": "Sales EMEA"}},
            {"op": "remove", "path": f'members[value eq "{ann["id"]}"]'},
        ),
    )
    assert [m["value"] for m in removed.get_json()["members"]] == [bob["id"]]
    listed = okta.get("/Groups?startIndex=1&count=100").get_json()
    assert listed["totalResults"] == 1
    assert okta.delete(path).status_code == 204


def test_okta_pages_users_a_hundred_at_a_time(okta):
    for i in range(150):
        okta.store.create_user(okta.account_id, f"p{i:03}@acme.test", actor="t", source="admin")
    first = okta.get("/Users?startIndex=1&count=100").get_json()
    second = okta.get("/Users?startIndex=101&count=100").get_json()
    assert first["itemsPerPage"] == 100 and second["itemsPerPage"] == 51
    ids = [r["id"] for r in first["Resources"] + second["Resources"]]
    assert len(set(ids)) == first["totalResults"] == 151


def test_entra_probes_then_provisions_a_user_with_the_enterprise_extension(entra):
    probe = entra.get('/Users?filter=userName eq "7b5b3c14-8d1e-4f55-b6a2-1f3c0e9a4d21"')
    assert probe.status_code == 200 and probe.get_json()["totalResults"] == 0
    created = entra.post(
        "/Users",
        {
            "schemas": [USER_URN, ENTERPRISE_URN],
            "externalId": "erin",
            "userName": "Erin@acme.test",
            "active": True,
            "displayName": "Erin Ko",
            "emails": [{"primary": True, "type": "work", "value": "Erin@acme.test"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Erin Ko", "familyName": "Ko", "givenName": "Erin"},
            "roles": [],
            ENTERPRISE_URN: {"employeeNumber": "1001", "department": "Ops"},
        },
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body[ENTERPRISE_URN]["employeeNumber"] == "1001"
    again = entra.get('/Users?filter=userName eq "erin@acme.test"').get_json()
    assert again["Resources"][0]["id"] == body["id"]


def test_entra_legacy_patches_with_capitalised_ops_strings_and_dotted_keys(entra):
    manager = entra.create_user("boss@acme.test")
    user = entra.create_user("erin@acme.test", externalId="erin")
    path = f"/Users/{user['id']}"
    response = entra.call(
        "PATCH",
        path,
        _patch(
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "erin@acme.test"},
            {
                "op": "Replace",
                "value": {"name.givenName": "Erin", f"{ENTERPRISE_URN}:employeeNumber": "7"},
            },
            {"op": "Add", "path": f"{ENTERPRISE_URN}:manager", "value": manager["id"]},
            {"op": "Replace", "path": "active", "value": "False"},
        ),
    )
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["name"]["givenName"] == "Erin" and body["active"] is False
    assert body[ENTERPRISE_URN]["employeeNumber"] == "7"
    assert body[ENTERPRISE_URN]["manager"]["value"] == manager["id"]


def test_entra_aadoptscim062020_patches_with_proper_booleans(entra):
    user = entra.create_user("erin@acme.test")
    response = entra.call(
        "PATCH",
        f"/Users/{user['id']}?aadOptscim062020",
        _patch(
            {"op": "replace", "path": "active", "value": False},
            {"op": "add", "path": "title", "value": "Lead"},
        ),
    )
    assert response.get_json()["active"] is False and response.get_json()["title"] == "Lead"


def test_entra_removes_group_members_with_a_value_list_on_lowercase_paths(entra):
    ann, bob = entra.create_user("ann@acme.test"), entra.create_user("bob@acme.test")
    entra.prefix = "/scim/v2"
    group = entra.post(
        "/groups",
        {
            "schemas": [GROUP_URN],
            "externalId": "g1",
            "displayName": "Ops",
            "meta": {"resourceType": "Group"},
            "members": [],
        },
    ).get_json()
    path = f"/groups/{group['id']}"
    entra.call(
        "PATCH",
        path,
        _patch(
            {"op": "Add", "path": "members", "value": [{"value": ann["id"]}, {"value": bob["id"]}]}
        ),
    )
    response = entra.call(
        "PATCH", path, _patch({"op": "Remove", "path": "members", "value": [{"value": ann["id"]}]})
    )
    assert [m["value"] for m in response.get_json()["members"]] == [bob["id"]]
    found = entra.get('/Groups?filter=displayName eq "Ops"&excludedAttributes=members')
    resources = found.get_json()["Resources"]
    assert resources[0]["id"] == group["id"] and "members" not in resources[0]


def test_the_strict_profile_refuses_what_entra_legacy_sends(store):
    strict = _client(store, "strict")
    user = strict.create_user("erin@acme.test")
    response = strict.call(
        "PATCH",
        f"/Users/{user['id']}",
        _patch({"op": "Replace", "path": "active", "value": "False"}),
    )
    assert error_of(response)[0] == 400
