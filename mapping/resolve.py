"""The real service's semantics: from the rules that matched to what changes for the user.

Both evaluators find the matching rules their own way and hand them here, so the semantics
live in one place and the evaluators can only differ in which rules they found.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from .decision import Decision, LeftOut, Removal, RuleTrace, Trace
from .facts import AccountFacts, UserState
from .model import GROUP_KINDS, LEFT_OUT_WHEN_ROUTED, Rule, RuleSet
from .settings import resolve_settings

OWNER_NOTE = "the account owner is exempt: mapping rules never apply to the owner"
NOT_ROUTING_NOTE = (
    "sub_account rules route only sign-ins through the master's SSO; they were not applied"
)


class Matches(NamedTuple):
    """The rules that decide: 0-based indexes, the first match per category, all per group kind.

    A NamedTuple rather than a frozen dataclass: one is built per evaluation.
    """

    first: Mapping[str, int]
    groups: Mapping[str, tuple[int, ...]]


class _Notes(NamedTuple):
    """The parts of a trace gathered while resolving (the lists grow while it is built)."""

    notes: list[str]
    removed: list[Removal]
    left_out: list[LeftOut]


_EMPTY: frozenset[str] = frozenset()


def unchanged(
    user: UserState, *, owner_exempt: bool, blocked: str | None, trace: Trace
) -> Decision:
    """A decision that changes nothing for the user (owner, or a blocked sign-in)."""
    return Decision(
        sub_account=None,
        license_type=user.license_type,
        addons=user.addons,
        addons_removed=_EMPTY,
        groups={kind: user.groups_of(kind) for kind in GROUP_KINDS},
        groups_removed=dict.fromkeys(GROUP_KINDS, _EMPTY),
        role=None,
        recording_location=None,
        blocked=blocked,
        owner_exempt=owner_exempt,
        trace=trace,
    )


def owner_decision(user: UserState, rule_traces: tuple[RuleTrace, ...] | None) -> Decision:
    """The decision for the account owner: nothing changes, and the trace says so."""
    trace = Trace(rules=rule_traces or (), notes=(OWNER_NOTE,), complete=rule_traces is not None)
    return unchanged(user, owner_exempt=True, blocked=None, trace=trace)


def resolve(
    ruleset: RuleSet,
    matches: Matches,
    user: UserState,
    account: AccountFacts,
    rule_traces: tuple[RuleTrace, ...] | None = None,
) -> Decision:
    """The decision given the deciding rules; ``rule_traces`` None means a cheap trace."""
    if user.is_owner:
        return owner_decision(user, rule_traces)
    rules = ruleset.rules
    gathered = _Notes([], [], [])
    sub_account = _sub_account(ruleset, matches, account, gathered)
    license_type = _license(rules, matches, user, account, gathered)

    if license_type == "None":
        gathered.notes.append("license type None blocks the sign-in; nobody is created")
        trace = _trace(rule_traces, matches, gathered)
        return unchanged(user, owner_exempt=False, blocked="license_none", trace=trace)
    addons = _addons(ruleset, matches, user, gathered)
    groups, removed_groups = _groups(ruleset, matches, user, sub_account, gathered)
    routed = sub_account is not None
    role = None if routed else _first_result(rules, matches, "role")
    location = None if routed else _first_result(rules, matches, "recording_location")
    settings = {} if routed else resolve_settings(ruleset, matches.first, user, gathered)
    return Decision(
        sub_account=sub_account,
        license_type=license_type,
        addons=addons,
        addons_removed=user.addons - addons,
        groups=groups,
        groups_removed=removed_groups,
        role=role,
        recording_location=location,
        blocked=None,
        owner_exempt=False,
        trace=_trace(rule_traces, matches, gathered),
        settings=settings,
    )


def _trace(rule_traces: tuple[RuleTrace, ...] | None, matches: Matches, gathered: _Notes) -> Trace:
    first, groups = matches
    decided_by: dict[str, tuple[int, ...]] = {c: (i + 1,) for c, i in first.items()}
    for kind, indexes in groups.items():
        if indexes:
            decided_by[kind] = tuple([i + 1 for i in indexes])
    return Trace(
        rules=rule_traces or (),
        decided_by=dict(sorted(decided_by.items())),
        removed=tuple(gathered.removed),
        left_out=tuple(gathered.left_out),
        notes=tuple(gathered.notes),
        complete=rule_traces is not None,
    )


def _first_result(rules: tuple[Rule, ...], matches: Matches, category: str) -> str | None:
    index = matches.first.get(category)
    return None if index is None else str(rules[index].result)


def _sub_account(
    ruleset: RuleSet, matches: Matches, account: AccountFacts, gathered: _Notes
) -> str | None:
    if "sub_account" not in ruleset.categories:
        return None
    if not account.routes_sub_accounts:
        gathered.notes.append(NOT_ROUTING_NOTE)
        return None
    target = _first_result(ruleset.rules, matches, "sub_account")
    if target is None:
        gathered.notes.append(
            "no sub_account rule matched in full (routing is all-or-nothing): not routed"
        )
    else:
        position = matches.first["sub_account"] + 1
        gathered.notes.append(f"routed into sub-account {target} by rule {position}")
    return target


def _license(
    rules: tuple[Rule, ...],
    matches: Matches,
    user: UserState,
    account: AccountFacts,
    gathered: _Notes,
) -> str | None:
    chosen = _first_result(rules, matches, "license")
    if chosen is None:
        if user.exists and user.license_type is not None:
            gathered.notes.append(
                f"no license rule matched: the existing user keeps {user.license_type}"
            )
            return user.license_type
        chosen = account.default_license_type
        gathered.notes.append(f"no license rule matched: the account default {chosen} applies")
    if chosen == "Basic" and user.license_type == "Licensed" and user.has_upcoming_meetings:
        gathered.notes.append(
            "kept Licensed instead of Basic: the user has upcoming meetings or webinars"
        )
        return "Licensed"
    return chosen


def _addons(
    ruleset: RuleSet, matches: Matches, user: UserState, gathered: _Notes
) -> frozenset[str]:
    rules, first, held = ruleset.rules, matches.first, frozenset(user.addons)
    turned_on: list[str] = []
    turned_off: list[str] = []
    for category, key in ruleset.addon_categories:
        index = first.get(category)
        if index is not None and rules[index].result is True:
            turned_on.append(key)
            continue
        if key not in held:
            continue
        if index is None:
            reason = f"{category} has rules and none matched, so the add-on is removed"
        else:
            reason = f"rule {index + 1} turns {category} off"
        gathered.removed.append(Removal(category, key, reason))
        turned_off.append(key)
    return held.difference(turned_off).union(turned_on)


def _groups(
    ruleset: RuleSet,
    matches: Matches,
    user: UserState,
    sub_account: str | None,
    gathered: _Notes,
) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    current = user.groups
    groups = {kind: current.get(kind, _EMPTY) for kind in GROUP_KINDS}
    removed = dict.fromkeys(GROUP_KINDS, _EMPTY)
    if sub_account is not None:
        _leave_out(ruleset, matches, sub_account, gathered)
        return groups, removed
    rules, matched = ruleset.rules, matches.groups
    for kind in ruleset.group_kinds:
        # Groups are authoritative: the matched rules define the whole membership of the kind.
        new = frozenset([str(rules[i].result) for i in matched.get(kind, ())])
        lost = groups[kind] - new
        if lost:
            removed[kind] = lost
            for name in sorted(lost):
                reason = (
                    f"no {kind} rule matched {name!r} at this sign-in (groups are authoritative)"
                )
                gathered.removed.append(Removal(kind, name, reason))
        groups[kind] = new
    return groups, removed


def _leave_out(ruleset: RuleSet, matches: Matches, sub_account: str, gathered: _Notes) -> None:
    reason = (
        f"left out because routed into sub-account {sub_account}: only the meeting license "
        "and add-ons come from the master's mapping"
    )
    for category in LEFT_OUT_WHEN_ROUTED:
        if category not in ruleset.categories:
            continue
        if category in matches.groups:
            positions = tuple(i + 1 for i in matches.groups[category])
        elif category in matches.first:
            positions = (matches.first[category] + 1,)
        else:
            positions = ()
        gathered.left_out.append(LeftOut(category, positions, reason))
