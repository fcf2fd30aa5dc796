"""The demo's mapping rules are the seed's (issue 17 item 3), and so is the documented example."""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml

from gateway.demo_idp import DEMO_RULES, signed_response

RULES_DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "mapping-rules.md"


def _sign_in(demo, email: str, groups: list[str]) -> dict:
    sso = demo.app.extensions["gateway.sso"]
    acme = demo.account("acme")
    response, acs = signed_response(sso, acme, email, {"memberOf": groups})
    path = acs.removeprefix(sso.config.public_url.rstrip("/"))
    answer = demo.client.post(
        path, data={"SAMLResponse": response}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json


def _user(demo, email: str):
    user = demo.store.find_user_by_email(email)
    assert user is not None
    return user, demo.store.get_account(user.account_id)


@pytest.mark.parametrize("team", ["HIPAA", "Developer", "Tester"])
def test_global_users_and_a_team_is_routed_with_the_license_and_meeting_add_on_only(demo, team):
    _sign_in(demo, f"{team.lower()}@acme.test", ["global_users", team])
    user, account = _user(demo, f"{team.lower()}@acme.test")
    assert account.vanity == "acme-health"
    assert user.license_type == "Licensed"
    assert user.addons == ("large_meeting",)


@pytest.mark.parametrize(
    "groups", [["HIPAA"], ["global_users"], ["global_users", "engineering"], ["Developer"]]
)
def test_a_partial_match_gets_nothing_of_the_rule(demo, groups):
    _sign_in(demo, "partial@acme.test", groups)
    user, account = _user(demo, "partial@acme.test")
    assert account.vanity == "acme"
    assert user.license_type == account.default_license_type != "Licensed"
    assert user.addons == ()


def test_other_rules_still_apply_to_a_partial_match(demo):
    _sign_in(demo, "eng@acme.test", ["global_users", "engineering"])
    user, _ = _user(demo, "eng@acme.test")
    assert "Engineering" in user.groups


def _documented_rules() -> list[dict]:
    block = re.search(r"```yaml\n(.*?)```", RULES_DOC.read_text(), re.S)
    assert block, "no YAML example in docs/mapping-rules.md"
    return yaml.safe_load(block.group(1))


def _meaning(rule: dict) -> tuple:
    conditions = tuple(
        (c["attribute"], tuple(c["values"]), c.get("operator", "contains"))
        for c in rule["conditions"]
    )
    return rule["category"], conditions, rule["result"]


def test_the_documented_example_is_the_demo_s_seed_rules():
    seed = [_meaning(r) for r in DEMO_RULES if r["name"].startswith("seed example")]
    assert [_meaning(r) for r in _documented_rules()] == seed
    assert {category for category, _, _ in seed} == {
        "sub_account",
        "license",
        "addon:large_meeting",
    }
