"""Backups: SQLite's online backup API; PostgreSQL is left to pg_dump (said plainly)."""

from __future__ import annotations

import pathlib
import sqlite3

import sqlalchemy as sa

from gateway.errors import BadRequest

PG_GUIDANCE = (
    "For PostgreSQL use the database's own tools: "
    'pg_dump --format=custom --file=gateway.dump "$GATEWAY_DATABASE_URL" to back up, '
    'pg_restore --clean --if-exists --dbname="$GATEWAY_DATABASE_URL" gateway.dump '
    "to restore, then 'gateway check'."
)


def _sqlite_path(url: str) -> str:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BadRequest(PG_GUIDANCE, code="use_pg_dump")
    if not parsed.database or parsed.database == ":memory:":
        raise BadRequest("An in-memory database cannot be backed up.", code="no_database_file")
    return parsed.database


def backup(url: str, destination: pathlib.Path) -> int:
    """Copy the live SQLite database to ``destination`` (consistent while in use); page count."""
    source = sqlite3.connect(_sqlite_path(url))
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
        pages: int = target.execute("PRAGMA page_count").fetchone()[0]
    finally:
        target.close()
        source.close()
    return pages


def restore(url: str, backup_file: pathlib.Path) -> None:
    """Replace the database's content with the backup's; raises BadRequest ``not_a_backup``."""
    path = _sqlite_path(url)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        check = source.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as e:
        source.close()
        raise BadRequest(f"{backup_file} is not an SQLite backup.", code="not_a_backup") from e
    if check != "ok":
        source.close()
        raise BadRequest(
            f"{backup_file} fails SQLite's integrity check: {check}.", code="not_a_backup"
        )
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
