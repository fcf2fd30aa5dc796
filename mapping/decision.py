"""The outcome of one evaluation: what changes for the user, and a trace of why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .matching import ConditionTrace
from .model import RuleResult


@dataclass(frozen=True)
class RuleTrace:
    """One rule, in order: whether it matched and, condition by condition, why.

    ``conditions`` is empty and ``note`` says why when the rule was not evaluated.
    """

    position: int
    category: str
    name: str | None
    result: RuleResult
    matched: bool
    conditions: tuple[ConditionTrace, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Removal:
    """Something the user loses at this sign-in (an add-on or a group), and why."""

    category: str
    item: str
    reason: str


@dataclass(frozen=True)
class LeftOut:
    """A category the mapping does not apply, e.g. because the user was routed elsewhere."""

    category: str
    positions: tuple[int, ...]
    reason: str


@dataclass(frozen=True, init=False)
class Trace:
    """Why the decision is what it is.

    ``rules`` holds every rule in order when ``complete``; the compiled evaluator without
    ``explain`` leaves it empty but still reports which rules decided each category.
    ``decided_by`` maps a category to the 1-based positions of the rules that decided it
    (one for first-match categories, every matching one for group kinds).
    """

    rules: tuple[RuleTrace, ...] = ()
    decided_by: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    removed: tuple[Removal, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    notes: tuple[str, ...] = ()
    complete: bool = False

    def __init__(
        self,
        rules: tuple[RuleTrace, ...] = (),
        decided_by: Mapping[str, tuple[int, ...]] | None = None,
        removed: tuple[Removal, ...] = (),
        left_out: tuple[LeftOut, ...] = (),
        notes: tuple[str, ...] = (),
        complete: bool = False,
    ) -> None:
        # Written straight into __dict__ (as Attribute is): every evaluation builds one, and
        # the frozen dataclass's generated __init__ costs about three times as much.
        fields = self.__dict__
        fields["rules"] = rules
        fields["decided_by"] = {} if decided_by is None else decided_by
        fields["removed"] = removed
        fields["left_out"] = left_out
        fields["notes"] = notes
        fields["complete"] = complete


@dataclass(frozen=True, init=False)
class Decision:
    """What a sign-in does to the user; equality ignores the trace.

    ``addons`` and ``groups`` are the full sets after the sign-in; ``role`` and
    ``recording_location`` are None when unchanged. When ``blocked`` is set (e.g.
    ``license_none``) or ``owner_exempt`` is true, nothing changes. ``settings`` holds the
    SETTING_CATEGORIES the sign-in changes: a value to set, or None to remove; a category
    absent from it is unchanged.
    """

    sub_account: str | None
    license_type: str | None
    addons: frozenset[str]
    addons_removed: frozenset[str]
    groups: Mapping[str, frozenset[str]]
    groups_removed: Mapping[str, frozenset[str]]
    role: str | None
    recording_location: str | None
    blocked: str | None
    owner_exempt: bool
    trace: Trace = field(default_factory=Trace, compare=False)
    settings: Mapping[str, RuleResult | None] = field(default_factory=dict)

    def __init__(
        self,
        sub_account: str | None,
        license_type: str | None,
        addons: frozenset[str],
        addons_removed: frozenset[str],
        groups: Mapping[str, frozenset[str]],
        groups_removed: Mapping[str, frozenset[str]],
        role: str | None,
        recording_location: str | None,
        blocked: str | None,
        owner_exempt: bool,
        trace: Trace | None = None,
        settings: Mapping[str, RuleResult | None] | None = None,
    ) -> None:
        # Written straight into __dict__, as Trace is: one per evaluation.
        fields = self.__dict__
        fields["sub_account"] = sub_account
        fields["license_type"] = license_type
        fields["addons"] = addons
        fields["addons_removed"] = addons_removed
        fields["groups"] = groups
        fields["groups_removed"] = groups_removed
        fields["role"] = role
        fields["recording_location"] = recording_location
        fields["blocked"] = blocked
        fields["owner_exempt"] = owner_exempt
        fields["trace"] = Trace() if trace is None else trace
        fields["settings"] = {} if settings is None else settings

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: sets become sorted lists."""
        return {
            "sub_account": self.sub_account,
            "license_type": self.license_type,
            "addons": sorted(self.addons),
            "addons_removed": sorted(self.addons_removed),
            "groups": {k: sorted(v) for k, v in self.groups.items()},
            "groups_removed": {k: sorted(v) for k, v in self.groups_removed.items()},
            "role": self.role,
            "recording_location": self.recording_location,
            "blocked": self.blocked,
            "owner_exempt": self.owner_exempt,
            "settings": dict(self.settings),
            "trace": trace_to_dict(self.trace),
        }


def trace_to_dict(trace: Trace) -> dict[str, Any]:
    """Plain JSON-ready data for a trace.

    Built field by field rather than through ``dataclasses.asdict`` and a second walk over
    its copy: a sign-in's JSON answer pays for this, and the direct build is several times
    cheaper. A test holds it equal to the asdict form.
    """
    return {
        "complete": trace.complete,
        "rules": [_rule_dict(rule) for rule in trace.rules],
        "decided_by": {k: list(v) for k, v in trace.decided_by.items()},
        "removed": [
            {"category": r.category, "item": r.item, "reason": r.reason} for r in trace.removed
        ],
        "left_out": [
            {"category": x.category, "positions": list(x.positions), "reason": x.reason}
            for x in trace.left_out
        ],
        "notes": list(trace.notes),
    }


def _rule_dict(rule: RuleTrace) -> dict[str, Any]:
    return {
        "position": rule.position,
        "category": rule.category,
        "name": rule.name,
        "result": rule.result,
        "matched": rule.matched,
        "conditions": [_condition_dict(c) for c in rule.conditions],
        "note": rule.note,
    }


def _condition_dict(condition: ConditionTrace) -> dict[str, Any]:
    return {
        "attribute": condition.attribute,
        "operator": condition.operator,
        "case_sensitive": condition.case_sensitive,
        "values": list(condition.values),
        "matched": condition.matched,
        "asserted_value": condition.asserted_value,
        "rule_value": condition.rule_value,
        "seen": list(condition.seen),
        "reason": condition.reason,
    }
