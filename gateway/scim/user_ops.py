"""RFC 7644 operations on Users, with the SaaS's rules: email activation, seats, status."""

from __future__ import annotations

from typing import Any

from gateway.scim.filters import filter_profile_for, sort_expression, user_filter
from gateway.scim.operations import Caller, Context, Outcome, check_if_match, note_quirks
from gateway.scim.patch import apply_patch, read_patch_request
from gateway.scim.query import SearchQuery
from gateway.scim.resources import user_fields, user_to_scim
from gateway.scim.schemas import USER
from gateway.scim.store_errors import scim_errors
from gateway.scim.validate import validate_resource
from gateway.store.records import User
from gateway.store.scim_store import Found, UserWithGroups

REASON = "provisioned by SCIM"


class UserOps:
    """Create, read, replace, patch, delete and search the Users of the caller's account."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.store = context.store

    def outcome(self, found: UserWithGroups, caller: Caller) -> Outcome:
        """The SCIM body, version and location of a user."""
        body = user_to_scim(found, caller.base_url)
        return Outcome(body, found.user.version, body["meta"]["location"])

    def create(self, caller: Caller, body: Any) -> Outcome:
        """RFC 7644 §3.3: create a user, pending unless its email domain is associated.

        A user without an email (a userName that is not one and no ``emails``; refused under
        the ``zoom`` profile) has no address to confirm, so it is not pending: it is active or
        deactivated as the client says, and cannot sign in (sign-in is by email) until an email
        is set, when the activation rule applies to that email.

        Raises InvalidSyntax/InvalidValue (body, or userName not an email under ``zoom``),
        Uniqueness (userName or sign-in email taken anywhere).
        """
        validated = validate_resource(body, USER, profile=caller.profile)
        note_quirks(caller, USER, validated.quirks)
        resource = validated.resource
        fields = user_fields(resource, {}, caller.profile)
        email = fields.pop("email")
        pending = email is not None and self.context.activation.needs_activation(
            caller.account_id, email
        )
        fields["status"] = _status(pending, in_use=resource.get("active") is not False)
        fields["awaiting_activation"] = pending
        # The user and its activation email commit together (a crash leaves both or neither).
        with scim_errors(), self.store.transaction():
            self.store.check_address_claim(caller.account_id, email)
            user = self.store.create_user(
                caller.account_id, email, actor=caller.actor, source="scim", **fields
            )
            if user.status == "pending":
                self.context.activation.send(user, reason=REASON)
        return self.outcome(UserWithGroups(user, ()), caller)

    def get(self, caller: Caller, user_id: str) -> Outcome:
        """RFC 7644 §3.4.1: one user of the account; raises NotFound."""
        with scim_errors():
            return self.outcome(self.store.user_with_groups(caller.account_id, user_id), caller)

    def search(self, caller: Caller, query: SearchQuery, offset: int, limit: int) -> Found:
        """RFC 7644 §3.4.2: users matching the filter, sorted, one page; raises InvalidFilter."""
        key, where = None, None
        if query.filter:
            key, where = user_filter(query.filter, filter_profile_for(caller.profile))
        if key is not None:  # at most one match: the order cannot matter (but is checked)
            if query.sort_by or query.sort_order:
                sort_expression(query.sort_by, query.sort_order, "User")
            return self.store.search_user_name(caller.account_id, key, offset, limit)
        order = sort_expression(query.sort_by, query.sort_order, "User")
        return self.store.search_users(caller.account_id, where, order, offset, limit, whole=False)

    def replace(self, caller: Caller, user_id: str, body: Any, if_match: int | None) -> Outcome:
        """RFC 7644 §3.5.1: replace the user's attributes.

        Raises as ``create`` does, plus NotFound and PreconditionFailed (stale If-Match).
        """
        validated = validate_resource(body, USER, profile=caller.profile)
        note_quirks(caller, USER, validated.quirks)
        resource = validated.resource
        return self._change(caller, user_id, if_match, lambda _: (resource, "active" in resource))

    def patch(self, caller: Caller, user_id: str, body: Any, if_match: int | None) -> Outcome:
        """RFC 7644 §3.5.2: apply PATCH operations to the user.

        Raises InvalidSyntax, InvalidPath, NoTarget, Mutability, InvalidValue, NotFound,
        PreconditionFailed, Uniqueness.
        """
        operations = read_patch_request(body)

        def patched(current: UserWithGroups) -> tuple[dict[str, Any], bool]:
            result = apply_patch(
                user_to_scim(current, caller.base_url),
                operations,
                schema=USER,
                profile=caller.profile,
            )
            note_quirks(caller, USER, result.quirks)
            return result.resource, "active" in result.set_core

        return self._change(caller, user_id, if_match, patched)

    def _change(self, caller: Caller, user_id: str, if_match: int | None, new: Any) -> Outcome:
        """Read (locked), check If-Match, compute the new resource, write; then activation.

        ``new(current)`` gives the new resource and whether the client said ``active`` (a PUT
        body holding it, or a PATCH operation on it), as opposed to the resource merely
        carrying the current value.
        """
        with scim_errors(), self.store.transaction():
            current = self.store.user_with_groups(caller.account_id, user_id, lock=True)
            check_if_match(current.user.version, if_match)
            resource, sets_active = new(current)
            fields = user_fields(resource, current.user.profile, caller.profile)
            active = resource.get("active") if sets_active else None
            must_activate = self._next_status(caller, current.user, fields, active)
            user = self.store.update_user(
                user_id, fields, actor=caller.actor, expected_version=if_match
            )
            found = UserWithGroups(user, current.groups)
            if must_activate:
                self.context.activation.send(user, reason=REASON)
        return self.outcome(found, caller)

    def _next_status(self, caller: Caller, user: User, fields: dict[str, Any], active: Any) -> bool:
        """Set ``fields["status"]`` and ``awaiting_activation``; True when an activation email
        must go out.

        A new email (a first one included) outside the associated domains awaits its link; one
        inside them, or no email at all, awaits nothing. ``active`` (None: the client did not
        say: it stays as the client saw it) decides between deactivated and in use; a user in
        use whose email awaits its link is pending, whatever ``active`` says, until the link
        is followed. So deactivation wins over a pending link (which then stops working), and
        reactivating a user whose email was never confirmed makes it pending again, with a
        new link.
        """
        new_email = fields["email"]
        changed = new_email is not None and (
            user.email is None or new_email.casefold() != user.email.casefold()
        )
        if changed:
            self.store.check_address_claim(caller.account_id, new_email)
        if new_email is None:
            awaiting = False
        elif changed:
            awaiting = self.context.activation.needs_activation(caller.account_id, new_email)
        else:
            awaiting = user.awaiting_activation
        if active is None:
            # Unsaid, ``active`` stays what the client saw: false for a pending user, which
            # with no email left has nothing to confirm and so is deactivated.
            in_use = user.status == "active" or (user.status == "pending" and new_email is not None)
        else:
            in_use = bool(active)
        status = _status(awaiting, in_use=in_use)
        fields["status"] = status
        fields["awaiting_activation"] = awaiting
        return status == "pending" and (changed or user.status != "pending")

    def delete(self, caller: Caller, user_id: str, if_match: int | None) -> None:
        """RFC 7644 §3.6: delete the user and give back its seats; raises NotFound, 412."""
        with scim_errors():
            self.store.delete_scim_user(
                caller.account_id, user_id, actor=caller.actor, expected_version=if_match
            )


def _status(awaiting: bool, *, in_use: bool) -> str:
    """A user's status: deactivated unless in use, and then pending while its email awaits
    the link (so ``active: false`` wins over a pending email, which stays awaiting)."""
    if not in_use:
        return "deactivated"
    return "pending" if awaiting else "active"
