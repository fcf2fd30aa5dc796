"""Basic mapping: the profile fields a SAML assertion gives, per the account's attribute map."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.errors import GatewayError
from gateway.saml.types import VerifiedAssertion
from gateway.sso.config import SamlConfig
from gateway.store.validation import normalize_email

# Fields kept in the user's profile document (the rest are columns of their own).
PROFILE_DOC_FIELDS = (
    "pronouns",
    "phone",
    "department",
    "job_title",
    "location",
    "cost_center",
    "manager",
)


class SignInRefused(GatewayError):
    """A verified response that still cannot sign anyone in; the code says why."""

    status = 403
    code = "sign_in_refused"


@dataclass(frozen=True)
class BasicProfile:
    """What basic mapping read from one assertion."""

    email: str
    first_name: str | None
    last_name: str | None
    display_name: str | None
    employee_id: str | None
    profile: dict[str, str] = field(default_factory=dict)


def _first(assertion: VerifiedAssertion, attribute: str | None) -> str | None:
    if not attribute:
        return None
    values = assertion.values(attribute)
    return values[0] if values else None


def basic_profile(config: SamlConfig, assertion: VerifiedAssertion) -> BasicProfile:
    """Read email, names and profile fields; raises SignInRefused ``missing_email``."""
    mapped = config.attribute_map
    raw_email = _first(assertion, mapped.get("email")) or assertion.name_id
    try:
        email = normalize_email(raw_email)
    except GatewayError as e:
        where = f"attribute '{mapped['email']}'" if mapped.get("email") else "the NameID"
        raise SignInRefused(
            f"The assertion's email ({where}: '{raw_email}') is not an email "
            "address. Send the user's email as NameID or map the attribute "
            "that carries it.",
            code="missing_email",
        ) from e
    profile = {
        name: value
        for name in PROFILE_DOC_FIELDS
        if (value := _first(assertion, mapped.get(name))) is not None
    }
    return BasicProfile(
        email=email,
        first_name=_first(assertion, mapped.get("first_name")),
        last_name=_first(assertion, mapped.get("last_name")),
        display_name=_first(assertion, mapped.get("display_name")),
        employee_id=_first(assertion, mapped.get("employee_unique_id")),
        profile=profile,
    )
