"""The SCIM hot paths (create, ``userName eq`` lookup, page in the default order) run only the
statements they need: ``bench/profiling_notes.md`` ("Session 4") says what each one costs.
Counted on the store's engine, per request, with the rate limit on (as served)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from scimapi import GROUP_URN, Scim

from gateway.clock import FrozenClock
from gateway.scim.filters import sort_expression
from gateway.store import schema, scim_pages


@contextmanager
def statements(store: Any) -> Iterator[Counter[str]]:
    """Statements run on the store's engine while the block runs, by first word and, for a
    SELECT, the table of its first column."""
    seen: Counter[str] = Counter()

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split()
        kind = words[0].upper()
        table = words[1].split(".")[0] if kind == "SELECT" and len(words) > 1 else ""
        seen[f"{kind} {table}".strip()] += 1

    sa.event.listen(store.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", note)


def _users(scim: Scim, count: int) -> list[dict[str, Any]]:
    return [scim.create_user(f"u{i}@acme.test") for i in range(count)]


def test_a_lookup_reads_the_token_once(scim: Scim) -> None:
    _users(scim, 2)
    query = quote('userName eq "u1@acme.test"')
    with statements(scim.store) as seen:
        answer = scim.get(f"/Users?filter={query}")
    assert answer.status_code == 200
    assert answer.get_json()["totalResults"] == 1
    assert seen["SELECT tokens"] == 1


def test_a_create_reads_the_token_once(scim: Scim) -> None:
    with statements(scim.store) as seen:
        scim.create_user("new@acme.test")
    assert seen["SELECT tokens"] == 1


def test_an_unknown_token_is_refused_after_one_read(scim: Scim) -> None:
    scim.token = "gws_made-up"
    with statements(scim.store) as seen:
        answer = scim.get("/Users")
    assert answer.status_code == 401
    assert seen["SELECT tokens"] == 1


def test_a_default_page_reads_its_rows_and_the_count_in_one_statement(scim: Scim) -> None:
    _users(scim, 5)
    with statements(scim.store) as seen:
        page = scim.get("/Users?startIndex=2&count=3").get_json()
    assert (page["totalResults"], page["itemsPerPage"], page["startIndex"]) == (6, 3, 2)
    assert seen["SELECT account_user_counts"] == 0
    assert seen["SELECT users"] == 1


def _listed_page(scim: Scim, offset: int, limit: int) -> tuple[int, list[str]]:
    order = sort_expression(None, None, "User")
    found = scim.store.search_users(scim.account_id, None, order, offset, limit, whole=False)
    return found.total, [item.user.id for item in found.items]


def _every_listed_page_is_right(scim: Scim) -> None:
    with scim.store.transaction() as conn:
        query = sa.select(schema.users.c.id).where(schema.users.c.account_id == scim.account_id)
        ids = sorted(conn.execute(query).scalars())
    for offset in range(len(ids) + 2):
        assert _listed_page(scim, offset, 4) == (len(ids), ids[offset : offset + 4])


def test_single_statement_pages_from_bookmarks_follow_every_change(
    scim: Scim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scim_pages, "STRIDE", 3)
    users = _users(scim, 14)
    _every_listed_page_is_right(scim)  # takes the bookmarks
    with statements(scim.store) as seen:
        assert _listed_page(scim, 10, 4)[0] == 15
    assert seen["SELECT account_user_counts"] == 0  # from a bookmark, in one statement
    scim.create_user("late@acme.test")
    _every_listed_page_is_right(scim)
    assert scim.delete(f"/Users/{users[3]['id']}").status_code == 204
    _every_listed_page_is_right(scim)


def test_a_lookup_reads_the_user_and_its_groups_in_one_statement(scim: Scim) -> None:
    users = _users(scim, 2)
    member = users[1]["id"]
    for name in ("Zeta", "Alpha", "Mid"):
        group = {"schemas": [GROUP_URN], "displayName": name, "members": [{"value": member}]}
        assert scim.post("/Groups", group).status_code == 201
    scim.store.set_user_groups(member, "role_group", ["Not SCIM"], actor="t")  # not shown
    fast = quote('userName eq "u1@acme.test"')
    general = quote('userName eq "u1@acme.test" or userName eq "nobody@acme.test"')
    with statements(scim.store) as seen:
        found = scim.get(f"/Users?filter={fast}").get_json()
    assert seen["SELECT users"] == 1
    assert seen["SELECT group_members"] == 0
    assert found == scim.get(f"/Users?filter={general}").get_json()
    assert [g["display"] for g in found["Resources"][0]["groups"]] == ["Alpha", "Mid", "Zeta"]
    plain = quote('userName eq "u0@acme.test"')
    assert "groups" not in scim.get(f"/Users?filter={plain}").get_json()["Resources"][0]
    assert scim.get(f"/Users?filter={plain}&startIndex=2").get_json()["Resources"] == []


@contextmanager
def checkouts(store: Any) -> Iterator[list[int]]:
    """Pool checkouts on the store's engine while the block runs (one entry each)."""
    seen: list[int] = []

    def note(*_args: Any) -> None:
        seen.append(1)

    sa.event.listen(store.engine, "checkout", note)
    try:
        yield seen
    finally:
        sa.event.remove(store.engine, "checkout", note)


@pytest.mark.parametrize(
    "path", ['/Users?filter=userName eq "u1@acme.test"', "/Users?startIndex=1&count=2"]
)
def test_a_read_takes_one_connection_and_no_transaction(
    scim: Scim, clock: FrozenClock, path: str
) -> None:
    """The token read and the read-only operation share one pooled connection, in autocommit
    (no BEGIN on SQLite, no BEGIN/COMMIT round trips on PostgreSQL)."""
    _users(scim, 3)
    clock.advance(seconds=30)  # not the first moment of a minute, when old counts are pruned
    with checkouts(scim.store) as taken, statements(scim.store) as seen:
        assert scim.get(path.replace(" ", "%20").replace('"', "%22")).status_code == 200
    assert len(taken) == 1
    assert seen["BEGIN"] == 0
    assert seen["SELECT tokens"] == 1
