"""Zoom's other advanced-mapping sections: user group admin, Zoom Room admin, Zoom Phone calling
plan and site. First match each; group admin and room admin are removed when their section has
rules and none matches; the phone ones stay unchanged then; left out when routed."""

from __future__ import annotations

import pytest

from mapping import BadResult, RuleSetInvalid, UserState
from tests.mapping.mapping_helpers import MASTER_SSO, SEED_RULES, cond, rule

ADMIN_OF = "user_group_admin"


def test_the_first_matching_rule_decides_each_setting(load, decide):
    rules = load(
        rule(ADMIN_OF, "Engineering", cond("dept", "eng")),
        rule(ADMIN_OF, "Everyone", cond("dept", "e")),
        rule("room_admin", True, cond("title", "facilities")),
        rule("phone_calling_plan", "US/CA Unlimited", cond("country", "US")),
        rule("phone_site", "Main Office", cond("office", "HQ")),
    )
    decision = decide(
        rules, {"dept": ["eng"], "title": ["facilities lead"], "country": ["US"], "office": ["HQ"]}
    )
    assert decision.settings == {
        ADMIN_OF: "Engineering",
        "room_admin": True,
        "phone_calling_plan": "US/CA Unlimited",
        "phone_site": "Main Office",
    }
    assert decision.trace.decided_by[ADMIN_OF] == (1,)
    assert decision.to_dict()["settings"][ADMIN_OF] == "Engineering"


def test_group_admin_and_room_admin_are_removed_when_their_section_has_no_match(load, decide):
    rules = load(
        rule(ADMIN_OF, "Engineering", cond("dept", "eng")),
        rule("room_admin", True, cond("title", "facilities")),
    )
    held = UserState(exists=True, settings={ADMIN_OF: "Engineering", "room_admin": True})
    decision = decide(rules, {"dept": ["sales"]}, held)
    assert decision.settings == {ADMIN_OF: None, "room_admin": None}
    removed = {(r.category, r.item) for r in decision.trace.removed}
    assert removed == {(ADMIN_OF, "Engineering"), ("room_admin", "True")}


def test_the_phone_plan_and_site_stay_unchanged_without_a_match(load, decide):
    rules = load(
        rule("phone_calling_plan", "Global", cond("country", "FR")),
        rule("phone_site", "Paris", cond("office", "PAR")),
    )
    held = UserState(exists=True, settings={"phone_calling_plan": "US", "phone_site": "NYC"})
    decision = decide(rules, {"country": ["US"]}, held)
    assert decision.settings == {}
    assert any("keeps US" in note for note in decision.trace.notes)


def test_a_section_without_rules_changes_nothing(load, decide):
    held = UserState(exists=True, settings={ADMIN_OF: "Engineering", "room_admin": True})
    decision = decide(load(rule("role", "Admin", cond("dept", "it"))), {"dept": ["it"]}, held)
    assert decision.settings == {}


def test_a_routed_user_gets_no_settings_from_the_master(load, decide):
    rules = load(*SEED_RULES, rule(ADMIN_OF, "Engineering", cond("memberOf", "global_users")))
    attributes = {"memberOf": ["global_users", "HIPAA"]}
    decision = decide(rules, attributes, account=MASTER_SSO)
    assert decision.sub_account == "acme-health" and decision.settings == {}
    assert ADMIN_OF in {x.category for x in decision.trace.left_out}


def test_the_owner_and_a_blocked_sign_in_change_no_setting(load, decide):
    rules = load(
        rule("license", "None", cond("dept", "contractors")),
        rule("room_admin", True, cond("dept", "contractors")),
    )
    assert decide(rules, {"dept": ["contractors"]}).settings == {}
    owner = UserState(exists=True, is_owner=True)
    assert decide(rules, {"dept": ["x"]}, owner).settings == {}


def test_room_admin_takes_true_or_false_only(load):
    with pytest.raises(RuleSetInvalid) as refused:
        load(rule("room_admin", "yes", cond("title", "facilities")))
    [problem] = refused.value.errors
    assert isinstance(problem, BadResult) and problem.field == "result"


def test_the_text_settings_take_a_non_empty_text(load):
    with pytest.raises(RuleSetInvalid) as refused:
        load(rule("phone_site", "", cond("office", "HQ")))
    assert isinstance(refused.value.errors[0], BadResult)
