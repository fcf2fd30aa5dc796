"""Users seen through a domain: counts, outside users, prompts, passwords, migrations (SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gateway.store import schema
from gateway.store.base import SqlBase, aware
from gateway.store.errors import NotFound
from gateway.store.records import User
from gateway.store.users import user_from_row

U = schema.users
D = schema.domains
INV = schema.invitations
PR = schema.consolidation_prompts
MIG = schema.account_migrations
REL = schema.data_releases


@dataclass(frozen=True)
class Prompt:
    user_id: str
    domain: str
    prompts: int
    last_prompt_at: dt.datetime | None
    choice: str | None


@dataclass(frozen=True)
class AccountMigration:
    id: int
    master_account_id: int
    source_account_id: int
    target_account_id: int
    tentative_date: str
    approved_by: str
    emails: tuple[str, ...]
    report: list[dict[str, Any]]
    state: str


def _with_domain(domain: str) -> sa.ColumnElement[bool]:
    # Domains are checked to [a-z0-9.-], so no LIKE wildcard can hide in them.
    return U.c.email_key.like("%@" + domain.lower())


class DomainUsersMixin(SqlBase):
    """Queries across accounts by email domain, and the per-user state of the prompts."""

    def domain_holder(self, domain: str) -> int | None:
        """The id of the account that verified ``domain``, or None."""
        with self.transaction() as conn:
            row = conn.execute(
                sa.select(D.c.account_id).where(D.c.verified_domain == domain.lower())
            ).first()
            return None if row is None else int(row[0])

    def set_domain_options(
        self, account_id: int, domain: str, options: dict[str, bool], *, actor: str
    ) -> None:
        """Replace a domain's options (manage, allow_consolidation, allow_signup)."""
        with self.transaction() as conn:
            cond = (D.c.account_id == account_id, D.c.domain == domain)
            before = conn.execute(sa.select(D.c.options).where(*cond)).scalar_one()
            conn.execute(D.update().where(*cond).values(options=options))
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="domain.options",
                target=domain,
                before=before,
                after=options,
            )

    def domain_counts(self, account_id: int, domain: str) -> tuple[int, int]:
        """How many users with ``domain`` are in the account, and how many in other accounts."""
        with self.transaction() as conn:
            inside = sa.case((U.c.account_id == account_id, 1), else_=0)
            outside = sa.case((U.c.account_id != account_id, 1), else_=0)
            row = conn.execute(
                sa.select(sa.func.sum(inside), sa.func.sum(outside)).where(_with_domain(domain))
            ).one()
            return int(row[0] or 0), int(row[1] or 0)

    def outside_users(self, account_id: int, domain: str) -> list[User]:
        """Users with ``domain`` in other accounts (for notices and data releases only)."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(U)
                .where(_with_domain(domain), U.c.account_id != account_id)
                .order_by(U.c.email_key)
            )
            return [user_from_row(r) for r in rows]

    def pending_vips(self, account_id: int) -> list[str]:
        """Emails of the account's own VIPs still pending: pending users, open invitations."""
        with self.transaction() as conn:
            users = conn.execute(
                sa.select(U.c.email).where(
                    U.c.account_id == account_id, U.c.vip.is_(True), U.c.status == "pending"
                )
            ).scalars()
            invited = conn.execute(
                sa.select(INV.c.email).where(
                    INV.c.account_id == account_id,
                    INV.c.vip.is_(True),
                    INV.c.status.in_(["sent", "accepted"]),
                )
            ).scalars()
            return sorted({*users, *invited}, key=str.lower)

    def users_of_account(self, account_id: int) -> list[User]:
        """Every user of the account, oldest first (for a whole-account consolidation)."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(U).where(U.c.account_id == account_id).order_by(U.c.created_at, U.c.id)
            )
            return [user_from_row(r) for r in rows]

    def password_hash(self, user_id: str) -> str | None:
        """The user's stored password hash, or None."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(U.c.password_hash).where(U.c.id == user_id)).first()
            return None if row is None else row[0]

    def set_password_hash(self, user_id: str, password_hash: str, *, actor: str) -> None:
        """Store a new password hash (the audit entry never carries it)."""
        with self.transaction() as conn:
            conn.execute(U.update().where(U.c.id == user_id).values(password_hash=password_hash))
            self.audit(conn, actor=actor, account_id=None, action="user.password", target=user_id)

    def get_prompt(self, user_id: str) -> Prompt | None:
        """The user's prompt state, or None before the first prompt."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(PR).where(PR.c.user_id == user_id)).first()
            if row is None:
                return None
            return Prompt(
                row.user_id, row.domain, row.prompts, aware(row.last_prompt_at), row.choice
            )

    def count_prompt(self, user_id: str, domain: str, limit: int) -> Prompt:
        """Count one more prompt shown at sign-in, never beyond ``limit``."""
        with self.transaction() as conn:
            now = self.clock.now()
            current = self.get_prompt(user_id)
            if current is None:
                conn.execute(
                    PR.insert().values(
                        user_id=user_id, domain=domain, prompts=1, last_prompt_at=now
                    )
                )
            elif current.choice is None and current.prompts < limit:
                conn.execute(
                    PR.update()
                    .where(PR.c.user_id == user_id)
                    .values(prompts=current.prompts + 1, last_prompt_at=now)
                )
            found = self.get_prompt(user_id)
            assert found is not None
            return found

    def record_choice(self, user_id: str, choice: str | None) -> None:
        """Record the user's answer to the prompt (None forgets the prompt entirely)."""
        with self.transaction() as conn:
            if choice is None:
                conn.execute(PR.delete().where(PR.c.user_id == user_id))
                return
            conn.execute(
                PR.update()
                .where(PR.c.user_id == user_id)
                .values(choice=choice, chosen_at=self.clock.now())
            )

    def create_account_migration(self, values: dict[str, Any], *, actor: str) -> AccountMigration:
        """Record a planned migration between a master's accounts with its dry-run report."""
        with self.transaction() as conn:
            now = self.clock.now()
            new_id = conn.execute(
                MIG.insert()
                .values(**values, state="planned", created_at=now, updated_at=now)
                .returning(MIG.c.id)
            ).scalar_one()
            self.audit(
                conn,
                actor=actor,
                account_id=values["master_account_id"],
                action="migration.plan",
                target=str(new_id),
                after={k: v for k, v in values.items() if k != "report"},
            )
            return self.get_account_migration(new_id)

    def get_account_migration(self, migration_id: int) -> AccountMigration:
        """The migration; raises NotFound ``migration_not_found``."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(MIG).where(MIG.c.id == migration_id)).first()
            if row is None:
                raise NotFound("No such migration.", code="migration_not_found")
            return AccountMigration(
                row.id,
                row.master_account_id,
                row.source_account_id,
                row.target_account_id,
                row.tentative_date,
                row.approved_by,
                tuple(row.emails),
                list(row.report),
                row.state,
            )

    def save_migration_report(
        self, migration_id: int, report: list[dict[str, Any]], *, actor: str
    ) -> AccountMigration:
        """Store the report of a run (audited on the master account)."""
        with self.transaction() as conn:
            conn.execute(
                MIG.update()
                .where(MIG.c.id == migration_id)
                .values(report=report, state="ran", updated_at=self.clock.now())
            )
            migration = self.get_account_migration(migration_id)
            self.audit(
                conn,
                actor=actor,
                account_id=migration.master_account_id,
                action="migration.run",
                target=str(migration_id),
                after={"rows": len(report)},
            )
            return migration

    def record_data_release(
        self, account_id: int, domain: str, attestations: dict[str, bool], **who: Any
    ) -> None:
        """Record a domain data release: who asked, who signed, how many users it named."""
        with self.transaction() as conn:
            conn.execute(
                REL.insert().values(
                    account_id=account_id,
                    domain=domain,
                    attestations=attestations,
                    signed_by=who["signed_by"],
                    requested_by=who["requested_by"],
                    released_count=who["released_count"],
                    created_at=self.clock.now(),
                )
            )
            self.audit(
                conn,
                actor=who["requested_by"],
                account_id=account_id,
                action="domain.data_release",
                target=domain,
                after={"signed_by": who["signed_by"], "count": who["released_count"]},
            )
