"""Accounts, sub-accounts, plans and bulk license delegation (SQL)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from gateway.clock import utc
from gateway.errors import BadRequest
from gateway.store import schema
from gateway.store.account_links import AccountLinksMixin
from gateway.store.account_rows import account_from_row
from gateway.store.account_rows import account_public as _public
from gateway.store.base import new_id
from gateway.store.errors import (
    Conflict,
    InvalidState,
    NotFound,
)
from gateway.store.records import CHANNELS, LICENSE_TYPES, PLAN_KINDS, Account
from gateway.store.validation import check_vanity, normalize_email

A = schema.accounts
P = schema.license_pools
# An account's default license for new SSO users; None (Zoom's meaning): a sign-in that no rule
# gives a license creates nobody. Users created another way then get Basic (new_user_license).
DEFAULT_LICENSES = (*LICENSE_TYPES, "None")


class AccountsMixin(AccountLinksMixin):
    """Accounts and their seat pools."""

    def create_account(
        self,
        name: str,
        owner_email: str,
        *,
        actor: str = "system",
        vanity: str | None = None,
        parent_id: int | None = None,
        channel: str = "direct",
        plan_kind: str = "business",
        bulk_licensing: bool = False,
        billing: str | None = None,
        support_name: str | None = None,
        support_email: str | None = None,
        default_license_type: str = "Basic",
        plan: Mapping[str, int] | None = None,
        number: str | None = None,
    ) -> Account:
        """Create an account and its owner user.

        Raises BadRequest (``invalid_email``, ``invalid_vanity``, ``invalid_name``...),
        Conflict ``owner_email_taken`` / ``vanity_taken``, InvalidState ``nesting_not_allowed``.
        """
        if not name or not name.strip() or len(name) > 200:
            raise BadRequest("Account name must be 1-200 characters.", code="invalid_name")
        email = normalize_email(owner_email, field="owner_email")
        checked = check_account_changes(
            {"vanity": vanity, "support_name": support_name, "support_email": support_email}
        )
        vanity, support_name = checked["vanity"], checked["support_name"]
        support_email = checked["support_email"]
        if channel not in CHANNELS or plan_kind not in PLAN_KINDS:
            raise BadRequest(
                f"'channel' must be one of {CHANNELS} and plan_kind one of {PLAN_KINDS}.",
                code="invalid_plan",
            )
        with self.transaction() as conn:
            parent = self._lock_account(conn, parent_id) if parent_id is not None else None
            account_type, billing_mode = self._placement(conn, parent, billing)
            if parent is not None and parent.bulk_licensing and plan:
                raise InvalidState(
                    f"{parent.name} uses bulk licensing: a new sub-account's seats come from "
                    "delegations, not a plan of its own.",
                    code="plan_is_delegated",
                )
            now = self.clock.now()
            values: dict[str, Any] = dict(
                number=number or self._new_number(conn),
                name=name.strip(),
                owner_email=email,
                vanity=vanity,
                parent_id=parent_id,
                account_type=account_type,
                channel=channel,
                plan_kind=plan_kind,
                bulk_licensing=bulk_licensing,
                billing=billing_mode,
                support_name=support_name,
                support_email=support_email,
                default_license_type=default_license_type,
                settings={},
                created_at=now,
                updated_at=now,
            )
            self._check_unique_owner(conn, email, vanity)
            account_id = conn.execute(A.insert().values(**values).returning(A.c.id)).scalar_one()
            self._insert_owner(conn, account_id, email)
            if parent is not None:
                self._promote_parent(conn, parent)
            for seat_kind, capacity in (plan or {}).items():
                self._set_capacity(conn, account_id, seat_kind, capacity)
            account = self._get_account(conn, account_id)
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="account.create",
                target=account.number,
                after=_public(account),
            )
            return account

    def _new_number(self, conn: sa.Connection) -> str:
        while True:
            candidate = str(1_000_000_000 + secrets.randbelow(9_000_000_000))
            if conn.execute(sa.select(A.c.id).where(A.c.number == candidate)).first() is None:
                return candidate

    def _check_unique_owner(self, conn: sa.Connection, email: str, vanity: str | None) -> None:
        users, former = schema.users, schema.former_user_emails
        key = email.lower()
        taken = (
            conn.execute(sa.select(users.c.id).where(users.c.email_key == key)).first()
            or conn.execute(sa.select(A.c.id).where(sa.func.lower(A.c.owner_email) == key)).first()
            or conn.execute(sa.select(former.c.email_key).where(former.c.email_key == key)).first()
        )
        if taken:
            raise Conflict(
                f"The owner email '{email}' is (or was, for a deleted user) registered; a new "
                "account's owner email must never have been registered before: choose another.",
                code="owner_email_taken",
            )
        if vanity and conn.execute(sa.select(A.c.id).where(A.c.vanity == vanity)).first():
            raise Conflict(f"The vanity '{vanity}' is taken.", code="vanity_taken")

    def _insert_owner(self, conn: sa.Connection, account_id: int, email: str) -> None:
        now = self.clock.now()
        try:
            conn.execute(
                schema.users.insert().values(
                    id=new_id(),
                    account_id=account_id,
                    email=email,
                    email_key=email.lower(),
                    status="active",
                    license_type="Basic",
                    addons=[],
                    role="Owner",
                    source="admin",
                    profile={},
                    created_at=now,
                    updated_at=now,
                )
            )
        except IntegrityError as e:
            raise Conflict(
                f"The owner email '{email}' is already registered.", code="owner_email_taken"
            ) from e

    def _placement(
        self, conn: sa.Connection, parent: Account | None, billing: str | None
    ) -> tuple[str, str]:
        """Account type and billing mode for a new account under ``parent``."""
        if parent is None:
            billing = billing or "self"
            if billing not in ("self", "master"):
                raise BadRequest("'billing' must be 'self' or 'master'.", code="invalid_billing")
            return "standalone", billing
        if parent.parent_id is not None:
            root = self._get_account(conn, parent.parent_id)
            if root.parent_id is not None:
                raise InvalidState(
                    "Sub-accounts nest at most three levels deep.", code="nesting_not_allowed"
                )
            if root.channel == "direct":
                raise InvalidState(
                    "Only reseller, distributor and carrier masters may have third-level "
                    "sub-accounts.",
                    code="nesting_not_allowed",
                )
        if parent.channel != "direct" or billing is None:
            billing = "master" if parent.channel != "direct" else (billing or "master")
        if billing not in ("self", "master"):
            raise BadRequest("'billing' must be 'self' or 'master'.", code="invalid_billing")
        return "sub", billing

    def _promote_parent(self, conn: sa.Connection, parent: Account) -> None:
        new_type = {"standalone": "master", "sub": "pseudo_master"}.get(parent.account_type)
        if new_type:
            conn.execute(A.update().where(A.c.id == parent.id).values(account_type=new_type))

    def get_account(self, account_id: int) -> Account:
        """The account; raises NotFound ``account_not_found``."""
        with self.transaction() as conn:
            return self._get_account(conn, account_id)

    def find_account(self, ident: str) -> Account:
        """Resolve an account by number, vanity or id; raises NotFound ``account_not_found``."""
        with self.transaction() as conn:
            cond = sa.or_(A.c.number == ident, A.c.vanity == ident.lower())
            row = conn.execute(sa.select(A).where(cond)).first()
            if row is None and ident.isdigit() and len(ident) < 10:
                row = conn.execute(sa.select(A).where(A.c.id == int(ident))).first()
            if row is None:
                raise NotFound(f"No account '{ident}'.", code="account_not_found")
            return account_from_row(row)

    def list_accounts(self, *, parent_id: int | None = None) -> list[Account]:
        """Every account, or the direct sub-accounts of ``parent_id``, oldest first."""
        with self.transaction() as conn:
            stmt = sa.select(A).order_by(A.c.id)
            if parent_id is not None:
                stmt = stmt.where(A.c.parent_id == parent_id)
            return [account_from_row(r) for r in conn.execute(stmt)]

    def update_account(self, account_id: int, changes: Mapping[str, Any], *, actor: str) -> Account:
        """Change name, vanity, support contact, default license, settings or subscription dates.

        Raises NotFound, BadRequest ``unknown_field``/``invalid_vanity``, Conflict ``vanity_taken``.
        """
        allowed = {
            "name",
            "vanity",
            "support_name",
            "support_email",
            "default_license_type",
            "subscription_start",
            "subscription_end",
            "plan_kind",
            "bulk_licensing",
        }
        unknown = set(changes) - allowed
        if unknown:
            raise BadRequest(
                f"Cannot change {sorted(unknown)}; changeable: {sorted(allowed)}.",
                code="unknown_field",
            )
        values = check_account_changes(changes)
        with self.transaction() as conn:
            before = self._lock_account(conn, account_id)
            self._check_bulk_licensing_change(conn, before, values)
            if (
                values.get("vanity")
                and conn.execute(
                    sa.select(A.c.id).where(A.c.vanity == values["vanity"], A.c.id != account_id)
                ).first()
            ):
                raise Conflict(f"The vanity '{values['vanity']}' is taken.", code="vanity_taken")
            conn.execute(
                A.update().where(A.c.id == account_id).values(**values, updated_at=self.clock.now())
            )
            after = self._get_account(conn, account_id)
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="account.update",
                target=after.number,
                before=_public(before),
                after=_public(after),
            )
            return after

    def _check_bulk_licensing_change(
        self, conn: sa.Connection, account: Account, values: Mapping[str, Any]
    ) -> None:
        """Refuse flipping bulk licensing while sub-accounts hold seats under the other regime."""
        if "bulk_licensing" not in values or values["bulk_licensing"] == account.bulk_licensing:
            return
        if self._has_children(conn, account.id):
            raise InvalidState(
                f"{account.name} has sub-accounts: unlink them before turning bulk licensing "
                f"{'on' if values['bulk_licensing'] else 'off'}, so no seat is counted twice.",
                code="has_sub_accounts",
            )

    def _has_children(self, conn: sa.Connection, account_id: int) -> bool:
        return (
            conn.execute(sa.select(A.c.id).where(A.c.parent_id == account_id)).first() is not None
        )

    def set_setting(
        self, account_id: int, key: str, value: Any, *, locked: bool = False, actor: str
    ) -> Account:
        """Set one setting of this account only: sub-accounts inherit nothing."""
        with self.transaction() as conn:
            account = self._lock_account(conn, account_id)
            settings = dict(account.settings)
            previous = settings.get(key)
            settings[key] = {"value": value, "locked": locked}
            conn.execute(
                A.update()
                .where(A.c.id == account_id)
                .values(settings=settings, updated_at=self.clock.now())
            )
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="account.setting",
                target=key,
                before=previous,
                after=settings[key],
            )
            return self._get_account(conn, account_id)

    def descendants(self, account_id: int) -> list[Account]:
        """Sub-accounts at every level below ``account_id``."""
        found: list[Account] = []
        frontier = [account_id]
        while frontier:
            children = [a for p in frontier for a in self.list_accounts(parent_id=p)]
            found.extend(children)
            frontier = [c.id for c in children]
        return found


def check_account_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the changeable account fields; raises BadRequest ``invalid_field`` and friends."""
    values = dict(changes)
    if "name" in values:
        values["name"] = _text(values["name"], "name")
    if values.get("support_name") is not None:
        values["support_name"] = _text(values["support_name"], "support_name")
    if values.get("vanity") is not None:
        vanity = values["vanity"]
        values["vanity"] = check_vanity(vanity if isinstance(vanity, str) else repr(vanity))
    if values.get("support_email") is not None:
        email = _text(values["support_email"], "support_email")
        values["support_email"] = normalize_email(email, field="support_email")
    for key, allowed in (("default_license_type", DEFAULT_LICENSES), ("plan_kind", PLAN_KINDS)):
        if key in values and values[key] not in allowed:
            raise BadRequest(f"{key} must be one of {', '.join(allowed)}.", code="invalid_field")
    if "bulk_licensing" in values and not isinstance(values["bulk_licensing"], bool):
        raise BadRequest("'bulk_licensing' must be true or false.", code="invalid_field")
    for key in ("subscription_start", "subscription_end"):
        if values.get(key) is not None:
            values[key] = _timestamp(values[key], key)
    return values


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise BadRequest(f"'{key}' must be a string of 1-200 characters.", code="invalid_field")
    return value.strip()


def _timestamp(value: Any, key: str) -> dt.datetime:
    """An aware UTC datetime from a datetime or an ISO 8601 string."""
    if isinstance(value, dt.datetime):
        return utc(value)
    try:
        return utc(dt.datetime.fromisoformat(value))
    except (TypeError, ValueError) as e:
        raise BadRequest(
            f"'{key}' must be an ISO 8601 date-time such as 2026-01-31T00:00:00Z.",
            code="invalid_field",
        ) from e
