"""Single Logout messages in both bindings: the SP's LogoutRequest and LogoutResponse, and the
IdP's, each verified against the IdP's certificate(s) before anything is read from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

import saml2.saml as saml
import saml2.samlp as samlp
from lxml import etree

from gateway.clock import Clock
from gateway.saml import ns
from gateway.saml.claims import check_issuer
from gateway.saml.errors import DestinationMismatch, MalformedXml
from gateway.saml.redirect import inflate_message, raw_query_fields, verify_redirect_signature
from gateway.saml.sp import OutgoingMessage, Signing, SpSettings, _header, encode_message
from gateway.saml.types import IdpTrust
from gateway.saml.xmlparse import decode_base64, parse_xml, strict_text
from gateway.saml.xmlsign import verify_posted_message


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """What arrived at the SLO endpoint: the binding, the raw query string and the form."""

    binding: str  # "Redirect" (query string) or "POST" (form)
    query_string: str = ""
    form: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class IdpLogoutRequest:
    """An IdP's LogoutRequest, its signature and issuer checked."""

    request_id: str
    name_id: str
    session_indexes: tuple[str, ...]
    relay_state: str | None
    binding: str


@dataclass(frozen=True, slots=True)
class IdpLogoutResponse:
    """An IdP's LogoutResponse, its signature and issuer checked."""

    in_response_to: str
    status: str
    relay_state: str | None

    @property
    def success(self) -> bool:
        """Whether the IdP ended its session too."""
        return self.status == ns.STATUS_SUCCESS


def build_logout_request(
    settings: SpSettings,
    idp_slo_url: str,
    name_id: str,
    *,
    name_id_format: str | None,
    session_index: str | None,
    relay_state: str | None,
    binding: str,
    signing: Signing,
    clock: Clock | None = None,
) -> OutgoingMessage:
    """The SP's LogoutRequest for one session; raises ValueError when the key cannot sign."""
    request = samlp.LogoutRequest(
        **_header(settings, idp_slo_url, clock),
        name_id=saml.NameID(text=name_id, format=name_id_format),
        session_index=[samlp.SessionIndex(text=session_index)] if session_index else None,
    )
    return encode_message(
        settings, idp_slo_url, "SAMLRequest", request, relay_state, binding=binding, signing=signing
    )


def build_logout_response(
    settings: SpSettings,
    idp_slo_url: str,
    in_response_to: str,
    *,
    relay_state: str | None,
    binding: str,
    signing: Signing,
    clock: Clock | None = None,
) -> OutgoingMessage:
    """A successful LogoutResponse answering the IdP; raises ValueError when the key cannot
    sign."""
    response = samlp.LogoutResponse(
        **_header(settings, idp_slo_url, clock),
        in_response_to=in_response_to,
        status=samlp.Status(status_code=samlp.StatusCode(value=ns.STATUS_SUCCESS)),
    )
    return encode_message(
        settings,
        idp_slo_url,
        "SAMLResponse",
        response,
        relay_state,
        binding=binding,
        signing=signing,
    )


def read_logout_request(
    message: IncomingMessage, trust: IdpTrust, slo_urls: tuple[str, ...]
) -> IdpLogoutRequest:
    """Verify and read an IdP's LogoutRequest (either binding); an unsigned one is refused.

    Raises SignatureMissing, SignatureInvalid, UntrustedKey, WeakAlgorithm, IssuerUnknown,
    DestinationMismatch, SignatureWrapping, MalformedXml, NotBase64 or TooLarge.
    """
    root, relay_state = _verified(message, "SAMLRequest", trust, slo_urls)
    if root.tag != ns.samlp("LogoutRequest"):
        raise MalformedXml("The SAMLRequest at the Single Logout endpoint is not a LogoutRequest.")
    name_id = root.find(ns.saml("NameID"))
    if name_id is None or not root.get("ID"):
        raise MalformedXml("The LogoutRequest needs an ID and a NameID.")
    return IdpLogoutRequest(
        request_id=root.get("ID") or "",
        name_id=strict_text(name_id, "LogoutRequest NameID"),
        session_indexes=tuple(
            strict_text(e, "SessionIndex") for e in root.iterfind(ns.samlp("SessionIndex"))
        ),
        relay_state=relay_state,
        binding=message.binding,
    )


def read_logout_response(
    message: IncomingMessage, trust: IdpTrust, slo_urls: tuple[str, ...]
) -> IdpLogoutResponse:
    """Verify and read an IdP's LogoutResponse (either binding); an unsigned one is refused.

    Raises as ``read_logout_request``.
    """
    root, relay_state = _verified(message, "SAMLResponse", trust, slo_urls)
    if root.tag != ns.samlp("LogoutResponse") or not root.get("InResponseTo"):
        raise MalformedXml(
            "The SAMLResponse at the Single Logout endpoint is not a LogoutResponse "
            "answering a request."
        )
    code = root.find(f"{ns.samlp('Status')}/{ns.samlp('StatusCode')}")
    if code is None or not code.get("Value"):
        raise MalformedXml("The LogoutResponse has no Status/StatusCode.")
    return IdpLogoutResponse(root.get("InResponseTo") or "", code.get("Value") or "", relay_state)


def _verified(
    message: IncomingMessage, kind: str, trust: IdpTrust, slo_urls: tuple[str, ...]
) -> tuple[etree._Element, str | None]:
    """The message's root, its signature verified, its issuer and destination checked."""
    if message.binding == "Redirect":
        fields = raw_query_fields(message.query_string)
        if kind not in fields:
            raise MalformedXml(f"The Single Logout message carries no {kind}.")
        verify_redirect_signature(fields, kind, trust.certificates, allow_sha1=trust.allow_sha1)
        root = parse_xml(inflate_message(unquote_plus(fields[kind])))
        relay = fields.get("RelayState")
        relay_state = unquote_plus(relay) if relay is not None else None
    else:
        form = message.form or {}
        if not form.get(kind):
            raise MalformedXml(f"The Single Logout message carries no {kind}.")
        root = parse_xml(decode_base64(form[kind]))
        verify_posted_message(root, trust.certificates, allow_sha1=trust.allow_sha1)
        relay_state = form.get("RelayState")
    check_issuer(root, trust.entity_id, required=True)
    destination = root.get("Destination")
    if destination is not None and destination not in slo_urls:
        raise DestinationMismatch(
            f"The Single Logout message is addressed to '{destination}', not to this SP's "
            f"Single Logout URL '{slo_urls[0]}'."
        )
    return root, relay_state
