"""Demo time travel: the service's clock moved from outside, shared by every worker.

In demo mode the app's clock (``app.extensions["gateway.clock"]`` and ``store.clock``) is a
``MovableClock``: the system time plus an offset kept in the store, read again each second.
Everything that reads the injectable clock follows: assertion validity, link expiry, the
24-hour sign-out, OAuth token expiry, response-log retention, consolidation readiness and
certificate warnings. Outside demo mode the clock is the system's and cannot be moved.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask import Flask

from gateway.clock import Clock, MovableClock
from gateway.config import GatewayConfig
from gateway.errors import BadRequest, Forbidden
from gateway.store.base import SqlBase
from gateway.store.clock_offsets import read_offset, write_offset

# Far enough for any expiry the service knows (a year's subscription), small enough to stay
# inside datetime's range.
MAX_OFFSET = dt.timedelta(days=3660)
DURATION = re.compile(r"(\d+)([wdhms])")
UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


class ClockNotMovable(Forbidden):
    """The clock moves only in demo mode."""

    code = "clock_demo_only"


@dataclass(frozen=True)
class ClockState:
    """The service's time, and how far it is from the system's."""

    now: dt.datetime
    offset: dt.timedelta
    movable: bool

    def to_dict(self) -> dict[str, Any]:
        """The JSON view (``GET /api/v1/clock``)."""
        return {
            "now": self.now.isoformat(),
            "offset_seconds": self.offset.total_seconds(),
            "moved": bool(self.offset),
            "movable": self.movable,
        }

    def describe(self) -> str:
        """One line for the CLI and the console header."""
        if not self.offset:
            return f"{self.now:%Y-%m-%d %H:%M:%S} UTC (the system's time)"
        return f"{self.now:%Y-%m-%d %H:%M:%S} UTC (moved {describe_offset(self.offset)})"


def install(app: Flask, config: GatewayConfig, base: Clock, store: SqlBase | None) -> Clock:
    """The app's clock: ``base`` outside demo mode, else a MovableClock over it (one per
    store, so apps sharing a store share it), and the console's ``moved_clock()``.

    Each worker reads the shared offset again once it is a second old (measured: 0.25 ms on
    SQLite, 0.75 ms on PostgreSQL, so at most that per second and worker); the worker that
    moves the clock sees the move at once, the others within a second."""
    if not config.demo or store is None:
        return base
    current = store.clock
    clock = current if isinstance(current, MovableClock) else None
    if clock is None:
        clock = MovableClock(base, lambda: read_offset(store))
        store.clock = clock
    app.jinja_env.globals["moved_clock"] = lambda: _moved(clock)
    return clock


def _moved(clock: MovableClock) -> ClockState | None:
    offset = clock.offset()
    return ClockState(clock.base.now() + offset, offset, True) if offset else None


def show(store: SqlBase, config: GatewayConfig) -> ClockState:
    """The service's time as a gateway of this configuration reads it."""
    base = _base(store)
    if not config.demo:
        return ClockState(base.now(), dt.timedelta(0), False)
    offset = read_offset(store)
    return ClockState(base.now() + offset, offset, True)


def advance(
    store: SqlBase, config: GatewayConfig, by: str, *, actor: str, account_id: int | None = None
) -> ClockState:
    """Move the clock forward by ``by`` (``24h``, ``1h30m``, ``2d``, ``90s``, ``1w``).

    Raises ClockNotMovable ``clock_demo_only``, BadRequest ``invalid_duration`` /
    ``clock_out_of_range``.
    """
    _check_demo(config)
    return _move(store, read_offset(store) + parse_duration(by), actor, account_id)


def set_time(
    store: SqlBase, config: GatewayConfig, when: str, *, actor: str, account_id: int | None = None
) -> ClockState:
    """Make the service's time ``when`` (ISO 8601 with a UTC offset); it runs on from there.

    Raises ClockNotMovable, BadRequest ``invalid_time`` / ``clock_out_of_range``.
    """
    _check_demo(config)
    return _move(store, parse_time(when) - _base(store).now(), actor, account_id)


def reset(
    store: SqlBase, config: GatewayConfig, *, actor: str, account_id: int | None = None
) -> ClockState:
    """Back to the system's time. Raises ClockNotMovable."""
    _check_demo(config)
    return _move(store, dt.timedelta(0), actor, account_id)


def _move(store: SqlBase, offset: dt.timedelta, actor: str, account_id: int | None) -> ClockState:
    if abs(offset) > MAX_OFFSET:
        raise BadRequest(
            f"The clock moves at most {MAX_OFFSET.days} days from the system's time "
            f"(asked: {describe_offset(offset)}).",
            code="clock_out_of_range",
        )
    write_offset(store, offset, actor=actor, account_id=account_id)
    if isinstance(store.clock, MovableClock):
        store.clock.remember(offset)
    return ClockState(_base(store).now() + offset, offset, True)


def _base(store: SqlBase) -> Clock:
    clock = store.clock
    return clock.base if isinstance(clock, MovableClock) else clock


def _check_demo(config: GatewayConfig) -> None:
    if not config.demo:
        raise ClockNotMovable(
            "The clock moves only in demo mode: run the gateway (and this command) with "
            "GATEWAY_DEMO=1, as make run does.",
        )


def parse_duration(text: str) -> dt.timedelta:
    """``24h``, ``1h30m``, ``2d``, ``90s``, ``1w``; raises BadRequest ``invalid_duration``."""
    compact = (text or "").strip().lower().replace(" ", "")
    parts = DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise BadRequest(
            f"'{text}' is not a duration: write e.g. 24h, 90m, 1h30m, 2d or 1w.",
            code="invalid_duration",
        )
    total = dt.timedelta(0)
    for number, unit in parts:
        if len(number) > 7:
            raise BadRequest(f"'{text}' is too long a duration.", code="clock_out_of_range")
        total += dt.timedelta(**{UNITS[unit]: int(number)})
    return total


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time with a UTC offset (``2026-03-01T09:00:00Z``); raises BadRequest
    ``invalid_time``."""
    try:
        when = dt.datetime.fromisoformat((text or "").strip())
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise BadRequest(
            f"'{text}' is not an ISO 8601 time with a UTC offset, e.g. 2026-03-01T09:00:00Z.",
            code="invalid_time",
        )
    return when.astimezone(dt.UTC)


def describe_offset(offset: dt.timedelta) -> str:
    """``+1d 2h 0m 0s`` style."""
    sign = "-" if offset < dt.timedelta(0) else "+"
    seconds = int(abs(offset).total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{days}d {hours}h {minutes}m {secs}s"
