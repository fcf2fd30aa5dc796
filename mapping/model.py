"""The rule model: conditions, rules and ordered, versioned rule sets, all immutable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from .regex import LinearPattern, compile_pattern

Operator = Literal["contains", "equals", "starts_with", "regex"]
OPERATORS: frozenset[str] = frozenset(get_args(Operator))

LICENSE_TYPES: frozenset[str] = frozenset({"Basic", "Licensed", "On-Prem", "None"})
ADDON_KEYS: frozenset[str] = frozenset(
    {
        "webinar",
        "large_meeting",
        "zoom_events",
        "whiteboard",
        "translated_captions",
        "concurrent_meeting",
        "cloud_recording_storage",
    }
)
ADDON_PREFIX = "addon:"
GROUP_KINDS: tuple[str, ...] = ("user_group", "im_group", "contact_group")
# Categories where the first matching rule decides; add-on categories are added per key.
# Zoom's other advanced-mapping sections the account model carries (README_RULES.md): first
# match each; a removable one is removed when its section has rules and none matches.
SETTING_CATEGORIES: tuple[str, ...] = (
    "user_group_admin",
    "room_admin",
    "phone_calling_plan",
    "phone_site",
)
REMOVABLE_SETTINGS: frozenset[str] = frozenset({"user_group_admin", "room_admin"})
BOOLEAN_SETTINGS: frozenset[str] = frozenset({"room_admin"})
FIRST_MATCH_CATEGORIES: frozenset[str] = frozenset(
    {"license", "sub_account", "role", "recording_location", *SETTING_CATEGORIES}
)
# What a user routed into a sub-account through the master's SSO does not get from the mapping.
LEFT_OUT_WHEN_ROUTED: tuple[str, ...] = (
    *GROUP_KINDS,
    "role",
    "recording_location",
    *SETTING_CATEGORIES,
)
DEFAULT_ROLES: frozenset[str] = frozenset({"Admin", "Member"})

RuleResult = str | bool


def fold(text: str) -> str:
    """The case-insensitive form both evaluators compare; casefold, not lower, for ß and friends."""
    return text.casefold()


def is_group_kind(category: str) -> bool:
    """Whether every matching rule of ``category`` contributes (groups) instead of the first."""
    return category in GROUP_KINDS


@dataclass(frozen=True)
class Condition:
    """One test on a SAML attribute: it holds when any asserted value matches any listed value.

    Raises BadRegex when built with the regex operator and a value that is not a valid pattern.
    """

    attribute: str
    values: tuple[str, ...]
    operator: Operator = "contains"
    case_sensitive: bool = False
    folded_values: tuple[str, ...] = field(init=False, repr=False, compare=False)
    patterns: tuple[LinearPattern, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        folded = self.values if self.case_sensitive else tuple(fold(v) for v in self.values)
        # Compiled once here so neither evaluator pays for it at sign-in.
        patterns: tuple[LinearPattern, ...] = ()
        if self.operator == "regex":
            cased = self.case_sensitive
            patterns = tuple(compile_pattern(v, case_sensitive=cased) for v in self.values)
        object.__setattr__(self, "folded_values", folded)
        object.__setattr__(self, "patterns", patterns)


@dataclass(frozen=True)
class Rule:
    """An ordered mapping rule: when all its conditions hold, ``result`` applies to ``category``."""

    category: str
    conditions: tuple[Condition, ...]
    result: RuleResult
    name: str | None = None


@dataclass(frozen=True)
class RuleSet:
    """The ordered rules of one account at one version; positions in messages are 1-based."""

    rules: tuple[Rule, ...] = ()
    version: int = 1
    # Computed once: evaluations ask for these at every sign-in.
    categories: frozenset[str] = field(init=False, repr=False, compare=False)
    # The add-on categories present, sorted, each with its add-on key.
    addon_categories: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)
    # The group kinds present, in GROUP_KINDS order.
    group_kinds: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        categories = frozenset(r.category for r in self.rules)
        addons = tuple(
            (c, c.removeprefix(ADDON_PREFIX))
            for c in sorted(categories)
            if c.startswith(ADDON_PREFIX)
        )
        object.__setattr__(self, "categories", categories)
        object.__setattr__(self, "addon_categories", addons)
        object.__setattr__(self, "group_kinds", tuple(k for k in GROUP_KINDS if k in categories))
