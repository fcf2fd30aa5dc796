"""Discovery documents, sorting, and the RFC 7644 §3.12 error body."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from scimdb import insert_users, user_ids, user_row

from gateway.errors import GatewayError
from gateway.scim.discovery import (
    ScimLimits,
    resource_type_by_id,
    resource_types_document,
    schema_by_id,
    schemas_document,
    service_provider_config,
)
from gateway.scim.errors import InvalidValue, NoTarget, PreconditionFailed, Uniqueness
from gateway.scim.filters import sort_expression
from gateway.scim.schemas import ENTERPRISE_URN, USER_URN, ZOOM_URN
from gateway.store.schema import users


def test_errors_render_the_rfc_error_schema() -> None:
    body = Uniqueness("userName 'a' is taken").to_scim()
    assert body == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "409",
        "scimType": "uniqueness",
        "detail": "userName 'a' is taken",
    }
    assert "scimType" not in PreconditionFailed("stale").to_scim()
    assert isinstance(NoTarget("x"), GatewayError)
    assert NoTarget.status == 400


def test_service_provider_config_is_truthful_about_limits() -> None:
    body = service_provider_config(ScimLimits(max_operations=50, max_payload_size=1000))
    assert body["bulk"] == {"supported": True, "maxOperations": 50, "maxPayloadSize": 1000}
    assert body["patch"]["supported"] and body["sort"]["supported"] and body["etag"]["supported"]
    assert body["changePassword"]["supported"] is False
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_schemas_and_resource_types_are_listed() -> None:
    ids = [s["id"] for s in schemas_document()["Resources"]]
    assert USER_URN in ids and ENTERPRISE_URN in ids and ZOOM_URN in ids
    user_type = resource_type_by_id("user")
    assert user_type is not None and user_type["endpoint"] == "/Users"
    assert {e["schema"] for e in user_type["schemaExtensions"]} == {ENTERPRISE_URN, ZOOM_URN}
    assert resource_types_document()["totalResults"] == 2
    zoom = schema_by_id(ZOOM_URN)
    assert zoom is not None
    login = next(a for a in zoom["attributes"] if a["name"] == "loginType")
    assert login["canonicalValues"] == ["workEmail", "sso"]
    status = next(a for a in zoom["attributes"] if a["name"] == "status")
    assert status["mutability"] == "readOnly"
    assert schema_by_id("urn:nope") is None


def test_sorting_is_case_insensitive_nulls_last_and_stable(db: sa.Connection) -> None:
    insert_users(
        db,
        user_row("u3", "b@x.test", first_name="bob"),
        user_row("u1", "a@x.test", first_name="Bob"),
        user_row("u2", "c@x.test", first_name="alice"),
        user_row("u4", "d@x.test"),
    )

    def order(sort_by: str | None, sort_order: str | None = None) -> list[str]:
        query = sa.select(users.c.id).order_by(*sort_expression(sort_by, sort_order, "User"))
        return list(db.execute(query).scalars())

    assert order("name.givenName") == ["u2", "u1", "u3", "u4"]
    assert order("NAME.GIVENNAME", "descending") == ["u4", "u1", "u3", "u2"]
    assert order("userName", "Ascending") == ["u1", "u3", "u2", "u4"]
    assert order("emails") == ["u1", "u3", "u2", "u4"]
    assert order(None) == ["u1", "u2", "u3", "u4"]
    assert user_ids(db, sa.true()) == ["u1", "u2", "u3", "u4"]


@pytest.mark.parametrize(
    ("sort_by", "sort_order"), [("nosuch", None), ("name", None), ("userName", "up")]
)
def test_unsortable_requests_are_invalid_value(sort_by: str, sort_order: str | None) -> None:
    with pytest.raises(InvalidValue):
        sort_expression(sort_by, sort_order, "User")
