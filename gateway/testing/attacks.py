"""The attack corpus for SP teams: hostile SAMLResponses signed by the demo IdP, written out with
a manifest of the verdict each should get, or posted to an ACS over HTTP with a verdict table.

``gateway idp attacks --account acme --out DIR`` / ``--post [--acs URL]``; the pytest fixture
``saml_attacks`` (gateway.testing.plugin) builds the same corpus for a test's own IdP.
"""

from __future__ import annotations

import json
import pathlib
import sys
from dataclasses import dataclass
from typing import Any

import click
from flask import current_app

from gateway.cli_support import config, fail_cleanly, store
from gateway.testing.client import http
from idp_fixtures.corpus import ACCEPTED, Attack, attack_corpus


@dataclass(frozen=True)
class Verdict:
    """What the ACS answered to one attack, against what it should have answered."""

    attack: Attack
    status: int
    got: str  # accepted, or the refusal code (HTTP <status> when the answer names none)

    @property
    def accepted(self) -> bool:
        """The ACS took it: a success status."""
        return self.got == ACCEPTED

    @property
    def as_expected(self) -> bool:
        """The verdict is the expected one (for a foreign SP: refused, whatever its code)."""
        return self.got == self.attack.expected or (
            not self.attack.is_control and not self.accepted and self.got.startswith("HTTP ")
        )


def post_attack(acs_url: str, attack: Attack) -> Verdict:
    """POST one attack to the ACS (HTTP-POST binding); raises OSError when unreachable."""
    status, body = http("POST", acs_url, form={"SAMLResponse": attack.saml_response})
    if status in (200, 202):
        return Verdict(attack, status, ACCEPTED)
    code = body.get("code") if isinstance(body, dict) else None
    return Verdict(attack, status, code if isinstance(code, str) else f"HTTP {status}")


def write_corpus(attacks: list[Attack], out: pathlib.Path, target: dict[str, Any]) -> pathlib.Path:
    """One file per attack (base64 SAMLResponse) and manifest.json; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for number, attack in enumerate(attacks, 1):
        name = f"{number:02d}-{attack.name}.b64"
        (out / name).write_text(attack.saml_response + "\n")
        entries.append(attack.manifest(name))
    manifest = out / "manifest.json"
    document = {**target, "order": "post in file order: replay repeats genuine", "attacks": entries}
    manifest.write_text(json.dumps(document, indent=2) + "\n")
    return manifest


def verdict_table(verdicts: list[Verdict]) -> str:
    """The verdicts as a fixed-width table."""
    lines = [f"{'attack':<26} {'expected':<24} {'got':<24} verdict"]
    for v in verdicts:
        if v.attack.is_control:
            mark = "ok (control)" if v.accepted else "CONTROL REFUSED"
        elif v.accepted:
            mark = "ACCEPTED"
        else:
            mark = "refused" if v.as_expected else "refused (other code)"
        lines.append(f"{v.attack.name:<26} {v.attack.expected:<24} {v.got:<24} {mark}")
    return "\n".join(lines)


@click.command("attacks")
@click.option("--account", "account_ref", required=True, help="Vanity or number.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=pathlib.Path))
@click.option("--post", "do_post", is_flag=True, help="POST every attack and print verdicts.")
@click.option("--acs", "acs_url", help="The ACS URL to post to (default: the account's here).")
@click.option("--sp-entity-id", help="The SP entity ID (Audience) to sign for.")
@click.option("--name-id", help="The NameID to sign for (default: a new address each run).")
@fail_cleanly
def attacks_command(
    account_ref: str,
    out_dir: pathlib.Path | None,
    do_post: bool,
    acs_url: str | None,
    sp_entity_id: str | None,
    name_id: str | None,
) -> None:
    """Signature-wrapping, comment-injection and other hostile SAMLResponses signed by the demo
    IdP: written to --out with manifest.json, and/or posted with --post (exit 1 when an
    attack is accepted, 3 when the genuine control is refused)."""
    from gateway.demo_idp import demo_idp

    account = store().find_account(account_ref)
    urls = current_app.extensions["gateway.sso"].urls(account)
    acs = acs_url or urls.acs_url
    audience = sp_entity_id or urls.entity_id
    idp = demo_idp(config())
    attacks = attack_corpus(
        idp, sp_entity_id=audience, acs_url=acs, now=store().clock.now(), name_id=name_id
    )
    if out_dir is None and not do_post:
        raise click.UsageError("Give --out DIR, --post, or both.")
    if out_dir is not None:
        target = {"idp_entity_id": idp.entity_id, "sp_entity_id": audience, "acs_url": acs}
        click.echo(f"{len(attacks)} responses and {write_corpus(attacks, out_dir, target)}")
    if do_post:
        _post_all(acs, attacks)


def _post_all(acs: str, attacks: list[Attack]) -> None:
    try:
        verdicts = [post_attack(acs, attack) for attack in attacks]
    except OSError as e:
        click.echo(f"error: acs_unreachable: {acs} did not answer ({e}).", err=True)
        sys.exit(2)
    click.echo(verdict_table(verdicts))
    accepted = [v.attack.name for v in verdicts if v.accepted and not v.attack.is_control]
    if accepted:
        click.echo(f"ACCEPTED attacks: {', '.join(accepted)}", err=True)
        sys.exit(1)
    if any(v.attack.is_control and not v.accepted for v in verdicts):
        click.echo(
            "The genuine control was refused: the SP does not trust the demo IdP (GET /idp/"
            "metadata), or the ACS URL / SP entity ID are not its own. The refusals prove "
            "nothing until the control is accepted.",
            err=True,
        )
        sys.exit(3)
