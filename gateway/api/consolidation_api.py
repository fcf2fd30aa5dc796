"""Admin API: invitations (one or CSV), refunds, migrations between a master's accounts;
and the invitee's accept/decline links."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Response, jsonify, request, stream_with_context
from flask.typing import ResponseReturnValue

from gateway.api.auth import admin_caller, managed_account
from gateway.api.registry import PUBLIC_PATHS, api
from gateway.domains import services
from gateway.domains.email_change import EmailChange
from gateway.domains.invitations import RowResult
from gateway.domains.migration import email_column
from gateway.domains.pages import signed_in_user
from gateway.errors import Forbidden
from gateway.http import json_body
from gateway.store.consolidation import Invitation
from gateway.store.domain_users import AccountMigration

TAG = "invitations"
INVITEE_PATHS = {
    "/invitations/<secret>",
    "/invitations/<secret>/accept",
    "/invitations/decline/<secret>",
    "/consolidations/status/<secret>",
    "/email-change/<secret>",
}
# The invitee's links carry their own single-use secret instead of a bearer token.
PUBLIC_PATHS.update(INVITEE_PATHS)


def invitation_json(invitation: Invitation) -> dict[str, Any]:
    """One of the account's own invitations (the address is the one its admin typed)."""
    return {
        "id": invitation.id,
        "email": invitation.email,
        "vip": invitation.vip,
        "status": invitation.status,
        "created_at": invitation.created_at.isoformat(),
    }


@api.route(
    "/accounts/<int:account_id>/invitations",
    "POST",
    "Invite one address (an email with accept and decline links)",
    tag=TAG,
    body={
        "type": "object",
        "required": ["email"],
        "properties": {"email": {"type": "string"}, "vip": {"type": "boolean"}},
    },
    errors=("invalid_email",),
)
def invite(account_id: int) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    body = json_body()
    row = services().invitations.invite(
        account, str(body.get("email", "")), vip=body.get("vip") is True, actor=caller.actor
    )
    return jsonify(row.to_dict()), 200 if row.ok else 400


@api.route(
    "/accounts/<int:account_id>/invitations/csv",
    "POST",
    "Invite from a CSV body (email[,vip]); streams back one JSON line per row, then a summary",
    tag=TAG,
)
def invite_csv(account_id: int) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    # Streamed line by line, unless a before-request guard already buffered the body.
    cached = getattr(request, "_cached_data", None)
    source = io.BytesIO(cached) if isinstance(cached, bytes) else request.stream
    lines = (raw.decode("utf-8", "replace") for raw in source)
    rows = services().invitations.invite_rows(account, lines, actor=caller.actor)
    return Response(stream_with_context(_ndjson(rows)), mimetype="application/x-ndjson")


def _ndjson(rows: Iterator[RowResult]) -> Iterator[str]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.result] = counts.get(row.result, 0) + 1
        yield json.dumps(row.to_dict()) + "\n"
    yield json.dumps({"summary": counts}) + "\n"


@api.route("/accounts/<int:account_id>/invitations", "GET", "The account's invitations", tag=TAG)
def list_invitations(account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    found = services().invitations.store.list_invitations(account.id)
    return jsonify({"invitations": [invitation_json(i) for i in found]})


@api.route(
    "/accounts/<int:account_id>/refunds",
    "GET",
    "Prorated refunds recorded when this account consolidated away",
    tag=TAG,
)
def list_refunds(account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    refunds = services().invitations.store.list_refunds(account.id)
    return jsonify(
        {
            "refunds": [
                {
                    "id": r.id,
                    "seats": r.seats,
                    "amount_cents": r.amount_cents,
                    "note": r.note,
                    "created_at": r.created_at.isoformat(),
                }
                for r in refunds
            ]
        }
    )


@api.route(
    "/invitations/<secret>",
    "GET",
    "What accepting this invitation changes",
    tag=TAG,
    errors=("link_unknown", "invitation_closed"),
)
def invitation_preview(secret: str) -> ResponseReturnValue:
    return jsonify(services().invitations.preview(secret))


@api.route(
    "/invitations/<secret>/accept",
    "POST",
    "Accept: confirm the data changes and consolidate",
    tag=TAG,
    body={
        "type": "object",
        "required": ["confirm"],
        "properties": {
            "confirm": {"type": "boolean"},
            "bring_all_users": {"type": "boolean"},
            "password": {"type": "string", "description": "a new user's own password"},
        },
    },
    errors=(
        "confirmation_required",
        "invitee_sign_in_required",
        "password_required",
        "domain_managed_elsewhere",
        "multi_user_account",
        "rooms_must_be_deleted",
        "invitation_closed",
        "link_unknown",
    ),
)
def invitation_accept(secret: str) -> ResponseReturnValue:
    # An existing user is moved only by its own session (never by a token of any account).
    body = json_body()
    return jsonify(services().invitations.accept(secret, body, signed_in_user=signed_in_user()))


def _email_change() -> EmailChange:
    return EmailChange(services().invitations.store, services().invitations.config)


@api.route(
    "/email-change/<secret>",
    "GET",
    "What following this email-change link sets (nothing changes yet)",
    tag=TAG,
    errors=("link_unknown", "link_used", "link_expired"),
)
def email_change_preview(secret: str) -> ResponseReturnValue:
    user, email = _email_change().preview(secret)
    return jsonify({"user_id": user.id, "email": user.email, "new_email": email})


@api.route(
    "/email-change/<secret>",
    "POST",
    "Confirm a new sign-in email: the link sent to the new address",
    tag=TAG,
    errors=("link_unknown", "link_used", "link_expired", "email_taken", "domain_managed_elsewhere"),
)
def email_change_confirm(secret: str) -> ResponseReturnValue:
    user = _email_change().confirm(secret)
    return jsonify({"user_id": user.id, "email": user.email})


@api.route(
    "/invitations/decline/<secret>",
    "POST",
    "Decline an invitation",
    tag=TAG,
    errors=("link_unknown", "link_used", "invitation_closed"),
)
def invitation_decline(secret: str) -> ResponseReturnValue:
    return jsonify(invitation_json(services().invitations.decline(secret)))


@api.route(
    "/consolidations/status/<secret>",
    "GET",
    "A consolidation's state (finishes it once its backend migration is done)",
    tag=TAG,
)
def consolidation_status(secret: str) -> ResponseReturnValue:
    return jsonify(services().invitations.status(secret))


def migration_json(migration: AccountMigration) -> dict[str, Any]:
    """A migration with its per-email report."""
    return {
        "id": migration.id,
        "source_account_id": migration.source_account_id,
        "target_account_id": migration.target_account_id,
        "tentative_date": migration.tentative_date,
        "approved_by": migration.approved_by,
        "state": migration.state,
        "report": migration.report,
    }


def _master(account_id: int) -> tuple[str, Any]:
    caller = admin_caller()
    if caller.account.id != account_id:
        raise Forbidden(
            "Migrations are approved by the master account's owner or admins, with its token.",
            code="master_approval_required",
        )
    return caller.actor, caller.account


@api.route(
    "/accounts/<int:account_id>/migrations",
    "POST",
    "Plan a migration between the master's accounts; answers with the dry-run report",
    tag="migrations",
    body={
        "type": "object",
        "required": ["source_account", "target_account", "tentative_date"],
        "properties": {
            "source_account": {"type": "string"},
            "target_account": {"type": "string"},
            "tentative_date": {"type": "string"},
            "csv": {"type": "string"},
            "emails": {"type": "array", "items": {"type": "string"}},
        },
    },
    errors=("master_approval_required", "not_your_account", "invalid_direction", "invalid_date"),
)
def plan_migration(account_id: int) -> ResponseReturnValue:
    actor, master = _master(account_id)
    body = json_body()
    if isinstance(body.get("csv"), str):
        body["emails"] = email_column(io.StringIO(body["csv"]))
    migration = services().migrations.plan(master, body, actor=actor)
    return jsonify(migration_json(migration)), 201


@api.route(
    "/accounts/<int:account_id>/migrations/<int:migration_id>",
    "GET",
    "A migration and its report",
    tag="migrations",
)
def get_migration(account_id: int, migration_id: int) -> ResponseReturnValue:
    return jsonify(migration_json(_own_migration(account_id, migration_id)[1]))


@api.route(
    "/accounts/<int:account_id>/migrations/<int:migration_id>/run",
    "POST",
    "Run a planned migration: members move, one transaction each",
    tag="migrations",
)
def run_migration(account_id: int, migration_id: int) -> ResponseReturnValue:
    actor, migration = _own_migration(account_id, migration_id)
    return jsonify(migration_json(services().migrations.run(migration, actor=actor)))


def _own_migration(account_id: int, migration_id: int) -> tuple[str, AccountMigration]:
    actor, master = _master(account_id)
    migration = services().migrations.store.get_account_migration(migration_id)
    if migration.master_account_id != master.id:
        raise Forbidden("This migration belongs to another master.", code="not_your_account")
    return actor, migration
