"""One RE2 pass per sign-in: every key is found in its own attribute's section, and only there."""

from __future__ import annotations

import random

import pytest

from mapping import (
    AccountFacts,
    Condition,
    Rule,
    RuleSet,
    SignInFacts,
    UserState,
    compile_rules,
    evaluate_reference,
)

OPERATORS = ("contains", "equals", "starts_with")


def group_rule(attribute: str, operator: str, value: str, group: str, **extra: bool) -> Rule:
    condition = Condition(attribute, (value,), operator, **extra)  # type: ignore[arg-type]
    return Rule("user_group", (condition,), group)


def groups_both_ways(ruleset: RuleSet, attributes: dict[str, list[str]]) -> frozenset[str]:
    """The user groups the one-pass evaluator decides, after insisting the reference agrees."""
    compiled = compile_rules(ruleset)
    assert compiled._one_pass is not None
    facts, user, account = SignInFacts.of(attributes), UserState(), AccountFacts()
    decision = compiled.evaluate(facts, user, account)
    assert decision == evaluate_reference(ruleset, facts, user, account)
    return decision.groups["user_group"]


@pytest.mark.parametrize("operator", OPERATORS)
def test_a_key_asserted_under_another_attribute_matches_nothing(operator: str) -> None:
    ruleset = RuleSet((group_rule("a", operator, "grp-1", "g"),))
    assert groups_both_ways(ruleset, {"b": ["grp-1"], "a": ["other"]}) == frozenset()
    assert groups_both_ways(ruleset, {"b": ["x"], "a": ["grp-1"]}) == {"g"}


def test_a_contains_key_ending_one_value_is_not_taken_into_the_next_attribute() -> None:
    ruleset = RuleSet((group_rule("b", "contains", "grp", "g"),))
    assert groups_both_ways(ruleset, {"a": ["x-grp"], "b": ["y"]}) == frozenset()


def test_the_same_attribute_compared_with_and_without_case_keeps_two_sections() -> None:
    ruleset = RuleSet(
        (
            group_rule("a", "contains", "Grp", "exact", case_sensitive=True),
            group_rule("a", "contains", "Grp", "folded"),
        )
    )
    assert groups_both_ways(ruleset, {"a": ["my-grp"]}) == {"folded"}
    assert groups_both_ways(ruleset, {"a": ["my-Grp"]}) == {"exact", "folded"}


def test_more_sections_than_one_tag_digit_holds_keep_every_key_in_its_own() -> None:
    # 40 attributes in two case modes: tags two digits wide.
    rng = random.Random(5)
    rules = [
        group_rule(f"a{n}", rng.choice(OPERATORS), f"v{n % 7}", f"g{n}", case_sensitive=n % 2 == 0)
        for n in range(80)
    ]
    ruleset = RuleSet(tuple(rules))
    for _ in range(30):
        attributes = {
            f"a{rng.randrange(40)}": [f"v{rng.randrange(7)}{rng.choice(['', 'x'])}"]
            for _ in range(10)
        }
        groups_both_ways(ruleset, attributes)


def test_the_one_pass_set_whose_dfa_outgrows_its_memory_still_finds_every_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A 1 MB budget leaves the DFA little room for the states these texts need: when it fills,
    # RE2 drops them and starts over, and the search must still miss nothing.
    monkeypatch.setattr("mapping.regex.KEY_SET_BASE_MEMORY", 1 << 20)
    monkeypatch.setattr("mapping.regex.KEY_SET_MEMORY_PER_BYTE", 0)
    rng = random.Random(3)
    rules = [
        group_rule(f"a{rng.randrange(3)}", rng.choice(OPERATORS), key, key)
        for key in sorted({f"grp-{rng.randrange(10**4):04d}" for _ in range(2000)})
    ]
    ruleset = RuleSet(tuple(rules))
    for _ in range(100):
        attributes = {
            f"a{a}": [f"cn=grp-{rng.randrange(10**4):04d},ou=x" for _ in range(20)]
            for a in range(3)
        }
        groups_both_ways(ruleset, attributes)


def test_rule_sets_with_more_keys_than_the_one_pass_takes_use_the_per_attribute_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("mapping.sections.ONE_PASS_MAX_KEYS", 2)
    ruleset = RuleSet(tuple(group_rule("a", "contains", f"grp-{n}", f"g{n}") for n in range(3)))
    compiled = compile_rules(ruleset)
    assert compiled._one_pass is None
    facts, user, account = SignInFacts.of({"a": ["grp-1"]}), UserState(), AccountFacts()
    assert compiled.evaluate(facts, user, account).groups["user_group"] == {"g1"}
