"""The compiled evaluator: rules indexed by attribute and value, so a sign-in skips most rules.

Each rule gets one *anchor*: an equals, starts_with or contains condition that must hold for
the rule to match. A sign-in looks its asserted values up in the anchors' indexes, which
yields the candidate rules; rules without an indexable condition (regex only) are always
candidates. Candidates are then checked in rule order (skipping the anchor when its hit
already proves it), and the resolver the reference evaluator uses turns the matches into a
decision.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from .decision import Decision
from .facts import SEPARATOR, AccountFacts, SignInFacts, UserState
from .matching import condition_holds
from .model import GROUP_KINDS, Condition, Rule, RuleSet, is_group_kind
from .reference import evaluate_reference
from .resolve import Matches, owner_decision, resolve

# Substring keys are cut to this length: a value containing the full rule value contains its
# prefix too, and the cut bounds the nesting of the trie pattern.
MAX_KEY_LENGTH = 48
_ANCHOR_RANK = {"equals": 0, "starts_with": 1, "contains": 2}
_Trie = dict[str, "_Trie"]


@dataclass(frozen=True)
class _SubstringIndex:
    """Rule values of one attribute found in the asserted text with one regex search loop."""

    pattern: re.Pattern[str]
    # A match is the longest key found at its position; shorter keys found there are its
    # prefixes, so each key maps to the rules of itself and of every key that prefixes it.
    rules_by_match: dict[str, tuple[int, ...]]
    at_value_start: bool
    case_sensitive: bool

    def hits(self, folded_text: str, raw_text: str, into: set[int]) -> None:
        """Add the rules whose anchor value occurs in the text."""
        text = raw_text if self.case_sensitive else folded_text
        rules = self.rules_by_match
        if self.at_value_start:
            # Matches start at a separator and stop before the next: they cannot overlap.
            for start in self.pattern.finditer(SEPARATOR + text):
                into.update(rules[start.group(1)])
            return
        search = self.pattern.search
        m: re.Match[str] | None = search(text)
        while m is not None:
            into.update(rules[m.group()])
            # Restart one character later: keys found at later positions may overlap this one.
            m = search(text, m.start() + 1)


@dataclass(frozen=True)
class _AttributeIndex:
    """The anchors that test one attribute key."""

    key: str
    equals_folded: dict[str, tuple[int, ...]]
    equals_raw: dict[str, tuple[int, ...]]
    substrings: tuple[_SubstringIndex, ...]


@dataclass
class _Builder:
    """Anchor values collected per attribute while compiling (mutable only during compile)."""

    equals: dict[bool, dict[str, list[int]]] = field(
        default_factory=lambda: {False: defaultdict(list), True: defaultdict(list)}
    )
    substrings: dict[tuple[bool, bool], dict[str, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def add(self, condition: Condition, rule_index: int) -> None:
        """Register the condition's values as the anchor of rule ``rule_index``."""
        cs = condition.case_sensitive
        for value in set(condition.folded_values):
            if condition.operator == "equals":
                self.equals[cs][value].append(rule_index)
            else:
                key = _substring_key(value)
                starts = condition.operator == "starts_with"
                self.substrings[(starts, cs)][key].append(rule_index)

    def build(self, key: str) -> _AttributeIndex:
        """The frozen index of one attribute."""
        subs = tuple(
            _substring_index(values, at_value_start=starts, case_sensitive=cs)
            for (starts, cs), values in sorted(self.substrings.items())
        )
        return _AttributeIndex(
            key,
            {v: tuple(ids) for v, ids in self.equals[False].items()},
            {v: tuple(ids) for v, ids in self.equals[True].items()},
            subs,
        )


def _substring_key(value: str) -> str:
    return value.split(SEPARATOR, 1)[0][:MAX_KEY_LENGTH]


def _anchor(rule: Rule) -> Condition | None:
    indexable = [
        c
        for c in rule.conditions
        if c.operator in _ANCHOR_RANK
        and (c.operator == "equals" or all(_substring_key(v) for v in c.folded_values))
    ]
    return min(indexable, key=lambda c: _ANCHOR_RANK[c.operator], default=None)


def _proven_by_hit(anchor: Condition) -> bool:
    """Whether an index hit on this anchor means the condition holds (no false positives).

    Equals hits are exact; contains hits are exact unless a key was cut; starts_with hits are
    not, since a separator inside an asserted value also looks like a value start.
    """
    if anchor.operator == "equals":
        return True
    return anchor.operator == "contains" and all(
        _substring_key(v) == v for v in anchor.folded_values
    )


def _trie_pattern(keys: list[str]) -> str:
    trie: _Trie = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(trie)


def _node_pattern(node: _Trie) -> str:
    branches = [re.escape(c) + _node_pattern(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # Greedy: the longest key at a position wins, the shorter ones are recovered as prefixes.
    return f"(?:{body})?" if "" in node else body


def _substring_index(
    values: dict[str, list[int]], *, at_value_start: bool, case_sensitive: bool
) -> _SubstringIndex:
    keys = sorted(values)
    trie = _trie_pattern(keys)
    pattern = re.compile(f"{re.escape(SEPARATOR)}({trie})" if at_value_start else trie)
    rules_by_match = {
        key: tuple(sorted({i for n in range(1, len(key) + 1) for i in values.get(key[:n], ())}))
        for key in keys
    }
    return _SubstringIndex(pattern, rules_by_match, at_value_start, case_sensitive)


class CompiledRules:
    """A rule set compiled once per version; ``evaluate`` decides as ``evaluate_reference``."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.version = ruleset.version
        builders: dict[str, _Builder] = defaultdict(_Builder)
        always: list[int] = []
        to_check: list[tuple[Condition, ...]] = []
        for index, rule in enumerate(ruleset.rules):
            anchor = _anchor(rule)
            if anchor is None:
                always.append(index)
            else:
                builders[anchor.attribute].add(anchor, index)
            # A hit on an exact anchor proves that condition: only the others need checking.
            exact = anchor is not None and _proven_by_hit(anchor)
            to_check.append(tuple(c for c in rule.conditions if not (exact and c is anchor)))
        self._indexes = tuple(b.build(key) for key, b in builders.items())
        self._always = frozenset(always)
        self._to_check = tuple(to_check)

    def candidates(self, facts: SignInFacts) -> list[int]:
        """The 0-based indexes, in order, of the rules that may match this sign-in."""
        found = set(self._always)
        for index in self._indexes:
            view = facts.view(index.key)
            if not view.raw:
                continue
            for value in index.equals_folded.keys() & view.folded_set:
                found.update(index.equals_folded[value])
            for value in index.equals_raw.keys() & view.raw_set:
                found.update(index.equals_raw[value])
            for substrings in index.substrings:
                substrings.hits(view.folded_text, view.raw_text, found)
        return sorted(found)

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
        return resolve(self.ruleset, self._matches(facts, account), user, account)

    def _matches(self, facts: SignInFacts, account: AccountFacts) -> Matches:
        rules = self.ruleset.rules
        first: dict[str, int] = {}
        groups: dict[str, list[int]] = {kind: [] for kind in GROUP_KINDS}
        for index in self.candidates(facts):
            rule = rules[index]
            category = rule.category
            if category in first:
                continue
            if category == "sub_account" and not account.routes_sub_accounts:
                continue
            if not all(condition_holds(c, facts) for c in self._to_check[index]):
                continue
            if is_group_kind(category):
                groups[category].append(index)
            else:
                first[category] = index
        return Matches(first, {kind: tuple(v) for kind, v in groups.items() if v})


def compile_rules(ruleset: RuleSet) -> CompiledRules:
    """Index a rule set for fast evaluation; compile once per version and cache it."""
    return CompiledRules(ruleset)
