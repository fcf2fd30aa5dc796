"""The demo IdP (demo mode): personas signed by the test IdP, posted to an account's ACS."""

from __future__ import annotations

import pathlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from flask import Blueprint, Flask, current_app, render_template_string, request
from flask.typing import ResponseReturnValue

from gateway.config import GatewayConfig
from gateway.errors import BadRequest
from gateway.saml import ns
from gateway.saml.redirect import inflate_message, raw_query_fields, verify_redirect_signature
from gateway.saml.xmlparse import decode_base64, parse_xml
from gateway.saml.xmlsign import verify_posted_message
from gateway.sso.addresses import vanity_from_entity_id
from gateway.sso.service import SsoService
from gateway.store.errors import NotFound
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
        "Hana: global_users + HIPAA (the seed's example: routed to Acme Healthcare, "
        "Licensed, large meetings)",
        "hana@acme.test",
        {"memberOf": ["global_users", "HIPAA"], "givenName": ["Hana"]},
    ),
    Persona(
        "Paul: HIPAA only (partial match: nothing of the rule, stays in Acme without a license)",
        "paul@acme.test",
        {"memberOf": ["HIPAA"], "givenName": ["Paul"]},
    ),
    Persona(
        "Ada: global_users + engineering (partial match: no license; group Engineering)",
        "ada@acme.test",
        {"memberOf": ["global_users", "engineering"], "givenName": ["Ada"]},
    ),
    Persona(
        "Gina: a partner's email (activation by email required)",
        "gina@partner.test",
        {"memberOf": ["global_users"], "givenName": ["Gina"]},
    ),
    Persona(
        "Ivy: IT admin (global_users + it-admins: role Admin, may use the console)",
        "ivy@acme.test",
        {"memberOf": ["global_users", "it-admins"], "givenName": ["Ivy"], "sn": ["Admin"]},
    ),
)

# The seed's rule: a user asserting global_users AND one of HIPAA, Developer, Tester is routed
# into the healthcare sub-account with a license and the meeting add-ons; a partial match gets
# none of it. Routed users get only the meeting license and meeting add-ons from the master.
SEED_CONDITIONS: list[dict[str, Any]] = [
    {"attribute": "memberOf", "values": ["global_users"], "operator": "equals"},
    {"attribute": "memberOf", "values": ["HIPAA", "Developer", "Tester"], "operator": "equals"},
]

DEMO_RULES: list[dict[str, Any]] = [
    {
        "category": "sub_account",
        "name": "seed example: healthcare",
        "conditions": SEED_CONDITIONS,
        "result": "acme-health",
    },
    {
        "category": "license",
        "name": "seed example: meeting license",
        "conditions": SEED_CONDITIONS,
        "result": "Licensed",
    },
    {
        "category": "addon:large_meeting",
        "name": "seed example: meeting add-on",
        "conditions": SEED_CONDITIONS,
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


# The demo IdP's identity does not depend on the URL the gateway is served at: an account that
# trusts it keeps trusting it when ``make run`` is given another port or public URL.
DEMO_IDP_ENTITY_ID = "urn:gateway:demo-idp"


def demo_idp(config: GatewayConfig) -> TestIdP:
    """The demo IdP, its key pair kept under ``idp_key_dir`` (the same whatever the URL)."""
    return TestIdP(DEMO_IDP_ENTITY_ID, key_dir=pathlib.Path(config.idp_key_dir))


def demo_sign_in_url(config: GatewayConfig) -> str:
    """Where the demo IdP's sign-in page is, for the gateway served at ``public_url``."""
    return f"{config.public_url.rstrip('/')}/idp"


def signed_response(
    sso: SsoService,
    account: Account,
    name_id: str,
    attributes: dict[str, list[str]],
    in_response_to: str | None = None,
) -> tuple[str, str]:
    """A response from the demo IdP for the account's ACS: (base64 SAMLResponse, ACS URL)."""
    urls = sso.urls(account)
    response = demo_idp(sso.config).make_response(
        sp_entity_id=urls.entity_id,
        acs_url=urls.acs_url,
        name_id=name_id,
        attributes=attributes,
        in_response_to=in_response_to,
        now=sso.clock.now(),
    )
    return response, urls.acs_url


@dataclass(frozen=True)
class AuthnRequestInfo:
    """An SP-initiated sign-in the demo IdP received: whose, which request, where to return."""

    account: Account
    request_id: str
    relay_state: str | None


def read_authn_request(
    sso: SsoService, query: str, posted: Mapping[str, str] | None = None
) -> AuthnRequestInfo:
    """The request ID, issuing account and RelayState of an AuthnRequest by HTTP-Redirect
    (``query``) or HTTP-POST (the ``posted`` form), its signature checked as the account signs
    ("Sign SAML request", "Signature Hash Algorithm").

    Raises BadRequest ``invalid_authn_request`` or a SamlError (signature, XML, size).
    """
    # Nothing else of the request is used: the response always goes to the account's own ACS.
    fields = raw_query_fields(query) if posted is None else dict(posted)
    value = fields.get("SAMLRequest", "")
    root = parse_xml(
        inflate_message(unquote_plus(value)) if posted is None else decode_base64(value)
    )
    issuer = root.findtext(ns.saml("Issuer")) or ""
    found = vanity_from_entity_id(sso.config, issuer)  # any SP entity ID form
    if root.tag != ns.samlp("AuthnRequest") or not root.get("ID") or found is None:
        raise BadRequest(
            "The SAMLRequest is not an AuthnRequest from one of this gateway's accounts.",
            code="invalid_authn_request",
        )
    try:
        account = sso.store.find_account(found)
    except NotFound as e:
        raise BadRequest(f"No account issues {issuer}.", code="invalid_authn_request") from e
    config = sso.saml_config(account)
    if config.sign_request:
        certificate = (sso.sp(account).certificate_pem,)
        sha1 = config.signature_hash == "SHA-1"
        if posted is None:
            verify_redirect_signature(fields, "SAMLRequest", certificate, allow_sha1=sha1)
        else:
            verify_posted_message(root, certificate, allow_sha1=sha1)
    relay = fields.get("RelayState") or None
    if relay and posted is None:
        relay = unquote_plus(relay)
    return AuthnRequestInfo(account, str(root.get("ID")), relay)


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

PAGE = """{% extends "console/base.html" %}
{% block title %}Test IdP{% endblock %}
{% block main %}
<h1>Test IdP</h1>
<p class="hint">Demo mode only. Signs a real SAML response as the demo identity provider and
posts it to the account's ACS, as a user's browser would.</p>
{% if asked %}<p class="notice" role="status" data-testid="authn-request">Sign-in requested by
<strong>{{ asked.account.name }}</strong> (SP-initiated, request {{ asked.request_id[:12] }}…);
the response answers it and returns where the service provider asked.</p>{% endif %}
<form method="post" action="/idp/sign" class="card">
{% if asked and posted %}<input type="hidden" name="saml_post" value="{{ posted }}">
{% elif asked %}<input type="hidden" name="saml_query" value="{{ query }}">{% endif %}
{% if relay_state %}<input type="hidden" name="RelayState" value="{{ relay_state }}">{% endif %}
<label for="idp-account">Account (vanity)</label>
<input id="idp-account" name="account" required class="short"
 value="{{ asked.account.vanity or asked.account.number if asked else 'acme' }}"
 {% if asked %}readonly{% endif %}>
<fieldset><legend>Persona</legend>{% for p in personas %}
<label><input type="radio" name="persona" value="{{ loop.index0 }}"
 {% if loop.first %}checked{% endif %}> {{ p.label }}</label>{% endfor %}
<label><input type="radio" name="persona" value="custom"> Custom:</label>
<label for="idp-name-id">NameID</label>
<input id="idp-name-id" name="name_id" type="email" autocomplete="off">
<label for="idp-attributes">Attributes, one name=value a line</label>
<textarea id="idp-attributes" name="attributes" rows="4" class="mono"
 aria-describedby="idp-attributes-help"></textarea>
<p id="idp-attributes-help" class="hint">For example <code>memberOf=global_users</code>, then
<code>memberOf=HIPAA</code> on the next line.</p></fieldset>
<button type="submit">Sign in</button></form>
{% endblock %}"""
POST_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Posting</title>
<body onload="document.forms[0].submit()"><form method="post" action="{{ acs }}">
<input type="hidden" name="SAMLResponse" value="{{ response }}">
{% if relay_state %}<input type="hidden" name="RelayState" value="{{ relay_state }}">{% endif %}
<noscript><button type="submit">Continue</button></noscript></form></body></html>"""


def _sso() -> SsoService:
    return current_app.extensions["gateway.sso"]  # type: ignore[no-any-return]


@blueprint.get("/idp")
def page() -> ResponseReturnValue:
    """The personas; a SAMLRequest is answered, else a bare RelayState rides along.

    Raises BadRequest ``invalid_authn_request`` or a SamlError for a bad SAMLRequest.
    """
    query = request.query_string.decode()
    asked = read_authn_request(_sso(), query) if "SAMLRequest" in request.args else None
    relay_state = asked.relay_state if asked else request.args.get("RelayState")
    return render_template_string(
        PAGE, personas=PERSONAS, asked=asked, query=query, relay_state=relay_state
    )


@blueprint.post("/idp")
def page_posted() -> ResponseReturnValue:
    """The personas for an AuthnRequest sent by HTTP-POST (an account with that binding)."""
    asked = read_authn_request(_sso(), "", request.form)
    return render_template_string(
        PAGE,
        personas=PERSONAS,
        asked=asked,
        posted=request.form["SAMLRequest"],
        relay_state=asked.relay_state,
    )


@blueprint.get("/idp/metadata")
def metadata() -> ResponseReturnValue:
    config: GatewayConfig = current_app.extensions["gateway.config"]
    xml = demo_idp(config).metadata_xml(sso_url=demo_sign_in_url(config))
    return xml, 200, {"Content-Type": "application/samlmetadata+xml"}


@blueprint.post("/idp/sign")
def sign() -> ResponseReturnValue:
    sso = _sso()
    asked = _asked_in_form(sso)
    if asked is not None:
        account, relay_state = asked.account, asked.relay_state
    else:
        account = sso.store.find_account(request.form.get("account", "acme"))
        relay_state = request.form.get("RelayState") or None
    name_id, attributes = _persona()
    in_response_to = asked.request_id if asked else None
    response, acs = signed_response(sso, account, name_id, attributes, in_response_to)
    local_acs = sso.local_acs_path(account, acs)
    return render_template_string(
        POST_PAGE, acs=local_acs, response=response, relay_state=relay_state
    )


def _asked_in_form(sso: SsoService) -> AuthnRequestInfo | None:
    """The AuthnRequest the persona form carries along (Redirect query or POST), if any."""
    if query := request.form.get("saml_query", ""):
        return read_authn_request(sso, query)
    if posted := request.form.get("saml_post", ""):
        relay = request.form.get("RelayState", "")
        return read_authn_request(sso, "", {"SAMLRequest": posted, "RelayState": relay})
    return None


def _persona() -> tuple[str, dict[str, list[str]]]:
    """The NameID and attributes chosen in the form; raises BadRequest ``invalid_persona``."""
    choice = request.form.get("persona", "0")
    if choice == "custom":
        lines = [x for x in request.form.get("attributes", "").splitlines() if x.strip()]
        return request.form.get("name_id", ""), parse_attributes(lines)
    if choice.isdigit() and int(choice) < len(PERSONAS):
        return PERSONAS[int(choice)].name_id, PERSONAS[int(choice)].attributes
    raise BadRequest("Pick a persona or 'custom'.", code="invalid_persona")


def init_app(app: Flask) -> None:
    """Mount the demo IdP when the gateway runs in demo mode."""
    if app.extensions["gateway.config"].demo:
        app.register_blueprint(blueprint)
