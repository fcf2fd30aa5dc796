"""Regenerate the initial migration from the schema (only while no database is deployed).

Run: ``python -m gateway.migrations.regenerate``.

Autogenerate runs against SQLite, which cannot reflect expression indexes, so Alembic skips
the ones ``schema.py`` declares (with a warning); ``_add_expression_indexes`` puts them back
into the generated upgrade (after their table is created) and downgrade (before it is dropped).
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tempfile
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.operations import ops

from gateway.store.schema import metadata
from gateway.store.sql import MIGRATIONS, alembic_config


def expression_indexes() -> list[sa.Index]:
    """The indexes of the schema on an expression rather than plain columns."""
    return [
        index
        for table in metadata.sorted_tables
        for index in sorted(table.indexes, key=lambda i: str(i.name))
        if any(not isinstance(e, sa.Column) for e in index.expressions)
    ]


def _add_expression_indexes(context: Any, revision: Any, directives: list[Any]) -> None:
    """Alembic ``process_revision_directives`` hook: add what autogenerate skipped."""
    script = directives[0]
    upgrade: list[Any] = script.upgrade_ops.ops
    downgrade: list[Any] = script.downgrade_ops.ops
    for index in expression_indexes():
        table = index.table
        assert table is not None
        created = next(
            i
            for i, op in enumerate(upgrade)
            if isinstance(op, ops.CreateTableOp) and op.table_name == table.name
        )
        # The table's plain indexes follow its creation in a batch op; go after them too.
        at = created + 1
        while at < len(upgrade) and getattr(upgrade[at], "table_name", None) == table.name:
            at += 1
        upgrade.insert(at, ops.CreateIndexOp.from_index(index))
        dropped = next(
            i
            for i, op in enumerate(downgrade)
            if isinstance(op, ops.DropTableOp) and op.table_name == table.name
        )
        # Before the batch op that drops the table's plain indexes, if any.
        while dropped > 0 and getattr(downgrade[dropped - 1], "table_name", None) == table.name:
            dropped -= 1
        downgrade.insert(dropped, ops.DropIndexOp.from_index(index))


def main() -> None:
    """Delete 0001, autogenerate it again against an empty SQLite database, and format it."""
    for old in (MIGRATIONS / "versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{pathlib.Path(tmp) / 'empty.db'}"
        command.revision(
            alembic_config(url),
            message="initial schema",
            autogenerate=True,
            rev_id="0001",
            process_revision_directives=_add_expression_indexes,
        )
    generated = [str(p) for p in (MIGRATIONS / "versions").glob("0001_*.py")]
    ruff = pathlib.Path(sys.executable).parent / "ruff"
    subprocess.run([str(ruff), "format", *generated], check=False)  # noqa: S603 (our files)


if __name__ == "__main__":
    main()
