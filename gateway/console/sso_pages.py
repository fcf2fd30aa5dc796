"""Console pages: the account's SAML configuration, IdP metadata upload, SP metadata."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Response, current_app, request
from flask.typing import ResponseReturnValue

from gateway.api.saml_admin import import_idp_metadata, save_settings
from gateway.console import session
from gateway.console.session import Console, store
from gateway.console.web import blueprint, done, page, posted, refusal_status
from gateway.errors import BadRequest, GatewayError
from gateway.saml.idp_metadata import CertificateChoice
from gateway.saml.types import SignaturePolicy
from gateway.sso.config import (
    BINDINGS,
    ENTITY_ID_FORMS,
    FLAGS,
    PROFILE_FIELDS,
    PROVISIONING,
    SIGNATURE_HASHES,
    ZOOM_NAMES,
    SamlConfig,
    parse_config,
)
from gateway.sso.service import SsoService

END_CERT = "-----END CERTIFICATE-----"
# Checked on a new configuration (the others start unchecked, as on Zoom's page).
FLAGS_ON_BY_DEFAULT = ("enabled", "sign_request", "sign_logout_request", "allow_idp_initiated")
CHOICE_LABELS = {
    "binding": {"Redirect": "HTTP-Redirect", "POST": "HTTP-POST"},
    "provisioning": {"jit": "At Sign-In", "prior": "Prior to Sign-In"},
}


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
    imported: tuple[CertificateChoice, ...] = (),
) -> Response:
    """The SSO page: the stored (or just refused) configuration and the SP's endpoints."""
    account = console.acting
    found = store().get_saml_config(account.id)
    stored = parse_config(found[0], stored=True) if found else None
    config = draft if draft is not None else (stored.to_dict() if stored else {})
    return page(
        "sso.html",
        console,
        status,
        errors=errors or {},
        imported=imported,
        config=config,
        version=found[1] if found else None,
        sp=_sso().urls(account, None, stored),
        metadata_here=_sso().local_metadata_url(account),
        entity_ids={
            form: _sso().urls(account, None, _with_form(stored, form)).entity_id
            for form in ENTITY_ID_FORMS
        },
        choices={
            "binding": BINDINGS,
            "signature_hash": SIGNATURE_HASHES,
            "provisioning": PROVISIONING,
            "signatures": [p.value for p in SignaturePolicy],
        },
        labels=CHOICE_LABELS,
        zoom_names=ZOOM_NAMES,
        flags=FLAGS,
        flags_on=FLAGS_ON_BY_DEFAULT,
        profile_fields=PROFILE_FIELDS,
    )


def _with_form(config: SamlConfig | None, form: str) -> SamlConfig:
    base = config or SamlConfig(idp_entity_id="", sign_in_url="", certificates=())
    return replace(base, sp_entity_id_form=form)


@blueprint.post("/sso")
def save_sso() -> ResponseReturnValue:
    console = posted()
    draft = form_config()
    try:
        save_settings(console.acting, draft, actor=console.caller.actor)
    except GatewayError as e:
        return sso_page(console, {"config": e}, refusal_status(e), draft)
    return done("sso", "sso_saved")


def form_config() -> dict[str, Any]:
    """The SAML configuration document the form describes (validated by ``parse_config``)."""
    form = request.form
    text = form.get("certificates", "")
    certificates = [c.strip() + "\n" + END_CERT for c in text.split(END_CERT) if c.strip()]
    skew = form.get("skew_seconds", "120").strip()
    auto_logout = form.get("auto_logout_minutes", "").strip()
    data: dict[str, Any] = {
        "idp_entity_id": form.get("idp_entity_id", "").strip(),
        "sign_in_url": form.get("sign_in_url", "").strip(),
        "sign_out_url": form.get("sign_out_url", "").strip() or None,
        "certificates": certificates,
        "binding": form.get("binding", "Redirect"),
        "signatures": form.get("signatures", "either"),
        "provisioning": form.get("provisioning", "jit"),
        "sp_entity_id_form": form.get("sp_entity_id_form", "metadata_url"),
        "signature_hash": form.get("signature_hash", "SHA-256"),
        "auto_logout_minutes": (
            int(auto_logout) if auto_logout.isdigit() else (auto_logout or None)
        ),
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
        result = import_idp_metadata(console.acting.id, xml, actor=console.caller.actor)
    except GatewayError as e:
        return sso_page(console, {"metadata": e}, refusal_status(e))
    if len(result.certificates) > len(result.config.certificates):
        return sso_page(console, imported=result.certificates)  # says which were kept
    return done("sso", "metadata_imported")
