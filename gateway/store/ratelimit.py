"""Rate-limit counters shared by every worker: one row per bucket and minute (SQL)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.store import schema
from gateway.store.base import SqlBase

RL = schema.rate_limits


class RateLimitMixin(SqlBase):
    """Fixed-window request counters."""

    def count_hit(self, bucket: str, window_start: dt.datetime, hits: int = 1) -> int:
        """Add ``hits`` to ``bucket`` in this window and return the window's count."""
        insert = sqlite.insert(RL) if self.dialect == "sqlite" else postgresql.insert(RL)
        upsert = insert.values(bucket=bucket, window_start=window_start, count=hits)
        stmt = upsert.on_conflict_do_update(
            index_elements=[RL.c.bucket, RL.c.window_start], set_={"count": RL.c.count + hits}
        ).returning(RL.c.count)
        with self.transaction() as conn:
            return int(conn.execute(stmt).scalar_one())

    def hit_count(self, bucket: str, window_start: dt.datetime) -> int:
        """The count of ``bucket`` in this window (0 when nothing was counted)."""
        with self.transaction() as conn:
            found = conn.execute(
                sa.select(RL.c.count).where(
                    RL.c.bucket == bucket, RL.c.window_start == window_start
                )
            ).scalar_one_or_none()
        return int(found or 0)

    def prune_rate_limits(self, before: dt.datetime) -> int:
        """Drop windows that started before ``before``; returns how many rows went."""
        with self.transaction() as conn:
            return conn.execute(sa.delete(RL).where(RL.c.window_start < before)).rowcount
