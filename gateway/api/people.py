"""Admin API: users, tokens, organizations, the audit log and the OpenAPI document."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from gateway.activation import activation_service
from gateway.api import examples
from gateway.api.auth import admin_caller, managed_account, store
from gateway.api.registry import api, openapi_document
from gateway.api.views import audit_json, organization_json, outbox_json, token_json
from gateway.errors import BadRequest, Forbidden
from gateway.http import int_arg, json_body
from gateway.scim.profiles import TOKEN_PROFILES
from gateway.store.records import USER_STATUSES
from gateway.store.users import user_public


@api.route("/openapi.json", "GET", "This document", tag="meta")
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document())


@api.route("/accounts/<int:account_id>/users", "GET", "A page of an account's users", tag="users")
def list_users(account_id: int) -> ResponseReturnValue:
    managed_account(account_id)
    page = store().list_users(
        account_id,
        offset=int_arg("offset", 0),
        limit=int_arg("limit", 100, minimum=1, maximum=1000),
        status=_status_arg(),
    )
    return jsonify(
        {
            "total": page.total,
            "offset": page.offset,
            "limit": page.limit,
            "users": [user_public(u) for u in page.items],
        }
    )


@api.route(
    "/accounts/<int:account_id>/users/<user_id>",
    "GET",
    "One user of an account",
    tag="users",
    errors=("user_not_found",),
)
def get_user(account_id: int, user_id: str) -> ResponseReturnValue:
    managed_account(account_id)
    return jsonify(user_public(store().get_user(user_id, account_id=account_id)))


@api.route(
    "/accounts/<int:account_id>/users/<user_id>",
    "PATCH",
    "Deactivate or reactivate a user, or change its role (Admin or Member); the account "
    "owner stays active and the owner",
    tag="users",
    body={
        "type": "object",
        "properties": {
            "status": {"enum": ["active", "deactivated"]},
            "role": {"enum": ["Admin", "Member"]},
        },
    },
    errors=("user_not_found", "owner_protected", "invalid_field", "activation_required"),
)
def change_user(account_id: int, user_id: str) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    changes = _user_changes(json_body())
    user = store().get_user(user_id, account_id=account_id)
    after = activation_service().admin_change(user, changes, actor=caller.actor)
    return jsonify(user_public(after))


@api.route(
    "/accounts/<int:account_id>/users/<user_id>",
    "DELETE",
    "Delete a user and give back its seats (never the account owner)",
    tag="users",
    errors=("user_not_found", "owner_protected"),
)
def delete_user(account_id: int, user_id: str) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    user = store().get_user(user_id, account_id=account_id)
    store().delete_user(user.id, actor=caller.actor)
    return "", 204


_USER_CHANGES = {"status": ("active", "deactivated"), "role": ("Admin", "Member")}


def _user_changes(body: dict[str, object]) -> dict[str, object]:
    """The status and role a PATCH asks for; raises BadRequest ``invalid_field``."""
    unknown = sorted(set(body) - set(_USER_CHANGES))
    if unknown or not body:
        raise BadRequest(
            f"Send 'status' and/or 'role' only (got {unknown or 'nothing'}).", code="invalid_field"
        )
    for name, allowed in _USER_CHANGES.items():
        if name in body and body[name] not in allowed:
            raise BadRequest(f"'{name}' must be one of {', '.join(allowed)}.", code="invalid_field")
    return dict(body)


@api.route(
    "/accounts/<int:account_id>/tokens",
    "POST",
    "Create an admin or SCIM token; the secret is in this answer only",
    tag="tokens",
    body={
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {"enum": ["admin", "scim"], "description": "admin: this API; scim: /scim/v2"},
            "label": {"type": "string", "description": "A name to recognise the token by"},
            "profile": {
                "enum": list(TOKEN_PROFILES),
                "default": "compatible",
                "description": "SCIM tokens: which client quirks /scim/v2 accepts",
            },
        },
    },
    errors=("invalid_token_kind", "invalid_profile"),
    example=examples.TOKEN,
)
def create_token(account_id: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    body = json_body()
    token, secret = store().create_token(
        account_id,
        str(body.get("kind")),
        actor=caller.actor,
        label=_label(body.get("label")),
        profile=str(body.get("profile", "compatible")),
    )
    return jsonify({**token_json(token), "secret": secret}), 201


@api.route(
    "/accounts/<int:account_id>/tokens/<int:token_id>",
    "DELETE",
    "Revoke a token",
    tag="tokens",
    errors=("token_not_found",),
)
def revoke_token(account_id: int, token_id: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    store().revoke_token(token_id, account_id=account_id, actor=caller.actor)
    return "", 204


@api.route(
    "/accounts/<int:account_id>/audit",
    "GET",
    "The audit log, newest first (sub-accounts included with include_sub_accounts=true)",
    tag="audit",
)
def audit(account_id: int) -> ResponseReturnValue:
    managed_account(account_id)
    ids = [account_id]
    if request.args.get("include_sub_accounts") == "true":
        ids += [a.id for a in store().descendants(account_id)]
    page = store().list_audit(
        ids,
        offset=int_arg("offset", 0),
        limit=int_arg("limit", 50, minimum=1, maximum=500),
        action=request.args.get("action") or None,
    )
    return jsonify(
        {
            "total": page.total,
            "offset": page.offset,
            "limit": page.limit,
            "entries": [audit_json(e) for e in page.items],
        }
    )


@api.route(
    "/organizations",
    "POST",
    "Create an organization with the token's account in it",
    tag="organizations",
    body={"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
    errors=("already_in_organization",),
)
def create_organization() -> ResponseReturnValue:
    caller = admin_caller()
    name = json_body().get("name")
    if not isinstance(name, str):
        raise BadRequest("'name' is required.", code="invalid_field")
    org = store().create_organization(name, caller.account.id, actor=caller.actor)
    return jsonify(organization_json(org)), 201


@api.route(
    "/organizations/<int:organization_id>",
    "GET",
    "An organization the token's account belongs to",
    tag="organizations",
    errors=("not_your_organization",),
)
def get_organization(organization_id: int) -> ResponseReturnValue:
    caller = admin_caller()
    org = store().get_organization(organization_id)
    if caller.account.id not in org.account_ids:
        raise Forbidden("This account is not in that organization.", code="not_your_organization")
    return jsonify(organization_json(org))


@api.route(
    "/organizations/<int:organization_id>/members",
    "POST",
    "Link an account: the caller's account must be a member, and the joining account's "
    "own admin token is given as consent",
    tag="organizations",
    body={
        "type": "object",
        "required": ["admin_token"],
        "properties": {"admin_token": {"type": "string"}},
    },
    errors=("not_your_organization", "consent_required", "already_in_organization"),
)
def link_organization(organization_id: int) -> ResponseReturnValue:
    caller = admin_caller()
    org = store().get_organization(organization_id)
    if caller.account.id not in org.account_ids:
        raise Forbidden(
            "Only an account already in the organization can link another.",
            code="not_your_organization",
        )
    consent = store().authenticate(str(json_body().get("admin_token", "")), "admin")
    if consent is None:
        raise Forbidden(
            "Linking needs the joining account's consent: pass a valid admin token "
            "of that account as 'admin_token'.",
            code="consent_required",
        )
    org = store().link_organization(organization_id, consent.account_id, actor=caller.actor)
    return jsonify(organization_json(org))


@api.route(
    "/organization",
    "DELETE",
    "Take the token's account out of its organization",
    tag="organizations",
    errors=("not_in_organization",),
)
def leave_organization() -> ResponseReturnValue:
    caller = admin_caller()
    store().unlink_organization(caller.account.id, actor=caller.actor)
    return "", 204


@api.route(
    "/accounts/<int:account_id>/outbox",
    "GET",
    "The account's outbox: activation, invitation and notice emails, newest first, with their "
    "links withheld (only the recipient reads them)",
    tag="outbox",
)
def outbox(account_id: int) -> ResponseReturnValue:
    managed_account(account_id)
    page = store().list_outbox(
        account_id,
        offset=int_arg("offset", 0),
        limit=int_arg("limit", 50, minimum=1, maximum=500),
        recipient=request.args.get("recipient") or None,
    )
    return jsonify(
        {
            "total": page.total,
            "offset": page.offset,
            "limit": page.limit,
            # Links withheld: only the recipient (and the operator's CLI) reads them.
            "messages": [outbox_json(m.withheld()) for m in page.items],
        }
    )


def _status_arg() -> str | None:
    """The ``status`` filter; raises BadRequest ``invalid_parameter`` for an unknown status."""
    status = request.args.get("status") or None
    if status is not None and status not in USER_STATUSES:
        raise BadRequest(
            f"'status' must be one of {', '.join(USER_STATUSES)}.", code="invalid_parameter"
        )
    return status


def _label(value: object) -> str | None:
    """A token label: text of at most 200 characters, or none; raises BadRequest."""
    if value is not None and (not isinstance(value, str) or len(value) > 200):
        raise BadRequest(
            "'label' must be a string of at most 200 characters.", code="invalid_field"
        )
    return value
