"""An account's SAML configuration: validated plain data, stored as JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from gateway.errors import BadRequest, ConflictError, Forbidden
from gateway.saml import ns
from gateway.saml.sp import Signing
from gateway.saml.types import IdpTrust, SignaturePolicy

PROFILE_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "display_name",
    "pronouns",
    "phone",
    "department",
    "job_title",
    "location",
    "cost_center",
    "employee_unique_id",
    "manager",
)
BINDINGS = ("POST", "Redirect")
PROVISIONING = ("jit", "prior")
# How the SP names itself to the IdP: Zoom's two forms, or this gateway's metadata URL.
ENTITY_ID_FORMS = ("metadata_url", "vanity_host", "https_vanity_host")
SIGNATURE_HASHES = ("SHA-256", "SHA-1")
AUTO_LOGOUT_MINUTES = (5, 43200)  # 5 minutes to 30 days (inferred bounds)
# Zoom's words for the same choices, accepted on input and stored in the gateway's form.
ALIASES = {
    "binding": {"HTTP-POST": "POST", "HTTP-Redirect": "Redirect"},
    "provisioning": {"at_sign_in": "jit", "prior_to_sign_in": "prior"},
    "signature_hash": {"SHA256": "SHA-256", "SHA1": "SHA-1"},
}
# Each field of the SSO page by the name Zoom's SSO page gives it (None: the gateway's own).
ZOOM_NAMES: dict[str, str | None] = {
    "enabled": "Enable Single Sign-On",
    "sign_in_url": "Sign-in page URL",
    "sign_out_url": "Sign-out page URL",
    "certificates": "Identity provider certificate",
    "idp_entity_id": "Issuer (IDP Entity ID)",
    "binding": "Binding",
    "signature_hash": "Signature Hash Algorithm",
    "sp_entity_id_form": "Service Provider (SP) Entity ID",
    "sign_request": "Sign SAML request",
    "sign_logout_request": "Sign SAML Logout request",
    "support_encrypted_assertions": "Also support encrypted assertions",
    "auto_logout_minutes": "Enforce automatic logout after",
    "save_response_logs": "Save SAML response logs on user sign-in",
    "provisioning": "Provision User",
    "update_names_every_login": None,
    "signatures": None,
    "skew_seconds": None,
    "allow_sha1": None,
    "allow_idp_initiated": None,
    "attribute_map": None,
}
_ALGORITHMS = {"SHA-256": ns.RSA_SHA256, "SHA-1": ns.RSA_SHA1}
FLAGS = (
    "enabled",
    "sign_request",
    "sign_logout_request",
    "support_encrypted_assertions",
    "save_response_logs",
    "allow_sha1",
    "allow_idp_initiated",
    "update_names_every_login",
)


class SamlConfigInvalid(BadRequest):
    """The SAML configuration sent is not usable; the message names the field."""

    code = "invalid_saml_config"


class VanityRequired(ConflictError):
    """SSO on an account without a vanity URL (Zoom requires an approved vanity first)."""

    code = "vanity_required"


class SsoDisabled(Forbidden):
    """The account's SSO is configured but switched off."""

    code = "sso_disabled"


def require_vanity(vanity: str | None, name: str) -> None:
    """Raise VanityRequired when the account has no vanity URL."""
    if not vanity:
        raise VanityRequired(
            f"{name} has no vanity URL, and SSO can be enabled only on an account with one "
            "(as on Zoom, where an approved vanity URL comes first). Set the account's vanity, "
            "then enable SSO.",
            field="enabled",
        )


@dataclass(frozen=True)
class SamlConfig:
    """What the account's admins set on the SSO page."""

    idp_entity_id: str
    sign_in_url: str
    certificates: tuple[str, ...]
    sign_out_url: str | None = None
    binding: str = "Redirect"
    signatures: str = "either"
    skew_seconds: int = 120
    allow_sha1: bool = False
    allow_idp_initiated: bool = True
    provisioning: str = "jit"
    update_names_every_login: bool = False
    # Basic mapping: profile field -> SAML attribute Name or FriendlyName ("" = not mapped).
    attribute_map: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    sp_entity_id_form: str = "metadata_url"
    signature_hash: str = "SHA-256"  # for what the gateway signs
    sign_request: bool = True
    sign_logout_request: bool = True
    support_encrypted_assertions: bool = False
    auto_logout_minutes: int | None = None  # None: sessions last the gateway's usual 8 hours
    save_response_logs: bool = False

    def trust(self) -> IdpTrust:
        """The verification rules for the SAML core."""
        return IdpTrust(
            entity_id=self.idp_entity_id,
            certificates=self.certificates,
            signatures=SignaturePolicy(self.signatures),
            allow_sha1=self.allow_sha1,
            skew_seconds=self.skew_seconds,
            allow_unsolicited=self.allow_idp_initiated,
        )

    def request_signing(self) -> Signing:
        """How the AuthnRequest is signed ("Sign SAML request", "Signature Hash Algorithm")."""
        return Signing(self.sign_request, _ALGORITHMS[self.signature_hash])

    def logout_signing(self) -> Signing:
        """How LogoutRequests and LogoutResponses are signed ("Sign SAML Logout request")."""
        return Signing(self.sign_logout_request, _ALGORITHMS[self.signature_hash])

    def session_ttl(self, usual: dt.timedelta) -> dt.timedelta:
        """How long an SSO session lasts: the enforced automatic logout, else ``usual``."""
        if self.auto_logout_minutes is None:
            return usual
        return dt.timedelta(minutes=self.auto_logout_minutes)

    def to_dict(self) -> dict[str, Any]:
        """The stored and returned form."""
        data = asdict(self)
        data["certificates"] = list(self.certificates)
        return data


def parse_config(data: Any, *, stored: bool = False) -> SamlConfig:
    """Validate a configuration document; raises SamlConfigInvalid naming the field.

    ``stored``: a document read back from the store. One saved before encrypted assertions
    became a setting keeps accepting them, as it did; a new document follows Zoom (off).
    """
    data = _normalised(data, stored=stored)
    _check_addresses(data)
    certificates = _certificates(data.get("certificates"))
    _check_options(data)
    return SamlConfig(**{**data, "certificates": certificates})


def _normalised(data: Any, *, stored: bool) -> dict[str, Any]:
    """The document with Zoom's words in the gateway's, refusing unknown settings."""
    if not isinstance(data, dict):
        raise SamlConfigInvalid("The SAML configuration must be a JSON object.")
    document: dict[str, Any] = {
        k: ALIASES.get(k, {}).get(v, v) if isinstance(v, str) else v for k, v in data.items()
    }
    if stored:
        document.setdefault("support_encrypted_assertions", True)
    if document.get("sign_out_url") == "":
        document["sign_out_url"] = None
    known = set(SamlConfig.__dataclass_fields__)
    unknown = sorted(set(document) - known)
    if unknown:
        raise SamlConfigInvalid(
            f"Unknown SAML settings {unknown}; known: {sorted(known)}.", field=unknown[0]
        )
    return document


def _check_addresses(data: dict[str, Any]) -> None:
    for name in ("idp_entity_id", "sign_in_url"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise SamlConfigInvalid(f"'{name}' is required.", field=name)
    # Browsers are sent to both: a javascript: or data: URL would run in the gateway's origin.
    if not _is_web_url(data["sign_in_url"].strip()):
        raise SamlConfigInvalid(
            "'sign_in_url' is the IdP's http(s) sign-in page URL.", field="sign_in_url"
        )
    sign_out = data.get("sign_out_url")
    if sign_out is not None and not _is_web_url(sign_out):
        raise SamlConfigInvalid(
            "'sign_out_url' is the IdP's http(s) Single Logout URL, or empty for local "
            "sign-out only.",
            field="sign_out_url",
        )


def _is_web_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _certificates(certificates: Any) -> tuple[str, ...]:
    if isinstance(certificates, str):
        certificates = [certificates]
    if (
        not isinstance(certificates, list)
        or not 1 <= len(certificates) <= 2
        or not all(isinstance(c, str) and "BEGIN CERTIFICATE" in c for c in certificates)
    ):
        raise SamlConfigInvalid(
            "'certificates' must hold one or two PEM IdP signing "
            "certificates (two during a rotation).",
            field="certificates",
        )
    return tuple(certificates)


def _check_options(data: dict[str, Any]) -> None:
    _check_choice(data, "binding", BINDINGS)
    _check_choice(data, "signatures", tuple(p.value for p in SignaturePolicy))
    _check_choice(data, "provisioning", PROVISIONING)
    _check_choice(data, "sp_entity_id_form", ENTITY_ID_FORMS)
    _check_choice(data, "signature_hash", SIGNATURE_HASHES)
    _check_auto_logout(data.get("auto_logout_minutes"))
    skew = data.get("skew_seconds", 120)
    if isinstance(skew, bool) or not isinstance(skew, int) or not 0 <= skew <= 3600:
        raise SamlConfigInvalid("'skew_seconds' is 0 to 3600.", field="skew_seconds")
    attribute_map = data.get("attribute_map", {})
    if not isinstance(attribute_map, dict) or not all(
        k in PROFILE_FIELDS and isinstance(v, str) for k, v in attribute_map.items()
    ):
        raise SamlConfigInvalid(
            f"'attribute_map' maps {', '.join(PROFILE_FIELDS)} to SAML attribute names.",
            field="attribute_map",
        )
    for flag in FLAGS:
        if flag in data and not isinstance(data[flag], bool):
            raise SamlConfigInvalid(f"'{flag}' is true or false.", field=flag)


def _check_choice(data: dict[str, Any], name: str, choices: tuple[str, ...]) -> None:
    if name in data and data[name] not in choices:
        raise SamlConfigInvalid(f"'{name}' is one of {', '.join(choices)}.", field=name)


def _check_auto_logout(minutes: Any) -> None:
    low, high = AUTO_LOGOUT_MINUTES
    if minutes is None:
        return
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not low <= minutes <= high:
        raise SamlConfigInvalid(
            f"'auto_logout_minutes' is {low} to {high} minutes, or null for no enforced logout.",
            field="auto_logout_minutes",
        )
