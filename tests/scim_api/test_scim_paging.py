"""Pages in the default order start from per-worker bookmarks and a per-account user count.

Bookmarks are taken every ``STRIDE`` users; tests shrink it so that a few dozen users span many
strides. Every page is compared with the plain answer (all ids sorted, then sliced).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.scim.filters import sort_expression
from gateway.store import schema, scim_pages
from gateway.store.sql import SqlStore
from gateway.store.user_batch import new_user_row

DEFAULT = sort_expression(None, None, "User")
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def small_strides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scim_pages, "STRIDE", 3)


def _account(store: SqlStore, name: str, users: int) -> int:
    account = store.create_account(name, f"owner@{name}.test", actor="t")
    rows = [{"email": f"u{i}@{name}.test"} for i in range(users)]
    store.bulk_create_users(account.id, rows, actor="t")
    return account.id


def _ids(store: SqlStore, account_id: int) -> list[str]:
    users = schema.users
    with store.transaction() as conn:
        query = sa.select(users.c.id).where(users.c.account_id == account_id)
        return sorted(conn.execute(query).scalars())


def _page(store: SqlStore, account_id: int, offset: int, limit: int) -> tuple[int, list[str]]:
    found = store.search_users(account_id, None, DEFAULT, offset, limit)
    return found.total, [item.user.id for item in found.items]


def _every_page_is_right(store: SqlStore, account_id: int, limit: int = 4) -> None:
    ids = _ids(store, account_id)
    for offset in range(len(ids) + 2):
        assert _page(store, account_id, offset, limit) == (len(ids), ids[offset : offset + limit])


def test_deep_pages_from_bookmarks_are_the_plain_pages(store: SqlStore) -> None:
    account_id = _account(store, "acme", 30)
    _account(store, "other", 10)
    _every_page_is_right(store, account_id)
    with store.transaction() as conn:
        version = scim_pages.membership(conn, account_id).version
    assert len(store.page_marks.get(account_id, version)) == 31 // 3
    _every_page_is_right(store, account_id, limit=1)


def test_no_page_is_stale_after_users_are_added_deleted_or_moved(store: SqlStore) -> None:
    account_id = _account(store, "acme", 20)
    other = _account(store, "other", 5)
    _every_page_is_right(store, account_id)
    store.bulk_create_users(account_id, [{"email": f"n{i}@acme.test"} for i in range(4)], actor="t")
    _every_page_is_right(store, account_id)
    owner = store.get_account(account_id).owner_email
    # Any user but the owner, whom the store refuses to delete (owner protection).
    ids = [i for i in _ids(store, account_id) if store.get_user(i).email != owner]
    store.delete_user(ids[1], actor="t")
    _every_page_is_right(store, account_id)
    store.move_user(ids[5], other, actor="t", source="t")
    _every_page_is_right(store, account_id)
    _every_page_is_right(store, other)
    assert store.check_invariants() == []


def test_a_page_read_inside_a_transaction_leaves_no_bookmarks_behind(store: SqlStore) -> None:
    account_id = _account(store, "acme", 12)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), store.transaction():
        store.bulk_create_users(
            account_id, [{"email": f"x{i}@acme.test"} for i in range(6)], actor="t"
        )
        assert _page(store, account_id, 15, 3)[0] == 19
        raise Undo
    # Other users bring the account to the version the undone transaction had seen.
    store.bulk_create_users(account_id, [{"email": f"y{i}@acme.test"} for i in range(6)], actor="t")
    _every_page_is_right(store, account_id)


def test_users_changing_during_the_read_fall_back_to_the_plain_page(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    account_id = _account(store, "acme", 15)
    key_at = scim_pages._key_at
    arrivals = iter(range(100))

    def racing(conn: sa.Connection, *args: Any) -> str | None:
        # A user arrives while the bookmarks are walked: committed by another connection on
        # PostgreSQL; on SQLite (where a reader holds the only write lock) in the same one.
        row = new_user_row(account_id, "Basic", {"email": f"r{next(arrivals)}@a.test"}, "t", NOW)
        if store.dialect == "sqlite":
            conn.execute(schema.users.insert(), [row])
        else:
            with store.engine.begin() as other:
                other.execute(schema.users.insert(), [row])
        return key_at(conn, *args)

    monkeypatch.setattr(scim_pages, "_key_at", racing)
    total, page = _page(store, account_id, 10, 4)
    monkeypatch.setattr(scim_pages, "_key_at", key_at)
    ids = _ids(store, account_id)
    assert total > 16
    assert (total, page) == (len(ids), ids[10:14])


def test_counts_only_and_empty_accounts_answer_from_the_counter(store: SqlStore) -> None:
    account_id = _account(store, "acme", 7)
    assert _page(store, account_id, 0, 0) == (8, [])
    assert _page(store, account_id, 50, 10) == (8, [])


def test_gateway_check_reports_a_wrong_user_count(store: SqlStore) -> None:
    account_id = _account(store, "acme", 3)
    counts = schema.account_user_counts
    with store.transaction() as conn:
        conn.execute(counts.update().where(counts.c.account_id == account_id).values(user_count=9))
    problems = store.check_invariants()
    assert [p.code for p in problems] == ["user_count_mismatch"]
    assert "says 9, it has 4 users" in problems[0].message


def test_filtered_and_sorted_lists_are_unchanged(store: SqlStore) -> None:
    account_id = _account(store, "acme", 9)
    users = schema.users
    where = users.c.email_key.like("u%")
    found = store.search_users(account_id, where, DEFAULT, 2, 3)
    ids = sorted(u for u in _ids(store, account_id) if u in _emails_like(store, "u%"))
    assert (found.total, [i.user.id for i in found.items]) == (9, ids[2:5])
    by_name = sort_expression("userName", "descending", "User")
    names = [i.user.email for i in store.search_users(account_id, None, by_name, 0, 3).items]
    assert names == ["u8@acme.test", "u7@acme.test", "u6@acme.test"]


def _emails_like(store: SqlStore, pattern: str) -> set[str]:
    users = schema.users
    with store.transaction() as conn:
        return set(
            conn.execute(sa.select(users.c.id).where(users.c.email_key.like(pattern))).scalars()
        )
