"""Migration 0003: users pending before it await their activation link after it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from gateway.store.sql import alembic_config


def _upgrade(conn: sa.Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, revision)


def test_pending_users_await_activation_and_the_others_do_not(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    now = "2026-11-01 00:00:00"
    with engine.begin() as conn:
        _upgrade(conn, "0002")
        conn.execute(
            sa.text(
                "INSERT INTO accounts (id, number, name, owner_email, account_type, channel, "
                "plan_kind, bulk_licensing, billing, default_license_type, settings, "
                "created_at, updated_at) VALUES (1, '1', 'Acme', 'o@acme.test', 'master', "
                "'direct', 'business', 0, 'self', 'Basic', '{}', :now, :now)"
            ),
            {"now": now},
        )
        for user_id, status in [("p", "pending"), ("a", "active"), ("d", "deactivated")]:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, account_id, email, email_key, status, license_type, "
                    "addons, source, profile, created_at, updated_at) VALUES (:id, 1, :email, "
                    ":email, :status, 'Basic', '[]', 'scim', '{}', :now, :now)"
                ),
                {"id": user_id, "email": f"{user_id}@x.test", "status": status, "now": now},
            )
        _upgrade(conn, "head")
        rows = conn.execute(sa.text("SELECT id, awaiting_activation FROM users ORDER BY id"))
        assert [(r.id, bool(r.awaiting_activation)) for r in rows] == [
            ("a", False),
            ("d", False),
            ("p", True),
        ]
    engine.dispose()
