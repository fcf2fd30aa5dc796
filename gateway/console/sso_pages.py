"""Console pages: the account's SAML configuration, IdP metadata upload, SP metadata."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.typing import ResponseReturnValue

from gateway.api.saml_admin import import_idp_metadata
from gateway.console import session
from gateway.console.session import Console, store
from gateway.console.web import blueprint, done, page, posted, refusal_status
from gateway.errors import BadRequest, GatewayError
from gateway.saml.types import SignaturePolicy
from gateway.sso.config import BINDINGS, PROFILE_FIELDS, PROVISIONING, parse_config
from gateway.sso.service import SsoService

FLAGS = ("allow_idp_initiated", "allow_sha1", "update_names_every_login")
END_CERT = "-----END CERTIFICATE-----"


def _sso() -> SsoService:
    return current_app.extensions["gateway.sso"]  # type: ignore[no-any-return]


@blueprint.get("/sso")
def sso() -> ResponseReturnValue:
    return sso_page(session.require())


def sso_page(
    console: Console,
    errors: dict[str, GatewayError] | None = None,
    status: int = 200,
    draft: dict[str, Any] | None = None,
) -> Response:
    """The SSO page: the stored (or just refused) configuration and the SP's endpoints."""
    account = console.acting
    found = store().get_saml_config(account.id)
    config = draft if draft is not None else (found[0] if found else {})
    return page(
        "sso.html",
        console,
        status,
        errors=errors or {},
        config=config,
        version=found[1] if found else None,
        sp=_sso().urls(account),
        choices={
            "binding": BINDINGS,
            "signatures": [p.value for p in SignaturePolicy],
            "provisioning": PROVISIONING,
        },
        flags=FLAGS,
        profile_fields=PROFILE_FIELDS,
    )


@blueprint.post("/sso")
def save_sso() -> ResponseReturnValue:
    console = posted()
    draft = form_config()
    try:
        config = parse_config(draft)
        store().put_saml_config(console.acting.id, config.to_dict(), actor=console.caller.actor)
    except GatewayError as e:
        return sso_page(console, {"config": e}, refusal_status(e), draft)
    return done("sso", "sso_saved")


def form_config() -> dict[str, Any]:
    """The SAML configuration document the form describes (validated by ``parse_config``)."""
    form = request.form
    text = form.get("certificates", "")
    certificates = [c.strip() + "\n" + END_CERT for c in text.split(END_CERT) if c.strip()]
    skew = form.get("skew_seconds", "120").strip()
    data: dict[str, Any] = {
        "idp_entity_id": form.get("idp_entity_id", "").strip(),
        "sign_in_url": form.get("sign_in_url", "").strip(),
        "sign_out_url": form.get("sign_out_url", "").strip() or None,
        "certificates": certificates,
        "binding": form.get("binding", "Redirect"),
        "signatures": form.get("signatures", "either"),
        "provisioning": form.get("provisioning", "jit"),
        "skew_seconds": int(skew) if skew.isdigit() else skew,
        "attribute_map": {
            name: form.get(f"attr_{name}", "").strip()
            for name in PROFILE_FIELDS
            if form.get(f"attr_{name}", "").strip()
        },
    }
    data.update({flag: form.get(flag) == "on" for flag in FLAGS})
    return data


@blueprint.post("/sso/metadata")
def upload_metadata() -> ResponseReturnValue:
    console = posted()
    upload = request.files.get("metadata_file")
    xml = upload.read() if upload is not None and upload.filename else b""
    xml = xml or request.form.get("metadata_xml", "").encode()
    try:
        if not xml.strip():
            raise BadRequest("Choose a metadata file or paste its XML.", code="metadata_missing")
        import_idp_metadata(console.acting.id, xml, actor=console.caller.actor)
    except GatewayError as e:
        return sso_page(console, {"metadata": e}, refusal_status(e))
    return done("sso", "metadata_imported")
