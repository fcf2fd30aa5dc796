"""SAML endpoints per vanity (by path ``/v/<vanity>/saml/...`` or by host ``<vanity>.localhost``)
and the ``/me`` page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template_string,
    request,
)
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as WerkzeugResponse

from gateway.errors import GatewayError, NotFoundError
from gateway.http import error_response, local_path
from gateway.jsonout import dumps
from gateway.metrics import record_sign_in
from gateway.rules import RulesService
from gateway.saml.errors import SamlError
from gateway.saml.slo import IncomingMessage
from gateway.saml_logs.acs import (
    logged_sign_in,
    render_acs_refusal,
    start_attempt,
    tracking_fields,
)
from gateway.sso import binding
from gateway.sso.addresses import vanity_from_host
from gateway.sso.binding import check_same_browser
from gateway.sso.logout import LogoutOutcome, idp_logout, idp_logout_response, sp_logout
from gateway.sso.outgoing import send
from gateway.sso.service import SsoService
from gateway.sso.signin import SignInResult
from gateway.store.errors import NotFound
from gateway.store.records import Account
from gateway.store.users import user_public

COOKIE = "gateway_session"
_T = TypeVar("_T")
blueprint = Blueprint("sso", __name__)


def sso() -> SsoService:
    """The app's SSO service."""
    return current_app.extensions["gateway.sso"]  # type: ignore[no-any-return]


def _account_from(vanity: str | None) -> tuple[Account, str | None]:
    """The account addressed by path vanity, or by the ``<vanity>.localhost`` host.

    For the by-host form, also the host base its endpoints are published under.
    """
    account = _addressed(vanity, sso().store.find_account)
    return account, (sso().host_base(account) if vanity is None else None)


def _addressed(vanity: str | None, lookup: Callable[[str], _T]) -> _T:
    """``lookup`` of the vanity in the path, else of the ``<vanity>.localhost`` host;
    raises NotFoundError ``account_not_found``."""
    if vanity is None:
        vanity = vanity_from_host(sso().config, request.host)
        if vanity is None:
            raise NotFoundError(
                "Reach the SAML endpoints as /v/<vanity>/saml/... or on <vanity>.<SP host> "
                "(<vanity>.localhost).",
                code="account_not_found",
            )
    try:
        return lookup(vanity)
    except NotFound as e:
        raise NotFoundError(
            f"No account with vanity or number '{vanity}'.", code="account_not_found"
        ) from e


View = Callable[..., ResponseReturnValue]


def _routes(rule: str, **options: Any) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        blueprint.add_url_rule(f"/v/<vanity>/saml/{rule}", view_func=view, **options)
        blueprint.add_url_rule(
            f"/saml/{rule}",
            view_func=view,
            defaults={"vanity": None},
            endpoint=f"{view.__name__}_by_host",
            **options,
        )
        return view

    return decorate


@_routes("metadata/sp", methods=["GET"])
def metadata(vanity: str | None) -> ResponseReturnValue:
    account, host_base = _account_from(vanity)
    xml = sso().metadata_xml(account, host_base)
    return Response(xml, mimetype="application/samlmetadata+xml")


@_routes("login", methods=["GET"])
def login(vanity: str | None) -> ResponseReturnValue:
    account, host_base = _account_from(vanity)
    raw_relay = request.args.get("RelayState")
    relay_state = local_path(raw_relay) if raw_relay else None
    return send(sso().login_message(account, relay_state, host_base), "Signing in")


@_routes("SSO", methods=["POST"])
def acs(vanity: str | None) -> ResponseReturnValue:
    start_attempt()  # the tracking ID a refusal shows, which finds the post's log entry
    # The account and what its cached SAML settings are checked against, in one statement.
    stamp = _addressed(vanity, sso().store.acs_stamp)
    account = stamp.account
    host_base = sso().host_base(account) if vanity is None else None
    saml_response = request.form.get("SAMLResponse", "")
    try:
        result = logged_sign_in(stamp, saml_response, host_base, check=check_same_browser)
    except GatewayError as e:
        record_sign_in(e.code)
        if not isinstance(e, SamlError):  # SAML refusals are audited where they are raised
            sso().store.audit_event(
                actor="sso",
                account_id=account.id,
                action="sso.refused",
                target=e.code,
                after={"message": e.message},
            )
        raise
    record_sign_in(result.outcome)
    response: WerkzeugResponse
    if _wants_json():
        # Written straight to bytes as the app's JSON provider writes them (orjson).
        response = WerkzeugResponse(
            dumps({**decision_json(result), **tracking_fields()}) + b"\n",
            200 if result.outcome == "signed_in" else 202,
            mimetype="application/json",
        )
    else:
        target = local_path(request.form.get("RelayState"))
        response = (
            redirect(target, code=303)
            if result.outcome == "signed_in"
            else make_response(
                render_template_string(ACTIVATION_PAGE, email=result.user.email), 202
            )
        )
    if result.session_secret:
        response.set_cookie(
            COOKIE,
            result.session_secret,
            httponly=True,
            samesite="Lax",
            secure=request.scheme == "https",
            path="/",
        )
    return response


@_routes("SingleLogout", methods=["GET", "POST"])
def single_logout(vanity: str | None) -> ResponseReturnValue:
    account, host_base = _account_from(vanity)
    data = request.args if request.method == "GET" else request.form
    incoming = IncomingMessage(
        "Redirect" if request.method == "GET" else "POST",
        request.query_string.decode(),
        request.form.to_dict() if request.method == "POST" else None,
    )
    if "SAMLRequest" in data:
        return _logout_answer(idp_logout(sso(), account, host_base, incoming))
    if "SAMLResponse" in data:
        return _logout_answer(idp_logout_response(sso(), account, host_base, incoming))
    if request.method == "GET" and not _wants_json():  # a bare link: only a POST signs out
        return render_template_string(SIGN_OUT_PAGE)
    return _sign_out()


@blueprint.route("/signout", methods=["GET", "POST"])
def sign_out() -> ResponseReturnValue:
    """GET: a page with the sign-out button (a GET never signs out). POST: sign out here, and
    at the IdP when the account has a sign-out page URL."""
    if request.method == "GET":
        return render_template_string(SIGN_OUT_PAGE)
    return _sign_out()


def _sign_out() -> WerkzeugResponse:
    outcome = sp_logout(sso(), request.cookies.get(COOKIE, ""))
    response = _logout_answer(outcome)
    response.delete_cookie(COOKIE, path="/")
    return response


def _logout_answer(outcome: LogoutOutcome) -> WerkzeugResponse:
    if _wants_json():
        return jsonify(outcome.to_dict())
    if outcome.message is not None:
        return send(outcome.message, "Signing out")
    return make_response(render_template_string(SIGNED_OUT_PAGE, note=outcome.note))


@blueprint.get("/me")
def me() -> ResponseReturnValue:
    secret = request.cookies.get(COOKIE, "")
    session = sso().store.get_session(secret) if secret else None
    if session is None or session.user_id is None:
        if _wants_json():
            return error_response(GatewayError("Not signed in.", code="not_signed_in", status=401))
        return render_template_string(SIGNED_OUT_PAGE), 401
    user = sso().store.get_user(session.user_id)
    account = sso().store.get_account(user.account_id)
    data = {
        "user": user_public(user),
        "account": _account_brief(account),
        "session": {
            "kind": session.kind,
            "idp": session.data.get("idp"),
            "expires_at": session.expires_at.isoformat(),
        },
    }
    if _wants_json():
        return jsonify(data)
    return render_template_string(ME_PAGE, user=user, account=account)


def decision_json(result: SignInResult) -> dict[str, Any]:
    """The JSON decision of a sign-in, with the mapping trace."""
    a = result.assertion
    return {
        "outcome": result.outcome,
        "account": _account_brief(result.account),
        "routed_from": _account_brief(result.routed_from) if result.routed_from else None,
        "user": user_public(result.user),
        "assertion": {
            "issuer": a.issuer,
            "name_id": a.name_id,
            "name_id_format": a.name_id_format,
            "session_index": a.session_index,
            "assertion_id": a.assertion_id,
            "response_signed": a.response_signed,
            "assertion_signed": a.assertion_signed,
            "encrypted": a.encrypted,
            "attributes": [
                {"name": x.name, "friendly_name": x.friendly_name, "values": list(x.values)}
                for x in a.attributes
            ],
        },
        "mapping": result.decision_dict,
        "notes": list(result.notes),
    }


def _account_brief(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "number": account.number,
        "name": account.name,
        "vanity": account.vanity,
        "account_type": account.account_type,
    }


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" or request.args.get("format") == "json"


def _render_error(error: GatewayError) -> Response:
    acs_refusal = render_acs_refusal(error, as_json=_wants_json())
    if acs_refusal is not None:
        return acs_refusal
    if _wants_json() or (request.method == "GET" and "metadata" in request.path):
        return error_response(error)
    if request.path.endswith(("/SingleLogout", "/signout")):
        return make_response(render_template_string(LOGOUT_ERROR_PAGE, error=error), error.status)
    page = render_template_string(ERROR_PAGE, error=error)
    return make_response(page, error.status)


PAGE_HEAD = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<body style="font-family:sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem">"""
ME_PAGE = (
    PAGE_HEAD.format(title="Signed in")
    + """<h1>Signed in</h1>
<dl><dt>User</dt><dd>{{ user.email }}</dd><dt>Account</dt><dd>{{ account.name }}
({{ account.number }})</dd><dt>License</dt><dd>{{ user.license_type }}</dd>
<dt>Add-ons</dt><dd>{{ user.addons|join(', ') or 'none' }}</dd>
<dt>Groups</dt><dd>{{ user.groups|join(', ') or 'none' }}</dd><dt>Role</dt>
<dd>{{ user.role }}</dd></dl>
<form method="post" action="/signout"><button type="submit">Sign out</button></form>
</body></html>"""
)
SIGNED_OUT_PAGE = (
    PAGE_HEAD.format(title="Signed out")
    + """<h1>Signed out</h1>{% if note %}<p role="status" data-testid="logout-note">{{ note }}</p>
{% else %}<p>Not signed in.</p>{% endif %}</body></html>"""
)
SIGN_OUT_PAGE = (
    PAGE_HEAD.format(title="Sign out")
    + """<h1>Sign out</h1><form method="post" action="/signout"><button type="submit">Sign
out</button></form></body></html>"""
)
LOGOUT_ERROR_PAGE = (
    PAGE_HEAD.format(title="Sign-out refused")
    + """<h1>Sign-out refused</h1>
<p><code>{{ error.code }}</code></p><p>{{ error.message }}</p></body></html>"""
)
ACTIVATION_PAGE = (
    PAGE_HEAD.format(title="Check your email")
    + """<h1>Check your email</h1>
<p>{{ email }} must confirm by email before the first sign-in: follow the activation link
that was just sent.</p></body></html>"""
)
ERROR_PAGE = (
    PAGE_HEAD.format(title="Sign-in refused")
    + """<h1>Sign-in refused</h1>
<p><code>{{ error.code }}</code></p><p>{{ error.message }}</p></body></html>"""
)


def init_app(app: Flask) -> None:
    """Register the SSO service, its endpoints, and HTML refusals for browsers."""
    rules = app.extensions.setdefault(
        "gateway.rules", RulesService(app.extensions["gateway.store"])
    )
    app.extensions["gateway.sso"] = SsoService(
        app.extensions["gateway.store"],
        app.extensions["gateway.config"],
        app.extensions["gateway.clock"],
        rules,
        app.extensions["gateway.activation"],
    )
    app.extensions.setdefault("gateway.error_renderers", {})["sso"] = _render_error
    binding.init_app(app)
    app.register_blueprint(blueprint)
