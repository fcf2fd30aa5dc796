"""A throw-away PostgreSQL schema for one test session."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

import sqlalchemy as sa


@contextlib.contextmanager
def fresh_schema(url: str, prefix: str = "gw_plugin") -> Iterator[str]:
    """A new schema on ``url``; yields a URL whose search_path points at it, then drops it."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{name}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
