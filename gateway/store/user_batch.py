"""Many user creations checked one by one, as ``create_user`` checks them, inserted together.

A batch lives in one transaction. Each ``create_user`` refuses exactly what the single path
refuses, in the same order (field checks, identity, email then user name taken, seats), counting
the users created earlier in the same batch; a refused user leaves no trace. Uniqueness is
answered from keys looked up together when the batch opens (others one at a time); seats are
taken in the database as each user comes, so their refusals carry the pool's real numbers.
``flush`` inserts the users and their audit entries in a few statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from gateway.clock import Clock
from gateway.errors import BadRequest
from gateway.store import schema
from gateway.store.account_rows import new_user_license
from gateway.store.errors import Conflict
from gateway.store.pools import seat_kinds_of
from gateway.store.records import Account, User
from gateway.store.user_rows import (
    CHANGEABLE,
    check_identity,
    check_user_values,
    email_taken,
    stamp_new_user,
    user_from_row,
    user_public,
)

U = schema.users
LOOKUP_CHUNK = 500
INSERT_CHUNK = 1000
# What the database fills in for a user row that does not say (the columns' server defaults),
# so that rows inserted many at a time all carry the same keys.
ROW_DEFAULTS: Mapping[str, Any] = {
    "status": "active",
    "addons": [],
    "profile": {},
    "email_type": "work",
    "user_name": None,
    "external_id": None,
    "first_name": None,
    "last_name": None,
    "display_name": None,
    "employee_id": None,
    "login_type": "work_email",
    "role": "Member",
    "vip": False,
    "has_upcoming_meetings": False,
}


class BatchStore(Protocol):
    """What a batch needs of the store that opened it."""

    clock: Clock

    def _get_account(self, conn: sa.Connection, account_id: int) -> Account: ...

    def move_seats(
        self,
        conn: sa.Connection,
        account_id: int,
        release: list[str],
        take: list[str],
    ) -> None: ...


class BatchRaced(Conflict):
    """A concurrent writer took an email or user name the batch had found free."""

    code = "batch_raced"


@dataclass(frozen=True)
class _Values:
    """A row's values where ``user_from_row`` expects a row."""

    _mapping: dict[str, Any]


def new_user_row(
    account_id: int, default_license: str, row: Mapping[str, Any], source: str, now: Any
) -> dict[str, Any]:
    """A complete, checked ``users`` row for a new user; raises BadRequest (field checks)."""
    values = check_user_values({**ROW_DEFAULTS, "license_type": default_license, **row})
    stamp_new_user(values, account_id, source, now)
    return values


def insert_user_rows(conn: sa.Connection, values: Sequence[Mapping[str, Any]]) -> None:
    """Insert in chunks; a concurrent writer taking one of the emails (or user names) is
    ``email_taken``."""
    try:
        with conn.begin_nested():
            for start in range(0, len(values), INSERT_CHUNK):
                conn.execute(U.insert(), list(values[start : start + INSERT_CHUNK]))
    except IntegrityError as e:
        raise Conflict(
            "One of the emails or user names was just taken by another user of this service.",
            code="email_taken",
        ) from e


def existing_keys(conn: sa.Connection, column: ColumnElement[Any], keys: Iterable[str]) -> set[str]:
    """The ``keys`` that ``column`` (a lower-cased key of ``users``) already holds."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        found.update(conn.execute(sa.select(column).where(column.in_(chunk))).scalars())
    return found


class UserBatch:
    """User creations of one account, inserted at ``flush``."""

    def __init__(
        self,
        store: BatchStore,
        conn: sa.Connection,
        account_id: int,
        candidate_keys: Iterable[str],
    ) -> None:
        self.store = store
        self.conn = conn
        self.account_id = account_id
        self._account: Account | None = None
        self.rows: list[dict[str, Any]] = []
        self.audits: list[dict[str, Any]] = []
        checked = set(candidate_keys)
        # Keys known to be free or taken in the database, per kind of key.
        self._known = {"email": checked, "name": set(checked)}
        self._taken = {
            "email": existing_keys(conn, U.c.email_key, checked),
            "name": existing_keys(conn, schema.scim_user_name_key, checked),
        }

    def account(self) -> Account:
        """The batch's account, read once; raises NotFound ``account_not_found``."""
        if self._account is None:
            self._account = self.store._get_account(self.conn, self.account_id)
        return self._account

    def create_user(
        self, account_id: int, email: str | None, *, actor: str, source: str, **fields: Any
    ) -> User:
        """``create_user``'s contract, the insert deferred to ``flush``.

        Raises BadRequest, Conflict ``email_taken``/``user_name_taken`` (also for a key an
        earlier user of the batch holds), NotFound, LicensePoolExhausted.
        """
        unknown = set(fields) - CHANGEABLE
        if unknown:
            raise BadRequest(f"Unknown user fields {sorted(unknown)}.", code="unknown_field")
        if account_id != self.account_id:
            raise BadRequest("A batch creates users of its own account.", code="wrong_account")
        account = self.account()
        now = self.store.clock.now()
        row = new_user_row(
            account_id, new_user_license(account), {**fields, "email": email}, source, now
        )
        check_identity(row["user_name"], row["email"], row["status"])
        self._check_free(row["email"], row["user_name_key"])
        user = user_from_row(_Values(row))
        kinds = seat_kinds_of(user.license_type, user.addons)
        if kinds:
            with self.conn.begin_nested():
                self.store.move_seats(self.conn, account_id, [], kinds)
        self._hold("email", row["email_key"])
        self._hold("name", row["user_name_key"] or row["email_key"])
        self.rows.append(row)
        self.audits.append(
            {
                "at": now,
                "actor": actor,
                "account_id": account_id,
                "action": "user.create",
                "target": user.id,
                "before": None,
                "after": user_public(user),
            }
        )
        return user

    def _check_free(self, email: str | None, name_key: str | None) -> None:
        """Refuse an email, then a user name, that a user (stored or batched) holds."""
        if email is not None and self._is_taken("email", email.lower()):
            raise email_taken(email)
        if name_key is not None and self._is_taken("name", name_key):
            raise Conflict(
                "This user name already belongs to a user of this service.",
                code="user_name_taken",
            )

    def _is_taken(self, kind: str, key: str) -> bool:
        if key not in self._known[kind]:
            column = U.c.email_key if kind == "email" else schema.scim_user_name_key
            self._taken[kind] |= existing_keys(self.conn, column, [key])
            self._known[kind].add(key)
        return key in self._taken[kind]

    def _hold(self, kind: str, key: str | None) -> None:
        if key is not None:
            self._known[kind].add(key)
            self._taken[kind].add(key)

    def flush(self) -> None:
        """Insert the batch's users and audit entries; raises BatchRaced (nothing inserted)."""
        try:
            insert_user_rows(self.conn, self.rows)
        except Conflict as e:
            raise BatchRaced(e.message) from e
        if self.audits:
            self.conn.execute(schema.audit_log.insert(), self.audits)
