"""In-process XML signing and encryption for the test IdP (python-xmlsec, enveloped, exc-c14n)."""

from __future__ import annotations

import base64

import xmlsec
from lxml import etree
from xmlsec import constants

from gateway.saml import ns

SIGNATURE_METHODS = {
    "rsa-sha1": constants.TransformRsaSha1,
    "rsa-sha256": constants.TransformRsaSha256,
    "rsa-sha384": constants.TransformRsaSha384,
    "rsa-sha512": constants.TransformRsaSha512,
    "hmac-sha256": constants.TransformHmacSha256,
}
DIGEST_METHODS = {
    "sha1": constants.TransformSha1,
    "sha256": constants.TransformSha256,
    "sha384": constants.TransformSha384,
    "sha512": constants.TransformSha512,
}


def rsa_key(private_key_pem: str, certificate_pem: str | None = None) -> xmlsec.Key:
    """An xmlsec signing key, with its certificate attached when given."""
    key = xmlsec.Key.from_memory(private_key_pem.encode(), constants.KeyDataFormatPem, None)
    if certificate_pem:
        key.load_cert_from_memory(certificate_pem.encode(), constants.KeyDataFormatCertPem)
    return key


def hmac_key(secret: bytes) -> xmlsec.Key:
    """An xmlsec HMAC key (only ever used to build attacks)."""
    return xmlsec.Key.from_binary_data(constants.KeyDataHmac, secret)


def sign_element(
    element: etree._Element,
    key: xmlsec.Key,
    *,
    signature_algorithm: str = "rsa-sha256",
    digest_algorithm: str = "sha256",
    certificate_pem: str | None = None,
    references: int = 1,
) -> etree._Element:
    """Add an enveloped signature after the element's Issuer and sign it; return the Signature."""
    signature = xmlsec.template.create(
        element, constants.TransformExclC14N, SIGNATURE_METHODS[signature_algorithm], ns="ds"
    )
    issuer = element.find(ns.saml("Issuer"))
    element.insert(0 if issuer is None else element.index(issuer) + 1, signature)
    for _ in range(references):
        reference = xmlsec.template.add_reference(
            signature, DIGEST_METHODS[digest_algorithm], uri=f"#{element.get('ID')}"
        )
        xmlsec.template.add_transform(reference, constants.TransformEnveloped)
        xmlsec.template.add_transform(reference, constants.TransformExclC14N)
    if certificate_pem:
        key_info = xmlsec.template.ensure_key_info(signature)
        x509_data = xmlsec.template.add_x509_data(key_info)
        xmlsec.template.x509_data_add_certificate(x509_data)
    xmlsec.tree.add_ids(element.getroottree().getroot(), ["ID"])
    context = xmlsec.SignatureContext()
    context.key = key
    context.sign(signature)
    return signature


def unsign(element: etree._Element) -> None:
    """Remove the element's own enveloped signature(s)."""
    for signature in element.findall(ns.ds("Signature")):
        element.remove(signature)


def encrypt_assertion(assertion: etree._Element, certificate_pem: str) -> etree._Element:
    """Replace ``assertion`` in its tree by an EncryptedAssertion (AES-256-CBC, RSA-OAEP)."""
    parent = assertion.getparent()
    if parent is None:
        raise ValueError("the assertion must sit inside a Response")
    wrapper = etree.Element(ns.saml("EncryptedAssertion"), nsmap={"saml": ns.SAML})
    parent.replace(assertion, wrapper)
    wrapper.append(assertion)
    template = xmlsec.template.encrypted_data_create(
        wrapper,
        constants.TransformAes256Cbc,
        type=constants.TypeEncElement,
        ns="xenc",
    )
    xmlsec.template.encrypted_data_ensure_cipher_value(template)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="ds")
    encrypted_key = xmlsec.template.add_encrypted_key(key_info, constants.TransformRsaOaep)
    xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)
    manager = xmlsec.KeysManager()
    manager.add_key(
        xmlsec.Key.from_memory(certificate_pem.encode(), constants.KeyDataFormatCertPem, None)
    )
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(constants.KeyDataAes, 256, constants.KeyDataTypeSession)
    context.encrypt_xml(template, assertion)
    return wrapper


def encode(root: etree._Element) -> str:
    """Serialize and base64-encode a Response as an HTTP-POST SAMLResponse."""
    return base64.b64encode(etree.tostring(root, xml_declaration=True, encoding="UTF-8")).decode()


def decode(saml_response: str) -> etree._Element:
    """Parse a SAMLResponse built by this package back into a tree (trusted input only)."""
    return etree.fromstring(base64.b64decode(saml_response))
