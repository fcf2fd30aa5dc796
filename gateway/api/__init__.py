"""The admin JSON API under /api/v1."""

from __future__ import annotations

from flask import Flask

from gateway.api import accounts, mapping_api, people, saml_admin  # noqa: F401  (registers the routes)
from gateway.api import consolidation_api, domains_api, login_api  # noqa: F401
from gateway.api.registry import api


def init_app(app: Flask) -> None:
    """Mount the admin API."""
    app.register_blueprint(api.blueprint)
