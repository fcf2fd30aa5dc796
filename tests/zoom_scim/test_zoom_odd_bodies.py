"""No 500 on /scim2: whatever a client sends is refused in Zoom's shape or served."""

from __future__ import annotations

import pytest
from zoomapi import (
    ENTERPRISE_URN,
    GROUP_URN,
    PATCH_URN,
    USER_URN,
    ZOOM_EXT_URN,
    ZOOM_GROUP_URN,
    ZOOM_USER_URN,
    zoom_error,
)

ODD_USERS = [
    [],
    "text",
    {"schemas": "not-a-list", "userName": "a@acme.test"},
    {"schemas": [USER_URN], "userName": 5},
    {"schemas": [USER_URN], "userName": "a@acme.test", "userType": 7},
    {"schemas": [USER_URN], "userName": "a@acme.test", "active": "maybe"},
    {"schemas": [USER_URN], "userName": "a@acme.test", ZOOM_USER_URN: "sso"},
    {"schemas": [USER_URN], "userName": "a@acme.test", ZOOM_USER_URN: {"loginType": [True]}},
    {"schemas": [USER_URN], "userName": "a@acme.test", ZOOM_EXT_URN: []},
    {"schemas": [USER_URN], "userName": "a@acme.test", ZOOM_EXT_URN: {"zoomUnited": 5}},
    {"schemas": [USER_URN], "userName": "a@acme.test", ZOOM_EXT_URN: {"zoomIQ": {"a": 1}}},
    {"schemas": [USER_URN], "userName": "a@acme.test", ENTERPRISE_URN: "Sales"},
    {"schemas": [USER_URN], "userName": "a@acme.test", ENTERPRISE_URN: {"manager": 5}},
    {"schemas": [USER_URN], "userName": "a@acme.test", "emails": "a@acme.test"},
    {"schemas": [USER_URN], "userName": "a@acme.test", "name": "Ann"},
]

ODD_PATCHES = [
    {"schemas": [PATCH_URN], "Operations": "replace"},
    {"schemas": [PATCH_URN], "Operations": [1, 2]},
    {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": "x"}]},
    {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": 5, "value": 1}]},
    {"schemas": [PATCH_URN], "Operations": [{"op": "jump", "path": "active", "value": True}]},
    {"schemas": [PATCH_URN], "Operations": [{"op": "remove", "path": "userName"}]},
    {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": f"{ZOOM_USER_URN}:x"}]},
    {
        "schemas": [PATCH_URN],
        "Operations": [{"op": "remove", "path": f"{ZOOM_USER_URN}:loginType"}],
    },
    {
        "schemas": [PATCH_URN],
        "Operations": [{"op": "replace", "path": "userType", "value": "None"}],
    },
    {"schemas": [PATCH_URN], "Operations": [{"op": "add", "path": "emails[type eq", "value": 1}]},
    {"Operations": [{"op": "replace", "value": {"active": False}}]},
    [],
]


@pytest.mark.parametrize("body", ODD_USERS)
def test_an_odd_user_body_is_refused_in_zooms_shape(zoom, body):
    response = zoom.post("/Users", body)
    if response.status_code != 201:
        assert zoom_error(response)[0] in (400, 409)


@pytest.mark.parametrize("body", ODD_PATCHES)
def test_an_odd_patch_body_is_refused_in_zooms_shape_or_applied(zoom, body):
    user = zoom.create_user("ann@acme.test")
    for path in (f"/Users/{user['id']}", "/Users/no-such-id"):
        response = zoom.call("PATCH", path, body)
        if response.status_code != 200:
            assert zoom_error(response)[0] in (400, 404)


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"schemas": [GROUP_URN]},
        {"schemas": [GROUP_URN], "displayName": 5},
        {"schemas": [GROUP_URN], "displayName": "G", ZOOM_GROUP_URN: "alias"},
        {"schemas": [GROUP_URN], "displayName": "G", ZOOM_GROUP_URN: {"emailAlias": 5}},
        {"schemas": [GROUP_URN], "displayName": "G", "members": [{"value": "nobody"}]},
        {"schemas": [GROUP_URN], "displayName": "G", "members": "all"},
    ],
)
def test_an_odd_group_body_is_refused_in_zooms_shape(zoom, body):
    response = zoom.post("/Groups", body)
    if response.status_code != 201:
        assert zoom_error(response)[0] == 400


@pytest.mark.parametrize(
    "query",
    [
        "filter=",
        "filter=userName",
        "filter=userName eq",
        'filter=userName eq "a',
        "count=x",
        "startIndex=-5&count=-1",
        "filter=userName eq a b c",
        "count=100000",
    ],
)
def test_odd_list_queries_are_refused_in_zooms_shape_or_served(zoom, query):
    for resource in ("/Users", "/Groups"):
        response = zoom.get(f"{resource}?{query}")
        if response.status_code != 200:
            assert zoom_error(response)[0] == 400


def test_a_body_that_is_not_json_is_refused_in_zooms_shape(zoom):
    response = zoom.client.post(
        "/scim2/Users",
        data="{not json",
        headers={"Authorization": f"Bearer {zoom.token}", "Content-Type": "application/json"},
    )
    assert zoom_error(response) == (400, "The request body must be a JSON document.")
