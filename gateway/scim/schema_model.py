"""The shape of SCIM schemas (RFC 7643 §2, §7) and case-insensitive attribute path lookup."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AttrType = Literal[
    "string", "boolean", "decimal", "integer", "dateTime", "reference", "binary", "complex"
]
Mutability = Literal["readOnly", "readWrite", "immutable", "writeOnly"]
Returned = Literal["always", "never", "default", "request"]
Uniqueness = Literal["none", "server", "global"]


@dataclass(frozen=True)
class Attribute:
    """One attribute definition with the RFC 7643 §7 characteristics."""

    name: str
    type: AttrType = "string"
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: Mutability = "readWrite"
    returned: Returned = "default"
    uniqueness: Uniqueness = "none"
    sub_attributes: tuple[Attribute, ...] = field(default=(), repr=False)
    canonical_values: tuple[str, ...] = ()
    # RFC 7643 says canonical values are advisory; a few of ours are enforced (e.g. userType).
    enforce_canonical: bool = False
    reference_types: tuple[str, ...] = ()
    description: str = ""
    # A required attribute the server gives a value when a create leaves it out (and keeps as
    # it is when a replace leaves it out): it always has a value, so it cannot be removed.
    server_default: str | bool | None = None

    @property
    def is_complex(self) -> bool:
        """Whether the attribute has sub-attributes."""
        return self.type == "complex"

    def sub(self, name: str) -> Attribute | None:
        """The sub-attribute called ``name`` (case-insensitive), or None."""
        return _find(self.sub_attributes, name)

    def canonical(self, value: str) -> str | None:
        """The canonical value matching ``value`` case-insensitively, or None."""
        folded = value.casefold()
        return next((c for c in self.canonical_values if c.casefold() == folded), None)


@dataclass(frozen=True)
class Schema:
    """A schema (core or extension) identified by its URN."""

    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...] = field(repr=False)

    def attribute(self, name: str) -> Attribute | None:
        """The top-level attribute called ``name`` (case-insensitive), or None."""
        return _find(self.attributes, name)


@dataclass(frozen=True)
class AttrRef:
    """An attribute path resolved against a resource type (RFC 7644 §3.10)."""

    schema: Schema
    attribute: Attribute
    sub: Attribute | None = None
    core: bool = True

    def __repr__(self) -> str:
        return f"AttrRef({self.qualified!r})"

    @property
    def leaf(self) -> Attribute:
        """The attribute the path ends on."""
        return self.sub if self.sub is not None else self.attribute

    @property
    def name(self) -> str:
        """The canonical dotted name, without URN (``name.givenName``)."""
        if self.sub is None:
            return self.attribute.name
        return f"{self.attribute.name}.{self.sub.name}"

    @property
    def qualified(self) -> str:
        """The canonical name, URN-qualified for extension attributes."""
        return self.name if self.core else f"{self.schema.id}:{self.name}"


@dataclass(frozen=True)
class ResourceType:
    """A resource type (RFC 7643 §6): its endpoint, core schema and extensions."""

    name: str
    endpoint: str
    description: str
    core: Schema
    common: tuple[Attribute, ...]
    extensions: tuple[tuple[Schema, bool], ...] = field(default=())
    # Path lookups are made for every key of every resource rendered: remembered here, for
    # the schema's own (finitely many) names only, so client-chosen names cannot grow it.
    _refs: dict[tuple[str | None, str, str | None], AttrRef] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )
    _urns: dict[str, Schema] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )

    @property
    def schemas(self) -> tuple[Schema, ...]:
        """The core schema followed by the extension schemas."""
        return (self.core, *(schema for schema, _ in self.extensions))

    def schema_by_urn(self, urn: str) -> Schema | None:
        """The core or extension schema with this URN (case-insensitive), or None."""
        known = self._urns.get(urn)
        if known is not None:
            return known
        folded = urn.casefold()
        found = next((s for s in self.schemas if s.id.casefold() == folded), None)
        if found is not None and urn == found.id:
            self._urns[urn] = found
        return found

    def extension_urns(self) -> tuple[str, ...]:
        """The URNs of the extension schemas."""
        return tuple(schema.id for schema, _ in self.extensions)

    def split_urn(self, path: str) -> tuple[Schema | None, str]:
        """Split a URN-qualified path into (schema, rest); (None, path) when unqualified."""
        folded = path.casefold()
        for schema in sorted(self.schemas, key=lambda s: -len(s.id)):
            prefix = schema.id.casefold() + ":"
            if folded.startswith(prefix):
                return schema, path[len(prefix) :]
        return None, path

    def resolve_parts(self, urn: str | None, name: str, sub: str | None) -> AttrRef | None:
        """Resolve ``[urn:]name[.sub]`` case-insensitively; None when unknown."""
        known = self._refs.get((urn, name, sub))
        if known is not None:
            return known
        found = self._resolve_parts(urn, name, sub)
        if found is not None and _canonical(found, urn, name, sub):
            self._refs[(urn, name, sub)] = found
        return found

    def _resolve_parts(self, urn: str | None, name: str, sub: str | None) -> AttrRef | None:
        schema = self.core if urn is None else self.schema_by_urn(urn)
        if schema is None:
            return None
        attribute = schema.attribute(name)
        if attribute is None and schema is self.core:
            attribute = _find(self.common, name)
        if attribute is None:
            return None
        is_core = schema is self.core
        if sub is None:
            return AttrRef(schema, attribute, None, is_core)
        sub_attribute = attribute.sub(sub)
        if sub_attribute is None:
            return None
        return AttrRef(schema, attribute, sub_attribute, is_core)

    def resolve(self, path: str) -> AttrRef | None:
        """Resolve a textual ``[urn:]attr[.sub]`` path; None when it names nothing."""
        schema, rest = self.split_urn(path)
        if not rest:
            return None
        name, _, sub = rest.partition(".")
        return self.resolve_parts(schema.id if schema else None, name, sub or None)


def _canonical(ref: AttrRef, urn: str | None, name: str, sub: str | None) -> bool:
    """Whether the path was spelt exactly as the schema spells it (the only ones remembered)."""
    return (
        (urn is None or urn == ref.schema.id)
        and name == ref.attribute.name
        and (sub is None or (ref.sub is not None and sub == ref.sub.name))
    )


def _find(attributes: tuple[Attribute, ...], name: str) -> Attribute | None:
    folded = name.casefold()
    return next((a for a in attributes if a.name.casefold() == folded), None)
