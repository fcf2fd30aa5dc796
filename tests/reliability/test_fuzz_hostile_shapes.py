"""Hostile shapes on every surface (issue 14): JSON nested deep, lone surrogates, numbers far out
of range, ETags of thousands of digits, URLs and headers of any length, RelayState with control
characters. Properties: never a 500, every refusal carries its code, and a redirect target is
always a path on this origin."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.app import create_app
from gateway.http import local_path
from gateway.store.sql import SqlStore
from tests.reliability import fuzzing

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
SETTINGS = settings(
    max_examples=fuzzing.examples(50, 5_000),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not fuzzing.LARGE,
)
SURFACES = [
    ("POST", "/api/v1/login", None),  # public: no token
    ("POST", "/api/v1/signup", None),
    ("PUT", "/api/v1/accounts/{account}/plan/Licensed", "admin"),
    ("POST", "/api/v1/accounts", "admin"),
    ("POST", "/scim/v2/Users", "scim"),
    ("PATCH", "/scim/v2/Users/{user}", "scim"),
    ("POST", "/scim/v2/Bulk", "scim"),
]
NUMBERS = st.one_of(
    st.integers(min_value=-(2**200), max_value=2**200).map(str),
    st.sampled_from(["1e400", "-1e400", "9" * 400, "1" + "0" * 5000, "0.5", "NaN", "Infinity"]),
)
STRINGS = st.one_of(
    st.sampled_from(['"\\ud800"', '"\\udfff"', '"a\\ud800b"', '"\\u0000"', '"ok"']),
    st.text(max_size=20).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'),
)
SCALARS = st.one_of(NUMBERS, STRINGS, st.sampled_from(["true", "null"]))


@st.composite
def hostile_json(draw: st.DrawFn) -> bytes:
    """A JSON-ish body: a plausible object holding a hostile value, possibly nested deep."""
    value = draw(SCALARS)
    depth = draw(st.one_of(st.integers(0, 40), st.integers(1000, 20_000)))
    opener = draw(st.sampled_from(["[", '{"a":']))
    closer = "]" if opener == "[" else "}"
    nested = opener * depth + value + closer * depth
    key = draw(st.sampled_from(["seats", "email", "userName", "Operations", "plan", "x"]))
    return ('{"' + key + '": ' + nested + "}").encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def world(sqlite_template: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("fuzz-hostile") / "gateway.db"
    path.write_bytes(sqlite_template.read_bytes())
    store = SqlStore.from_url(f"sqlite:///{path}", migrate=False)
    account = store.create_account(
        "Acme", "owner@acme.test", actor="t", vanity="acme", plan={"Licensed": 5}
    )
    tokens = {
        kind: store.create_token(account.id, kind, actor="t")[1] for kind in ("admin", "scim")
    }
    app = create_app({"rate_limit_per_minute": 0}, store=store)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {tokens['scim']}"}
    user = client.post(
        "/scim/v2/Users", json={"schemas": [USER_URN], "userName": "f@acme.test"}, headers=auth
    ).get_json()
    yield app, client, tokens, {"account": account.id, "user": user["id"]}
    store.dispose()


def _refusal_has_a_code(answer: Any) -> None:
    body = answer.get_json(silent=True) or {}
    assert body.get("code") or body.get("scimType") or body.get("status"), answer.text


@SETTINGS
@given(body=hostile_json(), surface=st.sampled_from(SURFACES))
def test_hostile_json_on_any_surface_is_answered_without_a_500(world, body, surface):
    _, client, tokens, ids = world
    method, path, token = surface
    headers = {"Authorization": f"Bearer {tokens[token]}"} if token else {}
    fuzzing.count("hostile_json")
    with fuzzing.no_hang():
        answer = client.open(
            path.format(**ids),
            method=method,
            data=body,
            headers={**headers, "Content-Type": "application/json"},
        )
    assert answer.status_code < 500, (path, body[:200], answer.text)
    if answer.status_code >= 400:
        _refusal_has_a_code(answer)


@SETTINGS
@given(
    tag=st.one_of(
        st.integers(1, 6000).map(lambda n: '"' + "9" * n + '"'),
        st.text(max_size=60),
        st.sampled_from(["*", 'W/"1"', '"1", "2"', '"-1"', '""']),
    ),
    header=st.sampled_from(["If-None-Match", "If-Match"]),
    method=st.sampled_from(["GET", "DELETE", "PATCH"]),
    url_padding=st.integers(0, 20_000),
    header_padding=st.integers(0, 20_000),
)
def test_hostile_etags_urls_and_headers_are_answered_without_a_500(
    world, tag, header, method, url_padding, header_padding
):
    _, client, tokens, ids = world
    headers = {
        "Authorization": f"Bearer {tokens['scim']}",
        "X-Padding": "p" * header_padding,
    }
    try:
        headers[header] = tag.encode("latin-1").decode("latin-1")
    except UnicodeEncodeError:
        headers[header] = tag.encode("utf-8").decode("latin-1")
    path = f"/scim/v2/Users/{ids['user']}?" + "q" * url_padding
    fuzzing.count("hostile_headers")
    with fuzzing.no_hang():
        answer = client.open(path, method=method, headers=headers, json=None)
    assert answer.status_code < 500, (method, tag[:80], answer.text)
    if answer.status_code >= 400:
        _refusal_has_a_code(answer)


CONTROL = st.characters(min_codepoint=0, max_codepoint=0x20)
PIECES = st.sampled_from(
    [
        "/",
        "\\",
        "//",
        "/\\",
        "%2F",
        "%5C",
        "%252F",
        "example.com",
        "http:",
        "https://",
        "@",
        "javascript:",
        "me",
        ".",
        "..",
        "?next=//x",
        "#",
        "127.0.0.1:8000",
        "console/",
    ]
)


@SETTINGS
@given(value=st.lists(st.one_of(PIECES, CONTROL, st.text(max_size=3)), max_size=12).map("".join))
def test_any_relay_state_becomes_a_path_on_this_origin(world, value):
    app = world[0]
    fuzzing.count("relay_state")
    with app.test_request_context("/"):
        target = local_path(value)
    assert target.startswith("/") and not target.startswith(("//", "/\\")), (value, target)
    assert not any(ord(c) < 0x20 or c == "\x7f" for c in target), (value, target)
    assert urlsplit(target).netloc == "" and urlsplit(target).scheme == "", (value, target)
