"""Console pages: users (SCIM filter search), the outbox and the audit log."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, request
from flask.typing import ResponseReturnValue

from gateway.activation import activation_service
from gateway.console import session
from gateway.console.session import store
from gateway.console.web import blueprint, done, page, posted, refusal_status
from gateway.errors import BadRequest, GatewayError
from gateway.http import int_arg
from gateway.scim.filters import compile_user_filter, sort_expression
from gateway.store import schema
from gateway.store.records import USER_STATUSES

USERS_PER_PAGE = 50
AUDIT_PER_PAGE = 25


@blueprint.get("/users")
def users() -> ResponseReturnValue:
    return _users_page(session.require())


@blueprint.post("/users/<user_id>/status")
def change_user_status(user_id: str) -> ResponseReturnValue:
    """Deactivate or reactivate a user of the acting account (never the owner)."""
    console = posted()
    try:
        wanted = request.form.get("status", "")
        if wanted not in ("active", "deactivated"):
            raise BadRequest("Choose active or deactivated.", code="invalid_field")
        user = store().get_user(user_id, account_id=console.acting.id)
        activation_service().admin_change(user, {"status": wanted}, actor=console.caller.actor)
    except GatewayError as e:
        return _users_page(console, {f"user-{user_id}": e}, refusal_status(e))
    return done("users", "user_saved")


@blueprint.post("/users/<user_id>/delete")
def delete_user(user_id: str) -> ResponseReturnValue:
    """Delete a user of the acting account (never the owner)."""
    console = posted()
    try:
        user = store().get_user(user_id, account_id=console.acting.id)
        store().delete_user(user.id, actor=console.caller.actor)
    except GatewayError as e:
        return _users_page(console, {f"user-{user_id}": e}, refusal_status(e))
    return done("users", "user_deleted")


def _users_page(
    console: Any, errors: dict[str, GatewayError] | None = None, status_code: int = 200
) -> ResponseReturnValue:
    query = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    offset = int_arg("offset", 0)
    errors = dict(errors or {})
    rows: list[dict[str, Any]] = []
    total = 0
    try:
        where = compile_user_filter(query) if query else None
        if status in USER_STATUSES:
            state = schema.users.c.status == status
            where = state if where is None else sa.and_(where, state)
        found = store().search_users(
            console.acting.id,
            where,
            sort_expression(None, None, "User"),
            offset,
            USERS_PER_PAGE,
        )
        total = found.total
        rows = [
            _user_row(item.user, [g.display or g.id for g in item.groups]) for item in found.items
        ]
    except GatewayError as e:
        errors["search"] = e
    return page(
        "users.html",
        console,
        refusal_status(errors["search"]) if "search" in errors else status_code,
        errors=errors,
        rows=rows,
        total=total,
        offset=offset,
        per_page=USERS_PER_PAGE,
        query=query,
        status_filter=status,
        statuses=USER_STATUSES,
    )


def _user_row(user: Any, scim_groups: list[str]) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        # A SCIM user with a userName that is not an email may have no email at all.
        "user_name": user.user_name,
        "name": user.display_name
        or " ".join(p for p in (user.first_name, user.last_name) if p)
        or "",
        "status": user.status,
        "license_type": user.license_type,
        "addons": list(user.addons),
        "groups": sorted({*scim_groups, *user.groups}),
        "role": user.role,
        "source": user.source,
    }


@blueprint.get("/outbox")
def outbox() -> ResponseReturnValue:
    console = session.require()
    offset = int_arg("offset", 0)
    found = store().list_outbox(
        console.acting.id,
        offset=offset,
        limit=USERS_PER_PAGE,
        recipient=request.args.get("recipient") or None,
    )
    # Links are the recipients' alone; only the demo shows them, labelled as such.
    demo = bool(current_app.extensions["gateway.config"].demo)
    return page(
        "outbox.html",
        console,
        demo=demo,
        messages=found.items if demo else [m.withheld() for m in found.items],
        total=found.total,
        offset=offset,
        per_page=USERS_PER_PAGE,
        recipient=request.args.get("recipient", ""),
    )


@blueprint.get("/audit")
def audit() -> ResponseReturnValue:
    console = session.require()
    offset = int_arg("offset", 0)
    include_subs = request.args.get("include_sub_accounts") == "on"
    ids = [console.acting.id]
    if include_subs:
        ids += [a.id for a in store().descendants(console.acting.id)]
    action = request.args.get("action", "").strip()
    found = store().list_audit(ids, offset=offset, limit=AUDIT_PER_PAGE, action=action or None)
    names = {console.acting.id: console.acting.name}
    names.update({a.id: a.name for a in store().descendants(console.acting.id)})
    return page(
        "audit.html",
        console,
        entries=found.items,
        total=found.total,
        offset=offset,
        per_page=AUDIT_PER_PAGE,
        action=action,
        include_subs=include_subs,
        names=names,
    )
