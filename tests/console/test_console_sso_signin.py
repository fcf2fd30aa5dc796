"""Console sign-in through SSO: the demo IdP answers the console's AuthnRequest; only admins."""

from __future__ import annotations

import re

from gateway.console.sso_signin import STATE_COOKIE
from tests.support.console import DemoWorld, hidden, local, make_demo_world


def audit(world: DemoWorld, action: str, account: str = "acme") -> list:
    entries = world.store.list_audit([world.account(account).id], action=action)
    return list(entries.items)


def test_an_admin_persona_signs_in_to_the_console_through_sso(world: DemoWorld):
    landing = world.sso_sign_in("ivy@acme.test")

    assert landing.status_code == 303 and landing.headers["Location"].endswith("/console/accounts")
    page = world.client.get("/console/accounts")
    assert page.status_code == 200
    assert "Signed in through SSO as ivy@acme.test" in page.text
    assert 'data-testid="acting-account">Acme<' in page.text
    [entry] = audit(world, "console.signed_in")
    assert entry.actor == "sso:ivy@acme.test@console"
    assert entry.after["via"] == "sso" and entry.after["role"] == "Admin"


def test_the_idp_answers_the_console_request_and_the_request_is_spent(world: DemoWorld):
    start = world.client.post("/console/signin/sso", data={"account": "acme"})
    location = start.headers["Location"]
    assert location.startswith("http://127.0.0.1:8000/idp?SAMLRequest=")
    page = world.client.get(local(location))
    assert "Sign-in requested by" in page.text and "Acme" in page.text
    relay = hidden(page.text, "RelayState")
    assert relay.startswith("/console/signin/sso/landing?state=")
    posting = world.client.post(
        "/idp/sign", data={"saml_query": hidden(page.text, "saml_query"), "persona": "4"}
    ).text
    form = {"SAMLResponse": hidden(posting, "SAMLResponse"), "RelayState": relay}
    assert world.client.post("/v/acme/saml/SSO", data=form).status_code == 303
    again = world.client.post("/v/acme/saml/SSO", data=form, headers={"Accept": "application/json"})
    assert again.status_code >= 400  # the answered request (and assertion) is spent


def test_actions_of_an_sso_console_are_audited_with_the_user(world: DemoWorld):
    world.sso_sign_in("ivy@acme.test")
    answer = world.post("/console/domains", domain="ivy-example.test")
    assert answer.status_code == 303
    entry = audit(world, "domain.add")[0]  # newest first
    assert entry.target == "ivy-example.test"
    assert entry.actor == f"sso:ivy@acme.test@{world.account('acme').number}"


def test_a_member_is_refused_in_place_with_a_code(world: DemoWorld):
    landing = world.sso_sign_in("ada@acme.test")

    assert landing.status_code == 403
    assert "<code>console_admins_only</code>" in landing.text
    assert "ada@acme.test" in landing.text and "Member" in landing.text
    assert world.client.get("/console/accounts").status_code == 302  # no console session
    [entry] = audit(world, "console.refused")
    assert entry.after["code"] == "console_admins_only"


def test_the_landing_refuses_a_sign_in_this_browser_did_not_start(world: DemoWorld):
    world.sso_sign_in("ivy@acme.test")
    world.client.post("/console/signout", data={"csrf_token": world.csrf("/console/accounts")})
    world.client.delete_cookie(STATE_COOKIE, path="/console")

    answer = world.client.get("/console/signin/sso/landing?state=planted")

    assert answer.status_code == 403 and "<code>sso_state_mismatch</code>" in answer.text
    assert world.client.get("/console/accounts").status_code == 302


def test_the_landing_without_an_sso_session_says_so(world: DemoWorld):
    world.client.post("/console/signin/sso", data={"account": "acme"})
    state = world.client.get_cookie(STATE_COOKIE, path="/console").value

    answer = world.client.get(f"/console/signin/sso/landing?state={state}")

    assert answer.status_code == 401 and "<code>sso_session_missing</code>" in answer.text


def test_unknown_accounts_and_accounts_without_sso_are_refused_in_place(world: DemoWorld):
    unknown = world.client.post("/console/signin/sso", data={"account": "nope"})
    assert unknown.status_code == 404 and "<code>account_not_found</code>" in unknown.text
    assert 'id="sso-error"' in unknown.text and 'value="nope"' in unknown.text

    globex = world.client.post("/console/signin/sso", data={"account": "globex"})
    assert globex.status_code == 404 and "<code>sso_not_configured</code>" in globex.text


def test_a_demoted_admin_loses_the_console_at_the_next_request(world: DemoWorld):
    world.sso_sign_in("ivy@acme.test")
    assert world.client.get("/console/accounts").status_code == 200
    ivy = world.store.find_user_by_email("ivy@acme.test")
    assert ivy is not None
    world.store.update_user(ivy.id, {"role": "Member"}, actor="test")

    assert world.client.get("/console/accounts").status_code == 302


def test_single_logout_of_the_user_ends_the_console_session(world: DemoWorld):
    world.sso_sign_in("ivy@acme.test")
    ivy = world.store.find_user_by_email("ivy@acme.test")
    assert ivy is not None
    assert world.store.end_user_sessions(ivy.id) == 2  # the SSO session and the console's

    assert world.client.get("/console/accounts").status_code == 302


def test_managing_a_sub_account_keeps_the_sso_identity(world: DemoWorld):
    world.sso_sign_in("ivy@acme.test")
    health = world.account("acme-health")
    csrf = world.csrf("/console/accounts")
    world.client.post(f"/console/accounts/{health.id}/manage", data={"csrf_token": csrf})

    page = world.client.get("/console/accounts").text
    assert 'data-testid="acting-account">Acme Healthcare<' in page
    assert "Signed in through SSO as ivy@acme.test" in page


def test_a_tampered_authn_request_is_refused_by_the_demo_idp(world: DemoWorld):
    start = world.client.post("/console/signin/sso", data={"account": "acme"})
    query = local(start.headers["Location"]).split("?", 1)[1]
    tampered = re.sub(r"RelayState=[^&]+", "RelayState=%2Fconsole%2Fevil", query)

    answer = world.client.get(f"/idp?{tampered}", headers={"Accept": "application/json"})

    assert answer.status_code >= 400
    assert answer.json["code"] in ("signature_invalid", "invalid_signature")


def test_token_sign_in_still_works_and_says_how(world: DemoWorld):
    world.sign_in()
    page = world.client.get("/console/accounts").text
    assert "Signed in with the admin token &#39;demo admin&#39;" in page


def test_outside_demo_mode_the_idp_is_absent_but_sso_sign_in_starts(sqlite_store, tmp_path):
    world = make_demo_world(sqlite_store, tmp_path, demo=False)
    start = world.client.post("/console/signin/sso", data={"account": "acme"})
    assert start.status_code == 303
    assert world.client.get(local(start.headers["Location"])).status_code == 404


def test_revoking_the_admin_token_ends_the_console_sessions_it_opened(world: DemoWorld):
    world.sign_in()
    csrf = world.csrf()
    token = world.store.authenticate(world.tokens["acme admin"], "admin")
    assert token is not None
    world.store.revoke_token(token.id, account_id=token.account_id, actor="t")

    page = world.client.get("/console/accounts")
    assert page.status_code == 302
    assert page.headers["Location"] == "/console/signin?next=/console/accounts"
    form = {"csrf_token": csrf, "domain": "after-revocation.test"}
    answer = world.client.post("/console/domains", data=form)
    assert answer.status_code == 401 and "not_signed_in" in answer.text
    assert "after-revocation.test" not in [
        d.domain for d in world.store.list_domains(token.account_id)
    ]
