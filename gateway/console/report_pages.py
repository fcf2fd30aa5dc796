"""Console page: reports for selected sub-accounts over a date range, with CSV download."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.typing import ResponseReturnValue

from gateway.api.reports import DateRange, run_report, to_csv
from gateway.console import session
from gateway.console.session import store
from gateway.console.web import blueprint, page, refusal_status
from gateway.errors import GatewayError

KINDS = {"active-hosts": "Active hosts", "license-use": "License use"}


@blueprint.get("/reports")
def reports() -> ResponseReturnValue:
    console = session.require()
    account = console.acting
    kind = request.args.get("kind", "active-hosts")
    selected = request.args.getlist("accounts")
    errors: dict[str, GatewayError] = {}
    result: dict[str, Any] | None = None
    try:
        days = DateRange.parse(
            request.args.get("from"), request.args.get("to"), store().clock.now().date()
        )
        rows, columns = run_report(store(), kind, account, selected, days)
        if request.args.get("format") == "csv":
            name = f"{kind}-{account.number}-{days.start}-{days.end}.csv"
            return Response(
                to_csv(rows, columns),
                mimetype="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        result = {"rows": rows, "columns": columns, "from": days.start, "to": days.end}
    except GatewayError as e:
        errors["report"] = e
    return page(
        "reports.html",
        console,
        refusal_status(errors["report"]) if errors else 200,
        errors=errors,
        kinds=KINDS,
        kind=kind,
        family=[account, *store().descendants(account.id)],
        selected=selected,
        result=result,
        query=request.query_string.decode(),
    )
