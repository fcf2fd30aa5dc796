"""``attributes`` and ``excludedAttributes`` (RFC 7644 §3.4.2.5, §3.9) honouring ``returned``.

``returned`` (RFC 7643 §7): ``always`` attributes (and ``schemas``) are kept whatever is asked,
``never`` ones are always dropped, ``request`` ones only appear when named in ``attributes``.
Paths are case-insensitive and may be URN-qualified or name a sub-attribute. When both lists
are given, ``attributes`` decides, as RFC 7644 §3.9 treats them as alternatives. Unknown paths
select nothing rather than fail, so a client asking for an attribute this server lacks still
gets the resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from gateway.scim.schema_model import Attribute, ResourceType, Schema

# (schema URN, attribute name) -> None for the whole attribute, else the named sub-attributes.
Selection = dict[tuple[str, str], set[str] | None]


def split_attribute_list(raw: str | Sequence[str] | None) -> list[str]:
    """The paths of an ``attributes``/``excludedAttributes`` parameter (comma-separated)."""
    if raw is None:
        return []
    parts: Iterable[str] = raw.split(",") if isinstance(raw, str) else raw
    return [part.strip() for part in parts if part and part.strip()]


def project(
    resource: dict[str, Any],
    resource_type: ResourceType,
    *,
    attributes: Sequence[str] = (),
    excluded: Sequence[str] = (),
) -> dict[str, Any]:
    """The representation of ``resource`` to return; the input is not modified."""
    if not attributes and not excluded:
        return _default_view(resource, resource_type)
    return general_view(resource, resource_type, attributes, excluded)


def general_view(
    resource: dict[str, Any],
    resource_type: ResourceType,
    attributes: Sequence[str],
    excluded: Sequence[str],
) -> dict[str, Any]:
    """``project`` resolving every key against the schema (any lists, any spelling)."""
    chosen = _selection(attributes, resource_type)
    dropped = _selection(excluded, resource_type) if not attributes else {}
    out: dict[str, Any] = {}
    for key, value in resource.items():
        if key == "schemas":
            out[key] = list(value)
        else:
            _project_top(out, key, value, resource_type, chosen, dropped, attributes)
    if "schemas" in out and (attributes or excluded):
        out["schemas"] = [u for u in out["schemas"] if u == resource_type.core.id or u in out]
    return out


def _project_top(
    out: dict[str, Any],
    key: str,
    value: Any,
    resource_type: ResourceType,
    chosen: Selection,
    dropped: Selection,
    attributes: Sequence[str],
) -> None:
    """A top-level key: an extension object, or a core attribute."""
    extension = resource_type.schema_by_urn(key)
    if extension is not None and extension is not resource_type.core:
        kept = _project_object(value, extension, resource_type, chosen, dropped, attributes)
        if kept:
            out[extension.id] = kept
        return
    _project_member(out, key, value, resource_type.core, resource_type, chosen, dropped, attributes)


def _default_view(resource: dict[str, Any], resource_type: ResourceType) -> dict[str, Any]:
    """``project`` with neither list, the same result as the general path: names spelt as the
    schema spells them are decided from a table made once per resource type; any other key
    goes through the general path."""
    names = _names(resource_type)
    out: dict[str, Any] = {}
    for key, value in resource.items():
        if key == "schemas":
            out[key] = list(value)
        elif key in names.extensions:
            if not isinstance(value, dict):
                continue
            schema, shown, hidden = names.extensions[key]
            kept: dict[str, Any] = {}
            for sub_key, item in value.items():
                _default_member(kept, sub_key, item, shown, hidden, schema, resource_type)
            if kept:
                out[key] = kept
        else:
            _default_member(out, key, value, names.shown, names.hidden, None, resource_type)
    return out


def _default_member(
    out: dict[str, Any],
    key: str,
    value: Any,
    shown: frozenset[str],
    hidden: frozenset[str],
    schema: Schema | None,
    resource_type: ResourceType,
) -> None:
    if key in shown:
        if value not in ({}, []):
            out[key] = value
    elif key in hidden:
        return
    elif schema is None:
        _project_top(out, key, value, resource_type, {}, {}, ())
    else:
        _project_member(out, key, value, schema, resource_type, {}, {}, ())


class _Names:
    """A resource type's attribute names as spelt, split by whether a default view shows them."""

    def __init__(self, resource_type: ResourceType) -> None:
        def split(attributes: Iterable[Attribute]) -> tuple[frozenset[str], frozenset[str]]:
            listed = list(attributes)
            hidden = frozenset(a.name for a in listed if a.returned in ("never", "request"))
            return frozenset(a.name for a in listed) - hidden, hidden

        self.resource_type = resource_type
        self.shown, self.hidden = split((*resource_type.core.attributes, *resource_type.common))
        self.extensions = {
            schema.id: (schema, *split(schema.attributes)) for schema, _ in resource_type.extensions
        }


_NAMES: dict[int, _Names] = {}


def _names(resource_type: ResourceType) -> _Names:
    found = _NAMES.get(id(resource_type))
    if found is None or found.resource_type is not resource_type:
        found = _NAMES[id(resource_type)] = _Names(resource_type)
    return found


def _project_object(
    value: Any,
    schema: Schema,
    resource_type: ResourceType,
    chosen: Selection,
    dropped: Selection,
    attributes: Sequence[str],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            _project_member(out, key, item, schema, resource_type, chosen, dropped, attributes)
    return out


def _project_member(
    out: dict[str, Any],
    key: str,
    value: Any,
    schema: Schema,
    resource_type: ResourceType,
    chosen: Selection,
    dropped: Selection,
    attributes: Sequence[str],
) -> None:
    """Copy ``key`` into ``out`` as far as ``returned`` and the two lists allow."""
    ref = resource_type.resolve_parts(schema.id, key, None)
    if ref is None:
        if not attributes:
            out[key] = value
        return
    attribute = ref.attribute
    slot = (schema.id, attribute.name)
    if attribute.returned == "never":
        return
    if attribute.returned == "always":
        out[key] = value
    elif attributes:
        if slot in chosen:
            subs = chosen[slot]
            out[key] = value if subs is None else _only_subs(value, attribute, subs, keep=True)
    elif attribute.returned != "request" and (slot not in dropped or dropped[slot] is not None):
        subs = dropped.get(slot)
        out[key] = value if subs is None else _only_subs(value, attribute, subs, keep=False)
    if key in out and out[key] in ({}, []):
        del out[key]


def _only_subs(value: Any, attribute: Attribute, subs: set[str], *, keep: bool) -> Any:
    """Keep (or drop) the named sub-attributes of a complex value or of each of its values."""

    def one(element: Any) -> Any:
        if not isinstance(element, dict):
            return element
        picked = {}
        for name, item in element.items():
            sub = attribute.sub(name)
            if sub is not None and sub.returned == "never":
                continue
            always = sub is not None and sub.returned == "always"
            named = sub is not None and sub.name in subs
            if always or named == keep:
                picked[name] = item
        return picked

    if isinstance(value, list):
        return [item for item in (one(v) for v in value) if item]
    return one(value)


def _selection(paths: Sequence[str], resource_type: ResourceType) -> Selection:
    selection: Selection = {}
    for path in paths:
        whole = resource_type.schema_by_urn(path)
        if whole is not None and whole is not resource_type.core:
            for attribute in whole.attributes:
                selection[(whole.id, attribute.name)] = None
            continue
        ref = resource_type.resolve(path)
        if ref is None:
            continue
        slot = (ref.schema.id, ref.attribute.name)
        if ref.sub is None:
            selection[slot] = None
        elif slot not in selection or selection[slot] is not None:
            named = selection.get(slot) or set()
            selection[slot] = named | {ref.sub.name}
    return selection
