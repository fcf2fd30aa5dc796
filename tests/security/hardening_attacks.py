"""The hardening attacks of issue 14 as steps of the scripted hostile session
(``test_hostile_session.py``): each is ``attack(world, attacker)`` and checks its refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tenants import ALICE, USER_URN, Tenant, World

PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
DEEP = b"[" * 10_000 + b"]" * 10_000


def _refused(answer: Any, status: int, code: str | None = None) -> None:
    assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True))
    if code is not None:
        assert answer.json["code"] == code


def guess_a_victim_password(world: World, attacker: Tenant) -> None:
    """Eleven guesses at Alice's password from one address: the eleventh is throttled."""
    browser = world.browser()
    address = {"REMOTE_ADDR": f"198.51.100.{attacker.account.id % 250}"}
    answers = [
        browser.post(
            "/api/v1/login",
            json={"email": ALICE, "password": f"guess {n}"},
            environ_base=address,
        )
        for n in range(11)
    ]
    assert {a.status_code for a in answers[:10]} <= {401, 429}
    _refused(answers[-1], 429, "too_many_failed_sign_ins")


def crash_with_hostile_json(world: World, attacker: Tenant) -> None:
    """Deep JSON and a lone surrogate at the victims' endpoints, with and without a token."""
    victim = world.acme.account.id
    for headers in ({}, attacker.auth()):
        answer = world.browser().put(
            f"/api/v1/accounts/{victim}/plan/Licensed",
            data=DEEP,
            content_type="application/json",
            headers=headers,
        )
        _refused(answer, 400, "json_too_deep")
    answer = world.browser().post(
        "/api/v1/login", data=b'{"email": "\\ud800"}', content_type="application/json"
    )
    _refused(answer, 400, "invalid_json")


def overflow_seats(world: World, attacker: Tenant) -> None:
    """2^63 seats on the attacker's own plan, and on a victim's."""
    for account in (attacker.account, world.globex.account):
        answer = world.api(
            attacker,
            "PUT",
            f"/api/v1/accounts/{account.id}/plan/Licensed",
            data=b'{"seats": 9223372036854775808}',
            content_type="application/json",
        )
        _refused(answer, 400, "number_out_of_range")


def stall_with_giant_patches(world: World, attacker: Tenant) -> None:
    """A group PATCH of 15,000 member ids and a user PATCH of 10,000 operations."""
    group = world.api(
        attacker,
        "POST",
        "/scim/v2/Groups",
        kind="scim",
        json={"schemas": [GROUP_URN], "displayName": f"stall-{attacker.account.vanity}"},
    )
    members = [{"value": f"x{i}"} for i in range(15_000)]
    body = {
        "schemas": [PATCH_URN],
        "Operations": [{"op": "add", "path": "members", "value": members}],
    }
    answer = world.api(attacker, "PATCH", group.headers["Location"], kind="scim", json=body)
    assert answer.status_code == 413, answer.text
    user = world.api(
        attacker,
        "POST",
        "/scim/v2/Users",
        kind="scim",
        json={"schemas": [USER_URN], "userName": f"stall.{attacker.account.vanity}@stall.test"},
    )
    ops = [{"op": "replace", "path": "displayName", "value": str(i)} for i in range(10_000)]
    body = {"schemas": [PATCH_URN], "Operations": ops}
    answer = world.api(attacker, "PATCH", user.headers["Location"], kind="scim", json=body)
    assert answer.status_code == 413, answer.text


def freeze_with_a_regex_rule(world: World, attacker: Tenant) -> None:
    """A backreference rule is refused at load; a (a+)+ rule is taken and runs in linear time."""
    path = f"/api/v1/accounts/{attacker.account.id}/mapping/rules"
    rule = {
        "category": "license",
        "conditions": [{"attribute": "memberOf", "values": [r"(a)\1"], "operator": "regex"}],
        "result": "Licensed",
    }
    refused = world.api(attacker, "PUT", path, json={"rules": [rule]})
    assert refused.status_code == 400 and "bad_regex" in refused.text, refused.text
    rule["conditions"][0]["values"] = ["(a+)+"]
    assert world.api(attacker, "PUT", path, json={"rules": [rule]}).status_code == 200
    explain = world.api(
        attacker,
        "POST",
        f"/api/v1/accounts/{attacker.account.id}/mapping/explain",
        json={"attributes": {"memberOf": ["a" * 40 + "b"]}},
    )
    assert explain.status_code == 200, explain.text


HARDENING_ATTACKS: list[Callable[[World, Tenant], None]] = [
    guess_a_victim_password,
    crash_with_hostile_json,
    overflow_seats,
    stall_with_giant_patches,
    freeze_with_a_regex_rule,
]
