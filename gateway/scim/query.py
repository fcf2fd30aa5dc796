"""Request parameters of the protocol, without I/O: search queries (RFC 7644 §3.4.2) and ETags."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.scim.discovery import LIST_URN
from gateway.scim.errors import InvalidSyntax, InvalidValue
from gateway.scim.projection import split_attribute_list

SEARCH_URN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
# Up to 18 digits: a longer tag names no version this server issued (and int() of thousands
# of digits is refused by Python).
_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,18})"\s*$')


@dataclass(frozen=True)
class SearchQuery:
    """A list/search request: filter, sort, page (1-based ``start_index``), projection."""

    filter: str | None = None
    sort_by: str | None = None
    sort_order: str | None = None
    start_index: int = 1
    count: int | None = None
    attributes: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def page(self, max_results: int) -> tuple[int, int]:
        """Offset and limit: ``startIndex`` under 1 is 1, ``count`` capped by ``max_results``."""
        count = max_results if self.count is None else min(max(self.count, 0), max_results)
        return max(self.start_index, 1) - 1, count


def query_from_params(params: Mapping[str, str]) -> SearchQuery:
    """A SearchQuery from GET query parameters (§3.4.2); raises InvalidValue for bad numbers."""
    return SearchQuery(
        filter=params.get("filter") or None,
        sort_by=params.get("sortBy") or None,
        sort_order=params.get("sortOrder") or None,
        start_index=_integer(params.get("startIndex"), "startIndex") or 1,
        count=_integer(params.get("count"), "count"),
        attributes=split_attribute_list(params.get("attributes")),
        excluded=split_attribute_list(params.get("excludedAttributes")),
    )


def query_from_body(body: Any) -> SearchQuery:
    """A SearchQuery from a POST ``.search`` SearchRequest body (§3.4.3).

    Raises InvalidSyntax when the body is not a SearchRequest, InvalidValue for bad numbers.
    """
    if not isinstance(body, dict):
        raise InvalidSyntax("A .search body must be a SearchRequest JSON object.")
    schemas = body.get("schemas")
    if schemas is not None and (not isinstance(schemas, list) or SEARCH_URN not in schemas):
        raise InvalidSyntax(f'A .search body must have "schemas": ["{SEARCH_URN}"].')
    return SearchQuery(
        filter=_text(body, "filter") or None,
        sort_by=_text(body, "sortBy") or None,
        sort_order=_text(body, "sortOrder") or None,
        start_index=_integer(body.get("startIndex"), "startIndex") or 1,
        count=_integer(body.get("count"), "count"),
        attributes=split_attribute_list(_paths(body, "attributes")),
        excluded=split_attribute_list(_paths(body, "excludedAttributes")),
    )


def _text(body: dict[str, Any], name: str) -> str | None:
    """A string member of a SearchRequest; raises InvalidSyntax for any other JSON type."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidSyntax(f'"{name}" in a .search body must be a string.')
    return value


def _paths(body: dict[str, Any], name: str) -> str | list[str] | None:
    """``attributes`` or ``excludedAttributes``: a string or strings; raises InvalidSyntax."""
    value = body.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise InvalidSyntax(f'"{name}" in a .search body must be a string or a list of strings.')


def _integer(raw: Any, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise InvalidValue(f"{name} must be an integer, not {raw!r}.")
    try:
        return int(raw)
    except (TypeError, ValueError) as e:
        raise InvalidValue(f"{name} must be an integer, not {raw!r}.") from e


def list_response(
    total: int, start_index: int, resources: list[dict[str, Any]], *, count: int
) -> dict[str, Any]:
    """A ListResponse (§3.4.2); with ``count`` 0 only the total and an empty ``Resources``."""
    body: dict[str, Any] = {
        "schemas": [LIST_URN],
        "totalResults": total,
        "startIndex": max(start_index, 1),
        "itemsPerPage": len(resources),
        "Resources": resources if count > 0 else [],
    }
    return body


def version_from_etag(header: str | None) -> int | None:
    """The version an ``If-Match``/``version`` names; None for none or ``*``; -1 for a foreign tag.

    A tag this server never issued can match no version, so the caller answers 412.
    """
    if header is None or header.strip() in ("", "*"):
        return None
    first = header.split(",")[0]
    found = _ETAG.match(first)
    return int(found.group(1)) if found else -1


def etag_matches(header: str | None, version: int) -> bool:
    """Whether an ``If-None-Match`` header names ``version`` (or is ``*``)."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    return any(
        (m := _ETAG.match(tag)) is not None and int(m.group(1)) == version
        for tag in header.split(",")
    )
