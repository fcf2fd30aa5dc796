"""Zoom's SCIM2 HTTP surface: ``/scim2`` (by token, or by host ``<vanity>.localhost``),
``/v/<vanity>/scim2``, and ``/scim/Users`` / ``/scim/Groups`` (the tenant URL of Microsoft's
gallery app). Only Zoom's documented operations; anything else answers 404 in Zoom's shape.
Views authenticate, count the request against Zoom's rate limits, call one operation, serialize.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from flask.typing import ResponseReturnValue

from gateway.errors import GatewayError
from gateway.store.sql import SqlStore
from gateway.zoom_scim import choices, limits
from gateway.zoom_scim.access import (
    ZoomCaller,
    addressed_account,
    authenticate,
    check_prerequisites,
)
from gateway.zoom_scim.errors import InvalidRequest, NotFound, ZoomScimError, zoom_error
from gateway.zoom_scim.groups import ZoomGroups
from gateway.zoom_scim.users import ZoomUsers

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# Path form, vanity path form, and the gallery app's tenant URL (Users and Groups only).
PREFIXES = {"scim2": "/scim2", "vanity": "/v/<vanity>/scim2", "gallery": "/scim"}
blueprint = Blueprint("zoom_scim", __name__)


@dataclass(frozen=True)
class ZoomScim:
    """The Zoom dialect's operations, on the app's one SCIM service."""

    users: ZoomUsers
    groups: ZoomGroups


def _zoom() -> ZoomScim:
    return current_app.extensions["gateway.zoom_scim"]  # type: ignore[no-any-return]


def _store() -> SqlStore:
    return current_app.extensions["gateway.store"]  # type: ignore[no-any-return]


def _body() -> Any:
    data = request.get_json(silent=True, force=True)
    if data is None:
        raise InvalidRequest("The request body must be a JSON document.")
    return data


def _size() -> int:
    return len(request.get_data(cache=True, as_text=True))


def zoom_response(body: Any, status: int = 200, location: str | None = None) -> Response:
    """A JSON response as Zoom sends it (``choices.RESPONSE_MIMETYPE``)."""
    text = json.dumps(body) if body is not None else None
    response = Response(text, status=status, mimetype=choices.RESPONSE_MIMETYPE)
    if location is not None:
        response.headers["Location"] = location
    return response


def _created(body: dict[str, Any]) -> Response:
    return zoom_response(body, 201, location=body["meta"]["location"])


def _list_users(caller: ZoomCaller, _: str) -> Response:
    return zoom_response(_zoom().users.list(caller, request.args))


def _create_user(caller: ZoomCaller, _: str) -> Response:
    return _created(_zoom().users.create(caller, _body()))


def _get_user(caller: ZoomCaller, user_id: str) -> Response:
    return zoom_response(_zoom().users.get(caller, user_id))


def _update_user(caller: ZoomCaller, user_id: str) -> Response:
    return zoom_response(_zoom().users.update(caller, user_id, _body()))


def _patch_user(caller: ZoomCaller, user_id: str) -> Response:
    return zoom_response(_zoom().users.patch(caller, user_id, _body(), _size()))


def _delete_user(caller: ZoomCaller, user_id: str) -> Response:
    _zoom().users.delete(caller, user_id)
    return Response(status=204)


def _list_groups(caller: ZoomCaller, _: str) -> Response:
    return zoom_response(_zoom().groups.list(caller, request.args))


def _create_group(caller: ZoomCaller, _: str) -> Response:
    return _created(_zoom().groups.create(caller, _body()))


def _get_group(caller: ZoomCaller, group_id: str) -> Response:
    return zoom_response(_zoom().groups.get(caller, group_id))


def _patch_group(caller: ZoomCaller, group_id: str) -> Response:
    return zoom_response(_zoom().groups.patch(caller, group_id, _body(), _size()))


def _delete_group(caller: ZoomCaller, group_id: str) -> Response:
    _zoom().groups.delete(caller, group_id)
    return Response(status=204)


Handler = Callable[[ZoomCaller, str], Response]
# (path kind, method) -> the operation (its rate-limit label: ``limits.OPERATION_LABELS``)
# and the handler.
OPERATIONS: dict[tuple[str, str], tuple[str, Handler]] = {
    ("Users", "GET"): ("users.list", _list_users),
    ("Users", "POST"): ("users.create", _create_user),
    ("User", "GET"): ("users.get", _get_user),
    ("User", "PUT"): ("users.update", _update_user),
    ("User", "PATCH"): ("users.deactivate", _patch_user),
    ("User", "DELETE"): ("users.delete", _delete_user),
    ("Groups", "GET"): ("groups.list", _list_groups),
    ("Groups", "POST"): ("groups.create", _create_group),
    ("Group", "GET"): ("groups.get", _get_group),
    ("Group", "PATCH"): ("groups.update", _patch_group),
    ("Group", "DELETE"): ("groups.delete", _delete_group),
}


def _host_vanity() -> str | None:
    host = request.host.split(":", 1)[0]
    return host.removesuffix(".localhost") if host.endswith(".localhost") else None


def _caller(vanity: str | None, prefix: str) -> ZoomCaller:
    """The authenticated caller of an account meeting Zoom's prerequisites.

    Raises Unauthorized, Forbidden, SsoRequired.
    """
    store = _store()
    header = request.headers.get("Authorization", "")
    account_id, credential, actor = authenticate(store, header, store.clock.now())
    account = addressed_account(store, account_id, vanity or _host_vanity())
    check_prerequisites(store, account)
    path = prefix.replace("<vanity>", vanity or "")
    base_url = request.host_url.rstrip("/") + path
    return ZoomCaller(
        account_id=account_id, token_id=credential, profile="zoom", base_url=base_url, who=actor
    )


def _dispatch(kind: str, prefix: str, vanity: str | None, resource_id: str) -> Response:
    store = _store()
    # The credential and prerequisite reads share one transaction; the rate limit counts
    # outside it (it may write), then the operation has its own.
    with store.transaction(reads_only=True):
        caller = _caller(vanity, prefix)
    found = OPERATIONS.get((kind, request.method))
    if found is None:
        raise NotFound(choices.UNKNOWN_OPERATION.format(method=request.method, path=request.path))
    operation, handler = found
    limits.check(store, caller.account_id, operation, store.clock.now())
    with store.transaction(reads_only=request.method == "GET"):
        return handler(caller, resource_id)


def _mount(prefix_name: str, prefix: str) -> None:
    """The four resource paths under ``prefix``, and (not for the gallery URL) a 404 for any
    other path under it."""
    options: dict[str, Any] = {"methods": ALL_METHODS}
    if "<vanity>" not in prefix:
        options["defaults"] = {"vanity": None}

    def route(rule: str, kind: str | None) -> None:
        def view(vanity: str | None, **kwargs: Any) -> ResponseReturnValue:
            if kind is None:
                _caller(vanity, prefix)
                raise NotFound(
                    choices.UNKNOWN_OPERATION.format(method=request.method, path=request.path)
                )
            return _dispatch(kind, prefix, vanity, str(kwargs.get("resource_id", "")))

        name = f"{prefix_name}_{kind or 'unknown'}_{rule.count('<')}"
        blueprint.add_url_rule(f"{prefix}{rule}", name, view_func=view, **options)

    route("/Users", "Users")
    route("/Users/<resource_id>", "User")
    route("/Groups", "Groups")
    route("/Groups/<resource_id>", "Group")
    if prefix_name != "gallery":
        route("", None)
        route("/<path:rest>", None)


for _name, _prefix in PREFIXES.items():
    _mount(_name, _prefix)


def render_error(error: GatewayError) -> Response:
    """Every refusal on the Zoom surface in Zoom's shape (integer status, detail)."""
    if error.status >= 500:
        shown = ZoomScimError(
            "The gateway hit an internal error; it was logged.", code=error.code, status=500
        )
    else:
        shown = zoom_error(error)
    response = zoom_response(shown.to_zoom(), shown.status)
    if shown.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="Zoom SCIM2"'
    headers = error.details.get("headers")
    if isinstance(headers, dict):
        response.headers.update({str(k): str(v) for k, v in headers.items()})
    return response


def init_app(app: Flask) -> None:
    """Register the Zoom dialect on the app's SCIM service, its endpoints and error shape."""
    scim = app.extensions["gateway.scim"]
    store = app.extensions["gateway.store"]
    app.extensions["gateway.zoom_scim"] = ZoomScim(ZoomUsers(scim, store), ZoomGroups(scim, store))
    app.extensions.setdefault("gateway.error_renderers", {})["zoom_scim"] = render_error
    app.register_blueprint(blueprint)
