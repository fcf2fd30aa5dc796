"""The ACS's side of the logs: the tracking ID of a post, its log entry, and how a refusal
shows the tracking ID with Zoom's numeric code (JSON and a generic page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, jsonify, make_response, render_template_string

from gateway.errors import GatewayError
from gateway.saml.codes import zoom_number
from gateway.saml_logs.service import Attempt, SamlLogService, new_tracking_id
from gateway.sso.signin import SignInResult
from gateway.store.saml_state import AcsStamp

REFUSED_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign-in refused</title>
<body style="font-family:sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem">
<h1>Sign-in refused</h1><p>Something went wrong signing you in with single sign-on.</p>
<dl><dt>Error code</dt><dd id="error-code">{{ number }}</dd>
<dt>Tracking ID</dt><dd id="tracking-id"><code>{{ tracking_id }}</code></dd></dl>
<p>Give both to your account's admin: the tracking ID finds this attempt in the account's
SAML response logs.</p></body></html>"""


def saml_logs() -> SamlLogService:
    """The app's SAML response log service (made on first use, over the app's SSO service)."""
    extensions = current_app.extensions
    if "gateway.saml_logs" not in extensions:
        extensions["gateway.saml_logs"] = SamlLogService(extensions["gateway.sso"])
    return extensions["gateway.saml_logs"]  # type: ignore[no-any-return]


def start_attempt() -> str:
    """A new tracking ID for this ACS post, remembered for the refusal's rendering."""
    tracking_id: str = new_tracking_id()
    g.saml_tracking_id = tracking_id
    return tracking_id


def logged_sign_in(
    stamp: AcsStamp,
    saml_response: str,
    host_base: str | None,
    *,
    check: Callable[[str], None] | None = None,
) -> SignInResult:
    """The ACS sign-in, logged (accepted or refused) when the account saves logs; ``check``
    (e.g. the same-browser check) runs first, its refusal logged like the sign-in's."""
    service = saml_logs()
    tracking_id = g.get("saml_tracking_id") or start_attempt()
    try:
        if check is not None:
            check(saml_response)
        result = service.sso.sign_in(stamp, saml_response, host_base)
    except GatewayError as e:
        service.keep(stamp, Attempt(tracking_id, saml_response, error=e), host_base)
        raise
    service.keep(stamp, Attempt(tracking_id, saml_response, result=result), host_base)
    return result


def tracking_fields(error: GatewayError | None = None) -> dict[str, Any]:
    """``tracking_id`` of this ACS post, with ``zoom_error_code`` for a refusal; {} elsewhere."""
    tracking_id = g.get("saml_tracking_id")
    if tracking_id is None:
        return {}
    fields: dict[str, Any] = {"tracking_id": tracking_id}
    if error is not None:
        fields["zoom_error_code"] = zoom_number(error.code)
    return fields


def render_acs_refusal(error: GatewayError, *, as_json: bool) -> Response | None:
    """The ACS refusal with its number and tracking ID; None outside the ACS."""
    fields = tracking_fields(error)
    if not fields:
        return None
    if as_json:
        response = jsonify({**error.to_dict(), **fields})
    else:
        page = render_template_string(
            REFUSED_PAGE, number=fields["zoom_error_code"], tracking_id=fields["tracking_id"]
        )
        response = make_response(page)
    response.status_code = error.status
    return response
