"""The SCIM protocol without I/O: one method per RFC 7644 operation, on plain data.

Views hand it the caller (account, client profile, base URL) and parsed inputs; it returns SCIM
dicts with the version for the ETag, and raises ``ScimError`` subclasses for every refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.scim import discovery
from gateway.scim.bulk import BulkRunner
from gateway.scim.discovery import ScimLimits
from gateway.scim.errors import InvalidFilter
from gateway.scim.filters import compile_group_filter, compile_user_filter
from gateway.scim.group_ops import GroupOps
from gateway.scim.operations import Activator, Caller, Context, Outcome
from gateway.scim.projection import project
from gateway.scim.query import SearchQuery, list_response
from gateway.scim.resources import group_to_scim, listed_user_to_scim
from gateway.scim.schema_model import ResourceType
from gateway.scim.schemas import GROUP, USER
from gateway.scim.user_ops import UserOps
from gateway.store.sql import SqlStore


class ScimService:
    """Users, Groups, search, bulk and discovery for one store."""

    def __init__(self, store: SqlStore, activation: Activator, limits: ScimLimits) -> None:
        self.limits = limits
        context = Context(store, activation, limits)
        self.users = UserOps(context)
        self.groups = GroupOps(context)

    def _ops(self, resource_type: ResourceType) -> UserOps | GroupOps:
        return self.users if resource_type is USER else self.groups

    def create(self, caller: Caller, resource_type: ResourceType, body: Any) -> Outcome:
        """RFC 7644 §3.3 Creating Resources (POST); raises ScimError."""
        return self._ops(resource_type).create(caller, body)

    def get(self, caller: Caller, resource_type: ResourceType, resource_id: str) -> Outcome:
        """RFC 7644 §3.4.1 Retrieving a Known Resource (GET); raises NotFound."""
        return self._ops(resource_type).get(caller, resource_id)

    def replace(
        self,
        caller: Caller,
        resource_type: ResourceType,
        resource_id: str,
        body: Any,
        if_match: int | None = None,
    ) -> Outcome:
        """RFC 7644 §3.5.1 Replacing with PUT; raises ScimError (412 on a stale If-Match)."""
        ops = self._ops(resource_type)
        return ops.replace(caller, resource_id, body, if_match)

    def patch(
        self,
        caller: Caller,
        resource_type: ResourceType,
        resource_id: str,
        body: Any,
        if_match: int | None = None,
    ) -> Outcome:
        """RFC 7644 §3.5.2 Modifying with PATCH; raises ScimError (412 on a stale If-Match)."""
        ops = self._ops(resource_type)
        return ops.patch(caller, resource_id, body, if_match)

    def delete(
        self,
        caller: Caller,
        resource_type: ResourceType,
        resource_id: str,
        if_match: int | None = None,
    ) -> None:
        """RFC 7644 §3.6 Deleting Resources; raises NotFound, PreconditionFailed."""
        self._ops(resource_type).delete(caller, resource_id, if_match)

    def search(
        self, caller: Caller, resource_type: ResourceType | None, query: SearchQuery
    ) -> dict[str, Any]:
        """RFC 7644 §3.4.2 Query Resources (GET) and §3.4.3 POST ``.search``.

        With no resource type (the root ``/.search``), Users come first, then Groups; a filter
        naming attributes of only one type searches only that type. Raises InvalidFilter,
        InvalidValue (sortBy/sortOrder).
        """
        offset, count = query.page(self.limits.max_results)
        types = [resource_type] if resource_type is not None else [USER, GROUP]
        searchable = _searchable(types, query) if resource_type is None else types
        total, resources = 0, list[dict[str, Any]]()
        for kind in searchable:
            skip = max(offset - total, 0)
            found = self._search(caller, kind, query, skip, count - len(resources))
            total += found.total
            resources += [self._render(caller, kind, item, query) for item in found.items]
        return list_response(total, query.start_index, resources, count=count)

    def _search(
        self, caller: Caller, kind: ResourceType, query: SearchQuery, offset: int, limit: int
    ) -> Any:
        if kind is USER:
            return self.users.search(caller, query, offset, limit)
        wants_members = _wants(query, "members")
        return self.groups.search(caller, query, offset, limit, members=wants_members)

    def _render(
        self, caller: Caller, kind: ResourceType, item: Any, query: SearchQuery
    ) -> dict[str, Any]:
        if kind is not USER:
            body = group_to_scim(item, caller.base_url)
        elif not query.attributes and not query.excluded:  # the default projection, built directly
            return listed_user_to_scim(item, caller.base_url, default_view=True)
        else:
            body = listed_user_to_scim(item, caller.base_url, default_view=False)
        return project(body, kind, attributes=query.attributes, excluded=query.excluded)

    def bulk(self, caller: Caller, body: Any, size: int) -> dict[str, Any]:
        """RFC 7644 §3.7 Bulk Operations; raises PayloadTooLarge (413), InvalidSyntax."""
        return BulkRunner(self, self.limits).run(caller, body, size)

    def service_provider_config(self, base_url: str) -> dict[str, Any]:
        """RFC 7644 §4 ``/ServiceProviderConfig``."""
        return discovery.service_provider_config(self.limits, base_url)


def _wants(query: SearchQuery, attribute: str) -> bool:
    """Whether a projection keeps ``attribute`` (so members are only loaded when shown)."""
    folded = attribute.casefold()
    if query.attributes:
        return any(a.casefold().split(".")[0].endswith(folded) for a in query.attributes)
    return not any(a.casefold() == folded for a in query.excluded)


def _searchable(types: Sequence[ResourceType], query: SearchQuery) -> list[ResourceType]:
    """The types a root search's filter applies to; raises the first InvalidFilter if none."""
    if not query.filter:
        return list(types)
    compilers = {USER.name: compile_user_filter, GROUP.name: compile_group_filter}
    usable: list[ResourceType] = []
    first_error: InvalidFilter | None = None
    for kind in types:
        try:
            compilers[kind.name](query.filter)
        except InvalidFilter as e:
            first_error = first_error or e
            continue
        usable.append(kind)
    if not usable and first_error is not None:
        raise first_error
    return usable
