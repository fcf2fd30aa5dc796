"""PATCH paths (RFC 7644 §3.5.2: ``PATH = attrPath / valuePath [subAttr]``) resolved to targets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.scim.errors import InvalidFilter, InvalidPath
from gateway.scim.filters import Node, parse_value_filter
from gateway.scim.schema_model import Attribute, AttrRef, ResourceType, Schema

_PATH = re.compile(
    r"(?P<name>[A-Za-z$][\w$-]*)(?:\[(?P<filter>.*)\])?(?:\.(?P<sub>[A-Za-z$][\w$-]*))?",
    re.DOTALL,
)


@dataclass(frozen=True)
class PatchPath:
    """Where an operation applies: ``key`` in the core body or in an extension object."""

    schema: Schema
    core: bool
    attribute: Attribute
    sub: Attribute | None = None
    value_filter: Node | None = None

    @property
    def whole_extension(self) -> bool:
        """The path names an extension schema itself (its whole object)."""
        return self.attribute.name == self.schema.id

    @property
    def label(self) -> str:
        """The path as a person would write it, for messages."""
        name = self.attribute.name
        base = name if self.core or self.whole_extension else f"{self.schema.id}:{name}"
        base += "[...]" if self.value_filter is not None else ""
        return f"{base}.{self.sub.name}" if self.sub else base


def parse_patch_path(text: str, resource: ResourceType, *, allow_filter: bool = True) -> PatchPath:
    """Resolve a PATCH ``path`` against ``resource`` (case-insensitive, URN-qualified or not).

    Raises InvalidPath when it is malformed or names no attribute, including a bad value filter.
    """
    schema, rest = resource.split_urn(text.strip())
    if schema is None and resource.schema_by_urn(text.strip()) is not None:
        schema, rest = resource.schema_by_urn(text.strip()), ""
    if schema is not None and schema is not resource.core and not rest:
        return PatchPath(schema, False, extension_attribute(schema))
    match = _PATH.fullmatch(rest)
    if match is None:
        raise InvalidPath(f"'{text}' is not a valid PATCH path.")
    ref = resource.resolve_parts(schema.id if schema else None, match["name"], None)
    if ref is None:
        raise InvalidPath(f"'{text}' names no attribute of {resource.name}.")
    sub = _sub(ref, match["sub"], text)
    if match["filter"] is None:
        return PatchPath(ref.schema, ref.core, ref.attribute, sub)
    if not allow_filter:
        raise InvalidPath(f"'{text}' cannot carry a value filter here.")
    if not (ref.attribute.is_complex and ref.attribute.multi_valued):
        raise InvalidPath(f"'{ref.name}' is not multi-valued, so '[...]' cannot select values.")
    try:
        node = parse_value_filter(match["filter"], resource, ref)
    except InvalidFilter as exc:
        raise InvalidPath(f"The value filter in '{text}' is invalid: {exc.message}") from exc
    return PatchPath(ref.schema, ref.core, ref.attribute, sub, node)


def extension_attribute(schema: Schema) -> Attribute:
    """A complex attribute standing for a whole extension object (``{urn: {...}}``)."""
    return Attribute(schema.id, "complex", sub_attributes=schema.attributes)


def _sub(ref: AttrRef, name: str | None, text: str) -> Attribute | None:
    if name is None:
        return None
    sub = ref.attribute.sub(name)
    if sub is None:
        raise InvalidPath(f"'{text}': '{name}' is not a sub-attribute of '{ref.name}'.")
    return sub
