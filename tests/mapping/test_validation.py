"""Rules are validated when loaded: every problem named by code, 1-based rule position and field."""

from __future__ import annotations

from typing import Any

import pytest
from mapping_helpers import CONTEXT, SEED_RULES, cond, rule

from mapping import MappingError, RuleSetInvalid, load_rules

GOOD = rule("license", "Licensed", cond("dept", "sales"))


def only_error(*rules: Any) -> MappingError:
    with pytest.raises(RuleSetInvalid) as caught:
        load_rules([GOOD, *rules], context=CONTEXT)
    [error] = caught.value.errors
    return error


@pytest.mark.parametrize(
    ("bad_rule", "code", "field"),
    [
        (rule("licence", "Basic", cond("a", "b")), "unknown_category", "category"),
        (rule("addon:teleport", True, cond("a", "b")), "unknown_category", "category"),
        (rule("sub_account", "acme-retail", cond("a", "b")), "unknown_sub_account", "result"),
        (rule("license", "Premium", cond("a", "b")), "unknown_license_type", "result"),
        (rule("role", "Owner", cond("a", "b")), "unknown_role", "result"),
        (
            rule("license", "Basic", cond("a", "ok", "(unclosed", operator="regex")),
            "bad_regex",
            "conditions[1].values[2]",
        ),
        (rule("license", "Basic"), "empty_conditions", "conditions"),
        (
            rule("license", "Basic", cond("a", "b"), cond("a", "b", operator="like")),
            "unknown_operator",
            "conditions[2].operator",
        ),
        (rule("addon:webinar", "yes", cond("a", "b")), "bad_result", "result"),
        (rule("user_group", "", cond("a", "b")), "bad_result", "result"),
        (rule("license", "Basic", cond("a")), "malformed_rule", "conditions[1].values"),
        (rule("license", "Basic", cond("", "b")), "malformed_rule", "conditions[1].attribute"),
        (
            rule("license", "Basic", cond("a", "b", case_sensitive="yes")),
            "malformed_rule",
            "conditions[1].case_sensitive",
        ),
        ({"category": "license", "conditions": [cond("a", "b")]}, "malformed_rule", "result"),
        (rule("license", "Basic", cond("a", "b"), priority=1), "malformed_rule", "priority"),
    ],
)
def test_bad_rule_is_reported_with_code_position_and_field(
    bad_rule: dict[str, Any], code: str, field: str
) -> None:
    error = only_error(bad_rule)
    assert (error.code, error.position, error.field) == (code, 2, field)
    assert str(error).startswith(f"Rule 2, field {field}: ")


def test_a_rule_that_is_not_a_mapping_is_malformed() -> None:
    error = only_error("license: Basic")
    assert (error.code, error.position, error.field) == ("malformed_rule", 2, None)


def test_sub_account_must_belong_to_this_master_and_message_lists_the_known_ones() -> None:
    error = only_error(rule("sub_account", "other-co", cond("a", "b")))
    assert "acme-health" in error.message


def test_custom_roles_from_the_context_are_accepted() -> None:
    ruleset = load_rules([rule("role", "Auditor", cond("a", "b"))], context=CONTEXT)
    assert ruleset.rules[0].result == "Auditor"


def test_import_with_errors_raises_listing_all_errors() -> None:
    data = [
        *SEED_RULES,
        rule("licence", "Basic", cond("a", "b")),
        rule("license", "Premium"),
        rule("role", "Owner", cond("a", "(", operator="regex")),
    ]
    with pytest.raises(RuleSetInvalid) as caught:
        load_rules(data, context=CONTEXT)
    found = [(e.code, e.position, e.field) for e in caught.value.errors]
    assert found == [
        ("unknown_category", 2, "category"),
        ("empty_conditions", 3, "conditions"),
        ("unknown_license_type", 3, "result"),
        ("bad_regex", 4, "conditions[1].values[1]"),
        ("unknown_role", 4, "result"),
    ]
    body = caught.value.to_dict()
    assert body["code"] == "invalid_rule_set"
    assert len(body["errors"]) == 5
    assert "5 problem(s)" in str(caught.value)


def test_document_form_carries_its_version() -> None:
    ruleset = load_rules({"version": 7, "rules": SEED_RULES}, context=CONTEXT)
    assert ruleset.version == 7
    assert len(ruleset.rules) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"version": 0, "rules": []}, "version"),
        ({"rules": [], "owner": "x"}, "owner"),
        ("not a list", "rules"),
    ],
)
def test_malformed_document_is_refused(data: object, field: str) -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        load_rules(data, context=CONTEXT)
    assert [(e.code, e.field) for e in caught.value.errors] == [("malformed_rule", field)]


def test_a_single_string_value_is_read_as_a_one_value_list() -> None:
    data = [
        {
            "category": "license",
            "conditions": [{"attribute": "a", "values": "b"}],
            "result": "Basic",
        }
    ]
    assert load_rules(data, context=CONTEXT).rules[0].conditions[0].values == ("b",)
