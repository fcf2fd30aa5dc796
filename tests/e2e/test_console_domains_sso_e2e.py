"""The Domains page and console sign-in through SSO, in headless chromium against a live gateway."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from playwright.sync_api import expect

from tests.support.e2e import screenshot, sign_in

OUTSIDERS = [f"user{n}@initech.test" for n in range(6)]


def api(demo: dict[str, Any], method: str, path: str, body: Any, token: str | None = None) -> Any:
    """A JSON call to the live gateway's API (for setup the pages do not offer)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {demo['tokens'][token]}"
    request = urllib.request.Request(
        f"{demo['url']}/api/v1{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers=headers,
    )
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())


def audit_row(page: Any, demo: dict[str, Any], action: str, text: str = "") -> None:
    """The audit log of Acme and its sub-accounts lists ``action`` (with ``text``)."""
    page.goto(f"{demo['url']}/console/audit?include_sub_accounts=on&action={action}")
    rows = page.get_by_test_id("audit").locator("tbody tr", has_text=action)
    expect(rows.filter(has_text=text).first).to_be_visible()


def outside_users_and_a_pending_vip(demo: dict[str, Any]) -> None:
    """Users of initech.test in accounts of their own, and a VIP invited to Acme."""
    for email in OUTSIDERS:
        api(demo, "POST", "/signup", {"email": email, "password": "correct horse battery"})
    acme = api(demo, "GET", "/accounts", None, "acme admin")["accounts"][0]
    vip = {"email": "cfo@initech.test", "vip": True}
    api(demo, "POST", f"/accounts/{acme['id']}/invitations", vip, "acme admin")


def add_initech(page: Any) -> Any:
    """Add initech.test (after a refused typo) and mark it verified; its section."""
    add = page.get_by_test_id("add-domain")
    add.get_by_label("Domain").fill("not a domain")
    add.get_by_role("button", name="Add domain").click()
    expect(page.locator("#add-error")).to_contain_text("invalid_domain")
    page.get_by_test_id("add-domain").get_by_label("Domain").fill("initech.test")
    page.get_by_test_id("add-domain").get_by_role("button", name="Add domain").click()
    expect(page.get_by_role("status")).to_contain_text("Domain added")

    initech = page.locator('[data-domain="initech.test"]')
    expect(initech.get_by_test_id("domain-state")).to_have_text("not verified")
    expect(initech.get_by_test_id("instructions")).to_contain_text(
        "_gateway-verification.initech.test"
    )
    initech.get_by_role("button", name="Mark verified (demo mode)").click()
    expect(page.get_by_role("status")).to_have_text("Domain verified.")
    expect(initech.get_by_test_id("in-account")).to_have_text("0")
    expect(initech.get_by_test_id("outside-account")).to_have_text(str(len(OUTSIDERS)))
    expect(page.locator("main")).not_to_contain_text(OUTSIDERS[0])  # counts only
    return initech


def test_domains_add_mark_verified_summary_and_the_enforcement_guard(page, demo):
    outside_users_and_a_pending_vip(demo)
    sign_in(page, demo)
    page.get_by_role("link", name="Domains").click()
    initech = add_initech(page)
    initech.get_by_label("allow consolidation", exact=False).check()
    initech.get_by_role("button", name="Save options").click()
    expect(page.get_by_role("status")).to_have_text("Domain options saved.")
    initech.get_by_role("button", name="Send the notice email").click()
    expect(initech.get_by_test_id("queued")).to_contain_text(f"{len(OUTSIDERS)} notice emails")

    enforcement = page.get_by_test_id("enforcement")
    enforcement.get_by_role("button", name="Enforce SSO").click()
    refusal = page.get_by_test_id("enforcement-error")
    expect(refusal).to_contain_text("sso_enforcement_premature")
    expect(refusal).to_contain_text(re.compile(r"Consolidated: [\d.]+% \(threshold 75%\)"))
    expect(refusal).to_contain_text("cfo@initech.test")
    expect(page.get_by_test_id("enforced")).to_have_text("not enforced")
    screenshot(page, "07-domains-enforcement-refused")

    page.get_by_test_id("enforcement").get_by_label("Force", exact=False).check()
    page.get_by_test_id("enforcement").get_by_role("button", name="Enforce SSO").click()
    expect(page.get_by_role("status")).to_have_text("SSO enforcement saved.")
    expect(page.get_by_test_id("enforced")).to_have_text("enforced")

    audit_row(page, demo, "domain.add", "initech.test")
    audit_row(page, demo, "domain.notice", "initech.test")
    audit_row(page, demo, "account.setting", "enforce_sso")
    page.goto(f"{demo['url']}/console/domains")
    screenshot(page, "07-domains-enforced")
    page.get_by_test_id("enforcement").get_by_role("button", name="Stop enforcing").click()
    expect(page.get_by_test_id("enforced")).to_have_text("not enforced")


def start_sso(page: Any, demo: dict[str, Any], persona: str, shot: str | None = None) -> None:
    """From the console's sign-in page through the demo IdP as ``persona``."""
    page.goto(f"{demo['url']}/console/")
    form = page.get_by_test_id("signin-sso")
    form.get_by_label("Account (vanity or number)").fill("acme")
    form.get_by_role("button", name="Continue with SSO").click()
    page.wait_for_url("**/idp?SAMLRequest=**")
    expect(page.get_by_test_id("authn-request")).to_contain_text("Acme")
    page.get_by_label(re.compile(rf"^\s*{persona}:")).check()
    if shot:
        screenshot(page, shot)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_persona_signs_in_to_the_console_through_sso(page, demo):
    start_sso(page, demo, "Ada")  # a Member
    page.wait_for_url("**/console/signin/sso/landing**")
    expect(page.locator("#sso-error")).to_contain_text("console_admins_only")
    screenshot(page, "08-sso-member-refused")

    # Ivy is memberOf it-admins: the demo rules make her an Admin.
    start_sso(page, demo, "Ivy", shot="08-idp-answers-the-console-request")
    page.wait_for_url("**/console/accounts")
    expect(page.get_by_test_id("acting-account")).to_have_text("Acme")
    expect(page.get_by_test_id("signed-in-as")).to_contain_text(
        "Signed in through SSO as ivy@acme.test"
    )
    page.get_by_role("link", name="Users").click()
    row = page.get_by_test_id("users").locator("tr", has_text="ivy@acme.test")
    expect(row).to_contain_text("Admin")

    audit_row(page, demo, "console.refused", "ada@acme.test")
    audit_row(page, demo, "console.signed_in", "sso:ivy@acme.test")
    page.goto(f"{demo['url']}/console/accounts")
    screenshot(page, "08-sso-console-signed-in")
