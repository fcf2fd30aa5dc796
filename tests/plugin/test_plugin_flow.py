"""The pytest plugin's fixtures drive a real flow against the live gateway."""

from __future__ import annotations

import urllib.request

import pytest

from gateway.testing.client import GatewayAdmin

pytestmark = pytest.mark.live

HEALTH_RULE = {
    "category": "sub_account",
    "conditions": [
        {"attribute": "memberOf", "values": ["global_users"], "operator": "equals"},
        {"attribute": "memberOf", "values": ["HIPAA", "Developer"], "operator": "equals"},
    ],
}
LICENSE_RULE = {
    "category": "license",
    "conditions": [{"attribute": "memberOf", "values": ["global_users"], "operator": "equals"}],
    "result": "Licensed",
}


def _health(admin: GatewayAdmin) -> dict[str, object]:
    return admin.sub_account(
        "Health",
        f"owner@health-{admin.vanity}.test",
        vanity=f"{admin.vanity}-health",
        delegations={"Licensed": 5},
    )


def test_a_routed_user_lands_in_the_sub_account_with_the_mapped_license(
    gateway_admin, gateway_idp, gateway_sign_in
):
    health = _health(gateway_admin)
    gateway_admin.configure_sso(gateway_idp)
    gateway_admin.set_rules([{**HEALTH_RULE, "result": health["vanity"]}, LICENSE_RULE])
    domain = f"{gateway_admin.vanity}.test"
    gateway_admin.verified_domain(domain)

    decision = gateway_sign_in(f"hana@{domain}", {"memberOf": ["global_users", "HIPAA"]})

    assert decision["outcome"] == "signed_in"
    assert decision["account"]["id"] == health["id"]
    assert decision["user"]["license_type"] == "Licensed"
    assert decision["routed_from"]["id"] == gateway_admin.account_id


def test_a_partial_match_stays_in_the_master(gateway_admin, gateway_idp, gateway_sign_in):
    health = _health(gateway_admin)
    gateway_admin.configure_sso(gateway_idp)
    gateway_admin.set_rules([{**HEALTH_RULE, "result": health["vanity"]}])
    gateway_admin.verified_domain(f"{gateway_admin.vanity}.test")

    decision = gateway_sign_in(f"paul@{gateway_admin.vanity}.test", {"memberOf": ["HIPAA"]})

    assert decision["account"]["id"] == gateway_admin.account_id


def test_an_outside_user_activates_from_the_outbox_link(
    gateway_admin, gateway_idp, gateway_sign_in, gateway_outbox
):
    gateway_admin.configure_sso(gateway_idp)

    decision = gateway_sign_in("gina@partner.test", {"memberOf": ["staff"]})
    (message,) = [m for m in gateway_outbox() if m["recipient"] == "gina@partner.test"]
    request = urllib.request.Request(
        message["link"], method="POST", headers={"Accept": "application/json"}
    )
    with urllib.request.urlopen(request) as answer:
        activated = answer.read().decode()

    assert decision["user"]["status"] == "pending"
    assert '"active"' in activated
    assert [u["status"] for u in gateway_admin.users() if u["email"] == "gina@partner.test"] == [
        "active"
    ]
