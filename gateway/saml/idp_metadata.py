"""Reading uploaded IdP metadata (never fetched): entity ID, endpoints and certificates."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from gateway.saml import ns
from gateway.saml.certs import pem_from_body
from gateway.saml.errors import MetadataInvalid, SamlInputError
from gateway.saml.xmlparse import parse_xml, strict_text

METADATA_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class IdpMetadataInfo:
    """What the SSO settings need from an IdP's metadata."""

    entity_id: str
    sso_url_redirect: str | None
    sso_url_post: str | None
    slo_url: str | None
    certificates: tuple[str, ...]  # PEM signing certificates, in document order


def parse_idp_metadata(xml: str | bytes) -> IdpMetadataInfo:
    """Parse an IdP's EntityDescriptor safely (no DTD, no network, size-capped).

    Raises MetadataInvalid.
    """
    data = xml.encode() if isinstance(xml, str) else xml
    try:
        root = parse_xml(data, max_bytes=METADATA_MAX_BYTES)
    except SamlInputError as e:
        raise MetadataInvalid(f"The IdP metadata cannot be read: {e.message}") from e
    entity = _single_idp_entity(root)
    idp = entity.find(ns.md("IDPSSODescriptor"))
    assert idp is not None  # _single_idp_entity guarantees it
    certificates = _signing_certificates(idp)
    if not certificates:
        raise MetadataInvalid(
            "The IdP metadata has no signing certificate (KeyDescriptor use='signing'). "
            "Export the metadata again with the certificate included."
        )
    return IdpMetadataInfo(
        entity_id=entity.get("entityID") or "",
        sso_url_redirect=_location(idp, "SingleSignOnService", ns.BINDING_REDIRECT),
        sso_url_post=_location(idp, "SingleSignOnService", ns.BINDING_POST),
        slo_url=_location(idp, "SingleLogoutService", ns.BINDING_REDIRECT)
        or _location(idp, "SingleLogoutService", ns.BINDING_POST),
        certificates=certificates,
    )


def _single_idp_entity(root: etree._Element) -> etree._Element:
    if root.tag == ns.md("EntityDescriptor"):
        candidates = [root]
    elif root.tag == ns.md("EntitiesDescriptor"):
        candidates = list(root.iter(ns.md("EntityDescriptor")))
    else:
        raise MetadataInvalid(
            f"Expected SAML metadata (md:EntityDescriptor), got <{etree.QName(root).localname}>."
        )
    with_idp = [e for e in candidates if e.find(ns.md("IDPSSODescriptor")) is not None]
    if len(with_idp) != 1 or not with_idp[0].get("entityID"):
        raise MetadataInvalid(
            f"The metadata must describe exactly one IdP with an entityID; found {len(with_idp)}."
        )
    return with_idp[0]


def _signing_certificates(idp: etree._Element) -> tuple[str, ...]:
    found: list[str] = []
    for descriptor in idp.iterfind(ns.md("KeyDescriptor")):
        if descriptor.get("use", "signing") != "signing":
            continue
        for element in descriptor.iter(ns.ds("X509Certificate")):
            pem = pem_from_body(strict_text(element, "X509Certificate"))
            try:
                x509.load_pem_x509_certificate(pem.encode())
            except ValueError as e:
                raise MetadataInvalid(
                    "An IdP signing certificate in the metadata is not a valid X.509 certificate."
                ) from e
            if pem not in found:
                found.append(pem)
    return tuple(found)


def _location(idp: etree._Element, service: str, binding: str) -> str | None:
    for endpoint in idp.iterfind(ns.md(service)):
        if endpoint.get("Binding") == binding and endpoint.get("Location"):
            return endpoint.get("Location")
    return None


@dataclass(frozen=True, slots=True)
class CertificateChoice:
    """One IdP certificate of imported metadata: what it is and whether it was kept."""

    subject: str
    sha256_fingerprint: str
    not_before: str
    not_after: str
    kept: bool
    reason: str


def choose_certificates(
    certificates: tuple[str, ...], now: dt.datetime, *, keep: int = 2
) -> tuple[tuple[str, ...], tuple[CertificateChoice, ...]]:
    """The certificates to trust (up to ``keep``: those valid at ``now`` first, in document
    order; expired ones only when none is valid) and a report on every one."""
    loaded = [x509.load_pem_x509_certificate(pem.encode()) for pem in certificates]
    valid = [
        i for i, c in enumerate(loaded) if c.not_valid_before_utc <= now < c.not_valid_after_utc
    ]
    order = valid + [i for i in range(len(loaded)) if i not in valid]
    kept = set(order[:keep])
    report = []
    for i, certificate in enumerate(loaded):
        if i in kept:
            reason = "kept" + ("" if i in valid else " although not valid now: no valid one")
        elif i in valid:
            reason = f"left out: only {keep} are kept (one signing, one during a rotation)"
        else:
            reason = "left out: not valid now"
        report.append(_choice(certificate, i in kept, reason))
    return tuple(certificates[i] for i in sorted(kept)), tuple(report)


def _choice(certificate: x509.Certificate, kept: bool, reason: str) -> CertificateChoice:
    der = certificate.public_bytes(serialization.Encoding.DER)
    return CertificateChoice(
        subject=certificate.subject.rfc4514_string(),
        sha256_fingerprint=hashlib.sha256(der).hexdigest(),
        not_before=certificate.not_valid_before_utc.isoformat(),
        not_after=certificate.not_valid_after_utc.isoformat(),
        kept=kept,
        reason=reason,
    )
