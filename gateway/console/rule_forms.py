"""Mapping rules as HTML forms: one condition a line, ``attribute operator value | value``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.errors import GatewayError
from gateway.rules import RulesInvalid
from mapping.model import (
    ADDON_KEYS,
    ADDON_PREFIX,
    BOOLEAN_SETTINGS,
    FIRST_MATCH_CATEGORIES,
    GROUP_KINDS,
    OPERATORS,
)

CASE_SENSITIVE = ":cs"
CATEGORIES = (
    *sorted(FIRST_MATCH_CATEGORIES),
    *GROUP_KINDS,
    *(ADDON_PREFIX + key for key in sorted(ADDON_KEYS)),
)
FORM_FIELDS = ("category", "name", "conditions", "result")


def condition_line(condition: Mapping[str, Any]) -> str:
    """One stored condition as its form line."""
    operator = str(condition.get("operator", "contains"))
    if condition.get("case_sensitive"):
        operator += CASE_SENSITIVE
    values = condition.get("values", [])
    listed = [values] if isinstance(values, str) else [str(v) for v in values]
    return f"{condition.get('attribute', '')} {operator} {' | '.join(listed)}"


def rule_fields(rule: Mapping[str, Any]) -> dict[str, str]:
    """A stored rule as the form's field values."""
    result = rule.get("result", "")
    return {
        "category": str(rule.get("category", "")),
        "name": str(rule.get("name") or ""),
        "conditions": "\n".join(condition_line(c) for c in rule.get("conditions", [])),
        "result": ("true" if result else "false") if isinstance(result, bool) else str(result),
    }


def parse_condition(line: str) -> dict[str, Any]:
    """A form line as a condition; what is malformed is left for the rule validator to name."""
    parts = line.strip().split(None, 2)
    attribute = parts[0] if parts else ""
    operator = parts[1] if len(parts) > 1 else ""
    values = [v.strip() for v in parts[2].split("|")] if len(parts) > 2 else []
    condition: dict[str, Any] = {"attribute": attribute, "values": [v for v in values if v]}
    if operator.endswith(CASE_SENSITIVE):
        operator = operator.removesuffix(CASE_SENSITIVE)
        condition["case_sensitive"] = True
    if operator and operator not in OPERATORS and len(parts) == 2:
        # "attribute value" without an operator: the default operator applies.
        condition["values"] = [operator]
    elif operator:
        condition["operator"] = operator
    return condition


def form_rule(form: Mapping[str, str]) -> dict[str, Any]:
    """The rule a submitted form describes (validated by the rules service)."""
    category = form.get("category", "").strip()
    result: str | bool = form.get("result", "").strip()
    on_off = category.startswith(ADDON_PREFIX) or category in BOOLEAN_SETTINGS
    if on_off and str(result).lower() in ("true", "false"):
        result = str(result).lower() == "true"
    rule: dict[str, Any] = {
        "category": category,
        "conditions": [
            parse_condition(line)
            for line in form.get("conditions", "").splitlines()
            if line.strip()
        ],
        "result": result,
    }
    name = form.get("name", "").strip()
    if name:
        rule["name"] = name
    return rule


def field_problems(error: GatewayError, position: int) -> dict[str, list[str]]:
    """A refusal's problems for the rule at ``position``, keyed by form field ("" = the form)."""
    found: dict[str, list[str]] = {}
    problems = error.details.get("errors") if isinstance(error, RulesInvalid) else None
    for problem in problems or [{"message": error.message, "code": error.code}]:
        if problem.get("position") not in (None, position):
            continue
        field = str(problem.get("field") or "")
        key = next((f for f in FORM_FIELDS if field.startswith(f)), "")
        found.setdefault(key, []).append(f"{problem.get('code')}: {problem.get('message')}")
    if not found:
        found[""] = [f"{error.code}: {error.message}"]
    return found
