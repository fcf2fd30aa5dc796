"""The pure mapping engine: SAML attribute rules in, a decision and its explanation out."""

from .compiled import CompiledRules, compile_rules
from .decision import Decision, LeftOut, Removal, RuleTrace, Trace
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
    UnparseableDocument,
)
from .facts import AccountFacts, Attribute, SignInFacts, UserState
from .loader import ValidationContext, load_rules, rule_to_data, ruleset_to_data
from .matching import ConditionTrace
from .model import (
    ADDON_KEYS,
    DEFAULT_ROLES,
    GROUP_KINDS,
    LICENSE_TYPES,
    Condition,
    Rule,
    RuleSet,
)
from .reference import evaluate_reference
from .report import format_table
from .serialize import dump_json, dump_yaml, parse_text

__all__ = [
    "ADDON_KEYS",
    "DEFAULT_ROLES",
    "GROUP_KINDS",
    "LICENSE_TYPES",
    "AccountFacts",
    "Attribute",
    "BadRegex",
    "BadResult",
    "CompiledRules",
    "Condition",
    "ConditionTrace",
    "Decision",
    "EmptyConditions",
    "LeftOut",
    "MalformedRule",
    "MappingError",
    "Removal",
    "Rule",
    "RuleSet",
    "RuleSetInvalid",
    "RuleTrace",
    "SignInFacts",
    "Trace",
    "UnknownCategory",
    "UnknownLicenseType",
    "UnknownOperator",
    "UnknownRole",
    "UnknownSubAccount",
    "UnparseableDocument",
    "UserState",
    "ValidationContext",
    "compile_rules",
    "dump_json",
    "dump_yaml",
    "evaluate_reference",
    "format_table",
    "load_rules",
    "parse_text",
    "rule_to_data",
    "ruleset_to_data",
]
