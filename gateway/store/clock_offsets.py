"""The demo's shared clock offset: one row (id 1) every worker reads, absent when not moved."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gateway.store import schema
from gateway.store.base import SqlBase
from gateway.store.engine import autocommit

C = schema.clock_offsets
READ = sa.select(C.c.offset_us).where(C.c.id == 1)


def read_offset(store: SqlBase) -> dt.timedelta:
    """The shared offset (zero when the clock is not moved), in this context's transaction if
    one is open, else in one autocommitted statement (no lock taken)."""
    conn = store._tx.get()
    if conn is not None:
        return _offset(conn.execute(READ).scalar())
    with store.engine.connect() as raw:
        return _offset(autocommit(raw).execute(READ).scalar())


def write_offset(
    store: SqlBase, offset: dt.timedelta, *, actor: str, account_id: int | None = None
) -> None:
    """Store ``offset`` (zero removes the row) and audit the move (in ``account_id``'s log:
    the caller's account)."""
    with store.transaction() as conn:
        before = _offset(conn.execute(READ).scalar())
        conn.execute(C.delete().where(C.c.id == 1))
        if offset:
            row = {"id": 1, "offset_us": _microseconds(offset), "updated_at": store.clock.now()}
            conn.execute(C.insert().values(**row))
        store.audit(
            conn,
            actor=actor,
            account_id=account_id,
            action="clock.move",
            before={"offset_seconds": before.total_seconds()},
            after={"offset_seconds": offset.total_seconds()},
        )


def _offset(microseconds: int | None) -> dt.timedelta:
    return dt.timedelta(microseconds=microseconds or 0)


def _microseconds(offset: dt.timedelta) -> int:
    return (offset.days * 86_400 + offset.seconds) * 1_000_000 + offset.microseconds
