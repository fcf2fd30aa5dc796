"""Zoom's other advanced-mapping sections: user group admin, Zoom Room admin, Zoom Phone calling
plan and site. First match decides each; a removable one (group admin, room admin) is removed
when its section has rules and none matches; the phone ones stay unchanged then."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from .decision import Removal
from .facts import UserState
from .model import REMOVABLE_SETTINGS, SETTING_CATEGORIES, RuleResult, RuleSet


class _Gathered(Protocol):
    @property
    def notes(self) -> list[str]: ...

    @property
    def removed(self) -> list[Removal]: ...


def resolve_settings(
    ruleset: RuleSet, first: Mapping[str, int], user: UserState, gathered: _Gathered
) -> dict[str, RuleResult | None]:
    """What the sign-in sets (a value) or removes (None) of each mapped setting category."""
    changes: dict[str, RuleResult | None] = {}
    for category in SETTING_CATEGORIES:
        if category not in ruleset.categories:
            continue
        index = first.get(category)
        held = user.settings.get(category)
        if index is not None:
            changes[category] = ruleset.rules[index].result
        elif category in REMOVABLE_SETTINGS:
            changes[category] = None
            if held is not None and held is not False:
                reason = f"{category} has rules and none matched, so it is removed"
                gathered.removed.append(Removal(category, str(held), reason))
        elif held is not None:
            gathered.notes.append(f"no {category} rule matched: the user keeps {held}")
    return changes
