"""The reference evaluator: a plain loop over every rule in order, tracing everything."""

from __future__ import annotations

from .decision import Decision, RuleTrace
from .facts import AccountFacts, SignInFacts, UserState
from .matching import ConditionTrace, explain_condition
from .model import GROUP_KINDS, Rule, RuleSet, is_group_kind
from .resolve import NOT_ROUTING_NOTE, Matches, resolve


def evaluate_reference(
    ruleset: RuleSet, facts: SignInFacts, user: UserState, account: AccountFacts
) -> Decision:
    """Evaluate every rule in order and decide, with a complete trace; raises nothing."""
    traces: list[RuleTrace] = []
    first: dict[str, int] = {}
    groups: dict[str, list[int]] = {kind: [] for kind in GROUP_KINDS}
    for index, rule in enumerate(ruleset.rules):
        if rule.category == "sub_account" and not account.routes_sub_accounts:
            traces.append(_trace(index, rule, matched=False, note=NOT_ROUTING_NOTE))
            continue
        conditions = tuple(explain_condition(c, facts) for c in rule.conditions)
        matched = all(c.matched for c in conditions)
        note = None
        if not matched:
            failed = [str(n) for n, c in enumerate(conditions, 1) if not c.matched]
            note = f"condition(s) {', '.join(failed)} did not hold, so nothing of this rule applies"
        elif is_group_kind(rule.category):
            groups[rule.category].append(index)
        elif rule.category in first:
            note = f"matched, but rule {first[rule.category] + 1} decided {rule.category} first"
        else:
            first[rule.category] = index
        traces.append(_trace(index, rule, matched=matched, note=note, conditions=conditions))
    matches = Matches(first, {kind: tuple(v) for kind, v in groups.items() if v})
    return resolve(ruleset, matches, user, account, tuple(traces))


def _trace(
    index: int,
    rule: Rule,
    *,
    matched: bool,
    note: str | None,
    conditions: tuple[ConditionTrace, ...] = (),
) -> RuleTrace:
    return RuleTrace(
        position=index + 1,
        category=rule.category,
        name=rule.name,
        result=rule.result,
        matched=matched,
        conditions=conditions,
        note=note,
    )
