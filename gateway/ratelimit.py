"""Per-token rate limits on the admin API and SCIM: 429 with Retry-After, counters in the store.

The count of a token's minute lives in the store, shared by every worker. A worker does not
write it at every request: it counts hits itself and adds them to the store's count in a
batch of at most ``max(1, headroom // HEADROOM_SHARE)`` hits (and at most ``MAX_BATCH``), where
headroom is what the limit leaves above the count it last read. Far from the limit a worker
writes once every ``MAX_BATCH`` requests; near it, at every request, so the limit holds to
within a few requests per worker.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from flask import Flask, current_app, g, request

from gateway.api.auth import request_token
from gateway.errors import TooManyRequests
from gateway.store.sql import SqlStore

LIMITED_BLUEPRINTS = frozenset({"api", "scim"})
WINDOW = dt.timedelta(minutes=1)
HEADROOM_SHARE = 16
MAX_BATCH = 50
MAX_LOCAL_BUCKETS = 10_000


@dataclass
class _Tally:
    window: dt.datetime
    unwritten: int = 0
    known: int = 0  # the store's count when this worker last wrote


class HitCounter:
    """This worker's part of the shared per-minute counts (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tallies: dict[str, _Tally] = {}

    def hit(self, store: SqlStore, bucket: str, window: dt.datetime, limit: int) -> int:
        """Count one request; returns the window's count as far as this worker knows it."""
        with self._lock:
            tally = self._tallies.get(bucket)
            if tally is None or tally.window != window:
                if len(self._tallies) >= MAX_LOCAL_BUCKETS:
                    self._tallies = {b: t for b, t in self._tallies.items() if t.window == window}
                tally = _Tally(window)
                if len(self._tallies) < MAX_LOCAL_BUCKETS:
                    self._tallies[bucket] = tally
            tally.unwritten += 1
            batch = max(1, min(MAX_BATCH, (limit - tally.known) // HEADROOM_SHARE))
            if self._tallies.get(bucket) is not tally:
                batch = 1  # not kept here: written at once
            if tally.unwritten < batch:
                return tally.known + tally.unwritten
            hits, tally.unwritten = tally.unwritten, 0
        total = store.count_hit(bucket, window, hits)
        with self._lock:
            tally.known = max(tally.known, total)
        return total


class RateLimited(TooManyRequests):
    """Too many requests with this token in the current minute."""

    code = "rate_limited"

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            f"More than {limit} requests a minute with this token; retry in "
            f"{retry_after} s (the limit is GATEWAY_RATE_LIMIT_PER_MINUTE).",
            limit=limit,
            retry_after=retry_after,
        )
        self.retry_after = retry_after


def bucket_of(store: SqlStore, header: str) -> str:
    """The count a request adds to: its token's id once the token authenticates, so any
    spelling of one token (``Bearer`` in any case, extra spaces) shares one allowance; else
    the client's address, so made-up tokens share one allowance too."""
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() == "bearer" and secret:
        kind = "admin" if request.blueprint == "api" else "scim"
        token = request_token(secret, kind)
        if token is not None:
            return f"token:{token.id}"
    return f"client:{request.remote_addr or 'unknown'}"


def check_rate_limit() -> None:
    """Count this request against its bearer token; raises RateLimited over the limit."""
    limit: int = current_app.extensions["gateway.config"].rate_limit_per_minute
    header = request.headers.get("Authorization", "")
    if limit <= 0 or request.blueprint not in LIMITED_BLUEPRINTS or not header:
        return
    store = current_app.extensions["gateway.store"]
    now = store.clock.now()
    window = now.replace(second=0, microsecond=0)
    bucket = bucket_of(store, header)
    counter: HitCounter = current_app.extensions["gateway.hits"]
    if counter.hit(store, bucket, window, limit) > limit:
        retry_after = max(1, int((window + WINDOW - now).total_seconds()))
        raise RateLimited(limit, retry_after)
    if now.second == 0 and now.microsecond < 50_000:
        # Kept longer than the 15-minute windows of failed sign-ins that share the table.
        store.prune_rate_limits(window - 20 * WINDOW)


def hold_reads() -> None:
    """An admin API or SCIM request's reads outside a transaction (the token read here, a
    read-only operation) share one pooled connection (``SqlStore.hold_reads``)."""
    if request.blueprint in LIMITED_BLUEPRINTS:
        g.gateway_held_reads = current_app.extensions["gateway.store"].hold_reads()


def release_reads(_error: BaseException | None = None) -> None:
    """Give the request's held connection back to the pool."""
    token = g.pop("gateway_held_reads", None)
    if token is not None:
        current_app.extensions["gateway.store"].release_reads(token)


def init_app(app: Flask) -> None:
    """Check the limit before every admin API and SCIM request (holding the connection its
    token read and the request share first)."""
    app.extensions["gateway.hits"] = HitCounter()
    app.before_request(hold_reads)
    app.before_request(check_rate_limit)
    app.teardown_request(release_reads)
