"""JSON out goes through orjson: every response means what Flask's default provider wrote."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import uuid

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from gateway import jsonout
from gateway.demo import init_demo


@dataclasses.dataclass
class _Row:
    when: dt.datetime
    name: str


VALUES = [
    {"b": 1, "a": [1, 2.5, None, True], "nested": {"x": {"y": [{"z": "é✓"}]}}},
    {"when": dt.datetime(2026, 12, 2, 3, 4, 5, tzinfo=dt.UTC), "day": dt.date(2026, 1, 2)},
    {
        "id": uuid.UUID(int=7),
        "amount": decimal.Decimal("1.10"),
        "row": _Row(dt.datetime(2026, 1, 1), "n"),
    },
    {1: "integer key", "s": 'quote " backslash \\ newline \n control \x01'},
    ["<script>", "\u2028", 2**53, -0.0, 1e300],
    {"beyond 64 bits": 10**30, "negative": -(2**70)},
]


@pytest.mark.parametrize("value", VALUES)
def test_orjson_output_parses_to_what_flasks_default_provider_wrote(value):
    default = DefaultJSONProvider(Flask("reference"))
    default.sort_keys = False  # as the gateway sets it
    assert json.loads(jsonout.dumps(value)) == json.loads(default.dumps(value))


def test_what_json_cannot_hold_is_a_type_error_as_with_the_standard_library():
    with pytest.raises(TypeError):
        jsonout.dumps({"x": object()})


ROUTES = [
    ("/api/v1/accounts", "acme admin"),
    ("/api/v1/openapi.json", None),
    ("/scim/v2/Users?count=5", "acme scim"),
    ("/scim/v2/Schemas", "acme scim"),
    ("/scim/v2/ServiceProviderConfig", "acme scim"),
    ("/scim/v2/Groups", "acme scim"),
]


def test_the_gateways_responses_mean_the_same_as_with_the_standard_library(
    app, sqlite_store, monkeypatch
):
    world = init_demo(sqlite_store)
    for path, token in ROUTES:
        headers = {"Authorization": f"Bearer {world.tokens[token]}"} if token else {}
        fast = app.test_client().get(path, headers=headers)
        fast_app_json = app.json
        app.json = DefaultJSONProvider(app)
        app.json.sort_keys = False  # type: ignore[attr-defined]
        with monkeypatch.context() as patched:  # the SCIM views write through jsonout.dumps
            patched.setattr(jsonout, "dumps", lambda value: json.dumps(value).encode())
            try:
                slow = app.test_client().get(path, headers=headers)
            finally:
                app.json = fast_app_json
        assert fast.status_code == slow.status_code == 200, (path, fast.data)
        assert json.loads(fast.data) == json.loads(slow.data), path
