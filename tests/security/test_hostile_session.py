"""A whole hostile session: two hostile tenants (Mallory and Eve) run every attack of
``ATTACKS`` over HTTP, each attack checking the refusal it gets; afterwards the victims' (Acme
with its sub-accounts, and Globex) accounts, users, seats, domains, groups and settings are
byte for byte what they were, and ``gateway check`` is clean.

An attack is a function ``attack(world, attacker)``; add new ones to ``ATTACKS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from hardening_attacks import HARDENING_ATTACKS
from tenants import ALICE, GLOBEX_OWNER, JSON, PUBLIC, USER_URN, Tenant, World, make_world

from gateway.store import schema

Attack = Callable[[World, Tenant], None]
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _invite(world: World, attacker: Tenant, email: str) -> Any:
    path = f"/api/v1/accounts/{attacker.account.id}/invitations"
    return world.api(attacker, "POST", path, json={"email": email})


def _refused(answer: Any, status: int, code: str | None = None) -> None:
    assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True))
    if code is not None:
        assert answer.json["code"] == code


def accept_invitation_of_a_victim_user(world: World, attacker: Tenant) -> None:
    """Invite Alice, then accept with the (leaked) link: bare, with a token, as oneself."""
    _invite(world, attacker, ALICE)
    secret = world.secret(attacker.account, ALICE)
    accept = f"/api/v1/invitations/{secret}/accept"
    for headers in ({}, attacker.auth()):
        answer = world.browser().post(accept, json={"confirm": True}, headers=headers)
        _refused(answer, 403, "invitee_sign_in_required")
    own = world.signed_in(attacker.account.owner_email)
    _refused(own.post(accept, json={"confirm": True}), 403, "invitee_sign_in_required")


def bring_a_victim_account_along(world: World, attacker: Tenant) -> None:
    """Invite Globex's owner and accept with bring_all_users, by the API and the page."""
    _invite(world, attacker, GLOBEX_OWNER)
    secret = world.secret(attacker.account, GLOBEX_OWNER)
    body = {"confirm": True, "bring_all_users": True}
    answer = world.browser().post(f"/api/v1/invitations/{secret}/accept", json=body)
    _refused(answer, 403, "invitee_sign_in_required")
    form = {"confirm": "true", "bring_all_users": "true"}
    _refused(world.browser().post(f"/invitations/{secret}", data=form), 403)


def invite_a_free_address_of_a_victim_domain(world: World, attacker: Tenant) -> None:
    _refused(_invite(world, attacker, "future.hire@acme.test"), 400, "domain_managed_elsewhere")


def change_own_email_into_a_victim_domain(world: World, attacker: Tenant) -> None:
    browser = world.signed_in(attacker.account.owner_email)
    answer = browser.post(
        "/api/v1/me/consolidation-choice",
        json={"choice": "change_email", "new_email": "ceo@acme.test"},
    )
    _refused(answer, 403, "domain_managed_elsewhere")


def scim_create_in_a_victim_domain(world: World, attacker: Tenant) -> None:
    body = {"schemas": [USER_URN], "userName": "squat@acme.test"}
    _refused(world.api(attacker, "POST", "/scim/v2/Users", kind="scim", json=body), 403)


def scim_move_an_own_user_into_a_victim_domain(world: World, attacker: Tenant) -> None:
    name = f"plant.{attacker.account.vanity}@{attacker.account.vanity}.test"
    body = {"schemas": [USER_URN], "userName": name}
    created = world.api(attacker, "POST", "/scim/v2/Users", kind="scim", json=body)
    path = f"/scim/v2/Users/{created.json['id']}"
    put = {"schemas": [USER_URN], "userName": "cfo@acme.test"}
    _refused(world.api(attacker, "PUT", path, kind="scim", json=put), 403)
    operation = {"op": "replace", "path": "userName", "value": "cfo@acme.test"}
    patch = {"schemas": [PATCH_URN], "Operations": [operation]}
    _refused(world.api(attacker, "PATCH", path, kind="scim", json=patch), 403)


def jit_through_an_own_idp_into_a_victim_domain(world: World, attacker: Tenant) -> None:
    idp = world.own_idp(attacker)
    _refused(world.jit(attacker, idp, "sso.squat@acme.test"), 403, "domain_managed_elsewhere")


def sub_account_owned_in_a_victim_domain(world: World, attacker: Tenant) -> None:
    body = {"name": f"{attacker.account.name} squat", "owner_email": "boss.squat@acme.test"}
    answer = world.api(attacker, "POST", "/api/v1/accounts", json=body)
    _refused(answer, 403, "domain_managed_elsewhere")


def read_mailed_links(world: World, attacker: Tenant) -> None:
    """Provision an outside user and invite one; look for the links in every outbox."""
    body = {"schemas": [USER_URN], "userName": f"bait.{attacker.account.vanity}@elsewhere.test"}
    world.api(attacker, "POST", "/scim/v2/Users", kind="scim", json=body)
    _invite(world, attacker, f"guest.{attacker.account.vanity}@elsewhere.test")
    own = world.api(attacker, "GET", f"/api/v1/accounts/{attacker.account.id}/outbox")
    assert own.status_code == 200 and own.json["messages"]
    for message in own.json["messages"]:
        assert message["link"] is None and PUBLIC not in message["body"]
    for victim in (world.acme, world.globex):
        theirs = world.api(attacker, "GET", f"/api/v1/accounts/{victim.account.id}/outbox")
        _refused(theirs, 403, "not_your_account")


def prefetch_links(world: World, attacker: Tenant) -> None:
    """GET every link a scanner would fetch: nothing may change."""
    secret = world.secret(attacker.account, ALICE)
    for path in (f"/invitations/{secret}", f"/api/v1/invitations/{secret}"):
        assert world.browser().get(path).status_code == 200
    bait = f"bait.{attacker.account.vanity}@elsewhere.test"
    for link in world.links(attacker.account, bait, "activation"):
        assert world.browser().get(link, headers=JSON).status_code == 200


ATTACKS: list[Attack] = [
    accept_invitation_of_a_victim_user,
    bring_a_victim_account_along,
    invite_a_free_address_of_a_victim_domain,
    change_own_email_into_a_victim_domain,
    scim_create_in_a_victim_domain,
    scim_move_an_own_user_into_a_victim_domain,
    jit_through_an_own_idp_into_a_victim_domain,
    sub_account_owned_in_a_victim_domain,
    read_mailed_links,
    prefetch_links,
    *HARDENING_ATTACKS,
]


def victim_state(world: World) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row of the victims' accounts, users, seats, domains, groups and SSO."""
    store = world.store
    victims = [world.acme.account.id, world.globex.account.id]
    victims += [a.id for a in store.descendants(world.acme.account.id)]
    tables = {
        "accounts": (schema.accounts, schema.accounts.c.id),
        "users": (schema.users, schema.users.c.account_id),
        "license_pools": (schema.license_pools, schema.license_pools.c.account_id),
        "domains": (schema.domains, schema.domains.c.account_id),
        "groups": (schema.groups, schema.groups.c.account_id),
        "saml_configs": (schema.saml_configs, schema.saml_configs.c.account_id),
    }
    state: dict[str, list[tuple[Any, ...]]] = {}
    with store.transaction() as conn:
        for name, (table, owner) in tables.items():
            rows = conn.execute(sa.select(table).where(owner.in_(victims)))
            state[name] = sorted((tuple(map(repr, r)) for r in rows), key=repr)
        members = sa.select(schema.group_members).join(
            schema.groups, schema.groups.c.id == schema.group_members.c.group_id
        )
        rows = conn.execute(members.where(schema.groups.c.account_id.in_(victims)))
        state["group_members"] = sorted(tuple(map(repr, r)) for r in rows)
    return state


@pytest.fixture
def world(store) -> World:
    """The world on SQLite and, with GATEWAY_TEST_POSTGRES_URL, PostgreSQL."""
    return make_world(store)


def test_a_hostile_session_leaves_the_victims_as_they_were(world):
    before = victim_state(world)
    assert before["users"] and before["domains"]
    for attacker in (world.mallory, world.eve):
        for attack in ATTACKS:
            attack(world, attacker)
    assert victim_state(world) == before
    assert world.store.check_invariants() == []
