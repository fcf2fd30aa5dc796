"""Check an incoming User or Group body against its schema (RFC 7643 §2, §4) and normalise it.

Names come back in their canonical spelling, extension attributes under their schema URN,
readOnly attributes dropped (RFC 7643 §2.2: ignored on input), nulls removed (unassigned).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from gateway.scim.errors import InvalidSyntax, InvalidValue
from gateway.scim.profiles import ClientProfile, Leniency
from gateway.scim.schema_model import Attribute, ResourceType, Schema


@dataclass(frozen=True)
class Validated:
    """A normalised resource body and the client quirks it needed."""

    resource: dict[str, Any]
    quirks: tuple[str, ...]


def validate_resource(
    body: Any, resource: ResourceType, *, profile: ClientProfile = "compatible"
) -> Validated:
    """Validate a POST/PUT body for ``resource`` and return it normalised.

    Raises InvalidSyntax when the body is not a JSON object, InvalidValue for a wrong type,
    a missing required attribute, a value outside enforced canonical values, or (strict
    profile) an unknown attribute or schema.
    """
    if not isinstance(body, dict):
        raise InvalidSyntax("The request body must be a JSON object.")
    leniency = Leniency(profile)
    out: dict[str, Any] = {"schemas": _schemas(body, resource, leniency)}
    for key, value in body.items():
        if key.casefold() == "schemas":
            continue
        _place(out, key, value, resource, leniency)
    _sync_extension_urns(out, resource, leniency)
    check_required(out, resource)
    return Validated(out, tuple(leniency.quirks))


def check_required(data: dict[str, Any], resource: ResourceType) -> None:
    """Refuse a resource lacking a required attribute (``userName``, Group ``displayName``).

    Required attributes with a server default (``userType``, ``active``, ``loginType``) may be
    left out: a create gives them the default, a replace keeps their value.
    Raises InvalidValue naming the attribute.
    """
    for schema in resource.schemas:
        holder = data if schema is resource.core else data.get(schema.id, {})
        for attribute in schema.attributes:
            if attribute.server_default is not None:
                continue
            if attribute.required and holder.get(attribute.name) in (None, "", []):
                raise InvalidValue(f"'{attribute.name}' is required for a {resource.name}.")


def coerce(attribute: Attribute, value: Any, leniency: Leniency, where: str) -> Any:
    """``value`` checked and normalised for ``attribute``; None means unassigned.

    Raises InvalidValue when the value cannot be of the attribute's type.
    """
    if value is None:
        return None
    if attribute.multi_valued:
        return _coerce_multi(attribute, value, leniency, where)
    if isinstance(value, list):
        raise InvalidValue(f"'{where}' takes a single value, not a list.")
    if attribute.is_complex:
        return _coerce_complex(attribute, value, leniency, where)
    return _coerce_simple(attribute, value, leniency, where)


def _schemas(body: dict[str, Any], resource: ResourceType, leniency: Leniency) -> list[str]:
    raw = next((v for k, v in body.items() if k.casefold() == "schemas"), None)
    if raw is None:
        leniency.tolerate(
            "missing_schemas", InvalidValue(f"'schemas' must list '{resource.core.id}'.")
        )
        return [resource.core.id]
    if not isinstance(raw, list) or not all(isinstance(u, str) for u in raw):
        raise InvalidValue("'schemas' must be a list of schema URNs.")
    known = [resource.schema_by_urn(u) for u in raw]
    if any(schema is None for schema in known):
        unknown = [u for u, s in zip(raw, known, strict=True) if s is None]
        leniency.tolerate("unknown_schema", InvalidValue(f"Unknown schemas: {unknown}."))
    urns = list(dict.fromkeys(s.id for s in known if s is not None))
    if resource.core.id not in urns:
        raise InvalidValue(f"'schemas' must list '{resource.core.id}'.")
    return urns


def _place(
    out: dict[str, Any], key: str, value: Any, resource: ResourceType, leniency: Leniency
) -> None:
    """Put one body member where it belongs in ``out``, checked."""
    extension = resource.schema_by_urn(key)
    if extension is not None and extension is not resource.core:
        if not isinstance(value, dict):
            raise InvalidValue(f"'{extension.id}' must be an object.")
        for sub_key, sub_value in value.items():
            _set(out, extension, resource, sub_key, sub_value, leniency)
        return
    schema, rest = resource.split_urn(key)
    if schema is not None:
        if schema is not resource.core:
            leniency.tolerate(
                "urn_qualified_key",
                InvalidValue(f"'{key}' must be given inside the '{schema.id}' object."),
            )
        _set(out, schema, resource, rest, value, leniency)
        return
    _set(out, resource.core, resource, key, value, leniency)


def _set(
    out: dict[str, Any],
    schema: Schema,
    resource: ResourceType,
    name: str,
    value: Any,
    leniency: Leniency,
) -> None:
    ref = resource.resolve_parts(schema.id, name, None)
    if ref is None:
        leniency.tolerate(
            "unknown_attribute",
            InvalidValue(f"'{name}' is not an attribute of {schema.name} ({schema.id})."),
        )
        return
    attribute = ref.attribute
    if attribute.mutability == "readOnly":
        return
    coerced = coerce(attribute, value, leniency, ref.qualified)
    holder = out if ref.core else out.setdefault(schema.id, {})
    if coerced is None:
        holder.pop(attribute.name, None)
    else:
        holder[attribute.name] = coerced


def _sync_extension_urns(out: dict[str, Any], resource: ResourceType, leniency: Leniency) -> None:
    for urn in resource.extension_urns():
        if out.get(urn) == {}:
            del out[urn]
        if urn in out and urn not in out["schemas"]:
            leniency.tolerate(
                "extension_not_in_schemas", InvalidValue(f"'schemas' must list '{urn}'.")
            )
            out["schemas"].append(urn)


def _coerce_multi(attribute: Attribute, value: Any, leniency: Leniency, where: str) -> Any:
    if not isinstance(value, list):
        leniency.tolerate(
            "single_value_for_multi_valued", InvalidValue(f"'{where}' must be a list.")
        )
        value = [value]
    single = replace(attribute, multi_valued=False)
    items = [coerce(single, item, leniency, where) for item in value]
    items = [item for item in items if item is not None]
    primaries = [
        i for i, item in enumerate(items) if isinstance(item, dict) and item.get("primary")
    ]
    if len(primaries) > 1:
        leniency.tolerate(
            "multiple_primary",
            InvalidValue(f"At most one value of '{where}' may be primary (RFC 7643 §2.4)."),
        )
        for index in primaries[1:]:
            items[index]["primary"] = False
    return items or None


def _coerce_complex(attribute: Attribute, value: Any, leniency: Leniency, where: str) -> Any:
    if isinstance(value, str) and attribute.name == "manager":
        leniency.tolerate(
            "manager_bare_string",
            InvalidValue(f'\'{where}\' must be an object such as {{"value": "<id>"}}.'),
        )
        value = {"value": value}
    if not isinstance(value, dict):
        raise InvalidValue(f"'{where}' must be an object.")
    out: dict[str, Any] = {}
    for key, sub_value in value.items():
        sub = attribute.sub(key)
        if sub is None:
            leniency.tolerate(
                "unknown_attribute", InvalidValue(f"'{key}' is not a sub-attribute of '{where}'.")
            )
            continue
        if sub.mutability == "readOnly":
            continue
        coerced = coerce(sub, sub_value, leniency, f"{where}.{sub.name}")
        if coerced is not None:
            out[sub.name] = coerced
    return out or None


def _coerce_simple(attribute: Attribute, value: Any, leniency: Leniency, where: str) -> Any:
    kind = attribute.type
    if kind == "boolean":
        return _coerce_boolean(value, leniency, where)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValue(f"'{where}' must be an integer.")
        return value
    if kind == "decimal":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidValue(f"'{where}' must be a number.")
        return value
    if not isinstance(value, str):
        raise InvalidValue(f"'{where}' must be a string.")
    if kind == "dateTime":
        try:
            datetime.fromisoformat(value)
        except ValueError as exc:
            raise InvalidValue(f"'{where}' must be an ISO 8601 date-time.") from exc
    if attribute.enforce_canonical:
        canonical = attribute.canonical(value)
        if canonical is None:
            allowed = ", ".join(attribute.canonical_values)
            raise InvalidValue(f"'{where}' must be one of: {allowed} (got {value!r}).")
        return canonical
    return value


def _coerce_boolean(value: Any, leniency: Leniency, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.casefold() in {"true", "false"}:
        leniency.tolerate(
            "boolean_as_string", InvalidValue(f"'{where}' must be true or false, not {value!r}.")
        )
        return value.casefold() == "true"
    raise InvalidValue(f"'{where}' must be true or false.")
