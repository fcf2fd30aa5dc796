"""Admin API: an account's Server-to-Server OAuth apps (create, list, get, revoke; no update)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from gateway.api.auth import managed_account, store
from gateway.api.registry import api
from gateway.api.views import iso
from gateway.errors import BadRequest
from gateway.http import json_body
from gateway.oauth import storage
from gateway.oauth.storage import OAuthApp

PATH = "/accounts/<int:account_id>/oauth-apps"
CREATE_BODY = {
    "type": "object",
    "required": ["scopes"],
    "properties": {
        "scopes": {
            "oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "string", "description": "space-separated"},
            ],
            "description": "e.g. ['scim2'] or 'scim2:admin'",
        },
        "name": {"type": "string", "maxLength": 200},
    },
}


def app_json(app: OAuthApp, account_number: str) -> dict[str, Any]:
    """An app as the API shows it: never its secret."""
    return {
        "id": app.id,
        "account_id": app.account_id,
        "account_number": account_number,  # the account_id of the token call
        "client_id": app.client_id,
        "name": app.name,
        "scopes": list(app.scopes),
        "created_by": app.created_by,
        "created_at": iso(app.created_at),
        "revoked_at": iso(app.revoked_at),
    }


@api.route(PATH, "GET", "The account's Server-to-Server OAuth apps", tag="oauth")
def list_oauth_apps(account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    apps = storage.list_apps(store(), account_id)
    return jsonify({"oauth_apps": [app_json(a, account.number) for a in apps]})


@api.route(
    PATH,
    "POST",
    "Create a Server-to-Server OAuth app; its client_secret is in this answer only",
    tag="oauth",
    body=CREATE_BODY,
    errors=("invalid_scope", "invalid_name"),
)
def create_oauth_app(account_id: int) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    body = json_body()
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise BadRequest("'name' must be a string.", code="invalid_name")
    app, secret = storage.create_app(
        store(), account_id, body.get("scopes"), actor=caller.actor, name=name
    )
    return jsonify({**app_json(app, account.number), "client_secret": secret}), 201


@api.route(
    PATH + "/<int:app_id>",
    "GET",
    "One Server-to-Server OAuth app",
    tag="oauth",
    errors=("oauth_app_not_found",),
)
def get_oauth_app(account_id: int, app_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    return jsonify(app_json(storage.get_app(store(), account_id, app_id), account.number))


@api.route(
    PATH + "/<int:app_id>",
    "DELETE",
    "Revoke an app: no new tokens, and its tokens stop working at once",
    tag="oauth",
    errors=("oauth_app_not_found",),
)
def revoke_oauth_app(account_id: int, app_id: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    storage.revoke_app(store(), account_id, app_id, actor=caller.actor)
    return "", 204
