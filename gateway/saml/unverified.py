"""Reading a response's NameID and attributes WITHOUT verifying it: for mapping experiments only."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.saml import ns
from gateway.saml.claims import read_attributes
from gateway.saml.errors import AssertionMissing, SamlError
from gateway.saml.types import SamlAttribute
from gateway.saml.xmlparse import decode_base64, parse_xml, strict_text


@dataclass(frozen=True, slots=True)
class UnverifiedClaims:
    """What a response claims; nothing here has been checked."""

    name_id: str | None
    attributes: tuple[SamlAttribute, ...]


def read_unverified(saml_response: str | bytes) -> UnverifiedClaims:
    """Parse safely (size, DTD, entities) and read the first assertion's claims.

    Accepts base64 or raw XML. Raises MalformedXml, NotBase64, TooLarge, AssertionMissing.
    """
    text = saml_response.encode() if isinstance(saml_response, str) else saml_response
    document = text if text.lstrip().startswith(b"<") else decode_base64(text)
    root = parse_xml(document)
    assertion = root if root.tag == ns.saml("Assertion") else root.find(ns.saml("Assertion"))
    if assertion is None:
        raise AssertionMissing(
            "The response holds no plain Assertion to read (an encrypted one needs 'verify': true)."
        )
    name_id = assertion.find(f"{ns.saml('Subject')}/{ns.saml('NameID')}")
    return UnverifiedClaims(
        name_id=None if name_id is None else strict_text(name_id, "NameID"),
        attributes=read_attributes(assertion),
    )


def claimed_in_response_to(saml_response: str) -> tuple[str, ...]:
    """Every ``InResponseTo`` a response names (the Response's and its plain assertions'
    SubjectConfirmationData), unverified: to refuse a response before verifying it, never to
    accept one. A body that does not parse names none (verification then refuses it)."""
    try:
        root = parse_xml(decode_base64(saml_response))
    except SamlError:
        return ()
    found = [root.get("InResponseTo")]
    data = f".//{ns.saml('Subject')}/{ns.saml('SubjectConfirmation')}"
    found += [
        e.get("InResponseTo") for e in root.iterfind(f"{data}/{ns.saml('SubjectConfirmationData')}")
    ]
    return tuple(dict.fromkeys(value for value in found if value))
