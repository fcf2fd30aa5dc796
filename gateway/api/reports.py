"""Reports for selected sub-accounts over a date range: active hosts and license use.

Active hosts are the distinct users with an ``sso.signed_in`` audit event in the range; license
use is each account's seat pools when the report is made.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from gateway.api.auth import managed_account, store
from gateway.api.registry import api
from gateway.errors import BadRequest, Forbidden
from gateway.store import schema
from gateway.store.records import Account
from gateway.store.sql import SqlStore

SIGN_IN_ACTION = "sso.signed_in"
DEFAULT_DAYS = 30
ACTIVE_HOSTS_COLUMNS = ("account_number", "account_name", "active_hosts", "sign_ins")
LICENSE_USE_COLUMNS = (
    "account_number",
    "account_name",
    "seat_kind",
    "capacity",
    "used",
    "delegated",
    "remaining",
)


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days, both ends included."""

    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, start: str | None, end: str | None, today: dt.date) -> DateRange:
        """From ISO dates (``to`` defaults to today, ``from`` to 30 days before); raises
        BadRequest ``invalid_date``."""
        last = _date(end, "to") or today
        first = _date(start, "from") or last - dt.timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise BadRequest("'from' must not be after 'to'.", code="invalid_date")
        return cls(first, last)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The half-open UTC instants [start, end + 1 day)."""
        begin = dt.datetime.combine(self.start, dt.time(), dt.UTC)
        return begin, dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), dt.UTC)


def _date(text: str | None, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise BadRequest(f"'{name}' must be a date like 2026-03-01.", code="invalid_date") from e


def selection(s: SqlStore, account: Account, wanted: Iterable[str]) -> list[Account]:
    """The selected accounts among ``account`` and its sub-accounts (all of them when none is
    named); raises Forbidden ``not_in_this_family`` for any other."""
    family = [account, *s.descendants(account.id)]
    names = [w.strip() for w in wanted if w.strip()]
    if not names:
        return family[1:] or family
    chosen = []
    for name in names:
        match = next((a for a in family if name in (str(a.id), a.number, a.vanity)), None)
        if match is None:
            raise Forbidden(
                f"'{name}' is neither this account nor one of its sub-accounts.",
                code="not_in_this_family",
            )
        chosen.append(match)
    return chosen


def active_hosts(s: SqlStore, accounts: list[Account], days: DateRange) -> list[dict[str, Any]]:
    """Per account: distinct users signed in by SSO in the range, and the sign-ins."""
    log = schema.audit_log
    begin, end = days.bounds()
    query = (
        sa.select(log.c.account_id, sa.func.count(sa.distinct(log.c.target)), sa.func.count())
        .where(
            log.c.action == SIGN_IN_ACTION,
            log.c.account_id.in_([a.id for a in accounts]),
            log.c.at >= begin,
            log.c.at < end,
        )
        .group_by(log.c.account_id)
    )
    with s.transaction() as conn:
        counts = {row[0]: (row[1], row[2]) for row in conn.execute(query)}
    return [
        {
            "account_number": a.number,
            "account_name": a.name,
            "active_hosts": counts.get(a.id, (0, 0))[0],
            "sign_ins": counts.get(a.id, (0, 0))[1],
        }
        for a in accounts
    ]


def license_use(s: SqlStore, accounts: list[Account]) -> list[dict[str, Any]]:
    """Per account and seat kind: purchased or delegated capacity, used, delegated, remaining."""
    return [
        {
            "account_number": a.number,
            "account_name": a.name,
            "seat_kind": p.seat_kind,
            "capacity": p.capacity,
            "used": p.used,
            "delegated": p.delegated,
            "remaining": p.remaining,
        }
        for a in accounts
        for p in s.pools(a.id)
    ]


def to_csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """The rows as CSV with a header line."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# injection"); a leading apostrophe makes it text, and spreadsheets hide the apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """``value`` safe to open in a spreadsheet: text that would run as a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def run_report(
    s: SqlStore, kind: str, account: Account, wanted: Iterable[str], days: DateRange
) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """The rows and CSV columns of report ``kind``; raises BadRequest ``unknown_report``."""
    accounts = selection(s, account, wanted)
    if kind == "active-hosts":
        return active_hosts(s, accounts, days), ACTIVE_HOSTS_COLUMNS
    if kind == "license-use":
        return license_use(s, accounts), LICENSE_USE_COLUMNS
    raise BadRequest("Reports are active-hosts and license-use.", code="unknown_report")


def _answer(kind: str, account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    days = DateRange.parse(
        request.args.get("from"), request.args.get("to"), store().clock.now().date()
    )
    wanted = request.args.get("accounts", "").split(",")
    rows, columns = run_report(store(), kind, account, wanted, days)
    if request.args.get("format") == "csv":
        name = f"{kind}-{account.number}-{days.start}-{days.end}.csv"
        return Response(
            to_csv(rows, columns),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return jsonify(
        {"report": kind, "from": days.start.isoformat(), "to": days.end.isoformat(), "rows": rows}
    )


REPORT_ERRORS = ("invalid_date", "not_in_this_family")


@api.route(
    "/accounts/<int:account_id>/reports/active-hosts",
    "GET",
    "Active hosts (distinct SSO sign-ins) per selected sub-account over from..to "
    "(accounts=ids or numbers, comma-separated; format=csv for CSV)",
    tag="reports",
    errors=REPORT_ERRORS,
)
def active_hosts_report(account_id: int) -> ResponseReturnValue:
    return _answer("active-hosts", account_id)


@api.route(
    "/accounts/<int:account_id>/reports/license-use",
    "GET",
    "License use per selected sub-account and seat kind (format=csv for CSV)",
    tag="reports",
    errors=REPORT_ERRORS,
)
def license_use_report(account_id: int) -> ResponseReturnValue:
    return _answer("license-use", account_id)
