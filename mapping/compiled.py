"""The compiled evaluator: rules indexed by attribute and value, so a sign-in skips most rules.

Each rule gets one *anchor*: a condition that must hold for the rule to match and whose values
can be looked up (``mapping.index``). A sign-in searches each indexed attribute's framed text
once, which yields the candidate rules; rules without an anchor are always candidates. The
candidates are checked in rule order with plain substring tests on the same texts (skipping
the anchor when its hit already proves it, and every later rule of a first-match category
once one matched), and the resolver the reference evaluator uses turns the matches into a
decision.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from .decision import Decision
from .facts import SEPARATOR, AccountFacts, SignInFacts, UserState
from .index import KeyIndex, anchor_keys, build_index, needles, proven_by_hit
from .matching import condition_holds, rule_matches
from .model import GROUP_KINDS, Condition, Rule, RuleSet, is_group_kind
from .reference import evaluate_reference
from .resolve import Matches, owner_decision, resolve

_ANCHOR_RANK = {"equals": 0, "starts_with": 1, "contains": 2, "regex": 3}
# The framed texts of one attribute key: raw values, raw text, casefolded text.
_Texts = tuple[tuple[str, ...], str, str]


class _Unframable(Exception):
    """An asserted value holds the separator: this sign-in takes the plain loop."""


@dataclass(frozen=True)
class _Check:
    """One condition left to check on a candidate, in the form the framed texts answer."""

    key: str
    case_sensitive: bool
    needles: tuple[str, ...] | None
    patterns: tuple[re.Pattern[str], ...]
    condition: Condition

    @classmethod
    def of(cls, condition: Condition) -> _Check:
        """The check of one condition."""
        return cls(
            condition.attribute,
            condition.case_sensitive,
            needles(condition),
            condition.patterns,
            condition,
        )


def _anchor(rule: Rule) -> tuple[Condition, tuple[str, ...]] | None:
    keyed = [(c, anchor_keys(c)) for c in rule.conditions]
    usable = [(c, keys) for c, keys in keyed if keys is not None]
    best = min(usable, key=lambda ck: _ANCHOR_RANK[ck[0].operator], default=None)
    return best


def _frame(values: tuple[str, ...]) -> str:
    text = SEPARATOR + SEPARATOR.join(values) + SEPARATOR
    if text.count(SEPARATOR) != len(values) + 1:
        raise _Unframable
    return text


class CompiledRules:
    """A rule set compiled once per version; ``evaluate`` decides as ``evaluate_reference``."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.version = ruleset.version
        keys: dict[tuple[str, bool], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        always: list[int] = []
        to_check: list[tuple[_Check, ...]] = []
        for index, rule in enumerate(ruleset.rules):
            anchor = _anchor(rule)
            if anchor is None:
                always.append(index)
            else:
                condition, anchor_values = anchor
                for key in set(anchor_values):
                    keys[(condition.attribute, condition.case_sensitive)][key].append(index)
            # A hit on an exact anchor proves that condition: only the others need checking.
            proven = anchor[0] if anchor is not None and proven_by_hit(anchor[0]) else None
            to_check.append(tuple(_Check.of(c) for c in rule.conditions if c is not proven))
        plan: dict[str, list[KeyIndex | None]] = defaultdict(lambda: [None, None])
        for (attribute, case_sensitive), rules_by_key in keys.items():
            plan[attribute][case_sensitive] = build_index(rules_by_key)
        self._plan = tuple((key, raw, folded) for key, (folded, raw) in plan.items())
        self._always = tuple(always)
        self._to_check = tuple(to_check)
        self._categories = tuple(rule.category for rule in ruleset.rules)

    def candidates(self, facts: SignInFacts) -> list[int]:
        """The 0-based indexes, in order, of the rules that may match this sign-in."""
        try:
            return sorted(self._candidates(facts, {}))
        except _Unframable:
            return list(range(len(self.ruleset.rules)))

    def _candidates(self, facts: SignInFacts, texts: dict[str, _Texts | None]) -> set[int]:
        found = set(self._always)
        for key, raw_index, folded_index in self._plan:
            values = facts.values(key)
            if not values:
                texts[key] = None
                continue
            raw = _frame(values)
            folded = raw.casefold()
            texts[key] = (values, raw, folded)
            if raw_index is not None:
                raw_index.hits(raw, found)
            if folded_index is not None:
                folded_index.hits(folded, found)
        return found

    def evaluate(
        self,
        facts: SignInFacts,
        user: UserState,
        account: AccountFacts,
        *,
        explain: bool = False,
    ) -> Decision:
        """The decision for one sign-in; ``explain`` adds the full per-rule trace."""
        if explain:
            # The full trace needs every rule anyway: the reference loop is that evaluation.
            return evaluate_reference(self.ruleset, facts, user, account)
        if user.is_owner:
            return owner_decision(user, None)
        try:
            matches = self._matches(facts, account)
        except _Unframable:
            matches = self._matches_unindexed(facts, account)
        return resolve(self.ruleset, matches, user, account)

    def _matches(self, facts: SignInFacts, account: AccountFacts) -> Matches:
        texts: dict[str, _Texts | None] = {}
        categories, to_check = self._categories, self._to_check
        first: dict[str, int] = {}
        groups: dict[str, list[int]] = {}
        skip = set() if account.routes_sub_accounts else {"sub_account"}
        for index in sorted(self._candidates(facts, texts)):
            category = categories[index]
            if category in first or category in skip:
                continue
            if not all(_holds(check, facts, texts) for check in to_check[index]):
                continue
            if is_group_kind(category):
                groups.setdefault(category, []).append(index)
            else:
                first[category] = index
        return Matches(first, {kind: tuple(v) for kind, v in groups.items()})

    def _matches_unindexed(self, facts: SignInFacts, account: AccountFacts) -> Matches:
        first: dict[str, int] = {}
        groups: dict[str, list[int]] = {kind: [] for kind in GROUP_KINDS}
        for index, rule in enumerate(self.ruleset.rules):
            category = rule.category
            if category in first or (category == "sub_account" and not account.routes_sub_accounts):
                continue
            if not rule_matches(rule, facts):
                continue
            if is_group_kind(category):
                groups[category].append(index)
            else:
                first[category] = index
        return Matches(first, {kind: tuple(v) for kind, v in groups.items() if v})


def _holds(check: _Check, facts: SignInFacts, texts: dict[str, _Texts | None]) -> bool:
    key = check.key
    if key in texts:
        framed = texts[key]
    else:
        values = facts.values(key)
        framed = texts[key] = None
        if values:
            raw = _frame(values)
            framed = texts[key] = (values, raw, raw.casefold())
    if framed is None:
        return False
    found = check.needles
    if found is None:
        if check.patterns:
            return any(p.fullmatch(v) for p in check.patterns for v in framed[0])
        return condition_holds(check.condition, facts)
    text = framed[1] if check.case_sensitive else framed[2]
    return any(n in text for n in found)


def compile_rules(ruleset: RuleSet) -> CompiledRules:
    """Index a rule set for fast evaluation; compile once per version and cache it."""
    return CompiledRules(ruleset)
