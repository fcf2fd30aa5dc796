"""SCIM paging: the (account_id, id) index and per-account user counts kept by triggers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 00:00:00

The triggers keep ``account_user_counts`` in the transaction that changes ``users``: inserts
and deletes move the count and bump ``membership_version``; a change of a user's account (or
id) moves it between counts and bumps both versions. On PostgreSQL they run at commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_ADD = """
    INSERT INTO account_user_counts (account_id, user_count, membership_version)
    VALUES (NEW.account_id, 1, 1)
    ON CONFLICT (account_id) DO UPDATE
    SET user_count = user_count + 1, membership_version = membership_version + 1;"""
_SQLITE_REMOVE = """
    UPDATE account_user_counts
    SET user_count = user_count - 1, membership_version = membership_version + 1
    WHERE account_id = OLD.account_id;"""
SQLITE = [
    f"CREATE TRIGGER users_counted_insert AFTER INSERT ON users BEGIN{_SQLITE_ADD}\nEND",
    f"CREATE TRIGGER users_counted_delete AFTER DELETE ON users BEGIN{_SQLITE_REMOVE}\nEND",
    "CREATE TRIGGER users_counted_move AFTER UPDATE OF account_id, id ON users "
    "WHEN OLD.account_id IS NOT NEW.account_id OR OLD.id IS NOT NEW.id "
    f"BEGIN{_SQLITE_REMOVE}{_SQLITE_ADD}\nEND",
]

# Row triggers deferred to commit: the count row is locked last, after every lock the
# transaction's other statements take (seats, users), so writers never wait on each other in
# opposite orders over it (an immediate trigger deadlocked a create against a delete).
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION users_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE account_user_counts
        SET user_count = user_count - 1, membership_version = membership_version + 1
        WHERE account_id = OLD.account_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO account_user_counts AS c (account_id, user_count, membership_version)
        VALUES (NEW.account_id, 1, 1)
        ON CONFLICT (account_id) DO UPDATE
        SET user_count = c.user_count + 1, membership_version = c.membership_version + 1;
    END IF;
    RETURN NULL;
END $$"""
_PG_TRIGGER = (
    "CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON users "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when} EXECUTE FUNCTION users_counted()"
)
POSTGRESQL = [
    _PG_FUNCTION,
    _PG_TRIGGER.format(name="users_counted_insert", event="INSERT", when=""),
    _PG_TRIGGER.format(name="users_counted_delete", event="DELETE", when=""),
    _PG_TRIGGER.format(
        name="users_counted_move",
        event="UPDATE OF account_id, id",
        when="WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id "
        "OR OLD.id IS DISTINCT FROM NEW.id)",
    ),
]
TRIGGERS = ("users_counted_insert", "users_counted_delete", "users_counted_move")


def upgrade() -> None:
    op.create_table(
        "account_user_counts",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("membership_version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_user_counts")),
    )
    op.create_index("ix_users_account_id_id", "users", ["account_id", "id"], unique=False)
    op.execute(
        "INSERT INTO account_user_counts (account_id, user_count, membership_version) "
        "SELECT account_id, count(*), 1 FROM users GROUP BY account_id"
    )
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else " ON users"))
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS users_counted()")
    op.drop_index("ix_users_account_id_id", table_name="users")
    op.drop_table("account_user_counts")
