"""Apply RFC 7644 §3.5.2 PATCH operations to a resource held as its SCIM JSON representation.

Pure: the input dict is not modified. Under every profile but ``strict`` the known client
quirks are accepted and named in the result, so the server can log which ones it met.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

from gateway.scim.errors import (
    InvalidPath,
    InvalidSyntax,
    InvalidValue,
    Mutability,
    NoTarget,
    PayloadTooLarge,
)
from gateway.scim.filters import And, Compare, Node, matches
from gateway.scim.patch_merge import merge_values
from gateway.scim.patch_path import PatchPath, parse_patch_path
from gateway.scim.profiles import ClientProfile, Leniency
from gateway.scim.schema_model import Attribute, ResourceType
from gateway.scim.validate import check_required, coerce

PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
OPS = ("add", "replace", "remove")
# Per request, so that no PATCH holds the write lock for long (RFC 7643 §5 has no place to
# advertise these; the refusal names them).
MAX_PATCH_OPERATIONS = 1000
MAX_PATCH_VALUES = 1000
# Members one request (POST, PUT or PATCH) may add to a group.
MAX_NEW_MEMBERS = 1000


@dataclass(frozen=True)
class PatchResult:
    """The patched resource, the client quirks that were accepted on the way, and the core
    attributes an ``add`` or ``replace`` named (whatever the path's form): what the client
    said, as opposed to what the resource merely carries over."""

    resource: dict[str, Any]
    quirks: tuple[str, ...]
    set_core: frozenset[str] = frozenset()


def read_patch_request(body: Any) -> list[Any]:
    """The ``Operations`` of a PatchOp message (RFC 7644 §3.5.2), envelope checked.

    Raises InvalidSyntax when ``schemas`` is not exactly the PatchOp URN or ``Operations`` is
    not a non-empty list; PayloadTooLarge (413) over MAX_PATCH_OPERATIONS operations or
    MAX_PATCH_VALUES values.
    """
    if not isinstance(body, dict):
        raise InvalidSyntax("A PATCH body must be a JSON object.")
    if body.get("schemas") != [PATCH_URN]:
        raise InvalidSyntax(f'A PATCH body must have "schemas": ["{PATCH_URN}"].')
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise InvalidSyntax('A PATCH body needs "Operations": a non-empty list.')
    if len(operations) > MAX_PATCH_OPERATIONS:
        raise PayloadTooLarge(
            f"A PATCH request carries at most {MAX_PATCH_OPERATIONS} operations (this one has "
            f"{len(operations)}); send the changes in several requests."
        )
    values = sum(_value_count(op.get("value")) for op in operations if isinstance(op, dict))
    if values > MAX_PATCH_VALUES:
        raise PayloadTooLarge(
            f"A PATCH request carries at most {MAX_PATCH_VALUES} values in all (e.g. members "
            f"to add; this one has {values}); send the changes in several requests."
        )
    return operations


def _value_count(value: Any) -> int:
    """How many values an operation's ``value`` holds: a list's items, and the items of the
    lists in a path-less object (``{"members": [...]}``)."""
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):
        return max(1, sum(len(v) for v in value.values() if isinstance(v, list)))
    return 1


def apply_patch(
    resource: dict[str, Any],
    operations: list[Any],
    *,
    schema: ResourceType,
    profile: ClientProfile = "compatible",
) -> PatchResult:
    """Apply ``operations`` in order to a copy of ``resource``; all or nothing.

    Raises InvalidSyntax (malformed operation), InvalidPath (bad path), NoTarget (a filter
    selected nothing, or remove without path), Mutability (readOnly/immutable target) and
    InvalidValue (wrong value, or a required attribute removed).
    """
    patcher = _Patcher(copy.deepcopy(resource), schema, Leniency(profile))
    for index, operation in enumerate(operations):
        patcher.run(operation, index)
    for urn in schema.extension_urns():
        if patcher.data.get(urn) == {}:
            del patcher.data[urn]
    check_required(patcher.data, schema)
    return PatchResult(patcher.data, tuple(patcher.leniency.quirks), frozenset(patcher.set_core))


class _Patcher:
    def __init__(self, data: dict[str, Any], schema: ResourceType, leniency: Leniency) -> None:
        self.data = data
        self.schema = schema
        self.leniency = leniency
        self.set_core: set[str] = set()

    def run(self, operation: Any, index: int) -> None:
        """One operation: checks its shape, then dispatches on ``op``."""
        if not isinstance(operation, dict):
            raise InvalidSyntax(f"Operations[{index}] must be an object.")
        op = self.op_name(operation.get("op"), index)
        path_text = operation.get("path")
        if path_text is not None and not isinstance(path_text, str):
            raise InvalidPath(f"Operations[{index}].path must be a string.")
        if op == "remove":
            self.remove(path_text, operation)
            return
        if "value" not in operation:
            raise InvalidSyntax(f"Operations[{index}] ('{op}') needs a 'value'.")
        value = operation["value"]
        if path_text is None or path_text == "":
            for path, item in self.no_path_targets(value):
                self.set(op, path, item, no_path=True)
        else:
            self.set(op, parse_patch_path(path_text, self.schema), value, no_path=False)

    def op_name(self, raw: Any, index: int) -> str:
        if not isinstance(raw, str) or raw.casefold() not in OPS:
            raise InvalidSyntax(f"Operations[{index}].op must be one of add, replace, remove.")
        if raw not in OPS:
            self.leniency.tolerate(
                "capitalised_op", InvalidSyntax(f"'op' must be lower case: {raw.lower()!r}.")
            )
        return raw.casefold()

    def no_path_targets(self, value: Any) -> list[tuple[PatchPath, Any]]:
        """RFC 7644 §3.5.2.1/§3.5.2.3 without ``path``: each member of ``value`` is a target."""
        if not isinstance(value, dict):
            raise InvalidValue("Without a 'path', 'value' must be an object of attributes.")
        targets = []
        for key, item in value.items():
            if key.casefold() == "schemas":
                continue
            path = parse_patch_path(key, self.schema, allow_filter=False)
            self.note_key_quirks(key, path)
            targets.append((path, item))
        return targets

    def note_key_quirks(self, key: str, path: PatchPath) -> None:
        if path.whole_extension:
            return
        if ":" in key:
            self.leniency.tolerate(
                "urn_qualified_key",
                InvalidValue(f"'{key}' must be nested in its schema's object, not URN-qualified."),
            )
        elif path.sub is not None:
            self.leniency.tolerate(
                "dotted_key", InvalidValue(f"'{key}' must be given as a nested object.")
            )

    def holder(self, path: PatchPath, create: bool) -> dict[str, Any] | None:
        if path.core or path.whole_extension:
            return self.data
        key = _key(self.data, path.schema.id)
        if key is None:
            if not create:
                return None
            self.data[path.schema.id] = {}
            key = path.schema.id
        found = self.data[key]
        return found if isinstance(found, dict) else None

    def set(self, op: str, path: PatchPath, value: Any, *, no_path: bool) -> None:
        """add or replace at ``path`` (RFC 7644 §3.5.2.1, §3.5.2.3)."""
        if self.unchanged_read_only(path, value, no_path):
            return
        self.check_mutability(path, op)
        if path.core:
            self.set_core.add(path.attribute.name)
        holder = self.holder(path, create=True)
        assert holder is not None
        if path.whole_extension or path.schema is not self.schema.core:
            self.list_schema(path.schema.id)
        if path.value_filter is not None:
            self.set_filtered(op, path, holder, value)
        elif path.sub is not None:
            self.set_sub(path, holder, value)
        else:
            self.set_attribute(op, path, holder, value)

    def unchanged_read_only(self, path: PatchPath, value: Any, no_path: bool) -> bool:
        """Okta sends ``id`` back in a no-path replace; accept it when it changes nothing."""
        if not no_path or path.attribute.mutability != "readOnly" or path.sub is not None:
            return False
        holder = self.holder(path, create=False) or {}
        current = holder.get(_key(holder, path.attribute.name) or path.attribute.name)
        if current != value:
            return False
        self.leniency.tolerate(
            "unchanged_read_only",
            Mutability(f"'{path.label}' is readOnly and cannot be sent in a PATCH."),
        )
        return True

    def check_mutability(self, path: PatchPath, op: str) -> None:
        for attribute in (path.attribute, path.sub):
            if attribute is None:
                continue
            if attribute.mutability == "readOnly":
                raise Mutability(f"'{path.label}' is readOnly and cannot be changed.")
            if attribute.mutability == "immutable" and (op != "add" or self.exists(path)):
                raise Mutability(f"'{path.label}' is immutable once set.")

    def exists(self, path: PatchPath) -> bool:
        holder = self.holder(path, create=False) or {}
        return _key(holder, path.attribute.name) is not None

    def list_schema(self, urn: str) -> None:
        schemas = self.data.setdefault("schemas", [self.schema.core.id])
        if urn not in schemas:
            schemas.append(urn)

    def coerce(self, path: PatchPath, value: Any, *, element: bool = False) -> Any:
        attribute = path.sub or path.attribute
        if element and path.sub is None:
            attribute = _single(attribute)
        return coerce(attribute, value, self.leniency, path.label)

    def set_attribute(self, op: str, path: PatchPath, holder: dict[str, Any], value: Any) -> None:
        attribute = path.attribute
        new = self.coerce(path, value)
        key = _key(holder, attribute.name)
        current = holder.get(key) if key else None
        if key is not None:
            del holder[key]
        if new is None:
            return
        if attribute.multi_valued and op == "add" and isinstance(current, list):
            new = merge_values(current, new)
        elif attribute.is_complex and not attribute.multi_valued and isinstance(current, dict):
            new = {**current, **new}
        holder[attribute.name] = new

    def set_sub(self, path: PatchPath, holder: dict[str, Any], value: Any) -> None:
        assert path.sub is not None
        new = self.coerce(path, value)
        key = _key(holder, path.attribute.name) or path.attribute.name
        current = holder.get(key)
        if path.attribute.multi_valued:
            elements = current if isinstance(current, list) and current else [{}]
            for element in elements:
                _put(element, path.sub.name, new)
            holder[key] = elements
            return
        target = current if isinstance(current, dict) else {}
        _put(target, path.sub.name, new)
        holder[key] = target

    def set_filtered(self, op: str, path: PatchPath, holder: dict[str, Any], value: Any) -> None:
        """``emails[type eq "work"]`` or ``emails[type eq "work"].value``: matching values only."""
        assert path.value_filter is not None
        key = _key(holder, path.attribute.name) or path.attribute.name
        elements = holder.get(key) if isinstance(holder.get(key), list) else []
        assert isinstance(elements, list)
        hits = [e for e in elements if isinstance(e, dict) and matches(path.value_filter, e)]
        if not hits:
            hits = [self.created_element(path)]
            elements.append(hits[0])
        new = self.coerce(path, value, element=True)
        for element in hits:
            if path.sub is not None:
                _put(element, path.sub.name, new)
            elif op == "add" and isinstance(new, dict):
                element.update(new)
            else:
                element.clear()
                element.update(new or {})
        holder[key] = [e for e in elements if e]

    def created_element(self, path: PatchPath) -> dict[str, Any]:
        """Entra adds ``phoneNumbers[type eq "work"].value`` when no work number exists yet."""
        seed = _equalities(path.value_filter)
        refusal = NoTarget(f"No value of '{path.attribute.name}' matches the filter in the path.")
        if seed is None:
            raise refusal
        self.leniency.tolerate("filtered_path_creates_value", refusal)
        return seed

    def remove(self, path_text: str | None, operation: dict[str, Any]) -> None:
        """RFC 7644 §3.5.2.2 remove."""
        if not path_text:
            raise NoTarget("'remove' needs a 'path'.")
        path = parse_patch_path(path_text, self.schema)
        self.check_mutability(path, "remove")
        check_removable(path)
        holder = self.holder(path, create=False)
        key = _key(holder, path.attribute.name) if holder is not None else None
        if holder is None or key is None:
            if path.value_filter is not None:
                raise NoTarget(f"'{path.label}' matches nothing to remove.")
            return
        if "value" in operation and path.value_filter is None and path.sub is None:
            self.remove_listed(path, holder, key, operation["value"])
        elif path.value_filter is not None:
            self.remove_filtered(path, holder, key)
        elif path.sub is not None:
            _remove_sub(holder, key, path.sub.name)
        else:
            del holder[key]

    def remove_listed(self, path: PatchPath, holder: dict[str, Any], key: str, value: Any) -> None:
        """Entra's ``{"op": "remove", "path": "members", "value": [{"value": "id"}]}``."""
        if not (path.attribute.multi_valued and isinstance(value, list)):
            raise InvalidSyntax(f"'remove' of '{path.label}' takes no 'value'.")
        self.leniency.tolerate(
            "remove_with_value_list",
            InvalidSyntax(f"Use a path filter: '{path.attribute.name}[value eq \"...\"]'."),
        )
        doomed = {str(v.get("value")) for v in value if isinstance(v, dict)}
        kept = [
            e for e in holder[key] if not (isinstance(e, dict) and str(e.get("value")) in doomed)
        ]
        _store_list(holder, key, kept)

    def remove_filtered(self, path: PatchPath, holder: dict[str, Any], key: str) -> None:
        assert path.value_filter is not None
        elements = holder[key] if isinstance(holder[key], list) else []
        hits = [e for e in elements if isinstance(e, dict) and matches(path.value_filter, e)]
        if not hits:
            raise NoTarget(f"'{path.label}' matches nothing to remove.")
        if path.sub is None:
            _store_list(holder, key, [e for e in elements if not any(e is h for h in hits)])
            return
        for element in hits:
            element.pop(_key(element, path.sub.name) or path.sub.name, None)
        _store_list(holder, key, [e for e in elements if e])


def check_removable(path: PatchPath) -> None:
    """RFC 7644 §3.5.2.2: removing a required attribute (or an extension holding one) is
    refused with ``mutability``; removing elements or sub-attributes of one is not.

    Raises Mutability.
    """
    if path.value_filter is not None or path.sub is not None:
        return
    if path.whole_extension:
        held = [a.name for a in path.schema.attributes if a.required]
        if held:
            raise Mutability(
                f"'{path.label}' cannot be removed: it holds required {', '.join(held)}."
            )
    elif path.attribute.required:
        raise Mutability(f"'{path.label}' is required and cannot be removed; replace it instead.")


def _key(holder: dict[str, Any], name: str) -> str | None:
    folded = name.casefold()
    return next((k for k in holder if k.casefold() == folded), None)


def _put(element: dict[str, Any], name: str, value: Any) -> None:
    existing = _key(element, name)
    if existing is not None:
        del element[existing]
    if value is not None:
        element[name] = value


def _store_list(holder: dict[str, Any], key: str, values: list[Any]) -> None:
    if values:
        holder[key] = values
    else:
        del holder[key]


def _remove_sub(holder: dict[str, Any], key: str, sub: str) -> None:
    current = holder[key]
    targets = current if isinstance(current, list) else [current]
    for element in targets:
        if isinstance(element, dict):
            element.pop(_key(element, sub) or sub, None)
    if isinstance(current, list):
        _store_list(holder, key, [e for e in current if e])
    elif not current:
        del holder[key]


def _equalities(node: Node | None) -> dict[str, Any] | None:
    """The sub-attribute values an ``eq``-only filter pins down, or None for any other filter."""
    items = node.items if isinstance(node, And) else (node,)
    seed: dict[str, Any] = {}
    for item in items:
        if not (isinstance(item, Compare) and item.op == "eq" and item.ref.sub is not None):
            return None
        seed[item.ref.sub.name] = item.value
    return seed


def _single(attribute: Attribute) -> Attribute:
    return replace(attribute, multi_valued=False)
