"""Console sessions: an admin token or SSO opens one; a cookie and a CSRF token follow."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Response, current_app, g, request

from gateway.api.auth import Caller
from gateway.errors import Forbidden, Unauthorized
from gateway.store.errors import NotFound
from gateway.store.records import Account, Token, User
from gateway.store.saml_state import Session
from gateway.store.sql import SqlStore

COOKIE = "gateway_console"
# The sign-in form's CSRF token (double submit): a cookie set with the form, sent back in it.
SIGNIN_COOKIE = "gateway_console_signin"
KIND = "console"
TTL = dt.timedelta(hours=8)
CONSOLE_ROLES = ("Owner", "Admin")


def store() -> SqlStore:
    """The application's store."""
    return current_app.extensions["gateway.store"]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SsoCaller(Caller):
    """An Owner or Admin user signed in through SSO; its token is a stand-in, never stored."""

    user_id: str = ""
    email: str = ""

    @property
    def actor(self) -> str:
        """How the audit log names this console user."""
        return f"sso:{self.email}@{self.account.number}"


@dataclass(frozen=True)
class Console:
    """Who is signed in (the token's or SSO user's account), and the account acted in now."""

    caller: Caller
    acting: Account
    csrf: str
    identity: Mapping[str, Any] = field(default_factory=dict)

    @property
    def home(self) -> Account:
        """The account of the admin token (or SSO user) that signed in."""
        return self.caller.account

    @property
    def managing_other(self) -> bool:
        """True while a master admin manages one of its sub-accounts."""
        return self.acting.id != self.home.id

    @property
    def via_sso(self) -> bool:
        """True when the session was opened through SSO rather than with an admin token."""
        return self.identity.get("via") == "sso"

    @property
    def signed_in_as(self) -> str:
        """Who signed in, for the page header."""
        if self.via_sso:
            return str(self.identity.get("user_email", ""))
        label = self.identity.get("token_label")
        return f"the admin token '{label}'" if label else f"admin token {self.caller.token.id}"


def token_identity(token: Token) -> dict[str, Any]:
    """What a console session keeps of the admin token that opened it."""
    return {
        "via": "token",
        "token_id": token.id,
        "token_label": token.label,
        "token_created": token.created_at.isoformat(),
    }


def open_session(identity: Mapping[str, Any], home_id: int, acting_id: int) -> str:
    """A new console session of ``identity`` acting in ``acting_id``; returns the cookie secret."""
    data = {**identity, "home_id": home_id, "csrf": secrets.token_urlsafe(24)}
    # An SSO console session is the user's too: the IdP's Single Logout then ends it as well.
    user_id = identity.get("user_id")
    return store().create_session(KIND, acting_id, user_id, data, TTL)


def signin_csrf() -> str:
    """This browser's sign-in form token (made now when it has none; ``keep_signin_csrf``
    sets the cookie on the answer)."""
    token = g.get("gateway_signin_csrf") or request.cookies.get(SIGNIN_COOKIE)
    if not token:
        token = secrets.token_urlsafe(24)
    g.gateway_signin_csrf = token
    return token


def keep_signin_csrf(response: Response) -> Response:
    """Set the sign-in token's cookie when this request handed out a new one."""
    token = g.get("gateway_signin_csrf")
    if token and request.cookies.get(SIGNIN_COOKIE) != token:
        response.set_cookie(
            SIGNIN_COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            secure=request.scheme == "https",
            path="/console",
        )
    return response


def check_signin_csrf() -> None:
    """Refuse a sign-in post whose form token is not this browser's (login CSRF: another site
    signing the browser in as the attacker); raises Forbidden ``csrf_failed``."""
    sent = request.form.get("csrf_token", "")
    kept = request.cookies.get(SIGNIN_COOKIE, "")
    if not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        raise Forbidden(
            "This sign-in form is stale or came from another site; reload the page and sign "
            "in again.",
            code="csrf_failed",
        )


def sign_in(secret: str) -> str:
    """Open a session for an admin token posted with this browser's sign-in form token;
    raises Forbidden ``csrf_failed``, Unauthorized ``invalid_token``."""
    check_signin_csrf()
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
    return open_session(token_identity(token), token.account_id, token.account_id)


def sign_in_sso(sso_secret: str) -> str:
    """Open a console session for the user of an SSO session; returns the cookie secret.

    Raises Unauthorized ``sso_session_missing`` or Forbidden ``console_admins_only``.
    """
    sso = store().get_session(sso_secret) if sso_secret else None
    if sso is None or sso.kind != "sso" or sso.user_id is None:
        raise Unauthorized(
            "The SSO sign-in did not come back with a signed-in user; start it again.",
            code="sso_session_missing",
        )
    user = store().get_user(sso.user_id)
    if user.status != "active" or user.role not in CONSOLE_ROLES:
        raise _refused(user)
    identity = {
        "via": "sso",
        "user_id": user.id,
        "user_email": user.email,
        "idp": sso.data.get("idp"),
    }
    store().audit_event(
        actor=f"sso:{user.email}@console",
        account_id=user.account_id,
        action="console.signed_in",
        target=user.id,
        after={"via": "sso", "email": user.email, "role": user.role, "idp": identity["idp"]},
    )
    return open_session(identity, user.account_id, user.account_id)


def _refused(user: User) -> Forbidden:
    """Audit a refused SSO sign-in to the console and return the refusal to raise."""
    store().audit_event(
        actor=f"sso:{user.email}@console",
        account_id=user.account_id,
        action="console.refused",
        target=user.id,
        after={"via": "sso", "role": user.role, "code": "console_admins_only"},
    )
    return Forbidden(
        f"{user.email} signed in through SSO, but the console is only for the account's "
        f"Owner and Admins (this user's role is {user.role}, status {user.status}).",
        code="console_admins_only",
    )


def current() -> Console | None:
    """The signed-in console of this request, or None."""
    cached: Console | None = g.get("gateway_console")
    if cached is not None:
        return cached
    secret = request.cookies.get(COOKIE, "")
    session = store().get_session(secret) if secret else None
    if session is None or session.kind != KIND:
        return None
    caller = _sso_caller(session) if session.data.get("via") == "sso" else _token_caller(session)
    if caller is None:
        return None
    if session.account_id not in caller.managed_ids:  # unlinked since: back home
        acting = caller.account
    else:
        acting = store().get_account(session.account_id)
    identity = {k: v for k, v in session.data.items() if k not in ("csrf", "home_id")}
    console = Console(caller, acting, str(session.data["csrf"]), identity)
    g.gateway_console = console
    g.gateway_caller = caller  # the admin API's permission helpers then apply as they are
    return console


def _managed(home: Account) -> frozenset[int]:
    return frozenset({home.id} | {a.id for a in store().descendants(home.id)})


def _token_caller(session: Session) -> Caller | None:
    """The admin token behind the session while it is not revoked (revoking it ends every
    console session it opened, at their next request)."""
    data = session.data
    token = store().live_token(int(data["token_id"]), "admin")
    if token is None or token.account_id != int(data["home_id"]):
        return None
    home = store().get_account(token.account_id)
    return Caller(token, home, _managed(home))


def _sso_caller(session: Session) -> SsoCaller | None:
    """The SSO user behind the session while still an active Owner or Admin of its account."""
    data = session.data
    try:
        user = store().get_user(str(data["user_id"]), account_id=int(data["home_id"]))
    except NotFound:
        return None
    if user.status != "active" or user.role not in CONSOLE_ROLES or user.email is None:
        return None
    home = store().get_account(user.account_id)
    stand_in = Token(
        id=0,
        account_id=home.id,
        kind="admin",
        label=f"sso:{user.email}",
        profile="compatible",
        created_at=session.created_at,
        revoked_at=None,
    )
    return SsoCaller(stand_in, home, _managed(home), user_id=user.id, email=user.email)


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
    return open_session(console.identity, console.home.id, account_id)


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
