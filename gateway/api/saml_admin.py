"""Admin API: an account's SAML configuration, IdP metadata upload, SP key rotation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from gateway.api import examples
from gateway.api.auth import managed_account, store
from gateway.api.registry import api
from gateway.http import json_body
from gateway.saml.idp_metadata import CertificateChoice, choose_certificates, parse_idp_metadata
from gateway.sso.config import (
    ENTITY_ID_FORMS,
    ZOOM_NAMES,
    SamlConfig,
    SamlConfigInvalid,
    parse_config,
    require_vanity,
)
from gateway.sso.keys import publish_next_key
from gateway.sso.service import SsoService
from gateway.store.records import Account

# Only to show each entity ID choice of an account that has no configuration yet.
DEFAULT = SamlConfig(idp_entity_id="", sign_in_url="", certificates=())
CONFIG_BODY = examples.saml_config_schema()
METADATA_TYPES = ("application/samlmetadata+xml", "application/xml", "text/xml")


def _sso() -> SsoService:
    return current_app.extensions["gateway.sso"]  # type: ignore[no-any-return]


def _config_json(account_id: int) -> dict[str, object]:
    account = store().get_account(account_id)
    found = store().get_saml_config(account_id)
    config = parse_config(found[0], stored=True) if found else None
    urls = _sso().urls(account, None, config)
    return {
        "config": None if config is None else config.to_dict(),
        "version": None if found is None else found[1],
        "settings": [] if config is None else zoom_settings(config),
        "sp": {
            "entity_id": urls.entity_id,
            "entity_id_choices": {
                form: _sso()
                .urls(account, None, replace(config or DEFAULT, sp_entity_id_form=form))
                .entity_id
                for form in ENTITY_ID_FORMS
            },
            "acs_url": urls.acs_url,
            "acs_urls": [urls.acs_url, *urls.other_acs_urls],
            "slo_url": urls.slo_url,
            "metadata_url": urls.metadata_url,
            "metadata_served_at": _sso().local_metadata_url(account),
            "keys": [
                {"state": k.state, "certificate_pem": k.certificate_pem}
                for k in store().sp_keys(account_id)
            ],
        },
    }


def zoom_settings(config: SamlConfig) -> list[dict[str, Any]]:
    """The SSO page's settings by Zoom's names, each with the gateway field and its value."""
    values = config.to_dict()
    return [
        {"zoom_name": zoom_name, "field": name, "value": values[name]}
        for name, zoom_name in ZOOM_NAMES.items()
        if zoom_name is not None
    ]


def save_settings(account: Account, data: Any, *, actor: str, stored: bool = False) -> SamlConfig:
    """Validate and store the account's SSO settings (a whole document; ``stored``: the stored
    document with changes, read as ``parse_config`` reads stored ones).

    Raises SamlConfigInvalid naming the field, VanityRequired when SSO would be enabled on an
    account without a vanity URL.
    """
    config = parse_config(data, stored=stored)
    if config.enabled:
        require_vanity(account.vanity, account.name)
    store().put_saml_config(account.id, config.to_dict(), actor=actor)
    return config


@api.route(
    "/accounts/<int:account_id>/saml",
    "GET",
    "The account's SAML configuration and its SP endpoints",
    tag="saml",
)
def get_saml(account_id: int) -> ResponseReturnValue:
    managed_account(account_id)
    return jsonify(_config_json(account_id))


@api.route(
    "/accounts/<int:account_id>/saml",
    "PUT",
    "Set the account's SAML configuration",
    tag="saml",
    body=CONFIG_BODY,
    example=examples.SAML_CONFIG,
    errors=("invalid_saml_config", "vanity_required"),
)
def put_saml(account_id: int) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    save_settings(account, json_body(), actor=caller.actor)
    return jsonify(_config_json(account_id))


@api.route(
    "/accounts/<int:account_id>/saml/metadata",
    "POST",
    "Set the IdP side of the configuration from uploaded IdP metadata XML (never fetched)",
    tag="saml",
    body={"type": "string", "description": "The IdP's metadata: an md:EntityDescriptor"},
    media=METADATA_TYPES,
    example=examples.IDP_METADATA,
    errors=("malformed_xml", "too_large", "invalid_saml_config"),
)
def import_metadata(account_id: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    imported = import_idp_metadata(account_id, request.get_data(), actor=caller.actor)
    report = [asdict(c) for c in imported.certificates]
    return jsonify({**_config_json(account_id), "imported_certificates": report})


@dataclass(frozen=True)
class MetadataImport:
    """The configuration an IdP metadata import saved, and what it did with each certificate."""

    config: SamlConfig
    certificates: tuple[CertificateChoice, ...]


def import_idp_metadata(account_id: int, xml: bytes, *, actor: str) -> MetadataImport:
    """Merge an IdP's metadata into the account's configuration (other settings are kept).

    Of more than two signing certificates, the first two valid now (document order) are kept.
    """
    info = parse_idp_metadata(xml)
    found = store().get_saml_config(account_id)
    current = dict(found[0]) if found else {}
    offered = {"Redirect": info.sso_url_redirect, "POST": info.sso_url_post}
    binding = current.get("binding") if offered.get(current.get("binding", "")) else None
    binding = binding or ("Redirect" if info.sso_url_redirect else "POST")
    if not offered[binding]:
        raise SamlConfigInvalid(
            "The IdP metadata has no SingleSignOnService (HTTP-Redirect or HTTP-POST).",
            field="metadata",
        )
    certificates, report = choose_certificates(info.certificates, store().clock.now())
    current.update(
        idp_entity_id=info.entity_id,
        sign_in_url=offered[binding],
        certificates=list(certificates),
        binding=binding,
    )
    if info.slo_url:
        current["sign_out_url"] = info.slo_url
    config = parse_config(current, stored=found is not None)
    store().put_saml_config(account_id, config.to_dict(), actor=actor)
    return MetadataImport(config, report)


@api.route(
    "/accounts/<int:account_id>/saml/sp-key/<action>",
    "POST",
    "SP signing key: publish the next certificate, rotate to it, or roll back",
    tag="saml",
    errors=("no_next_key", "no_previous_key", "unknown_action"),
)
def sp_key(account_id: int, action: str) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    _sso().sp(account)  # make sure a current key exists before any rotation
    if action == "next":
        publish_next_key(store(), account_id, actor=caller.actor)
    elif action == "rotate":
        store().rotate_sp_key(account_id, actor=caller.actor)
    elif action == "rollback":
        store().rollback_sp_key(account_id, actor=caller.actor)
    else:
        raise SamlConfigInvalid(
            "The SP key actions are next, rotate and rollback.", code="unknown_action"
        )
    return jsonify(_config_json(account_id))
