"""``gateway saml logs``: an account's SAML response logs, one entry in full, or followed live."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from gateway.cli_support import fail_cleanly, store
from gateway.saml_logs.acs import saml_logs
from gateway.saml_logs.service import SamlLogService
from gateway.saml_logs.store import OUTCOMES, LogFilter, LogSummary


def _line(entry: LogSummary) -> str:
    refusal = f"{entry.code} ({entry.number})" if entry.code else "-"
    return (
        f"{entry.time.isoformat(timespec='seconds')}  {entry.tracking_id}  "
        f"{entry.outcome:<19}  {refusal:<32}  {entry.name_id or '-'}"
    )


@click.command("logs")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.option("--tracking-id", help="Show this entry in full (JSON), raw response included.")
@click.option("--outcome", type=click.Choice(OUTCOMES), help="Only entries with this outcome.")
@click.option("--name-id", help="Only entries for this NameID.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
@click.option("--follow", is_flag=True, help="Keep printing new entries as they come (Ctrl-C).")
@click.option("--interval", default=1.0, show_default=True, type=float, hidden=True)
@fail_cleanly
def logs_command(
    account_ref: str,
    tracking_id: str | None,
    outcome: str | None,
    name_id: str | None,
    limit: int,
    follow: bool,
    interval: float,
) -> None:
    """The account's SAML response logs, newest first (kept 7 days while the account saves
    them: the SSO setting 'save_response_logs')."""
    account = store().find_account(account_ref)
    service = saml_logs()
    if tracking_id:
        click.echo(json.dumps(service.detail(account, tracking_id), indent=2))
        return
    wanted = LogFilter(outcome=outcome, name_id=name_id, limit=limit)
    entries = service.list(account, wanted)
    for entry in entries:
        click.echo(_line(entry))
    if not entries and not follow:
        click.echo(f"No SAML response logs for {account.name} in the last 7 days.")
    if follow:
        _follow(service, account, wanted, {e.tracking_id for e in entries}, interval)


def _follow(
    service: SamlLogService, account: Any, wanted: LogFilter, seen: set[str], interval: float
) -> None:
    """Print entries not seen yet, oldest first, until interrupted."""
    try:
        while True:
            time.sleep(interval)
            fresh = [e for e in service.list(account, wanted) if e.tracking_id not in seen]
            for entry in reversed(fresh):
                seen.add(entry.tracking_id)
                click.echo(_line(entry))
    except KeyboardInterrupt:
        return
