"""Alembic environment: runs on the connection the store hands over, or on a URL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from gateway.store.engine import make_engine
from gateway.store.schema import metadata


def run() -> None:
    """Run the migrations online (the gateway never emits offline SQL scripts)."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url")
        engine = make_engine(url or "sqlite:///var/gateway.db", poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            _configure_and_run(conn)
        return
    _configure_and_run(connection)


def _configure_and_run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()


run()
