"""The compiled evaluator: rules indexed by attribute and value, so a sign-in skips most rules.

Each rule gets one *anchor*: a condition that must hold for the rule to match and whose values
can be looked up. Normally one RE2 set finds every rule's keys in one pass over one text of
all the attributes (``mapping.one_pass``, ``mapping.sections``). When RE2 cannot build that
set (or ``key_sets=False``), the per-attribute index below serves (``mapping.index``): a
sign-in looks up each indexed attribute's values once per case mode, which yields the
candidate rules; rules without an anchor are always candidates. The candidates are checked in
rule order with plain substring tests on the attributes' framed texts (skipping the anchor
when its hit already proves it, and every later rule of a first-match category once one
matched), and the resolver the reference evaluator uses turns the matches into a decision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, NamedTuple, cast

from .decision import Decision
from .facts import SEPARATOR, AccountFacts, SignInFacts, UserState
from .index import KeyIndex, build_index, choose_anchor, needles, proven_by_hit, regex_literal
from .matching import condition_holds, rule_matches
from .model import GROUP_KINDS, Condition, RuleSet, is_group_kind
from .one_pass import OnePass
from .reference import evaluate_reference
from .resolve import Matches, owner_decision, resolve
from .sections import Unframable

# A regex rule value to try: the text a value must start with for RE2 to be worth calling
# (casefolded when the pattern ignores case; None: no literal found), the same after the
# separator (to look for in the framed text), and RE2's full match.
_Gate = tuple[str | None, str, Callable[[str], Any]]
# One condition left to check on a candidate: the attribute key, whether anything folds the
# key's values, whether the condition compares case, the needles one of which the framed
# text must contain (None: a regex, or not framable), the regex gates (None: not a regex),
# and the condition.
_Check = tuple[str, bool, bool, tuple[str, ...] | None, tuple[_Gate, ...] | None, Condition]
# One index searched per sign-in: whether it compares case, and the index.
_Search = tuple[bool, KeyIndex]


class _Forms(NamedTuple):
    """One attribute key's values in the forms the index and the checks use."""

    values: tuple[str, ...]
    raw: str  # framed: \0v1\0v2\0
    folded: str  # the same, casefolded
    folded_values: tuple[str, ...]


# Builds a _Forms in C: calling the NamedTuple class runs its Python-level __new__, which cost
# about a sixth of building an attribute's texts (callgrind).
_new_forms = cast(Callable[[type[_Forms], tuple[object, ...]], _Forms], tuple.__new__)


_Unframable = Unframable


def _check(condition: Condition, folds: dict[str, bool]) -> _Check:
    key, case_sensitive = condition.attribute, condition.case_sensitive
    gates = None
    if condition.patterns:
        literals = [regex_literal(p) for p in condition.patterns]
        gates = tuple(
            (lit, SEPARATOR + (lit or ""), p.fullmatch)
            for lit, p in zip(literals, condition.patterns, strict=True)
        )
    return (key, folds[key], case_sensitive, needles(condition), gates, condition)


class CompiledRules:
    """A rule set compiled once per version; ``evaluate`` decides as ``evaluate_reference``."""

    def __init__(self, ruleset: RuleSet, *, key_sets: bool = True) -> None:
        self.ruleset = ruleset
        self.version = ruleset.version
        self._categories = tuple(rule.category for rule in ruleset.rules)
        self._groups = frozenset(GROUP_KINDS)
        self._one_pass = OnePass.build(ruleset) if key_sets else None
        if self._one_pass is None:
            self._index(ruleset, key_sets=key_sets)

    def _index(self, ruleset: RuleSet, *, key_sets: bool) -> None:
        """The per-attribute index: one RE2 set per attribute and case mode, or (without
        ``key_sets``, or when RE2 cannot build a set) lookups in Python."""
        keys: dict[tuple[str, bool], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        always: list[int] = []
        to_check: list[tuple[_Check, ...]] = []
        # Keys only ever compared case-sensitively are never casefolded at sign-in.
        folds: dict[str, bool] = {}
        for rule in ruleset.rules:
            for c in rule.conditions:
                folds[c.attribute] = folds.get(c.attribute, False) or not c.case_sensitive
        for index, rule in enumerate(ruleset.rules):
            anchor = choose_anchor(rule)
            if anchor is None:
                always.append(index)
            else:
                condition, anchor_values = anchor
                for key in set(anchor_values):
                    keys[(condition.attribute, condition.case_sensitive)][key].append(index)
            # A hit on an exact anchor proves that condition: only the others need checking.
            proven = anchor[0] if anchor is not None and proven_by_hit(anchor[0]) else None
            to_check.append(tuple(_check(c, folds) for c in rule.conditions if c is not proven))
        plan: dict[str, list[_Search]] = defaultdict(list)
        for (attribute, case_sensitive), rules_by_key in sorted(keys.items()):
            key_index = build_index(rules_by_key, use_key_set=key_sets)
            plan[attribute].append((case_sensitive, key_index))
        self._plan = tuple((key, folds[key], tuple(searches)) for key, searches in plan.items())
        self._always = tuple(always)
        self._to_check = tuple(to_check)

    def candidates(self, facts: SignInFacts) -> list[int]:
        """The 0-based indexes, in order, of the rules that may match this sign-in."""
        try:
            if self._one_pass is not None:
                return self._one_pass.candidates(self._one_pass.text.found(facts))
            return sorted(self._candidates(facts, {}))
        except _Unframable:
            return list(range(len(self.ruleset.rules)))

    def _candidates(self, facts: SignInFacts, texts: dict[str, _Forms | None]) -> set[int]:
        found = set(self._always)
        for key, fold, searches in self._plan:
            framed = texts[key] = _texts(facts, key, fold)
            if framed is None:
                continue
            for case_sensitive, index in searches:
                if case_sensitive:
                    index.hits(framed.values, framed.raw, found)
                else:
                    index.hits(framed.folded_values, framed.folded, found)
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
            if self._one_pass is not None:
                matches = self._one_pass.matches(facts, account, self._categories)
            else:
                matches = self._matches(facts, account)
        except _Unframable:
            matches = self._matches_unindexed(facts, account)
        return resolve(self.ruleset, matches, user, account)

    def _matches(self, facts: SignInFacts, account: AccountFacts) -> Matches:
        texts: dict[str, _Forms | None] = {}
        categories, to_check, group_kinds = self._categories, self._to_check, self._groups
        first: dict[str, int] = {}
        groups: dict[str, list[int]] = {}
        # Categories already decided (or never applied) are skipped without a check.
        decided = set() if account.routes_sub_accounts else {"sub_account"}
        for index in sorted(self._candidates(facts, texts)):
            category = categories[index]
            if category in decided:
                continue
            checks = to_check[index]
            if checks and not _all_hold(checks, facts, texts):
                continue
            if category in group_kinds:
                groups.setdefault(category, []).append(index)
            else:
                first[category] = index
                decided.add(category)
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


def _texts(facts: SignInFacts, key: str, fold: bool) -> _Forms | None:
    """The forms of one attribute key's values; None when it was not asserted.

    Without ``fold`` (no index or check compares the key case-insensitively) the folded
    forms are the raw ones, which nothing reads.

    Raises _Unframable when a value holds the separator.
    """
    values = facts.values(key)
    if not values:
        return None
    raw = SEPARATOR + SEPARATOR.join(values) + SEPARATOR
    folded = raw.casefold() if fold else raw  # never makes or removes a separator
    if folded == raw:
        # Already in folded form (or never compared folded): the values serve as they are,
        # and counting separators is cheaper than splitting the text into new strings.
        if raw.count(SEPARATOR) != len(values) + 1:
            raise _Unframable
        return _new_forms(_Forms, (values, raw, raw, values))
    folded_values = tuple(folded[1:-1].split(SEPARATOR))
    if len(folded_values) != len(values):
        raise _Unframable
    return _new_forms(_Forms, (values, raw, folded, folded_values))


def _all_hold(
    checks: tuple[_Check, ...], facts: SignInFacts, texts: dict[str, _Forms | None]
) -> bool:
    for key, fold, case_sensitive, wanted, gates, condition in checks:
        if key in texts:
            framed = texts[key]
        else:
            framed = texts[key] = _texts(facts, key, fold)
        if framed is None:
            return False
        if wanted is None:
            if gates is not None:
                if not _regex_holds(gates, framed, case_sensitive):
                    return False
            elif not condition_holds(condition, facts):
                return False
            continue
        text = framed.raw if case_sensitive else framed.folded
        for needle in wanted:
            if needle in text:
                break
        else:
            return False
    return True


def _regex_holds(gates: tuple[_Gate, ...], framed: _Forms, case_sensitive: bool) -> bool:
    """Whether a value fully matches a pattern; RE2 runs only on values starting with the
    pattern's literal (a C-level substring test on the framed text rules most out first)."""
    text, values = (
        (framed.raw, framed.values) if case_sensitive else (framed.folded, framed.folded_values)
    )
    for literal, framed_literal, fullmatch in gates:
        if literal is None:
            if any(map(fullmatch, framed.values)):
                return True
        elif framed_literal in text:
            for value, compared in zip(framed.values, values, strict=True):
                if compared.startswith(literal) and fullmatch(value):
                    return True
    return False


def compile_rules(ruleset: RuleSet, *, key_sets: bool = True) -> CompiledRules:
    """Index a rule set for fast evaluation; compile once per version and cache it.

    ``key_sets=False`` looks keys up in Python instead of RE2 sets (what a key set RE2 cannot
    build falls back to); the equivalence tests run both ways.
    """
    return CompiledRules(ruleset, key_sets=key_sets)
