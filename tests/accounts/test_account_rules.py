"""Account rules (issue 17 items 7, 9, 10, 11, 13, 14), through the admin API as a client sends."""

from __future__ import annotations

from click.testing import CliRunner

from gateway.demo_idp import signed_response

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def _seats(demo, ident: str, kind: str = "Licensed"):
    return next(p for p in demo.store.pools(demo.account(ident).id) if p.seat_kind == kind)


# -- item 7: default license None --------------------------------------------------------------


def test_patch_accepts_default_license_none(demo):
    acme = demo.account("acme")
    answer = demo.api("PATCH", f"/api/v1/accounts/{acme.id}", json={"default_license_type": "None"})
    assert answer.status_code == 200, answer.text
    assert demo.account("acme").default_license_type == "None"


def test_default_none_blocks_an_sso_sign_in_no_license_rule_matches(demo):
    acme = demo.account("acme")
    demo.api("PATCH", f"/api/v1/accounts/{acme.id}", json={"default_license_type": "None"})
    sso = demo.app.extensions["gateway.sso"]
    response, acs = signed_response(sso, acme, "paul@acme.test", {"memberOf": ["HIPAA"]})
    path = acs.removeprefix(sso.config.public_url.rstrip("/"))
    demo.client.post(path, data={"SAMLResponse": response}, headers={"Accept": "application/json"})
    assert demo.store.find_user_by_email("paul@acme.test") is None


def test_default_none_still_lets_a_scim_client_create_a_basic_user(demo):
    acme = demo.account("acme")
    demo.api("PATCH", f"/api/v1/accounts/{acme.id}", json={"default_license_type": "None"})
    body = {"schemas": [USER], "userName": "sam@acme.test", "active": True}
    answer = demo.scim("POST", "/Users", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json["userType"] == "Basic"


def test_default_license_outside_the_list_is_refused(demo):
    acme = demo.account("acme")
    answer = demo.api("PATCH", f"/api/v1/accounts/{acme.id}", json={"default_license_type": "Gold"})
    assert answer.status_code == 400 and answer.json["code"] == "invalid_field"


# -- item 9: a deleted user's email is never a new owner -----------------------------------------


def test_a_deleted_scim_user_s_email_is_refused_as_a_new_sub_account_owner(demo):
    body = {"schemas": [USER], "userName": "gone@acme.test", "active": True}
    created = demo.scim("POST", "/Users", json=body)
    assert created.status_code == 201, created.text
    assert demo.scim("DELETE", f"/Users/{created.json['id']}").status_code == 204
    answer = demo.api(
        "POST",
        "/api/v1/accounts",
        json={
            "name": "Reborn",
            "owner_email": "GONE@acme.test",
            "parent_id": demo.account("acme").id,
        },
    )
    assert answer.status_code == 409 and answer.json["code"] == "owner_email_taken", answer.text
    assert "deleted user" in answer.json["message"]


# -- item 10: unlinking what is not a sub-account ------------------------------------------------


def test_unlinking_the_master_itself_is_not_a_sub_account(demo):
    acme = demo.account("acme")
    answer = demo.api("POST", f"/api/v1/accounts/{acme.id}/unlink")
    assert answer.status_code == 409 and answer.json["code"] == "not_a_sub_account", answer.text


def test_unlinking_a_standalone_account_is_not_a_sub_account(demo):
    globex = demo.account("globex")
    answer = demo.api("POST", f"/api/v1/accounts/{globex.id}/unlink", token="globex admin")
    assert answer.status_code == 409 and answer.json["code"] == "not_a_sub_account", answer.text


def test_a_sub_account_s_own_admin_still_may_not_unlink_it(demo):
    health = demo.account("acme-health")
    _, token = demo.store.create_token(health.id, "admin", actor="t")
    demo.tokens["health admin"] = token
    answer = demo.api("POST", f"/api/v1/accounts/{health.id}/unlink", token="health admin")
    assert answer.status_code == 403 and answer.json["code"] == "master_only"


# -- item 11: a refused enforcement PUT changes nothing ------------------------------------------


def test_a_refused_sso_enforcement_put_keeps_the_threshold(demo):
    acme, globex = demo.account("acme"), demo.account("globex")
    for name in ("x", "y", "z"):
        demo.store.create_user(globex.id, f"{name}@acme.test", actor="t", source="admin")
    url = f"/api/v1/accounts/{acme.id}/sso-enforcement"
    before = demo.api("GET", url).json["threshold"]
    answer = demo.api("PUT", url, json={"enabled": True, "threshold": 90})
    assert answer.status_code == 409 and answer.json["code"] == "sso_enforcement_premature"
    after = demo.api("GET", url).json
    assert after["threshold"] == before != 90 and after["enforced"] is False


def test_an_accepted_sso_enforcement_put_saves_the_threshold(demo):
    acme = demo.account("acme")
    url = f"/api/v1/accounts/{acme.id}/sso-enforcement"
    answer = demo.api("PUT", url, json={"enabled": False, "threshold": 90})
    assert answer.status_code == 200, answer.text
    assert demo.api("GET", url).json["threshold"] == 90


# -- item 13: unlinking a bulk-licensed sub-account counts no seat twice -------------------------


def test_unlinking_a_bulk_sub_account_moves_its_seats_out_of_the_master_s_plan(demo):
    master_before, health_before = _seats(demo, "acme"), _seats(demo, "acme-health")
    total_before = master_before.capacity
    health = demo.account("acme-health")
    answer = demo.api("POST", f"/api/v1/accounts/{health.id}/unlink")
    assert answer.status_code == 200, answer.text
    master, former = _seats(demo, "acme"), _seats(demo, "acme-health")
    assert former.capacity == health_before.capacity == 200
    assert master.capacity == total_before - 200
    assert master.delegated == master_before.delegated - 200
    assert master.capacity + former.capacity == total_before
    assert demo.store.check_invariants() == []


def test_gateway_check_reports_an_unlink_that_counted_seats_twice(demo):
    acme = demo.account("acme")
    moved = {
        "Licensed": {"seats": 200, "master_capacity_before": 1000, "master_capacity_after": 1000}
    }
    demo.store.audit_event(
        actor="t",
        account_id=acme.id,
        action="account.unlink_sub",
        target="1",
        after={"seats_moved": moved},
    )
    problems = demo.store.check_invariants()
    assert [p.code for p in problems] == ["seats_counted_twice"]
    assert "200 Licensed seats" in problems[0].message


# -- item 14: plan kind and bulk licensing are the account team's -------------------------------


def test_an_account_admin_cannot_change_plan_kind_or_bulk_licensing(demo):
    acme = demo.account("acme")
    for body in (
        {"plan_kind": "education"},
        {"bulk_licensing": False},
        {"name": "A", "plan_kind": "pro"},
    ):
        answer = demo.api("PATCH", f"/api/v1/accounts/{acme.id}", json=body)
        assert answer.status_code == 403 and answer.json["code"] == "operator_only", answer.text
    after = demo.account("acme")
    assert (after.plan_kind, after.bulk_licensing, after.name) == ("enterprise", True, "Acme")


def test_the_operator_changes_plan_kind_from_the_cli(demo, store, monkeypatch):
    from gateway.cli import main

    monkeypatch.setenv("GATEWAY_DATABASE_URL", str(store.engine.url))
    result = CliRunner().invoke(
        main, ["account", "set", "--account", "globex", "--plan-kind", "education"]
    )
    assert result.exit_code == 0, result.output
    assert demo.account("globex").plan_kind == "education"
    refused = CliRunner().invoke(
        main, ["account", "set", "--account", "acme", "--no-bulk-licensing"]
    )
    assert refused.exit_code == 2 and "has_sub_accounts" in refused.output
