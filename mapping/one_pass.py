"""The compiled evaluator's plan for one RE2 pass per sign-in (``mapping.sections``).

Each rule is indexed by the keys of one anchor condition (``index.choose_anchor``); a found key
names the rules it anchors, and every other condition of a candidate is checked as a set test
on the keys found (a regex, by RE2's full match on the values starting with a literal found).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from itertools import chain
from typing import Any, cast

from .facts import SEPARATOR, AccountFacts, SignInFacts
from .index import choose_anchor, regex_literal
from .matching import condition_holds
from .model import GROUP_KINDS, Condition, RuleSet
from .resolve import Matches
from .sections import SectionKeys, SectionsText

# A regex condition: its attribute, whether it compares case, and per pattern the literal a
# value must start with (None: none), the literal's key id, and RE2's full match.
_RegexCheck = tuple[str, bool, tuple[tuple[str | None, int, Callable[[str], Any]], ...]]
# A condition left to check: the key ids one of which is found exactly when it holds, a regex
# check, or (a rule value holding the separator) the condition itself.
_PassCheck = frozenset[int] | _RegexCheck | Condition


class OnePass:
    """The rules planned for one RE2 pass per sign-in: each rule's anchor keys and the
    conditions left to check once one is found."""

    def __init__(self, keys: SectionKeys, ruleset: RuleSet) -> None:
        anchored: defaultdict[int, list[int]] = defaultdict(list)
        always: list[int] = []
        checks: list[tuple[_PassCheck, ...]] = []
        for index, rule in enumerate(ruleset.rules):
            anchor = choose_anchor(rule)
            if anchor is None:
                always.append(index)
            else:
                for key in _key_ids(keys, anchor[0]):
                    anchored[key].append(index)
            # A hit on a non-regex anchor proves it: its keys are exactly its values.
            proven = anchor[0] if anchor and not anchor[0].patterns else None
            checks.append(tuple(_pass_check(keys, c) for c in rule.conditions if c is not proven))
        self.always = frozenset(always)
        self.anchored = {key: tuple(sorted(set(r))) for key, r in anchored.items()}
        self.checks = tuple(checks)
        self.text: SectionsText

    @classmethod
    def build(cls, ruleset: RuleSet) -> OnePass | None:
        """The plan, or None when RE2 cannot build its key set."""
        keys = SectionKeys()
        keys.number([_section(c) for rule in ruleset.rules for c in rule.conditions])
        plan = cls(keys, ruleset)
        text = keys.compile()
        if text is None:
            return None
        plan.text = text
        return plan

    def candidates(self, found: list[int]) -> list[int]:
        """The rules whose anchor key was found, and those without an anchor, in order."""
        anchored = self.anchored
        return sorted(self.always.union(chain.from_iterable([anchored.get(k, ()) for k in found])))

    def matches(
        self, facts: SignInFacts, account: AccountFacts, categories: tuple[str, ...]
    ) -> Matches:
        """The deciding rules, as the per-attribute index finds them; raises Unframable."""
        found = self.text.found(facts)
        hit, checks = frozenset(found), self.checks
        first: dict[str, int] = {}
        groups: dict[str, list[int]] = {}
        decided = set() if account.routes_sub_accounts else {"sub_account"}
        for index in self.candidates(found):
            category = categories[index]
            if category in decided:
                continue
            for check in checks[index]:
                if type(check) is frozenset:
                    if check.isdisjoint(hit):
                        break
                elif not _other_holds(check, facts, hit):  # type: ignore[arg-type]
                    break
            else:
                if category in GROUP_KINDS:
                    groups.setdefault(category, []).append(index)
                else:
                    first[category] = index
                    decided.add(category)
        return Matches(first, {kind: tuple(v) for kind, v in groups.items()})


def _section(condition: Condition) -> tuple[str, bool]:
    return condition.attribute, condition.case_sensitive


def _key_ids(keys: SectionKeys, condition: Condition) -> frozenset[int]:
    """The keys one of which is found exactly when a non-regex condition holds, or (regex)
    the keys of its patterns' literals (``index.anchor_keys`` says an anchor has them)."""
    section = keys.section(*_section(condition))
    if condition.patterns:
        literals = [cast(str, regex_literal(p)) for p in condition.patterns]
        return frozenset(keys.at_start(section, literal) for literal in literals)
    values = condition.folded_values
    if condition.operator == "contains":
        return frozenset(keys.inside(section, v) for v in values)
    whole = condition.operator == "equals"
    return frozenset(keys.at_start(section, v, whole=whole) for v in values)


def _pass_check(keys: SectionKeys, condition: Condition) -> _PassCheck:
    if not condition.patterns:
        if any(SEPARATOR in v for v in condition.folded_values):
            return condition
        return _key_ids(keys, condition)
    section = keys.section(*_section(condition))
    gates = []
    for pattern in condition.patterns:
        literal = regex_literal(pattern)
        key = -1 if literal is None else keys.at_start(section, literal)
        gates.append((literal, key, pattern.fullmatch))
    return (condition.attribute, condition.case_sensitive, tuple(gates))


def _other_holds(check: _RegexCheck | Condition, facts: SignInFacts, hit: frozenset[int]) -> bool:
    """A regex check (RE2 only on values starting with a literal found), or a condition the
    keys cannot express (a rule value holding the separator)."""
    if isinstance(check, Condition):
        return condition_holds(check, facts)
    attribute, case_sensitive, gates = check
    values = facts.values(attribute)
    compared = values if case_sensitive else tuple(v.casefold() for v in values)
    for literal, key, fullmatch in gates:
        if literal is None:
            if any(map(fullmatch, values)):
                return True
        elif key in hit:
            for value, form in zip(values, compared, strict=True):
                if form.startswith(literal) and fullmatch(value):
                    return True
    return False
