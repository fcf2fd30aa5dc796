"""CLI: ``gateway oauth-app create|list|revoke`` (Server-to-Server OAuth apps of an account)."""

from __future__ import annotations

import click

from gateway.cli_support import fail_cleanly
from gateway.cli_support import store as _store
from gateway.oauth import storage
from gateway.oauth.storage import OAuthApp


def _line(app: OAuthApp) -> str:
    state = "live" if app.live else f"revoked {app.revoked_at:%Y-%m-%d %H:%M} UTC"
    return f"{app.id}\t{app.client_id}\t{' '.join(app.scopes)}\t{app.name}\t{state}"


@click.group("oauth-app")
def oauth_app_group() -> None:
    """Server-to-Server OAuth apps (Zoom's account_credentials grant)."""


@oauth_app_group.command("create")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.option(
    "--scopes", required=True, help="Space- or comma-separated, e.g. 'scim2' or 'scim2:admin'."
)
@click.option("--name", help="A label for the app.")
@fail_cleanly
def create_command(account_ref: str, scopes: str, name: str | None) -> None:
    """Create an app and print its account id, client id and secret (shown this once)."""
    store = _store()
    account = store.find_account(account_ref)
    app, secret = storage.create_app(store, account.id, scopes, actor="cli", name=name)
    click.echo(f"account_id:    {account.number}")
    click.echo(f"client_id:     {app.client_id}")
    click.echo(f"client_secret: {secret}")
    click.echo(f"scopes:        {' '.join(app.scopes)}")
    click.echo("The secret is not shown again; keep it now.", err=True)


@oauth_app_group.command("list")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@fail_cleanly
def list_command(account_ref: str) -> None:
    """List the account's apps (id, client id, scopes, name, state); never their secrets."""
    store = _store()
    account = store.find_account(account_ref)
    apps = storage.list_apps(store, account.id)
    click.echo(f"{len(apps)} OAuth app(s) of {account.name} (account_id {account.number})")
    for app in apps:
        click.echo(_line(app))


@oauth_app_group.command("revoke")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.argument("app_ref")
@fail_cleanly
def revoke_command(account_ref: str, app_ref: str) -> None:
    """Revoke an app (by id or client id): no new tokens, its tokens stop working at once."""
    store = _store()
    account = store.find_account(account_ref)
    app = storage.find_app(store, account.id, app_ref)
    revoked = storage.revoke_app(store, account.id, app.id, actor="cli")
    click.echo(_line(revoked))
