"""Incoming User and Group bodies are checked against the schema and normalised."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.scim.errors import InvalidSyntax, InvalidValue
from gateway.scim.schemas import ENTERPRISE_URN, GROUP, GROUP_URN, USER, USER_URN, ZOOM_URN
from gateway.scim.validate import validate_resource


def body(**extra: Any) -> dict[str, Any]:
    return {"schemas": [USER_URN], "userName": "alice@acme.test", **extra}


def test_a_minimal_user_is_accepted_as_is() -> None:
    result = validate_resource(body(), USER, profile="strict")
    assert result.resource == body()
    assert result.quirks == ()


def test_names_are_normalised_and_read_only_attributes_ignored() -> None:
    result = validate_resource(
        body(ID="x", meta={"version": "1"}, groups=[{"value": "g"}], NAME={"GIVENNAME": "A"}),
        USER,
        profile="strict",
    )
    assert result.resource == {**body(), "name": {"givenName": "A"}}


def test_user_name_is_required() -> None:
    with pytest.raises(InvalidValue, match="userName"):
        validate_resource({"schemas": [USER_URN]}, USER)
    with pytest.raises(InvalidValue, match="displayName"):
        validate_resource({"schemas": [GROUP_URN]}, GROUP)


def test_types_are_checked() -> None:
    for bad in (
        {"active": "yes"},
        {"emails": {"value": 1}},
        {"name": "Alice"},
        {"title": ["a"]},
        {"emails": [{"value": 3}]},
    ):
        with pytest.raises(InvalidValue):
            validate_resource(body(**bad), USER, profile="strict")


def test_enforced_canonical_values_are_normalised_or_refused() -> None:
    result = validate_resource(
        body(userType="on-prem", **{ZOOM_URN: {"loginType": "WORKEMAIL"}}), USER
    )
    assert result.resource["userType"] == "On-Prem"
    assert result.resource[ZOOM_URN] == {"loginType": "workEmail"}
    with pytest.raises(InvalidValue, match="Basic, Licensed, On-Prem"):
        validate_resource(body(userType="Gold"), USER)


def test_unknown_attributes_are_refused_when_strict_and_reported_otherwise() -> None:
    with pytest.raises(InvalidValue, match="favouriteColour"):
        validate_resource(body(favouriteColour="red"), USER, profile="strict")
    result = validate_resource(body(favouriteColour="red"), USER, profile="compatible")
    assert "favouriteColour" not in result.resource
    assert result.quirks == ("unknown_attribute",)


def test_extension_objects_must_be_listed_in_schemas_when_strict() -> None:
    data = body(**{ENTERPRISE_URN: {"department": "Sales"}})
    with pytest.raises(InvalidValue, match="schemas"):
        validate_resource(data, USER, profile="strict")
    result = validate_resource(data, USER, profile="entra")
    assert result.resource["schemas"] == [USER_URN, ENTERPRISE_URN]
    assert result.quirks == ("extension_not_in_schemas",)


def test_boolean_strings_and_a_bare_manager_are_quirks() -> None:
    data = body(
        active="True",
        schemas=[USER_URN, ENTERPRISE_URN],
        **{ENTERPRISE_URN: {"manager": "u2"}},
    )
    with pytest.raises(InvalidValue):
        validate_resource(data, USER, profile="strict")
    result = validate_resource(data, USER, profile="compatible")
    assert result.resource["active"] is True
    assert result.resource[ENTERPRISE_URN] == {"manager": {"value": "u2"}}
    assert result.quirks == ("boolean_as_string", "manager_bare_string")


def test_only_one_primary_value() -> None:
    emails = [{"value": "a@x.test", "primary": True}, {"value": "b@x.test", "primary": True}]
    with pytest.raises(InvalidValue, match="primary"):
        validate_resource(body(emails=emails), USER, profile="strict")
    result = validate_resource(body(emails=emails), USER)
    assert [e["primary"] for e in result.resource["emails"]] == [True, False]


def test_the_body_must_be_an_object_listing_the_core_schema() -> None:
    with pytest.raises(InvalidSyntax):
        validate_resource([], USER)
    with pytest.raises(InvalidValue, match="schemas"):
        validate_resource({"schemas": [GROUP_URN], "userName": "a"}, USER)
    with pytest.raises(InvalidValue):
        validate_resource({"userName": "a"}, USER, profile="strict")


def test_nulls_mean_unassigned() -> None:
    result = validate_resource(body(title=None, name={"givenName": None}), USER, profile="strict")
    assert result.resource == body()
