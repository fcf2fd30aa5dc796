"""User rows: statements, field checks, identity and owner rules, and the public view of a user."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from gateway.errors import BadRequest
from gateway.store import schema
from gateway.store.base import aware, new_id
from gateway.store.errors import Conflict, NotFound, OwnerProtected
from gateway.store.records import ADDONS, LICENSE_TYPES, USER_STATUSES, User
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
# The new row as stored (server defaults included), without reading it back.
USER_INSERT_RETURNING = U.insert().returning(*U.c)
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


def read_user(conn: sa.Connection, user_id: str, *, lock: bool = False) -> User:
    """The user with ``user_id`` (row locked when asked); raises NotFound ``user_not_found``."""
    found = user_where(conn, "id", {"user_id": user_id}, lock=lock)
    if found is None:
        raise NotFound(f"No user with id {user_id}.", code="user_not_found")
    return found[0]


def user_where(
    conn: sa.Connection, by: str, params: dict[str, Any], *, lock: bool = False
) -> tuple[User, dict[str, frozenset[str]]] | None:
    """The user found by ``USER_BY[by]`` (row locked when asked) with its groups by kind,
    in two statements; None when there is none."""
    locked = lock and conn.dialect.name != "sqlite"  # SQLite locks the whole file instead
    row = conn.execute((USER_BY_LOCKED if locked else USER_BY)[by], params).first()
    if row is None:
        return None
    groups = conn.execute(USER_GROUPS, {"user_id": row.id}).all()
    by_kind: dict[str, set[str]] = {}
    for name, kind in groups:
        by_kind.setdefault(kind, set()).add(name)
    user = user_from_row(row, (name for name, _ in groups))
    return user, {kind: frozenset(names) for kind, names in by_kind.items()}


def checked_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise BadRequest(f"Unknown user fields {sorted(unknown)}.", code="unknown_field")
    return check_user_values(changes)


def updated_user(before: User, values: Mapping[str, Any], **changed: Any) -> User:
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


def email_key(email: str | None) -> str | None:
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


def taken_refusal(
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
            return email_taken(email)
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


def email_taken(email: str | None) -> Conflict:
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


def remember_former_email(conn: sa.Connection, user: User, now: Any) -> None:
    """Keep a deleted user's email: it is never a new account's owner."""
    if user.email is None:
        return
    former = schema.former_user_emails
    key = user.email.lower()
    if conn.execute(sa.select(former.c.email_key).where(former.c.email_key == key)).first():
        return
    conn.execute(former.insert().values(email_key=key, account_id=user.account_id, deleted_at=now))
