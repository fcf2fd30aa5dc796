"""Failed password sign-ins counted per email and per client address, in the store.

The counts live in the store's rate-limit table (shared by every worker) in fixed windows of
the injectable clock. Once either count reaches its limit, sign-ins for that email (or from
that address) are refused with 429 ``too_many_failed_sign_ins`` and ``Retry-After`` until the
window ends, even with the right password: guessing stops paying off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gateway.errors import TooManyRequests
from gateway.store.base import hash_secret
from gateway.store.sql import SqlStore

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 10
MAX_FAILURES_PER_CLIENT = 50


class TooManyFailedSignIns(TooManyRequests):
    """Too many failed password sign-ins for this email or from this address."""

    code = "too_many_failed_sign_ins"


@dataclass(frozen=True)
class SignInLimits:
    """The failed-sign-in counts of one email and one client address."""

    store: SqlStore
    per_email: int = MAX_FAILURES_PER_EMAIL
    per_client: int = MAX_FAILURES_PER_CLIENT

    def _window(self) -> tuple[dt.datetime, int]:
        """The current window's start, and the seconds left in it."""
        now = self.store.clock.now()
        epoch = dt.datetime(2000, 1, 1, tzinfo=now.tzinfo)
        start = now - (now - epoch) % WINDOW
        return start, max(1, int((start + WINDOW - now).total_seconds()))

    def _buckets(self, email: str, client: str) -> tuple[tuple[str, int], ...]:
        # The email is hashed: the table keeps no address in clear.
        email_key = hash_secret(email.strip().casefold())[:40]
        return (
            (f"signin-email:{email_key}", self.per_email),
            (f"signin-client:{client or 'unknown'}", self.per_client),
        )

    def check(self, email: str, client: str) -> None:
        """Raise TooManyFailedSignIns while either count is at its limit."""
        start, retry_after = self._window()
        for bucket, limit in self._buckets(email, client):
            if self.store.hit_count(bucket, start) >= limit:
                raise TooManyFailedSignIns(
                    f"Too many failed sign-ins for this email or from this address; try again "
                    f"in {retry_after} s, or reset the password.",
                    retry_after=retry_after,
                )

    def failed(self, email: str, client: str) -> None:
        """Count one failed sign-in for the email and for the client address."""
        start, _ = self._window()
        with self.store.transaction():
            for bucket, _limit in self._buckets(email, client):
                self.store.count_hit(bucket, start)
