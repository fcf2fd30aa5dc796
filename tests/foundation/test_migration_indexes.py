"""The initial migration keeps the schema's expression indexes, which SQLite autogenerate skips
(``gateway.migrations.regenerate`` adds them back)."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.migrations.regenerate import expression_indexes
from gateway.store.sql import MIGRATIONS


def test_the_migration_creates_and_drops_every_expression_index_of_the_schema():
    (migration,) = (MIGRATIONS / "versions").glob("0001_*.py")
    text = migration.read_text()
    names = [index.name for index in expression_indexes()]
    assert "ix_users_scim_user_name" in names
    for name in names:
        assert f'op.create_index(\n        "{name}"' in text
        assert f'op.drop_index("{name}"' in text


def test_a_migrated_database_has_the_scim_user_name_index(sqlite_store):
    # SQLAlchemy cannot reflect expression indexes on SQLite: ask SQLite itself.
    with sqlite_store.engine.connect() as conn:
        sql = conn.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE name = 'ix_users_scim_user_name'")
        ).scalar_one()
    assert "UNIQUE" in sql and "coalesce(user_name_key, email_key)" in sql
