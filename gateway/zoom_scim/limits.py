"""Zoom's SCIM2 rate limits: a label per operation, per-second limits by the account's plan."""

from __future__ import annotations

import datetime as dt

from gateway.store.sql import SqlStore


def check(store: SqlStore, account_id: int, label: str, now: dt.datetime) -> None:
    """Count one request of ``label`` (e.g. ``light``, ``medium``, ``heavy``) for the account.

    Raises a ZoomScimError subclass with status 429 when the account is over its limit.
    """
    # The seam between the /scim2 surface and the rate limits; the OAuth/limits work fills it in.
    return None
