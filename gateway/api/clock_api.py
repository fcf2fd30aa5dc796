"""Admin API: the demo's movable clock (``/api/v1/clock``), refused outside demo mode."""

from __future__ import annotations

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from gateway import timetravel
from gateway.api.auth import admin_caller, store
from gateway.api.registry import api
from gateway.config import GatewayConfig
from gateway.errors import BadRequest
from gateway.http import json_body

ERRORS = ("clock_demo_only", "clock_out_of_range")


def _config() -> GatewayConfig:
    return current_app.extensions["gateway.config"]  # type: ignore[no-any-return]


@api.route("/clock", "GET", "The service's time and how far it is moved", tag="clock")
def show_clock() -> ResponseReturnValue:
    admin_caller()
    return jsonify(timetravel.show(store(), _config()).to_dict())


@api.route(
    "/clock/advance",
    "POST",
    "Demo mode: move the service's clock forward for every worker (e.g. by 24h)",
    tag="clock",
    body={
        "type": "object",
        "required": ["by"],
        "properties": {"by": {"type": "string", "examples": ["24h", "1h30m", "2d"]}},
    },
    errors=(*ERRORS, "invalid_duration"),
)
def advance_clock() -> ResponseReturnValue:
    caller = admin_caller()
    by = _text("by")
    state = timetravel.advance(
        store(), _config(), by, actor=caller.actor, account_id=caller.account.id
    )
    return jsonify(state.to_dict())


@api.route(
    "/clock",
    "PUT",
    "Demo mode: set the service's time (ISO 8601 with a UTC offset); it runs on from there",
    tag="clock",
    body={
        "type": "object",
        "required": ["now"],
        "properties": {"now": {"type": "string", "examples": ["2026-03-01T09:00:00Z"]}},
    },
    errors=(*ERRORS, "invalid_time"),
)
def set_clock() -> ResponseReturnValue:
    caller = admin_caller()
    state = timetravel.set_time(
        store(), _config(), _text("now"), actor=caller.actor, account_id=caller.account.id
    )
    return jsonify(state.to_dict())


@api.route(
    "/clock",
    "DELETE",
    "Demo mode: back to the system's time",
    tag="clock",
    errors=("clock_demo_only",),
)
def reset_clock() -> ResponseReturnValue:
    caller = admin_caller()
    return jsonify(
        timetravel.reset(
            store(), _config(), actor=caller.actor, account_id=caller.account.id
        ).to_dict()
    )


def _text(name: str) -> str:
    value = json_body().get(name)
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a string.", code="invalid_field")
    return value
