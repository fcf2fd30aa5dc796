"""Users: one account each, email unique service-wide, seats taken from the account's pools.

A user's SCIM userName is ``user_name`` when set (a SCIM client chose one that is not an email;
an email address is refused there, so emails and user names never collide), else its ``email``;
that name is unique case-insensitively across the service too (the unique index on
``coalesce(user_name_key, email_key)``): Conflict ``user_name_taken``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from gateway.errors import BadRequest
from gateway.store import schema
from gateway.store.base import aware, new_id
from gateway.store.errors import Conflict, NotFound, OwnerProtected, VersionMismatch
from gateway.store.pools import SeatsMixin, seat_kinds_of
from gateway.store.records import ADDONS, LICENSE_TYPES, USER_STATUSES, Page, User
from gateway.store.validation import normalize_email

U = schema.users
G = schema.groups
GM = schema.group_members

# Statements built once (building one costs more Python than running it): users by id, email
# key or employee unique ID (in some accounts, never one without an email), a user's groups
# with their kinds, and an update whose columns are the parameters given.
USER_BY = {
    "id": sa.select(U).where(U.c.id == sa.bindparam("user_id")),
    "email": sa.select(U).where(U.c.email_key == sa.bindparam("email_key")),
    "employee_id": sa.select(U).where(
        U.c.account_id.in_(sa.bindparam("account_ids", expanding=True)),
        U.c.employee_id == sa.bindparam("employee_id"),
        U.c.email_key.is_not(None),
    ),
}
USER_BY_LOCKED = {by: stmt.with_for_update() for by, stmt in USER_BY.items()}
USER_GROUPS = (
    sa.select(G.c.display_name, G.c.kind)
    .join(GM, GM.c.group_id == G.c.id)
    .where(GM.c.user_id == sa.bindparam("user_id"))
)
USER_INSERT = U.insert()  # the columns are the parameters given
USER_UPDATE = U.update().values(version=U.c.version + 1)
USER_UPDATE_BY_ID = USER_UPDATE.where(U.c.id == sa.bindparam("target_id"))

CHANGEABLE = frozenset(
    {
        "email",
        "email_type",
        "user_name",
        "external_id",
        "first_name",
        "last_name",
        "display_name",
        "status",
        "license_type",
        "addons",
        "role",
        "login_type",
        "employee_id",
        "profile",
        "vip",
        "has_upcoming_meetings",
        "source",
        "awaiting_activation",
    }
)


def user_from_row(row: Any, groups: Iterable[str] = ()) -> User:
    """Build a User record from a row (and the names of its groups)."""
    m = row._mapping
    return User(
        id=m["id"],
        account_id=m["account_id"],
        email=m["email"],
        email_type=m["email_type"],
        external_id=m["external_id"],
        first_name=m["first_name"],
        last_name=m["last_name"],
        display_name=m["display_name"],
        status=m["status"],
        license_type=m["license_type"],
        addons=tuple(m["addons"] or ()),
        role=m["role"],
        login_type=m["login_type"],
        source=m["source"],
        employee_id=m["employee_id"],
        profile=dict(m["profile"] or {}),
        vip=bool(m["vip"]),
        has_upcoming_meetings=bool(m["has_upcoming_meetings"]),
        version=m["version"],
        created_at=aware(m["created_at"]),  # type: ignore[arg-type]
        updated_at=aware(m["updated_at"]),  # type: ignore[arg-type]
        groups=tuple(sorted(groups)),
        user_name=m["user_name"],
        awaiting_activation=bool(m["awaiting_activation"]),
    )


def check_user_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate user fields; raises BadRequest with ``invalid_*``/``unknown_addon`` codes."""
    out = dict(values)
    if "email" in out:
        # None: no email (only with a user name; the store checks that): pending, no sign-in.
        if out["email"] is not None:
            out["email"] = normalize_email(out["email"])
        out["email_key"] = None if out["email"] is None else out["email"].lower()
    if "user_name" in out:
        user_name = out["user_name"]
        if user_name is not None and not 0 < len(user_name) <= 320:
            raise BadRequest("A user name takes 1 to 320 characters.", code="invalid_user_name")
        if user_name is not None and _is_email(user_name):
            raise BadRequest(
                "A user name that is an email address is the user's email: set the email.",
                code="invalid_user_name",
            )
        out["user_name_key"] = None if user_name is None else user_name.lower()
    if "license_type" in out and out["license_type"] not in LICENSE_TYPES:
        raise BadRequest(
            f"License type must be one of {', '.join(LICENSE_TYPES)}.", code="invalid_license_type"
        )
    if "status" in out:
        if out["status"] not in USER_STATUSES:
            raise BadRequest(
                f"Status must be one of {', '.join(USER_STATUSES)}.", code="invalid_status"
            )
        # Pending means the email awaits its link; active means nothing does. A deactivated
        # user keeps what it had unless the caller says (a pending user deactivated).
        if out["status"] != "deactivated":
            out["awaiting_activation"] = out["status"] == "pending"
    if "addons" in out:
        unknown = sorted(set(out["addons"]) - set(ADDONS))
        if unknown:
            raise BadRequest(
                f"Unknown add-ons {unknown}; known: {', '.join(ADDONS)}.", code="unknown_addon"
            )
        out["addons"] = sorted(set(out["addons"]))
    return out


class UsersMixin(SeatsMixin):
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
                    "license_type": account.default_license_type,
                    "addons": [],
                    "profile": {},
                    **fields,
                    "email": email,
                }
            )
            check_identity(values.get("user_name"), values["email"], values["status"])
            self._insert_user(conn, account_id, values, source, now)
            # Read back for the server defaults; a user just created is in no group yet.
            user = user_from_row(conn.execute(USER_BY["id"], {"user_id": values["id"]}).one())
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
    ) -> None:
        stamp_new_user(values, account_id, source, now)
        # The unique indexes refuse a taken email or user name; ``_taken`` then says which.
        error = self.guarded(conn, USER_INSERT, values)
        if error is not None:
            taken = _taken(conn, values["email"], values.get("user_name_key"), None)
            raise taken or _email_taken(values["email"]) from error

    def _user(self, conn: sa.Connection, user_id: str, *, lock: bool = False) -> User:
        found = self._user_where(conn, "id", {"user_id": user_id}, lock=lock)
        if found is None:
            raise NotFound(f"No user with id {user_id}.", code="user_not_found")
        return found[0]

    def _user_where(
        self, conn: sa.Connection, by: str, params: dict[str, Any], *, lock: bool = False
    ) -> tuple[User, dict[str, frozenset[str]]] | None:
        """The user found by ``USER_BY[by]`` (row locked when asked) with its groups by kind,
        in two statements; None when there is none."""
        locked = lock and self.dialect != "sqlite"  # SQLite locks the whole file instead
        row = conn.execute((USER_BY_LOCKED if locked else USER_BY)[by], params).first()
        if row is None:
            return None
        groups = conn.execute(USER_GROUPS, {"user_id": row.id}).all()
        by_kind: dict[str, set[str]] = {}
        for name, kind in groups:
            by_kind.setdefault(kind, set()).add(name)
        user = user_from_row(row, (name for name, _ in groups))
        return user, {kind: frozenset(names) for kind, names in by_kind.items()}

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
        values = _checked_changes(changes)
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
        values = _checked_changes(changes)
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
        if _key(email) != _key(before.email) or name_key != old_name_key:
            taken = _taken(conn, email, name_key, user_id)
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
                taken = _taken(conn, email, name_key, user_id)
                raise taken or _email_taken(email) from error
        else:
            conn.execute(USER_UPDATE_BY_ID, {**values, "updated_at": now, "target_id": user_id})
        after = (
            self._user(conn, user_id)
            if reread
            else _updated(before, values, version=before.version + 1, updated_at=now)
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
            self.move_seats(conn, target.id, [], seat_kinds_of(target.default_license_type, ()))
            conn.execute(GM.delete().where(GM.c.user_id == user_id))
            conn.execute(
                U.update()
                .where(U.c.id == user_id)
                .values(
                    account_id=target.id,
                    license_type=target.default_license_type,
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

    def set_user_groups(self, user_id: str, kind: str, names: Iterable[str], *, actor: str) -> User:
        """Make the user's groups of ``kind`` exactly ``names``, creating missing groups."""
        with self.transaction() as conn:
            user = self._user(conn, user_id, lock=True)
            wanted = {self._group_id(conn, user.account_id, kind, n) for n in names}
            current = set(
                conn.execute(
                    sa.select(GM.c.group_id)
                    .join(G, G.c.id == GM.c.group_id)
                    .where(GM.c.user_id == user_id, G.c.kind == kind)
                ).scalars()
            )
            for gid in current - wanted:
                conn.execute(GM.delete().where(GM.c.user_id == user_id, GM.c.group_id == gid))
            for gid in wanted - current:
                conn.execute(GM.insert().values(group_id=gid, user_id=user_id))
            after = self._user(conn, user_id)
            if current != wanted:
                self.audit(
                    conn,
                    actor=actor,
                    account_id=user.account_id,
                    action="user.groups",
                    target=user_id,
                    before=list(user.groups),
                    after=list(after.groups),
                )
            return after

    def user_groups(self, user_id: str, kind: str) -> list[str]:
        """Names of the user's groups of one kind, sorted."""
        with self.transaction() as conn:
            names = conn.execute(
                sa.select(G.c.display_name)
                .join(GM, GM.c.group_id == G.c.id)
                .where(GM.c.user_id == user_id, G.c.kind == kind)
            )
            return sorted(names.scalars())

    def known_user_ids(self, account_id: int, user_ids: Iterable[str]) -> set[str]:
        """Those of ``user_ids`` that are users of ``account_id`` (others' users are unknown)."""
        wanted = set(user_ids)
        if not wanted:
            return set()
        with self.transaction() as conn:
            found = conn.execute(
                sa.select(U.c.id).where(U.c.id.in_(wanted), U.c.account_id == account_id)
            )
            return set(found.scalars())

    def _group_id(self, conn: sa.Connection, account_id: int, kind: str, name: str) -> str:
        found = conn.execute(
            sa.select(G.c.id).where(
                G.c.account_id == account_id, G.c.kind == kind, G.c.display_name == name
            )
        ).first()
        if found is not None:
            return str(found[0])
        now = self.clock.now()
        gid = new_id()
        conn.execute(
            G.insert().values(
                id=gid,
                account_id=account_id,
                kind=kind,
                display_name=name,
                created_at=now,
                updated_at=now,
            )
        )
        return gid


def _checked_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise BadRequest(f"Unknown user fields {sorted(unknown)}.", code="unknown_field")
    return check_user_values(changes)


def _updated(before: User, values: Mapping[str, Any], **changed: Any) -> User:
    """``before`` with ``values`` written (as a read would return them) and ``changed``."""
    fields = {k: v for k, v in values.items() if k in CHANGEABLE}
    if "addons" in fields:
        fields["addons"] = tuple(fields["addons"])
    if "profile" in fields:
        fields["profile"] = dict(fields["profile"] or {})
    for flag in ("vip", "has_upcoming_meetings"):
        if flag in fields:
            fields[flag] = bool(fields[flag])
    return dataclasses.replace(before, **fields, **changed)


def check_owner_change(before: User, values: Mapping[str, Any]) -> None:
    """The owner stays active and the owner: raises OwnerProtected ``owner_protected``."""
    if before.role != "Owner":
        return
    if values.get("status") == "deactivated":
        raise OwnerProtected(
            f"{before.email} owns the account and cannot be deactivated; make another user "
            "the owner first (the account team does this)."
        )
    if values.get("role", "Owner") != "Owner":
        raise OwnerProtected(
            f"{before.email} owns the account and keeps the role Owner; make another user "
            "the owner first (the account team does this)."
        )


def _key(email: str | None) -> str | None:
    return None if email is None else email.lower()


def stamp_new_user(values: dict[str, Any], account_id: int, source: str, now: Any) -> None:
    """Give checked ``values`` the columns every new user row gets: a new id, its account,
    where it came from, its timestamps and version 1."""
    values.update(
        id=new_id(),
        account_id=account_id,
        source=source,
        created_at=now,
        updated_at=now,
        version=1,
    )


def check_identity(user_name: str | None, email: str | None, status: str) -> None:
    """A user has an email or a user name. One without an email (a SCIM user name only) may
    be active or deactivated, never pending (there is no address to confirm); it cannot sign
    in, since sign-in is by email, until an email is set."""
    if email is not None:
        return
    if user_name is None:
        raise BadRequest("A user needs an email or a user name.", code="email_required")
    if status == "pending":
        raise BadRequest(
            "A user without an email cannot be pending: there is no address to confirm.",
            code="email_required",
        )


def _taken(
    conn: sa.Connection, email: str | None, name_key: str | None, own_id: str | None
) -> Conflict | None:
    """The refusal a user with this email and user name key would meet, if any.

    Its email must be nobody else's, and its user name (never an email address) nobody else's
    SCIM userName (a user name, else an email).
    """
    others = [] if own_id is None else [U.c.id != own_id]
    if email is not None:
        found = conn.execute(sa.select(U.c.id).where(U.c.email_key == email.lower(), *others))
        if found.first() is not None:
            return _email_taken(email)
    if name_key is None:
        # User names are never email addresses, so an email is nobody's user name.
        return None
    named = conn.execute(sa.select(U.c.id).where(schema.scim_user_name_key == name_key, *others))
    if named.first() is not None:
        return Conflict(
            "This user name already belongs to a user of this service.", code="user_name_taken"
        )
    return None


def _is_email(value: str) -> bool:
    try:
        normalize_email(value)
    except BadRequest:
        return False
    return True


def _email_taken(email: str | None) -> Conflict:
    return Conflict(
        f"The email '{email}' already belongs to a user of this service.", code="email_taken"
    )


def user_public(user: User) -> dict[str, Any]:
    """The JSON/audit view of a user."""
    return {
        "id": user.id,
        "account_id": user.account_id,
        "email": user.email,
        "user_name": user.user_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "status": user.status,
        "awaiting_activation": user.awaiting_activation,
        "license_type": user.license_type,
        "addons": list(user.addons),
        "role": user.role,
        "login_type": user.login_type,
        "source": user.source,
        "groups": list(user.groups),
        "external_id": user.external_id,
        "version": user.version,
    }
