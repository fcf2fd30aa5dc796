"""HTTP edges shared by every surface: JSON bodies, refusals rendered once, request ids."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Request, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from gateway.errors import BadRequest, GatewayError

log = logging.getLogger("gateway")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    411: "length_required",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def json_body(req: Request | None = None) -> dict[str, Any]:
    """The request's JSON object; raises BadRequest ``invalid_json`` otherwise."""
    req = req or request
    data = req.get_json(silent=True, force=True)
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.", code="invalid_json")
    return data


def int_arg(name: str, default: int, *, minimum: int = 0, maximum: int = 10_000) -> int:
    """A bounded integer query argument; raises BadRequest ``invalid_parameter``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as e:
        raise BadRequest(
            f"Query parameter '{name}' must be a whole number.", code="invalid_parameter"
        ) from e
    return max(minimum, min(maximum, value))


def error_response(error: GatewayError) -> Response:
    """The JSON rendering of a refusal."""
    response = jsonify(error.to_dict())
    response.status_code = error.status
    return response


def init_app(app: Flask) -> None:
    """Register the handlers that turn every refusal into JSON with a stable code."""

    @app.errorhandler(GatewayError)
    def _gateway_error(error: GatewayError) -> Response:
        renderer = app.extensions.get("gateway.error_renderers", {}).get(request.blueprint)
        response: Response = renderer(error) if renderer else error_response(error)
        retry_after = error.details.get("retry_after")
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        wrapped = GatewayError(
            error.description or error.name,
            code=HTTP_CODES.get(status, "http_error"),
            status=status,
        )
        response = _gateway_error(wrapped)
        if status == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        # A 500 is a bug: log it with the traceback, never show it to the client.
        log.exception("unhandled error on %s %s", request.method, request.path)
        wrapped = GatewayError(
            "The gateway hit an internal error; it was logged.", code="internal_error", status=500
        )
        return _gateway_error(wrapped)
