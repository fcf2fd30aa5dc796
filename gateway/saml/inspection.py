"""What a posted SAML response says, read for the SAML response logs WITHOUT trusting it.

The verifier (``verify.py``) decides; this only describes, for an admin reading the log of an
accepted or a refused post: status, issuer, NameID, attributes, what is signed and how, which
configured IdP certificate verifies each signature, and the decrypted assertion. Parsing is
the verifier's safe intake (size cap, no DTD, no entities); nothing here raises.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from lxml import etree

from gateway.saml import ns
from gateway.saml.certs import pem_from_body
from gateway.saml.claims import read_attributes
from gateway.saml.decrypt import decrypt_assertion
from gateway.saml.errors import SamlError
from gateway.saml.signature import certificate_key
from gateway.saml.types import SamlAttribute
from gateway.saml.xmlparse import DEFAULT_MAX_BYTES, decode_base64, parse_xml

# A document that is not a response at all is kept only this far (it is shown, not read).
UNREADABLE_KEEP = 16 * 1024


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """One X.509 certificate as an admin compares it with the IdP's."""

    subject: str
    fingerprint_sha256: str
    not_after: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "subject": self.subject,
            "fingerprint_sha256": self.fingerprint_sha256,
            "not_after": self.not_after,
        }


@dataclass(frozen=True, slots=True)
class SignatureFacts:
    """One enveloped signature: what it signs, with which algorithms, verified by what."""

    element: str  # Response | Assertion
    reference: str | None
    signature_method: str | None
    digest_methods: tuple[str, ...]
    canonicalization: str | None
    verified_by: CertificateFacts | None  # the configured certificate that verifies it
    carried_certificate: CertificateFacts | None  # the certificate in its KeyInfo, if any

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "element": self.element,
            "reference": self.reference,
            "signature_method": self.signature_method,
            "digest_methods": list(self.digest_methods),
            "canonicalization": self.canonicalization,
            "verified_by": self.verified_by.to_dict() if self.verified_by else None,
            "carried_certificate": (
                self.carried_certificate.to_dict() if self.carried_certificate else None
            ),
        }


@dataclass(frozen=True, slots=True)
class ResponseFacts:
    """What one posted response claims; ``problem`` says why reading stopped early."""

    xml: str
    problem: str | None = None
    status: str | None = None
    sub_status: str | None = None
    status_message: str | None = None
    issuer: str | None = None
    assertion_issuer: str | None = None
    name_id: str | None = None
    name_id_format: str | None = None
    attributes: tuple[SamlAttribute, ...] = ()
    signatures: tuple[SignatureFacts, ...] = ()
    encrypted: bool = False
    decrypted_assertion: str | None = None

    def verifying_certificate(self) -> CertificateFacts | None:
        """The configured IdP certificate that verified a signature of this response."""
        return next((s.verified_by for s in self.signatures if s.verified_by), None)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (the XML documents under ``xml`` and ``decrypted_assertion``)."""
        return {
            "problem": self.problem,
            "idp_status": {
                "code": self.status,
                "sub_code": self.sub_status,
                "message": self.status_message,
            },
            "issuer": self.issuer,
            "assertion_issuer": self.assertion_issuer,
            "name_id": self.name_id,
            "name_id_format": self.name_id_format,
            "attributes": [
                {"name": a.name, "friendly_name": a.friendly_name, "values": list(a.values)}
                for a in self.attributes
            ],
            "signatures": [s.to_dict() for s in self.signatures],
            "encrypted": self.encrypted,
            "xml": self.xml,
            "decrypted_assertion": self.decrypted_assertion,
        }


@functools.lru_cache(maxsize=256)
def certificate_facts(pem: str) -> CertificateFacts | None:
    """Subject, SHA-256 fingerprint and expiry of a PEM certificate; None when unreadable.

    Kept per PEM (a frozen answer for the same text): the log of every sign-in describes the
    account's few certificates again.
    """
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return None
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex(":").upper()
    return CertificateFacts(
        subject=certificate.subject.rfc4514_string(),
        fingerprint_sha256=fingerprint,
        not_after=certificate.not_valid_after_utc.astimezone(dt.UTC).isoformat(),
    )


def inspect_response(
    saml_response: str | bytes,
    *,
    certificates: tuple[str, ...],
    decryption_keys: tuple[str, ...] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    signed_with: tuple[str | None, str | None] | None = None,
) -> ResponseFacts:
    """Describe a posted SAMLResponse (base64) as far as it can be read; never raises.

    ``signed_with``: for a response the verifier accepted, the certificates that verified its
    response's and assertion's signatures (``VerifiedAssertion.signed_with``), which the
    description then names instead of verifying each signature again.
    """
    try:
        document = decode_base64(saml_response, max_bytes=max_bytes)
    except SamlError as e:
        text = saml_response if isinstance(saml_response, str) else saml_response.decode("latin-1")
        return ResponseFacts(xml=text[:UNREADABLE_KEEP], problem=e.message)
    xml = document.decode("utf-8", "replace")
    try:
        root = parse_xml(document, max_bytes=max_bytes)
    except SamlError as e:
        return ResponseFacts(xml=xml[:UNREADABLE_KEEP], problem=e.message)
    return _describe(root, xml, certificates, decryption_keys, max_bytes, signed_with)


def _describe(
    root: etree._Element,
    xml: str,
    certificates: tuple[str, ...],
    decryption_keys: tuple[str, ...],
    max_bytes: int,
    signed_with: tuple[str | None, str | None] | None,
) -> ResponseFacts:
    facts: dict[str, Any] = {
        "xml": xml,
        **_status(root),
        "issuer": _text(root.find(ns.saml("Issuer"))),
    }
    _safe_add_ids(root)
    known = signed_with or (None, None)
    signatures = [_signature_facts(root, certificates, known[0], checked=signed_with is not None)]
    assertion = root.find(ns.saml("Assertion"))
    encrypted = root.find(ns.saml("EncryptedAssertion"))
    problems: list[str] = []
    if assertion is None and encrypted is not None:
        facts["encrypted"] = True
        try:
            assertion = decrypt_assertion(encrypted, decryption_keys, max_bytes=max_bytes)
            facts["decrypted_assertion"] = etree.tostring(assertion, encoding="unicode")
            _safe_add_ids(assertion)
        except SamlError as e:
            problems.append(e.message)
    if assertion is not None:
        signatures.append(
            _signature_facts(assertion, certificates, known[1], checked=signed_with is not None)
        )
        facts.update(_claims(assertion, problems))
    elif not problems:
        problems.append("The response carries no Assertion.")
    return ResponseFacts(
        **facts,
        signatures=tuple(s for s in signatures if s is not None),
        problem="; ".join(problems) or None,
    )


def _status(root: etree._Element) -> dict[str, str | None]:
    """The IdP's status: top-level code, second-level code, message."""
    status = root.find(ns.samlp("Status"))
    code = status.find(ns.samlp("StatusCode")) if status is not None else None
    sub = code.find(ns.samlp("StatusCode")) if code is not None else None
    return {
        "status": code.get("Value") if code is not None else None,
        "sub_status": sub.get("Value") if sub is not None else None,
        "status_message": (
            status.findtext(ns.samlp("StatusMessage")) if status is not None else None
        ),
    }


def _claims(assertion: etree._Element, problems: list[str]) -> dict[str, Any]:
    name_id = assertion.find(f"{ns.saml('Subject')}/{ns.saml('NameID')}")
    found: dict[str, Any] = {
        "assertion_issuer": _text(assertion.find(ns.saml("Issuer"))),
        "name_id": _text(name_id),
        "name_id_format": name_id.get("Format") if name_id is not None else None,
    }
    try:
        found["attributes"] = read_attributes(assertion)
    except SamlError as e:
        problems.append(e.message)
    return found


def _text(element: etree._Element | None) -> str | None:
    """The element's whole text, comments dropped (shown as it would read, not trusted)."""
    if element is None:
        return None
    return "".join(element.itertext()).strip() or None


def _safe_add_ids(element: etree._Element) -> None:
    # Duplicate IDs: the verifier refuses them; here the signatures simply do not verify.
    with contextlib.suppress(xmlsec.Error):
        xmlsec.tree.add_ids(element, ["ID"])


def _signature_facts(
    element: etree._Element,
    certificates: tuple[str, ...],
    verifier: str | None = None,
    *,
    checked: bool = False,
) -> SignatureFacts | None:
    """The element's signature described; ``checked``: the verifier accepted the response,
    and ``verifier`` is the certificate it verified this signature with."""
    signature = element.find(ns.ds("Signature"))
    if signature is None:
        return None
    signed_info = signature.find(ns.ds("SignedInfo"))
    references = signed_info.findall(ns.ds("Reference")) if signed_info is not None else []

    def algorithm(parent: etree._Element | None, tag: str) -> str | None:
        child = parent.find(ns.ds(tag)) if parent is not None else None
        return child.get("Algorithm") if child is not None else None

    carried = signature.find(f".//{ns.ds('X509Certificate')}")
    carried_pem = pem_from_body(carried.text or "") if carried is not None else None
    return SignatureFacts(
        element=etree.QName(element).localname,
        reference=references[0].get("URI") if references else None,
        signature_method=algorithm(signed_info, "SignatureMethod"),
        digest_methods=tuple(a for r in references if (a := algorithm(r, "DigestMethod"))),
        canonicalization=algorithm(signed_info, "CanonicalizationMethod"),
        verified_by=(
            (certificate_facts(verifier) if verifier else None)
            if checked
            else _verifying(signature, certificates)
        ),
        carried_certificate=certificate_facts(carried_pem) if carried_pem else None,
    )


def _verifying(signature: etree._Element, certificates: tuple[str, ...]) -> CertificateFacts | None:
    """The configured certificate whose key verifies ``signature``'s value, if any.

    Only the cryptography: whether the signature covers what the SP consumed is the
    verifier's decision, recorded as the outcome.
    """
    for pem in certificates:
        context = xmlsec.SignatureContext()
        try:
            context.key = certificate_key(pem)
            context.verify(signature)
        except (xmlsec.Error, ValueError):
            continue
        return certificate_facts(pem)
    return None


def configured_certificates(certificates: tuple[str, ...]) -> list[dict[str, Any]]:
    """The account's IdP certificates as the log shows them."""
    return [f.to_dict() for pem in certificates if (f := certificate_facts(pem)) is not None]


__all__ = [
    "CertificateFacts",
    "ResponseFacts",
    "SignatureFacts",
    "certificate_facts",
    "configured_certificates",
    "inspect_response",
    "pretty_xml",
]


def pretty_xml(text: str | None) -> str:
    """An XML document indented for reading (through the safe intake); as given when it does
    not parse."""
    if not text:
        return ""
    try:
        root = parse_xml(text.encode("utf-8"), max_bytes=4 * DEFAULT_MAX_BYTES)
    except SamlError:
        return text
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode")
