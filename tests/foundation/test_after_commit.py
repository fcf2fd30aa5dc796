"""``after_commit``: actions (mail delivery) run once the outermost transaction commits."""

from __future__ import annotations

import pytest


def test_actions_run_after_the_outermost_commit_in_order(sqlite_store):
    ran: list[str] = []
    with sqlite_store.transaction():
        sqlite_store.after_commit(lambda: ran.append("first"))
        with sqlite_store.transaction():
            sqlite_store.after_commit(lambda: ran.append("nested"))
        assert ran == []
    assert ran == ["first", "nested"]


def test_actions_of_a_rolled_back_transaction_never_run(sqlite_store):
    ran: list[str] = []
    with pytest.raises(RuntimeError), sqlite_store.transaction():
        sqlite_store.after_commit(lambda: ran.append("lost"))
        raise RuntimeError("rolled back")
    assert ran == []
    with sqlite_store.transaction():
        pass
    assert ran == []


def test_outside_a_transaction_an_action_runs_at_once(sqlite_store):
    ran: list[str] = []
    sqlite_store.after_commit(lambda: ran.append("now"))
    assert ran == ["now"]
