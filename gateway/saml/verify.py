"""Verify a SAML Response (HTTP-POST binding) strictly, in-process, and return plain data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import xmlsec
from lxml import etree

from gateway.clock import Clock
from gateway.saml import ns
from gateway.saml.claims import (
    Window,
    check_conditions,
    check_issuer,
    read_attributes,
    read_authn,
    read_subject,
)
from gateway.saml.decrypt import decrypt_assertion
from gateway.saml.errors import (
    AssertionMissing,
    DestinationMismatch,
    EncryptedAssertionNotEnabled,
    InResponseToUnknown,
    MalformedXml,
    MultipleAssertions,
    Replayed,
    SignatureMissing,
    SignatureWrapping,
    StatusNotSuccess,
    UnsolicitedNotAllowed,
)
from gateway.saml.signature import enveloped_signature, verify_enveloped
from gateway.saml.types import IdpTrust, SignaturePolicy, SpIdentity, VerifiedAssertion
from gateway.saml.xmlparse import DEFAULT_MAX_BYTES, decode_base64, parse_xml

_ASSERTION_TAGS = (ns.saml("Assertion"), ns.saml("EncryptedAssertion"))


def verify_response(
    saml_response_b64: str | bytes,
    *,
    trust: IdpTrust,
    sp: SpIdentity,
    clock: Clock,
    is_outstanding_request: Callable[[str], bool],
    remember_assertion: Callable[[str, dt.datetime], bool],
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> VerifiedAssertion:
    """Check every rule of the Web SSO profile and return the assertion's content.

    ``is_outstanding_request(id)`` says whether this SP issued the AuthnRequest ``id`` and still
    waits for it; ``remember_assertion(id, until)`` records the assertion ID and returns False if
    it was already seen. Both are called only after every other check passed.
    Raises a SamlError subclass (see gateway.saml.errors) naming the first rule broken.
    """
    doc = _signed_document(saml_response_b64, trust, sp, max_bytes)
    root, assertion = doc.root, doc.assertion
    in_response_to = root.get("InResponseTo")
    check_issuer(root, trust.entity_id, required=False)
    check_issuer(assertion, trust.entity_id, required=True)
    _check_destination(root, sp.acs_urls(), signed=doc.response_signed)
    window = Window(clock.now(), dt.timedelta(seconds=trust.skew_seconds))
    conditions_end = check_conditions(assertion, sp.entity_id, window)
    subject = read_subject(assertion, sp.acs_urls(), in_response_to, window)
    session_index, authn_instant = read_authn(assertion, window)
    attributes = read_attributes(assertion)
    assertion_id = assertion.get("ID") or ""
    _check_in_response_to(in_response_to, trust, is_outstanding_request)
    ends = (conditions_end, subject.confirmation_not_on_or_after)
    if not remember_assertion(assertion_id, max(ends) + window.skew):
        raise Replayed(
            f"The assertion '{assertion_id}' was already used to sign in. Each assertion is "
            "accepted once: start a new sign-in at the IdP."
        )
    return VerifiedAssertion(
        issuer=trust.entity_id,
        name_id=subject.name_id,
        name_id_format=subject.name_id_format,
        attributes=attributes,
        session_index=session_index,
        assertion_id=assertion_id,
        in_response_to=in_response_to,
        not_on_or_after=min(ends),
        authn_instant=authn_instant,
        response_signed=doc.response_signed,
        assertion_signed=doc.assertion_signed,
        encrypted=doc.encrypted,
        signed_with=doc.signed_with,
    )


@dataclass(frozen=True, slots=True)
class _SignedDocument:
    """The parsed Response and the one assertion its verified signatures cover."""

    root: etree._Element
    assertion: etree._Element  # the very element whose signature (or parent's) was verified
    encrypted: bool
    signed_with: tuple[str | None, str | None]  # the response's and the assertion's verifier

    @property
    def response_signed(self) -> bool:
        return self.signed_with[0] is not None

    @property
    def assertion_signed(self) -> bool:
        return self.signed_with[1] is not None


def _signed_document(
    saml_response_b64: str | bytes, trust: IdpTrust, sp: SpIdentity, max_bytes: int
) -> _SignedDocument:
    """Parse, check structure and status, decrypt, verify signatures and the signing policy."""
    root = parse_xml(decode_base64(saml_response_b64, max_bytes=max_bytes), max_bytes=max_bytes)
    if root.tag != ns.samlp("Response"):
        raise MalformedXml(
            f"Expected a samlp:Response, got <{etree.QName(root).localname}>. Post the IdP's "
            "SAMLResponse to this endpoint."
        )
    _check_status(root)
    _refuse_duplicate_ids(root)
    response_signer = _verify_if_signed(root, trust)
    assertion, encrypted = _sole_assertion(root)
    if encrypted and not sp.accept_encrypted:
        raise EncryptedAssertionNotEnabled(
            "The IdP encrypted the assertion, but this account does not support encrypted "
            "assertions. Turn on 'Also support encrypted assertions' on the SSO page, or turn "
            "assertion encryption off in the IdP app."
        )
    if encrypted:
        assertion = decrypt_assertion(assertion, sp.decryption_keys(), max_bytes=max_bytes)
        _refuse_duplicate_ids(assertion)
        _refuse_nested_assertions(assertion)
    assertion_signer = _verify_if_signed(assertion, trust)
    _check_policy(trust.signatures, response_signer is not None, assertion_signer is not None)
    return _SignedDocument(root, assertion, encrypted, (response_signer, assertion_signer))


def _check_status(root: etree._Element) -> None:
    status = root.find(ns.samlp("Status"))
    code = status.find(ns.samlp("StatusCode")) if status is not None else None
    if status is None or code is None:
        raise MalformedXml("The Response has no Status/StatusCode.")
    if code.get("Value") != ns.STATUS_SUCCESS:
        sub = code.find(ns.samlp("StatusCode"))
        detail = (status.findtext(ns.samlp("StatusMessage")) or "")[:200]
        raise StatusNotSuccess(
            f"The IdP refused the sign-in: status '{code.get('Value') or '(none given)'}'"
            + (f" / '{sub.get('Value')}'" if sub is not None else "")
            + (f" ({detail.strip()})" if detail else "")
            + ". Check the user's assignment to the app in the IdP.",
            idp_status=code.get("Value"),
        )


# Every attribute whose local name is ID, in any namespace (one C-level walk of the tree).
_ID_VALUES = etree.XPath("//@*[local-name()='ID']")


def _refuse_duplicate_ids(root: etree._Element) -> None:
    # xmlsec registers every attribute whose local name is ID, in any namespace, and resolves a
    # duplicate to the first in document order: so every such attribute must be unique.
    values = [str(v) for v in _ID_VALUES(root)]
    if len(set(values)) != len(values):
        value = next(v for v, n in Counter(values).items() if n > 1)
        raise SignatureWrapping(
            f"Two elements carry the ID '{value}'. A signature reference must point to "
            "one element only; the response was altered (XML signature wrapping)."
        )
    xmlsec.tree.add_ids(root, ["ID"])


def _sole_assertion(root: etree._Element) -> tuple[etree._Element, bool]:
    direct = [child for child in root if child.tag in _ASSERTION_TAGS]
    if len(direct) > 1:
        raise MultipleAssertions(
            f"The Response carries {len(direct)} assertions; exactly one is accepted."
        )
    _refuse_nested_assertions(root, allowed=len(direct))
    if not direct:
        raise AssertionMissing(
            "The Response carries no Assertion. Check the IdP app's SAML settings."
        )
    return direct[0], direct[0].tag == ns.saml("EncryptedAssertion")


def _refuse_nested_assertions(root: etree._Element, allowed: int = 1) -> None:
    if sum(1 for _ in root.iter(*_ASSERTION_TAGS)) > allowed:
        raise SignatureWrapping(
            "An assertion is hidden inside another element (for example in a Signature, "
            "Extensions or Advice); the response was altered (XML signature wrapping)."
        )


def _verify_if_signed(element: etree._Element, trust: IdpTrust) -> str | None:
    """The configured certificate that verifies ``element``'s signature; None when unsigned."""
    signature = enveloped_signature(element)
    if signature is None:
        return None
    return verify_enveloped(element, signature, trust.certificates, allow_sha1=trust.allow_sha1)


def _check_policy(policy: SignaturePolicy, response_signed: bool, assertion_signed: bool) -> None:
    missing = {
        SignaturePolicy.EITHER: not (response_signed or assertion_signed),
        SignaturePolicy.RESPONSE: not response_signed,
        SignaturePolicy.ASSERTION: not assertion_signed,
        SignaturePolicy.BOTH: not (response_signed and assertion_signed),
    }[policy]
    if missing:
        got = [n for n, s in (("response", response_signed), ("assertion", assertion_signed)) if s]
        signed = f"only the {got[0]}" if got else "neither"
        raise SignatureMissing(
            f"This account requires {_REQUIRED[policy]} to be signed, but the IdP signed "
            f"{signed}. Turn on the matching signing option in the IdP's SAML app, or change the "
            f"account's required signatures (SAML setting 'signatures', now '{policy.value}')."
        )


_REQUIRED = {
    SignaturePolicy.EITHER: "the response or the assertion",
    SignaturePolicy.RESPONSE: "the response",
    SignaturePolicy.ASSERTION: "the assertion",
    SignaturePolicy.BOTH: "both the response and the assertion",
}


def _check_destination(root: etree._Element, acs_urls: tuple[str, ...], *, signed: bool) -> None:
    destination = root.get("Destination")
    if destination is None and not signed:
        return
    if destination not in acs_urls:
        acs_url = acs_urls[0]
        raise DestinationMismatch(
            f"The Response's Destination is '{destination}' but this SP's ACS URL is "
            f"'{acs_url}'. Set the ACS URL in your IdP app to '{acs_url}'."
        )


def _check_in_response_to(
    in_response_to: str | None, trust: IdpTrust, is_outstanding: Callable[[str], bool]
) -> None:
    if in_response_to is None:
        if not trust.allow_unsolicited:
            raise UnsolicitedNotAllowed(
                "This response was not requested by this SP (IdP-initiated sign-in), which this "
                "account does not allow. Start from the gateway's sign-in page, or allow "
                "IdP-initiated sign-in."
            )
        return
    if not is_outstanding(in_response_to):
        raise InResponseToUnknown(
            f"The response answers request '{in_response_to}', which this SP did not issue or "
            "already finished. Start a new sign-in from the gateway."
        )
