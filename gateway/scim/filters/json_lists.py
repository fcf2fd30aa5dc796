"""SQL over a JSON list of the ``profile`` column: one row per value, typed sub-attributes.

A multi-valued attribute a user keeps in ``profile`` (``emails``, ``phoneNumbers``...) is
filtered with a correlated ``EXISTS`` over its elements (RFC 7644 §3.4.2.2: a multi-valued
attribute matches when any of its values does). SQLite reads the list with ``json_each``,
PostgreSQL with ``json_array_elements``; both see an absent or non-list entry as no values, and
a sub-attribute of the wrong JSON type (or an element that is not an object) as absent, so the
two databases answer alike. Keys are schema names, checked here and rendered as SQL literals.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import TableValuedAlias

_KEY = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _key(name: str) -> ColumnElement[Any]:
    if not _KEY.fullmatch(name):
        raise ValueError(f"not a JSON key this module renders: {name!r}")
    return sa.literal_column(f"'{name}'")


class _ListElements(FunctionElement[Any]):
    """The elements of ``column[key]`` when it is a JSON list; none otherwise."""

    name = "scim_list_elements"
    inherit_cache = True


class _ElementText(FunctionElement[Any]):
    """An element's string sub-attribute; NULL when absent or not a string."""

    name = "scim_element_text"
    type = sa.String()
    inherit_cache = True


class _ElementBool(FunctionElement[Any]):
    """An element's boolean sub-attribute; NULL when absent or not a boolean."""

    name = "scim_element_bool"
    type = sa.Boolean()
    inherit_cache = True


def list_elements(column: ColumnElement[Any], key: str, alias: str) -> TableValuedAlias:
    """A FROM item with one row per element of the JSON list ``column[key]``."""
    return _ListElements(column, _key(key)).table_valued("value", "type").alias(alias)


def element_field(elements: TableValuedAlias, key: str, kind: str) -> ColumnElement[Any]:
    """Sub-attribute ``key`` of the current element, as a string or (``kind`` boolean) a bool."""
    cls = _ElementBool if kind == "boolean" else _ElementText
    return cls(elements.c.value, elements.c.type, _key(key))


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(c, **kw) for c in element.clauses]


@compiles(_ListElements, "sqlite")
def _list_sqlite(element: _ListElements, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _args(element, compiler, **kw)
    path = f"'$.' || {key}"
    return (
        f"json_each(CASE WHEN json_type({column}, {path}) = 'array' "
        f"THEN json_extract({column}, {path}) ELSE '[]' END)"
    )


@compiles(_ListElements, "postgresql")
def _list_postgresql(element: _ListElements, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _args(element, compiler, **kw)
    return (
        f"json_array_elements(CASE WHEN json_typeof(({column})::json -> {key}) = 'array' "
        f"THEN ({column})::json -> {key} ELSE '[]'::json END)"
    )


def _sqlite_field(
    element: FunctionElement[Any], compiler: SQLCompiler, types: str, **kw: Any
) -> str:
    value, kind, key = _args(element, compiler, **kw)
    path = f"'$.' || {key}"
    # Nested CASEs: json_type() of an element that is not an object (a bare string) is an error.
    return (
        f"CASE WHEN {kind} = 'object' THEN CASE WHEN json_type({value}, {path}) IN ({types}) "
        f"THEN json_extract({value}, {path}) END END"
    )


@compiles(_ElementText, "sqlite")
def _text_sqlite(element: _ElementText, compiler: SQLCompiler, **kw: Any) -> str:
    return _sqlite_field(element, compiler, "'text'", **kw)


@compiles(_ElementBool, "sqlite")
def _bool_sqlite(element: _ElementBool, compiler: SQLCompiler, **kw: Any) -> str:
    return _sqlite_field(element, compiler, "'true', 'false'", **kw)


@compiles(_ElementText, "postgresql")
def _text_postgresql(element: _ElementText, compiler: SQLCompiler, **kw: Any) -> str:
    value, _, key = _args(element, compiler, **kw)
    return f"CASE WHEN json_typeof({value} -> {key}) = 'string' THEN {value} ->> {key} END"


@compiles(_ElementBool, "postgresql")
def _bool_postgresql(element: _ElementBool, compiler: SQLCompiler, **kw: Any) -> str:
    value, _, key = _args(element, compiler, **kw)
    return (
        f"CASE WHEN json_typeof({value} -> {key}) = 'boolean' THEN ({value} ->> {key})::boolean END"
    )
