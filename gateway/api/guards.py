"""Input the database cannot hold is refused at the API's edge, never left to become a 500."""

from __future__ import annotations

from typing import Any

from flask import request

from gateway.errors import BadRequest, NotFoundError

# Ids are INTEGER columns: a larger path number names nothing, so it is a 404 like any other.
MAX_ID = 2**31 - 1


def refuse_huge_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Raise NotFoundError ``not_found`` for a path id no INTEGER column can hold."""
    for name, value in (values or {}).items():
        if isinstance(value, int) and value > MAX_ID:
            raise NotFoundError(f"No record has {name} {value}.", code="not_found")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_characters() -> None:
    """Raise BadRequest ``invalid_parameter``/``invalid_json`` for NUL characters.

    PostgreSQL text cannot hold U+0000, so such input is refused before any query sees it.
    """
    if any(_has_nul(v) for v in request.args.values()):
        raise BadRequest(
            "Query parameters cannot contain NUL characters.", code="invalid_parameter"
        )
    if _has_nul(request.get_json(silent=True, force=True)):
        raise BadRequest("JSON strings cannot contain NUL characters.", code="invalid_json")
