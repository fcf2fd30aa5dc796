"""The fast paths of a search page's users: the default view written out
(``_default_user_view``) is, for any row and profile, the general renderer's default view, key
order included; profiles read from text (orjson) are what ``json.loads`` reads; the base URL
of resources is werkzeug's ``host_url``."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from flask import Flask, request
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.scim.resources import (
    CORE_PROFILE_KEYS,
    ENTERPRISE_PROFILE_KEYS,
    MULTI_PROFILE_KEYS,
    NAME_PROFILE_KEYS,
    ZOOM_PROFILE_KEYS,
    _default_user_view,
    _user_resource,
)
from gateway.scim.views import _host_url
from gateway.store.scim_rows import Ref, UserRow, _json_object

BASE = "http://gw.test/scim/v2"
_TEXT = st.one_of(st.none(), st.sampled_from(["", "x", "Zoë"]))
_VALUE = st.one_of(
    st.none(), st.sampled_from(["", "v", 0, False, {}, [], {"value": "x"}, [{"value": "y"}]])
)
_KEYS = st.sampled_from(
    [
        *CORE_PROFILE_KEYS,
        *MULTI_PROFILE_KEYS,
        *ENTERPRISE_PROFILE_KEYS,
        *ZOOM_PROFILE_KEYS,
        "emails",
        "other_key",
    ]
)
_NAME = st.dictionaries(st.sampled_from([*NAME_PROFILE_KEYS, "givenName"]), _TEXT, max_size=4)
_PROFILES = st.builds(
    lambda keys, name: {**keys, **({"name": name} if name is not None else {})},
    st.dictionaries(_KEYS, _VALUE, max_size=6),
    st.one_of(st.none(), _NAME),
)
_ROWS = st.builds(
    UserRow,
    id=st.just("u1"),
    external_id=_TEXT,
    user_name=st.one_of(st.none(), st.just("name")),
    email=st.one_of(st.none(), st.just("a@acme.test")),
    email_type=st.sampled_from(["work", "home"]),
    first_name=_TEXT,
    last_name=_TEXT,
    display_name=_TEXT,
    profile=_PROFILES,
    license_type=st.sampled_from(["Basic", "Licensed"]),
    status=st.sampled_from(["active", "pending", "deactivated"]),
    employee_id=_TEXT,
    login_type=st.sampled_from(["sso", "work_email", "other"]),
    version=st.integers(1, 5),
    created=st.just("2026-03-01T09:00:00+00:00"),
    updated=st.just("2026-03-01T09:00:00.5+00:00"),
)
_GROUPS = st.lists(st.builds(Ref, st.sampled_from(["g1", "g2"]), _TEXT), max_size=2)


@settings(max_examples=500, deadline=None)
@given(row=_ROWS, groups=_GROUPS)
def test_the_written_out_default_view_is_the_general_default_view(
    row: UserRow, groups: list[Any]
) -> None:
    if row.user_name is None and row.email is None:
        row = row._replace(user_name="name")  # the store keeps one of them
    general = _user_resource(
        row, (row.created, row.updated), tuple(groups), BASE, default_view=True
    )
    fast = _default_user_view(row, tuple(groups), BASE)
    assert fast == general
    assert list(fast) == list(general)
    for key in ("name", "meta"):
        if key in general:
            assert list(fast[key]) == list(general[key])


@pytest.mark.parametrize(
    "text",
    [
        '{"emails": [{"value": "a@acme.test", "primary": true}], "title": "Zoë"}',
        '{"n": 123456789012345678901234, "m": -98765432109876543210}',
        '{"x": NaN, "y": -Infinity}',
        '{"s": "\\ud800"}',
        '{"a": 1, "a": 2}',
        '{"f": 1.5e300, "g": 0.1}',
        "null",
        "{}",
    ],
)
def test_profiles_read_from_text_are_what_the_standard_library_reads(text: str) -> None:
    expected = json.loads(text) or {}
    found = _json_object(text)
    assert found == expected or math.isnan(found["x"])
    assert [type(v) for v in found.values()] == [type(v) for v in expected.values()]


@pytest.mark.parametrize(
    "host",
    [
        "gw.test",
        "GW.Test",
        "127.0.0.1:8000",
        "acme.localhost:5000",
        "h:65535",
        "h:080",
        "a..b",
        "gw.test.",
        "xn--bcher-kva.example",
        "[::1]:8080",
        "a_b.test",
    ],
)
def test_the_scim_base_url_is_werkzeugs_host_url(host: str) -> None:
    app = Flask(__name__)
    with app.test_request_context("/scim/v2/Users", headers={"Host": host}):
        assert _host_url() == request.host_url.rstrip("/")
