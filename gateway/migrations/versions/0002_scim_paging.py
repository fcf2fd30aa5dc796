"""SCIM paging: the (account_id, id) index and per-account user counts kept by triggers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 00:00:00

The triggers keep ``account_user_counts`` in the transaction that changes ``users``: inserts
and deletes move the count and bump ``membership_version``; a change of a user's account (or
id) moves it between counts and bumps both versions. On PostgreSQL the count row is written
at commit, once per transaction and account (see below).
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

# PostgreSQL, in two steps so that the count row is written once per transaction and locked
# last: immediate triggers add each statement's change to a transaction-local setting (no
# lock, undone with its savepoint); row triggers deferred to commit apply it to the count row
# at the first row of the account and find nothing left at the others. Updating the row at
# every user (an immediate trigger) deadlocked a create against a delete (count and seat rows
# locked in opposite orders), and at commit made bulk loads quadratic (one row version each).
_PG_FUNCTIONS = [
    """
CREATE OR REPLACE FUNCTION users_count_note(account integer, delta bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    name text := 'gateway.users_delta_' || account;
BEGIN
    PERFORM set_config(
        name, (coalesce(nullif(current_setting(name, true), ''), '0')::bigint + delta)::text, true
    );
END $$""",
    """
CREATE OR REPLACE FUNCTION users_count_apply(account integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    name text := 'gateway.users_delta_' || account;
    pending text := current_setting(name, true);
BEGIN
    IF pending IS NULL OR pending = '' THEN
        RETURN;
    END IF;
    PERFORM set_config(name, '', true);
    INSERT INTO account_user_counts AS c (account_id, user_count, membership_version)
    VALUES (account, pending::integer, 1)
    ON CONFLICT (account_id) DO UPDATE
    SET user_count = c.user_count + EXCLUDED.user_count,
        membership_version = c.membership_version + 1;
END $$""",
    """
CREATE OR REPLACE FUNCTION users_counted_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM users_count_note(account_id, CASE WHEN TG_OP = 'INSERT' THEN n ELSE -n END)
    FROM (SELECT account_id, count(*) AS n FROM counted_rows GROUP BY account_id) AS d;
    RETURN NULL;
END $$""",
    """
CREATE OR REPLACE FUNCTION users_counted_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM users_count_note(OLD.account_id, -1);
    PERFORM users_count_note(NEW.account_id, 1);
    RETURN NULL;
END $$""",
    """
CREATE OR REPLACE FUNCTION users_counted_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM users_count_apply(OLD.account_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM users_count_apply(NEW.account_id);
    END IF;
    RETURN NULL;
END $$""",
]
_MOVED = "WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.id IS DISTINCT FROM NEW.id)"
_APPLY = (
    "CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON users DEFERRABLE INITIALLY DEFERRED "
    "FOR EACH ROW {when} EXECUTE FUNCTION users_counted_apply()"
)
POSTGRESQL = [
    *_PG_FUNCTIONS,
    "CREATE TRIGGER users_counted_insert AFTER INSERT ON users REFERENCING NEW TABLE AS "
    "counted_rows FOR EACH STATEMENT EXECUTE FUNCTION users_counted_statement()",
    "CREATE TRIGGER users_counted_delete AFTER DELETE ON users REFERENCING OLD TABLE AS "
    "counted_rows FOR EACH STATEMENT EXECUTE FUNCTION users_counted_statement()",
    "CREATE TRIGGER users_counted_move AFTER UPDATE OF account_id, id ON users FOR EACH ROW "
    f"{_MOVED} EXECUTE FUNCTION users_counted_move()",
    _APPLY.format(name="users_counted_insert_apply", event="INSERT", when=""),
    _APPLY.format(name="users_counted_delete_apply", event="DELETE", when=""),
    _APPLY.format(name="users_counted_move_apply", event="UPDATE OF account_id, id", when=_MOVED),
]
PG_FUNCTIONS = (
    "users_count_note(integer, bigint)",
    "users_count_apply(integer)",
    "users_counted_statement()",
    "users_counted_move()",
    "users_counted_apply()",
)
TRIGGERS = ("users_counted_insert", "users_counted_delete", "users_counted_move")
PG_ONLY_TRIGGERS = tuple(f"{name}_apply" for name in TRIGGERS)


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
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name in TRIGGERS + PG_ONLY_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON users")
        for function in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_index("ix_users_account_id_id", table_name="users")
    op.drop_table("account_user_counts")
