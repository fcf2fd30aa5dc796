"""The mock password sign-in for users (no admin token): sign-in, sign-up, profile, the
prompt's answers."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as WerkzeugResponse

from gateway.api.auth import store
from gateway.api.registry import PUBLIC_PATHS, api
from gateway.domains import services
from gateway.domains.errors import DomainsError
from gateway.domains.signin import Decision
from gateway.errors import BadRequest, GatewayError
from gateway.http import json_body
from gateway.sso.views import COOKIE
from gateway.store.records import Account, User
from gateway.store.saml_state import Session
from gateway.store.users import user_public

TAG = "sign-in"
PUBLIC_PATHS.update({"/signup", "/logout", "/me/profile", "/me/consolidation-choice"})


def decision_json(decision: Decision) -> dict[str, Any]:
    """The JSON answer of a password sign-in."""
    return {
        "outcome": decision.outcome,
        "user": user_public(decision.user) if decision.user else None,
        "sso": {"enforced": False, "bypassed": bool(decision.notes)},
        "prompt": decision.prompt,
        "notes": list(decision.notes),
    }


@api.route(
    "/login",
    "POST",
    "Password sign-in (mock); enforced SSO answers 302 sso_required to the IdP",
    tag=TAG,
    body={
        "type": "object",
        "required": ["email", "password"],
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    },
    errors=(
        "invalid_credentials",
        "too_many_failed_sign_ins",
        "user_not_active",
        "sso_required",
        "unsupported_media_type",
    ),
)
def login() -> ResponseReturnValue:
    body = declared_json_body()
    decision = services().signin.login(
        str(body.get("email", "")), str(body.get("password", "")), request.remote_addr or ""
    )
    if decision.outcome == "sso_required":
        answer = jsonify(
            {
                "code": "sso_required",
                "redirect_url": decision.redirect_url,
                "message": "SSO is enforced for this email's domain: sign in at the identity "
                "provider.",
            }
        )
        answer.status_code = 302
        answer.headers["Location"] = decision.redirect_url or ""
        return answer
    response = jsonify(decision_json(decision))
    _set_cookie(response, decision.session_secret or "")
    return response


def declared_json_body() -> dict[str, Any]:
    """The JSON body of a request that opens a session; raises GatewayError 415
    ``unsupported_media_type`` unless the request says it is ``application/json``.

    Another site's form can post ``text/plain`` holding JSON but never ``application/json``
    (a browser asks first, and the gateway allows no cross-origin request), so no other site
    can sign a visitor's browser in to an account of its choosing (login CSRF).
    """
    if request.mimetype != "application/json":
        raise GatewayError(
            "Send this body as JSON with 'Content-Type: application/json'.",
            code="unsupported_media_type",
            status=415,
        )
    return json_body()


def _set_cookie(response: WerkzeugResponse, secret: str) -> None:
    response.set_cookie(
        COOKIE, secret, httponly=True, samesite="Lax", secure=request.scheme == "https", path="/"
    )


@api.route(
    "/signup",
    "POST",
    "Sign up; a domain that allows sign-up adds the user to its account (without SSO)",
    tag=TAG,
    body={
        "type": "object",
        "required": ["email", "password"],
        "properties": {
            "email": {"type": "string"},
            "password": {"type": "string"},
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
        },
    },
    errors=(
        "invalid_email",
        "weak_password",
        "email_taken",
        "owner_email_taken",
        "domain_managed",
        "unsupported_media_type",
    ),
)
def signup() -> ResponseReturnValue:
    user, account = services().signin.signup(declared_json_body())
    return jsonify({"user": user_public(user), "account": _brief(account)}), 201


@api.route("/logout", "POST", "End the session", tag=TAG)
def logout() -> ResponseReturnValue:
    secret = request.cookies.get(COOKIE)
    if secret:
        store().end_session(secret)
    response = jsonify({"outcome": "signed_out"})
    response.delete_cookie(COOKIE, path="/")
    return response


def _session() -> Session | None:
    secret = request.cookies.get(COOKIE, "")
    return store().get_session(secret) if secret else None


@api.route(
    "/me/profile",
    "GET",
    "The signed-in user's profile (blocked after three unanswered prompts)",
    tag=TAG,
    errors=("not_signed_in", "signed_out_24h", "consolidation_choice_required"),
)
def my_profile() -> ResponseReturnValue:
    user = services().signin.profile_user(_session())
    return jsonify(
        {"user": user_public(user), "account": _brief(store().get_account(user.account_id))}
    )


@api.route(
    "/me/consolidation-choice",
    "POST",
    "Answer the prompt: change_email (always possible) or consolidate (preview, then confirm)",
    tag=TAG,
    body={
        "type": "object",
        "required": ["choice"],
        "properties": {
            "choice": {"enum": ["change_email", "consolidate"]},
            "new_email": {"type": "string"},
            "confirm": {"type": "boolean"},
            "bring_all_users": {"type": "boolean"},
        },
    },
    errors=(
        "not_signed_in",
        "email_still_managed",
        "domain_managed_elsewhere",
        "email_taken",
        "consolidation_not_allowed",
        "multi_user_account",
        "rooms_must_be_deleted",
    ),
)
def consolidation_choice() -> ResponseReturnValue:
    signin = services().signin
    user = signin.session_user(_session())
    body = json_body()
    if body.get("choice") == "change_email":
        address = signin.change_email(user, body.get("new_email"))
        return jsonify(
            {
                "choice": "change_email",
                "state": "confirmation_sent",
                "new_email": address,
                "message": f"Follow the link sent to {address}: the email changes then.",
                "user": user_public(user),
            }
        ), 202
    if body.get("choice") == "consolidate":
        return _consolidate(user, body)
    raise BadRequest("'choice' is 'change_email' or 'consolidate'.", code="invalid_choice")


def _consolidate(user: User, body: dict[str, Any]) -> ResponseReturnValue:
    signin = services().signin
    managed = signin.managed(user)
    if managed is None or not managed.domain.options.get("allow_consolidation"):
        raise DomainsError(
            "This domain's account does not offer consolidation: change your email instead.",
            code="consolidation_not_allowed",
        )
    plan = signin.engine.plan(user, managed.account)
    if body.get("confirm") is not True:
        return jsonify({"choice": "consolidate", "confirm_required": True, **plan.to_dict()})
    with store().transaction():
        record = signin.engine.start(
            plan, bring_all_users=body.get("bring_all_users") is True, invitation_id=None
        )
        if store().get_prompt(user.id) is not None:
            store().record_choice(user.id, "consolidate")
    answer = services().invitations.consolidation_json(record)
    return jsonify({"choice": "consolidate", **answer})


def _brief(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "number": account.number,
        "name": account.name,
        "vanity": account.vanity,
    }
