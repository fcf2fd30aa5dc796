"""Admin API: an account's SAML configuration, IdP metadata upload, SP key rotation."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from gateway.api.auth import managed_account, store
from gateway.api.registry import api
from gateway.http import json_body
from gateway.saml.idp_metadata import parse_idp_metadata
from gateway.sso.config import SamlConfig, SamlConfigInvalid, parse_config
from gateway.sso.keys import publish_next_key
from gateway.sso.service import SsoService

CONFIG_BODY = {"type": "object", "required": ["idp_entity_id", "sign_in_url", "certificates"]}


def _sso() -> SsoService:
    return current_app.extensions["gateway.sso"]  # type: ignore[no-any-return]


def _config_json(account_id: int) -> dict[str, object]:
    account = store().get_account(account_id)
    found = store().get_saml_config(account_id)
    urls = _sso().urls(account)
    return {
        "config": None if found is None else found[0],
        "version": None if found is None else found[1],
        "sp": {
            "entity_id": urls.entity_id,
            "acs_url": urls.acs_url,
            "slo_url": urls.slo_url,
            "metadata_url": urls.entity_id,
            "keys": [
                {"state": k.state, "certificate_pem": k.certificate_pem}
                for k in store().sp_keys(account_id)
            ],
        },
    }


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
    errors=("invalid_saml_config",),
)
def put_saml(account_id: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    config = parse_config(json_body())
    store().put_saml_config(account_id, config.to_dict(), actor=caller.actor)
    return jsonify(_config_json(account_id))


@api.route(
    "/accounts/<int:account_id>/saml/metadata",
    "POST",
    "Set the IdP side of the configuration from uploaded IdP metadata XML (never fetched)",
    tag="saml",
    body={"type": "string", "description": "IdP EntityDescriptor XML"},
    errors=("malformed_xml", "too_large", "invalid_saml_config"),
)
def import_metadata(account_id: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    import_idp_metadata(account_id, request.get_data(), actor=caller.actor)
    return jsonify(_config_json(account_id))


def import_idp_metadata(account_id: int, xml: bytes, *, actor: str) -> SamlConfig:
    """Merge an IdP's metadata into the account's configuration (other settings are kept)."""
    info = parse_idp_metadata(xml)
    sign_in_url = info.sso_url_redirect or info.sso_url_post
    if not sign_in_url or not info.certificates:
        raise SamlConfigInvalid(
            "The IdP metadata has no SingleSignOnService or no signing certificate.",
            field="metadata",
        )
    found = store().get_saml_config(account_id)
    current = dict(found[0]) if found else {}
    current.update(
        idp_entity_id=info.entity_id,
        sign_in_url=sign_in_url,
        certificates=list(info.certificates[:2]),
        binding="Redirect" if info.sso_url_redirect else "POST",
    )
    if info.slo_url:
        current["sign_out_url"] = info.slo_url
    config = parse_config(current)
    store().put_saml_config(account_id, config.to_dict(), actor=actor)
    return config


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
