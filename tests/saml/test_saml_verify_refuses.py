"""Every refusal of the verifier, each asserted by its stable code."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable

import pytest
from samlkit import ACS_URL, NOW, Harness

from gateway.saml.errors import SamlError
from gateway.saml.types import SignaturePolicy
from idp_fixtures import attacks
from idp_fixtures.idp import TestIdP
from idp_fixtures.xmlsign import decode, encode


def refusal(call: Callable[[], object]) -> SamlError:
    """Run ``call`` and return the SamlError it raised (fails when it returns)."""
    with pytest.raises(SamlError) as caught:
        call()
    return caught.value


def code_of(harness: Harness, response: str, **trust_changes: object) -> str:
    """The refusal code for ``response``."""
    return refusal(lambda: harness.verify(response, **trust_changes)).code


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("xsw1", "signature_wrapping"),
        ("xsw2", "signature_wrapping"),
        ("xsw3", "multiple_assertions"),
        ("xsw4", "signature_wrapping"),
        ("xsw5", "multiple_assertions"),
        ("xsw6", "signature_wrapping"),
        ("xsw7", "signature_wrapping"),
        ("xsw8", "signature_wrapping"),
    ],
)
def test_signature_wrapping_variant_is_refused(
    harness: Harness, variant: str, expected: str
) -> None:
    sign_response = variant in ("xsw1", "xsw2")
    genuine = harness.response(sign_response=sign_response, sign_assertion=not sign_response)
    assert harness.verify(genuine).name_id == "alice@corp.test"  # the original is valid
    harness.seen.clear()
    assert code_of(harness, attacks.XSW_VARIANTS[variant](genuine)) == expected


def test_duplicate_ids_are_refused_as_wrapping(harness: Harness) -> None:
    assert code_of(harness, attacks.duplicate_id(harness.response())) == "signature_wrapping"


def test_an_id_repeated_in_another_namespace_is_refused_as_wrapping(harness: Harness) -> None:
    response = attacks.namespaced_duplicate_id(harness.response())
    assert code_of(harness, response) == "signature_wrapping"


def test_signature_referencing_another_element_is_refused_as_wrapping(harness: Harness) -> None:
    root = decode(harness.response(sign_assertion=True))
    root[2].set("ID", "_renamed")  # the reference now points nowhere in its parent
    assert code_of(harness, encode(root)) == "signature_wrapping"


def test_comment_injected_nameid_never_yields_the_victim(harness: Harness) -> None:
    response = attacks.comment_in_name_id(
        harness.idp, "victim@corp.test", ".evil.test", **harness.content()
    )
    error = refusal(lambda: harness.verify(response))
    assert error.code == "comment_injection"


def test_comment_inside_digest_value_is_refused(harness: Harness) -> None:
    response = attacks.comment_in_digest_value(harness.response())
    assert code_of(harness, response) == "comment_injection"


def test_two_references_are_refused(harness: Harness) -> None:
    response = attacks.two_references(harness.idp, **harness.content(name_id="a@corp.test"))
    assert code_of(harness, response) == "signature_wrapping"


def test_attacker_certificate_in_key_info_is_not_trusted(harness: Harness) -> None:
    attacker = TestIdP("https://attacker.test/idp")
    response = attacks.attacker_key_info(
        attacker, harness.idp.entity_id, **harness.content(name_id="a@corp.test")
    )
    assert code_of(harness, response) == "untrusted_key"


def test_hmac_signature_is_refused(harness: Harness) -> None:
    response = attacks.hmac_signed(harness.idp, **harness.content(name_id="a@corp.test"))
    assert code_of(harness, response) == "weak_algorithm"


def test_nameid_changed_after_signing_is_refused(harness: Harness) -> None:
    assert code_of(harness, attacks.tamper_name_id(harness.response())) == "signature_invalid"


@pytest.mark.parametrize(
    "build", [attacks.xxe, attacks.billion_laughs, attacks.utf16_doctype], ids=lambda f: f.__name__
)
def test_doctype_attacks_are_refused_as_malformed(
    harness: Harness, build: Callable[[], str]
) -> None:
    assert code_of(harness, build()) == "malformed_xml"


def test_sha1_is_refused_by_default(harness: Harness) -> None:
    response = harness.response(signature_algorithm="rsa-sha1", digest_algorithm="sha1")
    assert code_of(harness, response) == "weak_algorithm"


def test_sha1_digest_under_sha256_signature_is_refused_by_default(harness: Harness) -> None:
    assert code_of(harness, harness.response(digest_algorithm="sha1")) == "weak_algorithm"


def test_unsigned_response_is_refused(harness: Harness) -> None:
    assert code_of(harness, harness.response(sign_assertion=False)) == "signature_missing"


def test_unsigned_assertion_in_signed_response_is_refused_when_assertion_signing_required(
    harness: Harness,
) -> None:
    response = harness.response(sign_assertion=False, sign_response=True)
    assert code_of(harness, response, signatures=SignaturePolicy.ASSERTION) == "signature_missing"


def test_signed_assertion_alone_is_refused_when_both_required(harness: Harness) -> None:
    assert code_of(harness, harness.response(), signatures=SignaturePolicy.BOTH) == (
        "signature_missing"
    )


def test_replayed_assertion_is_refused(harness: Harness) -> None:
    response = harness.response()
    harness.verify(response)
    assert code_of(harness, response) == "replayed"


def test_second_assertion_is_refused(harness: Harness) -> None:
    root = decode(harness.response())
    other = decode(harness.response())[2]
    root.append(other)
    assert code_of(harness, encode(root)) == "multiple_assertions"


def test_response_without_assertion_is_refused(harness: Harness) -> None:
    root = decode(harness.response(sign_assertion=False))
    root.remove(root[2])
    harness.idp.sign(root)
    assert code_of(harness, encode(root)) == "assertion_missing"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"audience": "https://other.test/sp"}, "audience_mismatch"),
        ({"recipient": "https://other.test/acs"}, "recipient_mismatch"),
        ({"destination": "https://other.test/acs"}, "destination_mismatch"),
        ({"issuer": "https://other-idp.test"}, "issuer_unknown"),
        ({"in_response_to": "_never_sent"}, "in_response_to_unknown"),
    ],
)
def test_mismatching_content_is_refused(
    harness: Harness, options: dict[str, str], expected: str
) -> None:
    assert code_of(harness, harness.response(sign_response=True, **options)) == expected


def test_audience_message_says_what_to_set(harness: Harness) -> None:
    error = refusal(lambda: harness.verify(harness.response(audience="x")))
    assert error.message == (
        f"The assertion's Audience is 'x' but this SP's entity ID is '{harness.sp.entity_id}'. "
        f"Set the Audience (SP Entity ID) in your IdP app to '{harness.sp.entity_id}'."
    )


def test_unsolicited_response_is_refused_unless_allowed(harness: Harness) -> None:
    response = harness.response()
    assert code_of(harness, response, allow_unsolicited=False) == "unsolicited_not_allowed"


def test_expired_response_is_refused_one_second_past_the_skew(harness: Harness) -> None:
    response = harness.response()
    harness.clock.set(NOW + dt.timedelta(minutes=5, seconds=120))
    assert code_of(harness, response) == "expired"


def test_not_yet_valid_response_is_refused_one_second_before_the_skew(harness: Harness) -> None:
    response = harness.response(not_before=NOW + dt.timedelta(seconds=121))
    assert code_of(harness, response) == "not_yet_valid"


def test_zero_skew_is_exact(harness: Harness) -> None:
    response = harness.response(not_before=NOW + dt.timedelta(seconds=1))
    assert code_of(harness, response, skew_seconds=0) == "not_yet_valid"


def test_status_other_than_success_is_refused(harness: Harness) -> None:
    root = decode(harness.response())
    code = next(root.iter("{urn:oasis:names:tc:SAML:2.0:protocol}StatusCode"))
    code.set("Value", "urn:oasis:names:tc:SAML:2.0:status:Responder")
    assert code_of(harness, encode(root)) == "status_not_success"


def test_missing_bearer_confirmation_is_refused(harness: Harness) -> None:
    root = harness.idp.build_response(**harness.content(name_id="a@corp.test"))
    confirmation = next(root.iter("{urn:oasis:names:tc:SAML:2.0:assertion}SubjectConfirmation"))
    confirmation.set("Method", "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches")
    harness.idp.sign(root[2])
    assert code_of(harness, encode(root)) == "subject_confirmation_invalid"


def test_encrypted_assertion_for_another_key_is_refused(harness: Harness) -> None:
    stranger = TestIdP("https://stranger.test")
    response = harness.response(encrypt_with_cert_pem=stranger.certificate_pem)
    assert code_of(harness, response) == "decryption_failed"


def test_oversized_response_is_refused(harness: Harness) -> None:
    response = harness.response(attributes={"big": ["x" * 300_000]})
    assert code_of(harness, response) == "too_large"


@pytest.mark.parametrize("body", ["not base64!", "QUJD=", "QUJDRA==="])
def test_text_that_is_not_base64_is_refused(harness: Harness, body: str) -> None:
    assert code_of(harness, body) == "not_base64"


@pytest.mark.parametrize("body", ["", "   \n", base64.b64encode(b"   ").decode()])
def test_empty_response_is_refused(harness: Harness, body: str) -> None:
    assert code_of(harness, body) == "empty_response"


def test_non_xml_is_refused_as_malformed(harness: Harness) -> None:
    assert code_of(harness, base64.b64encode(b"<not-closed>").decode()) == "malformed_xml"


def test_acs_url_in_messages_is_the_configured_one(harness: Harness) -> None:
    error = refusal(lambda: harness.verify(harness.response(recipient="https://x.test/acs")))
    assert ACS_URL in error.message and error.status == 403


def test_confirmation_answering_another_request_is_refused(harness: Harness) -> None:
    root = harness.idp.build_response(
        **harness.content(name_id="a@corp.test", in_response_to="_req1")
    )
    data = next(root.iter("{urn:oasis:names:tc:SAML:2.0:assertion}SubjectConfirmationData"))
    data.set("InResponseTo", "_other")
    harness.idp.sign(root[2])
    assert code_of(harness, encode(root)) == "subject_confirmation_invalid"


def test_assertion_signature_alone_is_refused_when_response_signing_required(
    harness: Harness,
) -> None:
    response = harness.response()
    assert code_of(harness, response, signatures=SignaturePolicy.RESPONSE) == "signature_missing"


class RecordingRequests(set[str]):
    """Outstanding request IDs that note every lookup (a store may consume on lookup)."""

    def __init__(self, *ids: str) -> None:
        super().__init__(ids)
        self.asked: list[object] = []

    def __contains__(self, request_id: object) -> bool:
        self.asked.append(request_id)
        return super().__contains__(request_id)


def test_refused_response_neither_consumes_the_request_nor_the_assertion_id(
    harness: Harness,
) -> None:
    harness.outstanding = requests = RecordingRequests("_req1")
    response = harness.response(in_response_to="_req1", audience="https://other.test")
    with pytest.raises(SamlError):
        harness.verify(response)
    assert requests.asked == [] and harness.seen == {}
    harness.verify(harness.response(in_response_to="_req1"))
    assert requests.asked == ["_req1"]
