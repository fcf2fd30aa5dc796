"""What the SSO settings change in the messages and sessions: binding, request signing, hash,
encrypted assertions, automatic logout, and SSO only with a vanity."""

from __future__ import annotations

import base64
import html
import re
from urllib.parse import unquote_plus

import pytest
import xmlsec
from lxml import etree
from zoom_kit import IDP_SSO, PUBLIC

from gateway.saml import ns
from gateway.saml.redirect import verify_redirect_signature
from gateway.saml.signature import enveloped_signature, verify_enveloped
from idp_fixtures.idp import read_sp_redirect

ACS = f"{PUBLIC}/v/acme/saml/SSO"
ENTITY = f"{PUBLIC}/v/acme/saml/metadata/sp"


def sp_certificate(store, account):
    return next(k.certificate_pem for k in store.sp_keys(account.id) if k.state == "current")


def sign_in(client, idp, clock, name_id="ada@acme.test", **options):
    response = idp.make_response(
        sp_entity_id=ENTITY, acs_url=ACS, name_id=name_id, now=clock.now(), **options
    )
    return client.post(
        "/v/acme/saml/SSO", data={"SAMLResponse": response}, headers={"Accept": "application/json"}
    )


def test_http_post_binding_sends_a_self_submitting_form_with_a_signed_request(
    local_app, acme, configure, sqlite_store, idp, clock
):
    configure(acme, binding="HTTP-POST")  # Zoom's word; stored as POST
    client = local_app.test_client()
    page = client.get("/v/acme/saml/login?RelayState=/me")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert f'action="{IDP_SSO}"' in text and "document.forms[0].submit()" in text
    value = html.unescape(re.search(r'name="SAMLRequest" value="([^"]+)"', text).group(1))
    request = etree.fromstring(base64.b64decode(value))
    assert request.tag == ns.samlp("AuthnRequest")
    assert request.get("AssertionConsumerServiceURL") == ACS
    signature = enveloped_signature(request)
    assert signature is not None
    xmlsec.tree.add_ids(request, ["ID"])
    verify_enveloped(request, signature, (sp_certificate(sqlite_store, acme),), allow_sha1=False)
    assert 'name="RelayState" value="/me"' in text
    # The IdP's answer to that very request signs in.
    answer = sign_in(client, idp, clock, in_response_to=request.get("ID"))
    assert answer.status_code == 200, answer.json


def test_a_console_sign_in_with_the_post_binding_goes_through_the_login_page(
    local_app, acme, configure
):
    configure(acme, binding="POST")
    answer = local_app.test_client().post("/console/signin/sso", data={"account": "acme"})
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(f"{PUBLIC}/v/acme/saml/login?RelayState=")


def test_the_authn_request_is_unsigned_when_sign_saml_request_is_off(local_app, acme, configure):
    configure(acme, sign_request=False)
    client = local_app.test_client()
    answer = client.get("/v/acme/saml/login")
    request, fields = read_sp_redirect(answer.headers["Location"])
    assert request.tag == ns.samlp("AuthnRequest")
    assert "Signature" not in fields and "SigAlg" not in fields
    descriptor = etree.fromstring(client.get("/v/acme/saml/metadata/sp").data)[0]
    assert descriptor.get("AuthnRequestsSigned") == "false"


def test_sha1_signs_the_authn_request_when_chosen(local_app, acme, configure, sqlite_store):
    configure(acme, signature_hash="SHA-1")
    answer = local_app.test_client().get("/v/acme/saml/login")
    _, fields = read_sp_redirect(answer.headers["Location"])
    assert unquote_plus(fields["SigAlg"]) == ns.RSA_SHA1
    certificate = sp_certificate(sqlite_store, acme)
    verify_redirect_signature(fields, "SAMLRequest", (certificate,), allow_sha1=True)


def test_sha256_is_the_default_signature_hash(local_app, acme, configure):
    configure(acme)
    answer = local_app.test_client().get("/v/acme/saml/login")
    _, fields = read_sp_redirect(answer.headers["Location"])
    assert unquote_plus(fields["SigAlg"]) == ns.RSA_SHA256


def test_an_encrypted_assertion_is_refused_while_encrypted_assertions_are_off(
    local_app, acme, configure, sqlite_store, idp, clock
):
    configure(acme, support_encrypted_assertions=False)
    client = local_app.test_client()
    client.get("/v/acme/saml/metadata/sp")  # makes the SP key pair
    certificate = sp_certificate(sqlite_store, acme)
    refused = sign_in(client, idp, clock, encrypt_with_cert_pem=certificate)
    assert refused.status_code == 403
    assert refused.json["code"] == "encrypted_assertion_not_enabled"
    assert sqlite_store.find_user_by_email("ada@acme.test") is None
    metadata = client.get("/v/acme/saml/metadata/sp").get_data(as_text=True)
    assert 'use="encryption"' not in metadata
    configure(acme, support_encrypted_assertions=True)
    accepted = sign_in(client, idp, clock, encrypt_with_cert_pem=certificate)
    assert accepted.status_code == 200 and accepted.json["assertion"]["encrypted"] is True


def test_a_configuration_stored_before_the_setting_keeps_accepting_encrypted_assertions(
    local_app, acme, sqlite_store, idp, clock, configure
):
    document = configure(acme)
    assert "support_encrypted_assertions" not in document
    client = local_app.test_client()
    client.get("/v/acme/saml/metadata/sp")
    answer = sign_in(client, idp, clock, encrypt_with_cert_pem=sp_certificate(sqlite_store, acme))
    assert answer.status_code == 200, answer.json


@pytest.mark.parametrize("minutes", [30, 600])
def test_automatic_logout_ends_the_session_after_the_set_time(
    local_app, acme, configure, idp, clock, minutes
):
    configure(acme, auto_logout_minutes=minutes)
    client = local_app.test_client()
    assert sign_in(client, idp, clock).status_code == 200
    clock.advance(minutes=minutes - 1)
    assert client.get("/me", headers={"Accept": "application/json"}).status_code == 200
    clock.advance(minutes=1)
    gone = client.get("/me", headers={"Accept": "application/json"})
    assert gone.status_code == 401 and gone.json["code"] == "not_signed_in"


def test_without_automatic_logout_the_session_lasts_the_usual_eight_hours(
    local_app, acme, configure, idp, clock
):
    configure(acme)
    client = local_app.test_client()
    assert sign_in(client, idp, clock).status_code == 200
    clock.advance(hours=7, minutes=59)
    assert client.get("/me", headers={"Accept": "application/json"}).status_code == 200


def test_sso_is_refused_on_an_account_without_a_vanity(local_app, sqlite_store, configure, demo):
    acme = sqlite_store.find_account("acme")
    labs = next(a for a in sqlite_store.descendants(acme.id) if a.vanity is None)
    configure(labs)  # stored behind the admin surfaces' back
    answer = local_app.test_client().get(
        f"/v/{labs.number}/saml/login", headers={"Accept": "application/json"}
    )
    assert answer.status_code == 409 and answer.json["code"] == "vanity_required"
    assert "vanity" in answer.json["message"]


def test_sso_switched_off_refuses_sign_in(local_app, acme, configure, idp, clock):
    configure(acme, enabled=False)
    client = local_app.test_client()
    answer = sign_in(client, idp, clock)
    assert answer.status_code == 403 and answer.json["code"] == "sso_disabled"
    login = client.get("/v/acme/saml/login", headers={"Accept": "application/json"})
    assert login.status_code == 403 and login.json["code"] == "sso_disabled"


@pytest.fixture
def demo_app(sqlite_store, acme, demo, tmp_path):
    """The gateway with Acme's SSO pointed at the demo IdP (its keys under tmp_path)."""
    from gateway.app import create_app
    from gateway.demo import configure_demo_sso

    app = create_app(
        {"demo": True, "public_url": PUBLIC, "idp_key_dir": str(tmp_path)}, store=sqlite_store
    )
    configure_demo_sso(sqlite_store, app.extensions["gateway.config"], acme.id)
    return app


@pytest.fixture
def demo_sso(sqlite_store, acme, demo_app):
    """Change Acme's SSO settings (pointed at the demo IdP)."""

    def settings(**changes):
        document, _ = sqlite_store.get_saml_config(acme.id)
        sqlite_store.put_saml_config(acme.id, {**document, **changes}, actor="test")

    return settings


def _through_the_demo_idp(client, asked_page):
    """Pick a persona on the demo IdP's page and post its answer to the ACS."""
    form = dict(re.findall(r'name="(saml_\w+)" value="([^"]+)"', asked_page))
    form = {k: html.unescape(v) for k, v in form.items()}
    posted = client.post("/idp/sign", data={**form, "persona": "2"}).get_data(as_text=True)
    action = re.search(r'action="([^"]+)"', posted).group(1)
    response = html.unescape(re.search(r'name="SAMLResponse" value="([^"]+)"', posted).group(1))
    return client.post(
        action, data={"SAMLResponse": response}, headers={"Accept": "application/json"}
    )


def test_the_demo_idp_takes_an_authn_request_by_http_post(demo_app, demo_sso):
    demo_sso(binding="POST")
    client = demo_app.test_client()
    page = client.get("/v/acme/saml/login").get_data(as_text=True)
    action = re.search(r'action="([^"]+)"', page).group(1)
    fields = {
        "SAMLRequest": html.unescape(
            re.search(r'name="SAMLRequest" value="([^"]+)"', page).group(1)
        )
    }
    asked = client.post(action.removeprefix(PUBLIC), data=fields)
    assert asked.status_code == 200 and b"Sign-in requested by" in asked.data
    answer = _through_the_demo_idp(client, asked.get_data(as_text=True))
    assert answer.status_code == 200 and answer.json["outcome"] == "signed_in", answer.json


@pytest.mark.parametrize("changes", [{"sign_request": False}, {"signature_hash": "SHA-1"}])
def test_the_demo_idp_follows_the_accounts_request_signing(demo_app, demo_sso, changes):
    demo_sso(**changes)
    client = demo_app.test_client()
    location = client.get("/v/acme/saml/login").headers["Location"]
    asked = client.get(location.removeprefix(PUBLIC))
    assert asked.status_code == 200 and b"Sign-in requested by" in asked.data, asked.data[:300]
    answer = _through_the_demo_idp(client, asked.get_data(as_text=True))
    assert answer.status_code == 200, answer.json
