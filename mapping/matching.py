"""Whether a condition or a rule holds for a sign-in; shared by both evaluators."""

from __future__ import annotations

from dataclasses import dataclass

from .facts import SEPARATOR, AttributeView, SignInFacts
from .model import Condition, Rule


@dataclass(frozen=True)
class ConditionTrace:
    """Why one condition held (which asserted value matched which rule value) or did not."""

    attribute: str
    operator: str
    case_sensitive: bool
    values: tuple[str, ...]
    matched: bool
    asserted_value: str | None
    rule_value: str | None
    seen: tuple[str, ...]
    reason: str


def find_match(condition: Condition, view: AttributeView) -> tuple[int, int] | None:
    """The (asserted index, rule value index) of the first matching pair, or None."""
    asserted = view.raw if condition.case_sensitive else view.folded
    operator = condition.operator
    if operator == "regex":
        # Patterns carry IGNORECASE themselves, so they always see the raw value.
        for i, value in enumerate(view.raw):
            for j, pattern in enumerate(condition.patterns):
                if pattern.fullmatch(value):
                    return i, j
        return None
    for i, value in enumerate(asserted):
        for j, wanted in enumerate(condition.folded_values):
            if operator == "contains":
                hit = wanted in value
            elif operator == "equals":
                hit = wanted == value
            else:
                hit = value.startswith(wanted)
            if hit:
                return i, j
    return None


def condition_holds(condition: Condition, facts: SignInFacts) -> bool:
    """Whether any asserted value of the condition's attribute matches any listed value.

    Decides what ``find_match`` decides, with one C-level call per rule value instead of a
    Python loop over value pairs; the equivalence property test holds the two together.
    """
    view = facts.view(condition.attribute)
    if not view.raw:
        return False
    operator = condition.operator
    if operator == "regex":
        return any(p.fullmatch(v) for p in condition.patterns for v in view.raw)
    wanted = condition.folded_values
    if operator == "equals":
        asserted_set = view.raw_set if condition.case_sensitive else view.folded_set
        return any(w in asserted_set for w in wanted)
    asserted = view.raw if condition.case_sensitive else view.folded
    if operator == "starts_with":
        return any(v.startswith(wanted) for v in asserted)
    text = view.raw_text if condition.case_sensitive else view.folded_text
    # Searching the joined text is exact unless a rule value spans the separator.
    return any(w in text if SEPARATOR not in w else any(w in v for v in asserted) for w in wanted)


def rule_matches(rule: Rule, facts: SignInFacts) -> bool:
    """Whether every condition of ``rule`` holds."""
    return all(condition_holds(c, facts) for c in rule.conditions)


_VERBS = {
    "contains": "contains",
    "equals": "equals",
    "starts_with": "starts with",
    "regex": "fully matches",
}


def explain_condition(condition: Condition, facts: SignInFacts) -> ConditionTrace:
    """The trace of one condition, evaluated in full."""
    view = facts.view(condition.attribute)
    common = (
        condition.attribute,
        condition.operator,
        condition.case_sensitive,
        condition.values,
    )
    if not view.raw:
        reason = f"attribute {condition.attribute!r} was not asserted (by Name or FriendlyName)"
        return ConditionTrace(*common, False, None, None, (), reason)
    found = find_match(condition, view)
    if found is None:
        mode = "case-sensitive" if condition.case_sensitive else "case-insensitive"
        reason = (
            f"no asserted value {_VERBS[condition.operator]} any of {list(condition.values)} "
            f"({mode}); seen: {list(view.raw)}"
        )
        return ConditionTrace(*common, False, None, None, view.raw, reason)
    asserted, wanted = view.raw[found[0]], condition.values[found[1]]
    reason = f"{asserted!r} {_VERBS[condition.operator]} {wanted!r}"
    return ConditionTrace(*common, True, asserted, wanted, view.raw, reason)
