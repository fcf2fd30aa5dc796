"""Row <-> SCIM: users and groups of the store as RFC 7643 resources, and back to store fields.

The storage layout is the one ``filters/columns.py`` describes. ``userName`` is
``users.user_name`` when set, else ``users.email`` (the email the user signs in with): users
made outside SCIM (SSO/JIT, admin, demo, invitations) and SCIM users whose userName is an email
have no ``user_name``. When a client's userName is not an email (refused under the ``zoom``
profile), the sign-in email is the primary value of ``emails`` (else its first ``work`` value,
else its first value); with no ``emails`` at all the user has no email (``users.email`` NULL):
it is pending, cannot sign in, and no activation email can be sent until an email is set.
``emails`` is kept as the client sent it (the sign-in email alone when it sent none) and, with
every attribute without a column, lives in the ``profile`` JSON under its SCIM name. Filters on
``emails`` see every value shown, as ``filters/columns.py`` maps them. ``active`` and the
extension's ``status`` are derived from ``users.status`` by the service, not here.
"""

from __future__ import annotations

from typing import Any, Protocol

from gateway.errors import BadRequest
from gateway.scim.errors import InvalidValue
from gateway.scim.filters import LOGIN_TYPE_TO_DB
from gateway.scim.profiles import ClientProfile
from gateway.scim.schemas import ENTERPRISE_URN, GROUP_URN, USER_URN, ZOOM_URN
from gateway.store.scim_rows import UserRow
from gateway.store.scim_store import Group, ListedUser, Ref, UserWithGroups
from gateway.store.validation import normalize_email

LOGIN_TYPE_FROM_DB = {v: k for k, v in LOGIN_TYPE_TO_DB.items()}
CORE_PROFILE_KEYS = ("nickName", "title", "profileUrl", "preferredLanguage", "locale", "timezone")
MULTI_PROFILE_KEYS = (
    "phoneNumbers",
    "addresses",
    "ims",
    "photos",
    "entitlements",
    "roles",
    "x509Certificates",
)
NAME_PROFILE_KEYS = ("formatted", "middleName", "honorificPrefix", "honorificSuffix")
ENTERPRISE_PROFILE_KEYS = ("costCenter", "organization", "division", "department", "manager")
ZOOM_PROFILE_KEYS = ("personalLinkName", "pronouns")
# Every profile key this module owns; other parts of the gateway may keep their own keys there.
SCIM_PROFILE_KEYS = frozenset(
    (*CORE_PROFILE_KEYS, *MULTI_PROFILE_KEYS, *ENTERPRISE_PROFILE_KEYS, *ZOOM_PROFILE_KEYS)
) | {"name", "emails"}
EMAIL_TYPES = ("work", "home", "other")
_CORE_KEYS = frozenset(CORE_PROFILE_KEYS)
_MULTI_KEYS = frozenset(MULTI_PROFILE_KEYS)
_ENTERPRISE_KEYS = frozenset(ENTERPRISE_PROFILE_KEYS)


def meta(
    resource_type: str, stamps: tuple[str, str], version: int, location: str
) -> dict[str, Any]:
    """The ``meta`` attribute (RFC 7643 §3.1): ``stamps`` are the ISO 8601 creation and last
    modification times; the weak ETag is the record's ``version``."""
    return {
        "resourceType": resource_type,
        "created": stamps[0],
        "lastModified": stamps[1],
        "location": location,
        "version": etag(version),
    }


def etag(version: int) -> str:
    """The weak entity tag of a version (RFC 7644 §3.14)."""
    return f'W/"{version}"'


class UserFields(Protocol):
    """What a user's SCIM representation is made of: a ``User`` record or a search's row."""

    @property
    def id(self) -> str: ...
    @property
    def external_id(self) -> str | None: ...
    @property
    def user_name(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def email_type(self) -> str: ...
    @property
    def first_name(self) -> str | None: ...
    @property
    def last_name(self) -> str | None: ...
    @property
    def display_name(self) -> str | None: ...
    @property
    def profile(self) -> dict[str, Any]: ...
    @property
    def license_type(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def employee_id(self) -> str | None: ...
    @property
    def login_type(self) -> str: ...
    @property
    def version(self) -> int: ...


def user_to_scim(found: UserWithGroups, base_url: str) -> dict[str, Any]:
    """The full SCIM representation of a user (before ``attributes`` projection)."""
    user = found.user
    stamps = (user.created_at.isoformat(), user.updated_at.isoformat())
    return _user_resource(user, stamps, found.groups, base_url, default_view=False)


def listed_user_to_scim(found: ListedUser, base_url: str, *, default_view: bool) -> dict[str, Any]:
    """A user of a search page: as ``user_to_scim`` gives it or, with ``default_view``, as
    ``projection.project`` returns that with neither ``attributes`` nor ``excludedAttributes``
    (built directly: a page of 100 is the hot path)."""
    user = found.user
    if default_view:
        return _default_user_view(user, found.groups, base_url)
    return _user_resource(
        user, (user.created, user.updated), found.groups, base_url, default_view=False
    )


def _default_user_view(user: UserRow, groups: tuple[Ref, ...], base_url: str) -> dict[str, Any]:
    """``_user_resource(..., default_view=True)`` of a search row, written out: what every user
    of a default page goes through (``tests/scim_api/test_listed_users.py`` compares them)."""
    profile = user.profile
    out: dict[str, Any] = {"schemas": [USER_URN], "id": user.id}
    if user.external_id is not None:
        out["externalId"] = user.external_id
    out["userName"] = user.user_name if user.user_name is not None else user.email
    name: dict[str, Any] = {}
    if user.first_name is not None:
        name["givenName"] = user.first_name
    if user.last_name is not None:
        name["familyName"] = user.last_name
    name_extra = profile.get("name", {})
    if name_extra:
        name.update((k, name_extra[k]) for k in NAME_PROFILE_KEYS if name_extra.get(k) is not None)
    if name:
        out["name"] = name
    if user.display_name is not None:
        out["displayName"] = user.display_name
    present = (
        profile.keys() & SCIM_PROFILE_KEYS if len(profile) > 1 or "emails" not in profile else ()
    )
    if present and not present.isdisjoint(_CORE_KEYS):
        for key in CORE_PROFILE_KEYS:
            _put_shown(out, key, profile.get(key))
    out["userType"] = user.license_type
    out["active"] = user.status == "active"
    emails = profile.get("emails")
    if emails:
        _put_shown(out, "emails", emails)
    elif user.email:
        out["emails"] = [{"value": user.email, "type": user.email_type, "primary": True}]
    if present and not present.isdisjoint(_MULTI_KEYS):
        for key in MULTI_PROFILE_KEYS:
            _put_shown(out, key, profile.get(key))
    if groups:
        out["groups"] = [_group_ref(g, base_url) for g in groups]
    enterprise = {}
    if present and not present.isdisjoint(_ENTERPRISE_KEYS):
        enterprise = {k: profile[k] for k in ENTERPRISE_PROFILE_KEYS if profile.get(k) is not None}
    if user.employee_id is not None:
        enterprise["employeeNumber"] = user.employee_id
    if enterprise:
        out["schemas"].append(ENTERPRISE_URN)
        _put_extension(out, ENTERPRISE_URN, enterprise, True)
    zoom = {"loginType": LOGIN_TYPE_FROM_DB.get(user.login_type, user.login_type)}
    if present:
        zoom.update({k: profile[k] for k in ZOOM_PROFILE_KEYS if profile.get(k) is not None})
    out["schemas"].append(ZOOM_URN)
    _put_extension(out, ZOOM_URN, zoom, True)
    location = f"{base_url}/Users/{user.id}"
    out["meta"] = {
        "resourceType": "User",
        "created": user.created,
        "lastModified": user.updated,
        "location": location,
        "version": f'W/"{user.version}"',
    }
    return out


def _user_resource(
    user: UserFields,
    stamps: tuple[str, str],
    groups: tuple[Ref, ...],
    base_url: str,
    *,
    default_view: bool,
) -> dict[str, Any]:
    """A user as SCIM; ``default_view`` leaves out what the default projection does: the
    ``returned: request`` extension ``status``, and empty objects and lists (RFC 7643 §2.5)."""
    put = _put_shown if default_view else _put
    profile = user.profile
    out: dict[str, Any] = {"schemas": [USER_URN], "id": user.id}
    put(out, "externalId", user.external_id)
    out["userName"] = scim_user_name(user.user_name, user.email)
    name = {"givenName": user.first_name, "familyName": user.last_name}
    name_extra = profile.get("name", {})
    name.update({k: name_extra.get(k) for k in NAME_PROFILE_KEYS})
    put(out, "name", {k: v for k, v in name.items() if v is not None} or None)
    put(out, "displayName", user.display_name)
    present = profile.keys() & SCIM_PROFILE_KEYS
    if present & _CORE_KEYS:
        for key in CORE_PROFILE_KEYS:
            put(out, key, profile.get(key))
    out["userType"] = user.license_type
    out["active"] = user.status == "active"
    signed_in = {"value": user.email, "type": user.email_type, "primary": True}
    # A user without an email has no ``emails`` at all.
    put(out, "emails", profile.get("emails") or ([signed_in] if user.email else None))
    if present & _MULTI_KEYS:
        for key in MULTI_PROFILE_KEYS:
            put(out, key, profile.get(key))
    put(out, "groups", [_group_ref(g, base_url) for g in groups] or None)
    enterprise = {}
    if present & _ENTERPRISE_KEYS:
        enterprise = {k: profile[k] for k in ENTERPRISE_PROFILE_KEYS if profile.get(k) is not None}
    if user.employee_id is not None:
        enterprise["employeeNumber"] = user.employee_id
    if enterprise:
        out["schemas"].append(ENTERPRISE_URN)
        _put_extension(out, ENTERPRISE_URN, enterprise, default_view)
    zoom = {"loginType": LOGIN_TYPE_FROM_DB.get(user.login_type, user.login_type)}
    zoom.update({k: profile[k] for k in ZOOM_PROFILE_KEYS if profile.get(k) is not None})
    if not default_view:
        zoom["status"] = user.status
    out["schemas"].append(ZOOM_URN)
    _put_extension(out, ZOOM_URN, zoom, default_view)
    out["meta"] = meta("User", stamps, user.version, f"{base_url}/Users/{user.id}")
    return out


def _put_extension(out: dict[str, Any], urn: str, values: dict[str, Any], shown: bool) -> None:
    if shown:
        values = {k: v for k, v in values.items() if v != {} and v != []}
        _put_shown(out, urn, values)
    else:
        out[urn] = values


def _group_ref(ref: Ref, base_url: str) -> dict[str, Any]:
    return {
        "value": ref.id,
        "$ref": f"{base_url}/Groups/{ref.id}",
        "display": ref.display,
        "type": "direct",
    }


def group_to_scim(group: Group, base_url: str) -> dict[str, Any]:
    """The full SCIM representation of a group."""
    out: dict[str, Any] = {"schemas": [GROUP_URN], "id": group.id}
    _put(out, "externalId", group.external_id)
    out["displayName"] = group.display_name
    members = [
        {"value": m.id, "$ref": f"{base_url}/Users/{m.id}", "type": "User"} for m in group.members
    ]
    _put(out, "members", members or None)
    stamps = (group.created_at.isoformat(), group.updated_at.isoformat())
    out["meta"] = meta("Group", stamps, group.version, f"{base_url}/Groups/{group.id}")
    return out


def scim_user_name(user_name: str | None, email: str | None) -> str:
    """A user's SCIM userName: the one a client chose when it is not an email, else the email.

    A user without an email always has a user name (the store refuses one with neither).
    """
    if user_name is not None:
        return user_name
    assert email is not None, "a user has a user name or an email"
    return email


def user_fields(
    resource: dict[str, Any], old_profile: dict[str, Any], profile: ClientProfile = "compatible"
) -> dict[str, Any]:
    """Store fields for a validated (or patched) User resource, replacing what SCIM owns.

    ``userType`` and ``loginType`` are only set when present (absent keeps the stored value).
    ``email`` is None when ``userName`` is not an email address and ``emails`` holds none.
    Raises InvalidValue when ``userName`` is not an email address under the ``zoom`` profile,
    when the entry of ``emails`` chosen to sign in with is not an email address, or when
    ``emails`` has two primaries.
    """
    user_name = str(resource.get("userName", ""))
    name = resource.get("name") or {}
    enterprise = resource.get(ENTERPRISE_URN) or {}
    zoom = resource.get(ZOOM_URN) or {}
    kept = _kept_emails(resource.get("emails") or [])
    email, stored_name = _sign_in(user_name, kept, profile)
    fields: dict[str, Any] = {
        "email": email,
        "email_type": _email_type(email, kept),
        "user_name": stored_name,
        "external_id": resource.get("externalId"),
        "first_name": name.get("givenName"),
        "last_name": name.get("familyName"),
        "display_name": resource.get("displayName"),
        "employee_id": enterprise.get("employeeNumber"),
        "profile": _profile(resource, name, enterprise, zoom, kept, old_profile),
    }
    if resource.get("userType") is not None:
        fields["license_type"] = resource["userType"]
    if zoom.get("loginType") is not None:
        fields["login_type"] = LOGIN_TYPE_TO_DB[zoom["loginType"]]
    return fields


def _sign_in(
    user_name: str, emails: list[dict[str, Any]], profile: ClientProfile
) -> tuple[str | None, str | None]:
    """The sign-in email (None: there is none) and the ``user_name`` to store (None when
    userName is the email).

    Raises InvalidValue as ``user_fields`` says.
    """
    if _is_email(user_name.strip()):
        return user_name.strip(), None
    if profile == "zoom":
        raise InvalidValue(
            f"'userName' must be the user's email address (this service signs users in by "
            f"email); {user_name!r} is not one."
        )
    if not user_name.strip() or len(user_name) > 320:
        raise InvalidValue("'userName' takes 1 to 320 characters, not only spaces.")
    chosen = _sign_in_entry(emails)
    if chosen is None:
        # No email at all: kept pending (no sign-in, no activation email) until one is set.
        return None, user_name
    email = str(chosen["value"]).strip()
    if not _is_email(email):
        raise InvalidValue(
            f"The sign-in email is taken from 'emails' when userName is not an email "
            f"address, and {chosen['value']!r} is not one."
        )
    return email, user_name


def _sign_in_entry(emails: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The primary entry, else the first ``work`` one, else the first one."""
    for pick in (lambda e: e.get("primary") is True, lambda e: e.get("type") == "work"):
        found = next((e for e in emails if pick(e)), None)
        if found is not None:
            return found
    return emails[0] if emails else None


def _is_email(value: str) -> bool:
    try:
        normalize_email(value, field="userName")
    except BadRequest:
        return False
    return True


def _profile(
    resource: dict[str, Any],
    name: dict[str, Any],
    enterprise: dict[str, Any],
    zoom: dict[str, Any],
    emails: list[dict[str, Any]],
    old_profile: dict[str, Any],
) -> dict[str, Any]:
    profile = {k: v for k, v in old_profile.items() if k not in SCIM_PROFILE_KEYS}
    sources = (
        (resource, CORE_PROFILE_KEYS + MULTI_PROFILE_KEYS),
        (enterprise, ENTERPRISE_PROFILE_KEYS),
        (zoom, ZOOM_PROFILE_KEYS),
    )
    for holder, keys in sources:
        profile.update({k: holder[k] for k in keys if holder.get(k) not in (None, [], {})})
    extra_name = {k: name[k] for k in NAME_PROFILE_KEYS if name.get(k) is not None}
    if extra_name:
        profile["name"] = extra_name
    if emails:
        profile["emails"] = emails
    return profile


def _kept_emails(emails: list[Any]) -> list[dict[str, Any]]:
    """The entries with a value; raises InvalidValue when more than one is primary (§2.4)."""
    kept = [e for e in emails if isinstance(e, dict) and e.get("value")]
    if sum(1 for e in kept if e.get("primary") is True) > 1:
        raise InvalidValue("At most one of 'emails' may be primary.")
    return kept


def _email_type(email: str | None, emails: list[dict[str, Any]]) -> str:
    """The type of the entry that is ``email`` (else work)."""
    primary_type = "work"
    for entry in emails:
        if (
            email is not None
            and str(entry["value"]).casefold() == email.casefold()
            and entry.get("type") in EMAIL_TYPES
        ):
            primary_type = entry["type"]
    return primary_type


def member_ids(resource: dict[str, Any]) -> list[str]:
    """The user ids in a Group resource's ``members``.

    Raises InvalidValue for a member without a value or a nested group (not supported).
    """
    ids: list[str] = []
    for member in resource.get("members") or []:
        if not isinstance(member, dict) or not member.get("value"):
            raise InvalidValue("Each member needs a 'value': the id of a User.")
        if str(member.get("type", "User")).casefold() == "group":
            raise InvalidValue("Groups cannot be members of groups on this service.")
        ids.append(str(member["value"]))
    return ids


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _put_shown(out: dict[str, Any], key: str, value: Any) -> None:
    """``_put`` as a default projection shows it: not when an empty object or list either."""
    if value is not None and value != {} and value != []:
        out[key] = value
