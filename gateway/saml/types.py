"""Plain data handed in and out of the SAML core: trust settings and the verified assertion."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class SignaturePolicy(enum.StrEnum):
    """Which signatures a response must carry; a signature present is always verified."""

    EITHER = "either"  # response or assertion (an unsigned assertion in a signed response is ok)
    RESPONSE = "response"  # the Response must be signed
    ASSERTION = "assertion"  # the Assertion must be signed
    BOTH = "both"  # both must be signed


@dataclass(frozen=True, slots=True)
class IdpTrust:
    """What the SP trusts about one IdP: its entity ID, its certificates and the rules."""

    entity_id: str
    certificates: tuple[str, ...]  # PEM; two during a certificate rotation
    signatures: SignaturePolicy = SignaturePolicy.EITHER
    allow_sha1: bool = False
    skew_seconds: int = 120
    allow_unsolicited: bool = False

    def __post_init__(self) -> None:
        if not 1 <= len(self.certificates) <= 2:
            raise ValueError("IdpTrust needs one or two IdP certificates")
        if self.skew_seconds < 0:
            raise ValueError("skew_seconds must not be negative")


@dataclass(frozen=True, slots=True)
class SpIdentity:
    """The SP as an assertion consumer: entity ID, ACS URL and decryption key(s)."""

    entity_id: str
    acs_url: str
    decryption_key_pem: str | None = None
    previous_decryption_key_pem: str | None = None  # still accepted during a key rollover
    # The SP's other ACS addresses (by path, by host) a response may name as well.
    other_acs_urls: tuple[str, ...] = ()
    # False: an EncryptedAssertion is refused before any decryption is tried.
    accept_encrypted: bool = True

    def acs_urls(self) -> tuple[str, ...]:
        """Every ACS address a response may name as Destination and Recipient, usual first."""
        return (self.acs_url, *self.other_acs_urls)

    def decryption_keys(self) -> tuple[str, ...]:
        """The PEM private keys to try for an EncryptedAssertion, current first."""
        keys = (self.decryption_key_pem, self.previous_decryption_key_pem)
        return tuple(k for k in keys if k)


@dataclass(frozen=True, slots=True)
class SamlAttribute:
    """One attribute of the assertion with all its values, in document order."""

    name: str
    friendly_name: str | None
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VerifiedAssertion:
    """An assertion whose signature, issuer, audience, timing and replay were all checked."""

    issuer: str
    name_id: str
    name_id_format: str | None
    attributes: tuple[SamlAttribute, ...]
    session_index: str | None
    assertion_id: str
    in_response_to: str | None
    not_on_or_after: dt.datetime
    authn_instant: dt.datetime | None
    response_signed: bool
    assertion_signed: bool
    encrypted: bool
    # The configured IdP certificates (PEM) that verified the response's and the assertion's
    # signatures (None: not signed), for the response log's description.
    signed_with: tuple[str | None, str | None] = field(default=(None, None), repr=False)

    def values(self, name: str) -> tuple[str, ...]:
        """All values of the attributes whose Name or FriendlyName is ``name``."""
        found: list[str] = []
        for attribute in self.attributes:
            if name in (attribute.name, attribute.friendly_name):
                found.extend(attribute.values)
        return tuple(found)
