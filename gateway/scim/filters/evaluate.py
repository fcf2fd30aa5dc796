"""Evaluate a parsed filter against one in-memory JSON value (PATCH value paths, constants)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.scim.errors import InvalidFilter
from gateway.scim.filters.syntax import (
    And,
    Compare,
    Node,
    Not,
    Or,
    Present,
    Value,
    ValuePath,
    parse_datetime,
)
from gateway.scim.schema_model import Attribute


def matches(node: Node, element: dict[str, Any]) -> bool:
    """Whether ``element`` (one value of a multi-valued complex attribute) satisfies ``node``.

    ``node`` comes from ``parse_value_filter``, so its paths are sub-attributes of the element.
    """
    if isinstance(node, And):
        return all(matches(item, element) for item in node.items)
    if isinstance(node, Or):
        return any(matches(item, element) for item in node.items)
    if isinstance(node, Not):
        return not matches(node.inner, element)
    if isinstance(node, ValuePath):
        return matches(node.inner, element)
    actual = _lookup(element, node.ref.leaf.name)
    if isinstance(node, Present):
        return is_present(actual)
    return compare_values(node, actual)


def is_present(value: Any) -> bool:
    """RFC 7644 §3.4.2.2 ``pr``: not null, not empty, not an empty list or object."""
    return value is not None and value not in ("", [], {})


def compare_values(node: Compare, actual: Any) -> bool:
    """Apply ``node.op`` to ``actual`` and ``node.value`` with the attribute's caseExact rule."""
    expected = node.value
    if expected is None:
        return (actual is None) == (node.op == "eq")
    if actual is None:
        return node.op == "ne"
    left, right = _comparable(node.ref.leaf, actual, expected)
    if left is None:
        return node.op == "ne"
    return _apply(node.op, left, right)


def _comparable(attribute: Attribute, actual: Any, expected: Value) -> tuple[Any, Any]:
    if isinstance(expected, datetime):
        try:
            return parse_datetime(str(actual), attribute.name), expected
        except InvalidFilter:
            return None, expected
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return None, expected
        if not attribute.case_exact:
            return actual.casefold(), expected.casefold()
    if isinstance(expected, bool) != isinstance(actual, bool):
        return None, expected
    return actual, expected


def _apply(op: str, left: Any, right: Any) -> bool:
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if op == "co":
        return bool(right in left)
    if op == "sw":
        return bool(left.startswith(right))
    if op == "ew":
        return bool(left.endswith(right))
    try:
        if op == "gt":
            return bool(left > right)
        if op == "ge":
            return bool(left >= right)
        if op == "lt":
            return bool(left < right)
        return bool(left <= right)
    except TypeError:
        return False


def _lookup(element: dict[str, Any], name: str) -> Any:
    folded = name.casefold()
    return next((v for k, v in element.items() if k.casefold() == folded), None)
