"""Adding values to a multi-valued attribute (RFC 7644 §3.5.2.1), for PATCH ``add``."""

from __future__ import annotations

from typing import Any


def merge_values(current: list[Any], new: list[Any]) -> list[Any]:
    """RFC 7644 §3.5.2.1: add to a multi-valued attribute; a value already there is kept once.

    An element with a ``value`` is found through an index of the elements' values, so adding
    to a group of thousands of members costs no scan per member (a 10,000-member group took
    seconds per 1,000 added, inside the write transaction).
    """
    merged = list(current)
    by_value: dict[Any, int] = {}
    for i, old in enumerate(merged):
        if isinstance(old, dict) and _hashable(old.get("value")):
            by_value.setdefault(old.get("value"), i)
    for item in new:
        found = _same(merged, by_value, item)
        if found is not None:
            merged[found] = {**merged[found], **item} if isinstance(item, dict) else item
        else:
            merged.append(item)
            if isinstance(item, dict) and _hashable(item.get("value")):
                by_value.setdefault(item.get("value"), len(merged) - 1)
    if any(isinstance(i, dict) and i.get("primary") for i in new):
        for old in merged:
            if isinstance(old, dict) and old.get("primary") and old not in new:
                old["primary"] = False
    return merged


def _hashable(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _same(merged: list[Any], by_value: dict[Any, int], item: Any) -> int | None:
    """The index of the first element ``item`` merges into: equal to it, or (for an object
    with a ``value``) an object with the same ``value``; None when there is none."""
    if isinstance(item, dict) and "value" in item and _hashable(item["value"]):
        # An equal object has the same value too, and only objects have a value.
        return by_value.get(item["value"])
    for i, old in enumerate(merged):
        if old == item or (
            isinstance(old, dict)
            and isinstance(item, dict)
            and "value" in item
            and old.get("value") == item["value"]
        ):
            return i
    return None
