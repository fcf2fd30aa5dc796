"""The SCIM HTTP surface: ``/scim/v2`` (by token, or by host ``<vanity>.localhost``) and
``/v/<vanity>/scim/v2``. Views parse, call one service method, serialize."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from flask.typing import ResponseReturnValue

from gateway import jsonout
from gateway.api.auth import request_token
from gateway.errors import GatewayError
from gateway.scim import discovery
from gateway.scim.discovery import ScimLimits
from gateway.scim.errors import (
    ERROR_SCHEMA,
    InvalidSyntax,
    NotFound,
    ScimError,
    Unauthorized,
)
from gateway.scim.operations import Caller, Outcome, note_quirks, resource_type_of
from gateway.scim.profiles import TOKEN_PROFILES, ClientProfile
from gateway.scim.projection import project
from gateway.scim.query import (
    etag_matches,
    query_from_body,
    query_from_params,
    version_from_etag,
)
from gateway.scim.resources import etag
from gateway.scim.schema_model import ResourceType
from gateway.scim.service import ScimService
from gateway.store.errors import NotFound as StoreNotFound
from gateway.store.sql import SqlStore

SCIM_JSON = "application/scim+json"
# Host names as werkzeug's host_url gives them back unchanged (see ``_host_url``).
_PLAIN_HOST = re.compile(r"[a-z0-9][a-z0-9.-]*(?::([1-9][0-9]{0,4}))?")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
blueprint = Blueprint("scim", __name__)
View = Callable[..., ResponseReturnValue]


class MethodNotAllowed(ScimError):
    """The endpoint exists but does not take this HTTP method."""

    status = 405
    code = "method_not_allowed"


def _routes(rule: str, *allowed: str) -> Callable[[View], View]:
    """Mount ``view`` under both prefixes; other methods get a SCIM 405 with ``Allow``."""

    def decorate(view: View) -> View:
        def checked(vanity: str | None = None, **kwargs: Any) -> ResponseReturnValue:
            if request.method not in allowed:
                raise MethodNotAllowed(
                    f"{request.method} is not allowed here.", allow=", ".join(allowed)
                )
            if rule == "/Bulk":  # each operation commits on its own (RFC 7644 §3.7)
                return view(vanity, **kwargs)
            # The token check and the operation share one transaction; mail goes after it.
            reads_only = request.method == "GET" or rule.endswith("/.search")
            with current_app.extensions["gateway.store"].transaction(reads_only=reads_only):
                return view(vanity, **kwargs)

        name = view.__name__
        options: dict[str, Any] = {"view_func": checked, "methods": ALL_METHODS}
        blueprint.add_url_rule(f"/v/<vanity>/scim/v2{rule}", f"{name}_by_path", **options)
        blueprint.add_url_rule(f"/scim/v2{rule}", name, defaults={"vanity": None}, **options)
        return view

    return decorate


def service() -> ScimService:
    """The app's SCIM service."""
    return current_app.extensions["gateway.scim"]  # type: ignore[no-any-return]


def _prefix(vanity: str | None) -> str:
    return f"/v/{vanity}/scim/v2" if vanity else "/scim/v2"


def _host_url() -> str:
    """``request.host_url`` without its trailing slash. Werkzeug rebuilds that as an IRI at each
    read (a URL parse and IDNA decoding, about a tenth of a lookup's own work): a lower-case
    host name or address (no IDNA label) with a port in range, which that leaves as it is, is
    used as it comes."""
    host = request.host
    plain = _PLAIN_HOST.fullmatch(host)
    if plain is not None and "xn--" not in host and int(plain[1] or 0) <= 65535:
        return f"{request.scheme}://{host}"
    return request.host_url.rstrip("/")


def _host_vanity() -> str | None:
    host = request.host.split(":", 1)[0]
    return host.removesuffix(".localhost") if host.endswith(".localhost") else None


def _caller(vanity: str | None) -> Caller:
    """The authenticated caller; raises Unauthorized (401), NotFound (unknown vanity)."""
    base_url = _host_url() + _prefix(vanity)
    store: SqlStore = current_app.extensions["gateway.store"]
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    token = request_token(secret.strip(), "scim") if scheme.lower() == "bearer" else None
    if token is None:
        raise Unauthorized("A valid SCIM bearer token is required (Authorization: Bearer ...).")
    wanted = vanity or _host_vanity()
    if wanted is not None:
        try:
            account = store.find_account(wanted)
        except StoreNotFound as e:
            raise NotFound(f"No account with vanity or number '{wanted}'.") from e
        if account.id != token.account_id:
            raise Unauthorized("This token is not valid for this account.")
    # A token made with the retired ``zoom`` profile is served as ``compatible`` here.
    profile: ClientProfile = token.profile if token.profile in TOKEN_PROFILES else "compatible"  # type: ignore[assignment]
    return Caller(token.account_id, token.id, profile, base_url)


def _endpoint(caller: Caller, endpoint: str) -> ResourceType:
    resource_type = resource_type_of(endpoint)
    if endpoint != resource_type.endpoint.strip("/"):
        if caller.profile == "strict":
            raise NotFound(f"There is no /{endpoint} endpoint; use {resource_type.endpoint}.")
        note_quirks(caller, resource_type, ["endpoint_case"])
    return resource_type


def _body() -> Any:
    data = request.get_json(silent=True, force=True)
    if data is None:
        raise InvalidSyntax("The request body must be a JSON document.")
    return data


def scim_response(
    body: Any, status: int = 200, *, version: int | None = None, location: str | None = None
) -> Response:
    """A response in ``application/scim+json`` with ETag and Location when known."""
    response = Response(
        jsonout.dumps(body) if body is not None else None, status=status, mimetype=SCIM_JSON
    )
    if version is not None:
        response.headers["ETag"] = etag(version)
    if location is not None:
        response.headers["Location"] = location
    return response


def _resource(outcome: Outcome, resource_type: ResourceType, status: int = 200) -> Response:
    query = query_from_params(request.args)
    body = project(
        outcome.resource, resource_type, attributes=query.attributes, excluded=query.excluded
    )
    return scim_response(body, status, version=outcome.version, location=outcome.location)


@_routes("/ServiceProviderConfig", "GET")
def service_provider_config(vanity: str | None) -> ResponseReturnValue:
    base = _host_url() + _prefix(vanity)
    return scim_response(service().service_provider_config(base))


@_routes("/ResourceTypes", "GET")
def resource_types(vanity: str | None) -> ResponseReturnValue:
    base = _host_url() + _prefix(vanity)
    return scim_response(discovery.resource_types_document(base))


@_routes("/ResourceTypes/<name>", "GET")
def resource_type(vanity: str | None, name: str) -> ResponseReturnValue:
    found = discovery.resource_type_by_id(name, _host_url() + _prefix(vanity))
    if found is None:
        raise NotFound(f"No resource type {name!r}; this service has User and Group.")
    return scim_response(found)


@_routes("/Schemas", "GET")
def schemas(vanity: str | None) -> ResponseReturnValue:
    base = _host_url() + _prefix(vanity)
    return scim_response(discovery.schemas_document(base))


@_routes("/Schemas/<path:urn>", "GET")
def schema(vanity: str | None, urn: str) -> ResponseReturnValue:
    found = discovery.schema_by_id(urn, _host_url() + _prefix(vanity))
    if found is None:
        raise NotFound(f"No schema {urn!r} on this service.")
    return scim_response(found)


@_routes("/.search", "POST")
def root_search(vanity: str | None) -> ResponseReturnValue:
    caller = _caller(vanity)
    return scim_response(service().search(caller, None, query_from_body(_body())))


@_routes("/Bulk", "POST")
def bulk(vanity: str | None) -> ResponseReturnValue:
    caller = _caller(vanity)
    size = len(request.get_data(cache=True))
    body = service().bulk(caller, _body() if size else None, size)
    return scim_response(body)


@_routes("/<endpoint>", "GET", "POST")
def collection(vanity: str | None, endpoint: str) -> ResponseReturnValue:
    caller = _caller(vanity)
    resource_type = _endpoint(caller, endpoint)
    if request.method == "GET":
        query = query_from_params(request.args)
        return scim_response(service().search(caller, resource_type, query))
    outcome = service().create(caller, resource_type, _body())
    return _resource(outcome, resource_type, 201)


@_routes("/<endpoint>/.search", "POST")
def search(vanity: str | None, endpoint: str) -> ResponseReturnValue:
    caller = _caller(vanity)
    resource_type = _endpoint(caller, endpoint)
    return scim_response(service().search(caller, resource_type, query_from_body(_body())))


@_routes("/<endpoint>/<resource_id>", "GET", "PUT", "PATCH", "DELETE")
def resource(vanity: str | None, endpoint: str, resource_id: str) -> ResponseReturnValue:
    caller = _caller(vanity)
    resource_type = _endpoint(caller, endpoint)
    scim = service()
    if_match = version_from_etag(request.headers.get("If-Match"))
    if request.method == "GET":
        outcome = scim.get(caller, resource_type, resource_id)
        if etag_matches(request.headers.get("If-None-Match"), outcome.version):
            return scim_response(None, 304, version=outcome.version)
        return _resource(outcome, resource_type)
    if request.method == "DELETE":
        scim.delete(caller, resource_type, resource_id, if_match)
        return Response(status=204)
    if request.method == "PUT":
        outcome = scim.replace(caller, resource_type, resource_id, _body(), if_match)
    else:
        outcome = scim.patch(caller, resource_type, resource_id, _body(), if_match)
    return _resource(outcome, resource_type)


@_routes("/<path:rest>", *ALL_METHODS)
def unknown(vanity: str | None, rest: str) -> ResponseReturnValue:
    raise NotFound(f"There is no SCIM endpoint /{rest}.")


@_routes("", *ALL_METHODS)
def root(vanity: str | None) -> ResponseReturnValue:
    raise NotFound("This is the SCIM base URL; resources live at /Users and /Groups.")


def render_error(error: GatewayError) -> Response:
    """Every refusal on the SCIM surface in the RFC 7644 §3.12 Error schema."""
    if isinstance(error, ScimError):
        body = error.to_scim()
    else:
        body = {"schemas": [ERROR_SCHEMA], "status": str(error.status), "detail": error.message}
        if getattr(error, "scim_type", None):  # refusals of the shared edges, e.g. bad JSON
            body["scimType"] = error.scim_type  # type: ignore[attr-defined]
    response = scim_response(body, error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="SCIM"'
    if error.details.get("allow"):
        response.headers["Allow"] = error.details["allow"]
    return response


def init_app(app: Flask) -> None:
    """Register the SCIM service, its endpoints and its error rendering."""
    config = app.extensions["gateway.config"]
    limits = ScimLimits(
        max_operations=config.scim_max_operations,
        max_payload_size=min(config.scim_max_payload_bytes, config.max_body_bytes),
        max_results=config.scim_max_results,
    )
    app.extensions["gateway.scim"] = ScimService(
        app.extensions["gateway.store"], app.extensions["gateway.activation"], limits
    )
    app.extensions.setdefault("gateway.error_renderers", {})["scim"] = render_error
    app.register_blueprint(blueprint)
