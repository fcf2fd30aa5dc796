"""Headers and forms: pages cannot be framed and carry a CSP, nosniff and a referrer policy; the
console's token sign-in needs the form's CSRF token; signing out takes a POST; CSV report cells
cannot run as formulas; an IdP sign-in URL is http(s); a SAML response answers only the browser
that started the sign-in."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

from gateway.app import create_app

PUBLIC = "http://127.0.0.1:8000"
ACS = f"{PUBLIC}/v/acme/saml/SSO"
SP_ENTITY = f"{PUBLIC}/v/acme/saml/metadata/sp"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(sqlite_store, acme):
    return create_app({"public_url": PUBLIC, "demo": True}, store=sqlite_store)


def _admin_token(store, account):
    return store.create_token(account.id, "admin", actor="t")[1]


def _console(app, store, account):
    browser = app.test_client()
    form = CSRF.search(browser.get("/console/signin").text)
    data = {"token": _admin_token(store, account), "csrf_token": form[1] if form else ""}
    assert browser.post("/console/signin", data=data).status_code == 303
    return browser


@pytest.mark.parametrize("path", ["/console/signin", "/me", "/idp", "/v/acme/saml/login"])
def test_pages_cannot_be_framed_or_sniffed_and_carry_a_csp(app, path):
    answer = app.test_client().get(path)
    assert answer.mimetype == "text/html", (path, answer.status_code)
    headers = answer.headers
    assert headers.get("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", "")
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "same-origin"


def test_the_csp_lets_the_auto_posting_pages_submit_their_form(app, sqlite_store, acme):
    # The demo IdP's answer and the HTTP-POST binding page submit a form on load.
    browser = app.test_client()
    start = browser.get("/v/acme/saml/login")
    policy = start.headers["Content-Security-Policy"]
    from gateway.demo_idp import POST_PAGE
    from gateway.sso.outgoing import POST_FORM

    handlers = set(re.findall(r'onload="([^"]+)"', POST_FORM + POST_PAGE))
    assert handlers
    for handler in handlers:
        digest = base64.b64encode(hashlib.sha256(handler.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy and "'unsafe-hashes'" in policy


def test_console_token_sign_in_posted_from_another_site_is_refused(app, sqlite_store, acme):
    # Login CSRF: another site posts the attacker's token to sign the victim's browser in.
    victim = app.test_client()
    answer = victim.post("/console/signin", data={"token": _admin_token(sqlite_store, acme)})
    assert answer.status_code == 403
    assert "<code>csrf_failed</code>" in answer.text or "csrf_failed" in answer.text
    assert victim.get_cookie("gateway_console", path="/console") is None


def test_console_sign_out_by_a_link_only_shows_a_button(app, sqlite_store, acme):
    browser = _console(app, sqlite_store, acme)
    page = browser.get("/console/signout")
    assert page.status_code == 200
    assert 'method="post"' in page.text and "/console/signout" in page.text
    assert browser.get("/console/accounts").status_code == 200  # still signed in
    csrf = CSRF.search(page.text)
    assert csrf is not None
    assert browser.post("/console/signout", data={"csrf_token": csrf[1]}).status_code == 303
    assert browser.get("/console/accounts").status_code == 302  # back to the sign-in page


def test_a_sub_account_name_cannot_run_as_a_formula_in_a_csv_report(app, sqlite_store, acme):
    name = '=HYPERLINK("http://evil.test","x")'
    sqlite_store.create_account(name, "owner@sub.test", actor="t", parent_id=acme.id)
    auth = {"Authorization": f"Bearer {_admin_token(sqlite_store, acme)}"}
    url = f"/api/v1/accounts/{acme.id}/reports/active-hosts?format=csv"
    answer = app.test_client().get(url, headers=auth)
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["account_name"] for r in rows] == ["'" + name]


@pytest.mark.parametrize("cell", ["+1+1", "-1+1", "@SUM(1)", "\tx", "\rx"])
def test_every_formula_start_is_quoted_in_csv(cell):
    from gateway.api.reports import to_csv

    _header, row = to_csv([{"a": cell}], ("a",)).split("\n", 1)
    assert row.startswith("'" + cell)


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>", "//idp.test"]
)
def test_an_idp_sign_in_url_that_is_not_http_is_refused(app, sqlite_store, acme, idp, url):
    auth = {"Authorization": f"Bearer {_admin_token(sqlite_store, acme)}"}
    body = {
        "idp_entity_id": idp.entity_id,
        "sign_in_url": url,
        "certificates": [idp.certificate_pem],
    }
    answer = app.test_client().put(f"/api/v1/accounts/{acme.id}/saml", json=body, headers=auth)
    assert answer.status_code == 400
    assert answer.json["code"] == "invalid_saml_config"
    assert "sign_in_url" in answer.json["message"]


def _request_id(location: str) -> str:
    query = parse_qs(urlsplit(location).query)
    xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15)
    return str(etree.fromstring(xml).get("ID"))


def test_a_response_started_in_one_browser_is_refused_in_another(app, idp, clock):
    attacker, victim = app.test_client(), app.test_client()
    request_id = _request_id(attacker.get("/v/acme/saml/login").headers["Location"])
    response = idp.make_response(
        sp_entity_id=SP_ENTITY,
        acs_url=ACS,
        name_id="owner@acme.test",
        in_response_to=request_id,
        now=clock.now(),
    )
    json = {"Accept": "application/json"}
    planted = victim.post("/v/acme/saml/SSO", data={"SAMLResponse": response}, headers=json)
    assert planted.status_code == 403
    assert planted.json["code"] == "request_from_another_browser"
    assert victim.get_cookie("gateway_session") is None
    own = attacker.post("/v/acme/saml/SSO", data={"SAMLResponse": response}, headers=json)
    assert own.status_code == 200  # the browser that started it signs in
    assert own.json["outcome"] == "signed_in"


@pytest.mark.parametrize("idp_initiated", [True])
def test_a_bare_link_to_single_logout_does_not_sign_out(app, idp, clock):
    browser = app.test_client()
    response = idp.make_response(
        sp_entity_id=SP_ENTITY, acs_url=ACS, name_id="owner@acme.test", now=clock.now()
    )
    assert browser.post("/v/acme/saml/SSO", data={"SAMLResponse": response}).status_code == 303
    page = browser.get("/v/acme/saml/SingleLogout")  # e.g. a mail scanner following a link
    assert page.status_code == 200 and 'method="post"' in page.text
    assert browser.get("/me", headers={"Accept": "application/json"}).status_code == 200


def test_idp_metadata_whose_sign_in_url_is_javascript_is_refused(app, sqlite_store, acme, idp):
    auth = {
        "Authorization": f"Bearer {_admin_token(sqlite_store, acme)}",
        "Content-Type": "application/samlmetadata+xml",
    }
    metadata = idp.metadata_xml(sso_url="javascript:alert(document.domain)")
    answer = app.test_client().post(
        f"/api/v1/accounts/{acme.id}/saml/metadata", data=metadata, headers=auth
    )
    assert answer.status_code == 400 and answer.json["code"] == "invalid_saml_config"
    assert sqlite_store.get_saml_config(acme.id)[0]["sign_in_url"] == "https://idp.test/sso"
