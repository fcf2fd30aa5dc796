"""Hostile input: nothing a client sends is a 500 or holds the service. Deep, out-of-range or
broken JSON, huge ETags, URLs and headers, giant PATCH requests, a write lock held elsewhere,
backtracking regex rules and a rate limit dodged with extra spaces."""

from __future__ import annotations

import signal
import socket
import sqlite3

import pytest
from flask.testing import EnvironBuilder as FlaskEnvironBuilder
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import EnvironHeaders
from werkzeug.test import EnvironBuilder

from gateway.app import create_app
from gateway.http import MAX_HEADER_BYTES, _header_bytes
from gateway.store import engine
from gateway.store.sql import SqlStore
from gateway.testing.server import LiveGateway
from mapping import BadRegex, RuleSetInvalid, ValidationContext, load_rules
from mapping.facts import SignInFacts
from mapping.matching import condition_holds
from mapping.model import Condition

PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
DEEP = b"[" * 10_000 + b"]" * 10_000


@pytest.fixture
def acme(sqlite_store):
    return sqlite_store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")


@pytest.fixture
def client(sqlite_store, acme):
    return create_app({"public_url": "http://127.0.0.1:8000"}, store=sqlite_store).test_client()


@pytest.fixture
def admin(sqlite_store, acme):
    return {"Authorization": f"Bearer {sqlite_store.create_token(acme.id, 'admin', actor='t')[1]}"}


@pytest.fixture
def scim(sqlite_store, acme):
    return {"Authorization": f"Bearer {sqlite_store.create_token(acme.id, 'scim', actor='t')[1]}"}


def _post(client, path, raw, headers=None):
    return client.post(path, data=raw, content_type="application/json", headers=headers or {})


def test_json_nested_ten_thousand_deep_is_400_without_a_token(client):
    answer = _post(client, "/api/v1/login", DEEP)
    assert answer.status_code == 400 and answer.json["code"] == "json_too_deep"


def test_json_nested_ten_thousand_deep_is_400_on_the_admin_api(client, admin, acme):
    answer = _post(client, f"/api/v1/accounts/{acme.id}/mapping/rules", DEEP, admin)
    assert answer.status_code == 400 and answer.json["code"] == "json_too_deep"


def test_json_nested_ten_thousand_deep_is_a_scim_400(client, scim):
    answer = _post(client, "/scim/v2/Users", DEEP, scim)
    assert answer.status_code == 400
    assert answer.json["status"] == "400" and answer.json["scimType"] == "invalidSyntax"


def test_a_lone_surrogate_is_400_not_500(client, scim):
    raw = b'{"email": "\\ud800@x.test", "password": "whatever-it-is"}'
    answer = _post(client, "/api/v1/login", raw)
    assert answer.status_code == 400 and answer.json["code"] == "invalid_json"
    body = b'{"schemas": ["' + USER_URN.encode() + b'"], "userName": "\\udfff@x.test"}'
    scim_answer = _post(client, "/scim/v2/Users", body, scim)
    assert scim_answer.status_code == 400 and scim_answer.json["scimType"] == "invalidSyntax"


def test_an_if_none_match_of_five_thousand_digits_matches_nothing(client, scim):
    made = client.post(
        "/scim/v2/Users", json={"schemas": [USER_URN], "userName": "ada@acme.test"}, headers=scim
    )
    assert made.status_code == 201, made.text
    tag = '"' + "9" * 5000 + '"'
    answer = client.get(made.headers["Location"], headers={**scim, "If-None-Match": tag})
    assert answer.status_code == 200


@pytest.mark.parametrize("seats", [2**63, 2**64 + 1, 10**30, -(2**63) - 1])
@pytest.mark.parametrize("where", ["plan", "delegation", "account creation"])
def test_a_seat_count_of_two_to_the_63_is_400_with_a_code(client, sqlite_store, seats, where):
    master = sqlite_store.create_account("Master", "o@master.test", actor="t", bulk_licensing=True)
    sub = sqlite_store.create_account("Sub", "o@sub.test", actor="t", parent_id=master.id)
    admin = {
        "Authorization": f"Bearer {sqlite_store.create_token(master.id, 'admin', actor='t')[1]}"
    }
    if where == "account creation":
        method, url = "POST", "/api/v1/accounts"
        raw = b'{"name": "New", "owner_email": "o@new.test", "plan": {"Licensed": %d}}' % seats
    else:
        target = master if where == "plan" else sub
        method, url = "PUT", f"/api/v1/accounts/{target.id}/{where}/Licensed"
        raw = b'{"seats": %d}' % seats
    answer = client.open(
        url, method=method, data=raw, content_type="application/json", headers=admin
    )
    assert answer.status_code == 400 and answer.json["code"] == "number_out_of_range"


def test_a_number_the_database_cannot_hold_is_refused_by_the_store(store):
    # Console forms skip the JSON parser: the store translates the database's overflow once
    # (SQLite's OverflowError, PostgreSQL's 22003), on both backends.
    master = store.create_account("Master", "owner@master.test", actor="t")
    store.set_plan(master.id, "Licensed", 10, actor="t")
    with pytest.raises(engine.NumberOutOfRange):
        store.set_plan(master.id, "Licensed", 2**63, actor="t")
    assert [p.capacity for p in store.pools(master.id) if p.seat_kind == "Licensed"] == [10]


def test_a_url_over_8_kib_is_414(client):
    answer = client.get("/healthz?" + "a" * 100_000)
    assert answer.status_code == 414 and answer.json["code"] == "uri_too_long"


def test_headers_over_16_kib_are_431(client):
    answer = client.get("/healthz", headers={"X-Filler": "a" * 20_000})
    assert answer.status_code == 431 and answer.json["code"] == "headers_too_large"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Filler": "a" * 100},
        {"Content-Type": "application/json", "Cookie": "a=b", "X-Empty": ""},
        {"Content-Length": "0", "Accept": "*/*, text/html;q=0.5"},
    ],
)
def test_the_header_block_is_counted_as_werkzeugs_header_view_lists_it(headers):
    environ = EnvironBuilder(path="/healthz", headers=headers).get_environ()
    environ["HTTP_CONTENT_TYPE"] = "left out by werkzeug's view"
    expected = sum(len(k) + len(v) + 4 for k, v in EnvironHeaders(environ).items())
    assert _header_bytes(environ) == expected


def test_a_header_block_of_exactly_16_kib_passes_and_one_byte_more_is_431(client):
    sent = {"path": "/healthz", "headers": {"X-Filler": ""}, "environ_base": client.environ_base}
    base = FlaskEnvironBuilder(client.application, **sent).get_environ()
    room = MAX_HEADER_BYTES - _header_bytes(base)
    assert client.get("/healthz", headers={"X-Filler": "a" * room}).status_code == 200
    answer = client.get("/healthz", headers={"X-Filler": "a" * (room + 1)})
    assert answer.status_code == 431 and answer.json["code"] == "headers_too_large"


def test_a_user_patch_of_ten_thousand_operations_is_refused_at_once(client, scim):
    made = client.post(
        "/scim/v2/Users", json={"schemas": [USER_URN], "userName": "bo@acme.test"}, headers=scim
    )
    operations = [{"op": "replace", "path": "displayName", "value": f"n{i}"} for i in range(10_000)]
    body = {"schemas": [PATCH_URN], "Operations": operations}
    answer = client.patch(made.headers["Location"], json=body, headers=scim)
    assert answer.status_code == 413
    assert "at most 1000 operations" in answer.json["detail"]


def test_a_group_patch_of_fifteen_thousand_member_ids_is_refused_at_once(client, scim):
    made = client.post(
        "/scim/v2/Groups", json={"schemas": [GROUP_URN], "displayName": "big"}, headers=scim
    )
    assert made.status_code == 201, made.text
    members = [{"value": f"unknown-{i}"} for i in range(15_000)]
    body = {
        "schemas": [PATCH_URN],
        "Operations": [{"op": "add", "path": "members", "value": members}],
    }
    answer = client.patch(made.headers["Location"], json=body, headers=scim)
    assert answer.status_code == 413
    assert "at most 1000 values" in answer.json["detail"]


def test_a_group_created_with_fifteen_thousand_members_is_refused(client, scim):
    members = [{"value": f"unknown-{i}"} for i in range(15_000)]
    body = {"schemas": [GROUP_URN], "displayName": "huge", "members": members}
    answer = client.post("/scim/v2/Groups", json=body, headers=scim)
    assert answer.status_code == 413
    assert "at most 1000 members" in answer.json["detail"]


@pytest.fixture
def quick_lock_store(monkeypatch, tmp_path, clock, sqlite_template):
    """A store whose connections wait half a second for a lock (made after the change)."""
    monkeypatch.setattr(engine, "LOCK_TIMEOUT_SECONDS", 0.5, raising=False)
    target = tmp_path / "locked.db"
    target.write_bytes(sqlite_template.read_bytes())
    store = SqlStore.from_url(f"sqlite:///{target}", clock, migrate=False)
    yield store, target
    store.dispose()


@pytest.fixture
def quick_lock_postgres(monkeypatch, clock, request):
    """A PostgreSQL store whose sessions wait half a second for a lock (skipped without a DSN)."""
    monkeypatch.setattr(engine, "LOCK_TIMEOUT_SECONDS", 0.5, raising=False)
    url = request.getfixturevalue("postgres_migrated_url")
    store = SqlStore.from_url(url, clock, migrate=False)
    yield store, url
    store.dispose()


def test_on_postgresql_a_write_that_cannot_get_the_lock_is_503(quick_lock_postgres):
    store, url = quick_lock_postgres
    suffix = str(abs(hash(url)) % 10**8)
    account = store.create_account("Lock", f"owner@lock{suffix}.test", actor="t")
    _, secret = store.create_token(account.id, "scim", actor="t")
    client = create_app({}, store=store).test_client()
    holder = engine.make_engine(url)
    with holder.connect() as conn, conn.begin():
        conn.exec_driver_sql("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        answer = client.post(
            "/scim/v2/Users",
            json={"schemas": [USER_URN], "userName": f"cy@lock{suffix}.test"},
            headers={"Authorization": f"Bearer {secret}"},
        )
    holder.dispose()
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["Retry-After"]) >= 1


def test_a_write_that_cannot_get_the_lock_is_503_with_retry_after(quick_lock_store):
    store, path = quick_lock_store
    account = store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")
    _, secret = store.create_token(account.id, "scim", actor="t")
    client = create_app({}, store=store).test_client()
    holder = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock, e.g. a giant PATCH
    try:
        answer = client.post(
            "/scim/v2/Users",
            json={"schemas": [USER_URN], "userName": "cy@acme.test"},
            headers={"Authorization": f"Bearer {secret}"},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) >= 1
    assert "busy" in answer.json["detail"]


class _Stalled(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Stalled


def test_a_backtracking_regex_rule_cannot_stall_a_sign_in():
    condition = Condition("memberOf", ("(a+)+",), "regex", case_sensitive=True)
    facts = SignInFacts.of({"memberOf": ["a" * 40 + "b"]})
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(5)
    try:
        assert condition_holds(condition, facts) is False
    except _Stalled:
        pytest.fail("a (a+)+ rule against 40 characters ran for 5 s: the engine backtracks")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=admin)adm.*", r"(?<!x)y", "a{5000}"])
def test_a_regex_rule_the_linear_engine_cannot_run_is_refused_at_load(pattern):
    rule = {
        "category": "license",
        "conditions": [{"attribute": "memberOf", "values": [pattern], "operator": "regex"}],
        "result": "Licensed",
    }
    with pytest.raises(RuleSetInvalid) as refused:
        load_rules([rule], context=ValidationContext())
    [error] = refused.value.errors
    assert isinstance(error, BadRegex) and error.code == "bad_regex"
    assert error.field == "conditions[1].values[1]"


def test_extra_spaces_after_bearer_do_not_get_a_fresh_allowance(sqlite_store, acme):
    client = create_app({"rate_limit_per_minute": 3}, store=sqlite_store).test_client()
    _, secret = sqlite_store.create_token(acme.id, "admin", actor="t")
    spellings = [f"Bearer {secret}", f"Bearer  {secret}", f"bearer   {secret}", f"Bearer {secret} "]
    answers = [
        client.get("/api/v1/accounts", headers={"Authorization": spelling}).status_code
        for spelling in spellings
    ]
    assert answers == [200, 200, 200, 429]


def _raw_get(port, target, extra=b""):
    """One raw HTTP/1.1 GET; the status line's code, or None when the server just hung up."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + b"\r\n")
        head = sock.recv(4096)
    return int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else None


@pytest.fixture
def live(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    SqlStore.from_url(url).dispose()
    with LiveGateway(url, tmp_path) as server:
        yield server


@pytest.mark.live
def test_a_100_kb_url_or_header_is_refused_cleanly_and_the_server_keeps_serving(live):
    long_url = _raw_get(live.port, b"/healthz?" + b"a" * 100_000)
    long_header = _raw_get(live.port, b"/healthz", b"X-Filler: " + b"a" * 100_000 + b"\r\n")
    assert (long_url, long_header) == (414, 431)
    assert _raw_get(live.port, b"/healthz") == 200
    assert "Traceback" not in live.log_path.read_text()


def _merge_by_scan(current, new):
    """The merge as RFC 7644 §3.5.2.1 reads, one scan per added value (the reference)."""
    merged = list(current)
    for item in new:
        same = [
            i
            for i, old in enumerate(merged)
            if old == item
            or (
                isinstance(old, dict)
                and isinstance(item, dict)
                and "value" in item
                and old.get("value") == item["value"]
            )
        ]
        if same:
            merged[same[0]] = {**merged[same[0]], **item} if isinstance(item, dict) else item
        else:
            merged.append(item)
    return merged


ELEMENTS = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "value": st.one_of(
                st.sampled_from(["a", "b", "c", 1, True, None]), st.lists(st.just(1))
            ),
            "display": st.sampled_from(["x", "y"]),
            "primary": st.booleans(),
        },
    ),
    st.sampled_from(["a", "b", 1, None]),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(current=st.lists(ELEMENTS, max_size=8), new=st.lists(ELEMENTS, max_size=8))
def test_merging_members_through_the_value_index_equals_the_scan(current, new):
    # The index keeps a big group's PATCH from scanning every member per added value (seconds
    # inside the write transaction for 1,000 added to 10,000); it must decide the same.
    from gateway.scim.patch_merge import merge_values

    expected = _merge_by_scan(current, new)
    got = merge_values(current, new)
    if not any(isinstance(i, dict) and i.get("primary") for i in new):
        assert got == expected
    else:
        assert [e.get("value") if isinstance(e, dict) else e for e in got] == [
            e.get("value") if isinstance(e, dict) else e for e in expected
        ]
