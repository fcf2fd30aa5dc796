"""The console, the test IdP and activation links in headless chromium, against a live gateway."""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect

from tests.support.e2e import screenshot, sign_in


def audit_row(page, demo, action: str, text: str = "") -> None:
    """The audit log of Acme and its sub-accounts lists ``action`` (with ``text``)."""
    page.goto(f"{demo['url']}/console/audit?include_sub_accounts=on&action={action}")
    rows = page.get_by_test_id("audit").locator("tbody tr", has_text=action)
    expect(rows.filter(has_text=text).first).to_be_visible()


def test_an_admin_signs_in_to_the_console_with_a_token(page, demo):
    page.goto(f"{demo['url']}/console/")
    page.get_by_label("Admin token").fill("gwa_not-a-real-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("invalid_token")

    sign_in(page, demo)

    expect(page.get_by_test_id("acting-account")).to_have_text("Acme")
    expect(page.get_by_test_id("sub-accounts")).to_contain_text("Acme Healthcare")
    expect(page.get_by_test_id("dashboard")).to_contain_text("Licensed")
    audit_row(page, demo, "console.signed_in")
    page.goto(f"{demo['url']}/console/accounts")
    screenshot(page, "01-signed-in-accounts")


def test_a_master_creates_a_sub_account_and_delegates_seats(page, demo):
    sign_in(page, demo)
    form = page.get_by_test_id("create-sub-account")
    form.get_by_label("Name").fill("Acme Studio")
    form.get_by_label("Owner email").fill("owner@studio.acme.test")
    form.get_by_label("Vanity subdomain (optional)").fill("acme-studio")
    form.get_by_label("Licensed seats to delegate").fill("25")
    form.get_by_role("button", name="Create sub-account").click()
    expect(page.get_by_role("status")).to_have_text("Sub-account created.")
    expect(
        page.get_by_test_id("sub-accounts").locator("tr", has_text="Acme Studio")
    ).to_contain_text("Licensed: 25")

    row = page.get_by_test_id("sub-actions").filter(has_text="Acme Studio")
    row.get_by_label("Seats for Acme Studio").fill("100000")
    row.get_by_role("button", name="Delegate").click()
    expect(page.get_by_role("alert")).to_contain_text("license_pool_exhausted")
    row = page.get_by_test_id("sub-actions").filter(has_text="Acme Studio")
    row.get_by_label("Seats for Acme Studio").fill("40")
    row.get_by_role("button", name="Delegate").click()
    expect(page.get_by_role("status")).to_have_text("Delegation saved.")
    expect(
        page.get_by_test_id("sub-accounts").locator("tr", has_text="Acme Studio")
    ).to_contain_text("Licensed: 40")

    audit_row(page, demo, "account.create", "Acme Studio")
    audit_row(page, demo, "license.delegate")
    page.goto(f"{demo['url']}/console/accounts")
    screenshot(page, "02-sub-account-delegated")


def test_a_new_mapping_rule_routes_a_user_in_try_it(page, demo):
    sign_in(page, demo)
    page.get_by_role("link", name="Mapping").click()
    add = page.get_by_test_id("add-rule")
    add.get_by_label("Category").fill("sub_account")
    add.get_by_label("Name (optional)").fill("research routing")
    add.get_by_label("Conditions", exact=False).fill(
        "memberOf equals global_users\nmemberOf equals research"
    )
    add.get_by_label("Result").fill("no-such-account")
    add.get_by_role("button", name="Add rule").click()
    expect(page.locator("#new-result-err")).to_contain_text("unknown_sub_account")

    page.get_by_test_id("add-rule").get_by_label("Result").fill("acme-health")
    page.get_by_test_id("add-rule").get_by_role("button", name="Add rule").click()
    expect(page.get_by_role("status")).to_have_text("Rule added.")
    expect(page.get_by_test_id("rules")).to_contain_text("research routing")

    panel = page.get_by_test_id("try-it")
    panel.get_by_label("Attributes, one", exact=False).fill(
        "memberOf=global_users\nmemberOf=research"
    )
    panel.get_by_role("button", name="Explain").click()
    expect(page.get_by_test_id("lands-in")).to_contain_text("Acme Healthcare")
    # The demo's (the seed's) license rule needs HIPAA, Developer or Tester too: no license.
    expect(page.get_by_test_id("license")).to_have_text("Basic")
    trace = page.get_by_test_id("trace")
    expect(trace.locator("tr", has_text="research routing")).to_contain_text("decides sub_account")
    expect(trace.locator("tr", has_text="seed example: healthcare")).to_contain_text("no match")

    audit_row(page, demo, "mapping.rules")
    page.goto(f"{demo['url']}/console/mapping")
    page.get_by_test_id("try-it").get_by_label("Attributes, one", exact=False).fill(
        "memberOf=global_users\nmemberOf=research"
    )
    page.get_by_test_id("try-it").get_by_role("button", name="Explain").click()
    screenshot(page, "03-mapping-try-it")


def test_signing_in_through_the_test_idp_lands_in_the_sub_account_with_the_license(page, demo):
    page.goto(f"{demo['url']}/idp")
    page.get_by_label("Hana", exact=False).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/me")

    expect(page.locator("body")).to_contain_text("hana@acme.test")
    expect(page.locator("body")).to_contain_text("Acme Healthcare")
    expect(page.locator("dd", has_text="Licensed")).to_be_visible()
    screenshot(page, "04-idp-signed-in", narrow=False)

    sign_in(page, demo)
    audit_row(page, demo, "sso.signed_in", "hana@acme.test")
    page.goto(f"{demo['url']}/console/reports?kind=active-hosts")
    expect(page.get_by_test_id("report").locator("tr", has_text="Acme Healthcare")).to_contain_text(
        "1"
    )
    screenshot(page, "04-active-hosts-report")


def test_a_scim_user_outside_the_associated_domains_activates_from_the_outbox(page, demo):
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "sam@outside.test",
        "name": {"givenName": "Sam", "familyName": "Outside"},
        "emails": [{"value": "sam@outside.test", "primary": True}],
    }
    request = urllib.request.Request(
        f"{demo['url']}/scim/v2/Users",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {demo['tokens']['acme scim']}",
            "Content-Type": "application/scim+json",
        },
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201

    sign_in(page, demo)
    page.goto(f"{demo['url']}/console/users?q=userName+eq+%22sam%40outside.test%22")
    expect(page.get_by_test_id("users")).to_contain_text("pending")
    page.get_by_role("link", name="Outbox").click()
    expect(page.get_by_test_id("outbox-demo-note")).to_contain_text("Demo mode")
    page.get_by_role("link", name="Demo: open the activation link for sam@outside.test").click()
    expect(page.get_by_role("heading")).to_have_text("Activate your account")  # GET: a page
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading")).to_have_text("Account activated")

    page.goto(f"{demo['url']}/console/users?q=userName+eq+%22sam%40outside.test%22")
    row = page.get_by_test_id("users").locator("tr", has_text="sam@outside.test")
    expect(row).to_contain_text("active")
    expect(row).to_contain_text("scim")
    audit_row(page, demo, "user.create", "sam@outside.test")
    audit_row(page, demo, "user.update")
    page.goto(f"{demo['url']}/console/users")
    screenshot(page, "05-scim-user-activated")


def test_a_master_manages_a_sub_account_and_returns(page, demo):
    sign_in(page, demo)
    row = page.get_by_test_id("sub-actions").filter(has_text="Acme Healthcare")
    row.get_by_role("button", name="Manage this account").click()
    expect(page.get_by_test_id("acting-account")).to_have_text("Acme Healthcare")
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_test_id("users")).to_contain_text("owner@health.acme.test")
    page.get_by_role("button", name="Return to Acme").click()
    expect(page.get_by_test_id("acting-account")).to_have_text("Acme")
    audit_row(page, demo, "console.manage")
    page.goto(f"{demo['url']}/console/audit?include_sub_accounts=on")
    screenshot(page, "06-audit-log")
