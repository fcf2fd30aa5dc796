"""What an OAuth access token grants, as the rest of the gateway sees it (no OAuth library here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gateway.errors import GatewayError
from gateway.store.sql import SqlStore


@dataclass(frozen=True)
class OAuthGrant:
    """A live access token: the account it acts for, the app that got it, its scopes."""

    account_id: int
    app_id: int
    client_id: str
    scopes: frozenset[str]
    expires_at: dt.datetime


class AccessTokenRefused(GatewayError):
    """An OAuth access token of this gateway that no longer works (expired, or its app revoked)."""

    status = 401
    code = "invalid_access_token"


def resolve_access_token(store: SqlStore, secret: str, now: dt.datetime) -> OAuthGrant | None:
    """The grant of the access token ``secret``; None when it is not one of ours.

    Raises AccessTokenRefused (code ``access_token_expired`` or ``invalid_access_token``)
    when it is one of ours but expired or revoked.
    """
    # The seam between the /scim2 surface and the OAuth server; the OAuth work fills it in.
    return None
