"""``gateway account set``: what the account team decides (plan kind, bulk licensing)."""

from __future__ import annotations

from typing import Any

import click

from gateway.cli_support import fail_cleanly, store
from gateway.store.records import PLAN_KINDS


@click.group("account")
def account_group() -> None:
    """Accounts, as the operator (the account team) changes them."""


@account_group.command("set")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.option("--plan-kind", type=click.Choice(PLAN_KINDS), help="The account's plan.")
@click.option(
    "--bulk-licensing/--no-bulk-licensing",
    default=None,
    help="Bulk licensing: the master delegates seats to its sub-accounts.",
)
@fail_cleanly
def account_set(account_ref: str, plan_kind: str | None, bulk_licensing: bool | None) -> None:
    """Change an account's plan kind or bulk licensing (refused on the admin API)."""
    changes: dict[str, Any] = {}
    if plan_kind is not None:
        changes["plan_kind"] = plan_kind
    if bulk_licensing is not None:
        changes["bulk_licensing"] = bulk_licensing
    if not changes:
        raise click.UsageError("Give --plan-kind and/or --bulk-licensing/--no-bulk-licensing.")
    account = store().find_account(account_ref)
    after = store().update_account(account.id, changes, actor="cli")
    click.echo(
        f"{after.name} ({after.number}): plan {after.plan_kind}, "
        f"bulk licensing {'on' if after.bulk_licensing else 'off'}"
    )
