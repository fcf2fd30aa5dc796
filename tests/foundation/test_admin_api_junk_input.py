"""Nothing a client sends makes an admin route answer 500; bad JSON is ``invalid_json``."""

from __future__ import annotations

from typing import Any

import pytest
from api_world import World, build_world
from test_admin_api_isolation import CASES, ROUTE_KEYS

from gateway.store.sql import SqlStore

NOT_AN_OBJECT = [b"not json", b"{", b"[1, 2]", b'"text"', b"null", b"42", b"\xff\xfe\x00"]
JUNK_VALUES: list[Any] = [
    None,
    [],
    {},
    "",
    "x" * 5000,
    -1,
    True,
    1.5,
    10**30,
    {"nested": [1, {"deep": None}]},
    "2026-13-45",
    "nul\x00byte",
]
# Fields the PATCH route accepts without documenting their schema.
ACCOUNT_FIELDS = [
    "name",
    "vanity",
    "support_name",
    "support_email",
    "default_license_type",
    "subscription_start",
    "subscription_end",
    "plan_kind",
    "bulk_licensing",
]
JUNK_QUERIES = [
    "offset=abc",
    "limit=-5",
    "limit=99999999999999999999999",
    "offset=-1",
    "status=%00",
    "action=%25_",
    "action=%00",
    "label=%00",
    "include_sub_accounts=maybe",
]
# The foundation's own routes; other surfaces document their own body refusals.
FOUNDATION_TAGS = {"accounts", "licenses", "users", "tokens", "audit", "organizations", "saml"}
JUNK_SEGMENTS = {"<seat_kind>": "bogus kind", "<key>": "k" * 300, "<action>": "explode"}


@pytest.fixture
def world(store: SqlStore) -> World:
    return build_world(store)


def _url_and_body(world: World, key: tuple[str, str]) -> tuple[str, Any]:
    target = "master" if CASES[key].scope == "org" else "sub"
    if CASES[key].scope == "master":
        target = "sub"
    return CASES[key].request(world, target)


def _tag(key: tuple[str, str]) -> str:
    from gateway.api.registry import api

    return next(r.tag for r in api.routes if (r.method, r.path) == key)


def _fields(key: tuple[str, str], body: Any) -> list[str]:
    from gateway.api.registry import api

    doc = next(r for r in api.routes if (r.method, r.path) == key)
    props = list((doc.body or {}).get("properties", {}))
    extra = ACCOUNT_FIELDS if key[0] == "PATCH" else []
    return sorted({*props, *extra, *(body or {})})


def _assert_refusal_or_success(response: Any, what: str) -> None:
    assert response.status_code != 500, (what, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        body = response.get_json(silent=True)
        assert isinstance(body, dict) and body.get("code") and body.get("message"), what


def test_no_route_answers_500_to_junk_bodies(world: World) -> None:
    for key in ROUTE_KEYS:
        url, body = _url_and_body(world, key)
        for raw in NOT_AN_OBJECT:
            response = world.call(
                key[0], url, role="master", data=raw, content_type="application/json"
            )
            _assert_refusal_or_success(response, (key, raw))
        for field in _fields(key, body):
            for value in JUNK_VALUES:
                junk = {**(body or {}), field: value}
                response = world.call(key[0], url, role="master", json=junk)
                _assert_refusal_or_success(response, (key, field, value))


def test_no_route_answers_500_to_junk_parameters(world: World) -> None:
    for key in ROUTE_KEYS:
        url, body = _url_and_body(world, key)
        for query in JUNK_QUERIES:
            response = world.call(key[0], f"{url}?{query}", role="master", json=body)
            _assert_refusal_or_success(response, (key, query))
        path = key[1]
        if any(seg in path for seg in JUNK_SEGMENTS):
            for seg, junk in JUNK_SEGMENTS.items():
                path = path.replace(seg, junk)
            path = path.replace("<int:account_id>", str(world.ids["sub"]))
            path = path.replace("<user_id>", "../../etc/passwd")
            response = world.call(key[0], "/api/v1" + path, role="master", json=body)
            _assert_refusal_or_success(response, (key, path))
    for url in (
        "/api/v1/accounts/99999999999999999999999",
        "/api/v1/accounts/-1",
        "/api/v1/organizations/99999999999999999999999",
        f"/api/v1/accounts/{world.ids['sub']}/tokens/99999999999999999999",
    ):
        for method in ("GET", "DELETE", "PATCH"):
            response = world.call(method, url, role="master", json={})
            _assert_refusal_or_success(response, (method, url))


def test_a_body_that_is_not_a_json_object_is_invalid_json(world: World) -> None:
    json_routes = [
        key
        for key in ROUTE_KEYS
        if key[0] in ("POST", "PUT", "PATCH")
        and _url_and_body(world, key)[1] is not None
        and _tag(key) in FOUNDATION_TAGS
    ]
    assert len(json_routes) >= 8
    for key in json_routes:
        url, _ = _url_and_body(world, key)
        for raw in (b"not json", b"[1, 2]", b"null"):
            response = world.call(
                key[0], url, role="master", data=raw, content_type="application/json"
            )
            assert response.status_code == 400, (key, raw)
            assert response.get_json()["code"] == "invalid_json", (key, raw)


def test_an_oversized_body_is_refused_with_a_code(world: World) -> None:
    response = world.call(
        "POST",
        "/api/v1/organizations",
        role="master",
        data=b"{" + b" " * (2 << 20) + b"}",
        content_type="application/json",
    )
    assert (response.status_code, response.get_json()["code"]) == (413, "too_large")
