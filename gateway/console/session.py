"""Console sessions: an admin token signs in once; the session cookie and a CSRF token follow."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from flask import Response, current_app, g, request

from gateway.api.auth import Caller
from gateway.errors import Forbidden, Unauthorized
from gateway.store.records import Account, Token
from gateway.store.sql import SqlStore

COOKIE = "gateway_console"
KIND = "console"
TTL = dt.timedelta(hours=8)


def store() -> SqlStore:
    """The application's store."""
    return current_app.extensions["gateway.store"]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Console:
    """Who is signed in (the token's account), and the account the console acts in now."""

    caller: Caller
    acting: Account
    csrf: str

    @property
    def home(self) -> Account:
        """The account of the admin token that signed in."""
        return self.caller.account

    @property
    def managing_other(self) -> bool:
        """True while a master admin manages one of its sub-accounts."""
        return self.acting.id != self.home.id


def open_session(token: Token, acting_id: int) -> str:
    """A new console session acting in ``acting_id``; returns the cookie secret."""
    data = {
        "token_id": token.id,
        "token_label": token.label,
        "token_created": token.created_at.isoformat(),
        "home_id": token.account_id,
        "csrf": secrets.token_urlsafe(24),
    }
    return store().create_session(KIND, acting_id, None, data, TTL)


def sign_in(secret: str) -> str:
    """Open a session for an admin token; raises Unauthorized ``invalid_token``."""
    token = store().authenticate(secret.strip(), "admin")
    if token is None:
        raise Unauthorized(
            "This admin token is unknown or revoked. Create one with "
            "'gateway token create --account <vanity> --kind admin'.",
            code="invalid_token",
        )
    store().audit_event(
        actor=f"token:{token.id}@console",
        account_id=token.account_id,
        action="console.signed_in",
        target=str(token.id),
    )
    return open_session(token, token.account_id)


def current() -> Console | None:
    """The signed-in console of this request, or None."""
    cached: Console | None = g.get("gateway_console")
    if cached is not None:
        return cached
    secret = request.cookies.get(COOKIE, "")
    session = store().get_session(secret) if secret else None
    if session is None or session.kind != KIND:
        return None
    data = session.data
    token = Token(
        id=int(data["token_id"]),
        account_id=int(data["home_id"]),
        kind="admin",
        label=data.get("token_label"),
        profile="compatible",
        created_at=dt.datetime.fromisoformat(str(data["token_created"])),
        revoked_at=None,
    )
    home = store().get_account(token.account_id)
    managed = frozenset({home.id} | {a.id for a in store().descendants(home.id)})
    caller = Caller(token, home, managed)
    if session.account_id not in managed:  # unlinked since: back home
        session_account = home
    else:
        session_account = store().get_account(session.account_id)
    console = Console(caller, session_account, str(data["csrf"]))
    g.gateway_console = console
    g.gateway_caller = caller  # the admin API's permission helpers then apply as they are
    return console


def require() -> Console:
    """The signed-in console; raises Unauthorized ``not_signed_in``."""
    console = current()
    if console is None:
        raise Unauthorized("Sign in to the console first.", code="not_signed_in")
    return console


def check_csrf(console: Console) -> None:
    """Refuse a form post without this session's CSRF token; raises Forbidden ``csrf_failed``."""
    sent = request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent.encode(), console.csrf.encode()):
        raise Forbidden(
            "This form is stale or came from another site; reload the page and try again.",
            code="csrf_failed",
        )


def switch(console: Console, account_id: int) -> str:
    """A new session acting in ``account_id`` (the old one ends); returns the cookie secret."""
    if account_id not in console.caller.managed_ids:
        raise Forbidden(
            f"Account {account_id} is neither your account nor one of its sub-accounts.",
            code="not_your_account",
        )
    store().end_session(request.cookies.get(COOKIE, ""))
    return open_session(console.caller.token, account_id)


def set_cookie(response: Response, secret: str) -> Response:
    """Attach the session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    response.set_cookie(
        COOKIE,
        secret,
        httponly=True,
        samesite="Lax",
        secure=request.scheme == "https",
        path="/console",
        max_age=int(TTL.total_seconds()),
    )
    return response


def sign_out(response: Response) -> Response:
    """End the session and drop its cookie."""
    secret = request.cookies.get(COOKIE, "")
    if secret:
        store().end_session(secret)
    response.delete_cookie(COOKIE, path="/console")
    return response
