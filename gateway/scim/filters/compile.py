"""Compile SCIM filters (RFC 7644 §3.4.2.2) and sort orders (§3.4.2.3) to SQLAlchemy Core.

Every value travels as a bound parameter; every path is checked against the schema first, so an
unknown attribute is a 400 ``invalidFilter`` and never a silently wider query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from gateway.scim.errors import InvalidFilter, InvalidValue
from gateway.scim.filters.columns import (
    GROUP_MAP,
    USER_MAP,
    ActiveFlag,
    Alone,
    Constant,
    Listed,
    Location,
    Related,
    Stored,
    TableMap,
)
from gateway.scim.filters.evaluate import compare_values
from gateway.scim.filters.syntax import (
    And,
    Compare,
    Node,
    Not,
    Or,
    Present,
    ValuePath,
    parse_filter,
)
from gateway.scim.schema_model import AttrRef, ResourceType
from gateway.scim.schemas import GROUP, USER

ResourceName = Literal["User", "Group"]
_STRINGS = frozenset({"string", "reference", "binary"})


@dataclass(frozen=True)
class FilterProfile:
    """Which filters a client profile may use; ``allowed`` None means the whole RFC grammar."""

    name: str
    allowed: dict[str, frozenset[str]] | None = None
    message: str = ""

    def check(self, node: Node, resource: ResourceType) -> None:
        """Refuse a filter outside the profile's allowance.

        Raises InvalidFilter with the profile's message.
        """
        if self.allowed is None:
            return
        permitted = self.allowed.get(resource.name, frozenset())
        if (
            isinstance(node, Compare)
            and node.op == "eq"
            and node.value is not None
            and node.ref.qualified.casefold() in permitted
        ):
            return
        raise InvalidFilter(self.message.format(resource=resource.name))


RFC_FILTERS = FilterProfile("rfc")


def filter_profile_for(client_profile: str) -> FilterProfile:
    """The filter restrictions of a client profile: none today (Zoom's filter grammar is
    checked at the edge of its dialect, ``gateway/zoom_scim/filters.py``)."""
    return RFC_FILTERS


def compile_user_filter(text: str, profile: FilterProfile = RFC_FILTERS) -> ColumnElement[bool]:
    """A WHERE clause over ``users`` for a SCIM filter.

    Raises InvalidFilter for invalid syntax, unknown or unfilterable attributes, or operators
    that do not apply.
    """
    return compile_filter(text, USER, USER_MAP, profile)


def user_filter(
    text: str, profile: FilterProfile = RFC_FILTERS
) -> tuple[str, None] | tuple[None, ColumnElement[bool]]:
    """A SCIM filter on Users as ``(key, None)`` when it is exactly ``userName eq "<string>"``
    (``key`` is the value lower-cased, as the unique userName index holds it: the store looks
    it up with one prebuilt statement), else ``(None, where)`` as ``compile_user_filter``.

    Raises InvalidFilter as ``compile_user_filter`` does.
    """
    node = checked_filter(text, USER, profile)
    if isinstance(node, Compare) and node.op == "eq" and isinstance(node.value, str):
        ref = node.ref
        if ref.core and ref.sub is None and ref.attribute.name == "userName":
            return node.value.lower(), None
    return None, _Compiler(USER_MAP).node(node, None)


def compile_group_filter(text: str, profile: FilterProfile = RFC_FILTERS) -> ColumnElement[bool]:
    """A WHERE clause over ``groups`` for a SCIM filter.

    Raises InvalidFilter as ``compile_user_filter`` does.
    """
    return compile_filter(text, GROUP, GROUP_MAP, profile)


def compile_filter(
    text: str, resource: ResourceType, table_map: TableMap, profile: FilterProfile
) -> ColumnElement[bool]:
    """Parse, check and compile ``text`` for ``resource`` stored as ``table_map``.

    Raises InvalidFilter.
    """
    return _Compiler(table_map).node(checked_filter(text, resource, profile), None)


def checked_filter(text: str, resource: ResourceType, profile: FilterProfile) -> Node:
    """``text`` parsed for ``resource`` and checked against the client's filter profile.

    Raises InvalidFilter.
    """
    node = parse_filter(text, resource)
    profile.check(node, resource)
    return node


Scope = Related | Alone


class _Compiler:
    def __init__(self, table_map: TableMap) -> None:
        self.table_map = table_map

    def node(self, node: Node, scope: Scope | None) -> ColumnElement[bool]:
        if isinstance(node, And):
            return sa.and_(*(self.node(item, scope) for item in node.items))
        if isinstance(node, Or):
            return sa.or_(*(self.node(item, scope) for item in node.items))
        if isinstance(node, Not):
            return sa.not_(self.node(node.inner, scope))
        if isinstance(node, ValuePath):
            where = self.locate_parent(node.ref)
            if isinstance(where, Related | Listed):
                inner = node.inner
                return _any_value(where, lambda within: self.node(inner, within))
            return self.node(node.inner, None)
        return self.leaf(node, scope)

    def leaf(self, node: Compare | Present, scope: Scope | None) -> ColumnElement[bool]:
        ref = node.ref
        if scope is None:
            parent = self.table_map.locate(_parent_key(ref))
            if isinstance(parent, Related | Listed):
                return _any_value(parent, lambda within: self.leaf(node, within))
        if isinstance(node, Present) and ref.sub is None and ref.attribute.is_complex:
            # Inside EXISTS, the related row itself is the present value.
            return sa.true() if scope is not None else self.present_complex(ref)
        location = self.locate(ref, scope)
        if isinstance(node, Present):
            return _present(location, ref)
        return _compare(location, node)

    def locate_parent(self, ref: AttrRef) -> Location | Related | Listed | None:
        return self.table_map.locate(_parent_key(ref))

    def locate(self, ref: AttrRef, scope: Scope | None) -> Location:
        if scope is not None and ref.sub is not None:
            found: Location | Related | Listed | None = scope.members.get(ref.sub.name.casefold())
        else:
            found = self.table_map.locate(ref.qualified)
        if found is None or isinstance(found, Related | Listed):
            raise InvalidFilter(f"'{ref.qualified}' cannot be used in filters on this server.")
        return found

    def present_complex(self, ref: AttrRef) -> ColumnElement[bool]:
        """``name pr``: any stored sub-attribute present (RFC 7644 §3.4.2.2 ``pr``)."""
        parts = []
        for sub in ref.attribute.sub_attributes:
            sub_ref = AttrRef(ref.schema, ref.attribute, sub, ref.core)
            found = self.table_map.locate(sub_ref.qualified)
            if isinstance(found, Stored):
                parts.append(_present(found, sub_ref))
        if not parts:
            raise InvalidFilter(f"'{ref.qualified}' cannot be used in filters on this server.")
        return sa.or_(*parts)


def _any_value(
    where: Related | Listed, build: Callable[[Scope], ColumnElement[bool]]
) -> ColumnElement[bool]:
    """Whether any value of a multi-valued attribute satisfies ``build`` (one value at a time).

    A listed attribute tests each element of its list; ``emails`` without a list, the one value
    the user shows instead (its sign-in email).
    """
    if isinstance(where, Related):
        return _exists(where, build(where))
    listed = _exists(where.elements, build(where.elements))
    if where.alone is None:
        return listed
    return sa.or_(listed, sa.and_(where.alone.when, build(where.alone)))


def _parent_key(ref: AttrRef) -> str:
    name = ref.attribute.name
    return name if ref.core else f"{ref.schema.id}:{name}"


def _exists(related: Related, inner: ColumnElement[bool]) -> ColumnElement[bool]:
    return sa.exists(sa.select(sa.literal(1)).select_from(related.source)).where(
        related.correlate, inner
    )


def _present(location: Location, ref: AttrRef) -> ColumnElement[bool]:
    if isinstance(location, Constant):
        return sa.true() if location.value is not None else sa.false()
    if isinstance(location, ActiveFlag):
        return sa.true()
    column = location.column
    if ref.leaf.type in _STRINGS:
        return sa.and_(column.is_not(None), column != "")
    return column.is_not(None)


def _compare(location: Location, node: Compare) -> ColumnElement[bool]:
    if isinstance(location, Constant):
        return sa.true() if compare_values(node, location.value) else sa.false()
    if isinstance(location, ActiveFlag):
        return _compare_active(location, node)
    if node.value is None:
        column = location.column
        return column.is_(None) if node.op == "eq" else column.is_not(None)
    return _compare_stored(location, node)


def _compare_active(flag: ActiveFlag, node: Compare) -> ColumnElement[bool]:
    if node.value is None:
        return sa.false() if node.op == "eq" else sa.true()
    wanted = bool(node.value) == (node.op == "eq")
    return flag.column == "active" if wanted else flag.column != "active"


def _compare_stored(stored: Stored, node: Compare) -> ColumnElement[bool]:
    """``column op :value``, folding case when the attribute is not caseExact.

    Raises InvalidFilter for substring or ordering operators on a value-mapped column.
    """
    attribute, op, value = node.ref.leaf, node.op, node.value
    column: ColumnElement[Any] = stored.column
    folds = isinstance(value, str) and not attribute.case_exact
    if stored.to_db is not None and isinstance(value, str):
        if op not in {"eq", "ne"}:
            raise InvalidFilter(f"'{node.ref.qualified}' supports only eq, ne and pr.")
        canonical = attribute.canonical(value)
        value = stored.to_db.get(canonical, value) if canonical else value
    if op in {"co", "sw", "ew"}:
        assert isinstance(value, str)
        return _like(stored, op, value, folds)
    param: Any = value
    if folds and stored.lowered:
        param = str(value).lower()
    elif folds:
        column, param = sa.func.lower(column), sa.func.lower(sa.literal(value))
    if op == "ne":
        differs = column != param
        return sa.or_(stored.column.is_(None), differs) if stored.nullable else differs
    result = _ORDERING[op](column, param)
    return sa.and_(stored.column.is_not(None), result) if stored.nullable else result


_ORDERING: dict[str, Any] = {
    "eq": lambda c, p: c == p,
    "gt": lambda c, p: c > p,
    "ge": lambda c, p: c >= p,
    "lt": lambda c, p: c < p,
    "le": lambda c, p: c <= p,
}


def _like(stored: Stored, op: str, value: str, folds: bool) -> ColumnElement[bool]:
    """co/sw/ew as LIKE with ``%``, ``_`` and the escape character escaped (ESCAPE '/')."""
    column = stored.column
    if folds and stored.lowered:
        value = value.lower()
        folds = False
    if op == "co":
        result = (
            column.icontains(value, autoescape=True)
            if folds
            else column.contains(value, autoescape=True)
        )
    elif op == "sw":
        result = (
            column.istartswith(value, autoescape=True)
            if folds
            else column.startswith(value, autoescape=True)
        )
    else:
        result = (
            column.iendswith(value, autoescape=True)
            if folds
            else column.endswith(value, autoescape=True)
        )
    return sa.and_(column.is_not(None), result) if stored.nullable else result


def sort_expression(
    sort_by: str | None, sort_order: str | None, resource: ResourceName
) -> list[ColumnElement[Any]]:
    """ORDER BY expressions for ``sortBy``/``sortOrder`` (RFC 7644 §3.4.2.3), ``id`` last.

    Nulls sort last when ascending. A ``sortBy`` naming no sortable attribute, or a
    ``sortOrder`` other than ascending/descending, raises InvalidValue (400 ``invalidValue``):
    the RFC leaves the error open, and refusing is more useful than a silently unsorted page.
    """
    resource_type, table_map = (USER, USER_MAP) if resource == "User" else (GROUP, GROUP_MAP)
    order = (sort_order or "ascending").casefold()
    if order not in {"ascending", "descending"}:
        raise InvalidValue(f"'sortOrder' must be 'ascending' or 'descending', not {sort_order!r}.")
    tie_breaker = table_map.table.c.id
    if not sort_by:
        return [tie_breaker.asc()]
    key = _sort_key(sort_by, resource_type, table_map)
    is_null = sa.case((key.is_(None), 1), else_=0)
    if order == "descending":
        return [is_null.desc(), key.desc(), tie_breaker.asc()]
    return [is_null.asc(), key.asc(), tie_breaker.asc()]


def _sort_key(sort_by: str, resource: ResourceType, table_map: TableMap) -> ColumnElement[Any]:
    ref = resource.resolve(sort_by)
    if ref is not None and ref.sub is None and ref.attribute.multi_valued:
        value_sub = ref.attribute.sub("value")
        ref = AttrRef(ref.schema, ref.attribute, value_sub, ref.core) if value_sub else None
    found = table_map.locate(ref.qualified) if ref is not None else None
    if isinstance(found, ActiveFlag):
        return sa.case((found.column == "active", 1), else_=0)
    if ref is None or not isinstance(found, Stored):
        raise InvalidValue(f"Cannot sort {resource.name}s by {sort_by!r}.")
    if ref.leaf.type == "string" and not ref.leaf.case_exact and not found.lowered:
        return sa.func.lower(found.column)
    return found.column
