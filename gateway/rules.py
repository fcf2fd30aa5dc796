"""Mapping rules of an account: validated on save, compiled once per version, cached per worker."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from gateway.errors import BadRequest
from gateway.store.sql import SqlStore
from mapping import (
    CompiledRules,
    MappingError,
    RuleSetInvalid,
    ValidationContext,
    compile_rules,
    load_rules,
    ruleset_to_data,
)


class RulesInvalid(BadRequest):
    """A rule set failed validation; ``details.errors`` lists each rule's problems."""

    code = "rules_invalid"


def rules_error(error: MappingError) -> RulesInvalid:
    """Translate the engine's validation error into the gateway's refusal."""
    errors = error.to_dict().get("errors") if isinstance(error, RuleSetInvalid) else None
    return RulesInvalid(str(error), errors=errors or [error.to_dict()])


@dataclass
class RulesService:
    """Loads, validates, saves and compiles the rules of each account."""

    store: SqlStore
    _cache: dict[int, tuple[int, CompiledRules]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def context(self, account_id: int) -> ValidationContext:
        """What this account's rules may name: its direct sub-accounts (number or vanity)."""
        subs = self.store.list_accounts(parent_id=account_id)
        names = {s.number for s in subs} | {s.vanity for s in subs if s.vanity}
        return ValidationContext(sub_accounts=frozenset(names))

    def validate(self, account_id: int, data: Any) -> list[dict[str, Any]]:
        """The rules as plain data once validated; raises RulesInvalid listing every problem."""
        try:
            ruleset = load_rules(data, context=self.context(account_id))
        except MappingError as e:
            raise rules_error(e) from e
        rules: list[dict[str, Any]] = ruleset_to_data(ruleset)["rules"]
        return rules

    def save(
        self, account_id: int, data: Any, *, actor: str, expected_version: int | None = None
    ) -> int:
        """Validate and store the rules; returns the new version (nothing changes on error)."""
        rules = self.validate(account_id, data)
        return self.store.put_rules(
            account_id, rules, actor=actor, expected_version=expected_version
        )

    def compiled(self, account_id: int) -> CompiledRules:
        """The compiled rules of the current version; recompiled only when the version moves."""
        version = self.store.rules_version(account_id)
        cached = self._cache.get(account_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        rules, version = self.store.get_rules(account_id)
        try:
            ruleset = load_rules(
                {"version": max(version, 1), "rules": rules}, context=self.context(account_id)
            )
        except MappingError as e:
            # Stored rules were valid when saved; a sub-account unlinked since can break them.
            raise rules_error(e) from e
        compiled = compile_rules(ruleset)
        with self._lock:
            self._cache[account_id] = (version, compiled)
        return compiled
