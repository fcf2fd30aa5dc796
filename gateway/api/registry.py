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
    view: View | None = None
    # The body's media types (or, as a dict, each with its own schema and example), and an
    # example the server accepts (the tests send it).
    media: tuple[str, ...] | dict[str, dict[str, Any]] = ("application/json",)
    example: Any = None


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
        media: tuple[str, ...] | dict[str, dict[str, Any]] = ("application/json",),
        example: Any = None,
    ) -> Callable[[View], View]:
        """Register ``view`` for ``method path`` and document it.

        ``errors`` lists codes the view answers that reading its code does not find
        (``gateway.api.raises``); the document lists those found too.
        """

        def decorate(view: View) -> View:
            self.blueprint.add_url_rule(
                path, view_func=view, methods=[method], endpoint=f"{method.lower()}_{view.__name__}"
            )
            doc = RouteDoc(path, method, summary, body, errors, tag, view, media, example)
            self.routes.append(doc)
            return view

        return decorate


api = ApiRegistry(Blueprint("api", __name__, url_prefix="/api/v1"))
api.blueprint.url_value_preprocessor(guards.refuse_huge_ids)
api.blueprint.before_request(guards.refuse_nul_characters)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every registered admin route."""
    from gateway.api.openapi import build

    return build(api.routes)


PUBLIC_PATHS = {"/openapi.json", "/login"}
