"""Storage of the SAML response logs: kept 7 days by the store's clock, bounded per account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gateway.clock import utc
from gateway.store import schema
from gateway.store.errors import NotFound
from gateway.store.sql import SqlStore

L = schema.saml_response_logs
RETENTION = dt.timedelta(days=7)
# Per account: at most this many entries and this many bytes of entries; the oldest go first.
MAX_ENTRIES = 1000
MAX_BYTES = 32 * 1024 * 1024
OUTCOMES = ("signed_in", "activation_required", "refused")
_SUMMARY = (L.c.tracking_id, L.c.created_at, L.c.outcome, L.c.code, L.c.number)


@dataclass(frozen=True)
class LogSummary:
    """One line of the list: when, which tracking ID, what happened, for whom."""

    tracking_id: str
    time: dt.datetime
    outcome: str
    code: str | None
    number: int | None
    name_id: str | None
    email: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "tracking_id": self.tracking_id,
            "time": self.time.isoformat(),
            "outcome": self.outcome,
            "code": self.code,
            "zoom_error_code": self.number,
            "name_id": self.name_id,
            "email": self.email,
        }


@dataclass(frozen=True)
class LogFilter:
    """What the list asks for; every field optional, ``limit`` at most 200."""

    outcome: str | None = None
    name_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 50


class SamlLogStore:
    """The log entries of every account, read and written one account at a time."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def add(self, account_id: int, summary: LogSummary, entry: dict[str, Any], size: int) -> None:
        """Keep one entry, then drop what is past 7 days or past the account's bounds."""
        with self.store.transaction() as conn:
            conn.execute(
                L.insert().values(
                    account_id=account_id,
                    tracking_id=summary.tracking_id,
                    created_at=summary.time,
                    outcome=summary.outcome,
                    code=summary.code,
                    number=summary.number,
                    name_id=(summary.name_id or "")[:512] or None,
                    email=(summary.email or "")[:320] or None,
                    size=size,
                    entry=entry,
                )
            )
            self._prune(conn, account_id)

    def list(self, account_id: int, wanted: LogFilter) -> list[LogSummary]:
        """The account's live entries, newest first, as filtered."""
        query = sa.select(*_SUMMARY, L.c.name_id, L.c.email).where(L.c.account_id == account_id)
        query = query.where(L.c.created_at > self._horizon())
        if wanted.outcome:
            query = query.where(L.c.outcome == wanted.outcome)
        if wanted.name_id:
            query = query.where(L.c.name_id == wanted.name_id)
        if wanted.since:
            query = query.where(L.c.created_at >= wanted.since)
        if wanted.until:
            query = query.where(L.c.created_at <= wanted.until)
        query = query.order_by(L.c.created_at.desc(), L.c.id.desc()).limit(wanted.limit)
        with self.store.transaction() as conn:
            self._prune(conn, account_id)
            return [_summary(row) for row in conn.execute(query)]

    def get(self, account_id: int, tracking_id: str) -> dict[str, Any]:
        """The whole entry; raises NotFound ``saml_log_not_found`` (also for another
        account's tracking ID, and for one past 7 days)."""
        query = sa.select(L.c.entry).where(
            L.c.account_id == account_id,
            L.c.tracking_id == tracking_id,
            L.c.created_at > self._horizon(),
        )
        with self.store.transaction() as conn:
            self._prune(conn, account_id)
            entry = conn.execute(query).scalar_one_or_none()
        if entry is None:
            raise NotFound(
                f"No SAML response log with tracking ID '{tracking_id}' in this account "
                "(entries are kept 7 days, and only while the account saves them).",
                code="saml_log_not_found",
            )
        return dict(entry)

    def _horizon(self) -> dt.datetime:
        return self.store.clock.now() - RETENTION

    def _prune(self, conn: sa.Connection, account_id: int) -> None:
        """Drop the account's entries past 7 days, then the oldest past the bounds."""
        mine = L.c.account_id == account_id
        conn.execute(L.delete().where(mine, L.c.created_at <= self._horizon()))
        count, total = conn.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(L.c.size), 0)).where(mine)
        ).one()
        if count <= MAX_ENTRIES and total <= MAX_BYTES:
            return
        rows = conn.execute(
            sa.select(L.c.id, L.c.size).where(mine).order_by(L.c.created_at.desc(), L.c.id.desc())
        ).all()
        used, drop = 0, []
        for position, row in enumerate(rows):
            used += row.size
            if position >= MAX_ENTRIES or used > MAX_BYTES:
                drop = [r.id for r in rows[position:]]
                break
        for start in range(0, len(drop), 500):
            conn.execute(L.delete().where(L.c.id.in_(drop[start : start + 500])))


def _summary(row: Any) -> LogSummary:
    return LogSummary(
        tracking_id=row.tracking_id,
        time=utc(row.created_at),
        outcome=row.outcome,
        code=row.code,
        number=row.number,
        name_id=row.name_id,
        email=row.email,
    )
