"""The ``gateway`` command: serve, demo data, accounts and tokens (reads GATEWAY_DATABASE_URL)."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import current_app

from gateway.account_cli import account_group
from gateway.cli_support import GatewayGroup, app_factory, config, fail_cleanly
from gateway.cli_support import store as _store
from gateway.clock_cli import clock_group
from gateway.demo import init_demo
from gateway.domains import commands as domain_commands
from gateway.errors import GatewayError
from gateway.oauth.cli import oauth_app_group
from gateway.saml_logs import cli as saml_logs_cli
from gateway.testing.attacks import attacks_command

__all__ = ["config", "fail_cleanly", "main"]


@click.group(
    cls=GatewayGroup, create_app=app_factory, add_default_commands=False, add_version_option=False
)
def main() -> None:
    """The identity gateway: SAML SP, SCIM 2.0 and the account model of a meeting SaaS."""


main.add_command(account_group)
main.add_command(clock_group)
main.add_command(domain_commands.invite_command)
main.add_command(domain_commands.migrate_command)
main.add_command(oauth_app_group)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="Worker processes (use PostgreSQL for more than 1).",
)
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Request threads per worker: 1 runs requests on the worker's event loop, one at a "
    "time; more runs that many side by side (slow clients never hold one).",
)
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the gateway (Granian, HTTP/1.1 keep-alive; SIGTERM stops it gracefully)."""
    if config().demo:
        from gateway.demo import retrust_demo_idp

        for name in retrust_demo_idp(_store(), config()):
            click.echo(f"Demo IdP re-trusted by {name} for {config().public_url}")
    url = f"http://{host}:{port}"
    click.echo(
        f"Gateway serving on {url}/  (admin API {url}/api/v1, SCIM {url}/scim/v2, "
        f"SAML {url}/v/<vanity>/saml/metadata/sp)",
        err=False,
    )
    sys.stdout.flush()
    from gateway.serving import run_granian

    run_granian(host, port, workers, threads)


@main.command("init-demo")
def init_demo_command() -> None:
    """Create the demo world once (idempotent) and print its accounts and new tokens."""
    world = init_demo(_store(), config())
    click.echo("Demo world created." if world.created else "Demo world already present.")
    for name, number in world.accounts.items():
        click.echo(f"  account {name}: number {number}")
    for label, secret in world.tokens.items():
        click.echo(f"  token ({label}, shown once): {secret}")
    if not world.created:
        click.echo(
            "  (tokens are shown only when created: 'gateway token create --account acme "
            "--kind admin' makes a new one)"
        )


@main.command("create-account")
@click.option("--name", required=True)
@click.option("--owner-email", required=True)
@click.option("--vanity")
@click.option("--parent", help="Number or vanity of the master account.")
@click.option("--bulk-licensing/--no-bulk-licensing", default=False)
@click.option("--licensed", type=int, default=0, help="Licensed seats purchased.")
@fail_cleanly
def create_account(
    name: str,
    owner_email: str,
    vanity: str | None,
    parent: str | None,
    bulk_licensing: bool,
    licensed: int,
) -> None:
    """Create an account (a sub-account with --parent)."""
    store = _store()
    parent_id = store.find_account(parent).id if parent else None
    account = store.create_account(
        name,
        owner_email,
        actor="cli",
        vanity=vanity,
        parent_id=parent_id,
        bulk_licensing=bulk_licensing,
        plan={"Licensed": licensed} if licensed else None,
    )
    click.echo(
        f"created account {account.name}: number {account.number}, id {account.id}, "
        f"type {account.account_type}"
    )


@main.group("token")
def token_group() -> None:
    """Bearer tokens."""


@token_group.command("create")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.option("--kind", type=click.Choice(["admin", "scim"]), required=True)
@click.option("--label")
@click.option(
    "--profile",
    default="compatible",
    type=click.Choice(["strict", "compatible", "okta", "entra"]),
)
@fail_cleanly
def token_create(account_ref: str, kind: str, label: str | None, profile: str) -> None:
    """Create a token and print its secret (shown this once)."""
    store = _store()
    account = store.find_account(account_ref)
    _, secret = store.create_token(account.id, kind, actor="cli", label=label, profile=profile)
    click.echo(secret)


@main.command("outbox")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.option("--limit", default=20, show_default=True)
@fail_cleanly
def outbox_command(account_ref: str, limit: int) -> None:
    """Show the newest outbox emails of an account, with their links."""
    store = _store()
    account = store.find_account(account_ref)
    page = store.list_outbox(account.id, limit=limit)
    click.echo(f"{page.total} message(s) in the outbox of {account.name}")
    for m in page.items:
        sent = "sent" if m.sent_at else ("failed: " + m.send_error if m.send_error else "queued")
        click.echo(f"#{m.id} {m.created_at:%Y-%m-%d %H:%M} {m.kind} to {m.recipient} [{sent}]")
        click.echo(f"    {m.subject}")
        if m.link:
            click.echo(f"    {m.link}")


@main.group("saml")
def saml_group() -> None:
    """SAML configuration."""


@saml_group.command("import-metadata")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.argument("metadata_file", type=click.File("rb"))
@fail_cleanly
def saml_import_metadata(account_ref: str, metadata_file: Any) -> None:
    """Set the account's IdP from an IdP metadata XML file (never fetched from a URL)."""
    from gateway.api.saml_admin import import_idp_metadata

    account = _store().find_account(account_ref)
    imported = import_idp_metadata(account.id, metadata_file.read(), actor="cli")
    config = imported.config
    click.echo(
        f"{account.name}: IdP {config.idp_entity_id}, sign-in {config.sign_in_url}, "
        f"{len(config.certificates)} certificate(s)"
    )
    for c in imported.certificates:
        click.echo(f"  {c.subject} (SHA-256 {c.sha256_fingerprint[:16]}…): {c.reason}")


from gateway.sso.cli import settings_command  # noqa: E402

saml_group.add_command(settings_command)
saml_group.add_command(saml_logs_cli.logs_command)


@main.group("idp")
def idp_group() -> None:
    """The demo/test IdP."""


idp_group.add_command(attacks_command)


@idp_group.command("sign")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.option("--nameid", required=True)
@click.option("--attr", "attrs", multiple=True, help="name=value, repeatable.")
@click.option("--post", "do_post", is_flag=True, help="Post to the ACS and print the decision.")
@fail_cleanly
def idp_sign(account_ref: str, nameid: str, attrs: tuple[str, ...], do_post: bool) -> None:
    """Sign a SAML response as the demo IdP; print it, or post it and print the decision."""
    import json

    from gateway.demo_idp import parse_attributes, signed_response

    sso = current_app.extensions["gateway.sso"]
    account = sso.store.find_account(account_ref)
    response, acs = signed_response(sso, account, nameid, parse_attributes(list(attrs)))
    if not do_post:
        click.echo(response)
        return
    path = acs.removeprefix(config().public_url.rstrip("/"))
    answer = current_app.test_client().post(
        path, data={"SAMLResponse": response}, headers={"Accept": "application/json"}
    )
    click.echo(json.dumps(answer.get_json(), indent=2))
    if answer.status_code >= 400:
        sys.exit(2)


@main.group("mapping")
def mapping_group() -> None:
    """SAML advanced information mapping rules."""


@mapping_group.command("export")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml")
@fail_cleanly
def mapping_export(account_ref: str, fmt: str) -> None:
    """Print the account's rules as YAML or JSON."""
    from gateway.api.mapping_api import export_text

    account = _store().find_account(account_ref)
    click.echo(export_text(current_app.extensions["gateway.rules"], account.id, fmt), nl=False)


@mapping_group.command("import")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.argument("rules_file", type=click.File("r"))
@fail_cleanly
def mapping_import(account_ref: str, rules_file: Any) -> None:
    """Replace the account's rules from a YAML or JSON file (nothing changes on any error)."""
    from gateway.api.mapping_api import import_text

    account = _store().find_account(account_ref)
    fmt = "json" if rules_file.name.endswith(".json") else "yaml"
    try:
        version = import_text(
            current_app.extensions["gateway.rules"], account.id, rules_file.read(), fmt, actor="cli"
        )
    except GatewayError as e:
        for problem in e.details.get("errors") or []:
            click.echo(f"  {problem.get('code')}: {problem.get('message')}", err=True)
        raise
    click.echo(f"{account.name}: rules saved as version {version}")


@mapping_group.command("explain")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.option("--attr", "attrs", multiple=True, help="name=value, repeatable.")
@click.option(
    "--response",
    "response_file",
    type=click.File("r"),
    help="A SAML response (XML or base64) to read the attributes from.",
)
@click.option(
    "--verify/--no-verify",
    default=False,
    show_default=True,
    help="Verify the response as at sign-in.",
)
@click.option("--email", help="Evaluate as this existing user.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON explanation.")
@fail_cleanly
def mapping_explain(
    account_ref: str,
    attrs: tuple[str, ...],
    response_file: Any,
    verify: bool,
    email: str | None,
    as_json: bool,
) -> None:
    """Why would a user with these attributes land where, with what license and groups."""
    import json

    from gateway.demo_idp import parse_attributes
    from gateway.sso.explain import explain
    from mapping import format_table

    sso = current_app.extensions["gateway.sso"]
    account = sso.store.find_account(account_ref)
    body: dict[str, Any] = {"email": email} if email else {}
    if response_file is not None:
        body.update(saml_response=response_file.read().strip(), verify=verify)
    else:
        body["attributes"] = parse_attributes(list(attrs))
    result = explain(sso, account, body)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    landing = result.data["lands_in"]
    click.echo(f"Lands in: {landing['name']} ({landing['number']})")
    for note in result.data["notes"]:
        click.echo(f"Note: {note}")
    click.echo(format_table(result.decision))


@main.command("check")
@click.option("--repair", is_flag=True, help="Send a new link to pending users without one.")
def check_command(repair: bool) -> None:
    """Check every invariant (seats, delegations, users, groups); exit 1 if any is broken."""
    if repair:
        activation = current_app.extensions["gateway.activation"]
        for user in activation.repair():
            click.echo(f"repaired: a new activation link was sent to user {user.id}")
        resent = activation.resend_unsent()
        if resent:
            click.echo(f"repaired: {resent} undelivered email(s) sent again over SMTP")
    problems = _store().check_invariants()
    for problem in problems:
        click.echo(f"{problem.code}: {problem.message}")
    click.echo("ok: every invariant holds" if not problems else f"{len(problems)} problem(s)")
    if problems:
        sys.exit(1)


@main.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False))
@fail_cleanly
def backup_command(destination: str) -> None:
    """Back up the SQLite database while it runs (PostgreSQL: use pg_dump, as printed)."""
    import pathlib

    from gateway.backup import backup

    pages = backup(config().database_url, pathlib.Path(destination))
    click.echo(f"backed up {pages} pages to {destination}")


@main.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False))
@fail_cleanly
def restore_command(backup_file: str) -> None:
    """Restore the SQLite database from a backup, then check it (stop the gateway first)."""
    import pathlib

    from gateway.backup import restore

    restore(config().database_url, pathlib.Path(backup_file))
    problems = _store().check_invariants()
    click.echo(
        f"restored from {backup_file}; "
        + ("every invariant holds" if not problems else f"{len(problems)} problem(s)")
    )
    if problems:
        sys.exit(1)


@main.command("report")
@click.argument("kind", type=click.Choice(["active-hosts", "license-use"]))
@click.option("--account", "account_ref", required=True, help="Vanity or number of the master.")
@click.option("--accounts", "selected", default="", help="Sub-accounts (numbers or vanities).")
@click.option("--from", "start", help="First day, YYYY-MM-DD (default: 30 days before --to).")
@click.option("--to", "end", help="Last day, YYYY-MM-DD (default: today).")
@fail_cleanly
def report_command(
    kind: str, account_ref: str, selected: str, start: str | None, end: str | None
) -> None:
    """Print a report for selected sub-accounts over a date range, as CSV."""
    from gateway.api.reports import DateRange, run_report, to_csv

    store = _store()
    account = store.find_account(account_ref)
    days = DateRange.parse(start, end, store.clock.now().date())
    rows, columns = run_report(store, kind, account, selected.split(","), days)
    click.echo(to_csv(rows, columns), nl=False)
