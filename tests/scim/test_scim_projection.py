"""attributes / excludedAttributes honour ``returned`` (RFC 7643 §7, RFC 7644 §3.9)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.scim.projection import general_view, project, split_attribute_list
from gateway.scim.schemas import ENTERPRISE_URN, GROUP, USER, USER_URN, ZOOM_URN


def user() -> dict[str, Any]:
    return {
        "schemas": [USER_URN, ENTERPRISE_URN, ZOOM_URN],
        "id": "u1",
        "externalId": "e1",
        "userName": "alice@acme.test",
        "password": "hunter2",
        "name": {"givenName": "Alice", "familyName": "Smith"},
        "emails": [
            {"value": "alice@acme.test", "type": "work", "primary": True},
            {"value": "alice@home.test", "type": "home"},
        ],
        "meta": {"resourceType": "User", "version": 'W/"3"'},
        ENTERPRISE_URN: {"department": "Sales", "employeeNumber": "7"},
        ZOOM_URN: {"loginType": "sso", "status": "active"},
    }


def test_split_attribute_list_accepts_commas_and_lists() -> None:
    assert split_attribute_list(" userName, name.givenName ,,") == ["userName", "name.givenName"]
    assert split_attribute_list(["a", " "]) == ["a"]
    assert split_attribute_list(None) == []


def test_default_projection_drops_never_returned_attributes_only() -> None:
    shown = project(user(), USER)
    assert "password" not in shown
    assert shown["userName"] == "alice@acme.test"
    assert shown[ENTERPRISE_URN] == {"department": "Sales", "employeeNumber": "7"}


def test_attributes_keeps_always_returned_and_the_named_ones() -> None:
    shown = project(user(), USER, attributes=["USERNAME"])
    assert shown == {"schemas": [USER_URN], "id": "u1", "userName": "alice@acme.test"}


def test_attributes_can_name_sub_attributes_of_single_and_multi_valued_attributes() -> None:
    shown = project(user(), USER, attributes=["name.givenName", "emails.value"])
    assert shown["name"] == {"givenName": "Alice"}
    assert shown["emails"] == [{"value": "alice@acme.test"}, {"value": "alice@home.test"}]


def test_attributes_can_be_urn_qualified_or_a_whole_extension() -> None:
    shown = project(user(), USER, attributes=[f"{ENTERPRISE_URN}:department"])
    assert shown[ENTERPRISE_URN] == {"department": "Sales"}
    assert shown["schemas"] == [USER_URN, ENTERPRISE_URN]
    whole = project(user(), USER, attributes=[ZOOM_URN.upper()])
    assert whole[ZOOM_URN] == {"loginType": "sso", "status": "active"}
    assert ENTERPRISE_URN not in whole


def test_excluded_attributes_removes_but_never_an_always_attribute() -> None:
    shown = project(user(), USER, excluded=["id", "emails", "name.familyName", ZOOM_URN])
    assert shown["id"] == "u1"
    assert "emails" not in shown
    assert shown["name"] == {"givenName": "Alice"}
    assert ZOOM_URN not in shown
    assert shown["schemas"] == [USER_URN, ENTERPRISE_URN]


def test_excluding_a_sub_attribute_of_a_multi_valued_attribute() -> None:
    shown = project(user(), USER, excluded=["emails.type", "emails.primary"])
    assert shown["emails"] == [{"value": "alice@acme.test"}, {"value": "alice@home.test"}]


def test_unknown_paths_select_nothing_and_attributes_wins_over_excluded() -> None:
    shown = project(user(), USER, attributes=["nosuch", "userName"], excluded=["userName"])
    assert shown == {"schemas": [USER_URN], "id": "u1", "userName": "alice@acme.test"}


def test_group_members_can_be_excluded() -> None:
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g1",
        "displayName": "A",
        "members": [{"value": "u1"}],
    }
    assert "members" not in project(group, GROUP, excluded=["members"])
    assert project(group, GROUP, attributes=["members.value"])["members"] == [{"value": "u1"}]


_KEYS = st.sampled_from(
    [
        "schemas",
        "id",
        "userName",
        "USERNAME",
        "password",
        "Password",
        "name",
        "emails",
        "meta",
        "groups",
        "displayName",
        "members",
        "unknownThing",
        ENTERPRISE_URN,
        ENTERPRISE_URN.upper(),
        ZOOM_URN,
        "loginType",
        "status",
        "department",
    ]
)
_VALUES = st.sampled_from(["x", {}, [], {"givenName": "A"}, [{"value": "v"}], True, None])
_EXTENSION = st.dictionaries(_KEYS, _VALUES, max_size=5)
_RESOURCES = st.dictionaries(_KEYS, st.one_of(_VALUES, _EXTENSION), max_size=12)


@settings(max_examples=400, deadline=None)
@given(resource=_RESOURCES, kind=st.sampled_from([USER, GROUP]))
def test_the_default_view_equals_the_general_path_with_empty_lists(
    resource: dict[str, Any], kind: Any
) -> None:
    resource = {
        k: (list(v) if k == "schemas" and isinstance(v, list) else v) for k, v in resource.items()
    }
    if "schemas" in resource and not isinstance(resource["schemas"], list):
        resource["schemas"] = [USER_URN]
    assert project(resource, kind) == general_view(resource, kind, (), ())
