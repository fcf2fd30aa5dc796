"""Admin API: an account's SAML response logs (list, detail by tracking ID, explain again)."""

from __future__ import annotations

import datetime as dt

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from gateway.api.auth import managed_account
from gateway.api.registry import api
from gateway.errors import BadRequest
from gateway.http import int_arg
from gateway.saml_logs.acs import saml_logs
from gateway.saml_logs.store import OUTCOMES, LogFilter

LOGS = "/accounts/<int:account_id>/saml/logs"
MAX_LIMIT = 200


@api.route(
    LOGS,
    "GET",
    "The account's SAML response logs, newest first (filters: outcome, name_id, since, until, "
    "limit); kept 7 days, only while the account saves them",
    tag="saml",
    errors=("invalid_parameter", "not_your_account"),
)
def list_saml_logs(account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    outcome = request.args.get("outcome") or None
    if outcome is not None and outcome not in OUTCOMES:
        raise BadRequest(f"'outcome' is one of {', '.join(OUTCOMES)}.", code="invalid_parameter")
    wanted = LogFilter(
        outcome=outcome,
        name_id=request.args.get("name_id") or None,
        since=_instant("since"),
        until=_instant("until"),
        limit=int_arg("limit", 50, minimum=1, maximum=MAX_LIMIT),
    )
    entries = saml_logs().list(account, wanted)
    return jsonify({"logs": [e.to_dict() for e in entries], "count": len(entries)})


@api.route(
    f"{LOGS}/<tracking_id>",
    "GET",
    "One SAML response log entry by the tracking ID the user was shown",
    tag="saml",
    errors=("saml_log_not_found", "not_your_account"),
)
def get_saml_log(account_id: int, tracking_id: str) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    return jsonify(saml_logs().detail(account, tracking_id))


@api.route(
    f"{LOGS}/<tracking_id>/explain",
    "POST",
    "The logged attributes evaluated again with the account's current mapping rules",
    tag="saml",
    errors=("saml_log_not_found", "not_your_account"),
)
def explain_saml_log(account_id: int, tracking_id: str) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    return jsonify(saml_logs().explain_again(account, tracking_id).to_dict())


def _instant(name: str) -> dt.datetime | None:
    """An ISO 8601 time query argument (UTC when it names no zone); raises BadRequest."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as e:
        raise BadRequest(
            f"'{name}' is an ISO 8601 time such as 2026-12-01T09:00:00Z.",
            code="invalid_parameter",
        ) from e
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
