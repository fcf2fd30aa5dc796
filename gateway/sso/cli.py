"""``gateway saml settings``: an account's SSO page, by Zoom's names, read and changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from gateway.cli_support import fail_cleanly, store
from gateway.sso.config import FLAGS, ZOOM_NAMES, SamlConfigInvalid

_NUMBERS = ("skew_seconds", "auto_logout_minutes")
_TRUE = ("true", "on", "yes", "1")
_FALSE = ("false", "off", "no", "0")
_PEM_END = "-----END CERTIFICATE-----"


@click.command("settings")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.option(
    "--set",
    "changes",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Change one setting (repeatable): e.g. binding=HTTP-POST, sign_request=off, "
    "auto_logout_minutes=30, certificates=@idp.pem, attribute_map.email=mail.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@fail_cleanly
def settings_command(account_ref: str, changes: tuple[str, ...], as_json: bool) -> None:
    """Show the account's SSO settings by Zoom's names; --set changes them (all or nothing)."""
    from flask import current_app

    from gateway.api.saml_admin import save_settings, zoom_settings
    from gateway.sso.config import parse_config

    account = store().find_account(account_ref)
    found = store().get_saml_config(account.id)
    document = dict(found[0]) if found else {}
    if changes:
        for change in changes:
            apply_change(document, change)
        config = save_settings(account, document, actor="cli", stored=found is not None)
    elif found is None:
        raise SamlConfigInvalid(
            f"{account.name} has no SSO settings yet: give at least idp_entity_id, sign_in_url "
            "and certificates with --set (or 'gateway saml import-metadata')."
        )
    else:
        config = parse_config(document, stored=True)
    urls = current_app.extensions["gateway.sso"].urls(account, None, config)
    rows = zoom_settings(config)
    if as_json:
        click.echo(json.dumps({"settings": rows, "sp": vars(urls)}, indent=2, default=list))
        return
    for row in rows:
        click.echo(f"{row['zoom_name']:<42} {row['field']:<30} {_shown(row['value'])}")
    click.echo(f"{'SP entity ID':<42} {'':<30} {urls.entity_id}")
    click.echo(f"{'ACS URL':<42} {'':<30} {urls.acs_url}")
    click.echo(f"{'Single logout URL':<42} {'':<30} {urls.slo_url}")
    click.echo(f"{'SP metadata':<42} {'':<30} {urls.metadata_url}")


def apply_change(document: dict[str, Any], change: str) -> None:
    """Apply one ``field=value`` to the settings document; raises SamlConfigInvalid."""
    name, sep, raw = change.partition("=")
    name = name.strip()
    if not sep or not name:
        raise SamlConfigInvalid(f"'{change}' is not FIELD=VALUE.", field=name or change)
    if name.startswith("attribute_map."):
        mapped = dict(document.get("attribute_map") or {})
        mapped[name.removeprefix("attribute_map.")] = raw.strip()
        document["attribute_map"] = {k: v for k, v in mapped.items() if v}
        return
    if name not in ZOOM_NAMES:
        raise SamlConfigInvalid(
            f"Unknown setting '{name}'; the settings are {', '.join(ZOOM_NAMES)}.", field=name
        )
    document[name] = _value(name, raw.strip())


def _value(name: str, raw: str) -> Any:
    if name in FLAGS:
        if raw.lower() not in _TRUE + _FALSE:
            raise SamlConfigInvalid(f"'{name}' is on or off, not '{raw}'.", field=name)
        return raw.lower() in _TRUE
    if name in _NUMBERS:
        if raw.lower() in ("", "none", "off"):
            return None
        if not raw.isdigit():
            raise SamlConfigInvalid(f"'{name}' is a whole number, not '{raw}'.", field=name)
        return int(raw)
    if name == "certificates":
        try:
            text = Path(raw[1:]).read_text() if raw.startswith("@") else raw
        except OSError as e:
            raise SamlConfigInvalid(f"Cannot read {raw[1:]}: {e.strerror}.", field=name) from e
        return [c.strip() + "\n" + _PEM_END + "\n" for c in text.split(_PEM_END) if c.strip()]
    if name == "attribute_map":
        raise SamlConfigInvalid(
            "Set the basic mapping one field at a time: attribute_map.email=mail.", field=name
        )
    return raw or None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "-"
    if isinstance(value, list):
        return f"{len(value)} certificate(s)"
    return str(value)
