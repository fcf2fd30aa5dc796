"""EncryptedAssertion decryption with the SP key(s), in-process with python-xmlsec."""

from __future__ import annotations

import copy
from xml.sax.saxutils import quoteattr

import xmlsec
from lxml import etree

from gateway.saml import ns
from gateway.saml.errors import DecryptionFailed, MalformedXml, WeakAlgorithm
from gateway.saml.xmlparse import parse_xml

_RSA_1_5 = "http://www.w3.org/2001/04/xmlenc#rsa-1_5"
_ELEMENT_TYPE = f"{ns.XENC}Element"


def decrypt_assertion(
    encrypted: etree._Element, private_keys_pem: tuple[str, ...], *, max_bytes: int
) -> etree._Element:
    """Decrypt an EncryptedAssertion into a new, separately parsed saml:Assertion element.

    Raises DecryptionFailed, WeakAlgorithm, MalformedXml or TooLarge.
    """
    datas = encrypted.findall(ns.xenc("EncryptedData"))
    if len(datas) != 1:
        raise DecryptionFailed(
            f"The EncryptedAssertion holds {len(datas)} EncryptedData elements; exactly one "
            "is required."
        )
    if not private_keys_pem:
        raise DecryptionFailed(
            "The IdP encrypted the assertion but this SP has no decryption key configured. "
            "Configure the SP key, or turn assertion encryption off in the IdP."
        )
    encrypted_data = datas[0]
    _refuse_weak_key_transport(encrypted_data)
    if encrypted_data.get("Type", _ELEMENT_TYPE) != _ELEMENT_TYPE:
        raise DecryptionFailed("The EncryptedData must encrypt a whole element (Type Element).")
    plaintext = _decrypt_with_any(encrypted_data, private_keys_pem)
    assertion = _parse_in_context(plaintext, encrypted, max_bytes=max_bytes)
    if assertion.tag != ns.saml("Assertion"):
        raise MalformedXml(
            f"The EncryptedAssertion decrypts to <{etree.QName(assertion).localname}>, "
            "not to an Assertion."
        )
    return assertion


def _parse_in_context(
    plaintext: bytes, context: etree._Element, *, max_bytes: int
) -> etree._Element:
    # The plaintext may use prefixes declared on the Response around it: parse it inside a
    # wrapper that declares them, through the same DTD-free, size-capped parser.
    body = plaintext.lstrip()
    if body.startswith(b"<?xml"):
        body = body[body.index(b"?>") + 2 :]
    declarations = " ".join(
        f"xmlns{':' + prefix if prefix else ''}={quoteattr(uri)}"
        for prefix, uri in context.nsmap.items()
    )
    wrapper = parse_xml(
        b"<wrapper " + declarations.encode() + b">" + body + b"</wrapper>", max_bytes=max_bytes
    )
    if len(wrapper) != 1 or (wrapper.text or "").strip() or (wrapper[0].tail or "").strip():
        raise MalformedXml("The EncryptedAssertion must decrypt to exactly one element.")
    return copy.deepcopy(wrapper[0])


def _refuse_weak_key_transport(encrypted_data: etree._Element) -> None:
    for method in encrypted_data.iterfind(f".//{ns.xenc('EncryptionMethod')}"):
        if method.get("Algorithm") == _RSA_1_5:
            raise WeakAlgorithm(
                "The assertion key is encrypted with RSA PKCS#1 v1.5, which is open to "
                "padding-oracle attacks. Set the IdP's key transport to RSA-OAEP."
            )


def _decrypt_with_any(encrypted_data: etree._Element, private_keys_pem: tuple[str, ...]) -> bytes:
    failure: xmlsec.Error | None = None
    for pem in private_keys_pem:
        # Without Type, xmlsec hands back bytes instead of parsing them itself: the plaintext
        # then goes through the same DTD-free, size-capped parser as the response.
        detached = copy.deepcopy(encrypted_data)
        detached.attrib.pop("Type", None)
        manager = xmlsec.KeysManager()
        try:
            manager.add_key(
                xmlsec.Key.from_memory(pem.encode(), xmlsec.constants.KeyDataFormatPem, None)
            )
            result = xmlsec.EncryptionContext(manager).decrypt(detached)
        except xmlsec.Error as e:
            failure = e
            continue
        if isinstance(result, bytes):
            return result
    raise DecryptionFailed(
        "The EncryptedAssertion cannot be decrypted with this SP's key(s). Give the IdP the "
        "encryption certificate from the current SP metadata."
    ) from failure
