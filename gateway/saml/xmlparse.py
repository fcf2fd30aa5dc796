"""Bounded, network-free, DTD-free XML intake and strict reading of text values."""

from __future__ import annotations

import binascii
import datetime as dt

from lxml import etree

from gateway.saml.errors import (
    CommentInjection,
    EmptyResponse,
    MalformedXml,
    NotBase64,
    TooLarge,
)

DEFAULT_MAX_BYTES = 256 * 1024

_WHITESPACE = b" \t\r\n"

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
    remove_comments=False,
    collect_ids=False,
)


def decode_base64(data: str | bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Decode strict base64 (whitespace allowed) within the size cap.

    Raises EmptyResponse, TooLarge or NotBase64.
    """
    raw = data.encode("ascii", "replace") if isinstance(data, str) else data
    if not raw.strip():
        raise EmptyResponse("The SAMLResponse is empty. Post the IdP's base64 response unchanged.")
    max_encoded = 4 * ((max_bytes + 2) // 3)
    # Line breaks every 64-76 characters add a few percent; anything past twice the cap is junk.
    if len(raw) > 2 * max_encoded:
        raise TooLarge(_too_large_message(max_bytes), limit=max_bytes)
    compact = raw.translate(None, _WHITESPACE)
    if len(compact) > max_encoded:
        raise TooLarge(_too_large_message(max_bytes), limit=max_bytes)
    try:
        if len(compact) % 4:
            raise binascii.Error("length is not a multiple of 4")
        # strict_mode refuses any character outside the alphabet and misplaced padding.
        decoded = binascii.a2b_base64(compact, strict_mode=True)
    except binascii.Error as e:
        problem = (
            "its length is not a multiple of 4, as if it was cut short"
            if len(compact) % 4
            else "it holds a character outside A-Z, a-z, 0-9, '+' and '/', or '=' before its end"
        )
        raise NotBase64(
            f"The SAMLResponse is not valid base64: {problem}. Post it exactly as the IdP "
            "produced it, URL-decoded once."
        ) from e
    if not decoded.strip():
        raise EmptyResponse("The SAMLResponse decodes to nothing. Post the IdP's full response.")
    if len(decoded) > max_bytes:
        raise TooLarge(_too_large_message(max_bytes), limit=max_bytes)
    return decoded


def _too_large_message(max_bytes: int) -> str:
    return (
        f"The SAML message is larger than {max_bytes // 1024} KiB. "
        "Reduce the attributes the IdP sends (for example group lists) or raise the limit."
    )


def parse_xml(document: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse ``document`` with entities, DTDs and network off; refuse any DOCTYPE.

    Raises TooLarge or MalformedXml.
    """
    if len(document) > max_bytes:
        raise TooLarge(_too_large_message(max_bytes), limit=max_bytes)
    if b"<!DOCTYPE" in document or b"<!ENTITY" in document:
        raise MalformedXml(_DOCTYPE_MESSAGE)
    try:
        tree = etree.ElementTree(etree.fromstring(document, parser=_PARSER))
    except etree.XMLSyntaxError as e:
        raise MalformedXml(f"The SAML message is not well-formed XML: {e.msg}.") from e
    # The byte scan misses DOCTYPEs in other encodings (UTF-16); the parsed tree does not.
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise MalformedXml(_DOCTYPE_MESSAGE)
    root = tree.getroot()
    for node in root.iter(etree.Entity, etree.ProcessingInstruction):
        raise MalformedXml(f"The SAML message contains a forbidden node {node!r}.")
    return root


_DOCTYPE_MESSAGE = (
    "The SAML message contains a DOCTYPE declaration, which SAML never needs and which is "
    "used for entity-expansion and external-entity attacks. The IdP must send plain XML."
)


def strict_text(element: etree._Element, what: str) -> str:
    """Return the element's single text node, stripped; refuse comments or child elements.

    Raises CommentInjection or MalformedXml.
    """
    if len(element):
        if any(isinstance(child, etree._Comment) for child in element):
            raise CommentInjection(
                f"The {what} contains an XML comment, which can split a value such as "
                "'victim@corp.test<!---->.evil.test'. The IdP must send the value as plain text."
            )
        raise MalformedXml(f"The {what} must contain only text, but it contains elements.")
    return (element.text or "").strip()


def parse_instant(value: str | None, what: str) -> dt.datetime:
    """Parse an xs:dateTime as aware UTC (naive values are UTC, as SAML requires).

    Raises MalformedXml.
    """
    if not value:
        raise MalformedXml(f"The {what} is missing a time value.")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as e:
        raise MalformedXml(f"The {what} '{value}' is not an xs:dateTime in UTC.") from e
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def optional_instant(value: str | None, what: str) -> dt.datetime | None:
    """Like parse_instant, but None when the attribute is absent.

    Raises MalformedXml.
    """
    return None if value is None else parse_instant(value, what)
