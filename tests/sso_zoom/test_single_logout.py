"""Single Logout, every path: IdP-initiated by Redirect and by POST, forged and unsigned requests
refused with nothing ended, SP-initiated with the IdP's answer, and no sign-out URL."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote_plus

import pytest
import xmlsec
from zoom_kit import IDP_SLO, IDP_SSO, PUBLIC

from gateway.saml import ns
from gateway.saml.redirect import verify_redirect_signature
from gateway.saml.signature import enveloped_signature, verify_enveloped
from idp_fixtures.idp import TestIdP, read_sp_post, read_sp_redirect

ACS = f"{PUBLIC}/v/acme/saml/SSO"
ENTITY = f"{PUBLIC}/v/acme/saml/metadata/sp"
SLO = f"{PUBLIC}/v/acme/saml/SingleLogout"
JSON = {"Accept": "application/json"}


@pytest.fixture
def signed_in(local_app, acme, configure, idp, clock):
    """Ada signed in to Acme through SSO: (browser client, her session index)."""
    configure(acme)
    client = local_app.test_client()
    response = idp.make_response(
        sp_entity_id=ENTITY,
        acs_url=ACS,
        name_id="ada@acme.test",
        session_index="_idp_session_1",
        now=clock.now(),
    )
    answer = client.post("/v/acme/saml/SSO", data={"SAMLResponse": response}, headers=JSON)
    assert answer.status_code == 200, answer.json
    return client


def is_signed_in(client):
    return client.get("/me", headers=JSON).status_code == 200


def sp_certificate(store, account):
    return next(k.certificate_pem for k in store.sp_keys(account.id) if k.state == "current")


def logout_request(idp, clock, **options):
    options.setdefault("destination", SLO)
    return idp.logout_request(name_id="ada@acme.test", now=clock.now(), **options)


def form_of(page_text):
    action = re.search(r'<form method="post" action="([^"]+)"', page_text).group(1)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page_text))
    return html.unescape(action), {k: html.unescape(v) for k, v in fields.items()}


def test_an_idp_logout_request_by_redirect_ends_the_session_and_is_answered_to_the_sign_out_url(
    signed_in, idp, clock, sqlite_store, acme
):
    request = logout_request(idp, clock)
    query = idp.redirect_query("SAMLRequest", request, relay_state="back-to-portal")
    answer = signed_in.get(f"/v/acme/saml/SingleLogout?{query}")
    assert answer.status_code == 302 and answer.headers["Location"].startswith(IDP_SLO + "?")
    assert not is_signed_in(signed_in)
    response, fields = read_sp_redirect(answer.headers["Location"])
    assert response.tag == ns.samlp("LogoutResponse")
    assert response.get("InResponseTo") == request.get("ID")
    assert response.get("Destination") == IDP_SLO
    status = response.find(f"{ns.samlp('Status')}/{ns.samlp('StatusCode')}")
    assert status.get("Value") == ns.STATUS_SUCCESS
    assert unquote_plus(fields["RelayState"]) == "back-to-portal"
    certificate = sp_certificate(sqlite_store, acme)
    verify_redirect_signature(fields, "SAMLResponse", (certificate,), allow_sha1=False)


def test_an_idp_logout_request_by_post_is_answered_by_post(
    signed_in, idp, clock, sqlite_store, acme
):
    request = logout_request(idp, clock)
    form = idp.post_fields("SAMLRequest", request, relay_state="rs-1")
    answer = signed_in.post("/v/acme/saml/SingleLogout", data=form)
    assert answer.status_code == 200 and not is_signed_in(signed_in)
    text = answer.get_data(as_text=True)
    assert "<title>Signing out</title>" in text
    action, fields = form_of(text)
    assert action == IDP_SLO and fields["RelayState"] == "rs-1"
    response = read_sp_post(fields["SAMLResponse"])
    assert response.tag == ns.samlp("LogoutResponse")
    assert response.get("InResponseTo") == request.get("ID")
    xmlsec.tree.add_ids(response, ["ID"])
    certificate = sp_certificate(sqlite_store, acme)
    verify_enveloped(response, enveloped_signature(response), (certificate,), allow_sha1=False)


@pytest.mark.parametrize("binding", ["Redirect", "POST"])
def test_a_forged_logout_request_is_refused_and_nothing_ends(signed_in, clock, binding):
    forger = TestIdP("https://sts.idp.test/tenant/", key_dir=None)
    forger.keys = TestIdP("https://attacker.test/").keys  # the right name, another key
    request = logout_request(forger, clock)
    if binding == "Redirect":
        query = forger.redirect_query("SAMLRequest", request)
        answer = signed_in.get(f"/v/acme/saml/SingleLogout?{query}", headers=JSON)
        assert answer.status_code == 403 and answer.json["code"] == "signature_invalid"
    else:
        form = forger.post_fields("SAMLRequest", request)
        answer = signed_in.post("/v/acme/saml/SingleLogout", data=form, headers=JSON)
        assert answer.status_code == 403 and answer.json["code"] == "untrusted_key"
    assert is_signed_in(signed_in)


@pytest.mark.parametrize("binding", ["Redirect", "POST"])
def test_an_unsigned_logout_request_is_refused_and_nothing_ends(
    signed_in, idp, clock, binding, sqlite_store, acme
):
    request = logout_request(idp, clock)
    if binding == "Redirect":
        query = idp.redirect_query("SAMLRequest", request, sign=False)
        answer = signed_in.get(f"/v/acme/saml/SingleLogout?{query}", headers=JSON)
    else:
        form = idp.post_fields("SAMLRequest", request, sign=False)
        answer = signed_in.post("/v/acme/saml/SingleLogout", data=form, headers=JSON)
    assert answer.status_code == 403 and answer.json["code"] == "signature_missing"
    assert is_signed_in(signed_in)
    [entry] = sqlite_store.list_audit([acme.id], action="sso.logout_refused").items
    assert entry.target == "signature_missing"


def test_a_logout_request_for_another_destination_is_refused(signed_in, idp, clock):
    request = logout_request(idp, clock, destination="https://other-sp.test/slo")
    query = idp.redirect_query("SAMLRequest", request)
    answer = signed_in.get(f"/v/acme/saml/SingleLogout?{query}", headers=JSON)
    assert answer.status_code == 403 and answer.json["code"] == "destination_mismatch"
    assert is_signed_in(signed_in)


def test_a_refused_logout_page_is_titled_as_a_sign_out(signed_in, idp, clock):
    query = idp.redirect_query("SAMLRequest", logout_request(idp, clock), sign=False)
    page = signed_in.get(f"/v/acme/saml/SingleLogout?{query}").get_data(as_text=True)
    assert "<title>Sign-out refused</title>" in page and "Sign-in" not in page


def test_signing_out_at_the_gateway_tells_the_idp_and_handles_its_answer(
    signed_in, idp, clock, sqlite_store, acme
):
    answer = signed_in.post("/signout")
    assert answer.status_code == 302 and not is_signed_in(signed_in)
    request, fields = read_sp_redirect(answer.headers["Location"])
    assert answer.headers["Location"].startswith(IDP_SLO + "?")
    assert request.tag == ns.samlp("LogoutRequest")
    assert request.findtext(ns.saml("NameID")) == "ada@acme.test"
    assert request.findtext(ns.samlp("SessionIndex")) == "_idp_session_1"
    assert request.findtext(ns.saml("Issuer")) == ENTITY
    certificate = sp_certificate(sqlite_store, acme)
    verify_redirect_signature(fields, "SAMLRequest", (certificate,), allow_sha1=False)
    reply = idp.logout_response(destination=SLO, in_response_to=request.get("ID"), now=clock.now())
    query = idp.redirect_query("SAMLResponse", reply)
    done = signed_in.get(f"/v/acme/saml/SingleLogout?{query}")
    assert done.status_code == 200 and "<title>Signed out</title>" in done.get_data(as_text=True)
    assert "at the identity provider" in done.get_data(as_text=True)
    again = signed_in.get(f"/v/acme/saml/SingleLogout?{query}", headers=JSON)
    assert again.status_code == 403 and again.json["code"] == "in_response_to_unknown"


def test_signing_out_through_the_api_answers_json_with_the_message_for_the_idp(signed_in):
    answer = signed_in.post("/signout", headers=JSON)
    assert answer.status_code == 200 and answer.json["signed_out"] is True
    message = answer.json["idp_message"]
    assert message["binding"] == "Redirect" and message["url"].startswith(IDP_SLO + "?")
    assert not is_signed_in(signed_in)


def test_an_unsigned_logout_request_goes_out_when_signing_it_is_off(signed_in, acme, configure):
    configure(acme, sign_logout_request=False)
    answer = signed_in.post("/signout")
    _, fields = read_sp_redirect(answer.headers["Location"])
    assert "Signature" not in fields and "SigAlg" not in fields


def test_a_post_binding_account_sends_its_logout_request_by_post(signed_in, acme, configure):
    configure(acme, binding="POST")
    answer = signed_in.post("/signout")
    action, fields = form_of(answer.get_data(as_text=True))
    assert action == IDP_SLO
    request = read_sp_post(fields["SAMLRequest"])
    assert request.tag == ns.samlp("LogoutRequest") and enveloped_signature(request) is not None


def test_a_forged_logout_response_is_refused(signed_in, clock):
    answer = signed_in.post("/signout")
    request, _ = read_sp_redirect(answer.headers["Location"])
    forger = TestIdP("https://attacker.test/")
    reply = forger.logout_response(
        destination=SLO,
        in_response_to=request.get("ID"),
        issuer="https://sts.idp.test/tenant/",
        now=clock.now(),
    )
    query = forger.redirect_query("SAMLResponse", reply)
    refused = signed_in.get(f"/v/acme/saml/SingleLogout?{query}", headers=JSON)
    assert refused.status_code == 403 and refused.json["code"] == "signature_invalid"


def test_without_a_sign_out_url_an_idp_request_ends_sessions_here_only(
    signed_in, acme, configure, idp, clock
):
    configure(acme, sign_out_url=None)
    query = idp.redirect_query("SAMLRequest", logout_request(idp, clock))
    answer = signed_in.get(f"/v/acme/saml/SingleLogout?{query}")
    assert answer.status_code == 200 and "Location" not in answer.headers
    text = answer.get_data(as_text=True)
    assert "no sign-out page URL" in text and IDP_SSO not in text
    assert not is_signed_in(signed_in)


def test_without_a_sign_out_url_signing_out_is_local_and_says_so(signed_in, acme, configure):
    configure(acme, sign_out_url=None)
    answer = signed_in.post("/signout", headers=JSON)
    assert answer.status_code == 200 and answer.json["idp_message"] is None
    assert "no sign-out page URL" in answer.json["note"]
    assert not is_signed_in(signed_in)


def test_the_metadata_advertises_both_single_logout_bindings(local_app, acme, configure):
    configure(acme)
    text = local_app.test_client().get("/v/acme/saml/metadata/sp").get_data(as_text=True)
    assert text.count("SingleLogoutService") == 2
    assert ns.BINDING_REDIRECT in text and ns.BINDING_POST in text


def test_the_me_page_offers_the_sign_out_that_tells_the_idp(signed_in):
    page = signed_in.get("/me").get_data(as_text=True)
    assert '<form method="post" action="/signout">' in page
    answer = signed_in.post("/signout")
    assert answer.status_code == 302 and answer.headers["Location"].startswith(IDP_SLO + "?")
    confirm = signed_in.get("/signout").get_data(as_text=True)
    assert "<title>Sign out</title>" in confirm and "Sign-in" not in confirm


def test_a_get_of_the_sign_out_page_never_signs_out(signed_in):
    assert signed_in.get("/signout", headers=JSON).status_code == 200
    assert is_signed_in(signed_in)
