"""Server-to-Server OAuth apps and their access tokens in the store (SQL, both backends).

Secrets never reach the database: an app's client secret and every access token are kept as
their SHA-256 (they are high-entropy random strings, so no salt or stretching; the same rule
as the admin and SCIM tokens). Times come from the store's injectable clock.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gateway.errors import BadRequest
from gateway.store import schema
from gateway.store.base import aware, hash_secret
from gateway.store.errors import NotFound
from gateway.store.sql import SqlStore

APPS = schema.oauth_apps
TOKENS = schema.oauth_access_tokens
ACCESS_TOKEN_PREFIX = "gwo_"  # noqa: S105  (a prefix, not a secret)
TOKEN_LIFETIME = dt.timedelta(hours=1)
# Expired tokens are kept a day so a late caller hears "expired", not "unknown".
KEEP_EXPIRED = dt.timedelta(days=1)
# An app keeps its newest tokens only: a client asking for a token per request cannot grow the
# table without bound (Zoom, too, invalidates earlier tokens past a tolerance).
MAX_TOKENS_PER_APP = 50
# Zoom's scope names: lowercase words joined by ':' (``scim2``, ``scim2:admin``, ``user:read``).
SCOPE_SYNTAX = re.compile(r"[a-z0-9_]+(?::[a-z0-9_]+)*\Z")
MAX_SCOPES = 50
MAX_SCOPE_LENGTH = 100
# A client id we issue: URL-safe base64 of 16 random bytes (22 characters, like Zoom's).
CLIENT_ID_SYNTAX = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
LIVE_TOKEN = (
    sa.select(TOKENS, APPS.c.revoked_at, APPS.c.client_id)
    .join(APPS, APPS.c.id == TOKENS.c.app_id)
    .where(TOKENS.c.token_hash == sa.bindparam("token_hash"))
)


@dataclass(frozen=True)
class OAuthApp:
    """A Server-to-Server OAuth app of one account (never its secret)."""

    id: int
    account_id: int
    client_id: str
    name: str
    scopes: tuple[str, ...]
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def live(self) -> bool:
        """True until the app is revoked."""
        return self.revoked_at is None


@dataclass(frozen=True)
class StoredToken:
    """An access token as stored: whose it is, what it grants, until when."""

    app_id: int
    account_id: int
    client_id: str
    scopes: tuple[str, ...]
    expires_at: dt.datetime
    app_revoked: bool


def parse_scopes(raw: Any) -> tuple[str, ...]:
    """Scopes from a list or a space/comma-separated string, in order, without repeats.

    Raises BadRequest ``invalid_scope`` (none, too many, or one not written as Zoom writes them).
    """
    if isinstance(raw, str):
        items: list[Any] = raw.replace(",", " ").split()
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        items = []  # a number, an object, null: no scopes
    scopes: list[str] = []
    for item in items:
        if (
            not isinstance(item, str)
            or not SCOPE_SYNTAX.match(item)
            or len(item) > MAX_SCOPE_LENGTH
        ):
            raise BadRequest(
                f"Scope {str(item)[:100]!r} is not a scope name: lowercase words joined by ':', "
                "such as 'scim2' or 'scim2:admin'.",
                code="invalid_scope",
            )
        if item not in scopes:
            scopes.append(item)
    if not scopes or len(scopes) > MAX_SCOPES:
        raise BadRequest(
            f"An app needs 1 to {MAX_SCOPES} scopes; '/scim2' needs 'scim2' or 'scim2:admin'.",
            code="invalid_scope",
        )
    return tuple(scopes)


def _app(row: Any) -> OAuthApp:
    m = row._mapping
    return OAuthApp(
        id=m["id"],
        account_id=m["account_id"],
        client_id=m["client_id"],
        name=m["name"],
        scopes=tuple(m["scopes"].split()),
        created_by=m["created_by"],
        created_at=aware(m["created_at"]),  # type: ignore[arg-type]
        revoked_at=aware(m["revoked_at"]),
    )


def create_app(
    store: SqlStore, account_id: int, scopes: Any, *, actor: str, name: str | None = None
) -> tuple[OAuthApp, str]:
    """Make an app for ``account_id``; returns it with its client secret, shown this once.

    Raises BadRequest ``invalid_scope`` / ``invalid_name``, NotFound ``account_not_found``.
    """
    wanted = parse_scopes(scopes)
    label = (name or "Server-to-Server OAuth app").strip()
    if not label or len(label) > 200:
        raise BadRequest("An app name has 1-200 characters.", code="invalid_name")
    secret = secrets.token_urlsafe(24)
    with store.transaction() as conn:
        store.get_account(account_id)
        app_id = conn.execute(
            APPS.insert()
            .values(
                account_id=account_id,
                client_id=secrets.token_urlsafe(16),
                secret_hash=hash_secret(secret),
                name=label,
                scopes=" ".join(wanted),
                created_by=actor[:200],
                created_at=store.clock.now(),
            )
            .returning(APPS.c.id)
        ).scalar_one()
        app = _app(conn.execute(sa.select(APPS).where(APPS.c.id == app_id)).one())
        store.audit(
            conn,
            actor=actor,
            account_id=account_id,
            action="oauth_app.create",
            target=app.client_id,
            after={"name": app.name, "scopes": list(app.scopes)},
        )
        return app, secret


def list_apps(store: SqlStore, account_id: int) -> list[OAuthApp]:
    """The account's apps, revoked ones included, oldest first."""
    with store.transaction(reads_only=True) as conn:
        rows = conn.execute(
            sa.select(APPS).where(APPS.c.account_id == account_id).order_by(APPS.c.id)
        )
        return [_app(r) for r in rows]


def get_app(store: SqlStore, account_id: int, app_id: int) -> OAuthApp:
    """The app ``app_id`` of ``account_id``; raises NotFound ``oauth_app_not_found``."""
    with store.transaction(reads_only=True) as conn:
        row = conn.execute(
            sa.select(APPS).where(APPS.c.id == app_id, APPS.c.account_id == account_id)
        ).first()
    if row is None:
        raise NotFound(f"No OAuth app {app_id} in this account.", code="oauth_app_not_found")
    return _app(row)


def find_app(store: SqlStore, account_id: int, ident: str) -> OAuthApp:
    """An app of ``account_id`` by id or client id; raises NotFound ``oauth_app_not_found``."""
    cond = APPS.c.client_id == ident
    if ident.isdigit() and int(ident) < 2**31:
        cond = sa.or_(cond, APPS.c.id == int(ident))
    with store.transaction(reads_only=True) as conn:
        row = conn.execute(sa.select(APPS).where(cond, APPS.c.account_id == account_id)).first()
    if row is None:
        raise NotFound(f"No OAuth app {ident!r} in this account.", code="oauth_app_not_found")
    return _app(row)


def revoke_app(store: SqlStore, account_id: int, app_id: int, *, actor: str) -> OAuthApp:
    """Revoke the app (its tokens stop working at once); revoking again changes nothing.

    Raises NotFound ``oauth_app_not_found``.
    """
    with store.transaction() as conn:
        app = get_app(store, account_id, app_id)
        if app.revoked_at is not None:
            return app
        conn.execute(APPS.update().where(APPS.c.id == app_id).values(revoked_at=store.clock.now()))
        store.audit(
            conn,
            actor=actor,
            account_id=account_id,
            action="oauth_app.revoke",
            target=app.client_id,
        )
        return get_app(store, account_id, app_id)


def app_by_client_id(store: SqlStore, client_id: str) -> tuple[OAuthApp, str] | None:
    """The app with ``client_id`` and its secret hash, revoked or not; None when unknown.

    A client id that no app could have (wrong characters, too long, a NUL) is never queried.
    """
    if not CLIENT_ID_SYNTAX.match(client_id):
        return None
    with store.transaction(reads_only=True) as conn:
        row = conn.execute(sa.select(APPS).where(APPS.c.client_id == client_id)).first()
    return None if row is None else (_app(row), row.secret_hash)


def issue_token(store: SqlStore, app: OAuthApp) -> tuple[str, dt.datetime]:
    """A new access token for ``app`` (kept hashed); returns it and its expiry.

    Tokens of the app that expired more than a day ago are dropped on the way, and so are
    its oldest tokens beyond the newest MAX_TOKENS_PER_APP (they stop working).
    """
    token = ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = store.clock.now()
    expires_at = now + TOKEN_LIFETIME
    with store.transaction() as conn:
        conn.execute(
            TOKENS.delete().where(
                TOKENS.c.app_id == app.id, TOKENS.c.expires_at < now - KEEP_EXPIRED
            )
        )
        newest = (
            sa.select(TOKENS.c.token_hash)
            .where(TOKENS.c.app_id == app.id)
            .order_by(TOKENS.c.issued_at.desc(), TOKENS.c.token_hash)
            .limit(MAX_TOKENS_PER_APP - 1)
        )
        conn.execute(
            TOKENS.delete().where(
                TOKENS.c.app_id == app.id, TOKENS.c.token_hash.not_in(newest.scalar_subquery())
            )
        )
        conn.execute(
            TOKENS.insert().values(
                token_hash=hash_secret(token),
                app_id=app.id,
                account_id=app.account_id,
                scopes=" ".join(app.scopes),
                issued_at=now,
                expires_at=expires_at,
            )
        )
    return token, expires_at


def stored_token(store: SqlStore, token: str) -> StoredToken | None:
    """What the store knows of the access token ``token``; None when it knows nothing."""
    with store.transaction(reads_only=True) as conn:
        row = conn.execute(LIVE_TOKEN, {"token_hash": hash_secret(token)}).first()
    if row is None:
        return None
    m = row._mapping
    return StoredToken(
        app_id=m["app_id"],
        account_id=m["account_id"],
        client_id=m["client_id"],
        scopes=tuple(m["scopes"].split()),
        expires_at=aware(m["expires_at"]),  # type: ignore[arg-type]
        app_revoked=m["revoked_at"] is not None,
    )
