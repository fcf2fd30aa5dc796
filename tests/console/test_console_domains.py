"""The Domains page: add, prove, mark verified (demo only), counts, options, notice, enforcement."""

from __future__ import annotations

import re

import pytest

from tests.support.console import DemoWorld, make_demo_world

OUTSIDERS = ("pat@initech.test", "lee@initech.test")


def signup(world: DemoWorld, email: str) -> None:
    body = {"email": email, "password": "correct horse battery"}
    assert world.client.post("/api/v1/signup", json=body).status_code == 201


@pytest.fixture
def initech(world: DemoWorld) -> DemoWorld:
    """Acme's console signed in; two users of initech.test in accounts of their own; claimed."""
    for email in OUTSIDERS:
        signup(world, email)
    world.sign_in()
    assert world.post("/console/domains", domain="initech.test").status_code == 303
    return world


def section(html: str, domain: str) -> str:
    """The part of the page about one domain."""
    found = re.search(rf'data-domain="{re.escape(domain)}">(.*?)</section>', html, re.S)
    assert found, f"{domain} is not on the page"
    return found.group(1)


def test_a_claimed_domain_shows_its_token_as_dns_and_http_instructions(initech: DemoWorld):
    html = section(initech.client.get("/console/domains").text, "initech.test")
    [token] = [
        d.verification_token
        for d in initech.store.list_domains(initech.account("acme").id)
        if d.domain == "initech.test"
    ]
    assert "not verified" in html
    assert "_gateway-verification.initech.test" in html and token in html
    assert "http://initech.test/.well-known/gateway-verification.txt" in html
    assert "Mark verified (demo mode)" in html


def test_mark_verified_then_counts_only_never_names(initech: DemoWorld):
    answer = initech.post("/console/domains/initech.test/mark-verified")
    assert answer.status_code == 303

    page = initech.client.get("/console/domains?done=domain_verified").text
    html = section(page, "initech.test")
    assert "Domain verified." in page
    assert 'data-testid="in-account">0<' in html and 'data-testid="outside-account">2<' in html
    assert not any(email in page for email in OUTSIDERS)


def test_dns_verification_reads_the_zone_file(sqlite_store, tmp_path):
    zone = tmp_path / "zone.txt"
    world = make_demo_world(sqlite_store, tmp_path, dns_zone_file=str(zone))
    world.sign_in()
    world.post("/console/domains", domain="initech.test")
    [claim] = [
        d for d in world.store.list_domains(world.account("acme").id) if d.domain == "initech.test"
    ]
    zone.write_text('_gateway-verification.initech.test. 300 IN TXT "wrong"\n')

    refused = world.post("/console/domains/initech.test/verify", method="dns")
    assert refused.status_code == 422
    assert "<code>verification_failed</code>" in section(refused.text, "initech.test")

    zone.write_text(
        f'_gateway-verification.initech.test. 300 IN TXT "{claim.verification_token}"\n'
    )
    assert world.post("/console/domains/initech.test/verify", method="dns").status_code == 303
    assert "verified" in section(world.client.get("/console/domains").text, "initech.test")


def test_verification_refusals_show_next_to_the_domain(initech: DemoWorld):
    dns = initech.post("/console/domains/initech.test/verify", method="dns")
    assert dns.status_code == 422
    assert "<code>dns_not_configured</code>" in section(dns.text, "initech.test")
    http = initech.post("/console/domains/initech.test/verify", method="http")
    assert "<code>http_verification_unavailable</code>" in section(http.text, "initech.test")
    odd = initech.post("/console/domains/initech.test/verify", method="carrier-pigeon")
    assert odd.status_code == 400 and "<code>invalid_method</code>" in odd.text


def test_mark_verified_is_refused_outside_demo_mode(sqlite_store, tmp_path):
    world = make_demo_world(sqlite_store, tmp_path, demo=False)
    world.sign_in()
    world.post("/console/domains", domain="initech.test")
    page = world.client.get("/console/domains").text
    assert "Mark verified" not in page

    answer = world.post("/console/domains/initech.test/mark-verified")
    assert answer.status_code == 403
    assert "<code>demo_only</code>" in section(answer.text, "initech.test")


@pytest.mark.parametrize(
    ("domain", "status", "code"),
    [("not a domain", 400, "invalid_domain"), ("acme.test", 409, "domain_exists")],
)
def test_adding_a_bad_domain_is_refused_at_the_add_form(world: DemoWorld, domain, status, code):
    world.sign_in()
    answer = world.post("/console/domains", domain=domain)
    assert answer.status_code == status
    assert re.search(rf'id="add-error">\s*<code>{code}</code>', answer.text)
    assert f'value="{domain}"' in answer.text  # the form keeps what was typed


def test_an_incomplete_profile_and_a_domain_verified_elsewhere_are_refused(world: DemoWorld):
    world.sign_in("globex admin")
    incomplete = world.post("/console/domains", domain="acme.test")
    assert incomplete.status_code == 409
    assert re.search(r'id="add-error">\s*<code>profile_incomplete</code>', incomplete.text)

    globex = world.account("globex")
    profile = {"support_name": "Globex IT", "support_email": "it@globex.test"}
    world.store.update_account(globex.id, profile, actor="test")
    assert world.post("/console/domains", domain="acme.test").status_code == 303
    taken = world.post("/console/domains/acme.test/mark-verified")
    assert taken.status_code == 409
    assert "<code>domain_verified_elsewhere</code>" in section(taken.text, "acme.test")
    assert "not verified" in section(taken.text, "acme.test")


def test_options_save_and_refuse_on_an_unverified_domain(initech: DemoWorld):
    refused = initech.post("/console/domains/initech.test/options", manage="on")
    assert refused.status_code == 409
    assert "<code>domain_not_verified</code>" in section(refused.text, "initech.test")

    initech.post("/console/domains/initech.test/mark-verified")
    saved = initech.post("/console/domains/initech.test/options", allow_consolidation="on")
    assert saved.status_code == 303
    [claim] = [
        d
        for d in initech.store.list_domains(initech.account("acme").id)
        if d.domain == "initech.test"
    ]
    # Allowing consolidation means managing; the unticked sign-up box is off.
    assert claim.options == {"manage": True, "allow_consolidation": True, "allow_signup": False}


def test_the_notice_goes_to_outside_users_and_the_page_shows_only_a_count(initech: DemoWorld):
    initech.post("/console/domains/initech.test/mark-verified")
    unmanaged = initech.post("/console/domains/initech.test/notice")
    assert unmanaged.status_code == 400
    assert "<code>domain_not_managed</code>" in section(unmanaged.text, "initech.test")

    initech.post("/console/domains/initech.test/options", manage="on")
    sent = initech.post("/console/domains/initech.test/notice")
    assert sent.status_code == 303
    page = initech.client.get(sent.headers["Location"]).text
    assert "2 notice emails queued" in section(page, "initech.test")
    assert not any(email in page for email in OUTSIDERS)
    pat = initech.store.find_user_by_email("pat@initech.test")
    assert pat is not None
    mail = initech.store.list_outbox(pat.account_id, recipient="pat@initech.test").items
    assert [m.kind for m in mail] == ["domain_notice"]
    assert not initech.store.list_outbox(initech.account("acme").id, recipient=OUTSIDERS[0]).items


def test_enforcement_is_refused_in_place_with_the_percentage_and_who_is_pending(initech: DemoWorld):
    initech.post("/console/domains/initech.test/mark-verified")
    acme = initech.account("acme")
    invite = {"email": "cfo@initech.test", "vip": True}
    answer = initech.api("POST", f"/api/v1/accounts/{acme.id}/invitations", json=invite)
    assert answer.status_code == 200

    refused = initech.post("/console/sso-enforcement", enabled="on")

    assert refused.status_code == 409
    html = refused.text
    box = html[html.index('data-testid="enforcement-error"') :]
    assert "<code>sso_enforcement_premature</code>" in box
    assert re.search(r"Consolidated: <strong>[\d.]+%</strong> \(threshold 75%\)", box)
    assert "cfo@initech.test" in box and "Force" in box
    assert 'data-testid="enforced">not enforced<' in html

    forced = initech.post("/console/sso-enforcement", enabled="on", force="on")
    assert forced.status_code == 303
    assert 'data-testid="enforced">enforced<' in initech.client.get("/console/domains").text
    off = initech.post("/console/sso-enforcement", enabled="off")
    assert off.status_code == 303
    assert 'data-testid="enforced">not enforced<' in initech.client.get("/console/domains").text


def test_the_threshold_follows_the_service_rules(initech: DemoWorld):
    low = initech.post("/console/sso-enforcement", enabled="off", threshold="50")
    assert low.status_code == 400 and "<code>threshold_below_minimum</code>" in low.text
    junk = initech.post("/console/sso-enforcement", enabled="off", threshold="lots")
    assert junk.status_code == 400 and "<code>invalid_threshold</code>" in junk.text
    raised = initech.post("/console/sso-enforcement", enabled="off", threshold="90")
    assert raised.status_code == 303
    assert 'value="90"' in initech.client.get("/console/domains").text


def test_enforcement_needs_sso_configured(world: DemoWorld):
    world.sign_in("globex admin")
    answer = world.post("/console/sso-enforcement", enabled="on", force="on")
    assert answer.status_code in (404, 409)
    assert re.search(r"<code>(profile_incomplete|sso_not_configured)</code>", answer.text)


def test_unknown_domains_are_refused_at_the_top_of_the_page(initech: DemoWorld):
    answer = initech.post("/console/domains/nowhere.test/mark-verified")
    assert answer.status_code == 404
    assert re.search(r'id="page-error">\s*<code>domain_not_found</code>', answer.text)


def test_forms_need_the_csrf_token_and_the_page_a_session(initech: DemoWorld):
    stale = initech.client.post("/console/domains", data={"domain": "x.test"})
    assert stale.status_code == 403 and "<code>csrf_failed</code>" in stale.text
    initech.client.post("/console/signout", data={"csrf_token": initech.csrf()})
    assert initech.client.get("/console/domains").status_code == 302


def test_another_account_sees_neither_acme_domains_nor_its_outside_users(initech: DemoWorld):
    initech.post("/console/domains/initech.test/mark-verified")
    initech.client.post("/console/signout", data={"csrf_token": initech.csrf()})
    initech.sign_in("globex admin")
    page = initech.client.get("/console/domains").text
    assert "initech.test" not in page and "acme.test" not in page
    assert not any(email in page for email in OUTSIDERS)
