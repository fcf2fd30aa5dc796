"""Users: one account each, email unique service-wide, seats taken from the account's pools.

A user's SCIM userName is ``user_name`` when set (a SCIM client chose one that is not an email;
an email address is refused there, so emails and user names never collide), else its ``email``;
that name is unique case-insensitively across the service too (the unique index on
``coalesce(user_name_key, email_key)``): Conflict ``user_name_taken``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from gateway.errors import BadRequest
from gateway.store.account_rows import new_user_license
from gateway.store.errors import NotFound, OwnerProtected, VersionMismatch
from gateway.store.pools import seat_kinds_of
from gateway.store.records import Page, User
from gateway.store.user_groups import UserGroupsMixin
from gateway.store.user_rows import (
    CHANGEABLE,
    GM,
    USER_INSERT_RETURNING,
    USER_UPDATE,
    USER_UPDATE_BY_ID,
    U,
    check_identity,
    check_owner_change,
    check_user_values,
    checked_changes,
    email_key,
    email_taken,
    read_user,
    remember_former_email,
    stamp_new_user,
    taken_refusal,
    updated_user,
    user_from_row,
    user_public,
    user_where,
)

# Re-exported: other modules import these from here.
__all__ = [
    "CHANGEABLE",
    "UsersMixin",
    "check_identity",
    "check_user_values",
    "stamp_new_user",
    "user_from_row",
    "user_public",
]


class UsersMixin(UserGroupsMixin):
    """Users and the seats they hold."""

    def create_user(
        self, account_id: int, email: str | None, *, actor: str, source: str, **fields: Any
    ) -> User:
        """Create a user in ``account_id`` taking the seats its license and add-ons need.

        ``email`` None: a user with a ``user_name`` and no email, active or deactivated but
        never pending (it cannot sign in until an email is set).

        Raises BadRequest (field checks, ``email_required`` for no email and no user name, or
        no email and pending), Conflict ``email_taken``, NotFound
        ``account_not_found``, LicensePoolExhausted ``license_pool_exhausted``.
        """
        unknown = set(fields) - CHANGEABLE
        if unknown:
            raise BadRequest(f"Unknown user fields {sorted(unknown)}.", code="unknown_field")
        with self.transaction() as conn:
            account = self._get_account(conn, account_id)
            now = self.clock.now()
            values = check_user_values(
                {
                    "status": "active",
                    "license_type": new_user_license(account),
                    "addons": [],
                    "profile": {},
                    **fields,
                    "email": email,
                }
            )
            check_identity(values.get("user_name"), values["email"], values["status"])
            # The row as stored (server defaults); a user just created is in no group yet.
            user = user_from_row(self._insert_user(conn, account_id, values, source, now))
            self.move_seats(conn, account_id, [], seat_kinds_of(user.license_type, user.addons))
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="user.create",
                target=user.id,
                after=user_public(user),
            )
            return user

    def _insert_user(
        self, conn: sa.Connection, account_id: int, values: dict[str, Any], source: str, now: Any
    ) -> sa.Row[Any]:
        """Insert the user; its row as stored. Raises Conflict ``email_taken`` or
        ``user_name_taken``."""
        stamp_new_user(values, account_id, source, now)
        # The unique indexes refuse a taken email or user name; ``_taken`` then says which.
        found = self.guarded_row(conn, USER_INSERT_RETURNING, values)
        if isinstance(found, IntegrityError):
            taken = taken_refusal(conn, values["email"], values.get("user_name_key"), None)
            raise taken or email_taken(values["email"]) from found
        assert found is not None  # fetched
        return found

    def _user(self, conn: sa.Connection, user_id: str, *, lock: bool = False) -> User:
        return read_user(conn, user_id, lock=lock)

    def _user_where(
        self, conn: sa.Connection, by: str, params: dict[str, Any], *, lock: bool = False
    ) -> tuple[User, dict[str, frozenset[str]]] | None:
        return user_where(conn, by, params, lock=lock)

    def get_user(self, user_id: str, *, account_id: int | None = None) -> User:
        """The user; with ``account_id``, only if it belongs there. Raises NotFound."""
        with self.transaction() as conn:
            user = self._user(conn, user_id)
        if account_id is not None and user.account_id != account_id:
            raise NotFound(f"No user with id {user_id}.", code="user_not_found")
        return user

    def find_user_by_email(self, email: str) -> User | None:
        """The user holding ``email`` (case-insensitive), wherever it is, or None."""
        found = self.find_user_for_sign_in(email)
        return None if found is None else found[0]

    def find_user_by_employee_id(self, account_ids: Iterable[int], employee_id: str) -> User | None:
        """The user of one of ``account_ids`` with this employee unique ID, or None.

        Users without an email are never found: SSO signs in by email, and must not give one to
        a user whose email only a SCIM client may set.
        """
        with self.transaction() as conn:
            params = {"account_ids": list(account_ids), "employee_id": employee_id}
            found = self._user_where(conn, "employee_id", params)
            return None if found is None else found[0]

    def find_user_for_sign_in(
        self,
        email: str,
        employee_id: str | None = None,
        account_ids: Iterable[int] = (),
        *,
        lock: bool = False,
    ) -> tuple[User, dict[str, frozenset[str]]] | None:
        """The user with this employee unique ID in ``account_ids`` (as
        ``find_user_by_employee_id``), else the one holding ``email`` anywhere (as
        ``find_user_by_email``), with its groups by kind; None when there is none.

        With ``lock``, its row stays locked for the rest of the caller's transaction (then
        ``update_locked_user`` may change it without reading it again).
        """
        with self.transaction() as conn:
            found = None
            if employee_id:
                params = {"account_ids": list(account_ids), "employee_id": employee_id}
                found = self._user_where(conn, "employee_id", params, lock=lock)
            if found is None:
                params = {"email_key": email.strip().lower()}
                found = self._user_where(conn, "email", params, lock=lock)
            return found

    def list_users(
        self, account_id: int, *, offset: int = 0, limit: int = 100, status: str | None = None
    ) -> Page:
        """A page of the account's users, oldest first."""
        with self.transaction() as conn:
            cond = [U.c.account_id == account_id]
            if status:
                cond.append(U.c.status == status)
            total = conn.execute(sa.select(sa.func.count()).select_from(U).where(*cond))
            rows = conn.execute(
                sa.select(U)
                .where(*cond)
                .order_by(U.c.created_at, U.c.id)
                .offset(offset)
                .limit(limit)
            ).all()
            items = tuple(self._user(conn, r.id) for r in rows)
            return Page(items=items, total=total.scalar_one(), offset=offset, limit=limit)

    def update_user(
        self,
        user_id: str,
        changes: Mapping[str, Any],
        *,
        actor: str,
        expected_version: int | None = None,
    ) -> User:
        """Apply ``changes``, moving seats when license or add-ons change.

        Raises NotFound, BadRequest, VersionMismatch ``version_mismatch``, Conflict
        ``email_taken``, LicensePoolExhausted.
        """
        values = checked_changes(changes)
        with self.transaction() as conn:
            before = self._user(conn, user_id, lock=True)
            if expected_version is not None and before.version != expected_version:
                raise VersionMismatch(
                    f"User {user_id} is at version {before.version}, not "
                    f"{expected_version}; read it again."
                )
            return self._write_update(conn, before, values, actor, reread=True)

    def update_locked_user(self, before: User, changes: Mapping[str, Any], *, actor: str) -> User:
        """``update_user`` for a user this transaction read with its row locked and has not
        changed since (``find_user_for_sign_in(lock=True)``, or the record an earlier write
        of this transaction returned): the same checks, seats, write and audit entry, without
        reading the user again, because the values written are known.

        Raises what ``update_user`` raises; RuntimeError outside a transaction.
        """
        values = checked_changes(changes)
        if self._tx.get() is None:
            raise RuntimeError("update_locked_user needs the transaction that locked the user")
        with self.transaction() as conn:
            return self._write_update(conn, before, values, actor, reread=False)

    def _write_update(
        self,
        conn: sa.Connection,
        before: User,
        values: dict[str, Any],
        actor: str,
        *,
        reread: bool,
    ) -> User:
        """Check, move seats, write and audit a change to ``before`` (current and locked)."""
        user_id = before.id
        check_owner_change(before, values)
        email = values.get("email", before.email)
        check_identity(
            values.get("user_name", before.user_name),
            email,
            values.get("status", before.status),
        )
        old_name_key = before.user_name.lower() if before.user_name is not None else None
        name_key = values.get("user_name_key", old_name_key)
        if email_key(email) != email_key(before.email) or name_key != old_name_key:
            taken = taken_refusal(conn, email, name_key, user_id)
            if taken is not None:
                raise taken
        merged = {"license_type": before.license_type, "addons": before.addons, **values}
        self.move_seats(
            conn,
            before.account_id,
            seat_kinds_of(before.license_type, before.addons),
            seat_kinds_of(merged["license_type"], merged["addons"]),
        )
        now = self.clock.now()
        if "email" in values or "user_name" in values or None in values.values():
            # Only the email and user name keys are unique (and a NULL may break a NOT NULL):
            # a savepoint only then, so that refusal can still be explained.
            update = USER_UPDATE.where(U.c.id == user_id).values(**values, updated_at=now)
            error = self.guarded(conn, update)
            if error is not None:
                taken = taken_refusal(conn, email, name_key, user_id)
                raise taken or email_taken(email) from error
        else:
            conn.execute(USER_UPDATE_BY_ID, {**values, "updated_at": now, "target_id": user_id})
        after = (
            self._user(conn, user_id)
            if reread
            else updated_user(before, values, version=before.version + 1, updated_at=now)
        )
        self.audit(
            conn,
            actor=actor,
            account_id=after.account_id,
            action="user.update",
            target=user_id,
            before=user_public(before),
            after=user_public(after),
        )
        return after

    def delete_user(self, user_id: str, *, actor: str, expected_version: int | None = None) -> None:
        """Delete the user and give back its seats; raises NotFound, VersionMismatch."""
        with self.transaction() as conn:
            user = self._user(conn, user_id, lock=True)
            if expected_version is not None and user.version != expected_version:
                raise VersionMismatch(
                    f"User {user_id} is at version {user.version}, not "
                    f"{expected_version}; read it again."
                )
            if user.role == "Owner":
                raise OwnerProtected(
                    f"{user.email} owns the account and cannot be deleted; make another "
                    "user the owner first (the account team does this), or close the account.",
                )
            self.move_seats(
                conn, user.account_id, seat_kinds_of(user.license_type, user.addons), []
            )
            conn.execute(GM.delete().where(GM.c.user_id == user_id))
            conn.execute(U.delete().where(U.c.id == user_id))
            remember_former_email(conn, user, self.clock.now())
            self.audit(
                conn,
                actor=actor,
                account_id=user.account_id,
                action="user.delete",
                target=user_id,
                before=user_public(user),
            )

    def move_user(self, user_id: str, target_account_id: int, *, actor: str, source: str) -> User:
        """Move a user into another account under its default license and no add-ons.

        Groups and role do not move (they are the new account's to set). Raises NotFound,
        LicensePoolExhausted (nothing moves then).
        """
        with self.transaction() as conn:
            before = self._user(conn, user_id, lock=True)
            target = self._get_account(conn, target_account_id)
            self.move_seats(
                conn, before.account_id, seat_kinds_of(before.license_type, before.addons), []
            )
            license = new_user_license(target)
            self.move_seats(conn, target.id, [], seat_kinds_of(license, ()))
            conn.execute(GM.delete().where(GM.c.user_id == user_id))
            conn.execute(
                U.update()
                .where(U.c.id == user_id)
                .values(
                    account_id=target.id,
                    license_type=license,
                    addons=[],
                    role="Member",
                    source=source,
                    version=U.c.version + 1,
                    updated_at=self.clock.now(),
                )
            )
            after = self._user(conn, user_id)
            for account_id in (before.account_id, target.id):
                self.audit(
                    conn,
                    actor=actor,
                    account_id=account_id,
                    action="user.move",
                    target=user_id,
                    before=user_public(before),
                    after=user_public(after),
                )
            return after
