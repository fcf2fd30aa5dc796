"""A decision as a readable text table, for the CLI's ``mapping explain``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .decision import Decision, RuleTrace


def format_table(decision: Decision) -> str:
    """The decision, then each rule with its conditions, removals, left-outs and notes."""
    sections = [_decision_section(decision), _rules_section(decision)]
    trace = decision.trace
    if trace.removed:
        rows = [(r.category, r.item, r.reason) for r in trace.removed]
        sections.append("Removed\n" + _columns(("category", "item", "why"), rows))
    if trace.left_out:
        rows = [(x.category, _positions(x.positions), x.reason) for x in trace.left_out]
        sections.append("Left out\n" + _columns(("category", "rules", "why"), rows))
    if trace.notes:
        sections.append("Notes\n" + "\n".join(f"  - {note}" for note in trace.notes))
    return "\n\n".join(sections) + "\n"


def _decision_section(decision: Decision) -> str:
    rows: list[tuple[str, str]] = [
        ("blocked", decision.blocked or "-"),
        ("owner exempt", "yes" if decision.owner_exempt else "no"),
        ("sub-account", decision.sub_account or "-"),
        ("license", decision.license_type or "-"),
        ("add-ons", _items(decision.addons)),
        ("add-ons removed", _items(decision.addons_removed)),
    ]
    for kind, groups in decision.groups.items():
        rows.append((kind, _items(groups)))
        rows.append((f"{kind} removed", _items(decision.groups_removed.get(kind, frozenset()))))
    rows.append(("role", decision.role or "(unchanged)"))
    rows.append(("recording location", decision.recording_location or "(unchanged)"))
    for category, value in decision.settings.items():
        rows.append((category.replace("_", " "), "(removed)" if value is None else str(value)))
    return "Decision\n" + _columns(("field", "value"), rows)


def _rules_section(decision: Decision) -> str:
    trace = decision.trace
    deciding = {p for positions in trace.decided_by.values() for p in positions}
    if not trace.complete:
        rows = [(cat, _positions(p)) for cat, p in trace.decided_by.items()]
        return "Deciding rules (run with explain for every rule)\n" + _columns(
            ("category", "rules"), rows
        )
    lines = [
        _columns(
            ("#", "category", "name", "result", "matched", "decides"),
            [_rule_row(rule, deciding) for rule in trace.rules],
        )
    ]
    for rule in trace.rules:
        details = [_condition_line(rule, n) for n in range(len(rule.conditions))]
        if rule.note:
            details.append(f"      note: {rule.note}")
        if details:
            lines.append(f"  rule {rule.position}:\n" + "\n".join(details))
    return "Rules (positions are 1-based)\n" + "\n".join(lines)


def _rule_row(rule: RuleTrace, deciding: set[int]) -> tuple[str, ...]:
    return (
        str(rule.position),
        rule.category,
        rule.name or "-",
        str(rule.result),
        "yes" if rule.matched else "no",
        "yes" if rule.position in deciding else "no",
    )


def _condition_line(rule: RuleTrace, n: int) -> str:
    condition = rule.conditions[n]
    mark = "ok  " if condition.matched else "FAIL"
    return f"      {mark} {condition.attribute} {condition.operator}: {condition.reason}"


def _items(items: Iterable[str]) -> str:
    return ", ".join(sorted(items)) or "-"


def _positions(positions: Sequence[int]) -> str:
    return ", ".join(str(p) for p in positions) or "-"


def _columns(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    table = [tuple(header), *(tuple(r) for r in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join(
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in table
    )
