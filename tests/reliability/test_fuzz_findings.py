"""What the fuzzers found, kept as plain regression tests (each was a 500 before its fix)."""

from __future__ import annotations

import pytest

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture
def scim_headers(sqlite_store):
    account = sqlite_store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")
    _, secret = sqlite_store.create_token(account.id, "scim", actor="t")
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    "body",
    [
        {"schemas": True},
        {"schemas": "urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
        {"filter": 5},
        {"sortBy": ["userName"]},
        {"attributes": 3},
        {"excludedAttributes": [1, 2]},
    ],
)
@pytest.mark.parametrize("path", ["/scim/v2/.search", "/scim/v2/Users/.search"])
def test_a_search_body_with_wrongly_typed_members_is_a_400_invalid_syntax(
    client, scim_headers, path, body
):
    answer = client.post(path, json=body, headers=scim_headers)
    assert answer.status_code == 400
    assert answer.get_json()["scimType"] == "invalidSyntax"


@pytest.mark.parametrize("schemas", [True, 7, "urn:ietf:params:scim:api:messages:2.0:BulkRequest"])
def test_a_bulk_body_whose_schemas_is_not_a_list_is_a_400_invalid_syntax(
    client, scim_headers, schemas
):
    body = {"schemas": schemas, "Operations": [{"method": "POST", "path": "/Users"}]}
    answer = client.post("/scim/v2/Bulk", json=body, headers=scim_headers)
    assert answer.status_code == 400
    assert answer.get_json()["scimType"] == "invalidSyntax"


@pytest.mark.parametrize("field", [{"bulkId": [None]}, {"bulkId": {"a": 1}}, {"version": 3}])
def test_a_bulk_operation_with_a_non_string_bulk_id_or_version_is_a_400_invalid_syntax(
    client, scim_headers, field
):
    operation = {
        "method": "POST",
        "path": "/Users",
        "bulkId": "b1",
        "data": {"schemas": [USER_URN], "userName": "x@acme.test"},
        **field,
    }
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [operation],
    }
    answer = client.post("/scim/v2/Bulk", json=body, headers=scim_headers)
    assert answer.status_code == 400
    assert answer.get_json()["scimType"] == "invalidSyntax"
