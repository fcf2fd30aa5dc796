"""Bulk runs of POST /Users go through one batch, with the results of one POST at a time.

Each scenario runs the same Bulk request twice on the same store: through the batch, then (its
users deleted again) with the batch switched off so that each operation takes the single path.
The responses, the users, the seats, the outbox and the audit entries must be the same.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from scimapi import ENTERPRISE_URN, USER_URN

from gateway.scim import bulk
from gateway.store import schema
from gateway.store.user_batch import UserBatch

BULK_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _post(bulk_id: str, user_name: Any, **attributes: Any) -> dict[str, Any]:
    data = {"schemas": [USER_URN], "userName": user_name, **attributes}
    return {"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data}


def _one_by_one(runner: Any, caller: Any, ops: list[Any], budget: int | None) -> Any:
    return runner.each(caller, ops, budget)


def _user_inserts(store: Any) -> list[int]:
    """A list that counts the INSERT statements into ``users`` (and their rows) from now on."""
    counted: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO users"):
            counted.append(len(parameters) if executemany else 1)

    sa.event.listen(store.engine, "before_cursor_execute", count)
    return counted


def _state(scim: Any, response: Any, audit_mark: int) -> dict[str, Any]:
    """What a run left, with ids (random) replaced by the bulkIds that created them."""
    body = response.get_json()
    names: dict[str, str] = {}
    for op in body["Operations"]:
        if op.get("location"):
            names[op["location"].rsplit("/", 1)[1]] = f"<{op['bulkId']}>"

    def plain(value: Any) -> Any:
        return ID.sub(lambda m: names.get(m.group(0), "<other>"), repr(value))

    users = []
    for user_id in names:
        found = scim.get(f"/Users/{user_id}").get_json()
        found["meta"] = {k: v for k, v in found["meta"].items() if k == "version"}
        users.append(plain(found))
    messages = scim.store.list_outbox(scim.account_id).items
    outbox = [(m.recipient, m.kind, m.subject) for m in messages]
    audit = scim.store.list_audit([scim.account_id], limit=10_000, action="user.").items
    return {
        "status": response.status_code,
        "operations": plain(body),
        "ran": [(op["bulkId"], op["status"]) for op in body["Operations"]],
        "details": [op["response"]["detail"] for op in body["Operations"] if "response" in op],
        "users": sorted(users),
        "seats": [(p.seat_kind, p.used) for p in scim.store.pools(scim.account_id)],
        "outbox": sorted(outbox),
        "audit": sorted(plain((a.action, a.actor, a.after)) for a in audit if a.id > audit_mark),
    }


def _clean(scim: Any, response: Any) -> None:
    """Delete the users a run created, and its outbox, so the next run starts the same."""
    for op in response.get_json()["Operations"]:
        if op.get("location"):
            scim.store.delete_user(op["location"].rsplit("/", 1)[1], actor="test")
    with scim.store.transaction() as conn:
        conn.execute(sa.text("DELETE FROM outbox"))


def _both_ways(scim: Any, monkeypatch: pytest.MonkeyPatch, operations: list[Any], **extra: Any):
    """The state after the batched run and after the one-by-one run, and the batch's inserts."""
    states = []
    inserts = _user_inserts(scim.store)
    batched_inserts: list[int] = []
    for batched in (True, False):
        with monkeypatch.context() as patch:
            if not batched:
                patch.setattr(bulk, "run_user_posts", _one_by_one)
            audits = scim.store.list_audit([scim.account_id], limit=1).items
            mark = audits[0].id if audits else 0
            inserts.clear()
            body = {"schemas": [BULK_URN], "Operations": operations, **extra}
            response = scim.post("/Bulk", body)
            if batched:
                batched_inserts = list(inserts)
            states.append(_state(scim, response, mark))
            _clean(scim, response)
    return states[0], states[1], batched_inserts


def test_a_run_of_creates_is_inserted_in_one_statement_with_the_single_path_results(
    scim, monkeypatch
):
    operations = [_post(f"u{i}", f"user{i}@acme.test", displayName=f"User {i}") for i in range(6)]
    batched, single, inserts = _both_ways(scim, monkeypatch, operations)
    assert batched == single
    assert inserts == [6]
    assert [status for _, status in batched["ran"]] == ["201"] * 6


def test_refusals_mid_batch_and_duplicates_within_the_request_match_the_single_path(
    scim, monkeypatch
):
    scim.create_user("taken@acme.test")
    operations = [
        _post("ok1", "ann@acme.test"),
        _post("bad-email", "not an email", emails=[{"value": "nope", "primary": True}]),
        _post("dup-exact", "ann@acme.test"),
        _post("dup-case", "ANN@ACME.test"),
        _post("existing", "Taken@acme.test"),
        _post("no-name", None),
        _post("name", "ann.b", emails=[{"value": "ann.b@acme.test", "primary": True}]),
        _post("name-dup", "ANN.B", emails=[{"value": "other.b@acme.test", "primary": True}]),
        _post("email-of-name", "x.y", emails=[{"value": "ann@acme.test", "primary": True}]),
        _post("no-email", "nomail-user"),
        _post("ref", "bob@acme.test", **{ENTERPRISE_URN: {"manager": {"value": "bulkId:ok1"}}}),
        _post("wrong-type", "carl@acme.test", userType="Platinum"),
    ]
    batched, single, inserts = _both_ways(scim, monkeypatch, operations)
    assert batched == single
    assert inserts == [4]
    statuses = [status for _, status in batched["ran"]]
    first, second = statuses[:6], statuses[6:]
    assert first == ["201", "400", "409", "409", "409", "400"]
    assert second == ["201", "409", "409", "201", "201", "400"]


def test_fail_on_errors_stops_mid_batch_where_the_single_path_stops(scim, monkeypatch):
    operations = [
        _post("a", "a@acme.test"),
        _post("b", "b@acme.test", userType="Platinum"),
        _post("c", "c@acme.test"),
        _post("d", "a@acme.test"),
        _post("e", "e@acme.test"),
        _post("f", "f@acme.test"),
    ]
    batched, single, _ = _both_ways(scim, monkeypatch, operations, failOnErrors=2)
    assert batched == single
    assert [bulk_id for bulk_id, _ in batched["ran"]] == ["a", "b", "c", "d"]
    assert len(batched["users"]) == 2


def test_seats_run_out_mid_batch_with_the_pools_numbers_as_alone(scim, monkeypatch):
    operations = [_post(f"l{i}", f"lic{i}@acme.test", userType="Licensed") for i in range(5)]
    batched, single, _ = _both_ways(scim, monkeypatch, operations)
    assert batched == single
    assert [status for _, status in batched["ran"]] == ["201", "201", "201", "400", "400"]
    assert "3 in the plan, 3 used" in batched["details"][0]
    assert batched["seats"] == [("Licensed", 3)]


def test_users_outside_the_verified_domains_are_pending_with_their_mails_as_alone(
    scim, monkeypatch
):
    operations = [
        _post("in", "in@acme.test"),
        _post("out1", "out1@elsewhere.test", active=True),
        _post("out2", "out2@ELSEWHERE.test"),
        _post("out-dup", "out1@elsewhere.test"),
    ]
    batched, single, _ = _both_ways(scim, monkeypatch, operations)
    assert batched == single
    assert [m[0] for m in batched["outbox"]] == ["out1@elsewhere.test", "out2@ELSEWHERE.test"]


def test_other_operations_between_creates_see_the_users_created_before_them(scim, monkeypatch):
    group = {
        "method": "POST",
        "path": "/Groups",
        "bulkId": "g",
        "data": {"displayName": "Eng", "members": [{"value": "bulkId:u1"}]},
    }
    operations = [_post("u1", "u1@acme.test"), _post("u2", "u2@acme.test"), group]
    operations.append(_post("u3", "u3@acme.test", **{ENTERPRISE_URN: {"manager": "bulkId:u2"}}))
    operations.append(_post("u4", "u4@acme.test"))
    inserts = _user_inserts(scim.store)
    response = scim.post("/Bulk", {"schemas": [BULK_URN], "Operations": operations})
    statuses = [op["status"] for op in response.get_json()["Operations"]]
    assert statuses == ["201", "201", "201", "201", "201"]
    assert inserts == [2, 2]
    members = scim.store.search_groups(scim.account_id, None, [], 0, 10).items[0].members
    assert len(members) == 1


def test_a_key_taken_by_another_writer_before_the_insert_reruns_the_batch_one_by_one(
    scim, monkeypatch
):
    flush = UserBatch.flush

    def raced_flush(batch: UserBatch) -> None:
        # Another writer takes the first user's email after the batch checked it.
        row = dict(batch.rows[0], id="00000000-0000-4000-8000-000000000000")
        batch.conn.execute(schema.users.insert(), [row])
        flush(batch)

    monkeypatch.setattr(UserBatch, "flush", raced_flush)
    operations = [_post("a", "a@acme.test"), _post("b", "b@acme.test")]
    response = scim.post("/Bulk", {"schemas": [BULK_URN], "Operations": operations})
    assert [op["status"] for op in response.get_json()["Operations"]] == ["201", "201"]
    for op in response.get_json()["Operations"]:
        assert scim.get(op["location"].split("/scim/v2")[1]).status_code == 200
    assert scim.get('/Users?filter=userName eq "a@acme.test"').get_json()["totalResults"] == 1
