"""RFC 7644 operations on Groups: a name unique per account and User members of that account."""

from __future__ import annotations

from typing import Any

from gateway.scim.errors import InvalidValue, PayloadTooLarge
from gateway.scim.filters import compile_group_filter, filter_profile_for, sort_expression
from gateway.scim.operations import Caller, Context, Outcome, check_if_match, note_quirks
from gateway.scim.patch import MAX_NEW_MEMBERS, apply_patch, read_patch_request
from gateway.scim.profiles import Leniency
from gateway.scim.query import SearchQuery
from gateway.scim.resources import group_to_scim, member_ids
from gateway.scim.schemas import GROUP
from gateway.scim.store_errors import scim_errors
from gateway.scim.validate import validate_resource
from gateway.store.scim_store import Found, Group


class GroupOps:
    """Create, read, replace, patch, delete and search the Groups of the caller's account."""

    def __init__(self, context: Context) -> None:
        self.store = context.store

    @staticmethod
    def outcome(group: Group, caller: Caller) -> Outcome:
        """The SCIM body, version and location of a group."""
        body = group_to_scim(group, caller.base_url)
        return Outcome(body, group.version, body["meta"]["location"])

    def create(self, caller: Caller, body: Any) -> Outcome:
        """RFC 7644 §3.3: create a group; raises InvalidValue, Uniqueness (displayName)."""
        validated = validate_resource(body, GROUP, profile=caller.profile)
        note_quirks(caller, GROUP, validated.quirks)
        resource = validated.resource
        with scim_errors():
            group = self.store.create_scim_group(
                caller.account_id,
                resource["displayName"],
                external_id=resource.get("externalId"),
                member_ids=self.members(caller, resource, ()),
                actor=caller.actor,
            )
        return self.outcome(group, caller)

    def members(self, caller: Caller, resource: dict[str, Any], current: Any) -> list[str]:
        """The member ids to store: ``resource``'s, less new ids naming no user of the account.

        Such ids (unknown, or another account's user: the two are not told apart) are refused
        under the ``strict`` profile and otherwise left out, the quirk logged; the group sent
        back shows the members it really has.
        Raises InvalidValue (strict) naming the first unknown id.
        """
        ids = member_ids(resource)
        new = set(ids) - set(current)
        if len(new) > MAX_NEW_MEMBERS:
            raise PayloadTooLarge(
                f"One request adds at most {MAX_NEW_MEMBERS} members to a group (this one adds "
                f"{len(new)}); add them in several requests."
            )
        unknown = sorted(new - self.store.known_user_ids(caller.account_id, new))
        if not unknown:
            return ids
        leniency = Leniency(caller.profile)
        leniency.tolerate(
            "unknown_member_ignored",
            InvalidValue(f"No user with id {unknown[0]} in this account."),
        )
        note_quirks(caller, GROUP, leniency.quirks)
        return [i for i in ids if i not in unknown]

    def get(self, caller: Caller, group_id: str) -> Outcome:
        """RFC 7644 §3.4.1: one group of the account; raises NotFound."""
        with scim_errors():
            return self.outcome(self.store.get_scim_group(caller.account_id, group_id), caller)

    def search(
        self, caller: Caller, query: SearchQuery, offset: int, limit: int, *, members: bool
    ) -> Found:
        """RFC 7644 §3.4.2: groups matching the filter, sorted, one page; raises InvalidFilter."""
        where = None
        if query.filter:
            where = compile_group_filter(query.filter, filter_profile_for(caller.profile))
        order = sort_expression(query.sort_by, query.sort_order, "Group")
        return self.store.search_groups(
            caller.account_id, where, order, offset, limit, with_members=members
        )

    def replace(self, caller: Caller, group_id: str, body: Any, if_match: int | None) -> Outcome:
        """RFC 7644 §3.5.1: replace name, externalId and members.

        Raises InvalidValue, NotFound, PreconditionFailed, Uniqueness.
        """
        validated = validate_resource(body, GROUP, profile=caller.profile)
        note_quirks(caller, GROUP, validated.quirks)
        return self._change(caller, group_id, if_match, lambda _: validated.resource)

    def patch(self, caller: Caller, group_id: str, body: Any, if_match: int | None) -> Outcome:
        """RFC 7644 §3.5.2: apply PATCH operations (member adds/removes, renames).

        Raises InvalidSyntax, InvalidPath, NoTarget, Mutability, InvalidValue, NotFound,
        PreconditionFailed, Uniqueness.
        """
        operations = read_patch_request(body)

        def patched(current: Group) -> dict[str, Any]:
            result = apply_patch(
                group_to_scim(current, caller.base_url),
                operations,
                schema=GROUP,
                profile=caller.profile,
            )
            note_quirks(caller, GROUP, result.quirks)
            return result.resource

        return self._change(caller, group_id, if_match, patched)

    def _change(self, caller: Caller, group_id: str, if_match: int | None, new: Any) -> Outcome:
        with scim_errors(), self.store.transaction():
            current = self.store.get_scim_group(caller.account_id, group_id, lock=True)
            check_if_match(current.version, if_match)
            resource = new(current)
            changes = {
                "display_name": resource["displayName"],
                "external_id": resource.get("externalId"),
            }
            if changes["display_name"] == current.display_name:
                del changes["display_name"]
            group = self.store.update_scim_group(
                caller.account_id,
                group_id,
                changes,
                member_ids=self.members(caller, resource, {m.id for m in current.members}),
                actor=caller.actor,
                expected_version=if_match,
            )
        return self.outcome(group, caller)

    def delete(self, caller: Caller, group_id: str, if_match: int | None) -> None:
        """RFC 7644 §3.6: delete the group (its members stay); raises NotFound, 412."""
        with scim_errors():
            self.store.delete_scim_group(
                caller.account_id, group_id, actor=caller.actor, expected_version=if_match
            )
