"""The demo IdP: personas signed by the test IdP and posted to an account's ACS (demo mode)."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app, render_template_string, request
from flask.typing import ResponseReturnValue

from gateway.config import GatewayConfig
from gateway.errors import BadRequest
from gateway.sso.service import SsoService
from gateway.store.records import Account
from idp_fixtures.idp import TestIdP


@dataclass(frozen=True)
class Persona:
    """A ready-made user to sign in as."""

    label: str
    name_id: str
    attributes: dict[str, list[str]]


PERSONAS = (
    Persona(
        "Hana: global_users + HIPAA (the seed's example: routed to Acme Healthcare)",
        "hana@acme.test",
        {"memberOf": ["global_users", "HIPAA"], "givenName": ["Hana"]},
    ),
    Persona(
        "Paul: HIPAA only (partial match: stays in Acme)",
        "paul@acme.test",
        {"memberOf": ["HIPAA"], "givenName": ["Paul"]},
    ),
    Persona(
        "Ada: global_users + engineering (Licensed, group Engineering)",
        "ada@acme.test",
        {"memberOf": ["global_users", "engineering"], "givenName": ["Ada"]},
    ),
    Persona(
        "Gina: a partner's email (activation by email required)",
        "gina@partner.test",
        {"memberOf": ["global_users"], "givenName": ["Gina"]},
    ),
)

DEMO_RULES: list[dict[str, Any]] = [
    {
        "category": "sub_account",
        "name": "seed example: healthcare",
        "conditions": [
            {"attribute": "memberOf", "values": ["global_users"], "operator": "equals"},
            {
                "attribute": "memberOf",
                "values": ["HIPAA", "Developer", "Tester"],
                "operator": "equals",
            },
        ],
        "result": "acme-health",
    },
    {
        "category": "license",
        "name": "everyone in global_users is Licensed",
        "conditions": [{"attribute": "memberOf", "values": ["global_users"], "operator": "equals"}],
        "result": "Licensed",
    },
    {
        "category": "addon:webinar",
        "name": "HIPAA staff run webinars",
        "conditions": [{"attribute": "memberOf", "values": ["HIPAA"], "operator": "equals"}],
        "result": True,
    },
    {
        "category": "user_group",
        "name": "engineering group",
        "conditions": [{"attribute": "memberOf", "values": ["engineering"], "operator": "equals"}],
        "result": "Engineering",
    },
    {
        "category": "role",
        "name": "IT admins",
        "conditions": [{"attribute": "memberOf", "values": ["it-admins"], "operator": "equals"}],
        "result": "Admin",
    },
]


def demo_idp(config: GatewayConfig) -> TestIdP:
    """The demo IdP, its key pair kept under ``idp_key_dir``."""
    return TestIdP(
        f"{config.public_url.rstrip('/')}/idp/metadata", key_dir=pathlib.Path(config.idp_key_dir)
    )


def signed_response(
    sso: SsoService, account: Account, name_id: str, attributes: dict[str, list[str]]
) -> tuple[str, str]:
    """A response from the demo IdP for the account's ACS: (base64 SAMLResponse, ACS URL)."""
    urls = sso.urls(account)
    response = demo_idp(sso.config).make_response(
        sp_entity_id=urls.entity_id,
        acs_url=urls.acs_url,
        name_id=name_id,
        attributes=attributes,
        now=sso.clock.now(),
    )
    return response, urls.acs_url


def parse_attributes(pairs: list[str]) -> dict[str, list[str]]:
    """``name=value`` pairs (repeatable) into a mapping; raises BadRequest ``invalid_attribute``."""
    out: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise BadRequest(f"'{pair}' is not name=value.", code="invalid_attribute")
        out.setdefault(name.strip(), []).append(value)
    return out


blueprint = Blueprint("idp", __name__)

PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Test IdP</title>
<body style="font-family:sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem">
<h1>Test IdP</h1><p>Signs a real SAML response and posts it to the account's ACS.</p>
<form method="post" action="/idp/sign">
<label>Account (vanity) <input name="account" value="acme" required></label>
<fieldset><legend>Persona</legend>{% for p in personas %}
<label style="display:block"><input type="radio" name="persona" value="{{ loop.index0 }}"
 {% if loop.first %}checked{% endif %}> {{ p.label }}</label>{% endfor %}
<label style="display:block"><input type="radio" name="persona" value="custom"> Custom:</label>
<label>NameID <input name="name_id" type="email"></label>
<label>Attributes, one name=value a line<br><textarea name="attributes" rows="4"
 cols="40"></textarea></label></fieldset>
<button type="submit">Sign in</button></form></body></html>"""
POST_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Posting</title>
<body onload="document.forms[0].submit()"><form method="post" action="{{ acs }}">
<input type="hidden" name="SAMLResponse" value="{{ response }}">
<noscript><button type="submit">Continue</button></noscript></form></body></html>"""


@blueprint.get("/idp")
def page() -> ResponseReturnValue:
    return render_template_string(PAGE, personas=PERSONAS)


@blueprint.get("/idp/metadata")
def metadata() -> ResponseReturnValue:
    config: GatewayConfig = current_app.extensions["gateway.config"]
    xml = demo_idp(config).metadata_xml(sso_url=f"{config.public_url.rstrip('/')}/idp")
    return xml, 200, {"Content-Type": "application/samlmetadata+xml"}


@blueprint.post("/idp/sign")
def sign() -> ResponseReturnValue:
    sso: SsoService = current_app.extensions["gateway.sso"]
    account = sso.store.find_account(request.form.get("account", "acme"))
    choice = request.form.get("persona", "0")
    if choice == "custom":
        name_id = request.form.get("name_id", "")
        lines = [x for x in request.form.get("attributes", "").splitlines() if x.strip()]
        attributes = parse_attributes(lines)
    elif choice.isdigit() and int(choice) < len(PERSONAS):
        name_id, attributes = PERSONAS[int(choice)].name_id, PERSONAS[int(choice)].attributes
    else:
        raise BadRequest("Pick a persona or 'custom'.", code="invalid_persona")
    response, acs = signed_response(sso, account, name_id, attributes)
    local_acs = acs.removeprefix(sso.config.public_url.rstrip("/"))
    return render_template_string(POST_PAGE, acs=local_acs, response=response)


def init_app(app: Flask) -> None:
    """Mount the demo IdP when the gateway runs in demo mode."""
    if app.extensions["gateway.config"].demo:
        app.register_blueprint(blueprint)
