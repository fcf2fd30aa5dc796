"""HTTP edges shared by every surface: JSON bodies, refusals rendered once, request ids,
redirect targets kept on this origin, request-size limits and the security headers of pages."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
from flask import Flask, Request, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from gateway.errors import BadRequest, GatewayError
from gateway.jsonout import FastJSONProvider

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
    414: "uri_too_long",
    415: "unsupported_media_type",
    429: "rate_limited",
    431: "headers_too_large",
    503: "unavailable",
}

# JSON documents deeper than this are refused before anything walks them (RFC 8259 §9 lets a
# parser set one); every body the gateway takes is under ten levels deep.
MAX_JSON_DEPTH = 32
# The integers every JSON implementation holds exactly (RFC 7493 §2.2, I-JSON).
MAX_JSON_INTEGER = 2**53 - 1
# Request-line and header limits, checked before any view (RFC 9110 §15.5.15, RFC 6585 §5).
MAX_URL_BYTES = 8 * 1024
MAX_HEADER_BYTES = 16 * 1024
# The demo IdP's auto-post page submits its form on load; its one handler is allowed by hash.
_AUTO_POST_HASH = "sha256-ePniVEkSivX/c7XWBGafqh8tSpiRrKiqYeqbG7N1TOE="
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    f"script-src 'self' 'unsafe-hashes' '{_AUTO_POST_HASH}'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class JsonRefused(BadRequest):
    """A request body that is not JSON the gateway takes (syntax, depth, numbers)."""

    code = "invalid_json"
    scim_type = "invalidSyntax"


def parse_json(data: str | bytes) -> Any:
    """Parse a JSON request body, bounded in depth and numbers.

    Raises JsonRefused ``json_too_deep`` or ``number_out_of_range``; a body that is not JSON
    (syntax, lone surrogates, numbers too large for a double) raises ``ValueError``, which
    ``get_json(silent=True)`` turns into None and each surface into its own refusal.
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        if "depth" in str(e):
            raise _too_deep() from e
        raise
    _check_shape(value)
    return value


def _too_deep() -> JsonRefused:
    return JsonRefused(
        f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.", code="json_too_deep"
    )


def _check_shape(value: Any) -> None:
    """Raise JsonRefused when ``value`` nests too deep or holds an integer out of range."""
    level: list[Any] = [value]
    for _depth in range(MAX_JSON_DEPTH + 1):
        nested: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                nested.extend(item.values())
            elif isinstance(item, list):
                nested.extend(item)
            elif (
                isinstance(item, int | float) and not -MAX_JSON_INTEGER <= item <= MAX_JSON_INTEGER
            ):
                # orjson reads integers beyond 64 bits as floats: both are refused alike.
                raise JsonRefused(
                    f"The number {str(item)[:24]} is out of range: numbers in a body are "
                    f"between -{MAX_JSON_INTEGER} and {MAX_JSON_INTEGER}.",
                    code="number_out_of_range",
                )
        if not nested:
            return
        level = nested
    raise _too_deep()


class StrictJSONProvider(FastJSONProvider):
    """The JSON provider: ``parse_json`` for every ``request.get_json``, orjson out."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return parse_json(s)


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


def local_path(value: str | None, *, default: str = "/me", within: str = "/") -> str:
    """Where to send the browser after a sign-in: ``value`` reduced to a path on this origin
    that starts with ``within``, else ``default``.

    ``value`` is read as a browser reads a Location: control characters (tab, CR, LF, ...)
    dropped, backslashes taken as slashes. An absolute URL counts only on the public origin.
    Scheme-relative forms (``//host``, ``/\\host``), other schemes and percent-encoded
    slashes or backslashes right after the first slash all fall back to ``default``.
    """
    text = _CONTROL.sub("", value or "").strip().replace("\\", "/")
    if not text:
        return default
    target = urlsplit(text)
    if target.scheme or target.netloc:
        public = urlsplit(current_app.extensions["gateway.config"].public_url)
        if (target.scheme.lower(), target.netloc.lower()) != (public.scheme, public.netloc):
            return default
        text = text[len(f"{target.scheme}://{target.netloc}") :] or "/"
    decoded = _CONTROL.sub("", unquote(unquote(text))).replace("\\", "/")
    if not text.startswith("/") or decoded.startswith("//") or urlsplit(decoded).netloc:
        return default
    return text if text.startswith(within) else default


def refuse_oversized_request() -> None:
    """Refuse an over-long URL (414 ``uri_too_long``) or header block (431
    ``headers_too_large``) before any view reads them."""
    url_bytes = len(request.full_path.encode("utf-8", "surrogateescape"))
    if url_bytes > MAX_URL_BYTES:
        raise GatewayError(
            f"The URL is {url_bytes} bytes long; the gateway takes up to {MAX_URL_BYTES}.",
            code="uri_too_long",
            status=414,
        )
    header_bytes = _header_bytes(request.environ)
    if header_bytes > MAX_HEADER_BYTES:
        raise GatewayError(
            f"The request headers are {header_bytes} bytes long; the gateway takes up to "
            f"{MAX_HEADER_BYTES}.",
            code="headers_too_large",
            status=431,
        )


def _header_bytes(environ: dict[str, Any]) -> int:
    """The size of the request's header block as ``Name: value\r\n`` lines, read from the WSGI
    environ (``HTTP_X_Y`` is the header ``X-Y``: five characters fewer) without building
    werkzeug's header view."""
    size = 0
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key not in _BODY_HEADERS:
                size += len(key) - 1 + len(value)
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            size += len(key) + 4 + len(value)
    return size


# werkzeug's header view leaves these out: the body's type and length are CONTENT_TYPE and
# CONTENT_LENGTH.
_BODY_HEADERS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


def security_headers(response: Response) -> Response:
    """``nosniff`` on every answer; no framing, a CSP and a referrer policy on every page."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        for name, value in PAGE_HEADERS.items():
            response.headers.setdefault(name, value)
    return response


def error_response(error: GatewayError) -> Response:
    """The JSON rendering of a refusal."""
    response = jsonify(error.to_dict())
    response.status_code = error.status
    return response


def init_app(app: Flask) -> None:
    """Register the strict JSON parser, the size limits, the page headers and the handlers
    that turn every refusal into JSON with a stable code."""
    app.json = StrictJSONProvider(app)
    app.json.sort_keys = False
    app.before_request(refuse_oversized_request)
    app.after_request(security_headers)

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
        message = error.description or error.name
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if status == 413 and limit:
            message = f"The request body is over the limit of {limit} bytes; send less."
        wrapped = GatewayError(message, code=HTTP_CODES.get(status, "http_error"), status=status)
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
