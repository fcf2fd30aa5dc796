"""After a large bulk load PostgreSQL's statistics of ``users`` are refreshed (the next load's
key lookups are planned for the table as it is); small loads and SQLite leave them alone."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.store.bulk_users import ANALYZE_AFTER


def _planner_rows(store) -> float:
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT reltuples FROM pg_class WHERE relname = 'users' "
                "AND relnamespace = to_regnamespace(current_schema())"
            )
        )
        return float(found.scalar_one())


def test_a_large_load_refreshes_the_statistics_a_small_one_does_not(store):
    account = store.create_account("Acme", "owner@acme.test", actor="t")
    rows = [{"email": f"u{i}@acme.test"} for i in range(ANALYZE_AFTER + 10)]
    if store.dialect != "postgresql":
        store.bulk_create_users(account.id, rows, actor="t")
        return  # nothing to refresh: SQLite plans without table statistics here
    before = _planner_rows(store)
    store.bulk_create_users(account.id, rows[:10], actor="t")
    assert _planner_rows(store) == before  # a small load leaves the statistics as they were
    store.bulk_create_users(account.id, rows[10:], actor="t")
    with store.engine.connect() as conn:
        actual = conn.execute(sa.text("SELECT count(*) FROM users")).scalar_one()
    assert actual == ANALYZE_AFTER + 11  # the owner too
    assert _planner_rows(store) == actual  # analyzed: a table this small is read whole
