"""Groups with members, and Bulk with bulkId references, cycles and limits."""

from __future__ import annotations

from scimapi import GROUP_URN, USER_URN, error_of, scim_for

BULK_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def _bulk(scim, operations, **extra):
    return scim.post("/Bulk", {"schemas": [BULK_URN], "Operations": operations, **extra})


def test_a_group_is_created_with_members_and_read_back(scim):
    ann = scim.create_user("ann@acme.test")
    response = scim.post(
        "/Groups", {"schemas": [GROUP_URN], "displayName": "Eng", "members": [{"value": ann["id"]}]}
    )
    body = response.get_json()
    assert response.status_code == 201 and body["members"][0]["value"] == ann["id"]
    assert scim.get(f"/Groups/{body['id']}").get_json() == body
    user = scim.get(f"/Users/{ann['id']}").get_json()
    assert user["groups"][0]["value"] == body["id"] and user["groups"][0]["display"] == "Eng"


def test_a_group_name_taken_in_the_account_is_refused_with_uniqueness(scim):
    scim.post("/Groups", {"displayName": "Eng"})
    assert error_of(scim.post("/Groups", {"displayName": "eng"})) == (409, "uniqueness")


def test_a_member_that_is_not_a_user_of_the_account_is_refused_under_strict(gateway_app, store):
    strict = scim_for(gateway_app, store, profile="strict")
    eng = {"schemas": [GROUP_URN], "displayName": "Eng"}
    response = strict.post("/Groups", {**eng, "members": [{"value": "nobody"}]})
    assert error_of(response) == (400, "invalidValue")
    assert response.get_json()["detail"] == "No user with id nobody in this account."
    group = strict.post("/Groups", eng).get_json()
    added = strict.patch(
        f"/Groups/{group['id']}", [{"op": "add", "path": "members", "value": [{"value": "x"}]}]
    )
    assert error_of(added) == (400, "invalidValue")


def test_unknown_members_are_left_out_under_lenient_profiles_alike_for_any_account(
    gateway_app, store, caplog
):
    scim = scim_for(gateway_app, store, profile="entra")
    ann = scim.create_user("ann@acme.test")
    other = store.create_account("Other", "owner@other.test", actor="t", vanity="other")
    foreign = store.create_user(other.id, "zed@other.test", actor="t", source="admin")
    group = scim.post("/Groups", {"displayName": "Eng", "members": [{"value": ann["id"]}]})
    path = f"/Groups/{group.get_json()['id']}"
    for stranger in ("fake-member-id", foreign.id):
        response = scim.patch(
            path, [{"op": "add", "path": "members", "value": [{"value": stranger}]}]
        )
        assert response.status_code == 200, response.get_json()
        # The group sent back shows the members it really has; nothing else changed.
        assert [m["value"] for m in response.get_json()["members"]] == [ann["id"]]
    assert "unknown_member_ignored" in caplog.text
    assert store.get_user(foreign.id).version == foreign.version


def test_membership_changes_bump_the_group_and_the_user_versions(scim):
    ann = scim.create_user("ann@acme.test")
    group = scim.post("/Groups", {"displayName": "Eng"}).get_json()
    response = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "add", "path": "members", "value": [{"value": ann["id"]}]}],
    )
    assert response.headers["ETag"] == 'W/"2"'
    assert scim.get(f"/Users/{ann['id']}").headers["ETag"] == 'W/"2"'
    removed = scim.patch(
        f"/Groups/{group['id']}", [{"op": "remove", "path": f'members[value eq "{ann["id"]}"]'}]
    )
    assert "members" not in removed.get_json() and removed.headers["ETag"] == 'W/"3"'


def test_deleting_a_member_bumps_its_groups_version(scim):
    ann = scim.create_user("ann@acme.test")
    group = scim.post("/Groups", {"displayName": "Eng", "members": [{"value": ann["id"]}]})
    scim.delete(f"/Users/{ann['id']}")
    after = scim.get(f"/Groups/{group.get_json()['id']}")
    assert after.headers["ETag"] == 'W/"2"' and "members" not in after.get_json()


def test_replacing_a_group_sets_its_members_exactly(scim):
    ann, bob = scim.create_user("ann@acme.test"), scim.create_user("bob@acme.test")
    group = scim.post("/Groups", {"displayName": "Eng", "members": [{"value": ann["id"]}]})
    response = scim.put(
        f"/Groups/{group.get_json()['id']}",
        {"schemas": [GROUP_URN], "displayName": "Engineering", "members": [{"value": bob["id"]}]},
    )
    body = response.get_json()
    assert body["displayName"] == "Engineering"
    assert [m["value"] for m in body["members"]] == [bob["id"]]


def test_nested_groups_are_refused_with_invalid_value(scim):
    inner = scim.post("/Groups", {"displayName": "Inner"}).get_json()
    response = scim.post(
        "/Groups", {"displayName": "Outer", "members": [{"value": inner["id"], "type": "Group"}]}
    )
    assert error_of(response) == (400, "invalidValue")


def test_bulk_resolves_bulk_id_references_in_any_order(scim):
    response = _bulk(
        scim,
        [
            {
                "method": "POST",
                "path": "/Groups",
                "bulkId": "g",
                "data": {"displayName": "Eng", "members": [{"value": "bulkId:u"}]},
            },
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": "u",
                "data": {"schemas": [USER_URN], "userName": "ann@acme.test"},
            },
            {
                "method": "PATCH",
                "path": "/Users/bulkId:u",
                "data": {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "displayName", "value": "Ann"}],
                },
            },
        ],
    )
    results = response.get_json()["Operations"]
    assert [r["status"] for r in results] == ["201", "201", "200"]
    group = scim.get(results[0]["location"].split("/scim/v2")[1]).get_json()
    user = scim.get(results[1]["location"].split("/scim/v2")[1]).get_json()
    assert group["members"][0]["value"] == user["id"] and user["displayName"] == "Ann"


def test_bulk_refuses_a_bulk_id_cycle_and_creates_nothing_on_it(scim):
    response = _bulk(
        scim,
        [
            {
                "method": "POST",
                "path": "/Groups",
                "bulkId": "a",
                "data": {"displayName": "A", "members": [{"value": "bulkId:b"}]},
            },
            {
                "method": "POST",
                "path": "/Groups",
                "bulkId": "b",
                "data": {"displayName": "B", "members": [{"value": "bulkId:a"}]},
            },
        ],
    )
    results = response.get_json()["Operations"]
    assert [r["status"] for r in results] == ["409", "409"]
    assert results[0]["response"]["scimType"] == "invalidValue"
    assert scim.get("/Groups").get_json()["totalResults"] == 0


def test_bulk_stops_after_fail_on_errors(scim):
    bad = {"schemas": [USER_URN], "userName": "x", "emails": [{"value": "not-an-email"}]}
    response = _bulk(
        scim,
        [{"method": "POST", "path": "/Users", "bulkId": str(i), "data": bad} for i in range(3)]
        + [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": "ok",
                "data": {"schemas": [USER_URN], "userName": "ok@acme.test"},
            }
        ],
        failOnErrors=2,
    )
    results = response.get_json()["Operations"]
    assert [r["status"] for r in results] == ["400", "400"]
    assert scim.store.find_user_by_email("ok@acme.test") is None


def test_bulk_over_max_operations_is_refused_with_413(scim):
    limits = scim.client.application.extensions["gateway.scim"].limits
    operations = [
        {"method": "DELETE", "path": f"/Users/x{i}"} for i in range(limits.max_operations + 1)
    ]
    assert error_of(_bulk(scim, operations))[0] == 413


def test_bulk_over_max_payload_size_is_refused_with_413(scim):
    limits = scim.client.application.extensions["gateway.scim"].limits
    padding = "x" * limits.max_payload_size
    response = _bulk(scim, [{"method": "DELETE", "path": "/Users/x"}], padding=padding)
    assert error_of(response)[0] == 413


def test_a_bulk_body_without_the_bulk_request_schema_is_refused_with_invalid_syntax(scim):
    response = scim.post("/Bulk", {"Operations": []})
    assert error_of(response) == (400, "invalidSyntax")


def test_a_patch_or_put_that_changes_nothing_keeps_the_group_version(scim):
    ann = scim.create_user("ann@acme.test")
    created = scim.post(
        "/Groups", {"schemas": [GROUP_URN], "displayName": "Eng", "members": [{"value": ann["id"]}]}
    )
    path = f"/Groups/{created.get_json()['id']}"
    audited = len(scim.store.list_audit([scim.account_id]).items)
    user_etag = scim.get(f"/Users/{ann['id']}").headers["ETag"]
    again = scim.patch(path, [{"op": "add", "path": "members", "value": [{"value": ann["id"]}]}])
    renamed = scim.patch(path, [{"op": "replace", "path": "displayName", "value": "Eng"}])
    put = scim.put(
        path, {"schemas": [GROUP_URN], "displayName": "Eng", "members": [{"value": ann["id"]}]}
    )
    for answer in (again, renamed, put):
        assert answer.status_code == 200 and answer.headers["ETag"] == 'W/"1"'
        assert answer.get_json() == created.get_json()
    assert len(scim.store.list_audit([scim.account_id]).items) == audited
    assert scim.get(f"/Users/{ann['id']}").headers["ETag"] == user_etag
    moved = scim.patch(path, [{"op": "replace", "path": "displayName", "value": "Eng2"}])
    assert moved.headers["ETag"] == 'W/"2"'
