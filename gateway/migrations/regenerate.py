"""Regenerate the initial migration from the schema (only while no database is deployed).

Run: ``python -m gateway.migrations.regenerate``.
"""

from __future__ import annotations

import pathlib
import tempfile

from alembic import command

from gateway.store.sql import MIGRATIONS, alembic_config


def main() -> None:
    """Delete 0001 and autogenerate it again against an empty SQLite database."""
    for old in (MIGRATIONS / "versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{pathlib.Path(tmp) / 'empty.db'}"
        command.revision(
            alembic_config(url), message="initial schema", autogenerate=True, rev_id="0001"
        )


if __name__ == "__main__":
    main()
