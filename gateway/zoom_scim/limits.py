"""Zoom's SCIM2 rate limits: a label per operation, per-second limits by the account's plan.

Zoom counts requests per account and per label (Light, Medium, Heavy) in each second, with
limits set by the account's plan; every app of the account shares them. The count of a second
lives in the store's ``rate_limits`` table (one row per account, label and second), so every
worker shares it, through the same batching counter as the per-minute token limit
(``gateway.ratelimit.HitCounter``). Sources and inferences: docs/zoom-oauth.md.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import Response, after_this_request, current_app, has_app_context, has_request_context

from gateway.config import ConfigError
from gateway.ratelimit import HitCounter
from gateway.store import schema
from gateway.store.sql import SqlStore
from gateway.zoom_scim.errors import ZoomScimError

LIGHT, MEDIUM, HEAVY = "light", "medium", "heavy"
# Zoom's "Rate Limit Label" of each SCIM2 operation (docs/zoom-oauth.md says which are inferred).
OPERATION_LABELS = {
    "users.list": MEDIUM,
    "users.create": LIGHT,
    "users.get": LIGHT,
    "users.update": LIGHT,
    "users.deactivate": LIGHT,
    "users.delete": LIGHT,
    "groups.list": MEDIUM,
    "groups.create": LIGHT,
    "groups.get": LIGHT,
    "groups.update": LIGHT,
    "groups.delete": LIGHT,
}
# Requests per second by plan tier and label: Zoom's "Rate limits by account type" table.
PER_SECOND = {
    "free": {LIGHT: 4, MEDIUM: 2, HEAVY: 1},
    "pro": {LIGHT: 30, MEDIUM: 20, HEAVY: 10},
    "business+": {LIGHT: 80, MEDIUM: 60, HEAVY: 40},
}
# The gateway's plan kinds in Zoom's tiers: Business+ is Business, Education, Enterprise.
TIERS = {
    "free": "free",
    "pro": "pro",
    "business": "business+",
    "enterprise": "business+",
    "education": "business+",
}
MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."
SECOND = dt.timedelta(seconds=1)
# Kept as long as the per-minute token counts and sign-in windows sharing the table keep theirs.
KEEP = dt.timedelta(minutes=20)
PLAN_OF = sa.select(schema.accounts.c.plan_kind).where(schema.accounts.c.id == sa.bindparam("id"))


class ZoomRateLimited(ZoomScimError):
    """Over the account's per-second limit for the operation's label (429, Zoom's body)."""

    status: ClassVar[int] = 429
    code: ClassVar[str] = "rate_limited"

    def __init__(self, label: str, limit: int) -> None:
        super().__init__(MESSAGE, retry_after=1, category=label.capitalize(), limit=limit)
        self.label = label
        self.limit = limit

    def to_zoom(self) -> dict[str, Any]:
        """Zoom's API body for a per-second limit: ``code`` 429 and its sentence."""
        return {"code": 429, "message": self.message}

    def headers(self) -> dict[str, str]:
        """Zoom's rate-limit headers of a refusal over a per-second (QPS) limit."""
        return {
            "X-RateLimit-Category": self.label.capitalize(),
            "X-RateLimit-Type": "QPS",
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": "0",
            "Retry-After": "1",
        }


def multiplier(setting: str) -> float | None:
    """The factor GATEWAY_ZOOM_RATE_LIMITS puts on Zoom's limits; None when they are off.

    Raises ConfigError ``config_invalid`` for anything but on, off or a positive number.
    """
    text = setting.strip().lower()
    if text in ("on", "true", "yes", ""):
        return 1.0
    if text in ("off", "false", "no", "0"):
        return None
    try:
        factor = float(text)
    except ValueError:
        factor = -1.0
    if not math.isfinite(factor) or factor <= 0:
        raise ConfigError(
            f"GATEWAY_ZOOM_RATE_LIMITS must be on, off or a positive multiplier, not '{setting}'."
        )
    return factor


def limit_for(plan_kind: str, label: str, factor: float) -> int:
    """Requests a second the plan allows for ``label``, times ``factor`` (at least 1)."""
    base = PER_SECOND[TIERS.get(plan_kind, "free")][label]
    return max(1, math.floor(base * factor))


def check(store: SqlStore, account_id: int, label: str, now: dt.datetime) -> None:
    """Count one request of ``label`` (e.g. ``light``, ``medium``, ``heavy``) for the account.

    ``label`` may also be an operation name of OPERATION_LABELS (``users.list``...).
    Raises a ZoomScimError subclass with status 429 when the account is over its limit.
    """
    label = OPERATION_LABELS.get(label, label).lower()
    if label not in PER_SECOND["free"]:
        raise ValueError(f"unknown Zoom rate-limit label {label!r}")
    factor = multiplier(_setting())
    if factor is None:
        return
    with store.transaction(reads_only=True) as conn:
        plan = conn.execute(PLAN_OF, {"id": account_id}).scalar_one_or_none() or "free"
    limit = limit_for(plan, label, factor)
    window = now.replace(microsecond=0)
    bucket = f"zoom:{account_id}:{label}"
    counter = _counter()
    count = (
        counter.hit(store, bucket, window, limit) if counter else store.count_hit(bucket, window)
    )
    if window.second == 0 and now.microsecond < 50_000:
        store.prune_rate_limits(window - KEEP)
    if count > limit:
        refusal = ZoomRateLimited(label, limit)
        _send_headers(refusal.headers())
        raise refusal


def _setting() -> str:
    if has_app_context():
        return str(current_app.extensions["gateway.config"].zoom_rate_limits)
    return "on"


def _counter() -> HitCounter | None:
    if has_app_context():
        found: HitCounter | None = current_app.extensions.get("gateway.hits")
        return found
    return None


def _send_headers(headers: dict[str, str]) -> None:
    """Put the headers on the response whatever renders the refusal (the /scim2 renderer)."""
    if not has_request_context():
        return

    @after_this_request
    def add(response: Response) -> Response:
        response.headers.update(headers)
        return response
