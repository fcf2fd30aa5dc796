"""Rule-building helpers and shared constants for the mapping engine tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mapping import DEFAULT_ROLES, AccountFacts, Decision, RuleSet, ValidationContext

CONTEXT = ValidationContext(
    sub_accounts=frozenset({"acme-health", "12345"}),
    roles=DEFAULT_ROLES | {"Auditor"},
)
MASTER_SSO = AccountFacts(default_license_type="Basic", routes_sub_accounts=True)

SEED_RULES: list[dict[str, Any]] = [
    {
        "category": "sub_account",
        "name": "healthcare routing",
        "conditions": [
            {"attribute": "memberOf", "values": ["global_users"]},
            {"attribute": "memberOf", "values": ["HIPAA", "Developer", "Tester"]},
        ],
        "result": "acme-health",
    }
]

Load = Callable[..., RuleSet]
Decide = Callable[..., Decision]


def rule(category: str, result: Any, *conditions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A rule dict."""
    return {"category": category, "conditions": list(conditions), "result": result, **extra}


def cond(attribute: str, *values: str, **extra: Any) -> dict[str, Any]:
    """A condition dict (operator contains, case-insensitive unless ``extra`` says otherwise)."""
    return {"attribute": attribute, "values": list(values), **extra}
