"""Responses the verifier must accept, and what it hands back."""

from __future__ import annotations

import datetime as dt

import pytest
from samlkit import NOW, Harness

from gateway.saml.types import SamlAttribute, SignaturePolicy
from idp_fixtures.idp import TestIdP


@pytest.mark.parametrize(
    ("sign_assertion", "sign_response"), [(True, False), (False, True), (True, True)]
)
def test_signed_assertion_response_or_both_is_accepted(
    harness: Harness, sign_assertion: bool, sign_response: bool
) -> None:
    result = harness.verify(
        harness.response(sign_assertion=sign_assertion, sign_response=sign_response)
    )
    assert result.name_id == "alice@corp.test"
    assert (result.assertion_signed, result.response_signed) == (sign_assertion, sign_response)


def test_encrypted_signed_assertion_is_decrypted_and_accepted(harness: Harness) -> None:
    response = harness.response(encrypt_with_cert_pem=harness.sp_keys.certificate_pem)
    result = harness.verify(response, signatures=SignaturePolicy.ASSERTION)
    assert result.encrypted and result.assertion_signed
    assert result.name_id == "alice@corp.test"


def test_encrypted_assertion_in_signed_response_is_accepted_with_both_signed(
    harness: Harness,
) -> None:
    response = harness.response(
        sign_response=True, encrypt_with_cert_pem=harness.sp_keys.certificate_pem
    )
    result = harness.verify(response, signatures=SignaturePolicy.BOTH)
    assert result.encrypted and result.assertion_signed and result.response_signed


def test_previous_sp_key_still_decrypts_during_rollover(harness: Harness) -> None:
    from idp_fixtures.keys import session_key_pair

    new_keys = session_key_pair("sp-test-next")
    harness.sp = type(harness.sp)(
        harness.sp.entity_id,
        harness.sp.acs_url,
        decryption_key_pem=new_keys.private_key_pem,
        previous_decryption_key_pem=harness.sp_keys.private_key_pem,
    )
    response = harness.response(encrypt_with_cert_pem=harness.sp_keys.certificate_pem)
    assert harness.verify(response).encrypted


def test_result_carries_attributes_session_and_times(harness: Harness) -> None:
    response = harness.response(
        attributes=[
            ("urn:oid:0.9.2342.19200300.100.1.3", "mail", ["alice@corp.test"]),
            ("memberOf", None, ["global_users", "HIPAA"]),
        ],
        session_index="_sess1",
        in_response_to="_req1",
    )
    result = harness.verify(response)
    assert result.attributes == (
        SamlAttribute("urn:oid:0.9.2342.19200300.100.1.3", "mail", ("alice@corp.test",)),
        SamlAttribute("memberOf", None, ("global_users", "HIPAA")),
    )
    assert result.values("mail") == ("alice@corp.test",)
    assert result.session_index == "_sess1"
    assert result.in_response_to == "_req1"
    assert result.issuer == harness.idp.entity_id
    assert result.authn_instant == NOW
    assert result.not_on_or_after == NOW + dt.timedelta(minutes=5)


def test_replay_memory_is_asked_to_keep_the_id_past_expiry_plus_skew(harness: Harness) -> None:
    result = harness.verify(harness.response())
    assert harness.seen == {result.assertion_id: NOW + dt.timedelta(minutes=5, seconds=120)}


def test_second_configured_certificate_verifies_during_rotation(harness: Harness) -> None:
    new_idp = TestIdP("https://idp.test/metadata-rotated")
    response = new_idp.make_response(
        **harness.content(name_id="a@corp.test", issuer=harness.idp.entity_id)
    )
    certificates = (harness.idp.certificate_pem, new_idp.certificate_pem)
    assert harness.verify(response, certificates=certificates).name_id == "a@corp.test"


def test_sha1_is_accepted_when_the_account_allows_it(harness: Harness) -> None:
    response = harness.response(signature_algorithm="rsa-sha1", digest_algorithm="sha1")
    assert harness.verify(response, allow_sha1=True).name_id == "alice@corp.test"


@pytest.mark.parametrize("algorithm", ["rsa-sha384", "rsa-sha512"])
def test_stronger_rsa_algorithms_are_accepted(harness: Harness, algorithm: str) -> None:
    response = harness.response(signature_algorithm=algorithm, digest_algorithm="sha512")
    assert harness.verify(response).assertion_signed


def test_clock_skew_tolerates_a_response_just_inside_the_window(harness: Harness) -> None:
    response = harness.response()
    harness.clock.set(NOW + dt.timedelta(minutes=5, seconds=119))
    assert harness.verify(response).name_id == "alice@corp.test"


def test_clock_skew_tolerates_a_not_before_just_ahead(harness: Harness) -> None:
    response = harness.response(not_before=NOW + dt.timedelta(seconds=120))
    assert harness.verify(response).name_id == "alice@corp.test"


def test_pretty_printed_nameid_whitespace_is_trimmed(harness: Harness) -> None:
    from idp_fixtures.xmlsign import encode

    root = harness.idp.build_response(**harness.content(name_id="\n  bob@corp.test\n"))
    harness.idp.sign(root[2])
    assert harness.verify(encode(root)).name_id == "bob@corp.test"
