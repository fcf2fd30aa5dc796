"""Reading account rows inside a transaction, shared by the account and pool parts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gateway.store import schema
from gateway.store.base import SqlBase, aware
from gateway.store.errors import NotFound
from gateway.store.records import Account

A = schema.accounts


def account_from_row(row: Any) -> Account:
    """Build an Account record from a row."""
    m = row._mapping
    return Account(
        id=m["id"],
        number=m["number"],
        name=m["name"],
        owner_email=m["owner_email"],
        vanity=m["vanity"],
        parent_id=m["parent_id"],
        account_type=m["account_type"],
        channel=m["channel"],
        plan_kind=m["plan_kind"],
        bulk_licensing=bool(m["bulk_licensing"]),
        billing=m["billing"],
        support_name=m["support_name"],
        support_email=m["support_email"],
        default_license_type=m["default_license_type"],
        organization_id=m["organization_id"],
        settings=dict(m["settings"] or {}),
        subscription_start=aware(m["subscription_start"]),
        subscription_end=aware(m["subscription_end"]),
        created_at=aware(m["created_at"]),  # type: ignore[arg-type]
        updated_at=aware(m["updated_at"]),  # type: ignore[arg-type]
    )


# The most frequent account read (every create, many checks): built once.
_ACCOUNT_BY_ID = sa.select(A).where(A.c.id == sa.bindparam("account_id"))


class AccountRowsMixin(SqlBase):
    """Account lookups by surrogate id, optionally locking the row."""

    def _lock_account(self, conn: sa.Connection, account_id: int) -> Account:
        row = conn.execute(self.lock_clause(sa.select(A).where(A.c.id == account_id))).first()
        if row is None:
            raise NotFound(f"No account with id {account_id}.", code="account_not_found")
        return account_from_row(row)

    def _get_account(self, conn: sa.Connection, account_id: int) -> Account:
        row = conn.execute(_ACCOUNT_BY_ID, {"account_id": account_id}).first()
        if row is None:
            raise NotFound(f"No account with id {account_id}.", code="account_not_found")
        return account_from_row(row)


def new_user_license(account: Account) -> str:
    """The license a user created without one gets: the account's default, except that the
    default None (SSO creates nobody without a license rule) gives Basic elsewhere."""
    default = account.default_license_type
    return "Basic" if default == "None" else default


def account_public(account: Account) -> dict[str, Any]:
    """The audit/JSON view of an account (no secrets are kept on accounts)."""
    return {
        "id": account.id,
        "number": account.number,
        "name": account.name,
        "owner_email": account.owner_email,
        "vanity": account.vanity,
        "parent_id": account.parent_id,
        "account_type": account.account_type,
        "billing": account.billing,
        "bulk_licensing": account.bulk_licensing,
    }
