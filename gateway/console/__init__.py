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
    # Importing the page modules registers their routes on the blueprint.
    import gateway.console.accounts_pages
    import gateway.console.domain_pages
    import gateway.console.mapping_pages
    import gateway.console.oauth_pages
    import gateway.console.people_pages
    import gateway.console.report_pages
    import gateway.console.saml_log_pages
    import gateway.console.signout_page
    import gateway.console.sso_pages
    import gateway.console.sso_signin  # noqa: F401

    app.extensions.setdefault("gateway.error_renderers", {})["console"] = _render_error
    app.register_blueprint(blueprint)
