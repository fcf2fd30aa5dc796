"""Taking another account's users through the flows: invitations, consolidation, email changes,
SCIM and JIT in another account's managed domain, reading mailed links, prefetching them."""

from __future__ import annotations

import re

import pytest
from tenants import ALICE, GLOBEX_OWNER, GLOBEX_USERS, JSON, PUBLIC, USER_URN, World, make_world

from gateway.activation import Activation
from gateway.app import create_app
from gateway.config import GatewayConfig


@pytest.fixture
def world(store) -> World:
    """The world on SQLite and, with GATEWAY_TEST_POSTGRES_URL, PostgreSQL."""
    return make_world(store)


def _invite(world: World, tenant, email: str):
    path = f"/api/v1/accounts/{tenant.account.id}/invitations"
    return world.api(tenant, "POST", path, json={"email": email})


def _accept(browser, secret: str, **body):
    return browser.post(f"/api/v1/invitations/{secret}/accept", json={"confirm": True, **body})


def test_admin_cannot_accept_invitation_for_another_accounts_user(world):
    assert _invite(world, world.mallory, ALICE).json["result"] == "invited"
    secret = world.secret(world.mallory.account, ALICE)  # even holding the link itself
    answer = _accept(world.browser(), secret)
    assert answer.status_code == 403 and answer.json["code"] == "invitee_sign_in_required"
    with_token = world.browser().post(
        f"/api/v1/invitations/{secret}/accept",
        json={"confirm": True},
        headers=world.mallory.auth(),
    )
    assert with_token.status_code == 403
    assert with_token.json["code"] == "invitee_sign_in_required"
    mallory_user = world.signed_in(world.mallory.account.owner_email)
    as_other = _accept(mallory_user, secret)
    assert as_other.status_code == 403 and as_other.json["code"] == "invitee_sign_in_required"
    assert world.account_of(ALICE) == world.acme.account.id
    # Alice herself, signed in, may accept: the link still works for her.
    moved = _accept(world.signed_in(ALICE), secret)
    assert moved.status_code == 200 and moved.json["state"] == "completed"
    assert world.account_of(ALICE) == world.mallory.account.id


def test_an_invitee_signed_in_through_sso_may_accept(world):
    _invite(world, world.mallory, ALICE)
    secret = world.secret(world.mallory.account, ALICE)
    browser = world.browser()
    signed = world.jit(world.acme, world.own_idp(world.acme), ALICE, browser)
    assert signed.status_code == 200, signed.json
    moved = _accept(browser, secret)
    assert moved.status_code == 200 and moved.json["state"] == "completed"
    assert world.account_of(ALICE) == world.mallory.account.id


def test_the_signed_in_owner_consents_for_its_whole_account_on_the_invitation_page(world):
    _invite(world, world.mallory, GLOBEX_OWNER)
    secret = world.secret(world.mallory.account, GLOBEX_OWNER)
    owner = world.signed_in(GLOBEX_OWNER)
    page = owner.get(f"/invitations/{secret}")
    assert page.status_code == 200 and b"Bring all users" in page.data
    assert b"Sign in as" not in page.data
    done = owner.post(f"/invitations/{secret}", data={"confirm": "true", "bring_all_users": "true"})
    assert done.status_code == 200 and b"Consolidation completed" in done.data
    for email in (GLOBEX_OWNER, *GLOBEX_USERS):
        assert world.account_of(email) == world.mallory.account.id


def test_invite_owner_with_bring_all_users_does_not_move_account_without_consent(world):
    assert _invite(world, world.mallory, GLOBEX_OWNER).json["result"] == "invited"
    secret = world.secret(world.mallory.account, GLOBEX_OWNER)
    answer = _accept(world.browser(), secret, bring_all_users=True)
    assert answer.status_code == 403 and answer.json["code"] == "invitee_sign_in_required"
    shown = world.browser().get(f"/invitations/{secret}")
    assert shown.status_code == 200 and b"Sign in as owner@globex.test" in shown.data
    page = world.browser().post(
        f"/invitations/{secret}", data={"confirm": "true", "bring_all_users": "true"}
    )
    assert page.status_code == 403 and b"invitee_sign_in_required" in page.data
    for email in (GLOBEX_OWNER, *GLOBEX_USERS):
        assert world.account_of(email) == world.globex.account.id


def test_accepting_for_a_new_address_does_not_let_the_inviter_choose_the_password(world):
    invited = _invite(world, world.mallory, "fresh@nobody.test")
    assert invited.json["result"] == "invited"
    outbox = world.api(world.mallory, "GET", f"/api/v1/accounts/{world.mallory.account.id}/outbox")
    [mail] = outbox.json["messages"]
    assert mail["link"] is None and "/invitations/" not in mail["body"]
    # The invitee (who alone reads the link) sets the password when accepting.
    secret = world.secret(world.mallory.account, "fresh@nobody.test")
    bare = _accept(world.browser(), secret)
    assert bare.status_code == 400 and bare.json["code"] == "password_required"
    assert world.account_of("fresh@nobody.test") is None
    done = _accept(world.browser(), secret, password="the invitee's own secret")
    assert done.status_code == 200 and done.json["state"] == "completed"
    login = world.browser().post(
        "/api/v1/login",
        json={"email": "fresh@nobody.test", "password": "the invitee's own secret"},
    )
    assert login.status_code == 200


def test_invitation_of_a_free_address_in_another_accounts_managed_domain_is_refused(world):
    answer = _invite(world, world.mallory, "newhire@acme.test")
    assert answer.status_code == 400
    assert answer.json["code"] == "domain_managed_elsewhere"
    assert world.store.list_invitations(world.mallory.account.id) == []


def test_change_email_to_other_accounts_managed_domain_is_refused(world):
    browser = world.signed_in(world.mallory.account.owner_email)
    answer = browser.post(
        "/api/v1/me/consolidation-choice",
        json={"choice": "change_email", "new_email": "ceo@acme.test"},
    )
    assert answer.status_code == 403 and answer.json["code"] == "domain_managed_elsewhere"
    assert world.account_of("ceo@acme.test") is None
    assert world.store.list_outbox(world.mallory.account.id, recipient="ceo@acme.test").total == 0


def test_change_email_takes_effect_only_through_the_link_sent_to_the_new_address(world):
    owner = world.mallory.account.owner_email
    browser = world.signed_in(owner)
    answer = browser.post(
        "/api/v1/me/consolidation-choice",
        json={"choice": "change_email", "new_email": "someone.else@unclaimed.test"},
    )
    assert answer.status_code == 202 and answer.json["state"] == "confirmation_sent"
    assert world.account_of(owner) == world.mallory.account.id
    assert world.account_of("someone.else@unclaimed.test") is None
    [link] = world.links(world.mallory.account, "someone.else@unclaimed.test", "email_change")
    assert world.browser().get(link).status_code == 200  # a prefetch changes nothing
    assert world.account_of("someone.else@unclaimed.test") is None
    assert world.browser().post(link).status_code == 200
    assert world.account_of("someone.else@unclaimed.test") == world.mallory.account.id
    assert world.account_of(owner) is None


def test_scim_create_in_other_accounts_verified_domain_is_refused(world):
    body = {"schemas": [USER_URN], "userName": "newhire@acme.test"}
    answer = world.api(world.mallory, "POST", "/scim/v2/Users", kind="scim", json=body)
    assert answer.status_code == 403 and answer.json["status"] == "403"
    assert "managed by another account" in answer.json["detail"]
    assert world.account_of("newhire@acme.test") is None
    # The domain's own account still creates the user.
    own = world.api(world.acme, "POST", "/scim/v2/Users", kind="scim", json=body)
    assert own.status_code == 201


def test_scim_bulk_create_in_other_accounts_verified_domain_is_refused(world):
    names = ["first@fine.test", "squat1@acme.test", "second@fine.test", "squat2@acme.test"]
    operations = [
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": f"b{n}",
            "data": {"schemas": [USER_URN], "userName": name},
        }
        for n, name in enumerate(names)
    ]
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": operations,
    }
    answer = world.api(world.mallory, "POST", "/scim/v2/Bulk", kind="scim", json=body)
    assert [op["status"] for op in answer.json["Operations"]] == ["201", "403", "201", "403"]
    assert world.account_of("squat1@acme.test") is None
    assert world.account_of("squat2@acme.test") is None


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_scim_email_change_into_other_accounts_managed_domain_is_refused(world, method):
    body = {"schemas": [USER_URN], "userName": "plant@mallory.test"}
    created = world.api(world.mallory, "POST", "/scim/v2/Users", kind="scim", json=body)
    path = f"/scim/v2/Users/{created.json['id']}"
    if method == "PUT":
        change = {"schemas": [USER_URN], "userName": "cfo@acme.test"}
    else:
        change = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "userName", "value": "cfo@acme.test"}],
        }
    answer = world.api(world.mallory, method, path, kind="scim", json=change)
    assert answer.status_code == 403 and "managed by another account" in answer.json["detail"]
    assert world.account_of("cfo@acme.test") is None
    assert world.account_of("plant@mallory.test") == world.mallory.account.id


def test_jit_sign_in_cannot_create_a_user_in_another_accounts_managed_domain(world):
    idp = world.own_idp(world.mallory)
    answer = world.jit(world.mallory, idp, "newhire@acme.test")
    assert answer.status_code == 403 and answer.json["code"] == "domain_managed_elsewhere"
    assert world.account_of("newhire@acme.test") is None


def test_sub_account_owner_in_another_accounts_managed_domain_is_refused(world):
    body = {"name": "Squat", "owner_email": "boss@acme.test"}
    answer = world.api(world.mallory, "POST", "/api/v1/accounts", json=body)
    assert answer.status_code == 403 and answer.json["code"] == "domain_managed_elsewhere"
    assert world.account_of("boss@acme.test") is None


def test_admin_cannot_read_activation_link_in_outbox(world):
    body = {"schemas": [USER_URN], "userName": "victim@elsewhere.test"}
    created = world.api(world.mallory, "POST", "/scim/v2/Users", kind="scim", json=body)
    assert created.status_code == 201
    outbox = world.api(world.mallory, "GET", f"/api/v1/accounts/{world.mallory.account.id}/outbox")
    [mail] = outbox.json["messages"]
    assert mail["kind"] == "activation" and mail["recipient"] == "victim@elsewhere.test"
    assert mail["link"] is None
    assert "/activate/" not in mail["body"] and "[link withheld" in mail["body"]
    # The recipient's mailbox (the operator's view) holds the link.
    assert world.links(world.mallory.account, "victim@elsewhere.test", "activation")


def test_console_outbox_withholds_links_outside_demo_mode(world):
    activation = Activation(world.store, GatewayConfig(public_url="http://127.0.0.1:8000"))
    user = world.store.create_user(
        world.mallory.account.id, "x@elsewhere.test", actor="t", source="scim", status="pending"
    )
    activation.send(user, reason="test")
    browser = world.browser()
    _console_sign_in(browser, world.mallory.admin)
    page = browser.get("/console/outbox")
    assert page.status_code == 200 and b"x@elsewhere.test" in page.data
    assert b"/activate/" not in page.data and b"outbox-withheld-note" in page.data
    demo = create_app({"public_url": PUBLIC, "demo": True}, store=world.store).test_client()
    _console_sign_in(demo, world.mallory.admin)
    shown = demo.get("/console/outbox")
    assert b"/activate/" in shown.data and b"Demo mode" in shown.data


def _console_sign_in(browser, token: str) -> None:
    form = browser.get("/console/signin").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    data = {"token": token, **({"csrf_token": csrf[1]} if csrf else {})}
    assert browser.post("/console/signin", data=data).status_code in (302, 303)


def test_activation_link_get_does_not_activate(world):
    body = {"schemas": [USER_URN], "userName": "scanned@elsewhere.test"}
    created = world.api(world.mallory, "POST", "/scim/v2/Users", kind="scim", json=body)
    [link] = world.links(world.mallory.account, "scanned@elsewhere.test", "activation")
    for accept in (JSON, {"Accept": "text/html"}):
        assert world.browser().get(link, headers=accept).status_code == 200
    assert world.store.get_user(created.json["id"]).status == "pending"
    pressed = world.browser().post(link, headers=JSON)
    assert pressed.status_code == 200 and pressed.json["status"] == "active"


def test_admin_cannot_activate_a_pending_user_without_its_link(world):
    body = {"schemas": [USER_URN], "userName": "unconfirmed@elsewhere.test"}
    created = world.api(world.mallory, "POST", "/scim/v2/Users", kind="scim", json=body)
    path = f"/api/v1/accounts/{world.mallory.account.id}/users/{created.json['id']}"
    answer = world.api(world.mallory, "PATCH", path, json={"status": "active"})
    assert answer.status_code == 409 and answer.json["code"] == "activation_required"
    assert world.store.get_user(created.json["id"]).status == "pending"
    # Deactivated, then reactivated by the admin: pending again, with a new link.
    world.api(world.mallory, "PATCH", path, json={"status": "deactivated"})
    back = world.api(world.mallory, "PATCH", path, json={"status": "active"})
    assert back.status_code == 200 and back.json["status"] == "pending"
    links = world.links(world.mallory.account, "unconfirmed@elsewhere.test", "activation")
    assert len(links) == 2


def test_invitation_and_decline_links_get_change_nothing(world):
    _invite(world, world.mallory, ALICE)
    secret = world.secret(world.mallory.account, ALICE)
    [mail] = world.store.list_outbox(world.mallory.account.id, recipient=ALICE).items
    decline = mail.body.split("Decline: ")[1].split()[0].removeprefix("http://127.0.0.1:8000")
    for path in (f"/invitations/{secret}", decline, f"/api/v1/invitations/{secret}"):
        assert world.browser().get(path).status_code == 200
    [invitation] = world.store.list_invitations(world.mallory.account.id)
    assert invitation.status == "sent" and world.account_of(ALICE) == world.acme.account.id
