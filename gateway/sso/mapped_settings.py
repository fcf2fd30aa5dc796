"""Where the account model keeps what Zoom's other advanced-mapping sections decide: the user's
profile document, one key per section (``user_group_admin``: the group the user administers,
``room_admin``: true, ``phone_calling_plan``, ``phone_site``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.store.records import User
from mapping.model import SETTING_CATEGORIES, RuleResult


def settings_of(user: User) -> dict[str, RuleResult]:
    """The user's current values of the setting categories (what the mapping may change)."""
    found: dict[str, RuleResult] = {}
    for category in SETTING_CATEGORIES:
        value = user.profile.get(category)
        if isinstance(value, str | bool):
            found[category] = value
    return found


def with_settings(
    profile: Mapping[str, Any], changes: Mapping[str, RuleResult | None]
) -> dict[str, Any]:
    """The profile with the decision's settings applied (None or false removes the key)."""
    updated = dict(profile)
    for category, value in changes.items():
        if value is None or value is False:
            updated.pop(category, None)
        else:
            updated[category] = value
    return updated
