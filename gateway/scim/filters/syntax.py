"""Parse a SCIM filter (RFC 7644 §3.4.2.2) with scim2-filter-parser into a checked, typed tree.

The library lexes and parses; this module fixes what it gets wrong (literals, ``and`` binding
tighter than ``or``), resolves every attribute path against the schema case-insensitively and
checks each operator against the attribute's type, so a back end only sees valid filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scim2_filter_parser import ast as lib_ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser, SCIMParserError

from gateway.scim.errors import InvalidFilter
from gateway.scim.filters.literals import LiftedFilter, LiteralValue, lift_literals, string_at
from gateway.scim.schema_model import Attribute, AttrRef, ResourceType

MAX_FILTER_LENGTH = 4000
MAX_DEPTH = 50

COMPARE_OPS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
ORDER_OPS = frozenset({"gt", "ge", "lt", "le"})
SUBSTRING_OPS = frozenset({"co", "sw", "ew"})

Value = str | int | float | bool | datetime | None
# ``attribute op "string"`` alone (``userName eq "..."`` is most lookups): the attribute name as
# the library's lexer reads one, spaces or tabs between the three, and the string up to its
# first unescaped quote, which must end the filter.
_SIMPLE = re.compile(
    r'[ \t]*([a-zA-Z][a-zA-Z0-9_-]*)[ \t]+([a-zA-Z]{2})[ \t]+("(?:[^"\\]|\\.)*")[ \t]*',
    re.DOTALL,
)


@dataclass(frozen=True)
class Compare:
    """``attrPath op value``; ``ref.sub`` is set for sub-attributes and value-path members."""

    ref: AttrRef
    op: str
    value: Value


@dataclass(frozen=True)
class Present:
    """``attrPath pr``."""

    ref: AttrRef


@dataclass(frozen=True)
class And:
    """All of ``items``."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Any of ``items``."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """``not (inner)``."""

    inner: Node


@dataclass(frozen=True)
class ValuePath:
    """``attr[inner]``: ``inner`` must hold for one and the same value of ``attr``."""

    ref: AttrRef
    inner: Node


Node = Compare | Present | And | Or | Not | ValuePath


def parse_filter(text: str, resource: ResourceType) -> Node:
    """Parse and check ``text`` as a filter on ``resource``.

    Raises InvalidFilter, with what was wrong and where, for anything but a valid filter.
    """
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidFilter(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    if not text.strip():
        raise InvalidFilter("The filter is empty.")
    simple = _simple_compare(text, resource)
    if simple is not None:
        return simple
    lifted = lift_literals(text)
    tree = _library_parse(lifted)
    return _Checker(resource, lifted).node(tree, 0, None)


def _simple_compare(text: str, resource: ResourceType) -> Node | None:
    """``attribute op "string"`` without the library (a lookup's whole filter, usually), the
    node the full parse gives; None for anything else, and for anything the full parse would
    refuse or explain (an unknown attribute), so that it answers those.

    Raises InvalidFilter as the full parse does for the string and for the operator's type.
    """
    found = _SIMPLE.fullmatch(text)
    if found is None or found.group(2).lower() not in COMPARE_OPS:
        return None
    ref = resource.resolve_parts(None, found.group(1), None)
    if ref is None:
        return None
    end, value = string_at(text, found.start(3))
    if end != found.end(3):
        return None
    return _checked_compare(ref, found.group(2).lower(), value)


def parse_value_filter(text: str, resource: ResourceType, parent: AttrRef) -> Node:
    """Parse the filter inside a PATCH value path (``emails[<text>]``) against ``parent``.

    Raises InvalidFilter when it is not a valid filter on the sub-attributes of ``parent``.
    """
    lifted = lift_literals(text)
    tree = _library_parse(lifted)
    return _Checker(resource, lifted).node(tree, 1, parent)


def _library_parse(lifted: LiftedFilter) -> lib_ast.Filter:
    """Run the library's lexer and parser, turning every failure into InvalidFilter."""
    last: list[Any] = [None]

    def tokens() -> Iterator[Any]:
        for token in SCIMLexer().tokenize(lifted.text):
            last[0] = token
            yield token
        last[0] = None

    try:
        tree = SCIMParser().parse(tokens())
    except ValueError as exc:
        where = lifted.position(last[0].end) if last[0] is not None else 0
        raise InvalidFilter(f"Unexpected character at position {where}.") from exc
    except SCIMParserError as exc:
        raise InvalidFilter(_parse_error_message(lifted, last[0])) from exc
    except (TypeError, AttributeError, IndexError, KeyError) as exc:
        raise InvalidFilter("The filter is not valid SCIM filter syntax.") from exc
    if not isinstance(tree, lib_ast.Filter):
        raise InvalidFilter("The filter is not valid SCIM filter syntax.")
    return tree


def _parse_error_message(lifted: LiftedFilter, token: Any) -> str:
    if token is None:
        return "The filter ends too early."
    where = lifted.position(token.index)
    shown = token.value
    if token.type == "COMP_VALUE":
        shown = lifted.literal(token.value)
    hint = ""
    if token.type == "ATTRNAME" and str(shown).lower() in {"true", "false", "null"}:
        hint = " (true, false and null are written in lower case)"
    return f"Unexpected {shown!r} at position {where}{hint}."


class _Checker:
    """Walks the library's tree into ``Node``s, resolving and type-checking as it goes."""

    def __init__(self, resource: ResourceType, lifted: LiftedFilter) -> None:
        self.resource = resource
        self.lifted = lifted

    def node(self, tree: Any, depth: int, scope: AttrRef | None) -> Node:
        """One filter node; ``scope`` is the parent attribute inside a value path."""
        if depth > MAX_DEPTH:
            raise InvalidFilter(f"The filter is nested deeper than {MAX_DEPTH} levels.")
        if not isinstance(tree, lib_ast.Filter):
            raise InvalidFilter("The filter is not valid SCIM filter syntax.")
        expr = tree.expr
        result: Node
        if tree.namespace is not None:
            result = self.value_path(tree, depth, scope)
        elif isinstance(expr, lib_ast.Filter):
            result = self.node(expr, depth + 1, scope)
        elif isinstance(expr, lib_ast.LogExpr):
            result = self.chain(expr, depth, scope)
        elif isinstance(expr, lib_ast.AttrExpr):
            result = self.attr_expr(expr, depth, scope)
        else:
            raise InvalidFilter("The filter is not valid SCIM filter syntax.")
        return Not(result) if tree.negated else result

    def chain(self, expr: Any, depth: int, scope: AttrRef | None) -> Node:
        """``a or b and c ...`` rebuilt so ``and`` binds tighter than ``or`` (RFC 7644 §3.4.2.2).

        The library gives both the same precedence; its flat chain is regrouped here.
        """
        sequence = _flatten_chain(expr)
        groups: list[list[Node]] = [[]]
        for position, item in enumerate(sequence):
            if position % 2:
                if str(item).lower() == "or":
                    groups.append([])
                continue
            groups[-1].append(self.node(item, depth + 1, scope))
        conjunctions = [g[0] if len(g) == 1 else And(tuple(g)) for g in groups]
        return conjunctions[0] if len(conjunctions) == 1 else Or(tuple(conjunctions))

    def value_path(self, tree: Any, depth: int, scope: AttrRef | None) -> Node:
        """``attr[filter]``: only on multi-valued complex attributes, never nested."""
        namespace = tree.namespace
        if scope is not None:
            raise InvalidFilter(f"'value' filters cannot be nested inside '{scope.name}[...]'.")
        if namespace.sub_attr is not None:
            raise InvalidFilter("A value filter '[...]' cannot follow a sub-attribute.")
        parent = self.resolve(namespace.uri, namespace.attr_name, None)
        if not (parent.attribute.is_complex and parent.attribute.multi_valued):
            raise InvalidFilter(
                f"'{parent.name}' is not a multi-valued complex attribute, so it takes no "
                "'[...]' value filter."
            )
        return ValuePath(parent, self.node(tree.expr, depth + 1, parent))

    def attr_expr(self, expr: Any, depth: int, scope: AttrRef | None) -> Node:
        """``attrPath op value`` or ``attrPath pr``."""
        op = str(expr.value).lower()
        path = expr.attr_path
        if isinstance(path.attr_name, lib_ast.Filter):
            return self.filtered_sub_attr(expr, op, depth, scope)
        if scope is not None:
            if path.uri is not None or path.sub_attr is not None:
                raise InvalidFilter(
                    f"Inside '{scope.name}[...]' use plain sub-attribute names of '{scope.name}'."
                )
            ref = self.sub_of(scope, path.attr_name)
        else:
            sub = path.sub_attr.value if path.sub_attr is not None else None
            ref = self.resolve(path.uri, path.attr_name, sub)
        if op == "pr":
            return Present(ref)
        raw = self.lifted.literal(expr.comp_value.value)
        return _checked_compare(ref, op, raw)

    def filtered_sub_attr(self, expr: Any, op: str, depth: int, scope: AttrRef | None) -> Node:
        """``emails[type eq "work"].value eq "x"``, as some clients send it."""
        inner_tree = expr.attr_path.attr_name
        sub = inner_tree.namespace.sub_attr
        if sub is None:
            raise InvalidFilter("A value filter '[...]' cannot be compared; use 'pr' or '.sub'.")
        inner_tree.namespace.sub_attr = None
        path = self.value_path(inner_tree, depth, scope)
        assert isinstance(path, ValuePath)
        ref = self.sub_of(path.ref, sub.value)
        last: Node = (
            Present(ref)
            if op == "pr"
            else _checked_compare(ref, op, self.lifted.literal(expr.comp_value.value))
        )
        return ValuePath(path.ref, And((path.inner, last)))

    def resolve(self, uri: str | None, name: Any, sub: str | None) -> AttrRef:
        ref = self.resource.resolve_parts(uri, str(name), sub)
        if ref is None:
            shown = f"{uri}:{name}" if uri else str(name)
            shown = f"{shown}.{sub}" if sub else shown
            raise InvalidFilter(
                f"The filter names '{shown}', which is not an attribute of {self.resource.name}."
            )
        return ref

    def sub_of(self, scope: AttrRef, name: str) -> AttrRef:
        sub = scope.attribute.sub(name)
        if sub is None:
            raise InvalidFilter(f"'{name}' is not a sub-attribute of '{scope.name}'.")
        return AttrRef(scope.schema, scope.attribute, sub, scope.core)


def _flatten_chain(expr: Any) -> list[Any]:
    """The operands and operators of an unparenthesised and/or chain, in order."""
    sequence: list[Any] = []
    pending: list[Any] = [expr]
    while pending:
        item = pending.pop()
        if isinstance(item, lib_ast.LogExpr):
            pending.extend([item.expr2, item.op, item.expr1])
        elif _is_bare_chain(item):
            pending.append(item.expr)
        else:
            sequence.append(item)
    return sequence


def _is_bare_chain(item: Any) -> bool:
    return (
        isinstance(item, lib_ast.Filter)
        and isinstance(item.expr, lib_ast.LogExpr)
        and not item.negated
        and item.namespace is None
    )


def _checked_compare(ref: AttrRef, op: str, raw: LiteralValue) -> Compare:
    """A Compare whose operator suits the attribute type and whose value has that type.

    Raises InvalidFilter otherwise (RFC 7644 §3.4.2.2: gt/ge/lt/le on booleans and binaries).
    """
    if op not in COMPARE_OPS:
        raise InvalidFilter(f"The operator '{op}' is not supported.")
    attribute = ref.leaf
    if attribute.is_complex and ref.sub is None:
        value_sub = attribute.sub("value") if attribute.multi_valued else None
        if value_sub is None:
            raise InvalidFilter(
                f"'{ref.name}' is complex; compare one of its sub-attributes "
                f"(e.g. '{ref.name}.{attribute.sub_attributes[0].name}') or use 'pr'."
            )
        ref = AttrRef(ref.schema, ref.attribute, value_sub, ref.core)
        attribute = value_sub
    if raw is None:
        if op not in {"eq", "ne"}:
            raise InvalidFilter(f"'{op}' cannot compare '{ref.name}' with null.")
        return Compare(ref, op, None)
    return Compare(ref, op, _typed(ref, attribute, op, raw))


def _typed(ref: AttrRef, attribute: Attribute, op: str, raw: LiteralValue) -> Value:
    kind = attribute.type
    if kind == "boolean":
        if op not in {"eq", "ne"} or not isinstance(raw, bool):
            raise InvalidFilter(f"'{ref.name}' is a boolean: use eq or ne with true or false.")
        return raw
    if kind in {"integer", "decimal"}:
        if op in SUBSTRING_OPS or isinstance(raw, bool) or not isinstance(raw, int | float):
            raise InvalidFilter(f"'{ref.name}' is a number: compare it with a number.")
        return raw
    if not isinstance(raw, str):
        raise InvalidFilter(f"'{ref.name}' is a {kind}: compare it with a quoted string.")
    if kind == "binary" and op not in {"eq", "ne"}:
        raise InvalidFilter(f"'{ref.name}' is binary: only eq and ne apply.")
    if kind == "dateTime":
        if op in SUBSTRING_OPS:
            raise InvalidFilter(f"'{ref.name}' is a dateTime: use eq, ne, gt, ge, lt or le.")
        return parse_datetime(raw, ref.name)
    return raw


def parse_datetime(raw: str, name: str) -> datetime:
    """An RFC 3339 / xsd:dateTime string as an aware UTC datetime (naive means UTC).

    Raises InvalidFilter when ``raw`` is not such a date.
    """
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidFilter(
            f"'{raw}' is not an ISO 8601 date-time for '{name}' (e.g. 2024-01-31T12:00:00Z)."
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
