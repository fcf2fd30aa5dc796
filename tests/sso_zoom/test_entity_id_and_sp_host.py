"""The SP entity ID choice and GATEWAY_SP_HOST: the gateway presents itself as Zoom does."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from zoom_kit import ENTRA_IDENTIFIER, ENTRA_REPLY_URL, IDP_SSO, PUBLIC

from gateway.saml import ns
from idp_fixtures.idp import read_sp_redirect

ZOOM = "https://acme.zoom.us"
MD = {"md": ns.MD}


def metadata(client, path="/v/acme/saml/metadata/sp", **options):
    answer = client.get(path, **options)
    assert answer.status_code == 200, answer.data
    return etree.fromstring(answer.data)


def acs_locations(root):
    return [e.get("Location") for e in root.iterfind(".//md:AssertionConsumerService", MD)]


def post(client, response, *, base_url=None, path="/v/acme/saml/SSO"):
    options = {"base_url": base_url} if base_url else {}
    return client.post(
        path,
        data={"SAMLResponse": response},
        headers={"Accept": "application/json"},
        **options,
    )


def test_an_entra_zoom_app_signs_in_verbatim_with_sp_host_zoom_us(
    zoom_app, acme, configure, idp, clock
):
    # Entra's Zoom tutorial: Identifier acme.zoom.us, Reply URL https://acme.zoom.us/saml/SSO.
    configure(acme, sp_entity_id_form="vanity_host")
    client = zoom_app.test_client()
    root = metadata(client, "/saml/metadata/sp", base_url=ZOOM)
    assert root.get("entityID") == ENTRA_IDENTIFIER
    assert acs_locations(root)[0] == ENTRA_REPLY_URL
    slo = root.find(".//md:SingleLogoutService", MD)
    assert slo.get("Location") == f"{ZOOM}/saml/SingleLogout"
    entra = dict(sp_entity_id=ENTRA_IDENTIFIER, acs_url=ENTRA_REPLY_URL, now=clock.now())
    by_host = post(
        client, idp.make_response(name_id="ada@acme.test", **entra), base_url=ZOOM, path="/saml/SSO"
    )
    assert by_host.status_code == 200 and by_host.json["outcome"] == "signed_in", by_host.json
    # The same IdP app's response posted to the gateway's path address is accepted as well.
    by_path = post(client, idp.make_response(name_id="bob@acme.test", **entra))
    assert by_path.status_code == 200, by_path.json


def test_sp_initiated_sign_in_names_zooms_acs_and_entity_id(zoom_app, acme, configure, idp, clock):
    configure(acme, sp_entity_id_form="vanity_host")
    browser = zoom_app.test_client()
    answer = browser.get("/saml/login", base_url=ZOOM)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(IDP_SSO)
    request, _ = read_sp_redirect(answer.headers["Location"])
    assert request.get("AssertionConsumerServiceURL") == ENTRA_REPLY_URL
    assert request.findtext(ns.saml("Issuer")) == ENTRA_IDENTIFIER
    response = idp.make_response(
        sp_entity_id=ENTRA_IDENTIFIER,
        acs_url=ENTRA_REPLY_URL,
        name_id="ada@acme.test",
        in_response_to=request.get("ID"),
        now=clock.now(),
    )
    answer = post(browser, response, base_url=ZOOM, path="/saml/SSO")  # the same browser
    assert answer.status_code == 200, answer.json


CHOICES = {
    "vanity_host": "acme.zoom.us",
    "https_vanity_host": "https://acme.zoom.us",
    "metadata_url": "https://acme.zoom.us/saml/metadata/sp",
}


@pytest.mark.parametrize("form", CHOICES)
def test_each_entity_id_choice_is_in_the_metadata_and_the_audience_check(
    zoom_app, acme, configure, idp, clock, form
):
    configure(acme, sp_entity_id_form=form)
    client = zoom_app.test_client()
    assert metadata(client).get("entityID") == CHOICES[form]
    for other, entity_id in CHOICES.items():
        response = idp.make_response(
            sp_entity_id=entity_id,
            acs_url=ENTRA_REPLY_URL,
            name_id="ada@acme.test",
            now=clock.now(),
        )
        answer = post(client, response)
        if other == form:
            assert answer.status_code == 200, answer.json
        else:
            assert answer.status_code == 403 and answer.json["code"] == "audience_mismatch"


def test_without_sp_host_the_metadata_url_stays_the_default_entity_id(
    local_app, acme, configure, idp, clock
):
    configure(acme)
    root = metadata(local_app.test_client())
    assert root.get("entityID") == f"{PUBLIC}/v/acme/saml/metadata/sp"
    assert acs_locations(root) == [
        f"{PUBLIC}/v/acme/saml/SSO",
        "http://acme.localhost:8000/saml/SSO",
    ]


def test_a_host_form_sign_in_asks_for_an_acs_its_metadata_lists(local_app, acme, configure):
    # Before: the metadata (fetched by path) listed only the path ACS, while a sign-in started
    # on acme.localhost asked the IdP for http://acme.localhost:8000/saml/SSO.
    configure(acme)
    client = local_app.test_client()
    listed = acs_locations(metadata(client))
    answer = client.get("/saml/login", base_url="http://acme.localhost:8000")
    request, _ = read_sp_redirect(answer.headers["Location"])
    assert request.get("AssertionConsumerServiceURL") in listed
    assert request.get("AssertionConsumerServiceURL") == "http://acme.localhost:8000/saml/SSO"


def test_a_destination_of_another_account_is_refused(zoom_app, acme, configure, idp, clock):
    configure(acme, sp_entity_id_form="vanity_host")
    response = idp.make_response(
        sp_entity_id=ENTRA_IDENTIFIER,
        acs_url="https://globex.zoom.us/saml/SSO",
        name_id="ada@acme.test",
        now=clock.now(),
    )
    answer = post(zoom_app.test_client(), response)
    assert answer.status_code == 403 and answer.json["code"] == "destination_mismatch"


def test_the_admin_api_shows_every_entity_id_choice_and_acs(zoom_app, acme, demo, configure):
    configure(acme, sp_entity_id_form="https_vanity_host")
    token = demo.tokens["acme admin"]
    answer = zoom_app.test_client().get(
        f"/api/v1/accounts/{acme.id}/saml", headers={"Authorization": f"Bearer {token}"}
    )
    sp = answer.json["sp"]
    assert sp["entity_id"] == "https://acme.zoom.us"
    assert sp["entity_id_choices"] == CHOICES
    assert sp["acs_urls"] == [ENTRA_REPLY_URL, f"{PUBLIC}/v/acme/saml/SSO"]
    assert sp["metadata_url"] == "https://acme.zoom.us/saml/metadata/sp"
    assert sp["metadata_served_at"] == f"{PUBLIC}/v/acme/saml/metadata/sp"


def test_the_demo_idp_answers_an_account_that_presents_itself_as_zoom(sqlite_store, acme, tmp_path):
    from gateway.app import create_app
    from gateway.demo import configure_demo_sso

    app = create_app(
        {"demo": True, "public_url": PUBLIC, "sp_host": "zoom.us", "idp_key_dir": str(tmp_path)},
        store=sqlite_store,
    )
    configure_demo_sso(sqlite_store, app.extensions["gateway.config"], acme.id)
    document, _ = sqlite_store.get_saml_config(acme.id)
    sqlite_store.put_saml_config(
        acme.id, {**document, "sp_entity_id_form": "vanity_host"}, actor="test"
    )
    client = app.test_client()
    login = client.get("/v/acme/saml/login")  # the AuthnRequest names Zoom's addresses
    request, _ = read_sp_redirect(login.headers["Location"])
    assert request.findtext(ns.saml("Issuer")) == ENTRA_IDENTIFIER
    asked = client.get(login.headers["Location"].removeprefix(PUBLIC))
    assert asked.status_code == 200 and b"Sign-in requested by" in asked.data, asked.data[:300]
    query = login.headers["Location"].split("?", 1)[1]
    posted = client.post("/idp/sign", data={"saml_query": query, "persona": "2"})
    text = posted.get_data(as_text=True)
    assert 'action="/v/acme/saml/SSO"' in text  # served here, not at the real acme.zoom.us
    response = re.search(r'name="SAMLResponse" value="([^"]+)"', text).group(1)
    answer = post(client, response)
    assert answer.status_code == 200 and answer.json["outcome"] == "signed_in", answer.json
