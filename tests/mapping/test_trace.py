"""The explanation: per rule and condition why, what decided, what was removed or left out."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from mapping_helpers import MASTER_SSO, SEED_RULES, Decide, Load, cond, rule

from mapping import (
    AccountFacts,
    SignInFacts,
    Trace,
    UserState,
    compile_rules,
    evaluate_reference,
    format_table,
)

SIGN_IN = {"memberOf": ["global_users", "Sales"], "title": ["Engineer"]}


def test_trace_says_which_asserted_value_matched_which_rule_value(
    load: Load, decide: Decide
) -> None:
    decision = decide(load(*SEED_RULES), {"memberOf": ["cn=Global_Users", "Tester"]})
    first, second = decision.trace.rules[0].conditions
    assert (first.asserted_value, first.rule_value) == ("cn=Global_Users", "global_users")
    assert (second.asserted_value, second.rule_value) == ("Tester", "Tester")


def test_trace_of_a_partial_match_names_the_failed_condition_and_the_values_seen(
    load: Load, decide: Decide
) -> None:
    decision = decide(load(*SEED_RULES), SIGN_IN)
    [traced] = decision.trace.rules
    assert not traced.matched
    held, failed = traced.conditions
    assert held.matched and not failed.matched
    assert failed.seen == ("global_users", "Sales")
    assert "no asserted value contains any of ['HIPAA', 'Developer', 'Tester']" in failed.reason
    assert "condition(s) 2 did not hold" in (traced.note or "")


def test_trace_says_when_the_attribute_was_not_asserted(load: Load, decide: Decide) -> None:
    decision = decide(load(rule("role", "Admin", cond("department", "it"))), SIGN_IN)
    [condition] = decision.trace.rules[0].conditions
    assert condition.seen == ()
    assert "'department' was not asserted" in condition.reason


def test_sub_account_rules_are_marked_not_applied_outside_the_masters_sso(
    load: Load, decide: Decide
) -> None:
    decision = decide(load(*SEED_RULES), SIGN_IN, account=AccountFacts())
    assert "only sign-ins through the master's SSO" in (decision.trace.rules[0].note or "")


def test_compiled_trace_without_explain_still_names_the_deciding_rules(load: Load) -> None:
    ruleset = load(
        rule("license", "Basic", cond("title", "manager")),
        rule("license", "Licensed", cond("title", "engineer")),
        rule("user_group", "Eng", cond("title", "eng")),
    )
    facts = SignInFacts.of(SIGN_IN)
    decision = compile_rules(ruleset).evaluate(facts, UserState(), AccountFacts())
    assert not decision.trace.complete
    assert decision.trace.rules == ()
    assert decision.trace.decided_by == {"license": (2,), "user_group": (3,)}
    explained = compile_rules(ruleset).evaluate(facts, UserState(), AccountFacts(), explain=True)
    assert explained.trace.complete
    assert len(explained.trace.rules) == 3


def test_decision_to_dict_is_plain_json(load: Load, decide: Decide) -> None:
    ruleset = load(*SEED_RULES, rule("user_group", "Eng", cond("title", "eng")))
    user = UserState(exists=True, license_type="Basic", groups={"user_group": frozenset({"Old"})})
    data = decide(ruleset, SIGN_IN, user).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["groups"]["user_group"] == ["Eng"]
    assert data["groups_removed"]["user_group"] == ["Old"]
    assert data["trace"]["rules"][0]["conditions"][1]["matched"] is False
    assert data["trace"]["decided_by"] == {"user_group": [2]}


def test_table_shows_decision_rules_conditions_removals_and_notes(
    load: Load, decide: Decide
) -> None:
    ruleset = load(*SEED_RULES, rule("addon:webinar", True, cond("title", "marketing")))
    user = UserState(exists=True, license_type="Basic", addons=frozenset({"webinar"}))
    table = format_table(decide(ruleset, SIGN_IN, user))
    assert "healthcare routing" in table
    assert "FAIL memberOf contains" in table
    assert "ok   memberOf contains: 'global_users' contains 'global_users'" in table
    assert "addon:webinar has rules and none matched" in table
    assert "not routed" in table
    assert "keeps Basic" in table


def test_table_for_a_routed_user_lists_what_was_left_out(load: Load, decide: Decide) -> None:
    ruleset = load(*SEED_RULES, rule("role", "Admin", cond("memberOf", "hipaa")))
    table = format_table(decide(ruleset, {"memberOf": ["global_users", "HIPAA"]}))
    assert "Left out" in table
    assert "left out because routed into sub-account acme-health" in table


def test_table_of_a_cheap_trace_lists_the_deciding_rules(load: Load) -> None:
    ruleset = load(rule("license", "Licensed", cond("title", "engineer")))
    decision = compile_rules(ruleset).evaluate(SignInFacts.of(SIGN_IN), UserState(), AccountFacts())
    assert "Deciding rules" in format_table(decision)


def _asdict_trace(trace: Trace) -> dict[str, Any]:
    """The trace as the asdict-based serializer built it, to hold the direct build equal."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        return value

    return {
        "complete": trace.complete,
        "rules": [plain(asdict(r)) for r in trace.rules],
        "decided_by": {k: list(v) for k, v in trace.decided_by.items()},
        "removed": [asdict(r) for r in trace.removed],
        "left_out": [plain(asdict(x)) for x in trace.left_out],
        "notes": list(trace.notes),
    }


def test_decision_to_dict_gives_the_json_of_the_asdict_form(load: Load) -> None:
    ruleset = load(
        *SEED_RULES,
        rule("addon:webinar", False, cond("title", "Engineer")),
        rule("user_group", "eng", cond("title", "eng"), cond("department", "it")),
        rule("role", "Admin", cond("memberOf", "sales", operator="equals")),
    )
    user = UserState(
        exists=True, addons=frozenset({"webinar"}), groups={"user_group": frozenset({"old"})}
    )
    sign_ins = [SIGN_IN, {"memberOf": ["global_users", "HIPAA"], "title": ["Engineer"]}]
    decisions = [evaluate_reference(ruleset, SignInFacts.of(s), user, MASTER_SSO) for s in sign_ins]
    decisions.append(compile_rules(ruleset).evaluate(SignInFacts.of(SIGN_IN), user, MASTER_SSO))
    # Rules with conditions, removals (add-on and group) and left-out categories all occur.
    assert any(r.conditions for d in decisions for r in d.trace.rules)
    assert {r.category for d in decisions for r in d.trace.removed} >= {"addon:webinar"}
    assert any(d.trace.left_out for d in decisions)
    for decision in decisions:
        data = decision.to_dict()
        assert data["trace"] == _asdict_trace(decision.trace)
        expected = {**data, "trace": _asdict_trace(decision.trace)}
        assert json.dumps(data) == json.dumps(expected)
