"""The compiled evaluator's value index: edge cases where an index could miss or invent a match."""

from __future__ import annotations

import random
import re
import sys

import pytest
import re2

from mapping import (
    AccountFacts,
    Condition,
    Decision,
    Rule,
    RuleSet,
    SignInFacts,
    UserState,
    compile_rules,
    evaluate_reference,
)
from mapping.index import IGNORECASE_SAFE, KeyIndex, build_index, regex_literal


def decide_both(ruleset: RuleSet, values: list[str]) -> tuple[Decision, Decision]:
    """The compiled decision (RE2 key sets and Python lookups agreeing) and the reference's."""
    facts = SignInFacts.of({"m": values})
    user, account = UserState(), AccountFacts()
    compiled = compile_rules(ruleset).evaluate(facts, user, account)
    assert compile_rules(ruleset, key_sets=False).evaluate(facts, user, account) == compiled
    return compiled, evaluate_reference(ruleset, facts, user, account)


def licensed_when(operator: str, *values: str, case_sensitive: bool = False) -> RuleSet:
    condition = Condition("m", values, operator, case_sensitive)  # type: ignore[arg-type]
    return RuleSet((Rule("license", (condition,), "Licensed"),))


def licensed(ruleset: RuleSet, values: list[str]) -> bool:
    compiled, reference = decide_both(ruleset, values)
    assert compiled == reference
    return reference.license_type == "Licensed"


def test_contains_values_overlapping_and_nested_are_each_found() -> None:
    ruleset = RuleSet(
        tuple(
            Rule(category, (Condition("m", (value,)),), result)
            for category, value, result in [
                ("license", "abc", "Licensed"),
                ("role", "bcd", "Admin"),
                ("recording_location", "b", "EU"),
            ]
        )
    )
    compiled, reference = decide_both(ruleset, ["xabcdx"])
    assert compiled == reference
    assert (reference.license_type, reference.role, reference.recording_location) == (
        "Licensed",
        "Admin",
        "EU",
    )


def test_contains_value_never_matches_across_two_asserted_values() -> None:
    assert not licensed(licensed_when("contains", "ab"), ["xa", "bx"])


def test_equals_and_starts_with_anchors_fold_case_with_casefold() -> None:
    assert licensed(licensed_when("equals", "strasse"), ["STRAßE"])
    assert licensed(licensed_when("starts_with", "STRASS"), ["straße-1"])
    assert not licensed(licensed_when("equals", "strasse", case_sensitive=True), ["STRAßE"])


def test_unicode_values_are_indexed_character_for_character() -> None:
    assert licensed(licensed_when("contains", "Ümlaut"), ["cn=ümlaut,ou=日本"])
    assert licensed(licensed_when("starts_with", "日本"), ["日本語"])
    assert not licensed(licensed_when("equals", "日本"), ["日本語"])


def test_equals_of_an_empty_value_matches_only_an_empty_asserted_value() -> None:
    assert licensed(licensed_when("equals", ""), ["x", ""])
    assert not licensed(licensed_when("equals", ""), ["x"])


def test_asserted_value_holding_the_separator_decides_as_the_reference() -> None:
    assert licensed(licensed_when("equals", "b"), ["a\x00b"]) is False
    assert licensed(licensed_when("contains", "a\x00b"), ["xa\x00by"])


@pytest.mark.parametrize(
    ("pattern", "case_sensitive", "literal"),
    [
        (r"cn=grp-\d+,ou=.*", True, "cn=grp-"),
        (r"Cn=Grp-\d+", False, "cn=grp-"),
        ("abc+", True, "abc"),
        ("abc*", True, "ab"),
        ("abc?d", True, "ab"),
        ("ab{2}", True, "a"),
        ("a|b", True, None),
        ("ab(c|d)", True, None),
        ("^ab", True, None),
        ("(?i)ab", True, None),
        (".*ab", True, None),
        ("Admin.*", False, "adm"),
        ("日本.*", True, "日本"),
        ("日本.*", False, None),
    ],
)
def test_regex_literal_is_a_prefix_every_full_match_starts_with(
    pattern: str, case_sensitive: bool, literal: str | None
) -> None:
    compiled = re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    assert regex_literal(compiled) == literal


def test_regex_rule_with_a_literal_is_indexed_and_still_fully_checked() -> None:
    ruleset = licensed_when("regex", r"cn=grp-\d+", case_sensitive=True)
    assert compile_rules(ruleset).candidates(SignInFacts.of({"m": ["ou=x"]})) == []
    assert licensed(ruleset, ["cn=grp-12"])
    assert not licensed(ruleset, ["cn=grp-12x"])
    assert not licensed(ruleset, ["CN=grp-12"])


def test_regex_rule_without_a_literal_is_always_a_candidate() -> None:
    ruleset = licensed_when("regex", r".*grp-\d+")
    assert compile_rules(ruleset).candidates(SignInFacts.of({"m": ["ou=x"]})) == [0]
    assert licensed(ruleset, ["cn=GRP-1"])


def test_case_insensitive_regex_literal_stops_before_an_i() -> None:
    # Rules run on RE2 (issue 14), whose simple case folding does not let i match the dotted
    # capital İ (Python's re.IGNORECASE did); the literal still stops before the i.
    assert licensed(licensed_when("regex", "admin.*"), ["ADMIN-1"])
    assert not licensed(licensed_when("regex", "admin.*"), ["ADMİN-1"])
    assert licensed(licensed_when("regex", "Kelvin"), ["\u212aELVIN"])


def test_characters_deemed_ignorecase_safe_match_only_what_casefolds_alike() -> None:
    everything = "".join(
        chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000 and c != 10
    )
    for char in sorted(IGNORECASE_SAFE):
        matched = re.findall(re.escape(char), everything, re.IGNORECASE)
        assert {m for m in matched if m.casefold() != char.casefold()} == set(), char


def contains_index(*values: str) -> KeyIndex:
    """The lookups (without an RE2 key set) the compiled evaluator builds for one contains
    rule per value."""
    return build_index({value: [n] for n, value in enumerate(values)}, use_key_set=False)


def test_contains_keys_that_cannot_overlap_are_found_in_one_pass_with_keys_inside_them() -> None:
    index = contains_index("abc", "b", "q")
    assert not index.anywhere_overlaps
    found: set[int] = set()
    index.hits((), "\x00zabcz\x00", found)
    # findall reports only "abc"; the "b" inside it is named by that match.
    assert found == {0, 1}


def test_contains_keys_that_can_overlap_are_searched_one_match_at_a_time() -> None:
    index = contains_index("abc", "bcd")
    assert index.anywhere_overlaps
    found: set[int] = set()
    index.hits((), "\x00abcd\x00", found)
    assert found == {0, 1}


def test_starts_with_keys_of_several_lengths_are_each_looked_up() -> None:
    ruleset = RuleSet(
        tuple(
            Rule(category, (Condition("m", (value,), "starts_with"),), result)
            for category, value, result in [
                ("license", "cn=e", "Licensed"),
                ("role", "CN=Eng", "Admin"),
                ("recording_location", "cn=engineering,ou", "EU"),
            ]
        )
    )
    compiled, reference = decide_both(ruleset, ["x", "CN=Engineering,OU=g"])
    assert compiled == reference
    assert (reference.license_type, reference.role, reference.recording_location) == (
        "Licensed",
        "Admin",
        "EU",
    )
    compiled, reference = decide_both(ruleset, ["cn=en"])
    assert compiled == reference
    assert (reference.license_type, reference.role) == ("Licensed", None)


def test_equals_values_longer_than_the_key_cut_are_looked_up_whole() -> None:
    long_value = "cn=" + "x" * 80
    ruleset = licensed_when("equals", long_value)
    assert licensed(ruleset, [long_value.upper()])
    assert not licensed(ruleset, [long_value + "y"])
    assert not licensed(ruleset, [long_value[:-1]])
    # The whole value is the key, so a hit proves the condition without a second check.
    assert compile_rules(ruleset).candidates(SignInFacts.of({"m": [long_value[:-1]]})) == []


def test_characters_deemed_ignorecase_safe_match_in_re2_only_what_casefolds_alike() -> None:
    # Regex rules run on RE2: its case folding must agree with casefold for the literal a
    # pattern starts with, or the index and the check's literal gate could drop a match.
    everything = "".join(
        chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000 and c != 10
    )
    options = re2.Options()
    options.case_sensitive = False
    for char in sorted(IGNORECASE_SAFE):
        matched = re2.compile(re2.escape(char), options).findall(everything)
        assert {m for m in matched if m.casefold() != char.casefold()} == set(), char


def counted_regex_rule(pattern: str, *, case_sensitive: bool) -> tuple[RuleSet, list[str]]:
    """A license rule anchored by an equals condition, with a regex condition whose RE2 calls
    are recorded."""
    regex = Condition("m", (pattern,), "regex", case_sensitive)
    calls: list[str] = []
    compiled_pattern = regex.patterns[0]
    fullmatch = compiled_pattern.fullmatch

    def counting(value: str) -> object:
        calls.append(value)
        return fullmatch(value)

    object.__setattr__(compiled_pattern, "fullmatch", counting)
    anchor = Condition("m", ("member",), "equals")
    return RuleSet((Rule("license", (anchor, regex), "Licensed"),)), calls


def compiled_calls(ruleset: RuleSet, calls: list[str], values: list[str]) -> tuple[bool, list[str]]:
    """Whether the compiled evaluator licenses, and the values it ran RE2 on; the reference
    loop (which tries every value) must decide the same."""
    calls.clear()
    facts = SignInFacts.of({"m": values})
    compiled = compile_rules(ruleset).evaluate(facts, UserState(), AccountFacts())
    seen = sorted(set(calls))
    assert compiled == evaluate_reference(ruleset, facts, UserState(), AccountFacts())
    return compiled.license_type == "Licensed", seen


def test_a_regex_check_runs_re2_only_on_values_starting_with_its_literal() -> None:
    # The literal is "adm": it stops before the i, which RE2 and casefold disagree on.
    ruleset, calls = counted_regex_rule(r"Admin-\d+", case_sensitive=False)
    values = ["member", "x-admin-1", "admin-x", "ADMIN-12"]
    assert compiled_calls(ruleset, calls, values) == (True, ["ADMIN-12", "admin-x"])
    assert compiled_calls(ruleset, calls, ["member", "x-admin-1", "ad"]) == (False, [])


def test_a_case_sensitive_regex_check_gates_on_the_literal_as_written() -> None:
    ruleset, calls = counted_regex_rule(r"Admin-\d+", case_sensitive=True)
    assert compiled_calls(ruleset, calls, ["member", "ADMIN-12", "admin-1"]) == (False, [])
    assert compiled_calls(ruleset, calls, ["member", "Admin-3"]) == (True, ["Admin-3"])


def test_a_regex_without_a_literal_is_tried_on_every_value() -> None:
    ruleset, calls = counted_regex_rule(r".*admin-\d", case_sensitive=False)
    values = ["member", "x", "cn=ADMIN-1"]
    assert compiled_calls(ruleset, calls, values) == (True, sorted(values))


def test_a_key_set_reports_every_key_in_the_text_overlapping_and_nested_ones_included() -> None:
    keys = {"abc": [0], "bcd": [1], "b": [2], "\x00ab": [3], "\x00abcd\x00": [4], "zz": [5]}
    index = build_index(keys)
    assert index.key_set is not None
    found: set[int] = set()
    index.hits(("abcd",), "\x00abcd\x00", found)
    assert found == {0, 1, 2, 3, 4}


def test_a_key_set_finds_keys_in_text_beyond_ascii_and_lone_surrogates() -> None:
    index = build_index({"日本": [0], "\x00ß": [1], "\ud800x": [2]})
    found: set[int] = set()
    index.hits((), "\x00ßa\x00の日本語\x00y\ud800x\x00", found)
    assert found == {0, 1, 2}
    found.clear()
    index.hits((), "\x00aß\x00日\x00本\x00\ud800\x00", found)
    assert found == set()


def test_keys_fall_back_to_python_lookups_when_re2_cannot_build_the_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("mapping.index.literal_set", lambda keys: None)
    monkeypatch.setattr("mapping.sections.SectionKeys.compile", lambda self: None)
    ruleset = licensed_when("contains", "grp-1")
    compiled = compile_rules(ruleset)
    assert compiled._one_pass is None
    assert all(index.key_set is None for _, _, searches in compiled._plan for _, index in searches)
    assert licensed(ruleset, ["cn=grp-12"])
    assert not licensed(ruleset, ["cn=grp-2"])


def test_a_key_set_whose_dfa_outgrows_its_memory_still_finds_every_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A 1 MB budget leaves the DFA little room for the states these texts need: when it
    # fills, RE2 drops them and starts over, and a set search must still miss nothing.
    monkeypatch.setattr("mapping.regex.KEY_SET_BASE_MEMORY", 1 << 20)
    monkeypatch.setattr("mapping.regex.KEY_SET_MEMORY_PER_BYTE", 0)
    rng = random.Random(3)
    keys = sorted({f"grp-{rng.randrange(10**4):04d}" for _ in range(2000)})
    index = build_index({key: [n] for n, key in enumerate(keys)})
    assert index.key_set is not None
    for _ in range(400):
        text = "\x00".join(f"cn=grp-{rng.randrange(10**4):04d},ou=x" for _ in range(20))
        found: set[int] = set()
        index.hits((), text, found)
        assert found == {n for n, key in enumerate(keys) if key in text}
