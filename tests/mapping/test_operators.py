"""Condition operators, case sensitivity and attribute naming by Name or FriendlyName."""

from __future__ import annotations

import pytest
from mapping_helpers import Decide, Load, cond, rule

from mapping import Attribute, SignInFacts


def licensed_when(load: Load, condition: dict[str, object]) -> object:
    return load(rule("license", "Licensed", condition))


@pytest.mark.parametrize(
    ("operator", "rule_value", "asserted", "expected"),
    [
        ("contains", "hipaa", "cn=HIPAA,ou=groups", True),
        ("contains", "hipaa", "HIP", False),
        ("equals", "hipaa", "HIPAA", True),
        ("equals", "hipaa", "cn=HIPAA", False),
        ("starts_with", "cn=hip", "CN=HIPAA", True),
        ("starts_with", "hipaa", "cn=HIPAA", False),
        ("regex", r"cn=hip\w+", "CN=HIPAA", True),
        ("regex", r"hip\w+", "cn=HIPAA", False),
    ],
)
def test_each_operator_matches_as_documented(
    load: Load, decide: Decide, operator: str, rule_value: str, asserted: str, expected: bool
) -> None:
    ruleset = licensed_when(load, cond("memberOf", rule_value, operator=operator))
    decision = decide(ruleset, {"memberOf": [asserted]})
    assert (decision.license_type == "Licensed") is expected


def test_operator_defaults_to_contains(load: Load) -> None:
    ruleset = licensed_when(load, cond("memberOf", "x"))
    assert ruleset.rules[0].conditions[0].operator == "contains"


@pytest.mark.parametrize("operator", ["contains", "equals", "starts_with", "regex"])
def test_case_sensitive_condition_refuses_other_case(
    load: Load, decide: Decide, operator: str
) -> None:
    ruleset = licensed_when(load, cond("dept", "Sales", operator=operator, case_sensitive=True))
    assert decide(ruleset, {"dept": ["sales"]}).license_type != "Licensed"
    assert decide(ruleset, {"dept": ["Sales"]}).license_type == "Licensed"


def test_case_insensitive_matching_uses_casefold(load: Load, decide: Decide) -> None:
    ruleset = licensed_when(load, cond("city", "strasse", operator="equals"))
    assert decide(ruleset, {"city": ["STRAßE"]}).license_type == "Licensed"


def test_condition_holds_when_any_asserted_value_matches_any_listed_value(
    load: Load, decide: Decide
) -> None:
    ruleset = licensed_when(load, cond("memberOf", "Tester", "Developer", operator="equals"))
    decision = decide(ruleset, {"memberOf": ["Sales", "developer"]})
    assert decision.license_type == "Licensed"
    [condition] = decision.trace.rules[0].conditions
    assert (condition.asserted_value, condition.rule_value) == ("developer", "Developer")


def test_all_conditions_of_a_rule_must_hold(load: Load, decide: Decide) -> None:
    ruleset = load(rule("license", "Licensed", cond("dept", "sales"), cond("title", "manager")))
    assert decide(ruleset, {"dept": ["sales"], "title": ["clerk"]}).license_type != "Licensed"
    assert decide(ruleset, {"dept": ["sales"], "title": ["manager"]}).license_type == "Licensed"


def test_attribute_matches_by_friendly_name(load: Load, decide: Decide) -> None:
    oid = "urn:oid:1.3.6.1.4.1.5923.1.5.1.1"
    facts = SignInFacts((Attribute(oid, ("HIPAA",), friendly_name="isMemberOf"),))
    by_friendly = licensed_when(load, cond("isMemberOf", "hipaa"))
    by_name = licensed_when(load, cond(oid, "hipaa"))
    assert decide(by_friendly, facts).license_type == "Licensed"
    assert decide(by_name, facts).license_type == "Licensed"


def test_attribute_names_are_case_sensitive(load: Load, decide: Decide) -> None:
    ruleset = licensed_when(load, cond("memberof", "hipaa"))
    decision = decide(ruleset, {"memberOf": ["HIPAA"]})
    assert decision.license_type != "Licensed"
    assert "was not asserted" in decision.trace.rules[0].conditions[0].reason


def test_values_under_name_and_friendly_name_are_pooled(load: Load, decide: Decide) -> None:
    facts = SignInFacts(
        (
            Attribute("urn:oid:2.5.4.11", ("Sales",), friendly_name="ou"),
            Attribute("ou", ("Berlin",)),
        )
    )
    ruleset = load(rule("license", "Licensed", cond("ou", "sales"), cond("ou", "berlin")))
    assert decide(ruleset, facts).license_type == "Licensed"


def test_value_spanning_the_internal_separator_still_matches_exactly(
    load: Load, decide: Decide
) -> None:
    ruleset = licensed_when(load, cond("x", "a\x00b"))
    assert decide(ruleset, {"x": ["a", "b"]}).license_type != "Licensed"
    assert decide(ruleset, {"x": ["za\x00bz"]}).license_type == "Licensed"
