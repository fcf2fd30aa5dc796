"""SP metadata, signed AuthnRequest, IdP metadata import and Single Logout messages."""

from __future__ import annotations

import base64
import zlib
from importlib.resources import files
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import saml2.data.schemas
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree
from saml2.attribute_converter import ac_factory
from saml2.mdstore import InMemoryMetaData
from saml2.xml.schema import _create_xml_schema_validator
from samlkit import ACS_URL, NOW, SP_ENTITY_ID

from gateway.clock import FrozenClock
from gateway.saml import ns
from gateway.saml.errors import SamlError
from gateway.saml.idp_metadata import parse_idp_metadata
from gateway.saml.redirect import signed_redirect_url
from gateway.saml.slo import (
    IncomingMessage,
    build_logout_request,
    build_logout_response,
    read_logout_request,
)
from gateway.saml.sp import Signing, SpSettings, build_authn_request_redirect, sp_metadata_xml
from gateway.saml.types import IdpTrust
from idp_fixtures.idp import TestIdP
from idp_fixtures.keys import KeyPair, session_key_pair

SLO_URL = "https://gw.test/v/acme/saml/SingleLogout"
IDP_SSO = "https://idp.test/sso"


@pytest.fixture()
def settings(sp_keys: KeyPair) -> SpSettings:
    return SpSettings(
        SP_ENTITY_ID,
        ACS_URL,
        SLO_URL,
        sp_keys.private_key_pem,
        sp_keys.certificate_pem,
        next_certificate_pem=session_key_pair("sp-test-next").certificate_pem,
    )


def test_sp_metadata_is_valid_against_the_saml_metadata_schema(settings: SpSettings) -> None:
    schema_path = str(files(saml2.data.schemas).joinpath("saml-schema-metadata-2.0.xsd"))
    validator = _create_xml_schema_validator(schema_path)
    validator.validate(etree.fromstring(sp_metadata_xml(settings).encode()))


def test_sp_metadata_loads_in_pysaml2_with_endpoints_and_both_signing_certificates(
    settings: SpSettings,
) -> None:
    store = InMemoryMetaData(ac_factory(), sp_metadata_xml(settings), check_validity=False)
    store.load()
    entity = store[SP_ENTITY_ID]["spsso_descriptor"][0]
    assert entity["assertion_consumer_service"][0]["location"] == ACS_URL
    assert {s["binding"] for s in entity["single_logout_service"]} == {
        ns.BINDING_REDIRECT,
        ns.BINDING_POST,
    }
    uses = [k["use"] for k in entity["key_descriptor"]]
    assert uses == ["signing", "signing", "encryption"]
    assert [f["text"] for f in entity["name_id_format"]] == [
        ns.NAMEID_EMAIL,
        ns.NAMEID_UNSPECIFIED,
        ns.NAMEID_PERSISTENT,
    ]


def _verify_query_signature(url: str, certificate_pem: str, kind: str) -> bytes:
    query = urlsplit(url).query
    parts = dict(p.split("=", 1) for p in query.split("&"))
    signed = "&".join(f"{n}={parts[n]}" for n in (kind, "RelayState", "SigAlg") if n in parts)
    public_key = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    signature = base64.b64decode(parse_qs(query)["Signature"][0])
    public_key.verify(signature, signed.encode(), padding.PKCS1v15(), hashes.SHA256())
    return zlib.decompress(base64.b64decode(parse_qs(query)[kind][0]), -15)


def test_authn_request_is_signed_over_the_query_string_and_names_the_acs(
    settings: SpSettings,
) -> None:
    request_id, url = build_authn_request_redirect(
        settings, IDP_SSO, "/me?x=1", clock=FrozenClock(NOW)
    )
    assert url.startswith(IDP_SSO + "?SAMLRequest=")
    xml = etree.fromstring(_verify_query_signature(url, settings.certificate_pem, "SAMLRequest"))
    assert xml.tag == ns.samlp("AuthnRequest")
    assert xml.get("ID") == request_id
    assert xml.get("AssertionConsumerServiceURL") == ACS_URL
    assert xml.get("IssueInstant") == "2026-03-01T09:00:00Z"
    assert xml.findtext(ns.saml("Issuer")) == SP_ENTITY_ID
    assert parse_qs(urlsplit(url).query)["RelayState"] == ["/me?x=1"]
    assert parse_qs(urlsplit(url).query)["SigAlg"] == [ns.RSA_SHA256]


def test_idp_metadata_gives_entity_id_endpoints_and_certificate(idp: TestIdP) -> None:
    info = parse_idp_metadata(idp.metadata_xml(IDP_SSO, slo_url="https://idp.test/slo"))
    assert info.entity_id == idp.entity_id
    assert info.sso_url_redirect == info.sso_url_post == IDP_SSO
    assert info.slo_url == "https://idp.test/slo"
    assert info.certificates == (idp.certificate_pem,)


@pytest.mark.parametrize(
    "xml",
    [
        '<!DOCTYPE x [<!ENTITY e SYSTEM "http://evil.test/">]><x>&e;</x>',
        "<md:EntityDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata' entityID='x'/>",
        "not xml",
    ],
)
def test_unusable_idp_metadata_is_refused(xml: str) -> None:
    with pytest.raises(SamlError) as caught:
        parse_idp_metadata(xml)
    assert caught.value.code == "metadata_invalid"


def _redirect(query: str) -> IncomingMessage:
    return IncomingMessage("Redirect", query)


def _idp_logout_request(idp: TestIdP, name_id: str) -> str:
    xml = (
        f'<samlp:LogoutRequest xmlns:samlp="{ns.SAMLP}" xmlns:saml="{ns.SAML}" ID="_lr1" '
        f'Version="2.0" IssueInstant="2026-03-01T09:00:00Z"><saml:Issuer>{idp.entity_id}'
        f"</saml:Issuer><saml:NameID>{name_id}</saml:NameID>"
        "<samlp:SessionIndex>_s1</samlp:SessionIndex></samlp:LogoutRequest>"
    )
    url = signed_redirect_url(SLO_URL, "SAMLRequest", xml.encode(), idp.keys.private_key_pem, "rs")
    return urlsplit(url).query


def test_idp_initiated_logout_request_is_verified_and_answered(
    idp: TestIdP, settings: SpSettings
) -> None:
    trust = IdpTrust(idp.entity_id, (idp.certificate_pem,))
    info = read_logout_request(_redirect(_idp_logout_request(idp, "alice@corp.test")), trust, ())
    assert (info.request_id, info.name_id, info.session_indexes) == (
        "_lr1",
        "alice@corp.test",
        ("_s1",),
    )
    url = build_logout_response(
        settings,
        "https://idp.test/slo",
        info.request_id,
        relay_state=None,
        binding="Redirect",
        signing=Signing(),
    ).url
    xml = etree.fromstring(_verify_query_signature(url, settings.certificate_pem, "SAMLResponse"))
    assert xml.get("InResponseTo") == "_lr1"
    status = xml.find(f"{ns.samlp('Status')}/{ns.samlp('StatusCode')}")
    assert status is not None and status.get("Value") == ns.STATUS_SUCCESS


def test_logout_request_with_a_forged_signature_is_refused(idp: TestIdP) -> None:
    trust = IdpTrust(idp.entity_id, (idp.certificate_pem,))
    query = _idp_logout_request(TestIdP("https://attacker.test/idp"), "alice@corp.test")
    forged = _idp_logout_request(idp, "alice@corp.test").split("&Signature=")[0]
    forged += "&Signature=" + query.split("&Signature=")[1]
    with pytest.raises(SamlError) as caught:
        read_logout_request(_redirect(forged), trust, ())
    assert caught.value.code == "signature_invalid"


def test_unsigned_logout_request_is_refused(idp: TestIdP) -> None:
    trust = IdpTrust(idp.entity_id, (idp.certificate_pem,))
    unsigned = _idp_logout_request(idp, "a@corp.test").split("&SigAlg=")[0]
    with pytest.raises(SamlError) as caught:
        read_logout_request(_redirect(unsigned), trust, ())
    assert caught.value.code == "signature_missing"


def test_sp_initiated_logout_request_is_signed(settings: SpSettings) -> None:
    message = build_logout_request(
        settings,
        "https://idp.test/slo",
        "alice@corp.test",
        name_id_format=None,
        session_index="_s1",
        relay_state=None,
        binding="Redirect",
        signing=Signing(),
    )
    request_id, url = message.message_id, message.url
    xml = etree.fromstring(_verify_query_signature(url, settings.certificate_pem, "SAMLRequest"))
    assert xml.get("ID") == request_id
    assert xml.findtext(ns.saml("NameID")) == "alice@corp.test"
    assert xml.findtext(ns.samlp("SessionIndex")) == "_s1"
    assert "RelayState" not in urlencode(parse_qs(urlsplit(url).query))
