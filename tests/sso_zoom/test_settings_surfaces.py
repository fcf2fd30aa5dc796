"""The SSO page's settings by Zoom's names through the admin API, the CLI and the console."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from zoom_kit import IDP_SLO, IDP_SSO

from gateway.cli import main
from gateway.saml.keys import generate_key_pair


def api(client, demo, method, path, **options):
    headers = {"Authorization": f"Bearer {demo.tokens['acme admin']}"}
    return client.open(f"/api/v1{path}", method=method, headers=headers, **options)


def zoom_named(answer):
    return {row["zoom_name"]: row["value"] for row in answer.json["settings"]}


def test_the_api_takes_zooms_words_and_shows_every_setting_by_zooms_name(
    local_app, acme, demo, idp
):
    body = {
        "idp_entity_id": idp.entity_id,
        "sign_in_url": IDP_SSO,
        "sign_out_url": IDP_SLO,
        "certificates": [idp.certificate_pem],
        "binding": "HTTP-POST",
        "signature_hash": "SHA-1",
        "sp_entity_id_form": "vanity_host",
        "sign_request": False,
        "sign_logout_request": True,
        "support_encrypted_assertions": True,
        "auto_logout_minutes": 60,
        "save_response_logs": True,
        "provisioning": "prior_to_sign_in",
    }
    client = local_app.test_client()
    answer = api(client, demo, "PUT", f"/accounts/{acme.id}/saml", json=body)
    assert answer.status_code == 200, answer.json
    shown = zoom_named(api(client, demo, "GET", f"/accounts/{acme.id}/saml"))
    assert shown["Binding"] == "POST" and shown["Provision User"] == "prior"
    assert shown["Signature Hash Algorithm"] == "SHA-1"
    assert shown["Sign SAML request"] is False and shown["Sign SAML Logout request"] is True
    assert shown["Also support encrypted assertions"] is True
    assert shown["Enforce automatic logout after"] == 60
    assert shown["Save SAML response logs on user sign-in"] is True
    assert shown["Service Provider (SP) Entity ID"] == "vanity_host"
    assert shown["Sign-out page URL"] == IDP_SLO
    assert answer.json["sp"]["entity_id"] == "acme.localhost:8000"


def test_a_document_with_only_the_old_field_names_still_works(local_app, acme, demo, idp):
    body = {
        "idp_entity_id": idp.entity_id,
        "sign_in_url": IDP_SSO,
        "certificates": [idp.certificate_pem],
        "binding": "Redirect",
        "allow_idp_initiated": True,
    }
    answer = api(local_app.test_client(), demo, "PUT", f"/accounts/{acme.id}/saml", json=body)
    assert answer.status_code == 200, answer.json
    config = answer.json["config"]
    assert config["binding"] == "Redirect" and config["enabled"] is True
    assert config["sign_request"] is True and config["signature_hash"] == "SHA-256"
    assert config["support_encrypted_assertions"] is False  # Zoom's default for a new one
    assert config["sp_entity_id_form"] == "metadata_url"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("binding", "HTTP-Artifact"),
        ("signature_hash", "MD5"),
        ("sp_entity_id_form", "zoom.us"),
        ("auto_logout_minutes", 0),
        ("auto_logout_minutes", "30"),
        ("sign_request", "yes"),
        ("sign_out_url", "javascript:alert(1)"),
        ("sign_out_url", "https:///no-host"),
    ],
)
def test_an_unusable_setting_is_refused_naming_the_field(local_app, acme, demo, idp, field, value):
    body = {
        "idp_entity_id": idp.entity_id,
        "sign_in_url": IDP_SSO,
        "certificates": [idp.certificate_pem],
        field: value,
    }
    answer = api(local_app.test_client(), demo, "PUT", f"/accounts/{acme.id}/saml", json=body)
    assert answer.status_code == 400 and answer.json["code"] == "invalid_saml_config"
    assert answer.json["details"]["field"] == field


def test_sso_cannot_be_enabled_on_an_account_without_a_vanity(
    local_app, acme, demo, idp, sqlite_store
):
    labs = next(a for a in sqlite_store.descendants(acme.id) if a.vanity is None)
    body = {
        "idp_entity_id": idp.entity_id,
        "sign_in_url": IDP_SSO,
        "certificates": [idp.certificate_pem],
    }
    client = local_app.test_client()
    refused = api(client, demo, "PUT", f"/accounts/{labs.id}/saml", json=body)
    assert refused.status_code == 409 and refused.json["code"] == "vanity_required"
    assert "vanity URL" in refused.json["message"]
    assert sqlite_store.get_saml_config(labs.id) is None
    # Prepared but switched off, the settings may be saved.
    kept = api(client, demo, "PUT", f"/accounts/{labs.id}/saml", json={**body, "enabled": False})
    assert kept.status_code == 200, kept.json


def _expired_certificate_pem():
    """A certificate whose validity ended before the frozen clock's 2026-03-01."""
    start = dt.datetime(2020, 1, 2, tzinfo=dt.UTC)
    return generate_key_pair("old idp signing", days=365, valid_from=start).certificate_pem


def metadata_with(idp, certificates):
    from lxml import etree

    from gateway.saml import ns
    from gateway.saml.certs import pem_body

    root = etree.fromstring(idp.metadata_xml(sso_url=IDP_SSO, slo_url=IDP_SLO).encode())
    descriptor = root.find(f"{ns.md('IDPSSODescriptor')}/{ns.md('KeyDescriptor')}")
    for pem in certificates:
        extra = etree.fromstring(etree.tostring(descriptor))
        extra.find(f".//{ns.ds('X509Certificate')}").text = pem_body(pem)
        descriptor.addnext(extra)
        descriptor = extra
    return etree.tostring(root)


def test_importing_metadata_with_more_certificates_says_which_were_kept(
    local_app, acme, demo, idp, sqlite_store, clock
):
    expired = _expired_certificate_pem()
    rotation = generate_key_pair("next idp signing").certificate_pem
    third = generate_key_pair("third idp signing").certificate_pem
    xml = metadata_with(idp, [expired, rotation, third])
    # The test certificates are made valid from the real yesterday: bring the store clock there.
    clock.advance(seconds=(dt.datetime.now(dt.UTC) - clock.now()).total_seconds())
    answer = api(
        local_app.test_client(), demo, "POST", f"/accounts/{acme.id}/saml/metadata", data=xml
    )
    assert answer.status_code == 200, answer.json
    report = answer.json["imported_certificates"]
    assert [c["kept"] for c in report] == [True, False, True, False]
    assert report[1]["reason"] == "left out: not valid now"
    assert report[3]["reason"].startswith("left out: only 2 are kept")
    assert all(len(c["sha256_fingerprint"]) == 64 and c["subject"] for c in report)
    stored, _ = sqlite_store.get_saml_config(acme.id)
    assert stored["certificates"] == [idp.certificate_pem, rotation]
    assert stored["sign_out_url"] == IDP_SLO


def test_the_cli_shows_and_changes_settings_by_zooms_names(
    sqlite_store, tmp_path, monkeypatch, acme, configure
):
    configure(acme)
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{tmp_path}/gateway.db")
    monkeypatch.setenv("GATEWAY_SP_HOST", "zoom.us")
    runner = CliRunner()
    changed = runner.invoke(
        main,
        [
            "saml", "settings", "--account", "acme",
            "--set", "binding=HTTP-POST",
            "--set", "sign_request=off",
            "--set", "sp_entity_id_form=vanity_host",
            "--set", "auto_logout_minutes=45",
            "--set", "attribute_map.email=mail",
        ],
    )  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert "Binding" in changed.output and "POST" in changed.output
    assert "acme.zoom.us" in changed.output and "https://acme.zoom.us/saml/SSO" in changed.output
    stored, _ = sqlite_store.get_saml_config(acme.id)
    assert stored["binding"] == "POST" and stored["sign_request"] is False
    assert stored["auto_logout_minutes"] == 45 and stored["attribute_map"]["email"] == "mail"
    # A document stored before the setting existed keeps accepting encrypted assertions.
    assert stored["support_encrypted_assertions"] is True
    refused = runner.invoke(
        main, ["saml", "settings", "--account", "acme", "--set", "binding=SOAP"]
    )
    assert refused.exit_code == 2 and "invalid_saml_config" in refused.output
    unknown = runner.invoke(main, ["saml", "settings", "--account", "acme", "--set", "colour=red"])
    assert unknown.exit_code == 2 and "Unknown setting 'colour'" in unknown.output


def test_the_console_sso_page_labels_the_settings_as_zoom_does(zoom_app, acme, demo, configure):
    configure(acme, sp_entity_id_form="https_vanity_host")
    client = zoom_app.test_client()
    console_sign_in(client, demo.tokens["acme admin"])
    page = client.get("/console/sso").get_data(as_text=True)
    for label in (
        "Sign-in page URL",
        "Sign-out page URL",
        "Identity provider certificate",
        "Issuer (IDP Entity ID)",
        "Binding",
        "Signature Hash Algorithm",
        "Sign SAML request",
        "Sign SAML Logout request",
        "Also support encrypted assertions",
        "Enforce automatic logout after",
        "Save SAML response logs on user sign-in",
        "Provision User",
        "Service Provider (SP) Entity ID",
    ):
        assert label in page, label
    assert "HTTP-Redirect" in page and "Prior to Sign-In" in page
    assert '<code data-testid="sp-entity-id">https://acme.zoom.us</code>' in page
    # The download is served here, not by the real acme.zoom.us.
    assert 'href="http://127.0.0.1:8000/v/acme/saml/metadata/sp"' in page


def test_the_console_refuses_enabling_sso_without_a_vanity(
    local_app, acme, demo, idp, sqlite_store
):
    labs = next(a for a in sqlite_store.descendants(acme.id) if a.vanity is None)
    client = local_app.test_client()
    console_sign_in(client, demo.tokens["acme admin"])

    def csrf():
        cookie = client.get_cookie("gateway_console", path="/console")
        return sqlite_store.get_session(cookie.value).data["csrf"]

    client.post(f"/console/accounts/{labs.id}/manage", data={"csrf_token": csrf()})
    form = {
        "csrf_token": csrf(),
        "idp_entity_id": idp.entity_id,
        "sign_in_url": IDP_SSO,
        "certificates": idp.certificate_pem,
        "enabled": "on",
    }
    answer = client.post("/console/sso", data=form)
    assert answer.status_code == 409, answer.get_data(as_text=True)[:500]
    assert "vanity_required" in answer.get_data(as_text=True)
    assert sqlite_store.get_saml_config(labs.id) is None


def console_sign_in(client, token):
    """The console's token sign-in, with the form's CSRF token (the form is read first)."""
    form = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/signin").text)
    assert form is not None
    client.post("/console/signin", data={"token": token, "csrf_token": form[1]})
