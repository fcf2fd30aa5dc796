"""Strict reading of an assertion's conditions, subject, authn statement and attributes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from gateway.saml import ns
from gateway.saml.errors import (
    AudienceMismatch,
    DecryptionFailed,
    Expired,
    IssuerUnknown,
    MalformedXml,
    NotYetValid,
    RecipientMismatch,
    SamlError,
    SubjectConfirmationInvalid,
)
from gateway.saml.types import SamlAttribute
from gateway.saml.xmlparse import optional_instant, parse_instant, strict_text


@dataclass(frozen=True, slots=True)
class Window:
    """The checking instant and the allowed clock skew."""

    now: dt.datetime
    skew: dt.timedelta

    def check_not_before(self, instant: dt.datetime | None, what: str) -> None:
        """Raises NotYetValid when ``instant`` is still ahead, beyond the skew."""
        if instant is not None and self.now + self.skew < instant:
            raise NotYetValid(
                f"The {what} starts at {instant.isoformat()} but it is {self.now.isoformat()} "
                f"here (skew {self.skew.seconds} s). Check the IdP's clock or raise the skew."
            )

    def check_not_on_or_after(self, instant: dt.datetime | None, what: str) -> None:
        """Raises Expired when ``instant`` has passed, beyond the skew."""
        if instant is not None and self.now - self.skew >= instant:
            raise Expired(
                f"The {what} expired at {instant.isoformat()}; it is {self.now.isoformat()} "
                f"here (skew {self.skew.seconds} s). Sign in again; if this repeats, check "
                "the IdP's clock."
            )


def only(parent: etree._Element, tag: str, what: str) -> etree._Element:
    """The single child ``tag`` of ``parent``.

    Raises MalformedXml when it is missing or repeated.
    """
    found = parent.findall(tag)
    if len(found) != 1:
        raise MalformedXml(f"The {what} must appear exactly once, found {len(found)}.")
    return found[0]


def check_issuer(element: etree._Element, entity_id: str, *, required: bool) -> None:
    """Compare the element's Issuer to the configured IdP entity ID.

    Raises IssuerUnknown, CommentInjection or MalformedXml.
    """
    what = etree.QName(element).localname
    issuers = element.findall(ns.saml("Issuer"))
    if not issuers and not required:
        return
    if len(issuers) != 1:
        raise IssuerUnknown(f"The {what} must name its Issuer exactly once.")
    issuer = strict_text(issuers[0], f"{what} Issuer")
    if issuer != entity_id:
        raise IssuerUnknown(
            f"The {what} was issued by '{issuer}' but this account trusts the IdP "
            f"'{entity_id}'. Fix the IdP entity ID in the SSO settings (or import its metadata)."
        )


def check_conditions(assertion: etree._Element, sp_entity_id: str, window: Window) -> dt.datetime:
    """Check validity window and audience; return Conditions NotOnOrAfter.

    Raises NotYetValid, Expired, AudienceMismatch or MalformedXml.
    """
    conditions = assertion.findall(ns.saml("Conditions"))
    if len(conditions) != 1:
        raise AudienceMismatch(
            f"The assertion has {len(conditions)} Conditions elements; exactly one, with an "
            f"AudienceRestriction naming '{sp_entity_id}', is required."
        )
    cond = conditions[0]
    window.check_not_before(optional_instant(cond.get("NotBefore"), "NotBefore"), "assertion")
    not_on_or_after = parse_instant(cond.get("NotOnOrAfter"), "Conditions NotOnOrAfter")
    window.check_not_on_or_after(not_on_or_after, "assertion")
    restrictions = cond.findall(ns.saml("AudienceRestriction"))
    if not restrictions:
        raise AudienceMismatch(
            f"The assertion has no AudienceRestriction. Set the Audience (SP Entity ID) in "
            f"your IdP app to '{sp_entity_id}'."
        )
    for restriction in restrictions:
        audiences = [strict_text(a, "Audience") for a in restriction.findall(ns.saml("Audience"))]
        if sp_entity_id not in audiences:
            raise AudienceMismatch(
                f"The assertion's Audience is {', '.join(repr(a) for a in audiences) or 'empty'} "
                f"but this SP's entity ID is '{sp_entity_id}'. Set the Audience (SP Entity ID) "
                f"in your IdP app to '{sp_entity_id}'."
            )
    return not_on_or_after


@dataclass(frozen=True, slots=True)
class Subject:
    """The NameID and the bearer confirmation's expiry."""

    name_id: str
    name_id_format: str | None
    confirmation_not_on_or_after: dt.datetime


def read_subject(
    assertion: etree._Element,
    acs_urls: tuple[str, ...],
    in_response_to: str | None,
    window: Window,
) -> Subject:
    """Read the NameID and require one valid bearer SubjectConfirmation whose Recipient is one
    of ``acs_urls`` (the SP's ACS addresses, the usual one first).

    Raises RecipientMismatch, Expired, SubjectConfirmationInvalid, CommentInjection or
    MalformedXml.
    """
    subject = only(assertion, ns.saml("Subject"), "assertion Subject")
    if subject.find(ns.saml("EncryptedID")) is not None:
        raise DecryptionFailed("Encrypted NameIDs are not supported; send a plain NameID.")
    name_id_element = only(subject, ns.saml("NameID"), "Subject NameID")
    name_id = strict_text(name_id_element, "NameID")
    if not name_id:
        raise MalformedXml("The NameID is empty. Configure the IdP to send the user's NameID.")
    bearers = [
        sc
        for sc in subject.findall(ns.saml("SubjectConfirmation"))
        if sc.get("Method") == ns.BEARER
    ]
    if not bearers:
        raise SubjectConfirmationInvalid(
            "The assertion has no bearer SubjectConfirmation; the Web SSO profile requires "
            f"Method '{ns.BEARER}'."
        )
    failures: list[SamlError] = []
    for bearer in bearers:
        try:
            expiry = _check_bearer(bearer, acs_urls, in_response_to, window)
        except SamlError as e:
            failures.append(e)
            continue
        return Subject(name_id, name_id_element.get("Format"), expiry)
    raise failures[0]


def _check_bearer(
    bearer: etree._Element, acs_urls: tuple[str, ...], in_response_to: str | None, window: Window
) -> dt.datetime:
    data = only(bearer, ns.saml("SubjectConfirmationData"), "bearer SubjectConfirmationData")
    recipient = data.get("Recipient")
    if recipient not in acs_urls:
        acs_url = acs_urls[0]
        raise RecipientMismatch(
            f"The assertion's Recipient is '{recipient}' but this SP's ACS URL is '{acs_url}'. "
            f"Set the ACS (Recipient) URL in your IdP app to '{acs_url}'."
        )
    if data.get("NotBefore") is not None:
        raise SubjectConfirmationInvalid(
            "The bearer SubjectConfirmationData carries NotBefore, which the Web SSO profile "
            "forbids."
        )
    expiry = parse_instant(data.get("NotOnOrAfter"), "SubjectConfirmationData NotOnOrAfter")
    window.check_not_on_or_after(expiry, "bearer subject confirmation")
    if data.get("InResponseTo") != in_response_to:
        raise SubjectConfirmationInvalid(
            f"The assertion's bearer SubjectConfirmationData {_answers(data.get('InResponseTo'))}"
            f", but the Response {_answers(in_response_to)}. The IdP must put the same request "
            "ID in both (or in neither, for an IdP-initiated sign-in)."
        )
    return expiry


def _answers(request_id: str | None) -> str:
    if request_id is None:
        return "names no request (InResponseTo is absent)"
    return f"answers request '{request_id}'"


def read_authn(assertion: etree._Element, window: Window) -> tuple[str | None, dt.datetime | None]:
    """SessionIndex and AuthnInstant of the first AuthnStatement.

    Raises Expired when SessionNotOnOrAfter has passed, or MalformedXml.
    """
    statement = assertion.find(ns.saml("AuthnStatement"))
    if statement is None:
        return None, None
    session_end = optional_instant(statement.get("SessionNotOnOrAfter"), "SessionNotOnOrAfter")
    window.check_not_on_or_after(session_end, "IdP session")
    instant = optional_instant(statement.get("AuthnInstant"), "AuthnInstant")
    return statement.get("SessionIndex"), instant


def read_attributes(assertion: etree._Element) -> tuple[SamlAttribute, ...]:
    """Every Attribute with its values read strictly as plain text.

    Raises CommentInjection, MalformedXml or DecryptionFailed (EncryptedAttribute).
    """
    found: list[SamlAttribute] = []
    for statement in assertion.iterfind(ns.saml("AttributeStatement")):
        if statement.find(ns.saml("EncryptedAttribute")) is not None:
            raise DecryptionFailed(
                "Individually encrypted attributes are not supported; encrypt the whole "
                "assertion instead."
            )
        for attribute in statement.iterfind(ns.saml("Attribute")):
            name = attribute.get("Name")
            if not name:
                raise MalformedXml("An Attribute has no Name.")
            values = tuple(
                strict_text(value, f"value of attribute '{name}'")
                for value in attribute.iterfind(ns.saml("AttributeValue"))
            )
            found.append(SamlAttribute(name, attribute.get("FriendlyName"), values))
    return tuple(found)
