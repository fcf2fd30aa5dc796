"""An injectable UTC clock: production reads the system time, tests move a frozen one."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC time."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real time, always timezone-aware UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FrozenClock:
    """A clock that only moves when told to; for tests of skew, expiry and 24 h cycles."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, **delta: float) -> dt.datetime:
        """Move forward by ``datetime.timedelta(**delta)`` and return the new time."""
        self._now = self._now + dt.timedelta(**delta)
        return self._now

    def set(self, when: dt.datetime) -> None:
        """Jump to ``when`` (must be timezone-aware)."""
        if when.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware datetime")
        self._now = when


def utc(value: dt.datetime) -> dt.datetime:
    """Return ``value`` as aware UTC; naive values (as SQLite returns them) are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


class MovableClock:
    """A base clock plus an offset every worker shares (demo time travel).

    ``read_offset`` fetches the shared offset (from the store); it is read again after
    ``ttl`` seconds, or at the next ``now`` after ``invalidate``, so a move made by one worker
    is seen by the others within ``ttl``.
    """

    def __init__(
        self,
        base: Clock,
        read_offset: Callable[[], dt.timedelta],
        *,
        ttl: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base
        self._read_offset = read_offset
        self._ttl = ttl
        self._monotonic = monotonic
        self._offset = dt.timedelta(0)
        self._read_at: float | None = None

    def now(self) -> dt.datetime:
        return self.base.now() + self.offset()

    def offset(self) -> dt.timedelta:
        """The shared offset, read again when stale."""
        read_at = self._read_at
        if read_at is None or self._monotonic() - read_at > self._ttl:
            self._offset = self._read_offset()
            self._read_at = self._monotonic()
        return self._offset

    def invalidate(self) -> None:
        """Read the shared offset again at the next ``now``."""
        self._read_at = None

    def remember(self, offset: dt.timedelta) -> None:
        """Take ``offset`` as just read (after this worker wrote it)."""
        self._offset = offset
        self._read_at = self._monotonic()
