"""The README's downstream example, verbatim, so it keeps working."""

import pytest

pytestmark = pytest.mark.live
HIPAA = {"attribute": "memberOf", "values": ["HIPAA"], "operator": "equals"}


def test_hipaa_staff_land_in_healthcare(gateway_admin, gateway_idp, gateway_sign_in):
    health = gateway_admin.sub_account("Health", "owner@health.example", vanity="health-x")
    gateway_admin.delegate(health["id"], 5)
    gateway_admin.configure_sso(gateway_idp)
    gateway_admin.verified_domain("example.test")
    rule = {"category": "sub_account", "conditions": [HIPAA], "result": "health-x"}
    gateway_admin.set_rules([rule])
    decision = gateway_sign_in("hana@example.test", {"memberOf": ["HIPAA"]})
    assert decision["account"]["name"] == "Health"
