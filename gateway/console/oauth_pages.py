"""Console page: the acting account's Server-to-Server OAuth apps (create, revoke)."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.typing import ResponseReturnValue

from gateway.console import session
from gateway.console.session import Console, store
from gateway.console.web import blueprint, page, posted, refusal_status
from gateway.errors import GatewayError
from gateway.oauth import storage
from gateway.store.errors import NotFound


@blueprint.get("/oauth-apps")
def oauth_apps() -> ResponseReturnValue:
    return oauth_apps_page(session.require())


def oauth_apps_page(
    console: Console,
    errors: dict[str, GatewayError] | None = None,
    status: int = 200,
    created: dict[str, Any] | None = None,
    revoked: str | None = None,
) -> Response:
    """The apps of the acting account, the create form, and a new app's secret once."""
    account = console.acting
    return page(
        "oauth_apps.html",
        console,
        status,
        errors=errors or {},
        apps=storage.list_apps(store(), account.id),
        account_number=account.number,
        created=created,
        revoked=revoked,
        form=request.form,
    )


@blueprint.post("/oauth-apps")
def create_oauth_app() -> ResponseReturnValue:
    console = posted()
    try:
        app, secret = storage.create_app(
            store(),
            console.acting.id,
            request.form.get("scopes", ""),
            actor=console.caller.actor,
            name=request.form.get("name") or None,
        )
    except GatewayError as e:
        return oauth_apps_page(console, {"create": e}, refusal_status(e))
    # Shown in this answer only: a redirect would have to carry the secret in a URL.
    created = {"client_id": app.client_id, "secret": secret, "name": app.name}
    return oauth_apps_page(console, status=201, created=created)


@blueprint.post("/oauth-apps/<int:app_id>/revoke")
def revoke_oauth_app(app_id: int) -> ResponseReturnValue:
    console = posted()
    try:
        app = storage.revoke_app(store(), console.acting.id, app_id, actor=console.caller.actor)
    except NotFound as e:
        return oauth_apps_page(console, {"page": e}, refusal_status(e))
    return oauth_apps_page(console, revoked=app.name)
