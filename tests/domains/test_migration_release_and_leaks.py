"""Migration between a master's accounts, the domain data release gate, and no leaks."""

from __future__ import annotations

import pytest

from gateway.api.registry import api

RELEASE_BODY = {
    "attestations": {
        "current_registrant": True,
        "acceptable_use_policy": True,
        "lawful_purpose": True,
    },
    "signed_by": "Pat Registrant",
}


def _plan(world, token="acme admin", **body):
    health = world.account("acme-health")
    payload = {
        "source_account": world.acme.number,
        "target_account": health.number,
        "tentative_date": "2026-04-01",
        **body,
    }
    return world.admin("POST", f"/api/v1/accounts/{world.acme.id}/migrations", token, json=payload)


def test_migration_refuses_non_members_and_moves_members_once(world):
    world.store.create_user(world.acme.id, "mover@acme.test", actor="t", source="admin")
    world.signup("stranger@acme.test")
    csv_text = "email\nmover@acme.test\nstranger@acme.test\nnobody@acme.test\n"
    planned = _plan(world, csv=csv_text)
    assert planned.status_code == 201
    report = {r["email"]: r for r in planned.json["report"]}
    assert report["mover@acme.test"]["result"] == "will_migrate"
    for email in ("stranger@acme.test", "nobody@acme.test"):
        assert report[email]["message"] == (
            "not a member of this master or its sub-accounts: must be invited"
        )
    assert "user_id" not in report["stranger@acme.test"]
    run_url = f"/api/v1/accounts/{world.acme.id}/migrations/{planned.json['id']}/run"
    ran = world.admin("POST", run_url).json["report"]
    assert [r["result"] for r in ran] == ["migrated", "not_a_member", "not_a_member"]
    assert (
        world.store.find_user_by_email("mover@acme.test").account_id
        == world.account("acme-health").id
    )
    again = world.admin("POST", run_url).json["report"]
    assert again[0]["result"] == "already_in_target"


def test_only_the_master_approves_a_migration(world):
    _, sub_token = world.store.create_token(world.account("acme-health").id, "admin", actor="t")
    refused = _plan(world, sub_token, emails=["a@acme.test"])
    assert refused.status_code == 403 and refused.json["code"] == "master_approval_required"
    wrong = _plan(world, emails=["a@acme.test"], target_account=world.globex.number)
    assert wrong.status_code == 403 and wrong.json["code"] == "not_your_account"
    backwards = _plan(
        world,
        emails=["a@acme.test"],
        target_account=world.acme.number,
        source_account=world.account("acme-health").number,
    )
    assert backwards.json["code"] == "invalid_direction"


@pytest.mark.parametrize(
    ("plan_kind", "licensed", "expected"),
    [
        ("free", 0, "plan_not_eligible"),
        ("pro", 5, "plan_not_eligible"),
        ("business", 0, "not_paying"),
        ("business", 49, "business_under_50_licenses"),
        ("business", 50, None),
        ("enterprise", 1, None),
        ("education", 1, None),
    ],
)
def test_the_data_release_gate_for_each_plan_kind(world, plan_kind, licensed, expected):
    store = world.store
    plan = {"Licensed": licensed} if licensed else None
    account = store.create_account("Co", "admin@co.test", actor="t", plan_kind=plan_kind, plan=plan)
    store.add_verified_domain(account.id, "co.test", actor="t")
    _, token = store.create_token(account.id, "admin", actor="t")
    world.signup("someone@co.test", first_name="Some", last_name="One")
    url = f"/api/v1/accounts/{account.id}/domains/co.test/data-release"
    answer = world.admin("POST", url, token, json=RELEASE_BODY)
    if expected is None:
        assert answer.status_code == 200
        assert answer.json["users"] == [{"name": "Some One", "email": "someone@co.test"}]
        assert store.find_user_by_email("someone@co.test").account_id != account.id
    else:
        assert answer.status_code == 403 and answer.json["code"] == expected


def test_the_data_release_needs_every_attestation_and_the_account_s_own_admin(world):
    url = f"/api/v1/accounts/{world.acme.id}/domains/acme.test/data-release"
    partial = {**RELEASE_BODY, "attestations": {"current_registrant": True}}
    missing = world.admin("POST", url, json=partial)
    assert missing.status_code == 403 and missing.json["code"] == "attestation_missing"
    health = world.account("acme-health")
    store = world.store
    store.update_account(health.id, {"plan_kind": "enterprise"}, actor="t")
    store.add_verified_domain(health.id, "health.acme.test", actor="t")
    by_master = world.admin(
        "POST",
        f"/api/v1/accounts/{health.id}/domains/health.acme.test/data-release",
        json=RELEASE_BODY,
    )
    assert by_master.json["code"] == "requester_not_owner_or_admin"


def _route_calls(world, account_id):
    """Every route of this issue, filled in for ``account_id``."""
    for route in api.routes:
        if route.tag not in ("domains", "invitations", "migrations", "sign-in"):
            continue
        path = (
            route.path.replace("<int:account_id>", str(account_id))
            .replace("<domain>", "acme.test")
            .replace("<int:migration_id>", "1")
            .replace("<secret>", "not-a-secret")
        )
        yield route.method, "/api/v1" + path


def test_no_route_shows_an_unrelated_account_another_account_s_outside_users(world):
    world.signup("hidden.person@acme.test", first_name="Hidden", last_name="Person")
    world.options(allow_consolidation=True)
    world.store.update_account(
        world.globex.id, {"support_name": "G", "support_email": "g@globex.test"}, actor="t"
    )
    world.store.add_verified_domain(world.globex.id, "globex.test", actor="t")
    bodies = []
    for account_id, token in (
        (world.acme.id, "globex admin"),
        (world.globex.id, "globex admin"),
        (world.acme.id, "acme admin"),
    ):
        for method, url in _route_calls(world, account_id):
            if url.endswith("/data-release") and token == "acme admin":
                continue
            body = {
                **RELEASE_BODY,
                "email": "probe@acme.test",
                "enabled": True,
                "source_account": world.acme.number,
                "target_account": "1",
                "tentative_date": "2026-04-01",
                "emails": ["probe@acme.test"],
            }
            answer = world.admin(method, url, token, json=body)
            assert answer.status_code < 500, (method, url, answer.json)
            bodies.append(answer.get_data(as_text=True).lower())
    # The probes never name the hidden user, so any mention of them would be learnt.
    leaked = [b for b in bodies if "hidden" in b]
    assert leaked == []
    release = world.admin(
        "POST",
        f"/api/v1/accounts/{world.acme.id}/domains/acme.test/data-release",
        json=RELEASE_BODY,
    )
    assert "hidden.person@acme.test" in release.get_data(as_text=True)
