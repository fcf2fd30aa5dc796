"""Zoom's Users operations, as a translation around the one SCIM service.

Writes go through ``ScimService`` (validation, seats of ``userType``, activation, owner rule);
the extras Zoom adds (add-ons, plans, the two login flags) are then stored on the same user in
the same transaction, through the account model, whose pools take and give back the seats.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from gateway.scim.errors import NotFound as ScimNotFound
from gateway.scim.query import SearchQuery, list_response, query_from_params
from gateway.scim.resources import listed_user_to_scim, user_to_scim
from gateway.scim.schemas import USER, ZOOM_URN
from gateway.scim.service import ScimService
from gateway.scim.store_errors import scim_errors
from gateway.store.errors import LicensePoolExhausted
from gateway.store.records import User
from gateway.store.scim_store import UserWithGroups
from gateway.store.sql import SqlStore
from gateway.zoom_scim import choices
from gateway.zoom_scim.access import ZoomCaller
from gateway.zoom_scim.errors import NotDeactivatable, NotFound, NotVisible, SeatsExhausted
from gateway.zoom_scim.filters import NOT_PENDING, user_filter
from gateway.zoom_scim.patch import operations, rfc_patch, split_user_operations
from gateway.zoom_scim.user_body import PROFILE_LOGIN_TYPE, PROFILE_PLAN, Extras, read_user
from gateway.zoom_scim.user_view import login_type, stored_column, zoom_user

_T = TypeVar("_T")
# What a PUT keeps from the current user when the body leaves it out: everything but these.
_NOT_KEPT = frozenset({"id", "meta", "groups", "active"})
_SEAT_FIELDS = {f"addon:{a}": f for f, a in {**choices.ADDON_FIELDS, **choices.PLAN_FIELDS}.items()}


class ZoomUsers:
    """List, create, get, update (PUT), PATCH and delete, with Zoom's semantics."""

    def __init__(self, scim: ScimService, store: SqlStore) -> None:
        self.scim = scim
        self.store = store

    def list(self, caller: ZoomCaller, params: Mapping[str, str]) -> dict[str, Any]:
        """Zoom's List users: ``userName eq`` / ``externalId eq`` / ``userType eq`` filters,
        pending users hidden.

        Raises InvalidRequest (filter), NotVisible (the filter names a pending user).
        """
        asked = query_from_params(params)
        wanted = user_filter(asked.filter) if asked.filter else None
        rfc = wanted.rfc if wanted else None
        if choices.PENDING_HIDDEN and (wanted is None or not wanted.one_user):
            rfc = f"({rfc}) and {NOT_PENDING}" if rfc else NOT_PENDING
        query = SearchQuery(filter=rfc, start_index=asked.start_index, count=asked.count)
        offset, count = query.page(self.scim.limits.max_results)
        found = self.scim.users.search(caller, query, offset, count)
        resources = []
        for item in found.items:
            if choices.PENDING_HIDDEN and item.user.status == "pending":
                # Only a filter naming one user finds one; the others leave pending users out.
                raise NotVisible(choices.USER_NOT_VISIBLE.format(email=item.user.email))
            internal = listed_user_to_scim(item, caller.base_url, default_view=True)
            row = item.user
            resources.append(
                zoom_user(internal, login_column=row.login_type, profile=row.profile, addons=None)
            )
        return list_response(found.total, query.start_index, resources, count=count)

    def get(self, caller: ZoomCaller, user_id: str) -> dict[str, Any]:
        """Zoom's Get a user; raises NotFound, NotVisible (pending)."""
        found = self._found(caller, user_id)
        if choices.PENDING_HIDDEN and found.user.status == "pending":
            raise NotVisible(choices.USER_NOT_VISIBLE.format(email=found.user.email))
        return self._view(caller, found)

    def create(self, caller: ZoomCaller, body: Any) -> dict[str, Any]:
        """Zoom's Create a user; raises what the service raises, InvalidRequest, SeatsExhausted."""
        resource, extras = read_user(body)
        outcome = self.scim.create(caller, USER, resource)
        return self._finish(caller, outcome.resource["id"], extras, before=None)

    def update(self, caller: ZoomCaller, user_id: str, body: Any) -> dict[str, Any]:
        """Zoom's Update a user (PUT): only the attributes sent change.

        Raises NotFound, InvalidRequest, SeatsExhausted, NotDeactivatable and what the
        service raises.
        """
        sent, extras = read_user(body)
        current = self._found(caller, user_id)
        kept = {
            k: v for k, v in user_to_scim(current, caller.base_url).items() if k not in _NOT_KEPT
        }
        sent_keys = {k.casefold() for k in sent}
        if (
            choices.EMAILS_FOLLOW_USER_NAME
            and "username" in sent_keys
            and "emails" not in sent_keys
        ):
            kept.pop("emails", None)
        self._scim(lambda: self.scim.replace(caller, USER, user_id, merge_put(kept, sent)), user_id)
        return self._finish(caller, user_id, extras, before=current.user)

    def patch(self, caller: ZoomCaller, user_id: str, body: Any, size: int) -> dict[str, Any]:
        """Zoom's PATCH (activate, deactivate, and the other documented attributes).

        Raises BodyTooLarge, InvalidRequest (no ``Operations``: Zoom's documented detail),
        NotFound, SeatsExhausted, NotDeactivatable and what the service raises.
        """
        ops = operations(body, size, choices.PATCH_NO_OPERATIONS)
        current = self._found(caller, user_id)
        pair = login_type(current.user.login_type, current.user.profile)
        rfc, extras = split_user_operations(ops, pair)
        if rfc:
            self._scim(lambda: self.scim.patch(caller, USER, user_id, rfc_patch(rfc)), user_id)
        return self._finish(caller, user_id, extras, before=current.user)

    def delete(self, caller: ZoomCaller, user_id: str) -> None:
        """Zoom's Delete a user: seats (license and add-ons) go back, memberships go."""
        self._scim(lambda: self.scim.delete(caller, USER, user_id), user_id)

    def _found(self, caller: ZoomCaller, user_id: str) -> UserWithGroups:
        def read() -> UserWithGroups:
            with scim_errors():
                return self.store.user_with_groups(caller.account_id, user_id)

        return self._scim(read, user_id)

    @staticmethod
    def _scim(call: Callable[[], _T], user_id: str) -> _T:
        """``call()``, an unknown user answered with Zoom's 404."""
        try:
            return call()
        except ScimNotFound as e:
            raise NotFound(choices.USER_NOT_FOUND.format(id=user_id)) from e

    def _finish(
        self, caller: ZoomCaller, user_id: str, extras: Extras, *, before: User | None
    ) -> dict[str, Any]:
        """Store the extras, apply Zoom's admin rule, and show the user as Zoom does."""
        found = self._found(caller, user_id)
        if extras:
            self._store_extras(caller, found.user, extras)
            found = self._found(caller, user_id)
        user = found.user
        if before is not None and _admin_deactivated(before, user):
            raise NotDeactivatable(choices.ADMIN_NOT_DEACTIVATED.format(email=user.email))
        return self._view(caller, found)

    def _store_extras(self, caller: ZoomCaller, user: User, extras: Extras) -> None:
        """Add-ons and plans as the user's add-ons (seats move), login flags in the profile.

        Raises SeatsExhausted when a pool has no seat left.
        """
        addons = set(user.addons)
        profile = dict(user.profile)
        held = {addon for addon, on in extras.addons.items() if on}
        for name, plan in extras.plans.items():
            key = PROFILE_PLAN.format(field=name)
            profile.pop(key, None)
            if plan:
                held.add(choices.PLAN_FIELDS[name])
                profile[key] = plan
        cleared = set(extras.addons) | {choices.PLAN_FIELDS[n] for n in extras.plans}
        addons = (addons - cleared) | held
        if extras.login_type is not None:
            profile.pop(PROFILE_LOGIN_TYPE, None)
            if all(extras.login_type.values()):
                profile[PROFILE_LOGIN_TYPE] = extras.login_type
        changes: dict[str, Any] = {}
        if extras.login_type is not None and stored_column(extras.login_type) != user.login_type:
            changes["login_type"] = stored_column(extras.login_type)
        if addons != set(user.addons):
            changes["addons"] = sorted(addons)
        if profile != user.profile:
            changes["profile"] = profile
        if not changes:
            return
        try:
            self.store.update_user(user.id, changes, actor=caller.actor)
        except LicensePoolExhausted as e:
            raise SeatsExhausted(_pool_detail(e)) from e

    def _view(self, caller: ZoomCaller, found: UserWithGroups) -> dict[str, Any]:
        user = found.user
        internal = user_to_scim(found, caller.base_url)
        internal.get(ZOOM_URN, {}).pop("status", None)
        return zoom_user(
            internal, login_column=user.login_type, profile=user.profile, addons=user.addons
        )


def merge_put(kept: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """Zoom's PUT: the sent attributes over the kept ones; a sent object is merged one level
    deep into the kept one (``choices.PUT_MERGED_OBJECTS``), anything else replaces."""
    out = dict(kept)
    folded = {k.casefold(): k for k in out}
    for key, value in sent.items():
        own = folded.get(key.casefold(), key)
        if key.casefold() == "schemas" and isinstance(value, list):
            out[own] = list(dict.fromkeys([*out.get(own, []), *value]))
        elif (
            choices.PUT_MERGED_OBJECTS
            and isinstance(value, dict)
            and isinstance(out.get(own), dict)
        ):
            out[own] = {**out[own], **value}
        else:
            out.pop(own, None)
            out[key] = value
    return out


def _admin_deactivated(before: User, after: User) -> bool:
    """Whether a change deactivated an admin (Zoom deactivates only members through SCIM)."""
    return after.role == "Admin" and after.status == "deactivated" != before.status


def _pool_detail(error: LicensePoolExhausted) -> str:
    seat_kind = str(error.details.get("seat_kind", ""))
    numbers = {"capacity": error.details.get("capacity"), "used": error.details.get("used")}
    field = _SEAT_FIELDS.get(seat_kind)
    if field is None:
        return choices.LICENSE_POOL_EMPTY.format(user_type=seat_kind, **numbers)
    return choices.ADDON_POOL_EMPTY.format(
        field=field, addon=seat_kind.removeprefix("addon:"), **numbers
    )
