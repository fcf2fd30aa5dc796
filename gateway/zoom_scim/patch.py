"""Zoom's PATCH bodies: the ``Operations`` envelope as Zoom checks it, and each operation split
between the one SCIM service (RFC attributes) and the extras (add-ons, plans, ``loginType``)."""

from __future__ import annotations

from typing import Any

from gateway.scim.patch import PATCH_URN
from gateway.scim.schemas import ENTERPRISE_URN
from gateway.zoom_scim import choices
from gateway.zoom_scim.errors import BodyTooLarge, InvalidRequest
from gateway.zoom_scim.user_body import (
    ZOOM_EXT_URN,
    ZOOM_USER_URN,
    Extras,
    read_enterprise,
    read_login_type,
    read_user,
    read_user_type,
)


def operations(body: Any, size: int, refusal: str) -> list[Any]:
    """The ``Operations`` list of a Zoom PATCH body (capital O, as Zoom requires).

    Raises BodyTooLarge over Zoom's 100,000 characters, InvalidRequest with ``refusal`` when
    there is no non-empty ``Operations`` list (a lowercase ``operations`` included).
    """
    if size > choices.PATCH_MAX_CHARS:
        raise BodyTooLarge(choices.PATCH_TOO_LARGE)
    found = body.get("Operations") if isinstance(body, dict) else None
    if not isinstance(found, list) or not found:
        raise InvalidRequest(refusal)
    if not all(isinstance(op, dict) for op in found):
        raise InvalidRequest("Each operation must be a JSON object with 'op'.")
    return found


def rfc_patch(ops: list[dict[str, Any]]) -> dict[str, Any]:
    """A PatchOp message of the service for ``ops``."""
    return {"schemas": [PATCH_URN], "Operations": ops}


def split_user_operations(
    ops: list[dict[str, Any]], login_type: dict[str, bool]
) -> tuple[list[dict[str, Any]], Extras]:
    """The operations for the service and the extras the rest set, in order.

    ``login_type`` is the user's current pair (a ``loginType.sso`` path changes one flag).
    Raises InvalidRequest as ``user_body.read_user`` does.
    """
    rfc: list[dict[str, Any]] = []
    extras = Extras()
    for op in ops:
        kind = str(op.get("op", "")).casefold()
        path = op.get("path")
        if path is None or path == "":
            resource, found = read_user(op.get("value"))
            extras = extras.merged(found)
            if resource:
                rfc.append({**op, "value": resource})
            continue
        if not isinstance(path, str):
            rfc.append(op)
            continue
        found_extras = _extra_of_path(path, kind, op.get("value"), extras, login_type)
        if found_extras is not None:
            extras = found_extras
        else:
            rfc.append(_rfc_operation(op, path))
    return rfc, extras


def _extra_of_path(
    path: str, kind: str, value: Any, extras: Extras, login_type: dict[str, bool]
) -> Extras | None:
    """The extras after an operation on a Zoom-only path; None when the path is the RFC's."""
    folded = path.casefold()
    removing = kind == "remove"
    user_prefix = ZOOM_USER_URN.casefold() + ":"
    if folded.startswith(user_prefix):
        attribute = folded.removeprefix(user_prefix)
        current = extras.login_type or login_type
        if attribute == "logintype":
            if removing:
                raise InvalidRequest(choices.LOGIN_TYPE_INVALID)
            return extras.merged(Extras(login_type=read_login_type(value)))
        flag = {"logintype.sso": "sso", "logintype.workemail": "workEmail"}.get(attribute)
        if flag is None:
            raise InvalidRequest(f"There is no attribute {path!r} to change.")
        pair = {**current, flag: False if removing else value}
        return extras.merged(Extras(login_type=read_login_type(pair)))
    ext_prefix = ZOOM_EXT_URN.casefold() + ":"
    if folded.startswith(ext_prefix):
        name = path[len(ext_prefix) :]
        _, found = read_user({ZOOM_EXT_URN: {name: None if removing else value}})
        if found:
            return extras.merged(found)
    return None


def _rfc_operation(op: dict[str, Any], path: str) -> dict[str, Any]:
    """An operation on an RFC path, its Zoom-shaped value translated (userType, manager)."""
    folded = path.casefold()
    value = op.get("value")
    if value is None:
        return op
    if folded in ("usertype", "urn:ietf:params:scim:schemas:core:2.0:user:usertype"):
        return {**op, "value": read_user_type(value)}
    if folded == f"{ENTERPRISE_URN.casefold()}:manager" and isinstance(value, str):
        return {**op, "value": read_enterprise({"manager": value}).get("manager")}
    return op
