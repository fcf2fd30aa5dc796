"""The OpenAPI 3.1 document of the admin API, built from the registry.

Each operation lists every refusal it can answer, by HTTP status, with the code and what
triggers it: the codes found by reading the view and what it calls (``raises``), the codes the
route declares, and those every route can meet (the guards run before any view, the HTTP layer).
Request bodies carry their media types and, where a route gives one, an example that the tests
send and expect to be accepted.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from gateway.api.raises import Refusal, every_refusal, route_refusals, success_statuses
from gateway.errors import GatewayError

if TYPE_CHECKING:
    from gateway.api.registry import RouteDoc

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ROUTING = (
    Refusal("not_found", 404, "No route has this path, or a path value names nothing."),
    Refusal("method_not_allowed", 405, "The path exists but not with this method."),
)
BODY = Refusal(
    "too_large", 413, "The request body is over the limit (GATEWAY_MAX_BODY_BYTES, default 1 MiB)."
)


def build(routes: Iterable[RouteDoc]) -> dict[str, Any]:
    """The document for ``routes``."""
    from gateway.api.registry import PUBLIC_PATHS  # extended by the modules that add routes

    paths: dict[str, dict[str, Any]] = {}
    for doc in routes:
        operation: dict[str, Any] = {
            "summary": doc.summary,
            "tags": [doc.tag],
            "security": [] if doc.path in PUBLIC_PATHS else [{"bearer": []}],
            "parameters": [
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer" if kind == "int" else "string"},
                }
                for kind, name in _path_params(doc.path)
            ],
            "responses": responses(
                refusals(doc), success_statuses(doc.view) if doc.view else [200]
            ),
        }
        if doc.body is not None:
            operation["requestBody"] = _request_body(doc)
        paths.setdefault("/api/v1" + _openapi_path(doc.path), {})[doc.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Identity gateway admin API",
            "version": "1",
            "description": (
                "Every refusal is a JSON body {code, message, details?}. Each operation lists "
                "the codes it can answer under the HTTP status that carries them "
                "(x-error-codes), with what triggers each."
            ),
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {"type": "object"},
                    },
                }
            },
        },
    }


def refusals(doc: RouteDoc) -> dict[str, Refusal]:
    """Every refusal ``doc``'s route can answer, by code."""
    found: dict[str, Refusal] = {r.code: r for r in _common()}
    found.update({r.code: r for r in ROUTING})
    if doc.body is not None:
        found[BODY.code] = BODY
    if doc.view is not None:
        found.update(route_refusals(doc.view))
    known = _known_codes()
    raised = every_refusal()
    for code in doc.errors:
        if code not in found:
            found[code] = raised.get(code) or known.get(code) or Refusal(code, 400, code)
    return found


def responses(found: dict[str, Refusal], succeeds: list[int]) -> dict[str, Any]:
    """The success answers and one answer per refusal status, listing its codes."""
    words = {200: "OK", 201: "Created", 202: "Accepted", 204: "Done; no body"}
    out: dict[str, Any] = {str(s): {"description": words.get(s, "OK")} for s in succeeds}
    by_status: dict[int, list[Refusal]] = {}
    for refusal in found.values():
        by_status.setdefault(refusal.status, []).append(refusal)
    for status in sorted(by_status):
        listed = sorted(by_status[status], key=lambda r: r.code)
        out[str(status)] = {
            "description": "Refused: " + "; ".join(f"`{r.code}` ({r.trigger})" for r in listed),
            "content": {"application/json": {"schema": ERROR_REF}},
            "x-error-codes": [{"code": r.code, "trigger": r.trigger} for r in listed],
        }
    return out


def _request_body(doc: RouteDoc) -> dict[str, Any]:
    if isinstance(doc.media, dict):  # a schema and an example per media type
        return {"required": True, "content": dict(doc.media)}
    content: dict[str, Any] = {}
    for media in doc.media:
        entry: dict[str, Any] = {"schema": doc.body}
        if doc.example is not None:
            entry["example"] = doc.example
        content[media] = entry
    return {"required": True, "content": content}


@cache
def _common() -> tuple[Refusal, ...]:
    """What the guards every API request passes through can refuse."""
    from gateway.api import guards
    from gateway.http import refuse_oversized_request
    from gateway.ratelimit import check_rate_limit

    found: dict[str, Refusal] = {}
    for guard in (
        guards.refuse_huge_ids,
        guards.refuse_nul_characters,
        refuse_oversized_request,
        check_rate_limit,
    ):
        found.update(route_refusals(guard))
    return tuple(found.values())


@cache
def _known_codes() -> dict[str, Refusal]:
    """Every refusal class's code, status and docstring, for codes a route declares."""
    known: dict[str, Refusal] = {}
    todo: list[type[GatewayError]] = [GatewayError]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        doc = (cls.__dict__.get("__doc__") or "").strip().split("\n")[0]
        known.setdefault(cls.code, Refusal(cls.code, cls.status, doc or cls.__name__))
    return known


def _path_params(path: str) -> list[tuple[str, str]]:
    params = []
    for part in path.split("/"):
        if part.startswith("<") and part.endswith(">"):
            kind, _, name = part[1:-1].rpartition(":")
            params.append((kind or "string", name))
    return params


def _openapi_path(path: str) -> str:
    parts = []
    for part in path.split("/"):
        if part.startswith("<") and part.endswith(">"):
            part = "{" + part[1:-1].rpartition(":")[2] + "}"
        parts.append(part)
    return "/".join(parts)
