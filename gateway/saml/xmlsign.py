"""Enveloped XML signatures on protocol messages sent by HTTP-POST (AuthnRequest, Single Logout),
made and checked in-process."""

from __future__ import annotations

import xmlsec
from lxml import etree

from gateway.saml import ns
from gateway.saml.errors import SignatureMissing
from gateway.saml.signature import enveloped_signature, verify_enveloped
from gateway.saml.verify import _refuse_duplicate_ids
from gateway.saml.xmlparse import parse_xml

_METHODS = {
    ns.RSA_SHA256: (xmlsec.constants.TransformRsaSha256, xmlsec.constants.TransformSha256),
    ns.RSA_SHA1: (xmlsec.constants.TransformRsaSha1, xmlsec.constants.TransformSha1),
}


def sign_message(
    message_xml: bytes, private_key_pem: str, certificate_pem: str, *, algorithm: str
) -> bytes:
    """The message with an enveloped, exclusive-c14n signature right after its Issuer.

    ``algorithm`` is RSA-SHA256 or RSA-SHA1 (its digest follows it). Raises ValueError for
    another algorithm or a key xmlsec cannot use.
    """
    if algorithm not in _METHODS:
        raise ValueError(f"unknown signature algorithm {algorithm}")
    method, digest = _METHODS[algorithm]
    root = parse_xml(message_xml)
    signature = xmlsec.template.create(root, xmlsec.constants.TransformExclC14N, method, ns="ds")
    issuer = root.find(ns.saml("Issuer"))
    root.insert(0 if issuer is None else root.index(issuer) + 1, signature)
    reference = xmlsec.template.add_reference(signature, digest, uri=f"#{root.get('ID')}")
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
    x509_data = xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(signature))
    xmlsec.template.x509_data_add_certificate(x509_data)
    xmlsec.tree.add_ids(root, ["ID"])
    context = xmlsec.SignatureContext()
    try:
        key = xmlsec.Key.from_memory(
            private_key_pem.encode(), xmlsec.constants.KeyDataFormatPem, None
        )
        key.load_cert_from_memory(certificate_pem.encode(), xmlsec.constants.KeyDataFormatCertPem)
        context.key = key
        context.sign(signature)
    except xmlsec.Error as e:
        raise ValueError(f"the SP key cannot sign: {e}") from e
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return xml


def verify_posted_message(
    root: etree._Element, certificates: tuple[str, ...], *, allow_sha1: bool
) -> None:
    """Check the enveloped signature of an HTTP-POST protocol message (its root) against
    ``certificates``; an unsigned message is refused.

    Raises SignatureMissing, SignatureInvalid, UntrustedKey, SignatureWrapping, WeakAlgorithm
    or UnsupportedAlgorithm.
    """
    _refuse_duplicate_ids(root)
    signature = enveloped_signature(root)
    if signature is None:
        kind = etree.QName(root).localname
        raise SignatureMissing(f"The HTTP-POST {kind} is not signed; it must be.")
    verify_enveloped(root, signature, certificates, allow_sha1=allow_sha1)
