"""Tampered variants of genuinely signed responses, for negative tests of the verifier.

XSW1-XSW8 follow Somorovsky et al., "On Breaking SAML: Be Whoever You Want to Be" (USENIX
Security 2012), in the numbering SAML Raider uses: 1-2 wrap a signed Response, 3-8 a signed
Assertion. Each evil element gets a fresh ID so the defence tested is the binding of the
signature to the consumed element, not only the duplicate-ID check (tested on its own).
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from lxml import etree

from gateway.saml import ns
from idp_fixtures.idp import TestIdP, new_id
from idp_fixtures.xmlsign import decode, encode, hmac_key, sign_element, unsign

EVIL_NAME_ID = "attacker@evil.test"


def _assertion(root: etree._Element) -> etree._Element:
    found = root.find(ns.saml("Assertion"))
    if found is None:
        raise ValueError("the response has no plain Assertion child")
    return found


def _evil_clone(element: etree._Element, *, keep_id: bool = False) -> etree._Element:
    """An unsigned copy of ``element`` naming the attacker, with a fresh ID unless kept."""
    clone = copy.deepcopy(element)
    unsign(clone)
    for assertion in clone.iter(ns.saml("Assertion")):
        unsign(assertion)
    if not keep_id:
        clone.set("ID", new_id())
    for name_id in clone.iter(ns.saml("NameID")):
        name_id.text = EVIL_NAME_ID
    return clone


def _signature(element: etree._Element) -> etree._Element:
    found = element.find(ns.ds("Signature"))
    if found is None:
        raise ValueError("the element is not signed")
    return found


def _object(signature: etree._Element) -> etree._Element:
    return etree.SubElement(signature, ns.ds("Object"))


def xsw1(response: str) -> str:
    """Evil Response carries the original Signature; the signed Response hides in its Object."""
    original = decode(response)
    evil = _evil_clone(original)
    signature = copy.deepcopy(_signature(original))
    evil.insert(1, signature)
    unsign(original)
    _object(signature).append(original)
    return encode(evil)


def xsw2(response: str) -> str:
    """Like XSW1, but the signed Response sits before the Signature (detached)."""
    original = decode(response)
    evil = _evil_clone(original)
    signature = copy.deepcopy(_signature(original))
    evil.insert(1, signature)
    unsign(original)
    evil.insert(1, original)
    return encode(evil)


def xsw3(response: str) -> str:
    """An evil Assertion inserted before the signed one."""
    root = decode(response)
    signed = _assertion(root)
    signed.addprevious(_evil_clone(signed))
    return encode(root)


def xsw4(response: str) -> str:
    """An evil Assertion replaces the signed one and wraps it as a child."""
    root = decode(response)
    signed = _assertion(root)
    evil = _evil_clone(signed)
    root.replace(signed, evil)
    evil.append(signed)
    return encode(root)


def xsw5(response: str) -> str:
    """The signed Assertion is altered in place; an untouched copy is appended after it."""
    root = decode(response)
    signed = _assertion(root)
    untouched = copy.deepcopy(signed)
    untouched.set("ID", new_id())
    for name_id in signed.iter(ns.saml("NameID")):
        name_id.text = EVIL_NAME_ID
    root.append(untouched)
    return encode(root)


def xsw6(response: str) -> str:
    """The evil Assertion keeps the Signature, whose Object holds the original Assertion."""
    root = decode(response)
    signed = _assertion(root)
    evil = _evil_clone(signed)
    signature = copy.deepcopy(_signature(signed))
    evil.insert(1, signature)
    root.replace(signed, evil)
    _object(signature).append(signed)
    return encode(root)


def xsw7(response: str) -> str:
    """The signed Assertion moves into a samlp:Extensions; an evil one takes its place."""
    root = decode(response)
    signed = _assertion(root)
    evil = _evil_clone(signed)
    root.replace(signed, evil)
    extensions = etree.Element(ns.samlp("Extensions"))
    extensions.append(signed)
    root.insert(1, extensions)
    return encode(root)


def xsw8(response: str) -> str:
    """The evil Assertion carries the Signature; the original, unsigned, sits in its Object."""
    root = decode(response)
    signed = _assertion(root)
    signature = _signature(signed)
    evil = _evil_clone(signed)
    root.replace(signed, evil)
    evil.insert(1, signature)
    unsign(signed)
    _object(signature).append(signed)
    return encode(root)


XSW_VARIANTS = {
    f"xsw{n}": f for n, f in enumerate((xsw1, xsw2, xsw3, xsw4, xsw5, xsw6, xsw7, xsw8), 1)
}


def duplicate_id(response: str) -> str:
    """An evil Assertion with the signed one's ID, first in document order, in an Advice."""
    root = decode(response)
    signed = _assertion(root)
    evil = _evil_clone(signed, keep_id=True)
    root.replace(signed, evil)
    advice = etree.SubElement(evil, ns.saml("Advice"))
    advice.append(signed)
    return encode(root)


def namespaced_duplicate_id(response: str) -> str:
    """An element before the assertion carrying its ID in another namespace (x:ID)."""
    root = decode(response)
    signed = _assertion(root)
    decoy = etree.Element(ns.samlp("Extensions"))
    decoy.set("{urn:example:attacker}ID", signed.get("ID") or "")
    root.insert(1, decoy)
    return encode(root)


def tamper_name_id(response: str, name_id: str = EVIL_NAME_ID) -> str:
    """Change the NameID after signing (the signature no longer matches)."""
    root = decode(response)
    for element in root.iter(ns.saml("NameID")):
        element.text = name_id
    return encode(root)


def comment_in_digest_value(response: str) -> str:
    """Split the DigestValue with a comment; exc-c14n drops it, so SignedInfo still verifies."""
    root = decode(response)
    digest = next(root.iter(ns.ds("DigestValue")))
    text = digest.text or ""
    digest.text = text[:10]
    comment = etree.Comment("")
    comment.tail = text[10:]
    digest.append(comment)
    return encode(root)


def comment_in_name_id(idp: TestIdP, victim: str, suffix: str, **content: Any) -> str:
    """NameID ``victim<!---->suffix``, signed after the injection: the attack is on the reader."""
    root = idp.build_response(name_id=victim, **content)
    name_id = next(root.iter(ns.saml("NameID")))
    comment = etree.Comment("")
    comment.tail = suffix
    name_id.append(comment)
    idp.sign(_assertion(root))
    return encode(root)


def two_references(idp: TestIdP, **content: Any) -> str:
    """A valid signature whose SignedInfo holds two References to the assertion."""
    root = idp.build_response(**content)
    sign_element(_assertion(root), idp.signing_key(), references=2)
    return encode(root)


def hmac_signed(idp: TestIdP, secret: bytes = b"shared-secret", **content: Any) -> str:
    """The assertion 'signed' with HMAC-SHA256 under a secret the attacker chose."""
    root = idp.build_response(**content)
    sign_element(_assertion(root), hmac_key(secret), signature_algorithm="hmac-sha256")
    return encode(root)


def attacker_key_info(attacker: TestIdP, victim_idp_entity_id: str, **content: Any) -> str:
    """Signed by the attacker's key, with the attacker's certificate in KeyInfo."""
    return attacker.make_response(issuer=victim_idp_entity_id, **content)


XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x">&x;'
    b"</samlp:Response>"
)
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "lol">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)
    )
    + b']>\n<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&j;'
    + b"</samlp:Response>"
)


def xxe() -> str:
    """A response with an external entity reading a local file."""
    return base64.b64encode(XXE).decode()


def billion_laughs() -> str:
    """A response with nested entity expansion (10^9 'lol')."""
    return base64.b64encode(BILLION_LAUGHS).decode()


def utf16_doctype() -> str:
    """XXE in UTF-16, which a byte scan for '<!DOCTYPE' does not see."""
    text = XXE.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    return base64.b64encode(text.encode("utf-16")).decode()
