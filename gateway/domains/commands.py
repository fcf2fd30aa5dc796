"""CLI: ``gateway invite`` (CSV, streaming, progress bar) and ``gateway migrate``."""

from __future__ import annotations

import pathlib
import sys
from typing import Any

import click

from gateway.cli_support import fail_cleanly
from gateway.cli_support import store as _store
from gateway.domains import services
from gateway.domains.migration import email_column


def _count_lines(path: pathlib.Path) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return sum(1 for _ in f)


@click.command("invite")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path))
@fail_cleanly
def invite_command(account_ref: str, csv_file: pathlib.Path) -> None:
    """Invite every address of a CSV (email[,vip]); safe to re-run."""
    account = _store().find_account(account_ref)
    results = []
    with csv_file.open(encoding="utf-8", newline="") as lines:
        rows = services().invitations.invite_rows(account, lines, actor="cli")
        with click.progressbar(
            length=_count_lines(csv_file), label="Inviting", file=sys.stderr
        ) as bar:
            for row in rows:
                results.append(row)
                bar.update(1)
    for row in results:
        detail = f" {row.code}: {row.message}" if row.code else ""
        click.echo(f"row {row.row}: {row.email}: {row.result}{detail}")
    _summary(r.result for r in results)


def _summary(results: Any) -> None:
    counts: dict[str, int] = {}
    for result in results:
        counts[result] = counts.get(result, 0) + 1
    click.echo("summary: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


@click.command("migrate")
@click.option("--master", "master_ref", required=True, help="The master's vanity or number.")
@click.option("--from", "source", required=True, help="Source account number.")
@click.option("--to", "target", required=True, help="Target account number.")
@click.option("--date", "tentative_date", required=True, help="Tentative date, YYYY-MM-DD.")
@click.option("--dry-run", is_flag=True, help="Only report who would migrate.")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path))
@fail_cleanly
def migrate_command(
    master_ref: str,
    source: str,
    target: str,
    tentative_date: str,
    dry_run: bool,
    csv_file: pathlib.Path,
) -> None:
    """Migrate members between a master's accounts (approved as the master, from the CLI)."""
    master = _store().find_account(master_ref)
    with csv_file.open(encoding="utf-8", newline="") as f:
        emails = email_column(f)
    body = {
        "source_account": source,
        "target_account": target,
        "tentative_date": tentative_date,
        "emails": emails,
    }
    migrations = services().migrations
    migration = migrations.plan(master, body, actor="cli")
    if not dry_run:
        with click.progressbar(length=len(emails), label="Migrating", file=sys.stderr) as bar:
            migration = migrations.run(migration, actor="cli", progress=lambda _: bar.update(1))
    for row in migration.report:
        click.echo(f"{row['email']}: {row['result']} ({row.get('message', '')})")
    _summary(row["result"] for row in migration.report)
