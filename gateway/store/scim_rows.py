"""Users as a SCIM search reads them: only the columns a SCIM User shows, decoded cheaply.

A search page is read far more often than anything else of a user, and a page of 100 full
``User`` records spends most of its time decoding what SCIM never shows (add-ons, role, flags)
and going through SQLAlchemy's per-value types. ``USER_ROW_COLUMNS`` selects the columns of a
SCIM User only, with ``profile`` and the two timestamps as the driver gives them; ``user_row``
decodes those: JSON text (SQLite) with ``json.loads`` only when not empty, and timestamps
straight to the ISO 8601 text ``meta`` shows (``datetime.isoformat`` of the aware UTC value,
as ``User`` records give it), whatever the backend hands back (text on SQLite, aware datetimes
and decoded JSON on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from gateway.clock import utc
from gateway.store import schema

U = schema.users
G = schema.groups
GM = schema.group_members
SCIM_GROUP_KIND = "user_group"
_LONG_NUMBER = re.compile(r"\d{19}")


class UserRow(NamedTuple):
    """What a SCIM User shows of a ``users`` row; ``created``/``updated`` are ISO 8601 UTC."""

    id: str
    external_id: str | None
    user_name: str | None
    email: str | None
    email_type: str
    first_name: str | None
    last_name: str | None
    display_name: str | None
    profile: dict[str, Any]
    license_type: str
    status: str
    employee_id: str | None
    login_type: str
    version: int
    created: str
    updated: str


@dataclass(frozen=True)
class Ref:
    """A reference to a user or group with the name shown for it."""

    id: str
    display: str | None


class ListedUser(NamedTuple):
    """A user of a search page and the SCIM groups it belongs to (a tuple: made 100 times a
    page, and a frozen dataclass costs twice as much to make)."""

    user: UserRow
    groups: tuple[Ref, ...]


class _StoredText(FunctionElement[str]):
    """A column as the text SQLite stores for it, whatever the backend: SQLite's own value;
    on PostgreSQL a JSON column's text (``json`` keeps the text it was given) and a timestamp
    as UTC ``YYYY-MM-DD HH:MM:SS.ffffff``, so the driver decodes neither (its datetimes and
    JSON objects then cost a conversion each in Python: ``user_row`` reads the text)."""

    type = sa.String()
    inherit_cache = True
    name = "stored_text"


@compiles(_StoredText)
def _stored_text(element: _StoredText, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_StoredText, "postgresql")
def _stored_text_postgresql(element: _StoredText, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    (source,) = element.clauses
    if isinstance(source.type, sa.DateTime):
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
    return f"CAST({column} AS TEXT)"


def _raw(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """``column`` as stored text, without SQLAlchemy's result processing (decoded by
    ``user_row``)."""
    return _StoredText(column).label(column.name)


# In ``UserRow``'s order.
USER_ROW_COLUMNS: tuple[sa.ColumnElement[Any], ...] = (
    U.c.id,
    U.c.external_id,
    U.c.user_name,
    U.c.email,
    U.c.email_type,
    U.c.first_name,
    U.c.last_name,
    U.c.display_name,
    _raw(U.c.profile),
    U.c.license_type,
    U.c.status,
    U.c.employee_id,
    U.c.login_type,
    U.c.version,
    _raw(U.c.created_at),
    _raw(U.c.updated_at),
)

GROUPS_OF_USERS = (
    sa.select(GM.c.user_id, G.c.id, G.c.display_name)
    .join(G, G.c.id == GM.c.group_id)
    .where(GM.c.user_id.in_(sa.bindparam("user_ids", expanding=True)), G.c.kind == SCIM_GROUP_KIND)
    .order_by(G.c.display_name, G.c.id)
)


def user_row(raw: Sequence[Any]) -> UserRow:
    """A ``UserRow`` from a row of ``USER_ROW_COLUMNS`` (the same order)."""
    return UserRow._make(
        (*raw[:8], _json_object(raw[8]), *raw[9:14], iso_utc(raw[14]), iso_utc(raw[15]))
    )


def _json_object(value: Any) -> dict[str, Any]:
    """A JSON object column's value as a new dict (``{}`` for NULL or JSON null).

    Text is read with orjson (the same values, about three times faster than ``json.loads``);
    what orjson refuses and the standard library reads (NaN, lone surrogates) and text with a
    run of 19 digits (orjson reads integers past 64 bits as floats) go through ``json.loads``."""
    if isinstance(value, str):
        if value == "{}":
            return {}
        try:
            value = json.loads(value) if _LONG_NUMBER.search(value) else orjson.loads(value)
        except orjson.JSONDecodeError:
            value = json.loads(value)
        if type(value) is dict:
            return value  # already a new dict
    return dict(value or {})


def iso_utc(value: Any) -> str:
    """``utc(value).isoformat()`` of a timestamp column's value.

    SQLite gives the text SQLAlchemy stored (``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC): that
    shape is rewritten directly; any other text is parsed first.
    """
    if not isinstance(value, str):
        return utc(value).isoformat()
    if len(value) == 26 and value[10] == " " and value[19] == "." and value[20:].isdigit():
        fraction = "" if value[20:] == "000000" else value[19:]
        return f"{value[:10]}T{value[11:19]}{fraction}+00:00"
    return utc(dt.datetime.fromisoformat(value)).isoformat()


def groups_of(conn: sa.Connection, user_ids: list[str]) -> dict[str, tuple[Ref, ...]]:
    """The SCIM groups of each of ``user_ids`` (by name, then id), read in one statement."""
    if not user_ids:
        return {}
    found: dict[str, list[Ref]] = {}
    for user_id, group_id, name in conn.execute(GROUPS_OF_USERS, {"user_ids": user_ids}):
        found.setdefault(user_id, []).append(Ref(group_id, name))
    return {k: tuple(v) for k, v in found.items()}


def listed_users(conn: sa.Connection, rows: Sequence[Sequence[Any]]) -> tuple[ListedUser, ...]:
    """Rows of ``USER_ROW_COLUMNS`` as ``ListedUser``s, with their groups read in one query."""
    refs = groups_of(conn, [r[0] for r in rows])
    return tuple(ListedUser(user_row(r), refs.get(r[0], ())) for r in rows)
