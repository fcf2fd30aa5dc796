"""The admin console: server-rendered pages under /console over the store and the services."""

from __future__ import annotations

from flask import Flask, Response, make_response, redirect, render_template, request, url_for

from gateway.console import session
from gateway.console.web import blueprint
from gateway.errors import GatewayError


def _render_error(error: GatewayError) -> Response:
    """Refusals that no page caught: the sign-in page when signed out, else an error page."""
    if error.code in ("not_signed_in",) and request.method == "GET":
        return make_response(redirect(url_for("console.signin_page", next=request.path)))
    console = session.current()
    page = render_template("console/error.html", console=console, error=error)
    return make_response(page, error.status)


def init_app(app: Flask) -> None:
    """Mount the console and its HTML error pages."""
    from gateway.console import (  # noqa: F401  (registers the routes)
        accounts_pages,
        mapping_pages,
        people_pages,
        report_pages,
        sso_pages,
    )

    app.extensions.setdefault("gateway.error_renderers", {})["console"] = _render_error
    app.register_blueprint(blueprint)
