"""The console blueprint and what every page shares: rendering, posted forms, notices."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.console import session
from gateway.console.session import Console
from gateway.errors import BadRequest, GatewayError
from gateway.http import local_path

blueprint = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

NOTICES = {
    "created": "Sub-account created.",
    "delegated": "Delegation saved.",
    "unlinked": "Sub-account unlinked: it is standalone now and kept everything.",
    "managing": "You are managing this sub-account.",
    "returned": "Back in your own account.",
    "sso_saved": "SAML configuration saved.",
    "metadata_imported": "IdP metadata imported.",
    "rule_added": "Rule added.",
    "rule_saved": "Rule saved.",
    "rule_deleted": "Rule deleted.",
    "rule_moved": "Rule moved.",
    "domain_added": "Domain added: publish its verification token, then verify.",
    "domain_verified": "Domain verified.",
    "options_saved": "Domain options saved.",
    "notice_sent": "Notice emails queued for the domain's outside users.",
    "enforcement_saved": "SSO enforcement saved.",
    "user_saved": "User saved.",
    "user_deleted": "User deleted.",
}


blueprint.add_app_template_global(session.signin_csrf)


@blueprint.after_request
def _headers(response: Response) -> Response:
    session.keep_signin_csrf(response)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def page(template: str, console: Console | None, status: int = 200, **context: Any) -> Response:
    """Render a console page with the session, any notice, and ``errors`` keyed by form."""
    context.setdefault("errors", {})
    notice = NOTICES.get(request.args.get("done", ""))
    html = render_template(f"console/{template}", console=console, notice=notice, **context)
    return make_response(html, status)


def posted() -> Console:
    """The signed-in console of a form post whose CSRF token matches; raises the refusal."""
    console = session.require()
    session.check_csrf(console)
    return console


def done(endpoint: str, notice: str, **values: Any) -> ResponseReturnValue:
    """Post/redirect/get: back to ``endpoint`` with a notice."""
    return redirect(url_for(f"console.{endpoint}", done=notice, **values), code=303)


def form_int(name: str, *, minimum: int = 0) -> int:
    """A whole number from the posted form; raises BadRequest ``invalid_field``."""
    raw = request.form.get(name, "").strip()
    if not raw.lstrip("-").isdigit() or int(raw) < minimum:
        raise BadRequest(
            f"'{name}' must be a whole number of at least {minimum}.", code="invalid_field"
        )
    return int(raw)


def next_path() -> str:
    """The console page to go to after signing in (``next``), else the accounts page."""
    return local_path(
        request.values.get("next"), default=url_for("console.accounts"), within="/console/"
    )


def refusal_status(error: GatewayError) -> int:
    """The status a page re-rendered with a refusal answers with."""
    return error.status if 400 <= error.status < 500 else 400
