"""Console sign-in through SSO: an SP-initiated sign-in whose RelayState comes back here."""

from __future__ import annotations

import hmac
import secrets

from flask import current_app, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue

from gateway.console import session
from gateway.console.session import store
from gateway.console.web import blueprint, next_path, page, refusal_status
from gateway.errors import Forbidden, GatewayError, NotFoundError
from gateway.sso.service import SsoService
from gateway.sso.views import COOKIE as SSO_COOKIE
from gateway.store.errors import NotFound
from gateway.store.records import Account

# Binds the SSO round trip to the browser that started it (no planted sign-in lands here).
STATE_COOKIE = "gateway_console_sso"
STATE_SECONDS = 600


def _sso() -> SsoService:
    return current_app.extensions["gateway.sso"]  # type: ignore[no-any-return]


def _account(ident: str) -> Account:
    """The account to sign in to by vanity or number; raises NotFoundError."""
    if not ident:
        raise NotFoundError(
            "Enter the account's vanity (e.g. acme) or number.", code="account_not_found"
        )
    try:
        return store().find_account(ident)
    except NotFound as e:
        raise NotFoundError(
            f"No account with vanity or number '{ident}'.", code="account_not_found"
        ) from e


@blueprint.post("/signin/sso")
def signin_sso() -> ResponseReturnValue:
    ident = request.form.get("account", "").strip()
    state = secrets.token_urlsafe(24)
    relay_state = url_for("console.sso_landing", state=state, next=next_path())
    try:
        url = _sso().login_redirect(_account(ident), relay_state)
    except GatewayError as e:
        errors = {"sso": e}
        context = {"errors": errors, "next": next_path(), "account": ident}
        return page("signin.html", None, refusal_status(e), **context)
    response = make_response(redirect(url, code=303))
    response.set_cookie(
        STATE_COOKIE,
        state,
        httponly=True,
        samesite="Lax",
        secure=request.scheme == "https",
        path="/console",
        max_age=STATE_SECONDS,
    )
    return response


@blueprint.get("/signin/sso/landing")
def sso_landing() -> ResponseReturnValue:
    try:
        _check_state()
        secret = session.sign_in_sso(request.cookies.get(SSO_COOKIE, ""))
    except GatewayError as e:
        answer = page("signin.html", None, refusal_status(e), errors={"sso": e}, next=next_path())
        answer.delete_cookie(STATE_COOKIE, path="/console")
        return answer
    response = make_response(redirect(next_path(), code=303))
    response.delete_cookie(STATE_COOKIE, path="/console")
    return session.set_cookie(response, secret)


def _check_state() -> None:
    """The RelayState's state matches this browser's; raises Forbidden ``sso_state_mismatch``."""
    sent = request.args.get("state", "")
    kept = request.cookies.get(STATE_COOKIE, "")
    if not sent or not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        raise Forbidden(
            "This SSO sign-in was not started from this browser's console sign-in page "
            "(or it took more than 10 minutes); start it again there.",
            code="sso_state_mismatch",
        )
