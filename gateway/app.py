"""The application factory: configuration, store, and every surface mounted by ``init_app``."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask, Request, Response, jsonify
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.typing import ResponseReturnValue

from gateway import (
    activation,
    api,
    console,
    demo_idp,
    domains,
    http,
    metrics,
    ratelimit,
    timetravel,
)
from gateway.clock import Clock, SystemClock
from gateway.config import GatewayConfig
from gateway.oauth import server as oauth_server
from gateway.scim import views as scim_views
from gateway.sso import views as sso_views
from gateway.store.sql import SqlStore
from gateway.zoom_scim import views as zoom_scim_views


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with nothing built for a request that brought no
    session cookie and left its session untouched (every API and SCIM call): Flask's own
    builds a signing serializer, which serializes ``{}`` to test itself, at every request."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """An empty session when no cookie came (and a secret key is set), else Flask's."""
        if app.secret_key and (
            "HTTP_COOKIE" not in request.environ
            or not request.cookies.get(self.get_cookie_name(app))
        ):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Nothing for an empty session nobody read or changed (Flask's would do nothing
        either), else Flask's."""
        if session or session.modified or session.accessed:
            super().save_session(app, session, response)


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    store: SqlStore | None = None,
    clock: Clock | None = None,
) -> Flask:
    """Build the gateway; ``config`` overrides ``GATEWAY_*`` variables."""
    settings = GatewayConfig.from_env().with_overrides(config)
    app = Flask(__name__)
    app.session_interface = CookieSessions()
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["SECRET_KEY"] = settings.secret_key or secrets.token_hex(32)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    base = clock or (store.clock if store else SystemClock())
    app.extensions["gateway.config"] = settings
    store = store or SqlStore.from_url(settings.database_url, base)
    app.extensions["gateway.store"] = store
    # In demo mode a clock every worker can move (gateway clock, /api/v1/clock).
    app.extensions["gateway.clock"] = timetravel.install(app, settings, base, store)
    logging.getLogger("gateway").setLevel(logging.INFO)
    http.init_app(app)
    metrics.init_app(app)
    ratelimit.init_app(app)
    api.init_app(app)
    activation.init_app(app)
    sso_views.init_app(app)
    domains.init_app(app)
    scim_views.init_app(app)
    zoom_scim_views.init_app(app)
    oauth_server.init_app(app)
    demo_idp.init_app(app)
    console.init_app(app)

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return jsonify({"status": "ok"})

    return app
