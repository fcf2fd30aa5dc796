"""The admin JSON API under /api/v1."""

from __future__ import annotations

from flask import Flask

from gateway.api import (  # noqa: F401  (registers the routes)
    accounts,
    clock_api,
    consolidation_api,
    domains_api,
    login_api,
    mapping_api,
    oauth_apps,
    people,
    reports,
    saml_admin,
    saml_logs_api,
)
from gateway.api.registry import api


def init_app(app: Flask) -> None:
    """Mount the admin API."""
    app.register_blueprint(api.blueprint)
