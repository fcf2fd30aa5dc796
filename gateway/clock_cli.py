"""``gateway clock show|advance|set|reset``: the demo's movable clock from the command line."""

from __future__ import annotations

import click

from gateway import timetravel
from gateway.cli_support import config, fail_cleanly, store


@click.group("clock")
def clock_group() -> None:
    """The service's clock (demo mode: move it for every worker)."""


@clock_group.command("show")
def clock_show() -> None:
    """Print the service's time and how far it is moved."""
    click.echo(timetravel.show(store(), config()).describe())


@clock_group.command("advance")
@click.argument("by")
@fail_cleanly
def clock_advance(by: str) -> None:
    """Move the clock forward, e.g. 24h, 90m, 1h30m, 2d, 1w."""
    click.echo(timetravel.advance(store(), config(), by, actor="cli").describe())


@clock_group.command("set")
@click.argument("when")
@fail_cleanly
def clock_set(when: str) -> None:
    """Set the service's time (ISO 8601 with a UTC offset, e.g. 2026-03-01T09:00:00Z)."""
    click.echo(timetravel.set_time(store(), config(), when, actor="cli").describe())


@clock_group.command("reset")
@fail_cleanly
def clock_reset() -> None:
    """Back to the system's time."""
    click.echo(timetravel.reset(store(), config(), actor="cli").describe())
