"""What the SCIM service needs of the store: searching, SCIM groups with members, bulk loads.

Contract (in addition to the store's): searches take a WHERE clause compiled from a SCIM filter
and return the total with one page; every change to a group (name, externalId, members) bumps
``groups.version``, and every membership change bumps the version of each user it touches, so
ETags follow the ``groups``/``members`` attributes. Group names are unique per account and kind:
``Conflict`` ``group_name_taken``. Members must be users of the group's account: ``NotFound``
``member_not_found``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from gateway.clock import Clock
from gateway.store import schema
from gateway.store.base import aware, new_id
from gateway.store.bulk_users import BulkUsersMixin
from gateway.store.errors import Conflict, NotFound, VersionMismatch
from gateway.store.records import User
from gateway.store.scim_pages import Bookmarks, page_by_id
from gateway.store.scim_rows import (
    SCIM_GROUP_KIND,
    USER_ROW_COLUMNS,
    ListedUser,
    Ref,
    groups_of,
    listed_users,
    user_row,
)
from gateway.store.users import user_from_row

U = schema.users
G = schema.groups
GM = schema.group_members
P = schema.license_pools
__all__ = ["Found", "Group", "ListedUser", "Ref", "ScimStoreMixin", "UserWithGroups"]


@dataclass(frozen=True)
class Group:
    """A SCIM group (``user_group`` kind) and its members."""

    id: str
    account_id: int
    display_name: str
    external_id: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    members: tuple[Ref, ...]


@dataclass(frozen=True)
class UserWithGroups:
    """A user and the SCIM groups it belongs to."""

    user: User
    groups: tuple[Ref, ...]


# ``userName eq``: the user holding the key anywhere (the key is unique service-wide), with its
# account (``search_user_name`` keeps it only in the caller's) and its SCIM groups in the same
# statement: a row per membership (group columns NULL for a user in no group, or for a
# membership of another kind of group), in ``scim_rows.GROUPS_OF_USERS``'s order. Only the
# unique userName index can answer the WHERE, so the plan does not hang on statistics: with
# ``account_id`` there too, PostgreSQL without statistics (a table filled by single inserts
# and not analyzed yet) walked every user of the account on its account index instead.
BY_USER_NAME_KEY = (
    sa.select(
        *USER_ROW_COLUMNS,
        U.c.account_id,
        G.c.id.label("group_id"),
        G.c.display_name.label("group_name"),
    )
    .select_from(
        U.outerjoin(GM, GM.c.user_id == U.c.id).outerjoin(
            G, sa.and_(G.c.id == GM.c.group_id, G.c.kind == SCIM_GROUP_KIND)
        )
    )
    .where(schema.scim_user_name_key == sa.bindparam("key"))
    .order_by(G.c.display_name, G.c.id)
)


@dataclass(frozen=True)
class Found:
    """One page of a search and the number of matches over all pages."""

    total: int
    items: tuple[Any, ...]


class ScimStoreMixin(BulkUsersMixin):
    """Searches, SCIM groups and bulk user loads."""

    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        super().__init__(engine, clock)
        self.page_marks = Bookmarks()

    def search_users(
        self,
        account_id: int,
        where: ColumnElement[bool] | None,
        order_by: Sequence[ColumnElement[Any]],
        offset: int,
        limit: int,
        *,
        whole: bool = True,
    ) -> Found:
        """The account's users matching ``where``: the total and one page of ``UserWithGroups``
        (whole records) or, not ``whole``, of ``ListedUser`` (what a SCIM User shows, and
        nothing else: ``scim_rows``).

        Unfiltered in the default order (by id), the total is the account's counter and the
        page starts from a bookmark (``scim_pages``): the cost does not grow with the account.
        """
        cond = [U.c.account_id == account_id] + ([where] if where is not None else [])
        items = self._with_groups if whole else listed_users
        # Only when nothing uncommitted is in sight: a transaction we joined may hold users
        # that the counts (on PostgreSQL kept at commit) do not show yet, and may be undone.
        own = self.sees_committed_state()
        with self.transaction() as conn:
            if own and where is None and _by_id(order_by):
                found = page_by_id(conn, self.page_marks, account_id, offset, limit, whole=whole)
                if found is not None:
                    return Found(found[0], items(conn, found[1]))
            rows: Sequence[Any] = []
            if limit > 0:
                columns = (U,) if whole else USER_ROW_COLUMNS
                query = sa.select(*columns).where(*cond).order_by(*order_by)
                rows = conn.execute(query.offset(offset).limit(limit)).all()
            if offset == 0 and len(rows) < limit:
                total = len(rows)  # a first page that is not full holds every match
            else:
                count = sa.select(sa.func.count()).select_from(U).where(*cond)
                total = conn.execute(count).scalar_one()
            return Found(total, items(conn, rows))

    def search_user_name(self, account_id: int, key: str, offset: int, limit: int) -> Found:
        """``search_users`` for ``userName eq`` (``key`` lower-cased): one prebuilt statement
        on the unique userName index, so at most one match, read with its groups (``read``).
        The page is of ``ListedUser``."""
        with self.read() as conn:  # one statement
            rows = conn.execute(BY_USER_NAME_KEY, {"key": key}).all()
        if not rows or rows[0][-3] != account_id:
            return Found(0, ())
        groups = tuple(Ref(r[-2], r[-1]) for r in rows if r[-2] is not None)
        shown = (ListedUser(user_row(rows[0]), groups),)[offset : offset + max(limit, 0)]
        return Found(1, shown)

    def _with_groups(self, conn: sa.Connection, rows: Sequence[Any]) -> tuple[UserWithGroups, ...]:
        """The users of ``rows`` with their groups, read in one query."""
        refs = groups_of(conn, [r.id for r in rows])
        return tuple(UserWithGroups(user_from_row(r), refs.get(r.id, ())) for r in rows)

    def user_with_groups(
        self, account_id: int, user_id: str, *, lock: bool = False
    ) -> UserWithGroups:
        """One user of the account with its groups; raises NotFound ``user_not_found``."""
        with self.transaction() as conn:
            stmt = sa.select(U).where(U.c.id == user_id, U.c.account_id == account_id)
            row = conn.execute(self.lock_clause(stmt) if lock else stmt).first()
            if row is None:
                raise NotFound(f"No user with id {user_id}.", code="user_not_found")
            return UserWithGroups(user_from_row(row), groups_of(conn, [user_id]).get(user_id, ()))

    def search_groups(
        self,
        account_id: int,
        where: ColumnElement[bool] | None,
        order_by: Sequence[ColumnElement[Any]],
        offset: int,
        limit: int,
        *,
        with_members: bool = True,
    ) -> Found:
        """The account's SCIM groups matching ``where``: the total and one page (``Group``)."""
        cond = [G.c.account_id == account_id, G.c.kind == SCIM_GROUP_KIND]
        cond += [where] if where is not None else []
        with self.transaction() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(G).where(*cond))
            rows: Sequence[Any] = []
            if limit > 0:
                query = sa.select(G).where(*cond).order_by(*order_by).offset(offset).limit(limit)
                rows = conn.execute(query).all()
            members = self._members_of(conn, [r.id for r in rows]) if with_members else {}
            items = tuple(_group(r, members.get(r.id, ())) for r in rows)
            return Found(total.scalar_one(), items)

    def _members_of(self, conn: sa.Connection, group_ids: list[str]) -> dict[str, list[Ref]]:
        if not group_ids:
            return {}
        rows = conn.execute(
            sa.select(GM.c.group_id, U.c.id, U.c.display_name, U.c.email, U.c.user_name)
            .join(U, U.c.id == GM.c.user_id)
            .where(GM.c.group_id.in_(group_ids))
            .order_by(U.c.id)
        ).all()
        found: dict[str, list[Ref]] = {}
        for group_id, user_id, display, email, user_name in rows:
            found.setdefault(group_id, []).append(Ref(user_id, display or email or user_name))
        return found

    def get_scim_group(self, account_id: int, group_id: str, *, lock: bool = False) -> Group:
        """One SCIM group of the account; raises NotFound ``group_not_found``."""
        with self.transaction() as conn:
            stmt = sa.select(G).where(
                G.c.id == group_id, G.c.account_id == account_id, G.c.kind == SCIM_GROUP_KIND
            )
            row = conn.execute(self.lock_clause(stmt) if lock else stmt).first()
            if row is None:
                raise NotFound(f"No group with id {group_id}.", code="group_not_found")
            return _group(row, self._members_of(conn, [group_id]).get(group_id, ()))

    def create_scim_group(
        self,
        account_id: int,
        display_name: str,
        *,
        external_id: str | None,
        member_ids: Iterable[str],
        actor: str,
    ) -> Group:
        """Create a group with members; raises Conflict ``group_name_taken``, NotFound."""
        with self.transaction() as conn:
            now = self.clock.now()
            group_id = new_id()
            values = {
                "id": group_id,
                "account_id": account_id,
                "kind": SCIM_GROUP_KIND,
                "display_name": display_name,
                "external_id": external_id,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            self._check_name_free(conn, account_id, display_name, None)
            if self.guarded(conn, G.insert().values(**values)) is not None:
                raise _name_taken(display_name)
            self._set_members(conn, account_id, group_id, set(member_ids), set())
            group = self.get_scim_group(account_id, group_id)
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="group.create",
                target=group_id,
                after={"display_name": display_name},
            )
            return group

    def update_scim_group(
        self,
        account_id: int,
        group_id: str,
        changes: Mapping[str, Any],
        *,
        member_ids: Iterable[str] | None,
        actor: str,
        expected_version: int | None = None,
    ) -> Group:
        """Change name/externalId and (when given) set the members exactly; a change that
        changes nothing (a member added again, a rename to the same name) writes nothing.

        Raises NotFound, VersionMismatch, Conflict ``group_name_taken``.
        """
        with self.transaction() as conn:
            before = self.get_scim_group(account_id, group_id, lock=True)
            _check_version(before.version, expected_version, group_id)
            if "display_name" in changes:
                self._check_name_free(conn, account_id, changes["display_name"], group_id)
            current = {m.id for m in before.members}
            wanted = current if member_ids is None else set(member_ids)
            if wanted == current and all(getattr(before, k) == v for k, v in changes.items()):
                return before  # nothing changes: the version, ETag and audit log stay
            self._set_members(conn, account_id, group_id, wanted, current)
            stmt = G.update().where(G.c.id == group_id)
            values = {**changes, "version": G.c.version + 1, "updated_at": self.clock.now()}
            if self.guarded(conn, stmt.values(**values)) is not None:
                raise _name_taken(str(changes.get("display_name")))
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="group.update",
                target=group_id,
                before={"display_name": before.display_name},
                after=dict(changes),
            )
            return self.get_scim_group(account_id, group_id)

    def delete_scim_group(
        self, account_id: int, group_id: str, *, actor: str, expected_version: int | None = None
    ) -> None:
        """Delete a group (its members stay); raises NotFound, VersionMismatch."""
        with self.transaction() as conn:
            before = self.get_scim_group(account_id, group_id, lock=True)
            _check_version(before.version, expected_version, group_id)
            self._bump_users(conn, {m.id for m in before.members})
            conn.execute(GM.delete().where(GM.c.group_id == group_id))
            conn.execute(G.delete().where(G.c.id == group_id))
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="group.delete",
                target=group_id,
                before={"display_name": before.display_name},
            )

    def delete_scim_user(
        self, account_id: int, user_id: str, *, actor: str, expected_version: int | None = None
    ) -> None:
        """Delete a user of the account, bumping its groups' versions; raises NotFound."""
        with self.transaction() as conn:
            self.user_with_groups(account_id, user_id)
            group_ids = conn.execute(sa.select(GM.c.group_id).where(GM.c.user_id == user_id))
            self._bump_groups(conn, set(group_ids.scalars()))
            self.delete_user(user_id, actor=actor, expected_version=expected_version)

    def _check_name_free(
        self, conn: sa.Connection, account_id: int, name: str, own_id: str | None
    ) -> None:
        found = conn.execute(
            sa.select(G.c.id).where(
                G.c.account_id == account_id,
                G.c.kind == SCIM_GROUP_KIND,
                sa.func.lower(G.c.display_name) == name.lower(),
            )
        ).scalars()
        if any(gid != own_id for gid in found):
            raise _name_taken(name)

    def _set_members(
        self,
        conn: sa.Connection,
        account_id: int,
        group_id: str,
        wanted: set[str],
        current: set[str],
    ) -> None:
        added, removed = wanted - current, current - wanted
        if added:
            known = set(
                conn.execute(
                    sa.select(U.c.id).where(U.c.id.in_(added), U.c.account_id == account_id)
                ).scalars()
            )
            missing = sorted(added - known)
            if missing:
                raise NotFound(
                    f"No user with id {missing[0]} in this account.", code="member_not_found"
                )
            conn.execute(GM.insert(), [{"group_id": group_id, "user_id": u} for u in added])
        if removed:
            conn.execute(GM.delete().where(GM.c.group_id == group_id, GM.c.user_id.in_(removed)))
        self._bump_users(conn, added | removed)

    def _bump_users(self, conn: sa.Connection, user_ids: set[str]) -> None:
        if user_ids:
            conn.execute(U.update().where(U.c.id.in_(user_ids)).values(version=U.c.version + 1))

    def _bump_groups(self, conn: sa.Connection, group_ids: set[str]) -> None:
        if group_ids:
            now = self.clock.now()
            conn.execute(
                G.update()
                .where(G.c.id.in_(group_ids))
                .values(version=G.c.version + 1, updated_at=now)
            )


def _by_id(order_by: Sequence[ColumnElement[Any]]) -> bool:
    """Whether ``order_by`` is the default order: ``id`` ascending alone."""
    return len(order_by) == 1 and order_by[0].compare(U.c.id.asc())


def _group(row: Any, members: Iterable[Ref]) -> Group:
    m = row._mapping
    return Group(
        id=m["id"],
        account_id=m["account_id"],
        display_name=m["display_name"],
        external_id=m["external_id"],
        version=m["version"],
        created_at=aware(m["created_at"]),  # type: ignore[arg-type]
        updated_at=aware(m["updated_at"]),  # type: ignore[arg-type]
        members=tuple(members),
    )


def _check_version(current: int, expected: int | None, record_id: str) -> None:
    if expected is not None and current != expected:
        raise VersionMismatch(
            f"{record_id} is at version {current}, not {expected}; read it again."
        )


def _name_taken(name: str) -> Conflict:
    return Conflict(
        f"A group named '{name}' already exists in this account.", code="group_name_taken"
    )
