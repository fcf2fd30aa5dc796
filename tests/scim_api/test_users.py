"""Users through HTTP: each RFC 7644 operation, uniqueness, ETags, projection and paging."""

from __future__ import annotations

from scimapi import ENTERPRISE_URN, USER_URN, ZOOM_URN, error_of, scim_for

from gateway.app import create_app


def test_creating_a_user_returns_201_with_location_etag_and_the_saas_extension(scim):
    response = scim.post(
        "/Users",
        {
            "schemas": [USER_URN],
            "userName": "ann@acme.test",
            "name": {"givenName": "Ann", "familyName": "Lee"},
            ENTERPRISE_URN: {"department": "R&D", "manager": {"value": "m1"}},
            ZOOM_URN: {"loginType": "sso", "pronouns": "she/her"},
        },
    )
    body = response.get_json()
    assert response.status_code == 201 and response.mimetype == "application/scim+json"
    assert response.headers["Location"] == body["meta"]["location"]
    assert response.headers["ETag"] == body["meta"]["version"] == 'W/"1"'
    assert body["userName"] == "ann@acme.test" and body["active"] is True
    assert body["userType"] == "Basic"
    assert body[ENTERPRISE_URN] == {"department": "R&D", "manager": {"value": "m1"}}
    # The read-only status is returned on request only (RFC 7643 §7 returned "request").
    assert body[ZOOM_URN] == {"loginType": "sso", "pronouns": "she/her"}
    asked = scim.get(f"/Users/{body['id']}?attributes={ZOOM_URN}:status").get_json()
    assert asked[ZOOM_URN] == {"status": "active"}
    assert scim.store.get_user(body["id"]).login_type == "sso"


def test_getting_a_user_returns_what_was_created(scim):
    created = scim.create_user("ann@acme.test", displayName="Ann")
    response = scim.get(f"/Users/{created['id']}")
    assert response.status_code == 200 and response.get_json() == created


def test_a_user_of_another_account_is_not_found(scim):
    other = scim.store.create_account("Globex", "owner@globex.test", actor="t")
    stranger = scim.store.create_user(other.id, "gus@globex.test", actor="t", source="admin")
    assert error_of(scim.get(f"/Users/{stranger.id}")) == (404, None)


def test_replacing_a_user_sets_every_attribute_and_bumps_the_version(scim):
    created = scim.create_user("ann@acme.test", displayName="Ann", title="Eng")
    response = scim.put(
        f"/Users/{created['id']}",
        {"schemas": [USER_URN], "userName": "ann@acme.test", "displayName": "Ann L."},
    )
    body = response.get_json()
    assert response.status_code == 200 and body["displayName"] == "Ann L."
    assert "title" not in body and body["meta"]["version"] == 'W/"2"'


def test_patching_a_user_with_a_value_path_filter_changes_only_that_value(scim):
    created = scim.create_user(
        "ann@acme.test",
        emails=[
            {"value": "ann@acme.test", "type": "work", "primary": True},
            {"value": "ann@home.test", "type": "home"},
        ],
    )
    response = scim.patch(
        f"/Users/{created['id']}",
        [{"op": "replace", "path": 'emails[type eq "home"].value', "value": "ann@new.test"}],
    )
    emails = response.get_json()["emails"]
    assert [e["value"] for e in emails] == ["ann@acme.test", "ann@new.test"]


def test_a_patch_whose_filter_selects_nothing_is_refused_with_no_target(scim):
    created = scim.create_user("ann@acme.test")
    response = scim.patch(
        f"/Users/{created['id']}", [{"op": "remove", "path": 'emails[type eq "home"]'}]
    )
    assert error_of(response) == (400, "noTarget")


def test_patching_a_read_only_attribute_is_refused_with_mutability(scim):
    created = scim.create_user("ann@acme.test")
    response = scim.patch(
        f"/Users/{created['id']}", [{"op": "replace", "path": "id", "value": "mine"}]
    )
    assert error_of(response) == (400, "mutability")


def test_deleting_a_user_makes_it_not_found(scim):
    created = scim.create_user("ann@acme.test")
    assert scim.delete(f"/Users/{created['id']}").status_code == 204
    assert error_of(scim.get(f"/Users/{created['id']}")) == (404, None)
    assert error_of(scim.delete(f"/Users/{created['id']}")) == (404, None)


def test_a_user_name_taken_in_any_case_is_refused_with_uniqueness(scim):
    scim.create_user("ann@acme.test")
    response = scim.post("/Users", {"schemas": [USER_URN], "userName": "ANN@Acme.Test"})
    assert error_of(response) == (409, "uniqueness")


def test_a_user_name_taken_in_another_account_is_refused_without_naming_it(scim):
    other = scim.store.create_account("Globex Secret Co", "owner@globex.test", actor="t")
    scim.store.create_user(other.id, "gus@globex.test", actor="t", source="admin")
    response = scim.post("/Users", {"schemas": [USER_URN], "userName": "gus@globex.test"})
    assert error_of(response) == (409, "uniqueness")
    detail = response.get_json()["detail"]
    assert "Globex" not in detail and str(other.id) not in detail and other.number not in detail


def test_a_sign_in_email_that_is_not_an_email_is_refused_with_invalid_value(scim):
    response = scim.post(
        "/Users",
        {"schemas": [USER_URN], "userName": "bjensen", "emails": [{"value": "bjensen"}]},
    )
    assert error_of(response) == (400, "invalidValue")


def test_a_user_without_user_name_is_refused_with_invalid_value(scim):
    response = scim.post("/Users", {"schemas": [USER_URN], "displayName": "x"})
    assert error_of(response) == (400, "invalidValue")


def test_a_body_that_is_not_json_is_refused_with_invalid_syntax(scim):
    response = scim.client.post(
        "/scim/v2/Users",
        data="{not json",
        headers=scim.headers({"Content-Type": "application/scim+json"}),
    )
    assert error_of(response) == (400, "invalidSyntax")


def test_a_stale_if_match_is_refused_with_412_and_a_current_one_is_accepted(scim):
    created = scim.create_user("ann@acme.test")
    path = f"/Users/{created['id']}"
    body = {"schemas": [USER_URN], "userName": "ann@acme.test", "displayName": "A"}
    assert scim.put(path, body, **{"If-Match": 'W/"1"'}).status_code == 200
    assert error_of(scim.put(path, body, **{"If-Match": 'W/"1"'}))[0] == 412
    stale_patch = scim.patch(
        path, [{"op": "replace", "path": "displayName", "value": "B"}], **{"If-Match": 'W/"1"'}
    )
    assert error_of(stale_patch)[0] == 412
    assert error_of(scim.delete(path, **{"If-Match": 'W/"1"'}))[0] == 412
    assert scim.delete(path, **{"If-Match": 'W/"2"'}).status_code == 204


def test_if_none_match_with_the_current_version_answers_304(scim):
    created = scim.create_user("ann@acme.test")
    path = f"/Users/{created['id']}"
    assert scim.get(path, **{"If-None-Match": 'W/"1"'}).status_code == 304
    scim.patch(path, [{"op": "replace", "path": "displayName", "value": "B"}])
    fresh = scim.get(path, **{"If-None-Match": 'W/"1"'})
    assert fresh.status_code == 200 and fresh.headers["ETag"] == 'W/"2"'


def test_attributes_keep_the_always_returned_ones_and_excluded_attributes_drop(scim):
    created = scim.create_user("ann@acme.test", displayName="Ann", title="Eng")
    only = scim.get(f"/Users/{created['id']}?attributes=displayName").get_json()
    assert set(only) == {"schemas", "id", "displayName"}
    without = scim.get(f"/Users/{created['id']}?excludedAttributes=title,meta").get_json()
    assert "title" not in without and "meta" not in without and without["userName"]


def test_paging_is_stable_across_pages_and_start_index_below_one_is_one(scim):
    for i in range(7):
        scim.create_user(f"u{i}@acme.test", displayName="same")
    seen = []
    for start in (1, 4, 7):
        page = scim.get(f"/Users?sortBy=displayName&startIndex={start}&count=3").get_json()
        assert page["startIndex"] == start and page["totalResults"] == 8
        seen += [r["id"] for r in page["Resources"]]
    assert len(seen) == len(set(seen)) == 8
    assert scim.get("/Users?startIndex=-5&count=1").get_json()["startIndex"] == 1


def test_count_zero_returns_only_the_total(scim):
    scim.create_user("ann@acme.test")
    body = scim.get("/Users?count=0").get_json()
    assert body["totalResults"] == 2 and body["Resources"] == [] and body["itemsPerPage"] == 0


def test_count_is_capped_by_max_results(store):
    app = create_app({"public_url": "http://gw.test", "scim_max_results": 2}, store=store)
    scim = scim_for(app, store)
    for i in range(3):
        scim.create_user(f"u{i}@acme.test")
    body = scim.get("/Users?count=50").get_json()
    assert body["totalResults"] == 4 and body["itemsPerPage"] == 2
    assert scim.get("/ServiceProviderConfig").get_json()["filter"]["maxResults"] == 2


def test_post_search_takes_a_search_request_body(scim):
    scim.create_user("ann@acme.test")
    response = scim.post(
        "/Users/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'userName eq "ANN@acme.test"',
            "attributes": ["userName"],
        },
    )
    body = response.get_json()
    assert body["totalResults"] == 1 and body["Resources"][0]["userName"] == "ann@acme.test"


def test_the_root_search_returns_users_and_groups(scim):
    scim.create_user("ann@acme.test")
    scim.post("/Groups", {"displayName": "Eng"})
    body = scim.post(
        "/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
    ).get_json()
    kinds = sorted(r["meta"]["resourceType"] for r in body["Resources"])
    assert kinds == ["Group", "User", "User"] and body["totalResults"] == 3


def test_a_token_sees_only_its_own_account_in_lists(scim):
    other, _ = make_world_other(scim.store)
    scim.store.create_user(other.id, "gus@globex.test", actor="t", source="admin")
    names = [r["userName"] for r in scim.get("/Users").get_json()["Resources"]]
    assert names == ["owner@acme.test"]


def make_world_other(store):
    account = store.create_account("Globex", "owner@globex.test", actor="t", vanity="globex")
    _, secret = store.create_token(account.id, "scim", actor="t")
    return account, secret
