"""``SqlBase.guarded``: a statement refused by a constraint is undone alone, with its triggers'
writes, and the transaction goes on (a savepoint on PostgreSQL, SQLite's own statement
rollback there)."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.store import schema


def _count(store, account_id):
    with store.transaction() as conn:
        return conn.execute(
            sa.select(schema.account_user_counts.c.user_count).where(
                schema.account_user_counts.c.account_id == account_id
            )
        ).scalar_one()


def test_a_refused_insert_is_undone_alone_and_the_transaction_goes_on(store):
    account = store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")
    ann = store.create_user(account.id, "ann@acme.test", actor="t", source="scim")
    users = schema.users
    row = {
        "account_id": account.id,
        "email": "ANN@acme.test",
        "email_key": "ann@acme.test",
        "status": "active",
        "license_type": "Basic",
        "addons": [],
        "profile": {},
        "source": "scim",
        "created_at": ann.created_at,
        "updated_at": ann.created_at,
    }
    before = {u.id for u in store.list_users(account.id).items}
    with store.transaction() as conn:
        error = store.guarded(conn, users.insert(), {**row, "id": "dup"})
        assert error is not None
        # The same transaction still writes, and the refused row left nothing behind.
        conn.execute(
            users.insert(),
            {**row, "id": "bob", "email": "bob@acme.test", "email_key": "bob@acme.test"},
        )
    ids = {u.id for u in store.list_users(account.id).items}
    assert ann.id in before and ids == before | {"bob"}
    assert _count(store, account.id) == len(ids)
    assert store.check_invariants() == []
