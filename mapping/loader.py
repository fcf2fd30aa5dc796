"""Rules from plain data (as stored, or parsed from YAML/JSON) and back, validated on the way in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from .errors import (
    BadRegex,
    BadResult,
    EmptyConditions,
    MalformedRule,
    MappingError,
    RuleSetInvalid,
    UnknownCategory,
    UnknownLicenseType,
    UnknownOperator,
    UnknownRole,
    UnknownSubAccount,
)
from .model import (
    ADDON_KEYS,
    ADDON_PREFIX,
    BOOLEAN_SETTINGS,
    DEFAULT_ROLES,
    FIRST_MATCH_CATEGORIES,
    GROUP_KINDS,
    LICENSE_TYPES,
    OPERATORS,
    Condition,
    Operator,
    Rule,
    RuleResult,
    RuleSet,
)
from .regex import compile_pattern

RULE_KEYS = frozenset({"category", "name", "conditions", "result"})
CONDITION_KEYS = frozenset({"attribute", "values", "operator", "case_sensitive"})


@dataclass(frozen=True)
class ValidationContext:
    """What the rules of one account may refer to.

    ``sub_accounts`` holds the identifiers (numbers and vanity names, as strings) of this
    master's sub-accounts; ``roles`` is DEFAULT_ROLES plus the account's custom roles;
    ``recording_locations`` None accepts any non-empty location.
    """

    sub_accounts: frozenset[str] = frozenset()
    roles: frozenset[str] = DEFAULT_ROLES
    addon_keys: frozenset[str] = ADDON_KEYS
    recording_locations: frozenset[str] | None = None

    def categories(self) -> frozenset[str]:
        """Every category a rule may have under this context."""
        addons = {ADDON_PREFIX + key for key in self.addon_keys}
        return FIRST_MATCH_CATEGORIES | frozenset(GROUP_KINDS) | addons


def load_rules(data: object, *, context: ValidationContext, version: int | None = None) -> RuleSet:
    """A validated rule set from a list of rule dicts or ``{"version": n, "rules": [...]}``.

    Raises RuleSetInvalid carrying every problem found (each a MappingError with its code,
    1-based rule position and field); nothing is returned when anything is wrong.
    """
    errors: list[MappingError] = []
    items: list[object] = []
    if isinstance(data, Mapping):
        unknown = sorted(str(k) for k in data if k not in ("version", "rules"))
        if unknown:
            errors.append(MalformedRule(f"Unknown top-level key(s) {unknown}.", field=unknown[0]))
        raw_version = data.get("version", version if version is not None else 1)
        if isinstance(raw_version, bool) or not isinstance(raw_version, int) or raw_version < 1:
            errors.append(MalformedRule("'version' must be a positive integer.", field="version"))
        else:
            version = raw_version
        data = data.get("rules", [])
    if isinstance(data, list):
        items = data
    else:
        errors.append(MalformedRule("The rules must be a list of rule mappings.", field="rules"))
    rules = [_load_rule(item, position, context, errors) for position, item in enumerate(items, 1)]
    if errors:
        raise RuleSetInvalid(errors)
    return RuleSet(tuple(r for r in rules if r is not None), version or 1)


def _load_rule(
    item: object, position: int, context: ValidationContext, errors: list[MappingError]
) -> Rule | None:
    if not isinstance(item, Mapping):
        errors.append(MalformedRule("A rule must be a mapping.", position=position))
        return None
    for key in sorted(str(k) for k in item if k not in RULE_KEYS):
        errors.append(MalformedRule(f"Unknown key {key!r}.", position=position, field=key))
    before = len(errors)
    category = _category(item.get("category"), position, context, errors)
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        errors.append(MalformedRule("'name' must be a string.", position=position, field="name"))
    conditions = _conditions(item.get("conditions"), position, errors)
    if "result" not in item:
        errors.append(MalformedRule("'result' is missing.", position=position, field="result"))
    elif category is not None:
        result = _result(category, item["result"], position, context, errors)
        if len(errors) == before and result is not None:
            return Rule(category, conditions, result, cast(str | None, name))
    return None


def _category(
    raw: object, position: int, context: ValidationContext, errors: list[MappingError]
) -> str | None:
    if not isinstance(raw, str):
        errors.append(
            MalformedRule(
                "'category' is missing or not a string.", position=position, field="category"
            )
        )
        return None
    if raw not in context.categories():
        known = ", ".join(sorted(context.categories()))
        errors.append(
            UnknownCategory(
                f"Unknown category {raw!r}; known: {known}.", position=position, field="category"
            )
        )
        return None
    return raw


def _conditions(raw: object, position: int, errors: list[MappingError]) -> tuple[Condition, ...]:
    if raw is None or raw == []:
        errors.append(
            EmptyConditions(
                "A rule needs at least one condition.", position=position, field="conditions"
            )
        )
        return ()
    if not isinstance(raw, list):
        errors.append(
            MalformedRule("'conditions' must be a list.", position=position, field="conditions")
        )
        return ()
    loaded = (_condition(c, position, f"conditions[{n}]", errors) for n, c in enumerate(raw, 1))
    return tuple(c for c in loaded if c is not None)


def _condition(
    raw: object, position: int, where: str, errors: list[MappingError]
) -> Condition | None:
    if not isinstance(raw, Mapping):
        errors.append(
            MalformedRule("A condition must be a mapping.", position=position, field=where)
        )
        return None
    before = len(errors)
    for key in sorted(str(k) for k in raw if k not in CONDITION_KEYS):
        errors.append(
            MalformedRule(f"Unknown key {key!r}.", position=position, field=f"{where}.{key}")
        )
    attribute = raw.get("attribute")
    values = _values(raw.get("values"), position, where, errors)
    operator = raw.get("operator", "contains")
    case_sensitive = raw.get("case_sensitive", False)
    _check_condition_fields(attribute, operator, case_sensitive, position, where, errors)
    if len(errors) > before:
        return None
    try:
        return Condition(str(attribute), values, cast(Operator, operator), case_sensitive)
    except BadRegex:
        _report_bad_regexes(values, position, where, errors)
        return None


def _check_condition_fields(
    attribute: object,
    operator: object,
    case_sensitive: object,
    position: int,
    where: str,
    errors: list[MappingError],
) -> None:
    if not isinstance(attribute, str) or not attribute:
        message = "'attribute' must be a non-empty string (a SAML Name or FriendlyName)."
        errors.append(MalformedRule(message, position=position, field=f"{where}.attribute"))
    if operator not in OPERATORS:
        message = f"Unknown operator {operator!r}; known: {', '.join(sorted(OPERATORS))}."
        errors.append(UnknownOperator(message, position=position, field=f"{where}.operator"))
    if not isinstance(case_sensitive, bool):
        message = "'case_sensitive' must be true or false."
        errors.append(MalformedRule(message, position=position, field=f"{where}.case_sensitive"))


def _values(raw: object, position: int, where: str, errors: list[MappingError]) -> tuple[str, ...]:
    # A single string is accepted as a one-value list: it is what people write by hand.
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
        errors.append(
            MalformedRule(
                "'values' must be a non-empty list of non-empty strings.",
                position=position,
                field=f"{where}.values",
            )
        )
        return ()
    return tuple(cast(list[str], items))


def _report_bad_regexes(
    values: tuple[str, ...], position: int, where: str, errors: list[MappingError]
) -> None:
    for n, value in enumerate(values, 1):
        try:
            compile_pattern(value, case_sensitive=True)
        except BadRegex as e:
            errors.append(BadRegex(e.message, position=position, field=f"{where}.values[{n}]"))


def _result(
    category: str,
    raw: object,
    position: int,
    context: ValidationContext,
    errors: list[MappingError],
) -> RuleResult | None:
    def fail(error_type: type[MappingError], message: str) -> None:
        errors.append(error_type(message, position=position, field="result"))

    if category.startswith(ADDON_PREFIX) or category in BOOLEAN_SETTINGS:
        if isinstance(raw, bool):
            return raw
        fail(BadResult, f"A {category} result must be true (on) or false (off), not {raw!r}.")
        return None
    if category == "sub_account" and isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)  # a sub-account number written without quotes
    if not isinstance(raw, str) or not raw:
        fail(BadResult, f"The result of a {category} rule must be a non-empty string.")
        return None
    if category == "license" and raw not in LICENSE_TYPES:
        fail(UnknownLicenseType, f"Unknown license type {raw!r}; known: {_known(LICENSE_TYPES)}.")
    elif category == "role" and raw not in context.roles:
        fail(UnknownRole, f"Unknown role {raw!r}; known: {_known(context.roles)}.")
    elif category == "sub_account" and raw not in context.sub_accounts:
        fail(
            UnknownSubAccount,
            f"{raw!r} is not a sub-account of this master; known: {_known(context.sub_accounts)}.",
        )
    elif (
        category == "recording_location"
        and context.recording_locations is not None
        and raw not in context.recording_locations
    ):
        fail(BadResult, f"Unknown recording location {raw!r}.")
    else:
        return raw
    return None


def _known(values: frozenset[str]) -> str:
    return ", ".join(sorted(values)) or "(none)"


def ruleset_to_data(ruleset: RuleSet) -> dict[str, Any]:
    """The plain-data form of a rule set, as ``load_rules`` reads it back; defaults omitted."""
    return {"version": ruleset.version, "rules": [rule_to_data(r) for r in ruleset.rules]}


def rule_to_data(rule: Rule) -> dict[str, Any]:
    """The plain-data form of one rule."""
    data: dict[str, Any] = {"category": rule.category}
    if rule.name is not None:
        data["name"] = rule.name
    data["conditions"] = [_condition_to_data(c) for c in rule.conditions]
    data["result"] = rule.result
    return data


def _condition_to_data(condition: Condition) -> dict[str, Any]:
    data: dict[str, Any] = {"attribute": condition.attribute, "values": list(condition.values)}
    if condition.operator != "contains":
        data["operator"] = condition.operator
    if condition.case_sensitive:
        data["case_sensitive"] = True
    return data
