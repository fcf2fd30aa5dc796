"""A test IdP producing genuinely signed (and optionally encrypted) SAML responses."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import xmlsec
from lxml import etree

from gateway.saml import ns
from gateway.saml.certs import pem_body
from gateway.saml.redirect import inflate_message, raw_query_fields, signed_redirect_url
from idp_fixtures.keys import KeyPair, load_or_create_key_pair, session_key_pair
from idp_fixtures.xmlsign import encode, encrypt_assertion, rsa_key, sign_element

AttributeInput = Mapping[str, Sequence[str]] | Sequence[tuple[str, str | None, Sequence[str]]]
_PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
_NSMAP = {"samlp": ns.SAMLP, "saml": ns.SAML}


def new_id() -> str:
    """A fresh XML ID (must not start with a digit)."""
    return f"_{secrets.token_hex(16)}"


def instant(value: dt.datetime) -> str:
    """xs:dateTime in UTC with a Z suffix."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    element.text = text
    return element


class TestIdP:
    """An IdP with its own key pair: ``key_dir`` persists keys there, None keeps them in memory."""

    __test__ = False  # not a pytest test class

    def __init__(self, entity_id: str = "https://idp.test/metadata", key_dir: Path | None = None):
        self.entity_id = entity_id
        label = "idp-" + "".join(c if c.isalnum() else "_" for c in entity_id)[-60:]
        self.keys: KeyPair = (
            session_key_pair(label) if key_dir is None else load_or_create_key_pair(key_dir, label)
        )

    @property
    def certificate_pem(self) -> str:
        """The IdP's signing certificate, PEM."""
        return self.keys.certificate_pem

    def metadata_xml(
        self, sso_url: str = "https://idp.test/sso", slo_url: str | None = None
    ) -> str:
        """IdP metadata: entity ID, signing certificate, SSO (Redirect and POST) and SLO."""
        root = etree.Element(ns.md("EntityDescriptor"), nsmap={"md": ns.MD, "ds": ns.DS})
        root.set("entityID", self.entity_id)
        idp = _sub(root, ns.md("IDPSSODescriptor"), protocolSupportEnumeration=ns.SAMLP)
        idp.set("WantAuthnRequestsSigned", "true")
        descriptor = _sub(idp, ns.md("KeyDescriptor"), use="signing")
        data = _sub(_sub(descriptor, ns.ds("KeyInfo")), ns.ds("X509Data"))
        _sub(data, ns.ds("X509Certificate"), pem_body(self.certificate_pem))
        if slo_url:
            _sub(idp, ns.md("SingleLogoutService"), Binding=ns.BINDING_REDIRECT, Location=slo_url)
        _sub(idp, ns.md("NameIDFormat"), ns.NAMEID_EMAIL)
        for binding in (ns.BINDING_REDIRECT, ns.BINDING_POST):
            _sub(idp, ns.md("SingleSignOnService"), Binding=binding, Location=sso_url)
        return etree.tostring(root, encoding="unicode")

    def build_response(
        self,
        *,
        sp_entity_id: str,
        acs_url: str,
        name_id: str,
        attributes: AttributeInput | None = None,
        in_response_to: str | None = None,
        audience: str | None = None,
        recipient: str | None = None,
        destination: str | None = None,
        issuer: str | None = None,
        not_before: dt.datetime | None = None,
        not_on_or_after: dt.datetime | None = None,
        now: dt.datetime | None = None,
        session_index: str | None = None,
        name_id_format: str = ns.NAMEID_EMAIL,
    ) -> etree._Element:
        """An unsigned samlp:Response with one Assertion; sign it with ``sign``."""
        now = now or dt.datetime.now(dt.UTC)
        ends = not_on_or_after or now + dt.timedelta(minutes=5)
        root = etree.Element(ns.samlp("Response"), nsmap=_NSMAP)
        for name, value in (
            ("ID", new_id()),
            ("Version", "2.0"),
            ("IssueInstant", instant(now)),
            ("Destination", destination or acs_url),
            ("InResponseTo", in_response_to),
        ):
            if value is not None:
                root.set(name, value)
        _sub(root, ns.saml("Issuer"), issuer or self.entity_id)
        _sub(_sub(root, ns.samlp("Status")), ns.samlp("StatusCode"), Value=ns.STATUS_SUCCESS)
        assertion = _sub(root, ns.saml("Assertion"), ID=new_id(), Version="2.0")
        assertion.set("IssueInstant", instant(now))
        _sub(assertion, ns.saml("Issuer"), issuer or self.entity_id)
        subject = _sub(assertion, ns.saml("Subject"))
        _sub(subject, ns.saml("NameID"), name_id, Format=name_id_format)
        _add_bearer(subject, recipient or acs_url, ends, in_response_to)
        conditions = _sub(assertion, ns.saml("Conditions"), NotOnOrAfter=instant(ends))
        conditions.set("NotBefore", instant(not_before or now - dt.timedelta(seconds=30)))
        restriction = _sub(conditions, ns.saml("AudienceRestriction"))
        _sub(restriction, ns.saml("Audience"), audience or sp_entity_id)
        _add_authn_statement(assertion, now, session_index or new_id())
        _add_attributes(assertion, attributes or {})
        return root

    def signing_key(self) -> xmlsec.Key:
        """This IdP's private key as an xmlsec key, its certificate attached."""
        return rsa_key(self.keys.private_key_pem, self.certificate_pem)

    def sign(
        self,
        element: etree._Element,
        *,
        signature_algorithm: str = "rsa-sha256",
        digest_algorithm: str = "sha256",
    ) -> etree._Element:
        """Sign ``element`` (Response or Assertion) with this IdP's key; return the Signature."""
        return sign_element(
            element,
            self.signing_key(),
            signature_algorithm=signature_algorithm,
            digest_algorithm=digest_algorithm,
            certificate_pem=self.certificate_pem,
        )

    def logout_request(
        self,
        *,
        destination: str,
        name_id: str,
        session_index: str | None = None,
        issuer: str | None = None,
        now: dt.datetime | None = None,
    ) -> etree._Element:
        """An unsigned samlp:LogoutRequest from this IdP (IdP-initiated Single Logout)."""
        root = self._protocol_message("LogoutRequest", destination, issuer, now)
        _sub(root, ns.saml("NameID"), name_id, Format=ns.NAMEID_EMAIL)
        if session_index:
            _sub(root, ns.samlp("SessionIndex"), session_index)
        return root

    def logout_response(
        self,
        *,
        destination: str,
        in_response_to: str,
        status: str = ns.STATUS_SUCCESS,
        issuer: str | None = None,
        now: dt.datetime | None = None,
    ) -> etree._Element:
        """An unsigned samlp:LogoutResponse answering the SP's LogoutRequest."""
        root = self._protocol_message("LogoutResponse", destination, issuer, now)
        root.set("InResponseTo", in_response_to)
        _sub(_sub(root, ns.samlp("Status")), ns.samlp("StatusCode"), Value=status)
        return root

    def _protocol_message(
        self, kind: str, destination: str, issuer: str | None, now: dt.datetime | None
    ) -> etree._Element:
        root = etree.Element(ns.samlp(kind), nsmap=_NSMAP)
        root.set("ID", new_id())
        root.set("Version", "2.0")
        root.set("IssueInstant", instant(now or dt.datetime.now(dt.UTC)))
        root.set("Destination", destination)
        _sub(root, ns.saml("Issuer"), issuer or self.entity_id)
        return root

    def redirect_query(
        self,
        kind: str,
        message: etree._Element,
        *,
        relay_state: str | None = None,
        sign: bool = True,
        algorithm: str = ns.RSA_SHA256,
    ) -> str:
        """The HTTP-Redirect query string carrying ``message`` (SAMLRequest or SAMLResponse),
        with this IdP's query-string signature unless ``sign`` is False."""
        key = self.keys.private_key_pem if sign else None
        url = signed_redirect_url(
            "", kind, etree.tostring(message), key, relay_state, algorithm=algorithm
        )
        return url.removeprefix("?")

    def post_fields(
        self,
        kind: str,
        message: etree._Element,
        *,
        relay_state: str | None = None,
        sign: bool = True,
    ) -> dict[str, str]:
        """The HTTP-POST form carrying ``message``, enveloped-signed unless ``sign`` is False."""
        if sign:
            self.sign(message)
        fields = {kind: encode(message)}
        if relay_state is not None:
            fields["RelayState"] = relay_state
        return fields

    def make_response(
        self,
        *,
        sign_assertion: bool = True,
        sign_response: bool = False,
        encrypt_with_cert_pem: str | None = None,
        signature_algorithm: str = "rsa-sha256",
        digest_algorithm: str = "sha256",
        **content: Any,
    ) -> str:
        """A base64 SAMLResponse; ``content`` goes to ``build_response``."""
        root = self.build_response(**content)
        algorithms = {
            "signature_algorithm": signature_algorithm,
            "digest_algorithm": digest_algorithm,
        }
        assertion = root.find(ns.saml("Assertion"))
        assert assertion is not None
        if sign_assertion:
            self.sign(assertion, **algorithms)
        if encrypt_with_cert_pem:
            encrypt_assertion(assertion, encrypt_with_cert_pem)
        if sign_response:
            self.sign(root, **algorithms)
        return encode(root)


def _add_bearer(
    subject: etree._Element, recipient: str, ends: dt.datetime, in_response_to: str | None
) -> None:
    confirmation = _sub(subject, ns.saml("SubjectConfirmation"), Method=ns.BEARER)
    data = _sub(confirmation, ns.saml("SubjectConfirmationData"), Recipient=recipient)
    data.set("NotOnOrAfter", instant(ends))
    if in_response_to is not None:
        data.set("InResponseTo", in_response_to)


def _add_authn_statement(assertion: etree._Element, now: dt.datetime, session: str) -> None:
    authn = _sub(assertion, ns.saml("AuthnStatement"), AuthnInstant=instant(now))
    authn.set("SessionIndex", session)
    context = _sub(authn, ns.saml("AuthnContext"))
    _sub(context, ns.saml("AuthnContextClassRef"), _PASSWORD_PROTECTED)


def _add_attributes(assertion: etree._Element, attributes: AttributeInput) -> None:
    rows: list[tuple[str, str | None, Sequence[str]]]
    if isinstance(attributes, Mapping):
        rows = [(name, None, values) for name, values in attributes.items()]
    else:
        rows = list(attributes)
    if not rows:
        return
    statement = _sub(assertion, ns.saml("AttributeStatement"))
    for name, friendly_name, values in rows:
        attribute = _sub(statement, ns.saml("Attribute"), Name=name)
        attribute.set("NameFormat", "urn:oasis:names:tc:SAML:2.0:attrname-format:basic")
        if friendly_name:
            attribute.set("FriendlyName", friendly_name)
        for value in values:
            _sub(attribute, ns.saml("AttributeValue"), value)


def read_sp_redirect(url: str) -> tuple[etree._Element, dict[str, str]]:
    """The SP message of an HTTP-Redirect URL, parsed, and the query's raw fields."""
    fields = raw_query_fields(url.split("?", 1)[1])
    kind = "SAMLRequest" if "SAMLRequest" in fields else "SAMLResponse"
    xml = inflate_message(unquote_plus(fields[kind]))
    return etree.fromstring(xml), fields


def read_sp_post(value: str) -> etree._Element:
    """The SP message of an HTTP-POST form field, parsed (trusted test input)."""
    return etree.fromstring(base64.b64decode(value))
