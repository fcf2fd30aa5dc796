"""An account's SAML configuration: validated plain data, stored as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from gateway.errors import BadRequest
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


class SamlConfigInvalid(BadRequest):
    """The SAML configuration sent is not usable; the message names the field."""

    code = "invalid_saml_config"


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

    def to_dict(self) -> dict[str, Any]:
        """The stored and returned form."""
        data = asdict(self)
        data["certificates"] = list(self.certificates)
        return data


def parse_config(data: Any) -> SamlConfig:
    """Validate a configuration document; raises SamlConfigInvalid naming the field."""
    if not isinstance(data, dict):
        raise SamlConfigInvalid("The SAML configuration must be a JSON object.")
    known = set(SamlConfig.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise SamlConfigInvalid(
            f"Unknown SAML settings {unknown}; known: {sorted(known)}.", field=unknown[0]
        )
    for name in ("idp_entity_id", "sign_in_url"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise SamlConfigInvalid(f"'{name}' is required.", field=name)
    certificates = data.get("certificates")
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
    _check_choice(data, "binding", BINDINGS)
    _check_choice(data, "signatures", tuple(p.value for p in SignaturePolicy))
    _check_choice(data, "provisioning", PROVISIONING)
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
    for flag in ("allow_sha1", "allow_idp_initiated", "update_names_every_login"):
        if flag in data and not isinstance(data[flag], bool):
            raise SamlConfigInvalid(f"'{flag}' is true or false.", field=flag)
    return SamlConfig(**{**data, "certificates": tuple(certificates)})


def _check_choice(data: dict[str, Any], name: str, choices: tuple[str, ...]) -> None:
    if name in data and data[name] not in choices:
        raise SamlConfigInvalid(f"'{name}' is one of {', '.join(choices)}.", field=name)
