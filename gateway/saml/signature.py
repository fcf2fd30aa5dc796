"""Enveloped XML-DSig verification bound to one element, with python-xmlsec in-process."""

from __future__ import annotations

import functools
import re

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from gateway.saml import ns
from gateway.saml.certs import pem_body
from gateway.saml.errors import (
    SignatureInvalid,
    SignatureWrapping,
    UnsupportedAlgorithm,
    UntrustedKey,
    WeakAlgorithm,
)
from gateway.saml.xmlparse import strict_text

_ALLOWED_TRANSFORMS = frozenset({ns.ENVELOPED, ns.EXC_C14N})
_B64_SPACE = re.compile(r"\s+")


@functools.lru_cache(maxsize=256)
def certificate_key(certificate_pem: str) -> xmlsec.Key:
    """Load (once per PEM) the public key of a configured certificate.

    Only the bare public key is kept: xmlsec copies the key into every context, and a key that
    carries its certificate costs about 80 times more to copy.
    Raises ValueError when the PEM is not a certificate.
    """
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    public_pem = certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        return xmlsec.Key.from_memory(public_pem, xmlsec.constants.KeyDataFormatPem, None)
    except xmlsec.Error as e:
        raise ValueError("the certificate's public key is not usable by xmlsec") from e


def enveloped_signature(element: etree._Element) -> etree._Element | None:
    """The ds:Signature that is a direct child of ``element``, or None.

    Raises SignatureWrapping when there is more than one.
    """
    found = element.findall(ns.ds("Signature"))
    if len(found) > 1:
        raise SignatureWrapping(
            f"The {etree.QName(element).localname} carries {len(found)} signatures; exactly one "
            "is allowed. The response was altered after signing."
        )
    return found[0] if found else None


def verify_enveloped(
    element: etree._Element,
    signature: etree._Element,
    certificates: tuple[str, ...],
    *,
    allow_sha1: bool,
) -> str:
    """Check ``signature`` signs exactly ``element`` with a configured certificate; returns
    that certificate (the first of ``certificates`` that verifies it).

    Raises SignatureInvalid, SignatureWrapping, WeakAlgorithm, UnsupportedAlgorithm,
    UntrustedKey or CommentInjection.
    """
    what = etree.QName(element).localname
    signed_info = _only_child(signature, ns.ds("SignedInfo"), f"{what} signature", "SignedInfo")
    _check_signed_info(signed_info, what, allow_sha1=allow_sha1)
    _check_reference(signed_info, element, what, allow_sha1=allow_sha1)
    value = _only_child(signature, ns.ds("SignatureValue"), f"{what} signature", "SignatureValue")
    strict_text(value, f"{what} SignatureValue")
    return _verify_with_configured_keys(signature, certificates, what)


def _only_child(parent: etree._Element, tag: str, where: str, name: str) -> etree._Element:
    found = parent.findall(tag)
    if len(found) != 1:
        raise SignatureInvalid(
            f"The {where} has {len(found)} {name} elements; exactly one is required."
        )
    return found[0]


def _algorithm(parent: etree._Element, tag: str, where: str, name: str) -> str:
    return _only_child(parent, tag, where, name).get("Algorithm") or ""


def _check_signed_info(signed_info: etree._Element, what: str, *, allow_sha1: bool) -> None:
    where = f"{what} signature"
    c14n = _algorithm(signed_info, ns.ds("CanonicalizationMethod"), where, "CanonicalizationMethod")
    if c14n != ns.EXC_C14N:
        raise UnsupportedAlgorithm(
            f"The {where} uses canonicalization '{c14n}'; only exclusive canonicalization "
            f"without comments ({ns.EXC_C14N}) is accepted. Change the IdP's signing settings."
        )
    method = _algorithm(signed_info, ns.ds("SignatureMethod"), where, "SignatureMethod")
    if "hmac" in method.lower():
        raise WeakAlgorithm(
            f"The {where} uses HMAC ('{method}'), a shared-secret MAC that anyone holding the "
            "secret can forge; only RSA or ECDSA signatures with the IdP certificate are accepted."
        )
    if method in ns.SHA1_SIGNATURE_METHODS and not allow_sha1:
        raise WeakAlgorithm(
            f"The {where} uses SHA-1 ('{method}'). Set the IdP to sign with RSA-SHA256, or "
            "explicitly allow SHA-1 for this account."
        )
    if method not in ns.STRONG_SIGNATURE_METHODS | ns.SHA1_SIGNATURE_METHODS:
        raise UnsupportedAlgorithm(
            f"The {where} uses signature method '{method}'; use RSA-SHA256 or stronger."
        )


def _check_reference(
    signed_info: etree._Element, element: etree._Element, what: str, *, allow_sha1: bool
) -> None:
    references = signed_info.findall(ns.ds("Reference"))
    element_id = element.get("ID") or ""
    if len(references) != 1:
        raise SignatureWrapping(
            f"The {what} signature has {len(references)} References; exactly one, to the "
            f"{what} itself, is allowed."
        )
    reference = references[0]
    if not element_id or reference.get("URI") != f"#{element_id}":
        uri = reference.get("URI")
        target = f"'{uri}'" if uri is not None else "nothing (its Reference has no URI)"
        raise SignatureWrapping(
            f"The {what} signature references {target} but the signed {what} "
            f"has ID '{element_id}': the signature does not cover the element it sits in."
        )
    transforms = reference.findall(f"{ns.ds('Transforms')}/{ns.ds('Transform')}")
    for transform in transforms:
        if transform.get("Algorithm") not in _ALLOWED_TRANSFORMS:
            algorithm = transform.get("Algorithm")
            named = f"'{algorithm}'" if algorithm is not None else "without an Algorithm"
            raise UnsupportedAlgorithm(
                f"The {what} signature uses a transform {named}; only "
                "enveloped-signature and exclusive canonicalization are accepted."
            )
    where = f"{what} signature reference"
    digest = _algorithm(reference, ns.ds("DigestMethod"), where, "DigestMethod")
    if digest == ns.SHA1 and not allow_sha1:
        raise WeakAlgorithm(
            f"The {where} uses the SHA-1 digest. Set the IdP to SHA-256, or explicitly allow "
            "SHA-1 for this account."
        )
    if digest not in ns.STRONG_DIGEST_METHODS | {ns.SHA1}:
        raise UnsupportedAlgorithm(f"The {where} uses digest '{digest}'; use SHA-256 or stronger.")
    strict_text(_only_child(reference, ns.ds("DigestValue"), where, "DigestValue"), where)


def _verify_with_configured_keys(
    signature: etree._Element, certificates: tuple[str, ...], what: str
) -> str:
    failure: xmlsec.Error | None = None
    for pem in certificates:
        context = xmlsec.SignatureContext()
        context.key = certificate_key(pem)
        try:
            context.verify(signature)
        except xmlsec.Error as e:  # VerificationError is a subclass
            failure = e
            continue
        return pem
    if _carries_foreign_certificate(signature, certificates):
        raise UntrustedKey(
            f"The {what} is signed with a certificate that is not configured for this IdP. "
            "Upload the IdP's current signing certificate (or its new metadata)."
        ) from failure
    raise SignatureInvalid(
        f"The {what} signature does not verify with the configured IdP certificate: the "
        "message was altered, or the IdP signs with a different key."
    ) from failure


def _carries_foreign_certificate(signature: etree._Element, certificates: tuple[str, ...]) -> bool:
    configured = {pem_body(pem) for pem in certificates}
    carried = signature.iterfind(f".//{ns.ds('X509Certificate')}")
    return any(_B64_SPACE.sub("", c.text or "") not in configured for c in carried)
