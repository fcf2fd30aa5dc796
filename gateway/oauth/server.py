"""``POST /oauth/token``: Zoom's Server-to-Server OAuth token endpoint, on Authlib.

Authlib's Flask ``AuthorizationServer`` does the RFC 6749 work (reading the request, HTTP Basic
or form client authentication, choosing the grant, the no-store headers). Zoom's
``account_credentials`` grant is registered as a custom grant, and refusals are rendered as
Zoom renders them: ``{"reason": ..., "error": ...}`` (see docs/zoom-oauth.md).
"""

from __future__ import annotations

import hmac
from typing import Any, ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.grants import BaseGrant, TokenEndpointMixin
from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from gateway.errors import GatewayError
from gateway.oauth import storage
from gateway.oauth.storage import OAuthApp
from gateway.store.base import hash_secret
from gateway.store.sql import SqlStore
from gateway.zoom_scim import limits

GRANT_TYPE = "account_credentials"
blueprint = Blueprint("oauth", __name__)

# Zoom's wording where a public source quotes it; the rest is inferred (docs/zoom-oauth.md).
INVALID_CLIENT = "Invalid client_id or client_secret"
REASONS = {
    "invalid_client": INVALID_CLIENT,
    "unsupported_grant_type": "unsupported grant type",
    "unauthorized_client": INVALID_CLIENT,
}


class ZoomTokenError(OAuth2Error):  # type: ignore[misc]
    """A token refusal with Zoom's ``reason`` sentence."""

    def __init__(self, error: str, reason: str, status: int = 400) -> None:
        super().__init__(description=None, status_code=status, error=error)
        self.reason = reason


class AppClient(ClientMixin):  # type: ignore[misc]
    """An OAuth app as Authlib sees a client: Basic or form secret, one grant type."""

    def __init__(self, app: OAuthApp, secret_hash: str) -> None:
        self.app = app
        self._secret_hash = secret_hash

    def get_client_id(self) -> str:
        return self.app.client_id

    def check_client_secret(self, client_secret: str) -> bool:
        # A revoked app's secret no longer authenticates: it answers as an unknown client.
        given = hash_secret(client_secret)
        return self.app.live and hmac.compare_digest(given, self._secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post") and endpoint == "token"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == GRANT_TYPE

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(self.app.scopes)


class AccountCredentialsGrant(BaseGrant, TokenEndpointMixin):  # type: ignore[misc]
    """Zoom's ``grant_type=account_credentials``: the app's secret and its account's id."""

    GRANT_TYPE = GRANT_TYPE
    # Zoom reads the client from HTTP Basic, or from the request parameters.
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

    def validate_token_request(self) -> None:
        """Authenticate the app; the ``account_id`` parameter must be its account's number."""
        data = self.request.payload.data
        if not self.request.headers.get("Authorization") and not data.get("client_id"):
            raise ZoomTokenError("invalid_client", "Client ID or client secret is missing.")
        client: AppClient = self.authenticate_token_endpoint_client()
        account_id = data.get("account_id")
        if not account_id:
            raise ZoomTokenError("invalid_request", "Missing account_id")
        account = _store().get_account(client.app.account_id)
        if not hmac.compare_digest(str(account_id).encode(), account.number.encode()):
            # Another account's number, existing or not, gets the same answer (isolation).
            raise ZoomTokenError("invalid_request", "Invalid account_id")
        self.request.client = client

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        """Zoom's token JSON: access_token, token_type bearer, expires_in 3600, scope."""
        client: AppClient = self.request.client
        token, _ = storage.issue_token(_store(), client.app)
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(storage.TOKEN_LIFETIME.total_seconds()),
            "scope": " ".join(client.app.scopes),
        }
        return 200, body, self.TOKEN_RESPONSE_HEADER


class ZoomAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's Flask server answering refusals in Zoom's ``{"reason", "error"}`` shape."""

    def handle_error_response(self, request: OAuth2Request, error: OAuth2Error) -> Response:
        """Zoom answers token refusals 400 (a wrong Basic secret too, where RFC 6749 says 401)."""
        reason = getattr(error, "reason", None) or REASONS.get(error.error, "Invalid request")
        status = error.status_code if isinstance(error, ZoomTokenError) else 400
        body = {"reason": reason, "error": error.error}
        response: Response = self.handle_response(status, body, error.get_headers())
        return response


def _store() -> SqlStore:
    return current_app.extensions["gateway.store"]  # type: ignore[no-any-return]


def _query_client(client_id: str) -> AppClient | None:
    found = storage.app_by_client_id(_store(), client_id)
    return None if found is None else AppClient(*found)


def _save_token(token: dict[str, Any], request: OAuth2Request) -> None:
    """Tokens are stored when issued (``create_token_response``); nothing more to keep."""


@blueprint.post("/oauth/token")
def token() -> ResponseReturnValue:
    """Issue an access token to a Server-to-Server OAuth app."""
    server: ZoomAuthorizationServer = current_app.extensions["gateway.oauth_server"]
    if not request.values.get("grant_type"):
        body = {"reason": "Missing grant type", "error": "invalid_request"}
        return jsonify(body), 400, {"Cache-Control": "no-store", "Pragma": "no-cache"}
    response: Response = server.create_token_response()
    return response


def _render_error(error: GatewayError) -> Response:
    """Refusals outside Authlib (a 405, a body too large) in the same shape."""
    response = jsonify({"reason": error.message, "error": error.code})
    response.status_code = error.status
    return response


def init_app(app: Flask) -> None:
    """Mount ``/oauth/token`` with its Authlib server; check GATEWAY_ZOOM_RATE_LIMITS early."""
    limits.multiplier(app.extensions["gateway.config"].zoom_rate_limits)
    server = ZoomAuthorizationServer()
    server.init_app(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(AccountCredentialsGrant)
    app.extensions["gateway.oauth_server"] = server
    app.extensions.setdefault("gateway.error_renderers", {})["oauth"] = _render_error
    app.register_blueprint(blueprint)
