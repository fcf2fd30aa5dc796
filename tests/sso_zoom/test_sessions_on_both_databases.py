"""Automatic logout and an IdP's LogoutRequest end sessions the same way on SQLite and
PostgreSQL (the session rows and the clock live in the store)."""

from __future__ import annotations

from zoom_kit import IDP_SLO, IDP_SSO, PUBLIC

from gateway.app import create_app
from gateway.demo import init_demo
from idp_fixtures.idp import TestIdP

ACS = f"{PUBLIC}/v/acme/saml/SSO"
JSON = {"Accept": "application/json"}


def _signed_in(store, clock, **settings):
    init_demo(store)
    acme = store.find_account("acme")
    idp = TestIdP("https://sts.idp.test/tenant/")
    store.put_saml_config(
        acme.id,
        {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": IDP_SSO,
            "sign_out_url": IDP_SLO,
            "certificates": [idp.certificate_pem],
            **settings,
        },
        actor="test",
    )
    client = create_app({"demo": True, "public_url": PUBLIC}, store=store).test_client()
    response = idp.make_response(
        sp_entity_id=f"{PUBLIC}/v/acme/saml/metadata/sp",
        acs_url=ACS,
        name_id="ada@acme.test",
        now=clock.now(),
    )
    answer = client.post("/v/acme/saml/SSO", data={"SAMLResponse": response}, headers=JSON)
    assert answer.status_code == 200, answer.json
    return client, idp


def test_automatic_logout_ends_the_session_on_each_database(store, clock):
    client, _ = _signed_in(store, clock, auto_logout_minutes=15)
    clock.advance(minutes=14)
    assert client.get("/me", headers=JSON).status_code == 200
    clock.advance(minutes=1)
    assert client.get("/me", headers=JSON).status_code == 401


def test_an_idp_logout_request_ends_the_session_on_each_database(store, clock):
    client, idp = _signed_in(store, clock)
    request = idp.logout_request(
        destination=f"{PUBLIC}/v/acme/saml/SingleLogout", name_id="ada@acme.test", now=clock.now()
    )
    answer = client.post(
        "/v/acme/saml/SingleLogout", data=idp.post_fields("SAMLRequest", request), headers=JSON
    )
    assert answer.status_code == 200 and answer.json["sessions_ended"] == 1
    assert answer.json["idp_message"]["binding"] == "POST"
    assert client.get("/me", headers=JSON).status_code == 401
