"""SSO enforcement guard, invitations and consolidation over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from idp_fixtures.idp import TestIdP


@pytest.fixture
def saml_on_acme(world):
    idp = TestIdP("https://idp.test/metadata")
    world.store.put_saml_config(
        world.acme.id,
        {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": "https://idp.test/sso",
            "certificates": [idp.certificate_pem],
        },
        actor="test",
    )
    return idp


def _enforce(world, **body):
    return world.admin(
        "PUT", f"/api/v1/accounts/{world.acme.id}/sso-enforcement", json={"enabled": True, **body}
    )


def test_enforcing_sso_below_75_percent_or_with_a_vip_pending_needs_force(world, saml_on_acme):
    world.signup("out1@acme.test")
    world.signup("out2@acme.test")
    assert "bypasses SSO" in world.login("out1@acme.test").json["notes"][0]
    world.admin(
        "POST",
        f"/api/v1/accounts/{world.acme.id}/invitations",
        json={"email": "ceo@acme.test", "vip": True},
    )
    refused = _enforce(world)
    assert refused.status_code == 409 and refused.json["code"] == "sso_enforcement_premature"
    details = refused.json["details"]
    assert details["percent_consolidated"] == 33.3 and details["threshold"] == 75
    assert details["pending_vips"] == ["ceo@acme.test"]
    assert "33.3%" in refused.json["message"]
    forced = _enforce(world, force=True)
    assert forced.status_code == 200 and forced.json["enforced"] and forced.json["forced"]
    sent = world.login("out1@acme.test")
    assert sent.status_code == 302 and sent.json["code"] == "sso_required"
    assert sent.headers["Location"].startswith("https://idp.test/sso?SAMLRequest=")


def test_only_education_accounts_may_lower_the_threshold(world, saml_on_acme):
    lowered = _enforce(world, threshold=30)
    assert lowered.status_code == 400 and lowered.json["code"] == "threshold_below_minimum"
    world.store.update_account(world.acme.id, {"plan_kind": "education"}, actor="t")
    world.signup("student@acme.test")
    world.signup("student2@acme.test")
    assert _enforce(world, threshold=30).json["enforced"] is True


def test_csv_invites_report_bad_rows_apply_good_rows_and_re_running_is_harmless(world):
    world.signup("outsider@acme.test")
    csv_body = (
        "email,vip\nnew.person@acme.test,no\nnot-an-email\noutsider@acme.test,yes\n"
        "owner@acme.test\nnew.person@acme.test\nx@y.test,maybe\n"
    )
    url = f"/api/v1/accounts/{world.acme.id}/invitations/csv"
    first = world.admin("POST", url, data=csv_body, content_type="text/csv")
    lines = [line for line in first.get_data(as_text=True).splitlines()]
    import json

    rows = [json.loads(line) for line in lines]
    results = [(r["row"], r["result"], r["code"]) for r in rows[:-1]]
    assert results == [
        (2, "invited", None),
        (3, "refused", "invalid_email"),
        (4, "invited", None),
        (5, "already_member", None),
        (6, "refused", "duplicate_row"),
        (7, "refused", "invalid_row"),
    ]
    assert rows[-1]["summary"] == {"invited": 2, "refused": 3, "already_member": 1}
    again = world.admin("POST", url, data=csv_body, content_type="text/csv")
    assert '"already_invited"' in again.get_data(as_text=True)
    assert world.store.list_outbox(world.acme.id, recipient="new.person@acme.test").total == 1


def _multi_user_account(world, **settings):
    store = world.store
    team = store.create_account("Bob's team", "bob@acme.test", actor="t", plan={"Licensed": 4})
    store.update_account(
        team.id,
        {
            "subscription_start": world.store.clock.now(),
            "subscription_end": world.store.clock.now() + dt.timedelta(days=73),
        },
        actor="t",
    )
    store.create_user(team.id, "carol@acme.test", actor="t", source="admin")
    store.create_user(team.id, "ext@partner.test", actor="t", source="admin")
    for key, value in settings.items():
        store.set_setting(team.id, key, value, actor="t")
    world.admin(
        "POST", f"/api/v1/accounts/{world.acme.id}/invitations", json={"email": "bob@acme.test"}
    )
    world.sign_in_as("bob@acme.test")  # only the invitee, signed in, accepts
    return team, world.invitation_secret("bob@acme.test")


def test_consolidating_an_owner_brings_every_user_including_the_external_one(world):
    phones = [{"number": "+15550100", "ported": False}, {"number": "+15550101", "ported": True}]
    team, secret = _multi_user_account(world, phone_numbers=phones)
    preview = world.client.get(f"/api/v1/invitations/{secret}").json
    assert "cloud recordings" in preview["data_changes"]["moves_with_user"]
    assert "license" in preview["data_changes"]["subject_to_new_account"]
    assert "past meetings" in preview["data_changes"]["does_not_move"]
    assert preview["external_users_coming_along"] == ["ext@partner.test"]
    assert preview["phone_numbers_lost"] == ["+15550100"]
    accept = f"/api/v1/invitations/{secret}/accept"
    unconfirmed = world.client.post(accept, json={"confirm": True})
    assert unconfirmed.status_code == 409 and unconfirmed.json["code"] == "multi_user_account"
    done = world.client.post(accept, json={"confirm": True, "bring_all_users": True})
    assert done.status_code == 200 and done.json["state"] == "completed"
    assert done.json["moved_users"] == 3 and done.json["phone_numbers_lost"] == ["+15550100"]
    for email in ("bob@acme.test", "carol@acme.test", "ext@partner.test"):
        user = world.store.find_user_by_email(email)
        assert user.account_id == world.acme.id and user.login_type == "work_email"
    refund = world.store.list_refunds(team.id)[0]
    assert refund.seats == {"Licensed": 4} and refund.amount_cents == round(4 * 14990 * 0.2)
    assert world.client.post(accept, json={"confirm": True}).json["code"] == "link_unknown"


def test_an_account_with_rooms_and_other_users_cannot_move_until_rooms_are_deleted(world):
    team, secret = _multi_user_account(world, zoom_rooms=2)
    accept = f"/api/v1/invitations/{secret}/accept"
    blocked = world.client.post(accept, json={"confirm": True, "bring_all_users": True})
    assert blocked.status_code == 409 and blocked.json["code"] == "rooms_must_be_deleted"
    assert world.store.find_user_by_email("bob@acme.test").account_id == team.id
    world.store.set_setting(team.id, "zoom_rooms", 0, actor="t")
    moved = world.client.post(accept, json={"confirm": True, "bring_all_users": True})
    assert moved.json["state"] == "completed"


def test_an_account_on_another_cluster_waits_for_its_backend_migration(world, clock):
    team, secret = _multi_user_account(world, cluster="eu01")
    answer = world.client.post(
        f"/api/v1/invitations/{secret}/accept", json={"confirm": True, "bring_all_users": True}
    )
    assert answer.json["state"] == "backend_migration_pending"
    assert world.store.find_user_by_email("bob@acme.test").account_id == team.id
    status = answer.json["status_url"]
    assert world.client.get(status).json["state"] == "backend_migration_pending"
    clock.advance(minutes=61)
    assert world.client.get(status).json["state"] == "completed"
    assert world.store.find_user_by_email("carol@acme.test").account_id == world.acme.id


def test_a_failure_half_way_leaves_every_user_in_exactly_one_account(world):
    store = world.store
    tight = store.create_account(
        "Tight",
        "admin@tight.test",
        actor="t",
        default_license_type="Licensed",
        plan={"Licensed": 1},
    )
    _, token = store.create_token(tight.id, "admin", actor="t")
    team = store.create_account("Pair", "p1@pair.test", actor="t")
    store.create_user(team.id, "p2@pair.test", actor="t", source="admin")
    world.admin(
        "POST", f"/api/v1/accounts/{tight.id}/invitations", token, json={"email": "p1@pair.test"}
    )
    secret = world.invitation_secret("p1@pair.test", tight)
    world.sign_in_as("p1@pair.test")
    failed = world.client.post(
        f"/api/v1/invitations/{secret}/accept", json={"confirm": True, "bring_all_users": True}
    )
    assert failed.status_code == 409 and failed.json["code"] == "license_pool_exhausted"
    for email in ("p1@pair.test", "p2@pair.test"):
        assert store.find_user_by_email(email).account_id == team.id


def test_declining_closes_the_invitation(world):
    world.admin(
        "POST",
        f"/api/v1/accounts/{world.acme.id}/invitations",
        json={"email": "no.thanks@else.test"},
    )
    message = world.store.list_outbox(world.acme.id, recipient="no.thanks@else.test").items[0]
    decline = message.body.split("Decline: ")[1].split()[0].rsplit("/", 1)[1]
    assert world.client.post(f"/api/v1/invitations/decline/{decline}").json["status"] == "declined"
    closed = world.client.get(
        f"/api/v1/invitations/{world.invitation_secret('no.thanks@else.test')}"
    )
    assert closed.status_code == 410 and closed.json["code"] == "invitation_closed"
    assert "ignore this invitation" in message.body


def test_a_prompted_user_can_consolidate_after_a_preview(world):
    world.signup("joiner@acme.test")
    world.options(allow_consolidation=True)
    world.login("joiner@acme.test")
    url = "/api/v1/me/consolidation-choice"
    preview = world.client.post(url, json={"choice": "consolidate"}).json
    assert preview["confirm_required"] and preview["data_changes"]["does_not_move"]
    done = world.client.post(url, json={"choice": "consolidate", "confirm": True}).json
    assert done["state"] == "completed"
    assert world.store.find_user_by_email("joiner@acme.test").account_id == world.acme.id
