"""RFC 7644 §3.5.2 PATCH on plain SCIM dicts, and the client quirks each profile accepts."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gateway.scim.errors import (
    InvalidPath,
    InvalidSyntax,
    InvalidValue,
    Mutability,
    NoTarget,
    ScimError,
)
from gateway.scim.patch import PATCH_URN, apply_patch, read_patch_request
from gateway.scim.schemas import ENTERPRISE_URN, GROUP, GROUP_URN, USER, USER_URN, ZOOM_URN

LENIENT = ["compatible", "entra", "okta", "zoom"]


def user() -> dict[str, Any]:
    return {
        "schemas": [USER_URN],
        "id": "u1",
        "userName": "alice@acme.test",
        "name": {"givenName": "Alice", "familyName": "Smith"},
        "active": True,
        "emails": [
            {"value": "alice@acme.test", "type": "work", "primary": True},
            {"value": "alice@home.test", "type": "home"},
        ],
        "meta": {"resourceType": "User", "version": 'W/"1"'},
    }


def group() -> dict[str, Any]:
    return {
        "schemas": [GROUP_URN],
        "id": "g1",
        "displayName": "Admins",
        "members": [{"value": "u1"}, {"value": "u2"}, {"value": "u3"}],
    }


def patch_user(*ops: dict[str, Any], profile: Any = "strict") -> Any:
    return apply_patch(user(), list(ops), schema=USER, profile=profile)


def patch_group(*ops: dict[str, Any], profile: Any = "strict") -> Any:
    return apply_patch(group(), list(ops), schema=GROUP, profile=profile)


def test_the_envelope_must_name_the_patchop_schema_and_carry_operations() -> None:
    ops = [{"op": "add", "path": "title", "value": "x"}]
    assert read_patch_request({"schemas": [PATCH_URN], "Operations": ops}) == ops
    for body in (
        {"Operations": ops},
        {"schemas": [USER_URN], "Operations": ops},
        {"schemas": [PATCH_URN], "Operations": []},
        {"schemas": [PATCH_URN]},
        [],
    ):
        with pytest.raises(InvalidSyntax):
            read_patch_request(body)


def test_input_is_not_modified() -> None:
    before = user()
    snapshot = copy.deepcopy(before)
    apply_patch(before, [{"op": "remove", "path": "emails"}], schema=USER, profile="strict")
    assert before == snapshot


def test_add_sets_a_simple_attribute_and_merges_a_complex_one() -> None:
    result = patch_user(
        {"op": "add", "path": "title", "value": "Boss"},
        {"op": "add", "path": "name", "value": {"middleName": "Q"}},
    )
    assert result.resource["title"] == "Boss"
    assert result.resource["name"] == {
        "givenName": "Alice",
        "familyName": "Smith",
        "middleName": "Q",
    }
    assert result.quirks == ()


def test_add_appends_to_a_multi_valued_attribute_without_duplicates() -> None:
    result = patch_group(
        {"op": "add", "path": "members", "value": [{"value": "u3"}, {"value": "u4"}]}
    )
    assert [m["value"] for m in result.resource["members"]] == ["u1", "u2", "u3", "u4"]


def test_a_new_primary_value_demotes_the_old_one() -> None:
    value = [{"value": "new@acme.test", "type": "other", "primary": True}]
    emails = patch_user({"op": "add", "path": "emails", "value": value}).resource["emails"]
    assert [e.get("primary", False) for e in emails] == [False, False, True]


def test_replace_without_path_merges_attributes() -> None:
    result = patch_user(
        {"op": "replace", "value": {"active": False, "name": {"givenName": "Al"}, "title": "CTO"}}
    )
    assert result.resource["active"] is False
    assert result.resource["name"] == {"givenName": "Al", "familyName": "Smith"}
    assert result.resource["title"] == "CTO"


def test_replace_a_multi_valued_attribute_replaces_all_values() -> None:
    result = patch_group({"op": "replace", "path": "members", "value": [{"value": "u9"}]})
    assert result.resource["members"] == [{"value": "u9"}]


def test_replace_through_a_value_filter_changes_only_matching_values() -> None:
    result = patch_user(
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "a@acme.test"}
    )
    assert [e["value"] for e in result.resource["emails"]] == ["a@acme.test", "alice@home.test"]


def test_replace_through_a_filter_that_matches_nothing_is_no_target_when_strict() -> None:
    op = {"op": "replace", "path": 'emails[type eq "other"].value', "value": "x@acme.test"}
    with pytest.raises(NoTarget):
        patch_user(op)
    result = patch_user(op, profile="entra")
    assert result.resource["emails"][-1] == {"type": "other", "value": "x@acme.test"}
    assert result.quirks == ("filtered_path_creates_value",)


def test_remove_by_filter_and_no_target_when_nothing_matches() -> None:
    result = patch_group({"op": "remove", "path": 'members[value eq "u2"]'})
    assert [m["value"] for m in result.resource["members"]] == ["u1", "u3"]
    with pytest.raises(NoTarget):
        patch_group({"op": "remove", "path": 'members[value eq "nobody"]'})


def test_remove_a_sub_attribute_and_a_whole_attribute() -> None:
    result = patch_user(
        {"op": "remove", "path": "name.familyName"},
        {"op": "remove", "path": 'emails[type eq "home"]'},
        {"op": "remove", "path": "title"},
    )
    assert result.resource["name"] == {"givenName": "Alice"}
    assert len(result.resource["emails"]) == 1
    assert "title" not in result.resource


def test_remove_without_path_is_no_target() -> None:
    with pytest.raises(NoTarget):
        patch_user({"op": "remove"})


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("userName", "'userName' is required and cannot be removed; replace it instead."),
        ("userType", "'userType' is required and cannot be removed; replace it instead."),
        ("ACTIVE", "'active' is required and cannot be removed; replace it instead."),
        (
            f"{ZOOM_URN}:loginType",
            f"'{ZOOM_URN}:loginType' is required and cannot be removed; replace it instead.",
        ),
        (ZOOM_URN, f"'{ZOOM_URN}' cannot be removed: it holds required loginType."),
    ],
)
def test_removing_a_required_attribute_is_refused_with_mutability(path: str, message: str) -> None:
    # RFC 7644 §3.5.2.2: a required attribute cannot become unassigned.
    resource = user()
    resource[ZOOM_URN] = {"loginType": "sso"}
    for profile in ["strict", *LENIENT]:
        with pytest.raises(Mutability) as caught:
            apply_patch(resource, [{"op": "remove", "path": path}], schema=USER, profile=profile)
        assert caught.value.to_scim()["detail"] == message


def test_removing_an_extension_without_required_attributes_is_allowed() -> None:
    resource = user()
    resource[ENTERPRISE_URN] = {"department": "R&D"}
    result = apply_patch(resource, [{"op": "remove", "path": ENTERPRISE_URN}], schema=USER)
    assert ENTERPRISE_URN not in result.resource


@pytest.mark.parametrize(
    "op",
    [
        {"op": "replace", "path": "id", "value": "u2"},
        {"op": "replace", "path": "meta.version", "value": "x"},
        {"op": "add", "path": "groups", "value": [{"value": "g1"}]},
        {"op": "remove", "path": "meta"},
        {"op": "replace", "value": {"id": "other"}},
    ],
)
def test_read_only_attributes_are_refused_with_mutability(op: dict[str, Any]) -> None:
    with pytest.raises(Mutability) as caught:
        patch_user(op, profile="compatible")
    assert caught.value.to_scim()["scimType"] == "mutability"


def test_an_immutable_member_value_cannot_be_replaced() -> None:
    with pytest.raises(Mutability):
        patch_group({"op": "replace", "path": 'members[value eq "u1"].value', "value": "u7"})


def test_okta_may_send_the_unchanged_id_in_a_group_rename() -> None:
    op = {"op": "replace", "value": {"id": "g1", "displayName": "Renamed"}}
    result = patch_group(op, profile="okta")
    assert result.resource["displayName"] == "Renamed"
    assert result.quirks == ("unchanged_read_only",)
    with pytest.raises(Mutability):
        patch_group(op, profile="strict")


def test_user_name_is_read_write() -> None:
    result = patch_user({"op": "replace", "path": "USERNAME", "value": "a@acme.test"})
    assert result.resource["userName"] == "a@acme.test"


def test_urn_qualified_paths_reach_extension_attributes() -> None:
    result = patch_user(
        {"op": "add", "path": f"{ENTERPRISE_URN}:department", "value": "Sales"},
        {"op": "add", "path": f"{ENTERPRISE_URN}:manager", "value": {"value": "u2"}},
    )
    assert result.resource[ENTERPRISE_URN] == {"department": "Sales", "manager": {"value": "u2"}}
    assert ENTERPRISE_URN in result.resource["schemas"]
    removed = apply_patch(
        result.resource,
        [
            {"op": "remove", "path": f"{ENTERPRISE_URN}:department"},
            {"op": "remove", "path": f"{ENTERPRISE_URN}:manager"},
        ],
        schema=USER,
        profile="strict",
    )
    assert ENTERPRISE_URN not in removed.resource


def test_an_extension_object_without_path_is_standard() -> None:
    result = patch_user({"op": "replace", "value": {ENTERPRISE_URN: {"employeeNumber": "7"}}})
    assert result.resource[ENTERPRISE_URN] == {"employeeNumber": "7"}
    assert result.quirks == ()


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("nosuch", InvalidPath),
        ("name.nosuch", InvalidPath),
        ('name[givenName eq "x"]', InvalidPath),
        ("emails[type eq ]", InvalidPath),
        ("emails..value", InvalidPath),
    ],
)
def test_bad_paths_are_invalid_path(path: str, error: type[ScimError]) -> None:
    with pytest.raises(error):
        patch_user({"op": "replace", "path": path, "value": "x"})


def test_unknown_op_and_missing_value_are_invalid_syntax() -> None:
    with pytest.raises(InvalidSyntax):
        patch_user({"op": "merge", "path": "title", "value": "x"})
    with pytest.raises(InvalidSyntax):
        patch_user({"op": "add", "path": "title"})


def test_wrong_value_types_are_invalid_value() -> None:
    with pytest.raises(InvalidValue):
        patch_user({"op": "replace", "path": "active", "value": "yes"})
    with pytest.raises(InvalidValue):
        patch_user({"op": "replace", "path": "userType", "value": "Gold"})
    result = patch_user({"op": "replace", "path": "userType", "value": "licensed"})
    assert result.resource["userType"] == "Licensed"


QUIRKS: list[tuple[str, dict[str, Any], type[ScimError]]] = [
    ("capitalised_op", {"op": "Replace", "path": "title", "value": "x"}, InvalidSyntax),
    ("boolean_as_string", {"op": "replace", "path": "active", "value": "False"}, InvalidValue),
    ("dotted_key", {"op": "replace", "value": {"name.givenName": "Al"}}, InvalidValue),
    (
        "urn_qualified_key",
        {"op": "replace", "value": {f"{ENTERPRISE_URN}:employeeNumber": "42"}},
        InvalidValue,
    ),
    (
        "manager_bare_string",
        {"op": "replace", "path": f"{ENTERPRISE_URN}:manager", "value": "u2"},
        InvalidValue,
    ),
]


@pytest.mark.parametrize(("quirk", "op", "error"), QUIRKS, ids=[q[0] for q in QUIRKS])
def test_user_quirks_are_refused_when_strict(
    quirk: str, op: dict[str, Any], error: type[ScimError]
) -> None:
    with pytest.raises(error):
        patch_user(op, profile="strict")


@pytest.mark.parametrize("profile", LENIENT)
@pytest.mark.parametrize(("quirk", "op", "error"), QUIRKS, ids=[q[0] for q in QUIRKS])
def test_user_quirks_are_accepted_and_reported_when_lenient(
    quirk: str, op: dict[str, Any], error: type[ScimError], profile: str
) -> None:
    result = patch_user(op, profile=profile)
    assert result.quirks == (quirk,)


def test_quirk_results_mean_what_the_client_meant() -> None:
    result = patch_user(
        {"op": "Replace", "value": {"active": "False", "name.givenName": "Al"}},
        {"op": "Add", "value": {f"{ENTERPRISE_URN}:employeeNumber": "42"}},
        {"op": "replace", "path": f"{ENTERPRISE_URN}:manager", "value": "u2"},
        profile="entra",
    )
    assert result.resource["active"] is False
    assert result.resource["name"]["givenName"] == "Al"
    assert result.resource[ENTERPRISE_URN] == {"employeeNumber": "42", "manager": {"value": "u2"}}
    assert set(result.quirks) == {
        "capitalised_op",
        "boolean_as_string",
        "dotted_key",
        "urn_qualified_key",
        "manager_bare_string",
    }


def test_members_removal_with_a_value_list() -> None:
    op = {"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u3"}]}
    with pytest.raises(InvalidSyntax):
        patch_group({**op, "op": "remove"}, profile="strict")
    for profile in LENIENT:
        result = patch_group(op, profile=profile)
        assert result.resource["members"] == [{"value": "u2"}]
        assert set(result.quirks) == {"capitalised_op", "remove_with_value_list"}


def test_okta_deactivation_by_no_path_replace() -> None:
    result = patch_user({"op": "replace", "value": {"active": False}}, profile="okta")
    assert result.resource["active"] is False
    assert result.quirks == ()
