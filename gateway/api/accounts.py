"""Admin API: accounts, sub-accounts, plans, delegation, dashboard, settings."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from gateway.api.auth import admin_caller, managed_account, master_of, store
from gateway.api.registry import api
from gateway.api.views import account_json, pool_json
from gateway.errors import BadRequest, Forbidden
from gateway.http import json_body
from gateway.store.errors import InvalidState
from gateway.store.records import Account

SUB_ACCOUNT_BODY = {
    "type": "object",
    "required": ["name", "owner_email"],
    "properties": {
        "name": {"type": "string"},
        "owner_email": {"type": "string"},
        "vanity": {"type": "string"},
        "billing": {"enum": ["self", "master"]},
        "parent_id": {"type": "integer"},
        "plan": {"type": "object", "additionalProperties": {"type": "integer"}},
        "delegations": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}
SEATS_BODY = {"type": "object", "required": ["seats"], "properties": {"seats": {"type": "integer"}}}


def _account(account: Account) -> dict[str, Any]:
    return account_json(account, store().pools(account.id))


@api.route(
    "/accounts", "GET", "List the token's account and every sub-account below it", tag="accounts"
)
def list_accounts() -> ResponseReturnValue:
    caller = admin_caller()
    accounts = [caller.account, *store().descendants(caller.account.id)]
    return jsonify({"accounts": [_account(a) for a in accounts]})


@api.route(
    "/accounts",
    "POST",
    "Create a sub-account (with bulk licensing: its delegations)",
    tag="accounts",
    body=SUB_ACCOUNT_BODY,
    errors=(
        "owner_email_taken",
        "vanity_taken",
        "invalid_email",
        "nesting_not_allowed",
        "license_pool_exhausted",
        "domain_managed_elsewhere",
    ),
)
def create_sub_account() -> ResponseReturnValue:
    caller = admin_caller()
    body = json_body()
    parent_id = body.get("parent_id", caller.account.id)
    managed_account(_int(parent_id, "parent_id"))
    s = store()
    with s.transaction():
        s.check_address_claim(_int(parent_id, "parent_id"), _str(body, "owner_email"))
        account = s.create_account(
            _str(body, "name"),
            _str(body, "owner_email"),
            actor=caller.actor,
            vanity=body.get("vanity"),
            parent_id=parent_id,
            billing=body.get("billing"),
            plan=_seat_map(body.get("plan")),
            support_name=body.get("support_name"),
            support_email=body.get("support_email"),
        )
        for seat_kind, seats in _seat_map(body.get("delegations")).items():
            s.delegate(account.id, seat_kind, seats, actor=caller.actor)
    return jsonify(_account(s.get_account(account.id))), 201


@api.route("/accounts/<int:account_id>", "GET", "Read an account", tag="accounts")
def get_account(account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    return jsonify(_account(account))


@api.route(
    "/accounts/<int:account_id>",
    "PATCH",
    "Change an account's name, vanity, support contact, default license (Basic, Licensed, "
    "On-Prem or None: SSO then creates nobody no license rule matches) or subscription dates; "
    "plan_kind and bulk_licensing are the account team's (operator CLI)",
    tag="accounts",
    body={
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "vanity": {"type": "string"},
            "support_name": {"type": "string"},
            "support_email": {"type": "string"},
            "default_license_type": {"enum": ["Basic", "Licensed", "On-Prem", "None"]},
            "subscription_start": {"type": "string", "format": "date-time"},
            "subscription_end": {"type": "string", "format": "date-time"},
        },
    },
    errors=("vanity_taken", "invalid_vanity", "unknown_field", "invalid_field", "operator_only"),
)
def update_account(account_id: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    body = json_body()
    operator_fields = sorted(OPERATOR_ONLY & set(body))
    if operator_fields:
        raise Forbidden(
            f"{', '.join(operator_fields)} come from the account team, not the account's "
            "admins: the operator changes them with 'gateway account set'.",
            code="operator_only",
        )
    account = store().update_account(account_id, body, actor=caller.actor)
    return jsonify(_account(account))


# Set by the account team (the operator's CLI), never by an account's own admins.
OPERATOR_ONLY = frozenset({"plan_kind", "bulk_licensing"})


@api.route(
    "/accounts/<int:account_id>/sub-accounts",
    "GET",
    "The account list of a master: its direct sub-accounts",
    tag="accounts",
)
def list_sub_accounts(account_id: int) -> ResponseReturnValue:
    managed_account(account_id)
    subs = store().list_accounts(parent_id=account_id)
    return jsonify({"accounts": [_account(a) for a in subs]})


@api.route("/accounts/<int:account_id>/dashboard", "GET", "The master dashboard", tag="accounts")
def dashboard(account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    s = store()
    subs = s.list_accounts(parent_id=account_id)
    if account.bulk_licensing:
        summary = [
            {
                **pool_json(pool),
                "distribution": {
                    sub.number: next(
                        (p.capacity for p in s.pools(sub.id) if p.seat_kind == pool.seat_kind), 0
                    )
                    for sub in subs
                },
            }
            for pool in s.pools(account_id)
        ]
        return jsonify({"kind": "license_summary", "licenses": summary})
    seats = sum(p.capacity for sub in subs for p in s.pools(sub.id) if p.seat_kind == "Licensed")
    ports = sum(int(_setting(sub, "room_connector_ports") or 0) for sub in subs)
    return jsonify(
        {
            "kind": "aggregate",
            "sub_accounts": len(subs),
            "users": sum(s.list_users(sub.id, limit=0).total for sub in subs),
            "seats": seats,
            "room_connector_ports": ports,
        }
    )


@api.route("/accounts/<int:account_id>/licenses", "GET", "Seat pools of an account", tag="licenses")
def licenses(account_id: int) -> ResponseReturnValue:
    managed_account(account_id)
    return jsonify({"pools": [pool_json(p) for p in store().pools(account_id)]})


@api.route(
    "/accounts/<int:account_id>/plan/<seat_kind>",
    "PUT",
    "Set the seats an account has purchased of one kind",
    tag="licenses",
    body=SEATS_BODY,
    errors=("capacity_below_usage", "plan_is_delegated"),
)
def set_plan(account_id: int, seat_kind: str) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    pool = store().set_plan(
        account_id, seat_kind, _int(json_body().get("seats"), "seats"), actor=caller.actor
    )
    return jsonify(pool_json(pool))


@api.route(
    "/accounts/<int:account_id>/delegation/<seat_kind>",
    "PUT",
    "Bulk licensing: set the seats the master delegates to this sub-account",
    tag="licenses",
    body=SEATS_BODY,
    errors=(
        "license_pool_exhausted",
        "delegation_below_usage",
        "bulk_licensing_off",
        "master_only",
    ),
)
def delegate(account_id: int, seat_kind: str) -> ResponseReturnValue:
    caller, _ = master_of(account_id)
    pool = store().delegate(
        account_id, seat_kind, _int(json_body().get("seats"), "seats"), actor=caller.actor
    )
    return jsonify(pool_json(pool))


@api.route(
    "/accounts/<int:account_id>/unlink",
    "POST",
    "Unlink a sub-account: it becomes standalone and keeps everything",
    tag="accounts",
    errors=("not_a_sub_account", "master_only"),
)
def unlink(account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    if account.parent_id is None:
        raise InvalidState(
            f"{account.name} ({account.number}) is not a sub-account: only a sub-account can be "
            "unlinked from its master.",
            code="not_a_sub_account",
        )
    caller, _ = master_of(account_id)
    return jsonify(_account(store().unlink(account_id, actor=caller.actor)))


@api.route(
    "/accounts/<int:account_id>/settings", "GET", "An account's own settings", tag="accounts"
)
def settings(account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    return jsonify({"settings": account.settings})


@api.route(
    "/accounts/<int:account_id>/settings/<key>",
    "PUT",
    "Set (and optionally lock) one setting of this account only",
    tag="accounts",
    body={"type": "object", "properties": {"value": {}, "locked": {"type": "boolean"}}},
)
def set_setting(account_id: int, key: str) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    body = json_body()
    account = store().set_setting(
        account_id,
        key,
        body.get("value"),
        locked=bool(body.get("locked", False)),
        actor=caller.actor,
    )
    return jsonify({"settings": account.settings})


def _setting(account: Account, key: str) -> Any:
    entry = account.settings.get(key)
    return entry.get("value") if isinstance(entry, dict) else None


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise BadRequest(f"'{key}' is required and must be a string.", code="invalid_field")
    return value


# The most seats a count may hold: what a PostgreSQL integer column holds, on both backends.
MAX_SEATS = 2**31 - 1


def _int(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"'{key}' must be a whole number.", code="invalid_field")
    if abs(value) > MAX_SEATS:
        raise BadRequest(
            f"'{key}' must be at most {MAX_SEATS:,} seats.", code="number_out_of_range"
        )
    return value


def _seat_map(value: Any) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest('Seat maps look like {"Licensed": 10}.', code="invalid_field")
    return {str(k): _int(v, str(k)) for k, v in value.items()}
