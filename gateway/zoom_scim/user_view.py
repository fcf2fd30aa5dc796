"""A user as Zoom shows it: the service's RFC representation, reshaped.

Zoom's schemas are core, enterprise, ``ZoomUser`` (``loginType`` as two flags) and, on a get,
``zoom:1.0:User`` (personal link, pronouns, add-ons and plans); a list leaves that extension and
the enterprise manager, organization and cost center out. ``manager`` is a plain email.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.scim.schemas import ENTERPRISE_URN, USER_URN
from gateway.zoom_scim import choices
from gateway.zoom_scim.user_body import (
    PROFILE_LOGIN_TYPE,
    PROFILE_PLAN,
    SHARED_EXT_FIELDS,
    ZOOM_EXT_URN,
    ZOOM_USER_URN,
)

GET_SCHEMAS = (USER_URN, ENTERPRISE_URN, ZOOM_USER_URN, ZOOM_EXT_URN)
LIST_SCHEMAS = (USER_URN, ENTERPRISE_URN, ZOOM_USER_URN)


def login_type(column: str, profile: Mapping[str, Any]) -> dict[str, bool]:
    """Zoom's two flags: the stored pair when it agrees with the column (which holds ``sso``
    when SSO is on), else the column's one flag (the column changed through ``/scim/v2``)."""
    stored = profile.get(PROFILE_LOGIN_TYPE)
    if isinstance(stored, dict) and stored_column(stored) == column:
        return {"workEmail": bool(stored.get("workEmail")), "sso": bool(stored.get("sso"))}
    return {"workEmail": column != "sso", "sso": column == "sso"}


def stored_column(flags: Mapping[str, Any]) -> str:
    """The ``login_type`` column for two flags."""
    return "sso" if flags.get("sso") else "work_email"


def zoom_user(
    internal: dict[str, Any],
    *,
    login_column: str,
    profile: Mapping[str, Any],
    addons: tuple[str, ...] | None,
) -> dict[str, Any]:
    """Zoom's User from the service's RFC one; ``addons`` None: as a list shows it."""
    listed = addons is None
    out = {k: v for k, v in internal.items() if k not in (ENTERPRISE_URN, ZOOM_EXT_URN)}
    out["schemas"] = list(LIST_SCHEMAS if listed else GET_SCHEMAS)
    enterprise = dict(internal.get(ENTERPRISE_URN) or {})
    manager = enterprise.pop("manager", None)
    if isinstance(manager, dict) and manager.get("value"):
        enterprise["manager"] = manager["value"]
    if listed:
        for key in choices.LIST_OMITTED_ENTERPRISE:
            enterprise.pop(key, None)
    if enterprise:
        out[ENTERPRISE_URN] = enterprise
    out[ZOOM_USER_URN] = {"loginType": login_type(login_column, profile)}
    if addons is not None:
        out[ZOOM_EXT_URN] = zoom_extension(internal.get(ZOOM_EXT_URN) or {}, profile, addons)
    meta = out.pop("meta", None)
    if meta is not None:
        out["meta"] = meta
    return out


def zoom_extension(
    internal: Mapping[str, Any], profile: Mapping[str, Any], addons: tuple[str, ...]
) -> dict[str, Any]:
    """The ``zoom:1.0:User`` extension: personal link, pronouns, add-on flags, plan names."""
    out = {k: internal[k] for k in SHARED_EXT_FIELDS if internal.get(k) is not None}
    held = set(addons)
    for name, addon in choices.ADDON_FIELDS.items():
        out[name] = addon in held
    for name, addon in choices.PLAN_FIELDS.items():
        plan = profile.get(PROFILE_PLAN.format(field=name))
        if addon in held and plan:
            out[name] = plan
    return out
