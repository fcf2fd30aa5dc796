"""JSON views of records for the admin API (the seed's account-list columns)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gateway.store.outbox import OutboxMessage
from gateway.store.records import Account, AuditEntry, Organization, Pool, Token


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 UTC with a Z, or None."""
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def account_json(account: Account, pools: list[Pool]) -> dict[str, Any]:
    """An account with the account-list columns: name, owner email, number, billing type,
    account type, assigned licenses, subscription dates, created."""
    return {
        "id": account.id,
        "name": account.name,
        "owner_email": account.owner_email,
        "number": account.number,
        "billing_type": account.billing_type,
        "account_type": account.account_type,
        "assigned_licenses": {p.seat_kind: p.capacity for p in pools},
        "subscription_start": iso(account.subscription_start),
        "subscription_end": iso(account.subscription_end),
        "created": iso(account.created_at),
        "vanity": account.vanity,
        "parent_id": account.parent_id,
        "channel": account.channel,
        "plan_kind": account.plan_kind,
        "bulk_licensing": account.bulk_licensing,
        "support_name": account.support_name,
        "support_email": account.support_email,
        "default_license_type": account.default_license_type,
        "organization_id": account.organization_id,
    }


def pool_json(pool: Pool) -> dict[str, Any]:
    """A seat pool with what is left."""
    return {
        "seat_kind": pool.seat_kind,
        "capacity": pool.capacity,
        "used": pool.used,
        "delegated": pool.delegated,
        "remaining": pool.remaining,
    }


def token_json(token: Token) -> dict[str, Any]:
    """A token's metadata (never its secret)."""
    return {
        "id": token.id,
        "account_id": token.account_id,
        "kind": token.kind,
        "label": token.label,
        "profile": token.profile,
        "created_at": iso(token.created_at),
        "revoked_at": iso(token.revoked_at),
    }


def organization_json(org: Organization) -> dict[str, Any]:
    """An organization and its member account ids."""
    return {
        "id": org.id,
        "name": org.name,
        "created_at": iso(org.created_at),
        "account_ids": list(org.account_ids),
    }


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    """One audit entry."""
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "actor": entry.actor,
        "account_id": entry.account_id,
        "action": entry.action,
        "target": entry.target,
        "before": entry.before,
        "after": entry.after,
    }


def outbox_json(message: OutboxMessage) -> dict[str, Any]:
    """One outbox email."""
    return {
        "id": message.id,
        "kind": message.kind,
        "recipient": message.recipient,
        "subject": message.subject,
        "body": message.body,
        "link": message.link,
        "created_at": iso(message.created_at),
        "sent_at": iso(message.sent_at),
        "send_error": message.send_error,
    }
