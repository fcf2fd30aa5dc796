"""Per-token rate limits on the admin API and SCIM: 429 with Retry-After, counters in the store."""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, request

from gateway.errors import TooManyRequests
from gateway.store.base import hash_secret

LIMITED_BLUEPRINTS = frozenset({"api", "scim"})
WINDOW = dt.timedelta(minutes=1)


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


def check_rate_limit() -> None:
    """Count this request against its bearer token; raises RateLimited over the limit."""
    limit: int = current_app.extensions["gateway.config"].rate_limit_per_minute
    header = request.headers.get("Authorization", "")
    if limit <= 0 or request.blueprint not in LIMITED_BLUEPRINTS or not header:
        return
    store = current_app.extensions["gateway.store"]
    now = store.clock.now()
    window = now.replace(second=0, microsecond=0)
    # Bucket on the secret's hash: limits apply before (and without) a token lookup.
    bucket = "token:" + hash_secret(header)[:40]
    if store.count_hit(bucket, window) > limit:
        retry_after = max(1, int((window + WINDOW - now).total_seconds()))
        raise RateLimited(limit, retry_after)
    if now.second == 0 and now.microsecond < 50_000:
        store.prune_rate_limits(window - 5 * WINDOW)


def init_app(app: Flask) -> None:
    """Check the limit before every admin API and SCIM request."""
    app.before_request(check_rate_limit)
