"""The real service's semantics: from the rules that matched to what changes for the user.

Both evaluators find the matching rules their own way and hand them here, so the semantics
live in one place and the evaluators can only differ in which rules they found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .decision import Decision, LeftOut, Removal, RuleTrace, Trace
from .facts import AccountFacts, UserState
from .model import ADDON_PREFIX, GROUP_KINDS, LEFT_OUT_WHEN_ROUTED, Rule, RuleSet

OWNER_NOTE = "the account owner is exempt: mapping rules never apply to the owner"
NOT_ROUTING_NOTE = (
    "sub_account rules route only sign-ins through the master's SSO; they were not applied"
)


@dataclass(frozen=True)
class Matches:
    """The rules that decide: 0-based indexes, the first match per category, all per group kind."""

    first: Mapping[str, int] = field(default_factory=dict)
    groups: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass
class _Notes:
    """The parts of a trace gathered while resolving (mutable only while it is being built)."""

    notes: list[str] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)


def unchanged(
    user: UserState, *, owner_exempt: bool, blocked: str | None, trace: Trace
) -> Decision:
    """A decision that changes nothing for the user (owner, or a blocked sign-in)."""
    return Decision(
        sub_account=None,
        license_type=user.license_type,
        addons=user.addons,
        addons_removed=frozenset(),
        groups={kind: user.groups_of(kind) for kind in GROUP_KINDS},
        groups_removed={kind: frozenset() for kind in GROUP_KINDS},
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
    rules, categories = ruleset.rules, ruleset.categories
    decided_by: dict[str, tuple[int, ...]] = {c: (i + 1,) for c, i in matches.first.items()}
    decided_by.update({k: tuple(i + 1 for i in v) for k, v in matches.groups.items() if v})
    gathered = _Notes()
    sub_account = _sub_account(rules, matches, categories, account, gathered)
    license_type = _license(rules, matches, user, account, gathered)

    if license_type == "None":
        gathered.notes.append("license type None blocks the sign-in; nobody is created")
        trace = _trace(rule_traces, decided_by, gathered)
        return unchanged(user, owner_exempt=False, blocked="license_none", trace=trace)
    addons = _addons(rules, matches, categories, user, gathered)
    groups, removed_groups = _groups(rules, matches, categories, user, sub_account, gathered)
    routed = sub_account is not None
    role = None if routed else _first_result(rules, matches, "role")
    location = None if routed else _first_result(rules, matches, "recording_location")
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
        trace=_trace(rule_traces, decided_by, gathered),
    )


def _trace(
    rule_traces: tuple[RuleTrace, ...] | None,
    decided_by: dict[str, tuple[int, ...]],
    gathered: _Notes,
) -> Trace:
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
    rules: tuple[Rule, ...],
    matches: Matches,
    categories: frozenset[str],
    account: AccountFacts,
    gathered: _Notes,
) -> str | None:
    if "sub_account" not in categories:
        return None
    if not account.routes_sub_accounts:
        gathered.notes.append(NOT_ROUTING_NOTE)
        return None
    target = _first_result(rules, matches, "sub_account")
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
    rules: tuple[Rule, ...],
    matches: Matches,
    categories: frozenset[str],
    user: UserState,
    gathered: _Notes,
) -> frozenset[str]:
    addons = set(user.addons)
    for category in sorted(c for c in categories if c.startswith(ADDON_PREFIX)):
        key = category.removeprefix(ADDON_PREFIX)
        index = matches.first.get(category)
        if index is not None and rules[index].result is True:
            addons.add(key)
            continue
        if index is None:
            reason = f"{category} has rules and none matched, so the add-on is removed"
        else:
            reason = f"rule {index + 1} turns {category} off"
        if key in addons:
            gathered.removed.append(Removal(category, key, reason))
            addons.discard(key)
    return frozenset(addons)


def _groups(
    rules: tuple[Rule, ...],
    matches: Matches,
    categories: frozenset[str],
    user: UserState,
    sub_account: str | None,
    gathered: _Notes,
) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    groups = {kind: user.groups_of(kind) for kind in GROUP_KINDS}
    removed: dict[str, frozenset[str]] = {kind: frozenset() for kind in GROUP_KINDS}
    if sub_account is not None:
        _leave_out(rules, matches, categories, sub_account, gathered)
        return groups, removed
    for kind in GROUP_KINDS:
        if kind not in categories:
            continue
        # Groups are authoritative: the matched rules define the whole membership of the kind.
        new = frozenset(str(rules[i].result) for i in matches.groups.get(kind, ()))
        removed[kind] = groups[kind] - new
        for name in sorted(removed[kind]):
            reason = f"no {kind} rule matched {name!r} at this sign-in (groups are authoritative)"
            gathered.removed.append(Removal(kind, name, reason))
        groups[kind] = new
    return groups, removed


def _leave_out(
    rules: tuple[Rule, ...],
    matches: Matches,
    categories: frozenset[str],
    sub_account: str,
    gathered: _Notes,
) -> None:
    reason = (
        f"left out because routed into sub-account {sub_account}: only the meeting license "
        "and add-ons come from the master's mapping"
    )
    for category in LEFT_OUT_WHEN_ROUTED:
        if category not in categories:
            continue
        if category in matches.groups:
            positions = tuple(i + 1 for i in matches.groups[category])
        elif category in matches.first:
            positions = (matches.first[category] + 1,)
        else:
            positions = ()
        gathered.left_out.append(LeftOut(category, positions, reason))
