"""Zoom's Groups operations, as a translation around the one SCIM service.

Zoom adds ``urn:ietf:params:scim:schemas:extension:zoom:2.0:Group`` with ``emailAlias``; the
groups table has no place for it, so it lives in the account's settings (``choices``). The
account's default group (the account setting ``choices.DEFAULT_GROUP_SETTING``) cannot be
deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from gateway.scim.errors import NotFound as ScimNotFound
from gateway.scim.query import SearchQuery, query_from_params
from gateway.scim.schemas import GROUP
from gateway.scim.service import ScimService
from gateway.store.sql import SqlStore
from gateway.zoom_scim import choices
from gateway.zoom_scim.access import ZoomCaller
from gateway.zoom_scim.errors import DefaultGroupUndeletable, InvalidRequest, NotFound
from gateway.zoom_scim.filters import group_filter
from gateway.zoom_scim.patch import operations, rfc_patch

ZOOM_GROUP_URN = "urn:ietf:params:scim:schemas:extension:zoom:2.0:Group"
_T = TypeVar("_T")


class ZoomGroups:
    """List, create, get, PATCH and delete groups, with Zoom's extension and rules."""

    def __init__(self, scim: ScimService, store: SqlStore) -> None:
        self.scim = scim
        self.store = store

    def list(self, caller: ZoomCaller, params: Mapping[str, str]) -> dict[str, Any]:
        """Zoom's List groups: ``displayName eq`` filter; raises InvalidRequest."""
        asked = query_from_params(params)
        rfc = group_filter(asked.filter).rfc if asked.filter else None
        excluded = [] if choices.GROUP_LIST_MEMBERS else ["members"]
        query = SearchQuery(
            filter=rfc, start_index=asked.start_index, count=asked.count, excluded=excluded
        )
        found = self.scim.search(caller, GROUP, query)
        aliases = self._aliases(caller)
        found["Resources"] = [zoom_group(g, aliases) for g in found["Resources"]]
        return found

    def create(self, caller: ZoomCaller, body: Any) -> dict[str, Any]:
        """Zoom's Create a group; raises InvalidRequest and what the service raises."""
        resource, alias = read_group(body, creating=True)
        outcome = self.scim.create(caller, GROUP, resource)
        group_id = outcome.resource["id"]
        aliases = self._set_alias(caller, group_id, alias) if alias is not None else None
        return zoom_group(outcome.resource, aliases or self._aliases(caller))

    def get(self, caller: ZoomCaller, group_id: str) -> dict[str, Any]:
        """Zoom's Get a group; raises NotFound."""
        outcome = _known(lambda: self.scim.get(caller, GROUP, group_id))
        return zoom_group(outcome.resource, self._aliases(caller))

    def patch(self, caller: ZoomCaller, group_id: str, body: Any, size: int) -> dict[str, Any]:
        """Zoom's Update a group (PATCH: members, displayName, emailAlias).

        Raises BodyTooLarge, InvalidRequest, NotFound and what the service raises.
        """
        ops = operations(body, size, choices.GROUP_PATCH_NO_OPERATIONS)
        rfc, alias = split_group_operations(ops)
        outcome = _known(lambda: self.scim.get(caller, GROUP, group_id))
        if rfc:
            outcome = _known(lambda: self.scim.patch(caller, GROUP, group_id, rfc_patch(rfc)))
        aliases = self._set_alias(caller, group_id, alias) if alias is not None else None
        return zoom_group(outcome.resource, aliases or self._aliases(caller))

    def delete(self, caller: ZoomCaller, group_id: str) -> None:
        """Zoom's Delete a group (members stay); raises DefaultGroupUndeletable, NotFound."""
        account = self.store.get_account(caller.account_id)
        if _setting(account.settings, choices.DEFAULT_GROUP_SETTING) == group_id:
            _known(lambda: self.scim.get(caller, GROUP, group_id))
            raise DefaultGroupUndeletable(choices.DEFAULT_GROUP_UNDELETABLE)
        _known(lambda: self.scim.delete(caller, GROUP, group_id))
        if group_id in self._aliases(caller):
            self._set_alias(caller, group_id, "")

    def _aliases(self, caller: ZoomCaller) -> dict[str, str]:
        account = self.store.get_account(caller.account_id)
        found = _setting(account.settings, choices.EMAIL_ALIAS_SETTING)
        return dict(found) if isinstance(found, dict) else {}

    def _set_alias(self, caller: ZoomCaller, group_id: str, alias: str) -> dict[str, str]:
        """Set (or with "" clear) a group's email alias; the aliases after the change."""
        aliases = self._aliases(caller)
        aliases.pop(group_id, None)
        if alias:
            aliases[group_id] = alias
        self.store.set_setting(
            caller.account_id, choices.EMAIL_ALIAS_SETTING, aliases, actor=caller.actor
        )
        return aliases


def read_group(body: Any, *, creating: bool = False) -> tuple[dict[str, Any], str | None]:
    """The RFC Group body and the ``emailAlias`` sent (None: not sent; "": cleared).

    Raises InvalidRequest for a body that is not an object or a missing displayName.
    """
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    resource = {k: v for k, v in body.items() if k.casefold() != ZOOM_GROUP_URN.casefold()}
    extension = next(
        (v for k, v in body.items() if k.casefold() == ZOOM_GROUP_URN.casefold()), None
    )
    schemas = resource.get("schemas")
    if isinstance(schemas, list):
        resource["schemas"] = [u for u in schemas if str(u).casefold() != ZOOM_GROUP_URN.casefold()]
    name = resource.get("displayName")
    if (creating or "displayName" in resource) and (not isinstance(name, str) or not name.strip()):
        raise InvalidRequest(choices.GROUP_NAME_INVALID)
    return resource, _alias(extension)


def split_group_operations(ops: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    """The operations for the service and the ``emailAlias`` the rest set (None: untouched)."""
    rfc: list[dict[str, Any]] = []
    alias: str | None = None
    alias_path = f"{ZOOM_GROUP_URN}:emailAlias".casefold()
    for op in ops:
        path, value = op.get("path"), op.get("value")
        removing = str(op.get("op", "")).casefold() == "remove"
        if isinstance(path, str) and path.casefold() == alias_path:
            alias = "" if removing else _alias({"emailAlias": value})
        elif not path and isinstance(value, dict):
            resource, found = read_group(value)
            alias = found if found is not None else alias
            if resource:
                rfc.append({**op, "value": resource})
        else:
            rfc.append(op)
    return rfc, alias


def zoom_group(internal: dict[str, Any], aliases: Mapping[str, str]) -> dict[str, Any]:
    """A group as Zoom shows it: the RFC group plus the zoom:2.0:Group extension."""
    out = {k: v for k, v in internal.items() if k != "meta"}
    out["schemas"] = [*internal["schemas"], ZOOM_GROUP_URN]
    alias = aliases.get(internal["id"])
    if alias:
        out[ZOOM_GROUP_URN] = {"emailAlias": alias}
    if "meta" in internal:
        out["meta"] = internal["meta"]
    return out


def _alias(extension: Any) -> str | None:
    if extension is None:
        return None
    if not isinstance(extension, dict):
        raise InvalidRequest(f"'{ZOOM_GROUP_URN}' must be an object.")
    value = next((v for k, v in extension.items() if k.casefold() == "emailalias"), None)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 320:
        raise InvalidRequest("emailAlias must be an email address (a string).")
    return value.strip()


def _setting(settings: Mapping[str, Any], key: str) -> Any:
    entry = settings.get(key)
    return entry.get("value") if isinstance(entry, dict) else None


def _known(call: Callable[[], _T]) -> _T:
    """``call()``, an unknown group answered with Zoom's 404."""
    try:
        return call()
    except ScimNotFound as e:
        raise NotFound(choices.GROUP_NOT_FOUND) from e
