"""The SCIM surface: tokens, vanity by path and host, error forms, content types, discovery."""

from __future__ import annotations

from scimapi import USER_URN, error_of, make_world


def _other_token(store):
    account = store.create_account("Globex", "owner@globex.test", actor="t", vanity="globex")
    return store.create_token(account.id, "scim", actor="t")[1]


def test_no_token_is_refused_with_401_in_the_scim_error_form(sqlite_scim):
    response = sqlite_scim.client.get("/scim/v2/Users")
    assert error_of(response) == (401, None)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_admin_token_is_not_a_scim_token(sqlite_scim):
    _, admin = sqlite_scim.store.create_token(sqlite_scim.account_id, "admin", actor="t")
    response = sqlite_scim.client.get(
        "/scim/v2/Users", headers={"Authorization": f"Bearer {admin}"}
    )
    assert error_of(response) == (401, None)


def test_the_vanity_path_serves_the_account_of_the_token(sqlite_scim):
    sqlite_scim.prefix = "/v/acme/scim/v2"
    body = sqlite_scim.create_user("ann@acme.test")
    assert "/v/acme/scim/v2/Users/" in body["meta"]["location"]


def test_the_vanity_path_refuses_a_token_of_another_account(sqlite_scim):
    sqlite_scim.token = _other_token(sqlite_scim.store)
    sqlite_scim.prefix = "/v/acme/scim/v2"
    assert error_of(sqlite_scim.get("/Users")) == (401, None)


def test_the_vanity_host_refuses_a_token_of_another_account(sqlite_scim):
    token = _other_token(sqlite_scim.store)
    response = sqlite_scim.client.get(
        "/scim/v2/Users",
        base_url="http://acme.localhost",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert error_of(response) == (401, None)
    mine = sqlite_scim.client.get(
        "/scim/v2/Users", base_url="http://acme.localhost", headers=sqlite_scim.headers()
    )
    assert mine.status_code == 200


def test_the_plain_path_authenticates_by_token_alone(sqlite_scim):
    sqlite_scim.token = _other_token(sqlite_scim.store)
    names = [r["userName"] for r in sqlite_scim.get("/Users").get_json()["Resources"]]
    assert names == ["owner@globex.test"]


def test_lowercase_users_is_routed_like_users(sqlite_scim):
    sqlite_scim.create_user("ann@acme.test")
    response = sqlite_scim.get('/users?filter=userName eq "ann@acme.test"')
    assert response.get_json()["totalResults"] == 1


def test_lowercase_users_is_not_found_under_the_strict_profile(app, sqlite_store):
    _, token = make_world(sqlite_store, profile="strict")
    response = app.test_client().get("/scim/v2/users", headers={"Authorization": f"Bearer {token}"})
    assert error_of(response) == (404, None)


def test_an_unknown_endpoint_is_a_scim_404_and_a_wrong_method_a_scim_405(sqlite_scim):
    assert error_of(sqlite_scim.get("/Widgets/1/x")) == (404, None)
    response = sqlite_scim.call("DELETE", "/Users")
    assert error_of(response) == (405, None) and "POST" in response.headers["Allow"]


def test_plain_json_bodies_are_accepted(sqlite_scim):
    response = sqlite_scim.client.post(
        "/scim/v2/Users",
        data='{"userName": "ann@acme.test"}',
        headers=sqlite_scim.headers({"Content-Type": "application/json"}),
    )
    assert response.status_code == 201 and response.mimetype == "application/scim+json"


def test_the_service_provider_config_is_truthful_about_limits(sqlite_scim):
    body = sqlite_scim.get("/ServiceProviderConfig").get_json()
    limits = sqlite_scim.client.application.extensions["gateway.scim"].limits
    assert body["bulk"]["maxOperations"] == limits.max_operations
    assert body["bulk"]["maxPayloadSize"] == limits.max_payload_size
    assert body["filter"] == {"supported": True, "maxResults": limits.max_results}
    assert body["changePassword"] == {"supported": False} and body["etag"]["supported"]


def test_schemas_and_resource_types_are_served_by_id(sqlite_scim):
    assert sqlite_scim.get(f"/Schemas/{USER_URN}").get_json()["id"] == USER_URN
    assert sqlite_scim.get("/ResourceTypes/Group").get_json()["endpoint"] == "/Groups"
    schemas = {s["id"] for s in sqlite_scim.get("/Schemas").get_json()["Resources"]}
    assert "urn:ietf:params:scim:schemas:extension:zoom:1.0:User" in schemas
    assert error_of(sqlite_scim.get("/Schemas/urn:nope"))[0] == 404


def test_the_quirks_a_request_needed_are_logged_with_the_token_id_only(sqlite_scim, caplog):
    body = sqlite_scim.create_user("ann@acme.test")
    caplog.set_level("INFO", logger="gateway.scim")
    sqlite_scim.patch(f"/Users/{body['id']}", [{"op": "Replace", "value": {"active": "False"}}])
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "gateway.scim")
    assert "boolean_as_string" in logged and "token" in logged
    assert sqlite_scim.token not in logged and "False" not in logged
