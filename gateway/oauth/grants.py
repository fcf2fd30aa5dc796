"""What an OAuth access token grants, as the rest of the gateway sees it (no OAuth library here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gateway.errors import GatewayError
from gateway.oauth.storage import ACCESS_TOKEN_PREFIX, stored_token
from gateway.store.sql import SqlStore

# Either scope lets a token use /scim2: Zoom's classic scope and its granular one.
SCIM2_SCOPES = frozenset({"scim2", "scim2:admin"})


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
    when it is one of ours but expired or revoked. "Ours" is read from the token's prefix
    (``gwo_``), so an unknown token with that prefix is refused, not passed on.
    """
    if not secret.startswith(ACCESS_TOKEN_PREFIX):
        return None
    found = stored_token(store, secret)
    if found is None or found.app_revoked:
        # Zoom's message for a token it does not honour (code 124 on its API).
        raise AccessTokenRefused("Invalid access token.", code="invalid_access_token")
    if now >= found.expires_at:
        raise AccessTokenRefused("Access token is expired.", code="access_token_expired")
    return OAuthGrant(
        account_id=found.account_id,
        app_id=found.app_id,
        client_id=found.client_id,
        scopes=frozenset(found.scopes),
        expires_at=found.expires_at,
    )


def has_scim2_scope(grant: OAuthGrant) -> bool:
    """Whether the token may call /scim2: it holds ``scim2`` or ``scim2:admin``."""
    return not grant.scopes.isdisjoint(SCIM2_SCOPES)
