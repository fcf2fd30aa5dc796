"""The compiled engine decides exactly what the plain reference loop decides."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapping import (
    LICENSE_TYPES,
    AccountFacts,
    Attribute,
    CompiledRules,
    Condition,
    Decision,
    Rule,
    RuleSet,
    SignInFacts,
    UserState,
    compile_rules,
    evaluate_reference,
)
from mapping.sections import SectionKeys

# Few, short tokens so that values collide, prefix and contain each other and differ only by
# case; the separator and ß exercise the joined-text search and casefold paths, the i's the
# regex literals that case-insensitive matching and casefold disagree on.
TOKENS = ["a", "A", "ab", "aB", "abb", "b", "ba", "ß", "ss", "SS", "a\x00", "-", "İ", "ı", "I"]
TEXT = st.sampled_from(TOKENS) | st.text(alphabet="abAB-ß\x00", min_size=1, max_size=4)
ASSERTED = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3).map("".join) | TEXT
NAMES = st.sampled_from(["m", "n", "M"])
PATTERNS = st.sampled_from(
    ["a.*", "[ab]+", "A", "(a|b)b?", "ss", ".*-.*", "a\x00b", "ab*", "Ba.*", "i.*", "ab+"]
)
RESULTS = {
    "license": st.sampled_from(sorted(LICENSE_TYPES)),
    "addon:webinar": st.booleans(),
    "addon:whiteboard": st.booleans(),
    "sub_account": st.sampled_from(["s1", "s2"]),
    "user_group": st.sampled_from(["g1", "g2", "g3"]),
    "im_group": st.sampled_from(["g1", "g2"]),
    "role": st.sampled_from(["Admin", "Member"]),
    "recording_location": st.sampled_from(["US", "EU"]),
}


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    operator = draw(st.sampled_from(["contains", "equals", "starts_with", "regex"]))
    values = st.lists(PATTERNS if operator == "regex" else TEXT, min_size=1, max_size=3)
    return Condition(draw(NAMES), tuple(draw(values)), operator, draw(st.booleans()))


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    category = draw(st.sampled_from(sorted(RESULTS)))
    found = tuple(draw(st.lists(conditions(), min_size=1, max_size=3)))
    return Rule(category, found, draw(RESULTS[category]))


@st.composite
def sign_ins(draw: st.DrawFn) -> SignInFacts:
    attributes = st.builds(
        Attribute,
        NAMES,
        st.lists(ASSERTED, max_size=4).map(tuple),
        st.none() | NAMES,
    )
    return SignInFacts(tuple(draw(st.lists(attributes, max_size=4))))


@st.composite
def users(draw: st.DrawFn) -> UserState:
    groups = st.frozensets(st.sampled_from(["g1", "g2", "g3", "old"]))
    return UserState(
        exists=draw(st.booleans()),
        is_owner=draw(st.integers(0, 9)) == 0,
        license_type=draw(st.none() | st.sampled_from(["Basic", "Licensed", "On-Prem"])),
        addons=draw(st.frozensets(st.sampled_from(["webinar", "whiteboard", "zoom_events"]))),
        groups={"user_group": draw(groups), "im_group": draw(groups)},
        has_upcoming_meetings=draw(st.booleans()),
    )


ACCOUNTS = st.builds(AccountFacts, st.sampled_from(sorted(LICENSE_TYPES)), st.booleans())


# Keys are found by one RE2 set over all attributes, or, when RE2 cannot build it, by one RE2
# set per attribute, or by Python lookups when RE2 cannot build those either.
KEY_SETS = pytest.mark.parametrize(
    "key_sets", [True, "per attribute", False], ids=["one pass", "re2 key sets", "lookups"]
)


def compiled_with(ruleset: RuleSet, key_sets: bool | str) -> CompiledRules:
    """The rule set compiled with the given key search (see KEY_SETS)."""
    if key_sets != "per attribute":
        return compile_rules(ruleset, key_sets=bool(key_sets))
    with patch.object(SectionKeys, "compile", lambda self: None):
        return compile_rules(ruleset)


@KEY_SETS
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ruleset=st.lists(rules(), max_size=12).map(lambda r: RuleSet(tuple(r))),
    facts=sign_ins(),
    user=users(),
    account=ACCOUNTS,
)
def test_compiled_engine_decides_as_the_reference_loop(
    key_sets: bool | str,
    ruleset: RuleSet,
    facts: SignInFacts,
    user: UserState,
    account: AccountFacts,
) -> None:
    reference = evaluate_reference(ruleset, facts, user, account)
    compiled = compiled_with(ruleset, key_sets).evaluate(facts, user, account)
    assert compiled == reference
    assert compiled.trace.decided_by == reference.trace.decided_by
    assert compiled.trace.removed == reference.trace.removed
    assert compiled.trace.left_out == reference.trace.left_out


@settings(max_examples=100, deadline=None)
@given(
    prefix=st.text(alphabet="xyXY", min_size=60, max_size=80),
    tail=st.text(alphabet="xyXY", max_size=5),
    operator=st.sampled_from(["contains", "starts_with"]),
    asserted=st.text(alphabet="xyXY", min_size=55, max_size=90),
)
def test_long_rule_values_cut_for_the_index_still_decide_as_the_reference(
    prefix: str, tail: str, operator: str, asserted: str
) -> None:
    rule = Rule("license", (Condition("m", (prefix + tail,), operator),), "Licensed")  # type: ignore[arg-type]
    ruleset = RuleSet((rule,))
    for values in [(asserted,), (prefix,), (prefix + tail,), ("z" + prefix + tail + "z",)]:
        facts = SignInFacts.of({"m": list(values)})
        expected = evaluate_reference(ruleset, facts, UserState(), AccountFacts())
        assert compile_rules(ruleset).evaluate(facts, UserState(), AccountFacts()) == expected


def decide_both(
    ruleset: RuleSet, values: list[str], *, key_sets: bool | str = True
) -> tuple[Decision, Decision]:
    facts = SignInFacts.of({"m": values})
    user, account = UserState(), AccountFacts()
    return (
        compiled_with(ruleset, key_sets).evaluate(facts, user, account),
        evaluate_reference(ruleset, facts, user, account),
    )


def contains_rule(category: str, value: str, result: str) -> Rule:
    return Rule(category, (Condition("m", (value,)),), result)


def test_rule_values_nested_at_one_position_are_all_found() -> None:
    ruleset = RuleSet(
        (contains_rule("license", "a", "Licensed"), contains_rule("role", "ab", "Admin"))
    )
    compiled, reference = decide_both(ruleset, ["xaby"])
    assert compiled == reference
    assert reference.license_type == "Licensed" and reference.role == "Admin"


def test_rule_values_overlapping_in_one_asserted_value_are_all_found() -> None:
    ruleset = RuleSet(
        (contains_rule("license", "bc", "Licensed"), contains_rule("role", "ab", "Admin"))
    )
    compiled, reference = decide_both(ruleset, ["abc"])
    assert compiled == reference
    assert reference.license_type == "Licensed" and reference.role == "Admin"


@KEY_SETS
@settings(max_examples=300, deadline=None)
@given(
    keys=st.lists(
        st.tuples(
            st.sampled_from(["contains", "starts_with", "equals"]),
            st.text(alphabet="ab", min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=8,
    ),
    asserted=st.lists(st.text(alphabet="abAB", max_size=6), max_size=4),
)
def test_keys_nested_overlapping_or_of_several_lengths_decide_as_the_reference(
    key_sets: bool | str, keys: list[tuple[str, str]], asserted: list[str]
) -> None:
    # Over two letters, keys nest in and overlap each other (both search paths of the keys
    # anywhere) and keys at a value start come in several lengths.
    ruleset = RuleSet(
        tuple(
            Rule("user_group", (Condition("m", (value,), operator),), f"g{n}")  # type: ignore[arg-type]
            for n, (operator, value) in enumerate(keys)
        )
    )
    compiled, reference = decide_both(ruleset, asserted, key_sets=key_sets)
    assert compiled == reference
    assert compiled.trace.decided_by == reference.trace.decided_by


def test_a_separator_inside_an_already_folded_value_is_not_taken_for_two_values() -> None:
    # The text "\0a\0x\0b\0y\0" holds the needle "\0b\0" though no value equals "b": the
    # values are already casefolded, so only the separator count can tell.
    both = Rule(
        "license",
        (Condition("m", ("a",), "equals"), Condition("m", ("b",), "equals")),
        "Licensed",
    )
    compiled, reference = decide_both(RuleSet((both,)), ["a", "x\x00b\x00y"])
    assert compiled == reference
    assert reference.license_type == "Basic"


def test_keys_compared_only_case_sensitively_match_their_exact_case() -> None:
    exact = Rule("role", (Condition("m", ("Ab",), "equals", case_sensitive=True),), "Admin")
    ruleset = RuleSet((exact,))
    for values, role in [(["Ab"], "Admin"), (["ab"], None), (["AB", "Ab"], "Admin")]:
        compiled, reference = decide_both(ruleset, values)
        assert compiled == reference
        assert reference.role == role
