"""A Zoom User body, translated for the one SCIM service: the RFC resource it carries, and the
extras the RFC resource has no place for (add-ons, plans, the two-flag ``loginType``).

Pure: no store, no Flask. The service stores the extras through the account model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.scim.schemas import ENTERPRISE_URN, LICENSE_TYPES, ZOOM_URN
from gateway.zoom_scim import choices
from gateway.zoom_scim.errors import InvalidRequest

ZOOM_USER_URN = "urn:us:zoom:scim:schemas:extension:1.0:ZoomUser"
# Zoom's zoom:1.0:User is the URN of the gateway's own extension: it carries personalLinkName and
# pronouns to the service, the add-on and plan fields stay here.
ZOOM_EXT_URN = ZOOM_URN
SHARED_EXT_FIELDS = ("personalLinkName", "pronouns")
# Where the profile JSON keeps what Zoom shows and the RFC resource does not.
PROFILE_LOGIN_TYPE = "zoom_scim.loginType"
PROFILE_PLAN = "zoom_scim.{field}"


@dataclass(frozen=True)
class Extras:
    """What a body sets beyond the RFC resource; only what the client sent is here."""

    addons: dict[str, bool] = field(default_factory=dict)  # add-on type -> held
    plans: dict[str, str | None] = field(default_factory=dict)  # Zoom field -> plan name
    login_type: dict[str, bool] | None = None

    def __bool__(self) -> bool:
        return bool(self.addons or self.plans or self.login_type is not None)

    def merged(self, other: Extras) -> Extras:
        """These extras, then ``other``'s over them."""
        return Extras(
            {**self.addons, **other.addons},
            {**self.plans, **other.plans},
            other.login_type if other.login_type is not None else self.login_type,
        )


def read_user(body: Any) -> tuple[dict[str, Any], Extras]:
    """The RFC User body for the SCIM service and the extras of a Zoom User body.

    Raises InvalidRequest for a body that is not an object, a refused ``userType``, a
    ``loginType`` that is not two flags with one true, an add-on that is not a boolean.
    """
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    resource = dict(body)
    schemas = _pop(resource, "schemas")
    if isinstance(schemas, list):
        resource["schemas"] = [u for u in schemas if str(u).casefold() != ZOOM_USER_URN.casefold()]
    elif schemas is not None:
        resource["schemas"] = schemas
    user_type = resource.get("userType")
    if user_type is not None:
        resource["userType"] = read_user_type(user_type)
    enterprise = _pop(resource, ENTERPRISE_URN)
    if enterprise is not None:
        resource[ENTERPRISE_URN] = read_enterprise(enterprise)
    extension, extras = read_extensions(_pop(resource, ZOOM_USER_URN), _pop(resource, ZOOM_EXT_URN))
    if extension:
        resource[ZOOM_EXT_URN] = extension
        listed = resource.get("schemas")
        if isinstance(listed, list) and ZOOM_EXT_URN not in listed:
            resource["schemas"] = [*listed, ZOOM_EXT_URN]
    return resource, extras


def read_user_type(value: Any) -> str:
    """Zoom's userType as the license type; the legacy Pro and Corp are translated.

    Raises InvalidRequest for anything else (Zoom refuses "None" and "Collaboration").
    """
    text = choices.LEGACY_USER_TYPES.get(value, value) if isinstance(value, str) else value
    if text not in LICENSE_TYPES:
        allowed = ", ".join([*LICENSE_TYPES, *choices.LEGACY_USER_TYPES])
        raise InvalidRequest(choices.USER_TYPE_REFUSED.format(value=value, allowed=allowed))
    return str(text)


def read_enterprise(value: Any) -> Any:
    """The enterprise extension with Zoom's plain-email ``manager`` as the RFC's object."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    manager = _pop(out, "manager")
    if isinstance(manager, str):
        out["manager"] = {"value": manager} if manager else None
    elif manager is not None:
        out["manager"] = manager
    return out


def read_extensions(zoom_user: Any, zoom_ext: Any) -> tuple[dict[str, Any], Extras]:
    """The gateway extension's values and the extras, from Zoom's two user extensions.

    Raises InvalidRequest as ``read_user`` does.
    """
    for urn, value in ((ZOOM_USER_URN, zoom_user), (ZOOM_EXT_URN, zoom_ext)):
        if value is not None and not isinstance(value, dict):
            raise InvalidRequest(f"'{urn}' must be an object.")
    extension: dict[str, Any] = {}
    login_type = None
    if zoom_user and _has(zoom_user, "loginType"):
        login_type = read_login_type(_get(zoom_user, "loginType"))
        extension["loginType"] = "sso" if login_type["sso"] else "workEmail"
    addons: dict[str, bool] = {}
    plans: dict[str, str | None] = {}
    for key, value in (zoom_ext or {}).items():
        name = _canonical(key)
        if name in choices.ADDON_FIELDS:
            addons[choices.ADDON_FIELDS[name]] = read_flag(name, value)
        elif name in choices.PLAN_FIELDS:
            plans[name] = read_plan(name, value)
        elif name in SHARED_EXT_FIELDS:
            extension[name] = value
    return extension, Extras(addons, plans, login_type)


def read_login_type(value: Any) -> dict[str, bool]:
    """``{"workEmail": bool, "sso": bool}`` with at least one true; raises InvalidRequest."""
    if not isinstance(value, dict):
        raise InvalidRequest(choices.LOGIN_TYPE_INVALID)
    flags = {name: _get(value, name, False) for name in ("workEmail", "sso")}
    flags = {k: _flag(v) for k, v in flags.items()}
    if None in flags.values() or not any(flags.values()):
        raise InvalidRequest(choices.LOGIN_TYPE_INVALID)
    return {k: bool(v) for k, v in flags.items()}


def read_flag(name: str, value: Any) -> bool:
    """An add-on field's boolean (``"true"``/``"false"`` accepted); raises InvalidRequest."""
    flag = False if value is None else _flag(value)
    if flag is None:
        raise InvalidRequest(f"{name} must be true or false, not {value!r}.")
    return flag


def read_plan(name: str, value: Any) -> str | None:
    """A plan field's name; None (or "") clears it. Raises InvalidRequest for a non-string."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise InvalidRequest(f"{name} must be the plan's name (a string of up to 200 characters).")
    return value


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.casefold() in ("true", "false"):
        return value.casefold() == "true"
    return None


_NAMES = {
    n.casefold(): n for n in (*choices.ADDON_FIELDS, *choices.PLAN_FIELDS, *SHARED_EXT_FIELDS)
}


def _canonical(key: str) -> str:
    return _NAMES.get(key.casefold(), key)


def _pop(data: dict[str, Any], key: str) -> Any:
    """Remove and return ``key`` matched case-insensitively (None when absent)."""
    for candidate in list(data):
        if candidate.casefold() == key.casefold():
            return data.pop(candidate)
    return None


def _has(data: dict[str, Any], key: str) -> bool:
    return any(k.casefold() == key.casefold() for k in data)


def _get(data: dict[str, Any], key: str, default: Any = None) -> Any:
    return next((v for k, v in data.items() if k.casefold() == key.casefold()), default)
