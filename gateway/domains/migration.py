"""Migration of members between a master and its sub-accounts (the seed's support procedure)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gateway.errors import BadRequest, Forbidden
from gateway.store.domain_users import AccountMigration
from gateway.store.errors import StoreError
from gateway.store.records import Account
from gateway.store.sql import SqlStore
from gateway.store.validation import normalize_email

MAX_EMAILS = 10_000
NOT_MEMBER = "not a member of this master or its sub-accounts: must be invited"

Progress = Callable[[dict[str, Any]], None]


def email_column(lines: Iterable[str]) -> list[str]:
    """The emails of a one-column CSV (a header 'email' and blank lines are skipped)."""
    emails = []
    for number, fields in enumerate(csv.reader(lines), start=1):
        value = fields[0].strip() if fields else ""
        if value and not (number == 1 and value.lower() == "email"):
            emails.append(value)
    return emails


@dataclass(frozen=True)
class MigrationService:
    """Plans (dry run) and runs migrations approved by the master's admin."""

    store: SqlStore

    def plan(self, master: Account, body: dict[str, Any], *, actor: str) -> AccountMigration:
        """Check accounts and date, then record the dry-run report; raises BadRequest/Forbidden."""
        family = self._family(master)
        source = self._member_account(family, body.get("source_account"), "source_account")
        target = self._member_account(family, body.get("target_account"), "target_account")
        if target.id == master.id or source.id == target.id:
            raise BadRequest(
                "Migrations go from the master to a sub-account or between two sub-accounts.",
                code="invalid_direction",
            )
        emails = body.get("emails")
        if not isinstance(emails, list) or not emails or len(emails) > MAX_EMAILS:
            raise BadRequest(
                f"'emails' must be a list of 1 to {MAX_EMAILS} addresses.", code="invalid_emails"
            )
        values = {
            "master_account_id": master.id,
            "source_account_id": source.id,
            "target_account_id": target.id,
            "tentative_date": _date(body.get("tentative_date")),
            "approved_by": actor,
            "emails": [str(e) for e in emails],
        }
        values["report"] = [self._row(str(e), family, source, target) for e in emails]
        return self.store.create_account_migration(values, actor=actor)

    def run(
        self, migration: AccountMigration, *, actor: str, progress: Progress | None = None
    ) -> AccountMigration:
        """Move every member, one transaction each; re-running finds them already moved."""
        master = self.store.get_account(migration.master_account_id)
        family = self._family(master)
        source = self.store.get_account(migration.source_account_id)
        target = self.store.get_account(migration.target_account_id)
        report = []
        for email in migration.emails:
            row = self._row(email, family, source, target)
            if row["result"] == "will_migrate":
                row = self._move(row, target, actor)
            report.append(row)
            if progress is not None:
                progress(row)
        return self.store.save_migration_report(migration.id, report, actor=actor)

    def _move(self, row: dict[str, Any], target: Account, actor: str) -> dict[str, Any]:
        try:
            with self.store.transaction():
                self.store.move_user(row["user_id"], target.id, actor=actor, source="migration")
                self.store.end_user_sessions(row["user_id"])
        except StoreError as e:
            return {**row, "result": "failed", "code": e.code, "message": e.message}
        return {**row, "result": "migrated", "message": f"moved to {target.name}"}

    def _family(self, master: Account) -> dict[int, Account]:
        below = self.store.descendants(master.id)
        if not below:
            raise Forbidden(
                "Only a master account's owner or admins approve migrations between its "
                "accounts; this account has no sub-accounts.",
                code="master_approval_required",
            )
        return {a.id: a for a in [master, *below]}

    def _member_account(self, family: dict[int, Account], ref: Any, field: str) -> Account:
        for account in family.values():
            if str(ref) in (account.number, str(account.id)):
                return account
        raise Forbidden(
            f"{field} must be the number of this master or one of its sub-accounts.",
            code="not_your_account",
        )

    def _row(
        self, email: str, family: dict[int, Account], source: Account, target: Account
    ) -> dict[str, Any]:
        try:
            address = normalize_email(email)
        except BadRequest as e:
            return {"email": email, "result": "refused", "code": e.code, "message": e.message}
        user = self.store.find_user_by_email(address)
        if user is None or user.account_id not in family:
            return {"email": address, "result": "not_a_member", "message": NOT_MEMBER}
        row = {"email": address, "user_id": user.id}
        if user.account_id == target.id:
            return {**row, "result": "already_in_target", "message": "nothing to do"}
        if user.account_id != source.id:
            return {
                **row,
                "result": "not_in_source",
                "message": f"a member of {family[user.account_id].name}, not of {source.name}",
            }
        if user.role == "Owner":
            return {
                **row,
                "result": "refused",
                "code": "is_account_owner",
                "message": "hand the source account's ownership over first",
            }
        return {**row, "result": "will_migrate", "message": f"will migrate to {target.name}"}


def _date(value: Any) -> str:
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError as e:
        raise BadRequest(
            "'tentative_date' must be a date like 2026-04-01.", code="invalid_date"
        ) from e
