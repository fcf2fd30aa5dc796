"""The SP side of the protocol: metadata, signed AuthnRequest and Single Logout messages."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import textwrap
from dataclasses import dataclass
from typing import Any

import saml2.md as md
import saml2.saml as saml
import saml2.samlp as samlp
import saml2.xmldsig as xmldsig

from gateway.clock import Clock, SystemClock
from gateway.saml import ns
from gateway.saml.certs import pem_body
from gateway.saml.redirect import (
    signed_redirect_url,
)
from gateway.saml.types import SpIdentity
from gateway.saml.xmlsign import sign_message

_ENTITY_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
NAME_ID_FORMATS = (ns.NAMEID_EMAIL, ns.NAMEID_UNSPECIFIED, ns.NAMEID_PERSISTENT)


@dataclass(frozen=True, slots=True)
class SpSettings:
    """One account's SP: URLs, its signing/encryption key pair, and the next certificate."""

    entity_id: str
    acs_url: str
    slo_url: str
    private_key_pem: str
    certificate_pem: str
    next_certificate_pem: str | None = None  # published before use, during a rotation
    previous_private_key_pem: str | None = None  # kept to decrypt after a roll-forward
    # The account's other ACS and SLO addresses (by path, by host), listed in its metadata.
    other_acs_urls: tuple[str, ...] = ()
    other_slo_urls: tuple[str, ...] = ()

    def identity(self) -> SpIdentity:
        """The SP as an assertion consumer, for verify_response."""
        return SpIdentity(
            self.entity_id,
            self.acs_url,
            self.private_key_pem,
            self.previous_private_key_pem,
            other_acs_urls=self.other_acs_urls,
        )

    def slo_urls(self) -> tuple[str, ...]:
        """Every address of this SP's Single Logout endpoint."""
        return (self.slo_url, *self.other_slo_urls)


@dataclass(frozen=True, slots=True)
class Signing:
    """How the SP signs one kind of message: at all, and with which RSA algorithm."""

    sign: bool = True
    algorithm: str = ns.RSA_SHA256


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A SAML message on its way to the IdP: a Redirect URL, or a form to post."""

    binding: str  # "Redirect" or "POST"
    url: str  # the whole Redirect URL, or the form's action
    fields: tuple[tuple[str, str], ...] = ()  # POST form fields
    message_id: str = ""


def _key_descriptor(use: str, certificate_pem: str) -> md.KeyDescriptor:
    body = "\n".join(textwrap.wrap(pem_body(certificate_pem), 64))
    certificate = xmldsig.X509Certificate(text=f"\n{body}\n")
    key_info = xmldsig.KeyInfo(x509_data=[xmldsig.X509Data(x509_certificate=certificate)])
    return md.KeyDescriptor(use=use, key_info=key_info)


def sp_metadata_xml(
    settings: SpSettings, *, authn_requests_signed: bool = True, encryption: bool = True
) -> str:
    """SP metadata: entity ID, every ACS (POST), SLO (Redirect, POST), NameID formats, keys.

    The encryption key is published only when the account accepts encrypted assertions.
    """
    keys = [_key_descriptor("signing", settings.certificate_pem)]
    if settings.next_certificate_pem:
        keys.append(_key_descriptor("signing", settings.next_certificate_pem))
    if encryption:
        keys.append(_key_descriptor("encryption", settings.certificate_pem))
    consumers = [
        md.AssertionConsumerService(
            binding=ns.BINDING_POST,
            location=url,
            index=str(index),
            is_default="true" if index == 0 else None,
        )
        for index, url in enumerate((settings.acs_url, *settings.other_acs_urls))
    ]
    descriptor = md.SPSSODescriptor(
        protocol_support_enumeration=ns.SAMLP,
        authn_requests_signed="true" if authn_requests_signed else "false",
        want_assertions_signed="true",
        key_descriptor=keys,
        single_logout_service=[
            md.SingleLogoutService(binding=binding, location=settings.slo_url)
            for binding in (ns.BINDING_REDIRECT, ns.BINDING_POST)
        ],
        name_id_format=[md.NameIDFormat(text=f) for f in NAME_ID_FORMATS],
        assertion_consumer_service=consumers,
    )
    entity = md.EntityDescriptor(entity_id=settings.entity_id, spsso_descriptor=descriptor)
    xml: bytes = entity.to_string()
    return xml.decode()


def new_request_id() -> str:
    """A fresh, unguessable SAML message ID."""
    return f"_{secrets.token_hex(20)}"


def _header(settings: SpSettings, destination: str, clock: Clock | None) -> dict[str, Any]:
    """The fields every SP protocol message starts with (a fresh ID, now, issuer)."""
    now = (clock or SystemClock()).now().astimezone(dt.UTC)
    return {
        "id": new_request_id(),
        "version": "2.0",
        "issue_instant": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "destination": destination,
        "issuer": saml.Issuer(text=settings.entity_id, format=_ENTITY_FORMAT),
    }


def encode_message(
    settings: SpSettings,
    endpoint: str,
    kind: str,
    message: Any,
    relay_state: str | None,
    *,
    binding: str,
    signing: Signing,
) -> OutgoingMessage:
    """``message`` (a pysaml2 element with an ID) in ``binding``, signed as ``signing`` says.

    Redirect: DEFLATE + query-string signature. POST: an enveloped XML signature, base64.
    Raises ValueError when the SP key cannot sign.
    """
    xml: bytes = message.to_string()
    key = settings.private_key_pem if signing.sign else None
    if binding == "Redirect":
        url = signed_redirect_url(
            endpoint, kind, xml, key, relay_state, algorithm=signing.algorithm
        )
        return OutgoingMessage("Redirect", url, message_id=message.id)
    if key is not None:
        xml = sign_message(xml, key, settings.certificate_pem, algorithm=signing.algorithm)
    fields = [(kind, base64.b64encode(xml).decode())]
    if relay_state is not None:
        fields.append(("RelayState", relay_state))
    return OutgoingMessage("POST", endpoint, tuple(fields), message.id)


def build_authn_request(
    settings: SpSettings,
    idp_sso_url: str,
    relay_state: str | None,
    *,
    binding: str = "Redirect",
    signing: Signing = Signing(),
    clock: Clock | None = None,
) -> OutgoingMessage:
    """An AuthnRequest in ``binding``, signed or not; raises ValueError for an unusable key."""
    request = samlp.AuthnRequest(
        **_header(settings, idp_sso_url, clock),
        protocol_binding=ns.BINDING_POST,
        assertion_consumer_service_url=settings.acs_url,
        name_id_policy=samlp.NameIDPolicy(allow_create="true", format=ns.NAMEID_EMAIL),
    )
    return encode_message(
        settings, idp_sso_url, "SAMLRequest", request, relay_state, binding=binding, signing=signing
    )


def build_authn_request_redirect(
    settings: SpSettings, idp_sso_url: str, relay_state: str | None, *, clock: Clock | None = None
) -> tuple[str, str]:
    """A signed AuthnRequest over HTTP-Redirect; returns (request ID to remember, URL).

    Raises ValueError when the SP key is not an RSA key.
    """
    message = build_authn_request(settings, idp_sso_url, relay_state, clock=clock)
    return message.message_id, message.url
