"""The application factory: configuration, store, and every surface mounted by ``init_app``."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify
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


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    store: SqlStore | None = None,
    clock: Clock | None = None,
) -> Flask:
    """Build the gateway; ``config`` overrides ``GATEWAY_*`` variables."""
    settings = GatewayConfig.from_env().with_overrides(config)
    app = Flask(__name__)
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
