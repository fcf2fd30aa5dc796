"""Storage of the SAML response logs: kept 7 days by the store's clock, bounded per account.

What a reader sees is always within the bounds: every read ranks the account's live entries
(newest first) and skips those past 7 days, past the newest ``MAX_ENTRIES`` or past
``MAX_BYTES`` counted from the newest. Deleting what falls out is amortised, because a count
and a size sum of up to 1,000 entries at every sign-in was half of the ACS's time: each
process prunes an account at its first write there, then once ``PRUNE_EVERY`` writes or
``PRUNE_BYTES`` bytes have gone in since its last prune of it. So the rows stored for an
account stay under ``MAX_ENTRIES + W * (PRUNE_EVERY - 1)`` and ``MAX_BYTES + W * PRUNE_BYTES``
(documents' sizes as counted here), W being the worker processes that wrote the account's
entries since its last prune; entries past 7 days are deleted at that next prune.
"""

from __future__ import annotations

import datetime as dt
import threading
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
# A process prunes an account again after this many of its writes there, or this many bytes.
PRUNE_EVERY = 100
PRUNE_BYTES = 4 * 1024 * 1024
OUTCOMES = ("signed_in", "activation_required", "refused")
# Built once, its values bound at each call (building it was a tenth of keeping an entry).
_INSERT = L.insert()
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
        # Per account: writes and bytes this process added since it last pruned the account.
        self._unpruned: dict[int, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def add(self, account_id: int, summary: LogSummary, entry: dict[str, Any], size: int) -> None:
        """Keep one entry; when a prune is due (see the module), drop what is past 7 days or
        past the account's bounds in the same transaction."""
        due = self._prune_due(account_id, size)
        with self.store.transaction() as conn:
            conn.execute(
                _INSERT,
                {
                    "account_id": account_id,
                    "tracking_id": summary.tracking_id,
                    "created_at": summary.time,
                    "outcome": summary.outcome,
                    "code": summary.code,
                    "number": summary.number,
                    "name_id": (summary.name_id or "")[:512] or None,
                    "email": (summary.email or "")[:320] or None,
                    "size": size,
                    "entry": entry,
                },
            )
            if due:
                self._prune(conn, account_id)
        self._written(account_id, size, pruned=due)

    def list(self, account_id: int, wanted: LogFilter) -> list[LogSummary]:
        """The account's live entries, newest first, as filtered."""
        query = self._visible(account_id, *_SUMMARY, L.c.name_id, L.c.email)
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
            return [_summary(row) for row in conn.execute(query)]

    def get(self, account_id: int, tracking_id: str) -> dict[str, Any]:
        """The whole entry; raises NotFound ``saml_log_not_found`` (also for another
        account's tracking ID, and for one past 7 days)."""
        query = self._visible(account_id, L.c.entry).where(L.c.tracking_id == tracking_id)
        with self.store.transaction() as conn:
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

    def _ranked(self, account_id: int) -> Any:
        """The account's entries within 7 days, each with its place from the newest and the
        bytes of it and every newer one."""
        newest_first = (L.c.created_at.desc(), L.c.id.desc())
        return (
            sa.select(
                L.c.id,
                sa.func.row_number().over(order_by=newest_first).label("place"),
                sa.func.sum(L.c.size).over(order_by=newest_first, rows=(None, 0)).label("used"),
            )
            .where(L.c.account_id == account_id, L.c.created_at > self._horizon())
            .subquery("ranked")
        )

    def _visible(self, account_id: int, *columns: Any) -> sa.Select[Any]:
        """``columns`` of the account's entries a reader may see: within 7 days and bounds."""
        ranked = self._ranked(account_id)
        return (
            sa.select(*columns)
            .join_from(L, ranked, ranked.c.id == L.c.id)
            .where(ranked.c.place <= MAX_ENTRIES, ranked.c.used <= MAX_BYTES)
        )

    def _prune_due(self, account_id: int, size: int) -> bool:
        """Whether this write prunes: the process's first to the account, or the bounds of
        unpruned writes and bytes reached."""
        with self._lock:
            seen = self._unpruned.get(account_id)
        if seen is None:
            return True
        writes, written = seen
        return writes + 1 >= PRUNE_EVERY or written + size > PRUNE_BYTES

    def _written(self, account_id: int, size: int, *, pruned: bool) -> None:
        with self._lock:
            writes, written = self._unpruned.get(account_id, (0, 0))
            self._unpruned[account_id] = (0, 0) if pruned else (writes + 1, written + size)

    def _prune(self, conn: sa.Connection, account_id: int) -> None:
        """Drop the account's entries past 7 days, then those past the bounds (the oldest)."""
        conn.execute(
            L.delete().where(L.c.account_id == account_id, L.c.created_at <= self._horizon())
        )
        ranked = self._ranked(account_id)
        beyond = sa.select(ranked.c.id).where(
            sa.or_(ranked.c.place > MAX_ENTRIES, ranked.c.used > MAX_BYTES)
        )
        conn.execute(L.delete().where(L.c.id.in_(beyond)))


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
