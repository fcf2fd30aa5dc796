"""Admin API routes declared once: Flask routing and the OpenAPI document come from here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint

from gateway.api import guards

View = Callable[..., Any]


@dataclass(frozen=True)
class RouteDoc:
    """What the OpenAPI document says of one route."""

    path: str
    method: str
    summary: str
    body: dict[str, Any] | None
    errors: tuple[str, ...]
    tag: str


@dataclass
class ApiRegistry:
    """A blueprint plus the documentation of every route added through it."""

    blueprint: Blueprint
    routes: list[RouteDoc] = field(default_factory=list)

    def route(
        self,
        path: str,
        method: str,
        summary: str,
        *,
        tag: str,
        body: dict[str, Any] | None = None,
        errors: tuple[str, ...] = (),
    ) -> Callable[[View], View]:
        """Register ``view`` for ``method path`` and document it."""

        def decorate(view: View) -> View:
            self.blueprint.add_url_rule(
                path, view_func=view, methods=[method], endpoint=f"{method.lower()}_{view.__name__}"
            )
            self.routes.append(RouteDoc(path, method, summary, body, errors, tag))
            return view

        return decorate


api = ApiRegistry(Blueprint("api", __name__, url_prefix="/api/v1"))
api.blueprint.url_value_preprocessor(guards.refuse_huge_ids)
api.blueprint.before_request(guards.refuse_nul_characters)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every registered admin route."""
    paths: dict[str, dict[str, Any]] = {}
    for doc in api.routes:
        oa_path = "/api/v1" + _openapi_path(doc.path)
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
            "responses": _responses(doc.errors),
        }
        if doc.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": doc.body}},
            }
        paths.setdefault(oa_path, {})[doc.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Identity gateway admin API", "version": "1"},
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


PUBLIC_PATHS = {"/openapi.json", "/login"}


def _responses(errors: tuple[str, ...]) -> dict[str, Any]:
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    responses: dict[str, Any] = {"200": {"description": "OK"}}
    for status in ("400", "401", "403", "404", "409", "429"):
        responses[status] = {
            "description": "Refused; codes: " + (", ".join(errors) or "see code"),
            "content": error_ref,
        }
    return responses


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
