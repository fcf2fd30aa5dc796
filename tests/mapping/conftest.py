"""Fixtures for the pure mapping engine tests: no app, no store, plain data in and out."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

# pytest puts tests/ first on sys.path, where this directory would shadow the real `mapping`
# package as a namespace package; the repository root must come first.
ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[0] != ROOT:
    sys.path.insert(0, ROOT)
if getattr(sys.modules.get("mapping"), "__file__", "") is None:
    del sys.modules["mapping"]

import pytest  # noqa: E402
from mapping_helpers import CONTEXT, MASTER_SSO, Decide, Load  # noqa: E402

from mapping import (  # noqa: E402
    AccountFacts,
    Decision,
    RuleSet,
    SignInFacts,
    UserState,
    compile_rules,
    evaluate_reference,
    load_rules,
)


@pytest.fixture
def load() -> Load:
    """Load rule dicts under the test context."""

    def _load(*rules: dict[str, object]) -> RuleSet:
        return load_rules(list(rules), context=CONTEXT)

    return _load


@pytest.fixture
def decide() -> Decide:
    """Decide with both evaluators, insist they agree, and return the fully traced decision."""

    def _decide(
        ruleset: RuleSet,
        attributes: Mapping[str, list[str]] | SignInFacts,
        user: UserState | None = None,
        account: AccountFacts = MASTER_SSO,
    ) -> Decision:
        facts = attributes if isinstance(attributes, SignInFacts) else SignInFacts.of(attributes)
        user = user or UserState()
        reference = evaluate_reference(ruleset, facts, user, account)
        compiled = compile_rules(ruleset)
        fast = compiled.evaluate(facts, user, account)
        assert fast == reference
        assert fast.trace.decided_by == reference.trace.decided_by
        assert compiled.evaluate(facts, user, account, explain=True).trace == reference.trace
        return reference

    return _decide
