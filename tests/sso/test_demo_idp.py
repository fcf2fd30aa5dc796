"""The demo IdP page and `gateway idp sign`: the whole browser flow on one machine."""

from __future__ import annotations

import re

from gateway.app import create_app
from gateway.demo import init_demo


def _demo_app(sqlite_store, tmp_path):
    app = create_app({"demo": True, "idp_key_dir": str(tmp_path / "idp")}, store=sqlite_store)
    init_demo(sqlite_store, app.extensions["gateway.config"])
    return app


def test_idp_page_posts_a_persona_to_the_acs_and_lands_in_the_sub_account(sqlite_store, tmp_path):
    client = _demo_app(sqlite_store, tmp_path).test_client()
    assert b"Hana" in client.get("/idp").data
    post_page = client.post("/idp/sign", data={"account": "acme", "persona": "0"})
    assert post_page.status_code == 200
    action = re.search(rb'action="([^"]+)"', post_page.data).group(1).decode()
    response = re.search(rb'name="SAMLResponse" value="([^"]+)"', post_page.data).group(1)
    assert action == "/v/acme/saml/SSO"
    landed = client.post(action, data={"SAMLResponse": response.decode()})
    assert landed.status_code == 303
    me = client.get("/me", headers={"Accept": "application/json"}).json
    assert me["account"]["vanity"] == "acme-health"
    assert me["user"]["license_type"] == "Licensed" and me["user"]["addons"] == ["large_meeting"]


def test_custom_attributes_must_be_name_value_pairs(sqlite_store, tmp_path):
    client = _demo_app(sqlite_store, tmp_path).test_client()
    answer = client.post(
        "/idp/sign",
        data={
            "account": "acme",
            "persona": "custom",
            "name_id": "x@acme.test",
            "attributes": "nonsense",
        },
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 400 and answer.json["code"] == "invalid_attribute"


def test_the_idp_page_is_absent_outside_demo_mode(sqlite_store):
    app = create_app({"demo": False}, store=sqlite_store)
    assert app.test_client().get("/idp").status_code == 404


def test_cli_signs_and_posts_and_prints_the_decision(sqlite_store, tmp_path, monkeypatch):
    url = str(sqlite_store.engine.url)
    sqlite_store.dispose()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    monkeypatch.setenv("GATEWAY_IDP_KEY_DIR", str(tmp_path / "idp"))
    from click.testing import CliRunner

    from gateway.cli import main

    runner = CliRunner()
    assert runner.invoke(main, ["init-demo"]).exit_code == 0
    result = runner.invoke(
        main,
        [
            "idp",
            "sign",
            "--account",
            "acme",
            "--nameid",
            "paul@acme.test",
            "--attr",
            "memberOf=HIPAA",
            "--post",
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"outcome": "signed_in"' in result.output and '"vanity": "acme"' in result.output
